// File: arbor/k8s/object_ops.h
//
// Optimistic-concurrency helpers on top of ApiClient (OPERATOR_NOTES.md §2.2): every write
// carries the resourceVersion the caller's decision was based on; on 409 Conflict the object is
// fetched again and the decision recomputed from the fresh object, a bounded number of times.
//
//   auto updated = PatchStatus(api, ref, [&](const Json& fresh) -> absl::StatusOr<Json> {
//     Json status = fresh.value("status", Json::object());
//     status["observedGeneration"] = GenerationOf(fresh);
//     return status;
//   });
#pragma once

#include <functional>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/k8s/api_client.h"
#include "arbor/k8s/resource.h"

namespace arbor::k8s {

// Computes the desired status from the current object. An error aborts PatchStatus with it.
using StatusMutator = std::function<absl::StatusOr<Json>(const Json& current)>;

struct OptimisticOptions {
  int max_attempts = 5;  // total writes attempted (the first + retries after 409)
};

// PatchStatus
//
// Merge-patches ref's /status subresource with
// {"metadata":{"resourceVersion":RV},"status":mutate(current)}. `current` is `known` if given
// (the object the caller already holds), else a fresh GET. On 409 Conflict: GET again and call
// `mutate` again. Returns the object the server returned. Errors: the last 409 (Aborted) after
// max_attempts, any other error at once. Note the merge-patch semantics: keys of the old status
// absent from the new one are kept; set them to null to delete them.
[[nodiscard]] absl::StatusOr<Json> PatchStatus(ApiClient& api, const ObjectRef& ref,
                                               const StatusMutator& mutate,
                                               const Json* known = nullptr,
                                               OptimisticOptions options = {});

// AddFinalizer / RemoveFinalizer
//
// Adds (removes) `finalizer` in metadata.finalizers of the main resource by merge-patching the
// whole list together with metadata.resourceVersion; retried on 409 like PatchStatus. No write
// when the finalizer is already present (absent). Returns the current object. Removing the last
// finalizer of an object with a deletionTimestamp lets the server delete it.
[[nodiscard]] absl::StatusOr<Json> AddFinalizer(ApiClient& api, const ObjectRef& ref,
                                                std::string_view finalizer,
                                                OptimisticOptions options = {});
[[nodiscard]] absl::StatusOr<Json> RemoveFinalizer(ApiClient& api, const ObjectRef& ref,
                                                   std::string_view finalizer,
                                                   OptimisticOptions options = {});

bool HasFinalizer(const Json& object, std::string_view finalizer);

}  // namespace arbor::k8s
