// The real arbor::k8s client (HTTPS, token file, watch streaming) against
// tests/k8s/apiserver/fake_apiserver.py with a CA generated per test. Durations are short, but
// assertions are about outcomes and ordering only; waits have generous timeouts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "arbor/k8s/api_client.h"
#include "arbor/k8s/events.h"
#include "arbor/k8s/leader_election.h"
#include "arbor/k8s/object_ops.h"
#include "arbor/k8s/reflector.h"
#include "arbor/testing/child_process.h"

namespace arbor::k8s {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const GroupVersionResource kTp{"arbor.dev", "v1alpha1", "tradingpolicies"};
constexpr char kNs[] = "trading";

bool WaitFor(const std::function<bool()>& pred, absl::Duration timeout = absl::Seconds(30)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return pred();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

int Shell(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str());
}

// Generates a CA and a certificate for 127.0.0.1 signed by it in `dir` (prefix.ca.crt,
// prefix.crt, prefix.key).
void MakeCa(const std::string& dir, const std::string& prefix) {
  const std::string p = absl::StrCat(dir, "/", prefix);
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  ASSERT_EQ(Shell(absl::StrCat("openssl req -x509 ", ec, " -keyout ", p, ".ca.key -out ", p,
                               ".ca.crt -days 2 -subj /CN=arbor-test-ca")),
            0);
  ASSERT_EQ(Shell(absl::StrCat("openssl req ", ec, " -keyout ", p, ".key -out ", p,
                               ".csr -subj /CN=127.0.0.1")),
            0);
  WriteFile(p + ".ext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
            "extendedKeyUsage=serverAuth\n");
  ASSERT_EQ(
      Shell(absl::StrCat("openssl x509 -req -in ", p, ".csr -CA ", p, ".ca.crt -CAkey ", p,
                         ".ca.key -CAcreateserial -out ", p, ".crt -days 2 -extfile ", p, ".ext")),
      0);
}

Json Policy(const std::string& name, const std::string& lane = "lane-a") {
  return Json{{"apiVersion", "arbor.dev/v1alpha1"},
              {"kind", "TradingPolicy"},
              {"metadata", {{"name", name}}},
              {"spec", {{"lane", lane}, {"capitalCapCents", 1000}}}};
}

// Thread-safe log of reflector callbacks: "apply ns/name", "delete ns/name", "synced".
class CallbackLog {
 public:
  ReflectorCallbacks Callbacks() {
    return {[this](const std::string& key, const Json&) { Add("apply " + key); },
            [this](const std::string& key, const Json&) { Add("delete " + key); },
            [this] { Add("synced"); }};
  }
  void Add(const std::string& line) {
    absl::MutexLock lock(&mu_);
    lines_.push_back(line);
  }
  std::vector<std::string> Lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }
  bool Contains(const std::string& line) const {
    absl::MutexLock lock(&mu_);
    return std::find(lines_.begin(), lines_.end(), line) != lines_.end();
  }
  int Count(const std::string& line) const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(std::count(lines_.begin(), lines_.end(), line));
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    lines_.clear();
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_;
};

class FakeApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/arbor_k8s_fake_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    MakeCa(dir_, "server");
    if (HasFatalFailure()) return;
    token_file_ = dir_ + "/token";
    WriteFile(token_file_, "token-one\n");
    absl::StatusOr<testing::ChildProcess> child = testing::ChildProcess::Start(
        {ARBOR_PYTHON, ARBOR_FAKE_APISERVER, "--cert", dir_ + "/server.crt", "--key",
         dir_ + "/server.key", "--token", "token-one", "--crd", ARBOR_TEST_CRD,
         "--bookmark-interval", "0.3"});
    ASSERT_TRUE(child.ok()) << child.status();
    server_ = std::make_unique<testing::ChildProcess>(std::move(*child));
    absl::StatusOr<std::string> ready = server_->ReadLine();
    ASSERT_TRUE(ready.ok()) << ready.status();
    port_ = testing::JsonIntField(*ready, "port");
    ASSERT_GT(port_, 0) << *ready;
    api_ = NewClient(dir_ + "/server.ca.crt");
    ASSERT_NE(api_, nullptr);
  }

  void TearDown() override {
    api_.reset();
    if (server_ != nullptr) server_->Stop(SIGKILL);  // our own child, by PID
    if (!dir_.empty()) Shell("rm -rf " + dir_);
  }

  ClusterConfig Config(const std::string& ca_file) const {
    ConfigOverrides o;
    o.api_url = absl::StrCat("https://127.0.0.1:", port_);
    o.token_file = token_file_;
    o.ca_file = ca_file;
    o.namespace_name = kNs;
    absl::StatusOr<ClusterConfig> config = InClusterConfig(o);
    EXPECT_TRUE(config.ok()) << config.status();
    return *config;
  }

  std::unique_ptr<ApiClient> NewClient(const std::string& ca_file) {
    ApiClientOptions options;
    options.request_timeout = absl::Seconds(20);
    options.retry_backoff_min = absl::Milliseconds(20);
    options.retry_backoff_max = absl::Milliseconds(100);
    // Record retry delays instead of sleeping them in full.
    options.sleep = [this](absl::Duration d) {
      {
        absl::MutexLock lock(&sleeps_mu_);
        sleeps_.push_back(d);
      }
      absl::SleepFor(std::min(d, absl::Milliseconds(20)));
    };
    absl::StatusOr<std::unique_ptr<ApiClient>> api = ApiClient::Create(Config(ca_file), options);
    EXPECT_TRUE(api.ok()) << api.status();
    return api.ok() ? std::move(*api) : nullptr;
  }

  std::vector<absl::Duration> Sleeps() {
    absl::MutexLock lock(&sleeps_mu_);
    return sleeps_;
  }

  Json Control(const std::string& path, const Json& body = Json::object()) {
    absl::StatusOr<RawResponse> r =
        api_->Request("POST", "/_control/" + path, body.dump(), "application/json", false);
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200) << r->body;
    return Json::parse(r->body, nullptr, false);
  }

  Json State() {
    absl::StatusOr<Json> s = api_->Get("/_control/state");
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : Json();
  }

  // Recorded requests whose "path?query" matches `pattern`.
  std::vector<Json> Requests(const std::string& pattern) {
    absl::StatusOr<Json> all = api_->Get("/_control/requests");
    EXPECT_TRUE(all.ok()) << all.status();
    std::vector<Json> out;
    const std::regex re(pattern);
    for (const Json& r : (*all)["requests"]) {
      const std::string query = r["query"].get<std::string>();
      const std::string target = r["path"].get<std::string>() + (query.empty() ? "" : "?" + query);
      if (std::regex_search(target, re)) out.push_back(r);
    }
    return out;
  }

  Json MustCreate(const Json& obj) {
    absl::StatusOr<Json> created = api_->Create(CollectionPath(kTp, kNs), obj);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Json();
  }

  ObjectRef Ref(const std::string& name) { return {kTp, kNs, name}; }

  ReflectorOptions FastReflector() {
    ReflectorOptions o;
    o.path = CollectionPath(kTp, kNs);
    o.page_size = 2;
    o.watch_timeout = absl::Seconds(30);
    o.backoff = {absl::Milliseconds(20), absl::Milliseconds(200), 2.0, net::Jitter::kFull};
    return o;
  }

  std::string dir_;
  std::string token_file_;
  int port_ = 0;
  std::unique_ptr<testing::ChildProcess> server_;
  std::unique_ptr<ApiClient> api_;
  absl::Mutex sleeps_mu_;
  std::vector<absl::Duration> sleeps_;
};

// --- REST basics ---

