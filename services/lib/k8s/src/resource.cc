#include "arbor/k8s/resource.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/strings.h"

namespace arbor::k8s {
namespace {

constexpr char kCodePayload[] = "type.arbor.dev/k8s.http_code";
constexpr char kReasonPayload[] = "type.arbor.dev/k8s.reason";

std::string MetaString(const Json& object, const char* field) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto it = meta->find(field);
  if (it == meta->end() || !it->is_string()) return "";
  return it->get<std::string>();
}

const char* DefaultReason(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace

GroupVersionResource LeasesResource() { return {"coordination.k8s.io", "v1", "leases"}; }
GroupVersionResource EventsResource() { return {"events.k8s.io", "v1", "events"}; }

std::string GroupVersionPath(const GroupVersionResource& gvr) {
  if (gvr.group.empty()) return absl::StrCat("/api/", gvr.version);
  return absl::StrCat("/apis/", gvr.group, "/", gvr.version);
}

std::string CollectionPath(const GroupVersionResource& gvr, std::string_view namespace_name) {
  if (namespace_name.empty()) return absl::StrCat(GroupVersionPath(gvr), "/", gvr.resource);
  return absl::StrCat(GroupVersionPath(gvr), "/namespaces/", ToAbsl(namespace_name), "/",
                      gvr.resource);
}

std::string ObjectPath(const ObjectRef& ref) {
  return absl::StrCat(CollectionPath(ref.gvr, ref.namespace_name), "/", ref.name);
}

std::string StatusPath(const ObjectRef& ref) { return absl::StrCat(ObjectPath(ref), "/status"); }

std::string QueryEscape(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string ObjectKey(std::string_view namespace_name, std::string_view name) {
  if (namespace_name.empty()) return std::string(name);
  return absl::StrCat(ToAbsl(namespace_name), "/", ToAbsl(name));
}

std::string ObjectKey(const Json& object) { return ObjectKey(NamespaceOf(object), NameOf(object)); }

std::string ResourceVersionOf(const Json& object) { return MetaString(object, "resourceVersion"); }
std::string NameOf(const Json& object) { return MetaString(object, "name"); }
std::string NamespaceOf(const Json& object) { return MetaString(object, "namespace"); }
std::string UidOf(const Json& object) { return MetaString(object, "uid"); }

int64_t GenerationOf(const Json& object) {
  if (!object.is_object()) return 0;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return 0;
  auto it = meta->find("generation");
  if (it == meta->end() || !it->is_number_integer()) return 0;
  return it->get<int64_t>();
}

std::string FormatMicroTime(absl::Time t) {
  // Truncate (not round) to microseconds so a later parse never lands after `t`.
  const absl::Time truncated = absl::FromUnixMicros(absl::ToUnixMicros(t));
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", truncated, absl::UTCTimeZone());
}

std::string FormatMetaTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseTime(std::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an RFC 3339 time: \"", Abbreviate(text), "\": ", err));
  }
  return t;
}

absl::Status StatusFromResponse(int http_code, std::string_view body) {
  if (http_code >= 200 && http_code < 300) return absl::OkStatus();
  std::string reason = DefaultReason(http_code);
  std::string message;
  Json parsed = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.value("kind", "") == "Status") {
    if (auto it = parsed.find("reason");
        it != parsed.end() && it->is_string() && !it->get<std::string>().empty()) {
      reason = it->get<std::string>();
    }
    if (auto it = parsed.find("message"); it != parsed.end() && it->is_string()) {
      message = it->get<std::string>();
    }
  } else {
    message = Abbreviate(body, 200);
  }
  const std::string text =
      absl::StrCat("HTTP ", http_code, " ", reason, message.empty() ? "" : ": ", message);
  absl::Status status;
  switch (http_code) {
    case 400:
    case 415:
    case 422:
      status = absl::InvalidArgumentError(text);
      break;
    case 401:
      status = absl::UnauthenticatedError(text);
      break;
    case 403:
      status = absl::PermissionDeniedError(text);
      break;
    case 404:
      status = absl::NotFoundError(text);
      break;
    case 409:
      status =
          reason == "AlreadyExists" ? absl::AlreadyExistsError(text) : absl::AbortedError(text);
      break;
    case 410:
      status = absl::OutOfRangeError(text);
      break;
    case 429:
      status = absl::ResourceExhaustedError(text);
      break;
    case 503:
      status = absl::UnavailableError(text);
      break;
    case 504:
      status = absl::DeadlineExceededError(text);
      break;
    default:
      if (http_code >= 500) {
        status = absl::InternalError(text);
      } else if (http_code >= 400) {
        status = absl::FailedPreconditionError(text);
      } else {
        status = absl::UnknownError(text);
      }
  }
  status.SetPayload(kCodePayload, absl::Cord(absl::StrCat(http_code)));
  status.SetPayload(kReasonPayload, absl::Cord(reason));
  return status;
}

int HttpCode(const absl::Status& status) {
  auto payload = status.GetPayload(kCodePayload);
  int code = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &code)) return 0;
  return code;
}

std::string Reason(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayload);
  return payload.has_value() ? std::string(*payload) : std::string();
}

std::string TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a sequence start.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

}  // namespace arbor::k8s
