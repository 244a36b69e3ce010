// File: arbor/k8s/resource.h
//
// Resource paths, object keys, status mapping and time formats shared by the client pieces.
//
//   const GroupVersionResource kTp{"arbor.dev", "v1alpha1", "tradingpolicies"};
//   ObjectPath({kTp, "trading", "canary-1"})
//     -> "/apis/arbor.dev/v1alpha1/namespaces/trading/tradingpolicies/canary-1"
//   StatusPath(...) -> ".../canary-1/status";   core group "" -> "/api/v1/..."
//
// Errors from the API server are absl::Status values carrying the HTTP code and the Kubernetes
// `reason` as a payload (HttpCode(), Reason()): 404 NotFound -> kNotFound; 409 Conflict ->
// kAborted; 409 AlreadyExists -> kAlreadyExists; 410 Gone/Expired -> kOutOfRange; 400 and 422
// Invalid -> kInvalidArgument; 401 -> kUnauthenticated; 403 -> kPermissionDenied; 429 ->
// kResourceExhausted; 503 -> kUnavailable; 504 -> kDeadlineExceeded; other 5xx -> kInternal;
// other 4xx -> kFailedPrecondition. The message reads "HTTP 409 Conflict: <server message>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace arbor::k8s {

using Json = nlohmann::json;

struct GroupVersionResource {
  std::string group;     // "" for the core group (/api/v1)
  std::string version;   // "v1alpha1"
  std::string resource;  // plural: "tradingpolicies"

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
};

// Well-known resources.
GroupVersionResource LeasesResource();  // coordination.k8s.io/v1 leases
GroupVersionResource EventsResource();  // events.k8s.io/v1 events

struct ObjectRef {
  GroupVersionResource gvr;
  std::string namespace_name;  // empty for cluster-scoped resources
  std::string name;
};

// "/apis/G/V" or "/api/V".
std::string GroupVersionPath(const GroupVersionResource& gvr);
// ".../namespaces/NS/PLURAL" (or ".../PLURAL" when `namespace_name` is empty: cluster-scoped
// resources, or all namespaces for list/watch).
std::string CollectionPath(const GroupVersionResource& gvr, std::string_view namespace_name);
std::string ObjectPath(const ObjectRef& ref);
std::string StatusPath(const ObjectRef& ref);  // ObjectPath + "/status"

// Percent-encodes a query parameter value (RFC 3986 unreserved characters are kept).
std::string QueryEscape(std::string_view value);

// ObjectKey
//
// "namespace/name" (or "name" for cluster-scoped objects), the cache and work-queue key.
std::string ObjectKey(const Json& object);
std::string ObjectKey(std::string_view namespace_name, std::string_view name);

// metadata.resourceVersion / metadata.name / metadata.namespace / metadata.uid, "" if absent
// (never throws, whatever the JSON shape).
std::string ResourceVersionOf(const Json& object);
std::string NameOf(const Json& object);
std::string NamespaceOf(const Json& object);
std::string UidOf(const Json& object);
// metadata.generation, 0 if absent.
int64_t GenerationOf(const Json& object);

// FormatMicroTime
//
// RFC 3339 in UTC with exactly six fractional digits and "Z" (metav1.MicroTime), e.g.
// "2026-03-01T12:00:00.123456Z". Sub-microsecond digits are truncated.
std::string FormatMicroTime(absl::Time t);
// FormatMetaTime: metav1.Time (second precision), "2026-03-01T12:00:00Z".
std::string FormatMetaTime(absl::Time t);
// ParseTime
//
// Accepts RFC 3339 with or without fractional seconds, "Z" or a numeric offset. Errors:
// InvalidArgument quoting the input.
[[nodiscard]] absl::StatusOr<absl::Time> ParseTime(std::string_view text);

// StatusFromResponse
//
// OK for 2xx; otherwise maps `http_code` and the body (a Kubernetes Status object if it parses
// as one) as described above and attaches the code and reason as payloads.
[[nodiscard]] absl::Status StatusFromResponse(int http_code, std::string_view body);

// The HTTP code / Kubernetes reason carried by a status from StatusFromResponse (0 / "" for
// other statuses).
int HttpCode(const absl::Status& status);
std::string Reason(const absl::Status& status);

inline bool IsHttpNotFound(const absl::Status& s) { return HttpCode(s) == 404; }
inline bool IsConflict(const absl::Status& s) {
  return HttpCode(s) == 409 && Reason(s) != "AlreadyExists";
}
inline bool IsHttpAlreadyExists(const absl::Status& s) { return Reason(s) == "AlreadyExists"; }
inline bool IsGone(const absl::Status& s) { return HttpCode(s) == 410; }
inline bool IsInvalid(const absl::Status& s) { return HttpCode(s) == 422; }

// Truncates `text` to at most `max_bytes` bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

}  // namespace arbor::k8s