TEST_F(FakeApiServerTest, CreateGetPatchAndListFollowsContinue) {
  for (int i = 0; i < 5; ++i) MustCreate(Policy(absl::StrCat("p", i)));
  absl::StatusOr<Json> got = api_->Get(ObjectPath(Ref("p3")));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(GenerationOf(*got), 1);
  EXPECT_FALSE(UidOf(*got).empty());

  absl::StatusOr<Json> list = api_->List(CollectionPath(kTp, kNs), 2);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ((*list)["items"].size(), 5u);
  EXPECT_EQ(NameOf((*list)["items"][4]), "p4");
  EXPECT_FALSE(ResourceVersionOf(*list).empty());
  EXPECT_FALSE((*list)["metadata"].contains("continue"));
  EXPECT_EQ(Requests("tradingpolicies\\?.*limit=2").size(), 3u);  // 2 + 2 + 1
  EXPECT_EQ(Requests("tradingpolicies\\?.*continue=").size(), 2u);

  // A spec change bumps generation; the request carried the documented headers.
  absl::StatusOr<Json> patched =
      api_->MergePatch(ObjectPath(Ref("p3")), {{"spec", {{"abort", true}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(GenerationOf(*patched), 2);
  std::vector<Json> patches = Requests("p3$");
  ASSERT_FALSE(patches.empty());
  const Json& h = patches.back()["headers"];
  EXPECT_EQ(h["content-type"], "application/merge-patch+json");
  EXPECT_EQ(h["accept"], "application/json");
  EXPECT_EQ(h["authorization"], "Bearer token-one");

  absl::StatusOr<Json> missing = api_->Get(ObjectPath(Ref("nope")));
  EXPECT_TRUE(IsHttpNotFound(missing.status())) << missing.status();
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<Json> dup = api_->Create(CollectionPath(kTp, kNs), Policy("p1"));
  EXPECT_TRUE(IsHttpAlreadyExists(dup.status())) << dup.status();
}

TEST_F(FakeApiServerTest, InvalidObjectIsRejectedWithTheSchemaReason) {
  Json bad = Policy("bad");
  bad["spec"]["capitalCapCents"] = -5;
  absl::StatusOr<Json> created = api_->Create(CollectionPath(kTp, kNs), bad);
  EXPECT_TRUE(IsInvalid(created.status())) << created.status();
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(created.status().message()), HasSubstr("spec.capitalCapCents"));
}

TEST_F(FakeApiServerTest, StatusWritesChangeOnlyStatusAndMainWritesIgnoreStatus) {
  MustCreate(Policy("s"));
  absl::StatusOr<Json> after =
      PatchStatus(*api_, Ref("s"), [](const Json& cur) -> absl::StatusOr<Json> {
        return Json{{"observedGeneration", GenerationOf(cur)}, {"currentStageIndex", 1}};
      });
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ((*after)["status"]["currentStageIndex"], 1);
  EXPECT_EQ(GenerationOf(*after), 1);  // status writes never bump generation
  absl::StatusOr<Json> main =
      api_->MergePatch(ObjectPath(Ref("s")), {{"status", {{"currentStageIndex", 7}}}});
  ASSERT_TRUE(main.ok()) << main.status();
  EXPECT_EQ((*main)["status"]["currentStageIndex"], 1);
}

// --- optimistic writes ---

TEST_F(FakeApiServerTest, StatusPatchConflictRetriesWithFreshObject) {
  Json stale = MustCreate(Policy("c"));
  // Someone else changes the spec: our copy is now stale (generation 1, old resourceVersion).
  ASSERT_TRUE(api_->MergePatch(ObjectPath(Ref("c")), {{"spec", {{"lane", "lane-b"}}}}).ok());
  std::vector<int64_t> seen_generations;
  absl::StatusOr<Json> result = PatchStatus(
      *api_, Ref("c"),
      [&](const Json& cur) -> absl::StatusOr<Json> {
        seen_generations.push_back(GenerationOf(cur));
        return Json{{"observedGeneration", GenerationOf(cur)}};
      },
      &stale);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(seen_generations, ElementsAre(1, 2));  // recomputed from the fresh object
  EXPECT_EQ((*result)["status"]["observedGeneration"], 2);
  const std::vector<Json> writes = Requests("/c/status");
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_EQ(writes[0]["status"], 409);
  EXPECT_EQ(writes[1]["status"], 200);

  // An injected 409 on a fresh object: same path.
  Control("fault", {{"path", "/c/status"}, {"method", "PATCH"}, {"status", 409}, {"count", 1}});
  int calls = 0;
  result = PatchStatus(*api_, Ref("c"), [&](const Json&) -> absl::StatusOr<Json> {
    ++calls;
    return Json{{"message", "ok"}};
  });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(calls, 2);

  // Persistent conflict: bounded.
  Control("fault", {{"path", "/c/status"}, {"method", "PATCH"}, {"status", 409}, {"count", 100}});
  result = PatchStatus(*api_, Ref("c"),
                       [&](const Json&) -> absl::StatusOr<Json> { return Json::object(); }, nullptr,
                       {.max_attempts = 3});
  EXPECT_TRUE(IsConflict(result.status())) << result.status();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
}

TEST_F(FakeApiServerTest, FinalizersHoldDeletionUntilRemoved) {
  MustCreate(Policy("f"));
  Control("fault", {{"path", "/f$"}, {"method", "PATCH"}, {"status", 409}, {"count", 1}});
  absl::StatusOr<Json> added = AddFinalizer(*api_, Ref("f"), "arbor.dev/capital-release");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_TRUE(HasFinalizer(*added, "arbor.dev/capital-release"));
  // Idempotent: no second write.
  const size_t patches = Requests("/f$").size();
  ASSERT_TRUE(AddFinalizer(*api_, Ref("f"), "arbor.dev/capital-release").ok());
  EXPECT_EQ(Requests("/f$").size(), patches + 1);  // the GET only

  absl::StatusOr<Json> deleted = api_->Delete(ObjectPath(Ref("f")));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  absl::StatusOr<Json> still = api_->Get(ObjectPath(Ref("f")));
  ASSERT_TRUE(still.ok()) << still.status();
  EXPECT_TRUE((*still)["metadata"].contains("deletionTimestamp"));

  absl::StatusOr<Json> removed = RemoveFinalizer(*api_, Ref("f"), "arbor.dev/capital-release");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_TRUE(IsHttpNotFound(api_->Get(ObjectPath(Ref("f"))).status()));
}

// --- retries ---

TEST_F(FakeApiServerTest, ThrottlingHonoursRetryAfter) {
  MustCreate(Policy("t"));
  Control("fault",
          {{"path", "/t$"}, {"method", "GET"}, {"status", 429}, {"retry_after", 2}, {"count", 2}});
  absl::StatusOr<Json> got = api_->Get(ObjectPath(Ref("t")));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(Sleeps(), ElementsAre(absl::Seconds(2), absl::Seconds(2)));
  const std::vector<Json> gets = Requests("/t$");
  ASSERT_EQ(gets.size(), 3u);
  EXPECT_EQ(gets[0]["status"], 429);
  EXPECT_EQ(gets[2]["status"], 200);

  // More throttling than the retry bound: ResourceExhausted; a huge Retry-After is clamped.
  Control("fault", {{"path", "/t$"}, {"status", 429}, {"retry_after", 3600}, {"count", 10}});
  got = api_->Get(ObjectPath(Ref("t")));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kResourceExhausted) << got.status();
  for (absl::Duration d : Sleeps()) EXPECT_LE(d, absl::Seconds(10));
}

TEST_F(FakeApiServerTest, ServerErrorsAreRetriedForIdempotentVerbsOnly) {
  MustCreate(Policy("e"));
  Control("fault", {{"path", "/e$"}, {"method", "GET"}, {"status", 500}, {"count", 2}});
  absl::StatusOr<Json> got = api_->Get(ObjectPath(Ref("e")));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Requests("/e$").size(), 3u);

  Control("fault", {{"path", "/e$"}, {"method", "PATCH"}, {"status", 500}, {"count", 1}});
  absl::StatusOr<Json> patched =
      api_->MergePatch(ObjectPath(Ref("e")), {{"spec", {{"abort", true}}}});
  EXPECT_EQ(patched.status().code(), absl::StatusCode::kInternal) << patched.status();
  EXPECT_EQ(HttpCode(patched.status()), 500);
  EXPECT_EQ(Requests("/e$").size(), 4u);  // not retried

  Control("fault", {{"path", "/e$"}, {"method", "GET"}, {"status", 503}, {"count", 100}});
  got = api_->Get(ObjectPath(Ref("e")));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Requests("/e$").size(), 4u + 4u);  // 1 + max_server_error_retries (3)
}

