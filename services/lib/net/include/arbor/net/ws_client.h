// File: arbor/net/ws_client.h
//
// WsClient: a Boost.Beast WebSocket client over plain TCP or TLS. Connect() performs the TCP
// connect, TLS handshake (SNI + peer verification) and the upgrade with extra headers (e.g. the
// Kalshi KALSHI-ACCESS-* headers) within a deadline, then starts one I/O thread that owns the
// socket: it reads frames and delivers them to callbacks, answers server pings automatically,
// reports pongs, and performs queued sends in order.
//
// Threading: every callback runs on the client's I/O thread, one at a time; the message view is
// valid only during the callback (the read buffer is reused, so steady-state reads do not
// allocate). Send*/Ping/Close are thread-safe and never block: they copy the payload and queue
// it to the I/O thread. Callbacks must not destroy the client; the destructor stops the I/O
// thread (abruptly, if Close() was not awaited) and joins it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/net/http_client.h"

namespace arbor::net {

struct WsOptions {
  absl::Duration connect_timeout = absl::Seconds(10);  // TCP + TLS + upgrade
  uint64_t max_message_bytes = 16ull << 20;            // larger incoming messages fail the read
  absl::Duration close_timeout = absl::Seconds(5);     // Close() -> peer's close frame
  bool verify_peer = true;
  std::string ca_file;  // PEM bundle; empty = system default paths
  std::string user_agent = "arbor/0.1";
};

// How the connection ended, delivered once to on_close.
struct WsCloseInfo {
  // The peer's close code (1000 normal, 1001 going away, 4xxx application), or 1006 (abnormal,
  // RFC 6455 §7.1.5) when the connection dropped without a close frame.
  int code = 0;
  std::string reason;
  // OK after a close handshake; otherwise what failed (read error, oversized message, ...).
  absl::Status error;
};

struct WsHandlers {
  // A complete message; `is_text` distinguishes text from binary frames.
  std::function<void(std::string_view message, bool is_text)> on_message;
  // A pong frame arrived (answer to Ping()) with its payload.
  std::function<void(std::string_view payload)> on_pong;
  // The connection ended; called exactly once, after which no other callback runs.
  std::function<void(const WsCloseInfo& info)> on_close;
};

class WsClient {
 public:
  // Connect
  //
  // Connects to `origin` and upgrades on `target` (e.g. "/trade-api/ws/v2") sending `headers`.
  // Blocks the caller up to options.connect_timeout. Errors: kUnavailable (resolve, connect, TLS
  // or upgrade failed, including a non-101 answer; the message carries the HTTP status),
  // kDeadlineExceeded (timed out), kInvalidArgument (bad ca_file).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WsClient>> Connect(
      const WsOptions& options, const Origin& origin, std::string target,
      std::vector<std::pair<std::string, std::string>> headers, WsHandlers handlers);

  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // SendText / SendBinary
  //
  // Queue one message. Errors: kFailedPrecondition if the connection is closing or closed.
  [[nodiscard]] absl::Status SendText(std::string_view message);
  [[nodiscard]] absl::Status SendBinary(std::string_view message);

  // Ping
  //
  // Queues a ping (payload <= 125 bytes); the pong arrives via on_pong. Errors:
  // kInvalidArgument for a long payload, kFailedPrecondition if closed.
  [[nodiscard]] absl::Status Ping(std::string_view payload = {});

  // Close
  //
  // Queues a close frame with `code` and `reason` (<= 123 bytes); queued messages are sent
  // first. on_close reports the peer's answer. Errors: kFailedPrecondition if already closing.
  [[nodiscard]] absl::Status Close(int code = 1000, std::string_view reason = {});

  // True until on_close has been delivered.
  bool is_open() const;

  // Opaque implementation (plain and TLS sessions derive from it in ws_client.cc).
  struct Impl;

 private:
  explicit WsClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace arbor::net
