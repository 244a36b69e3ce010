#include "arbor/k8s/reflector.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/log.h"

namespace arbor::k8s {
namespace {

constexpr char kComponent[] = "k8s.reflector";

std::string TypeOf(const Json& event) {
  auto it = event.find("type");
  return it != event.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Reflector::Reflector(ApiClient& api, ReflectorOptions options, ReflectorCallbacks callbacks)
    : api_(api), options_(std::move(options)), callbacks_(std::move(callbacks)) {}

Reflector::~Reflector() { Stop(); }

void Reflector::Start() {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] { Run(); });
}

void Reflector::Stop() {
  {
    absl::MutexLock lock(&sleep_mu_);
    stop_.store(true);
  }
  if (thread_.joinable()) thread_.join();
}

bool Reflector::HasSynced() const {
  absl::MutexLock lock(&mu_);
  return synced_;
}

std::optional<Json> Reflector::Get(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> Reflector::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Json> out;
  out.reserve(cache_.size());
  for (const auto& [key, obj] : cache_) out.push_back(obj);
  return out;
}

std::string Reflector::ResourceVersion() const {
  absl::MutexLock lock(&mu_);
  return resource_version_;
}

ReflectorStats Reflector::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

bool Reflector::SleepFor(absl::Duration d) {
  absl::MutexLock lock(&sleep_mu_);
  auto stopping = [this] { return stop_.load(); };
  sleep_mu_.AwaitWithTimeout(absl::Condition(&stopping), d);
  return !stop_.load();
}

void Reflector::Run() {
  net::Backoff backoff(options_.backoff);
  bool need_list = true;
  while (!stop_.load()) {
    if (need_list) {
      if (!ListAndReplace()) {
        if (!SleepFor(backoff.Next())) return;
        continue;
      }
      need_list = false;
      backoff.Reset();
    }
    switch (WatchOnce()) {
      case Next::kStop:
        return;
      case Next::kResume:
        backoff.Reset();
        break;
      case Next::kRelist:
        need_list = true;
        break;
      case Next::kBackoff:
        if (!SleepFor(backoff.Next())) return;
        break;
    }
  }
}

bool Reflector::ListAndReplace() {
  absl::StatusOr<Json> list = api_.List(options_.path, options_.page_size, options_.extra_query);
  if (!list.ok()) {
    ARBOR_LOG(kWarning, kComponent, "list failed")
        .Field("reflector", options_.name)
        .Field("error", std::string(list.status().message()));
    absl::MutexLock lock(&mu_);
    ++stats_.watch_errors;
    return false;
  }
  std::map<std::string, Json> fresh;
  if (list->contains("items") && (*list)["items"].is_array()) {
    for (Json& item : (*list)["items"]) {
      std::string key = ObjectKey(item);
      fresh.emplace(std::move(key), std::move(item));
    }
  }
  std::vector<std::pair<std::string, Json>> deleted;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [key, obj] : cache_) {
      if (!fresh.contains(key)) deleted.emplace_back(key, std::move(obj));
    }
    cache_ = fresh;
    resource_version_ = ResourceVersionOf(*list);
    ++stats_.lists;
  }
  ARBOR_LOG(kInfo, kComponent, "listed")
      .Field("reflector", options_.name)
      .Field("objects", fresh.size())
      .Field("vanished", deleted.size())
      .Field("resource_version", ResourceVersionOf(*list));
  if (callbacks_.on_apply) {
    for (const auto& [key, obj] : fresh) callbacks_.on_apply(key, obj);
  }
  if (callbacks_.on_delete) {
    for (const auto& [key, obj] : deleted) callbacks_.on_delete(key, obj);
  }
  if (callbacks_.on_synced) callbacks_.on_synced();
  // Only now: a caller polling HasSynced() must find every callback of the list already run.
  absl::MutexLock lock(&mu_);
  synced_ = true;
  return true;
}