TEST_F(FakeApiServerTest, TokenRotationRereadsTheFileAfter401) {
  MustCreate(Policy("r"));
  EXPECT_EQ(api_->token_source().reads(), 1);
  Control("token", {{"token", "token-two"}});
  WriteFile(token_file_, "token-two\n");
  absl::StatusOr<Json> got = api_->Get(ObjectPath(Ref("r")));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(api_->token_source().reads(), 2);
  const std::vector<Json> gets = Requests("/r$");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0]["status"], 401);
  EXPECT_EQ(gets[0]["headers"]["authorization"], "Bearer token-one");
  EXPECT_EQ(gets[1]["headers"]["authorization"], "Bearer token-two");

  // Watches re-read too.
  Control("token", {{"token", "token-three"}});
  WriteFile(token_file_, "token-three");
  std::atomic<bool> cancel{false};
  absl::StatusOr<std::unique_ptr<WatchStream>> watch =
      api_->OpenWatch(CollectionPath(kTp, kNs) + "?watch=1&resourceVersion=0&timeoutSeconds=5",
                      &cancel, absl::Seconds(20));
  ASSERT_TRUE(watch.ok()) << watch.status();
  absl::StatusOr<Json> first = (*watch)->Next();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)["type"], "ADDED");

  // A token nobody accepts: Unauthenticated after one re-read.
  Control("token", {{"token", "token-four"}});
  got = api_->Get(ObjectPath(Ref("r")));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnauthenticated) << got.status();
}

