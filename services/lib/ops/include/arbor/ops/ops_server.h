// File: arbor/ops/ops_server.h
//
// OpsServer: the small operations HTTP/1.1 endpoint of an arbor process (feed shard, scanner,
// executor). It serves
//
//   GET /metrics  200, Prometheus text exposition (format 0.0.4) of every registered
//                 prometheus::Collectable (normally one prometheus::Registry).
//   GET /healthz  200 "ok" while the liveness callback returns OK (default: always), else 503
//                 with the status message. Liveness = "the process loop makes progress".
//   GET /readyz   200 "ready" only while the readiness callback returns OK, else 503 with the
//                 status message as the body (e.g. "waiting for 12 of 3400 books").
//   anything else 404 (405 for a known path with a method other than GET / HEAD).
//
// Usage:
//   auto registry = std::make_shared<prometheus::Registry>();
//   arbor::ops::OpsServerOptions options;
//   options.port = 9090;
//   options.readiness = [&] { return feed.Ready(); };   // absl::Status
//   arbor::ops::OpsServer ops(options);
//   ops.AddCollectable(registry);
//   if (absl::Status s = ops.Start(); !s.ok()) { ... }
//   ... ops.port() ...
//   ops.Stop();
//
// Threading: one I/O thread (started by Start, joined by Stop) runs every connection
// asynchronously, so a slow client never blocks another. The callbacks and Collect() run on that
// thread: they must be thread-safe and quick (prometheus-cpp collection is). Start/Stop/port
// may be called from any thread, but not concurrently with each other. No exception escapes.
// Limits: request bodies are ignored (max 8 KiB of headers + body accepted), each connection is
// closed after 30 s without a complete request, keep-alive is supported.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"

namespace arbor::ops {

struct OpsServerOptions {
  // Address to bind: "0.0.0.0" (all IPv4, the in-cluster default), "127.0.0.1", "::".
  std::string bind_address = "0.0.0.0";
  // TCP port; 0 = an ephemeral port (read it back with OpsServer::port()).
  uint16_t port = 0;
  // Liveness check for /healthz; empty = always live.
  std::function<absl::Status()> liveness;
  // Readiness check for /readyz; empty = never ready (503 "no readiness check configured").
  std::function<absl::Status()> readiness;
  // Idle / slow-request timeout per connection.
  absl::Duration io_timeout = absl::Seconds(30);
};

class OpsServer {
 public:
  explicit OpsServer(OpsServerOptions options);
  ~OpsServer();  // Stop()s
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  // AddCollectable
  //
  // Adds a source of metric families for /metrics (e.g. a prometheus::Registry), held weakly:
  // a collectable destroyed later simply disappears from the output. Thread-safe; may be called
  // before or after Start.
  void AddCollectable(const std::shared_ptr<prometheus::Collectable>& collectable);

  // Start
  //
  // Binds and listens, then starts the I/O thread. Errors: kUnavailable if the address cannot
  // be bound (message names address and port), kInvalidArgument for an unparsable address,
  // kFailedPrecondition if already started.
  [[nodiscard]] absl::Status Start();

  // Stop
  //
  // Closes the listener and every connection and joins the I/O thread. Idempotent.
  void Stop();

  // The bound port after a successful Start (the ephemeral one when options.port == 0), else 0.
  uint16_t port() const;

  // The /metrics body as served now (for tests and debugging).
  std::string RenderMetrics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::ops
