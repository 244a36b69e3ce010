// File: arbor/k8s/events.h
//
// EventRecorder posts events.k8s.io/v1 Events about an object ("regarding"):
//
//   EventRecorder recorder(*api, {.reporting_controller = "arbor.dev/operator",
//                                 .reporting_instance = pod_name});
//   recorder.Record(policy, EventType::kNormal, "StageAdvanced", "Advance", "stage 1 -> 2");
//
// Fields: eventTime (MicroTime), reportingController, reportingInstance, action, reason, type,
// note (at most 1024 bytes, truncated on a UTF-8 boundary) and regarding {apiVersion, kind,
// name, namespace, uid, resourceVersion}. The Event is named "<regarding name>.<hex nanos>" in
// the regarding object's namespace. Record() never fails: a failed post is logged (component
// "k8s.events") and dropped — events are diagnostics, not state.
//
// Thread safety: Record() may be called from many threads.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/core/clock.h"
#include "arbor/k8s/api_client.h"
#include "arbor/k8s/resource.h"

namespace arbor::k8s {

enum class EventType { kNormal, kWarning };

struct EventRecorderOptions {
  std::string reporting_controller = "arbor.dev/operator";
  std::string reporting_instance;  // e.g. the pod name
  const Clock* clock = nullptr;    // not owned; nullptr = SystemClock
  size_t max_note_bytes = 1024;
};

class EventRecorder {
 public:
  EventRecorder(ApiClient& api, EventRecorderOptions options);

  // Record
  //
  // Posts the event; logs and swallows any failure.
  void Record(const Json& regarding, EventType type, std::string_view reason,
              std::string_view action, std::string_view note);

  // Post
  //
  // Like Record() but returns the created Event or the error (for tests and callers that care).
  [[nodiscard]] absl::StatusOr<Json> Post(const Json& regarding, EventType type,
                                          std::string_view reason, std::string_view action,
                                          std::string_view note);

  // BuildEvent: the Event object Post() sends (exposed for unit tests).
  Json BuildEvent(const Json& regarding, EventType type, std::string_view reason,
                  std::string_view action, std::string_view note) const;

 private:
  ApiClient& api_;
  const EventRecorderOptions options_;
  const Clock& clock_;
};

}  // namespace arbor::k8s