TEST_F(FakeApiServerTest, WrongCaFailsTls) {
  MakeCa(dir_, "other");
  std::unique_ptr<ApiClient> wrong = NewClient(dir_ + "/other.ca.crt");
  ASSERT_NE(wrong, nullptr);
  absl::StatusOr<Json> got = wrong->Get("/version");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable) << got.status();
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("TLS"));
  std::atomic<bool> cancel{false};
  auto watch = wrong->OpenWatch(CollectionPath(kTp, kNs) + "?watch=1", &cancel, absl::Seconds(5));
  EXPECT_EQ(watch.status().code(), absl::StatusCode::kUnavailable) << watch.status();
  // The right CA works.
  EXPECT_TRUE(api_->Get("/version").ok());
}

// --- events ---

TEST_F(FakeApiServerTest, EventsArePostedWithTheDocumentedFields) {
  Json policy = MustCreate(Policy("ev"));
  EventRecorder recorder(
      *api_, {.reporting_controller = "arbor.dev/operator", .reporting_instance = "operator-0"});
  const std::string long_note(3000, 'x');
  absl::StatusOr<Json> posted =
      recorder.Post(policy, EventType::kWarning, "GateFailed", "Evaluate", long_note);
  ASSERT_TRUE(posted.ok()) << posted.status();
  absl::StatusOr<Json> list = api_->List(CollectionPath(EventsResource(), kNs));
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ((*list)["items"].size(), 1u);
  const Json& e = (*list)["items"][0];
  EXPECT_EQ(e["apiVersion"], "events.k8s.io/v1");
  EXPECT_TRUE(std::regex_match(e["eventTime"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
      << e["eventTime"];
  EXPECT_EQ(e["reportingController"], "arbor.dev/operator");
  EXPECT_EQ(e["reportingInstance"], "operator-0");
  EXPECT_EQ(e["action"], "Evaluate");
  EXPECT_EQ(e["reason"], "GateFailed");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["note"].get<std::string>().size(), 1024u);
  EXPECT_EQ(e["regarding"]["kind"], "TradingPolicy");
  EXPECT_EQ(e["regarding"]["apiVersion"], "arbor.dev/v1alpha1");
  EXPECT_EQ(e["regarding"]["name"], "ev");
  EXPECT_EQ(e["regarding"]["namespace"], kNs);
  EXPECT_EQ(e["regarding"]["uid"], UidOf(policy));
  EXPECT_EQ(e["regarding"]["resourceVersion"], ResourceVersionOf(policy));
  EXPECT_EQ(NamespaceOf(e), kNs);

  // A failed post is logged, not fatal.
  Control("fault", {{"path", "/events$"}, {"status", 500}, {"count", 1}});
  recorder.Record(policy, EventType::kNormal, "Noop", "Noop", "dropped");
  recorder.Record(policy, EventType::kNormal, "Second", "Noop", "kept");
  list = api_->List(CollectionPath(EventsResource(), kNs));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)["items"].size(), 2u);
}

// --- reflector ---

