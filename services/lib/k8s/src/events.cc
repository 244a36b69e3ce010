#include "arbor/k8s/events.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "arbor/core/log.h"

namespace arbor::k8s {
namespace {

std::string StringField(const Json& object, const char* field) {
  if (!object.is_object()) return "";
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

EventRecorder::EventRecorder(ApiClient& api, EventRecorderOptions options)
    : api_(api),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Get()) {}

Json EventRecorder::BuildEvent(const Json& regarding, EventType type, std::string_view reason,
                               std::string_view action, std::string_view note) const {
  static std::atomic<uint32_t> sequence{0};
  const absl::Time now = clock_.Now();
  std::string ns = NamespaceOf(regarding);
  if (ns.empty()) ns = api_.config().namespace_name;
  const std::string name = NameOf(regarding);
  // client-go names events "<object>.<hex unix nanos>"; the sequence keeps two events in the
  // same nanosecond (a simulated clock) apart.
  const std::string event_name =
      absl::StrFormat("%s.%x%04x", name.empty() ? "object" : name, absl::ToUnixNanos(now),
                      sequence.fetch_add(1) & 0xffff);
  Json ref = {{"apiVersion", StringField(regarding, "apiVersion")},
              {"kind", StringField(regarding, "kind")},
              {"name", name},
              {"namespace", NamespaceOf(regarding)},
              {"uid", UidOf(regarding)},
              {"resourceVersion", ResourceVersionOf(regarding)}};
  return Json{
      {"apiVersion", "events.k8s.io/v1"},
      {"kind", "Event"},
      {"metadata", {{"name", event_name}, {"namespace", ns}}},
      {"eventTime", FormatMicroTime(now)},
      {"reportingController", options_.reporting_controller},
      {"reportingInstance", options_.reporting_instance},
      {"action", std::string(action)},
      {"reason", std::string(reason)},
      {"type", type == EventType::kWarning ? "Warning" : "Normal"},
      {"note", TruncateUtf8(note, options_.max_note_bytes)},
      {"regarding", std::move(ref)},
  };
}

absl::StatusOr<Json> EventRecorder::Post(const Json& regarding, EventType type,
                                         std::string_view reason, std::string_view action,
                                         std::string_view note) {
  try {
    Json event = BuildEvent(regarding, type, reason, action, note);
    const std::string ns = event["metadata"]["namespace"].get<std::string>();
    return api_.Create(CollectionPath(EventsResource(), ns), event);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("event: ", e.what()));
  }
}

void EventRecorder::Record(const Json& regarding, EventType type, std::string_view reason,
                           std::string_view action, std::string_view note) {
  absl::StatusOr<Json> posted = Post(regarding, type, reason, action, note);
  if (!posted.ok()) {
    ARBOR_LOG(kWarning, "k8s.events", "could not post event")
        .Field("object", ObjectKey(regarding))
        .Field("reason", reason)
        .Field("error", std::string(posted.status().message()));
  }
}

}  // namespace arbor::k8s
