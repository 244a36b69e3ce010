// File: arbor/k8s/api_client.h
//
// ApiClient: a small generic REST client for the Kubernetes API over HTTPS (Boost.Beast +
// OpenSSL via arbor::net::HttpClient), with JSON objects as nlohmann::json. No client-go: the
// contract it implements is OPERATOR_NOTES.md §2.
//
//   ARBOR_ASSIGN_OR_RETURN(ClusterConfig config, InClusterConfig());
//   ARBOR_ASSIGN_OR_RETURN(std::unique_ptr<ApiClient> api, ApiClient::Create(config));
//   ARBOR_ASSIGN_OR_RETURN(Json list, api->List(CollectionPath(kTp, "trading")));
//   ARBOR_ASSIGN_OR_RETURN(Json obj, api->MergePatch(ObjectPath(ref), {{"spec", {{"abort",
//   true}}}}));
//
// Every request carries `Authorization: Bearer <token>` (TokenSource) and
// `Accept: application/json`. Retries inside a call:
//   * 401: the token file is re-read and the request repeated once;
//   * 429: repeated after `Retry-After` (clamped to max_retry_after, default 1 s when absent), at
//     most max_throttle_retries times, for every verb (the server did not process it);
//   * 5xx and transport failures after the request was sent: repeated with exponential backoff
//     at most max_server_error_retries times, for idempotent verbs only (GET, PUT, DELETE, and
//     List pages);
//   * connection failures before anything was sent: retried like 5xx, for every verb.
// Errors are mapped by StatusFromResponse (resource.h); an unreadable token file is
// kUnauthenticated.
//
// Thread safety: all methods may be called from many threads at once. No exception escapes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/k8s/config.h"
#include "arbor/k8s/resource.h"

namespace arbor::k8s {

struct ApiClientOptions {
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration request_timeout = absl::Seconds(30);
  int max_throttle_retries = 3;                        // 429
  absl::Duration max_retry_after = absl::Seconds(10);  // cap on a server's Retry-After
  int max_server_error_retries = 3;                    // 5xx / transport, idempotent verbs
  absl::Duration retry_backoff_min = absl::Milliseconds(200);
  absl::Duration retry_backoff_max = absl::Seconds(5);
  absl::Duration token_refresh_interval = absl::Minutes(5);
  std::string user_agent = "arbor-k8s/0.1";
  const Clock* clock = nullptr;  // not owned; nullptr = SystemClock (token refresh timing)
  // How the client waits between retries; nullptr = absl::SleepFor. Tests may record delays.
  std::function<void(absl::Duration)> sleep;
};

// One response as the server sent it (for callers that need headers or a non-JSON body).
struct RawResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

class WatchStream;

class ApiClient {
 public:
  // Create
  //
  // Errors: InvalidArgument for a malformed api_url or an unreadable ca_file.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ApiClient>> Create(
      const ClusterConfig& config, ApiClientOptions options = {});
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  const ClusterConfig& config() const;
  TokenSource& token_source();

  // Get
  //
  // GET `path` (may include a query). Returns the decoded JSON body.
  [[nodiscard]] absl::StatusOr<Json> Get(const std::string& path);

  // List
  //
  // GET `path` with `limit` (0 = no limit) following `metadata.continue` until the last page.
  // Returns one list object: the first page's kind/apiVersion, all items, and
  // metadata.resourceVersion of the first page (the snapshot the continue tokens refer to).
  // `extra_query` (e.g. "labelSelector=a%3Db") is appended to every page request. A continue
  // token that expired (410) restarts the whole list once, then fails with the 410 status.
  [[nodiscard]] absl::StatusOr<Json> List(const std::string& path, int64_t limit = 500,
                                          const std::string& extra_query = "");

  // Create (POST to a collection path). Returns the created object.
  [[nodiscard]] absl::StatusOr<Json> Create(const std::string& collection_path, const Json& obj);

  // Replace (PUT). Put metadata.resourceVersion in `obj` for an optimistic update (409 if stale).
  [[nodiscard]] absl::StatusOr<Json> Replace(const std::string& path, const Json& obj);

  // MergePatch
  //
  // PATCH with Content-Type application/merge-patch+json (RFC 7386). Put
  // {"metadata":{"resourceVersion":RV}} in `patch` for an optimistic patch (409 if stale).
  // Not retried on 5xx (not idempotent in general).
  [[nodiscard]] absl::StatusOr<Json> MergePatch(const std::string& path, const Json& patch);

  // Delete. Returns the server's answer: the object (with deletionTimestamp when finalizers
  // hold it) or a Status.
  [[nodiscard]] absl::StatusOr<Json> Delete(const std::string& path);

  // Request
  //
  // Any request with the retries above; `idempotent` enables 5xx retries. Does not map the
  // HTTP status into an error (transport failures only).
  [[nodiscard]] absl::StatusOr<RawResponse> Request(const std::string& method,
                                                    const std::string& path,
                                                    const std::string& body,
                                                    const std::string& content_type,
                                                    bool idempotent);

  // OpenWatch
  //
  // Opens a streaming GET of `path_and_query` (which should contain watch=1 and timeoutSeconds)
  // on a dedicated connection and returns once the response header arrived with 200. A non-200
  // answer is returned as an error (410 -> IsGone). After a 401 the token is re-read and the
  // open retried once. `cancel` (may be null; must outlive the stream) aborts connecting and
  // reading within ~100 ms once it becomes true. `idle_timeout` bounds the wait for any byte.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<WatchStream>> OpenWatch(
      const std::string& path_and_query, const std::atomic<bool>* cancel,
      absl::Duration idle_timeout);

 private:
  struct Impl;
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// WatchStream
//
// A chunked NDJSON watch response read incrementally (the body is unbounded: body_limit(none));
// bytes are split on '\n' with partial lines buffered, so one chunk may carry several events or
// part of one. Owned and read by one thread.
class WatchStream {
 public:
  virtual ~WatchStream() = default;

  // Next
  //
  // Blocks for the next event ({"type":..., "object":...}). Errors:
  //   OutOfRange   the server ended the stream cleanly (e.g. timeoutSeconds elapsed);
  //   Cancelled    the cancel flag was set;
  //   Unavailable  the connection broke, no byte arrived within idle_timeout, or a line was not
  //                valid JSON.
  [[nodiscard]] virtual absl::StatusOr<Json> Next() = 0;
};

}  // namespace arbor::k8s