TEST_F(FakeApiServerTest, ListThenWatchDeliversAddedModifiedDeleted) {
  for (const char* n : {"a", "b", "c"}) MustCreate(Policy(n));
  CallbackLog log;
  Reflector reflector(*api_, FastReflector(), log.Callbacks());
  reflector.Start();
  ASSERT_TRUE(WaitFor([&] { return reflector.HasSynced(); }));
  EXPECT_THAT(log.Lines(),
              ElementsAre("apply trading/a", "apply trading/b", "apply trading/c", "synced"));
  EXPECT_EQ(reflector.List().size(), 3u);
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().watches_opened >= 1; }));

  MustCreate(Policy("d"));
  ASSERT_TRUE(api_->MergePatch(ObjectPath(Ref("a")), {{"spec", {{"lane", "lane-z"}}}}).ok());
  ASSERT_TRUE(api_->Delete(ObjectPath(Ref("b"))).ok());
  ASSERT_TRUE(WaitFor([&] { return log.Contains("delete trading/b"); }));
  const std::vector<std::string> lines = log.Lines();
  EXPECT_THAT(std::vector<std::string>(lines.begin() + 4, lines.end()),
              ElementsAre("apply trading/d", "apply trading/a", "delete trading/b"));
  EXPECT_EQ(reflector.Get("trading/a").value()["spec"]["lane"], "lane-z");
  EXPECT_FALSE(reflector.Get("trading/b").has_value());
  EXPECT_TRUE(reflector.Get("trading/d").has_value());
  EXPECT_EQ(reflector.stats().lists, 1);
  // The watch request carried the documented parameters.
  std::vector<Json> watches = Requests("watch=1");
  ASSERT_FALSE(watches.empty());
  const std::string q = watches[0]["query"];
  EXPECT_THAT(q, HasSubstr("allowWatchBookmarks=true"));
  EXPECT_THAT(q, HasSubstr("timeoutSeconds=30"));
  EXPECT_THAT(q, HasSubstr("resourceVersion="));
  reflector.Stop();
}

TEST_F(FakeApiServerTest, BookmarksAdvanceTheResumeResourceVersion) {
  MustCreate(Policy("a"));
  CallbackLog log;
  Reflector reflector(*api_, FastReflector(), log.Callbacks());
  reflector.Start();
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().watches_opened >= 1; }));
  const std::string listed_rv = reflector.ResourceVersion();
  // A change in another namespace moves the global resourceVersion but sends this watch no event.
  ASSERT_TRUE(api_->Create(CollectionPath(kTp, "elsewhere"), Policy("x")).ok());
  const std::string server_rv = std::to_string(State()["resourceVersion"].get<int64_t>());
  Control("watch", {{"action", "bookmark"}});
  ASSERT_TRUE(WaitFor([&] { return reflector.ResourceVersion() == server_rv; }))
      << reflector.ResourceVersion() << " vs " << server_rv;
  EXPECT_NE(listed_rv, server_rv);
  EXPECT_GE(reflector.stats().bookmarks, 1);
  EXPECT_EQ(reflector.stats().events, 0);

  // A resumed watch starts from the bookmark.
  Control("watch", {{"action", "drop"}});
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().watches_opened >= 2; }));
  const std::vector<Json> watches = Requests("watch=1");
  ASSERT_GE(watches.size(), 2u);
  EXPECT_THAT(watches[1]["query"].get<std::string>(), HasSubstr("resourceVersion=" + server_rv));
  EXPECT_EQ(reflector.stats().lists, 1);
  reflector.Stop();
}

TEST_F(FakeApiServerTest, Http410OnResumeRelistsAndReportsVanishedObjects) {
  for (const char* n : {"a", "b"}) MustCreate(Policy(n));
  CallbackLog log;
  Reflector reflector(*api_, FastReflector(), log.Callbacks());
  reflector.Start();
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().watches_opened >= 1; }));
  Control("watch", {{"action", "hold"}});  // the open watch will not see what follows
  ASSERT_TRUE(api_->Delete(ObjectPath(Ref("b"))).ok());
  MustCreate(Policy("c"));
  Control("compact");  // history gone + watches dropped: the resume gets HTTP 410
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().lists >= 2; }));
  EXPECT_GE(reflector.stats().relists_gone, 1);
  ASSERT_TRUE(WaitFor([&] { return log.Count("synced") == 2; }));
  EXPECT_TRUE(log.Contains("delete trading/b"));
  EXPECT_TRUE(log.Contains("apply trading/c"));
  EXPECT_FALSE(reflector.Get("trading/b").has_value());
  EXPECT_TRUE(reflector.Get("trading/c").has_value());
  bool saw_410 = false;
  for (const Json& r : Requests("watch=1")) saw_410 |= r["status"] == 410;
  EXPECT_TRUE(saw_410);
  // After the relist the watch is running again.
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().watches_opened >= 2; }));
  MustCreate(Policy("d"));
  EXPECT_TRUE(WaitFor([&] { return reflector.Get("trading/d").has_value(); }));
  reflector.Stop();
}

