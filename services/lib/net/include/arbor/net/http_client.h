// File: arbor/net/http_client.h
//
// HttpClient: a blocking HTTP/1.1 client (Boost.Beast) over plain TCP or TLS, with a keep-alive
// connection pool per scheme:host:port. Errors are mapped so that a caller placing orders can
// tell "never sent, safe to retry" (kUnavailable) from "sent, outcome unknown"
// (kDeadlineExceeded / kUnknown); an HTTP error status is a normal response (see StatusFromHttp).
//
// Thread safety: Send() may be called from many threads at once; each call checks out its own
// pooled connection (its own io_context) and runs it on the calling thread, so calls never wait
// on each other except for the brief pool mutex. No exception escapes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace arbor::net {

// Where a request goes. The pool keys connections by all three fields.
struct Origin {
  bool tls = true;
  std::string host;  // DNS name or IP literal; also the TLS SNI and the verified name
  uint16_t port = 443;
};

struct HttpRequest {
  std::string method = "GET";  // any token: GET, POST, DELETE, ...
  std::string target = "/";    // path and query, e.g. "/trade-api/v2/markets?limit=5"
  std::vector<std::pair<std::string, std::string>> headers;  // Host is added automatically
  std::string body;
  // Overall deadline for this request (connect + write + read); zero = the client default.
  absl::Duration timeout = absl::ZeroDuration();
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in wire order
  std::string body;

  // Header
  //
  // Value of the first header named `name` (ASCII case-insensitive), or empty if absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpClientOptions {
  absl::Duration connect_timeout = absl::Seconds(5);   // resolve + TCP connect + TLS handshake
  absl::Duration request_timeout = absl::Seconds(10);  // default HttpRequest::timeout
  size_t max_idle_per_origin = 4;                      // idle keep-alive connections kept
  uint64_t max_body_bytes = 64ull << 20;               // larger responses fail (kUnknown)
  bool verify_peer = true;  // verify the server certificate chain and host name
  // PEM bundle of trusted CAs; empty = the system default paths.
  std::string ca_file;
  std::string user_agent = "arbor/0.1";
};

// StatusFromHttp
//
// Maps an HTTP status to an absl::Status: 2xx/3xx OK; 400 kInvalidArgument; 401
// kUnauthenticated; 403 kPermissionDenied; 404 kNotFound; 408 kDeadlineExceeded; 409 kAborted;
// 412 kFailedPrecondition; 429 kResourceExhausted; other 4xx kFailedPrecondition; 501
// kUnimplemented; 502/503 kUnavailable; 504 kDeadlineExceeded; other 5xx kInternal. The message
// holds the status and up to 200 bytes of `body`.
[[nodiscard]] absl::Status StatusFromHttp(int status, std::string_view body = {});

class HttpClient {
 public:
  // Create
  //
  // Builds the client and its TLS context. Errors: kInvalidArgument if `ca_file` cannot be
  // loaded.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpClient>> Create(
      const HttpClientOptions& options);

  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Send
  //
  // Sends `request` to `origin` on a pooled keep-alive connection (or a new one) and returns the
  // response whatever its status. Errors:
  //   kUnavailable      nothing was sent: resolve, connect or TLS handshake failed or timed out
  //                     (safe to retry, also for non-idempotent requests).
  //   kDeadlineExceeded the request timeout fired after the request started being written:
  //                     outcome unknown (message says so).
  //   kUnknown          the connection failed after the request started being written (reset,
  //                     EOF mid-response, malformed or oversized response): outcome unknown.
  // A stale pooled connection that fails before any response byte is retried once on a fresh
  // connection, but only for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE).
  [[nodiscard]] absl::StatusOr<HttpResponse> Send(const Origin& origin, const HttpRequest& request);

  // Number of TCP connections opened so far (for tests and metrics).
  uint64_t connections_opened() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::net
