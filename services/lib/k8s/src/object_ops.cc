#include "arbor/k8s/object_ops.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/log.h"
#include "arbor/core/status_macros.h"

namespace arbor::k8s {
namespace {

constexpr char kComponent[] = "k8s.client";

std::vector<std::string> Finalizers(const Json& object) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  auto list = meta->find("finalizers");
  if (list == meta->end() || !list->is_array()) return out;
  for (const Json& f : *list) {
    if (f.is_string()) out.push_back(f.get<std::string>());
  }
  return out;
}

// Read-modify-write with optimistic locking. `build_patch` returns the patch (without
// resourceVersion) or nullopt for "nothing to write".
template <class BuildPatch>
absl::StatusOr<Json> OptimisticPatch(ApiClient& api, const std::string& read_path,
                                     const std::string& write_path, const Json* known,
                                     OptimisticOptions options, BuildPatch build_patch) {
  Json current;
  if (known != nullptr) {
    current = *known;
  } else {
    ARBOR_ASSIGN_OR_RETURN(current, api.Get(read_path));
  }
  absl::Status last;
  for (int attempt = 0; attempt < std::max(1, options.max_attempts); ++attempt) {
    if (attempt > 0) {
      ARBOR_ASSIGN_OR_RETURN(current, api.Get(read_path));
    }
    absl::StatusOr<std::optional<Json>> patch = build_patch(current);
    if (!patch.ok()) return patch.status();
    if (!patch->has_value()) return current;  // nothing to change
    Json body = std::move(**patch);
    body["metadata"]["resourceVersion"] = ResourceVersionOf(current);
    absl::StatusOr<Json> written = api.MergePatch(write_path, body);
    if (written.ok()) return written;
    last = written.status();
    if (!IsConflict(last)) return last;
    ARBOR_LOG(kInfo, kComponent, "conflict on optimistic write; re-reading")
        .Field("path", write_path)
        .Field("attempt", attempt + 1);
  }
  return last;
}

absl::StatusOr<Json> SetFinalizers(ApiClient& api, const ObjectRef& ref, std::string_view finalizer,
                                   bool add, OptimisticOptions options) {
  const std::string path = ObjectPath(ref);
  return OptimisticPatch(api, path, path, nullptr, options,
                         [&](const Json& current) -> absl::StatusOr<std::optional<Json>> {
                           std::vector<std::string> list = Finalizers(current);
                           const bool present = HasFinalizer(current, finalizer);
                           if (present == add) return std::optional<Json>();
                           if (add) {
                             list.emplace_back(finalizer);
                           } else {
                             std::erase(list, std::string(finalizer));
                           }
                           Json patch;
                           patch["metadata"]["finalizers"] =
                               list;  // the whole list, guarded by resourceVersion
                           return std::optional<Json>(std::move(patch));
                         });
}

}  // namespace

bool HasFinalizer(const Json& object, std::string_view finalizer) {
  for (const std::string& f : Finalizers(object)) {
    if (f == finalizer) return true;
  }
  return false;
}

absl::StatusOr<Json> PatchStatus(ApiClient& api, const ObjectRef& ref, const StatusMutator& mutate,
                                 const Json* known, OptimisticOptions options) {
  return OptimisticPatch(api, ObjectPath(ref), StatusPath(ref), known, options,
                         [&](const Json& current) -> absl::StatusOr<std::optional<Json>> {
                           ARBOR_ASSIGN_OR_RETURN(Json status, mutate(current));
                           Json patch;
                           patch["status"] = std::move(status);
                           return std::optional<Json>(std::move(patch));
                         });
}

absl::StatusOr<Json> AddFinalizer(ApiClient& api, const ObjectRef& ref, std::string_view finalizer,
                                  OptimisticOptions options) {
  return SetFinalizers(api, ref, finalizer, true, options);
}

absl::StatusOr<Json> RemoveFinalizer(ApiClient& api, const ObjectRef& ref,
                                     std::string_view finalizer, OptimisticOptions options) {
  return SetFinalizers(api, ref, finalizer, false, options);
}

}  // namespace arbor::k8s