TEST_F(FakeApiServerTest, InStreamError410RelistsAndReportsVanishedObjects) {
  for (const char* n : {"a", "b"}) MustCreate(Policy(n));
  CallbackLog log;
  Reflector reflector(*api_, FastReflector(), log.Callbacks());
  reflector.Start();
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().watches_opened >= 1; }));
  Control("watch", {{"action", "hold"}});
  ASSERT_TRUE(api_->Delete(ObjectPath(Ref("a"))).ok());
  MustCreate(Policy("c"));
  Control("watch", {{"action", "error410"}});
  ASSERT_TRUE(WaitFor([&] { return log.Count("synced") == 2; }));
  EXPECT_EQ(reflector.stats().relists_gone, 1);
  EXPECT_TRUE(log.Contains("delete trading/a"));
  EXPECT_EQ(log.Count("apply trading/c"), 1);
  std::vector<std::string> keys;
  for (const Json& o : reflector.List()) keys.push_back(ObjectKey(o));
  EXPECT_THAT(keys, ElementsAre("trading/b", "trading/c"));
  reflector.Stop();
}

TEST_F(FakeApiServerTest, DroppedWatchResumesWithoutLoss) {
  MustCreate(Policy("a"));
  CallbackLog log;
  Reflector reflector(*api_, FastReflector(), log.Callbacks());
  reflector.Start();
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().watches_opened >= 1; }));
  Control("watch", {{"action", "hold"}});
  MustCreate(Policy("b"));
  ASSERT_TRUE(api_->MergePatch(ObjectPath(Ref("a")), {{"spec", {{"lane", "lane-q"}}}}).ok());
  ASSERT_TRUE(api_->Delete(ObjectPath(Ref("b"))).ok());
  Control("watch", {{"action", "drop"}});
  ASSERT_TRUE(WaitFor([&] { return log.Contains("delete trading/b"); }));
  EXPECT_EQ(reflector.stats().lists, 1);  // resumed, not relisted
  EXPECT_GE(reflector.stats().watch_errors, 1);
  const std::vector<std::string> lines = log.Lines();
  EXPECT_THAT(std::vector<std::string>(lines.begin() + 2, lines.end()),
              ElementsAre("apply trading/b", "apply trading/a", "delete trading/b"));
  EXPECT_EQ(reflector.Get("trading/a").value()["spec"]["lane"], "lane-q");
  reflector.Stop();
}

TEST_F(FakeApiServerTest, ReflectorStopsPromptlyWhileWatching) {
  Reflector reflector(*api_, FastReflector(), {});
  reflector.Start();
  ASSERT_TRUE(WaitFor([&] { return reflector.stats().watches_opened >= 1; }));
  reflector.Stop();  // must return (the watch is abandoned)
  EXPECT_TRUE(WaitFor([&] { return State()["openWatches"] == 0; }));
}

// --- leader election ---

LeaderElectionConfig ElectionConfig(const std::string& id, absl::Duration lease) {
  LeaderElectionConfig c;
  c.identity = id;
  c.lease_duration = lease;
  c.renew_deadline = lease * 3 / 4;
  c.retry_period = absl::Milliseconds(200);
  return c;
}