void Reflector::Apply(const std::string& type, const Json& object) {
  const std::string key = ObjectKey(object);
  Json last_known = object;
  {
    absl::MutexLock lock(&mu_);
    const std::string rv = ResourceVersionOf(object);
    if (!rv.empty()) resource_version_ = rv;
    ++stats_.events;
    if (type == "DELETED") {
      cache_.erase(key);
    } else {
      cache_[key] = object;
    }
  }
  if (type == "DELETED") {
    if (callbacks_.on_delete) callbacks_.on_delete(key, last_known);
  } else if (callbacks_.on_apply) {
    callbacks_.on_apply(key, last_known);
  }
}

Reflector::Next Reflector::WatchOnce() {
  const std::string rv = ResourceVersion();
  std::string target = absl::StrCat(
      options_.path, options_.path.find('?') == std::string::npos ? "?" : "&",
      "watch=1&allowWatchBookmarks=true&resourceVersion=", QueryEscape(rv),
      "&timeoutSeconds=", std::max<int64_t>(1, absl::ToInt64Seconds(options_.watch_timeout)));
  if (!options_.extra_query.empty()) absl::StrAppend(&target, "&", options_.extra_query);
  absl::StatusOr<std::unique_ptr<WatchStream>> stream =
      api_.OpenWatch(target, &stop_, options_.watch_timeout + options_.idle_grace);
  if (stop_.load()) return Next::kStop;
  if (!stream.ok()) {
    if (IsGone(stream.status())) {
      ARBOR_LOG(kInfo, kComponent, "watch resourceVersion expired (HTTP 410); relisting")
          .Field("reflector", options_.name)
          .Field("resource_version", rv);
      absl::MutexLock lock(&mu_);
      ++stats_.relists_gone;
      return Next::kRelist;
    }
    ARBOR_LOG(kWarning, kComponent, "watch request failed")
        .Field("reflector", options_.name)
        .Field("error", std::string(stream.status().message()));
    absl::MutexLock lock(&mu_);
    ++stats_.watch_errors;
    return Next::kBackoff;
  }
  {
    absl::MutexLock lock(&mu_);
    ++stats_.watches_opened;
  }
  while (true) {
    absl::StatusOr<Json> event;
    try {
      event = (*stream)->Next();
    } catch (const std::exception& e) {
      event = absl::InternalError(absl::StrCat("watch: exception: ", e.what()));
    }
    if (stop_.load()) return Next::kStop;
    if (!event.ok()) {
      if (event.status().code() == absl::StatusCode::kOutOfRange) return Next::kResume;
      ARBOR_LOG(kWarning, kComponent, "watch stream broke; resuming")
          .Field("reflector", options_.name)
          .Field("error", std::string(event.status().message()))
          .Field("resource_version", ResourceVersion());
      absl::MutexLock lock(&mu_);
      ++stats_.watch_errors;
      return Next::kBackoff;
    }
    const std::string type = TypeOf(*event);
    const Json object = event->value("object", Json::object());
    if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
      Apply(type, object);
    } else if (type == "BOOKMARK") {
      const std::string bookmark_rv = ResourceVersionOf(object);
      absl::MutexLock lock(&mu_);
      if (!bookmark_rv.empty()) resource_version_ = bookmark_rv;
      ++stats_.bookmarks;
    } else if (type == "ERROR") {
      const int code =
          object.is_object() && object.contains("code") && object["code"].is_number_integer()
              ? object["code"].get<int>()
              : 0;
      if (code == 410) {
        ARBOR_LOG(kInfo, kComponent, "watch ERROR 410 (expired); relisting")
            .Field("reflector", options_.name);
        absl::MutexLock lock(&mu_);
        ++stats_.relists_gone;
        return Next::kRelist;
      }
      ARBOR_LOG(kWarning, kComponent, "watch ERROR event")
          .Field("reflector", options_.name)
          .Field("event", object.dump());
      absl::MutexLock lock(&mu_);
      ++stats_.watch_errors;
      return Next::kBackoff;
    } else {
      ARBOR_LOG(kWarning, kComponent, "unknown watch event type ignored")
          .Field("reflector", options_.name)
          .Field("type", type);
    }
  }
}

}  // namespace arbor::k8s