TEST_F(FakeApiServerTest, TwoElectorsExactlyOneLeads) {
  LeaderElector a(std::make_unique<ApiLeaseLock>(*api_, kNs, "arbor-operator"),
                  ElectionConfig("a", absl::Seconds(2)));
  LeaderElector b(std::make_unique<ApiLeaseLock>(*api_, kNs, "arbor-operator"),
                  ElectionConfig("b", absl::Seconds(2)));
  a.Start();
  b.Start();
  ASSERT_TRUE(WaitFor([&] { return a.IsLeader() || b.IsLeader(); }));
  // Over many renew periods, never two leaders (no faults injected, so no step-down either).
  for (int i = 0; i < 100; ++i) {
    EXPECT_NE(a.IsLeader(), b.IsLeader());
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::StatusOr<Json> lease = api_->Get(ObjectPath({LeasesResource(), kNs, "arbor-operator"}));
  ASSERT_TRUE(lease.ok()) << lease.status();
  const std::string leader = a.IsLeader() ? "a" : "b";
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], leader);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 2);
  EXPECT_TRUE(std::regex_match((*lease)["spec"]["renewTime"].get<std::string>(),
                               std::regex(R"(.*T\d\d:\d\d:\d\d\.\d{6}Z)")));
  // Renewals are PUTs carrying the resourceVersion.
  std::vector<Json> puts;
  for (const Json& r : Requests("leases/arbor-operator$")) {
    if (r["method"] == "PUT") puts.push_back(r);
  }
  EXPECT_FALSE(puts.empty());
  b.Stop();
  a.Stop();
}

TEST_F(FakeApiServerTest, StandbyTakesOverWhenTheLeaderStopsRenewing) {
  LeaderElectionConfig ca = ElectionConfig("a", absl::Seconds(2));
  ca.release_on_stop = false;  // a crash: the lease is left behind
  std::atomic<bool> a_stopped{false};
  std::atomic<bool> b_led_while_a_ran{false};
  LeaderElector a(std::make_unique<ApiLeaseLock>(*api_, kNs, "lease-1"), ca);
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.IsLeader(); }));
  LeaderElectionConfig cb = ElectionConfig("b", absl::Seconds(2));
  cb.on_started_leading = [&] {
    if (!a_stopped.load()) b_led_while_a_ran.store(true);
  };
  LeaderElector b(std::make_unique<ApiLeaseLock>(*api_, kNs, "lease-1"), cb);
  b.Start();
  absl::SleepFor(absl::Seconds(1));  // b observes a renewing and stays standby
  EXPECT_FALSE(b.IsLeader());
  const int64_t transitions_before =
      (*api_->Get(ObjectPath({LeasesResource(), kNs, "lease-1"})))["spec"]["leaseTransitions"];
  a_stopped.store(true);
  a.Stop();
  EXPECT_TRUE(a.IsLeader());  // it never learnt otherwise: no release
  ASSERT_TRUE(WaitFor([&] { return b.IsLeader(); }));
  EXPECT_FALSE(b_led_while_a_ran.load());
  absl::StatusOr<Json> lease = api_->Get(ObjectPath({LeasesResource(), kNs, "lease-1"}));
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], transitions_before + 1);
  b.Stop();
}

TEST_F(FakeApiServerTest, ReleaseHandsOverWithoutWaitingForExpiry) {
  // A 60 s lease: a takeover within the 30 s wait below can only come from the release.
  LeaderElectionConfig ca = ElectionConfig("a", absl::Seconds(60));
  std::atomic<bool> a_stopped_leading{false};
  ca.on_stopped_leading = [&] { a_stopped_leading.store(true); };
  LeaderElector a(std::make_unique<ApiLeaseLock>(*api_, kNs, "lease-2"), ca);
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.IsLeader(); }));
  LeaderElector b(std::make_unique<ApiLeaseLock>(*api_, kNs, "lease-2"),
                  ElectionConfig("b", absl::Seconds(60)));
  b.Start();
  ASSERT_TRUE(WaitFor([&] { return b.ObservedHolder() == "a"; }));
  a.Stop();  // releases
  EXPECT_TRUE(a_stopped_leading.load());
  EXPECT_FALSE(a.IsLeader());
  ASSERT_TRUE(WaitFor([&] { return b.IsLeader(); }, absl::Seconds(30)));
  absl::StatusOr<Json> lease = api_->Get(ObjectPath({LeasesResource(), kNs, "lease-2"}));
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 60);
  b.Stop();
  lease = api_->Get(ObjectPath({LeasesResource(), kNs, "lease-2"}));
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "");
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 1);
}

}  // namespace
}  // namespace arbor::k8s
