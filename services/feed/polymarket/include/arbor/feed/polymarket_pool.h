// File: arbor/feed/polymarket_pool.h
//
// PolymarketPool: assigns a shard's Polymarket token set to PolymarketConnections, at most
// `tokens_per_connection` per connection (default 200, hard max 500). SetTokens(set) applies
// the diff: removed tokens are unsubscribed from their connection, added tokens fill existing
// connections up to the limit and then open new ones; connections left empty are closed.
// A supervisor thread ticks every connection (connect/reconnect, batching, PING, watchdog).
//
// The caller registers instruments with the BookPublisher (AddInstrument) before SetTokens.
// Thread-safety: all members are thread-safe. Stop() joins the supervisor and closes every
// connection (SIGTERM path); the destructor calls it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/feed/polymarket_connection.h"

namespace arbor::feed {

struct PolymarketPoolOptions {
  PolymarketConnectionOptions connection;  // connection.max_tokens = tokens per connection
  absl::Duration tick_interval = absl::Milliseconds(5);
};

class PolymarketPool {
 public:
  // InvalidArgument for bad options. `publisher`, `clock` must outlive the pool.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PolymarketPool>> Create(
      PolymarketPoolOptions options, BookPublisher* publisher, const Clock* clock);
  ~PolymarketPool();
  PolymarketPool(const PolymarketPool&) = delete;
  PolymarketPool& operator=(const PolymarketPool&) = delete;

  // Set once before SetTokens; called from I/O / supervisor threads (no pool lock held).
  void OnHealthEvent(PolymarketHealthCallback callback);

  // Replaces the token set (see the file comment). Starts the supervisor on first use.
  void SetTokens(const absl::flat_hash_set<InstrumentId>& tokens);
  // Resyncs the given tokens on their connections (unknown ones ignored).
  void ResyncTokens(const std::vector<InstrumentId>& ids);
  // Runs fn on the connection holding `id` under its lock; false if no connection holds it.
  bool WithBooksOf(const InstrumentId& id,
                   const std::function<void(const venue::polymarket::BookSet&)>& fn) const;
  // PolymarketConnection::newest_event_ms() of the connection holding `id`; nullopt if none does.
  std::optional<int64_t> NewestEventMsOf(const InstrumentId& id) const;

  void Stop();

  PolymarketConnectionCounters counters() const;  // summed, including closed connections
  int connections_desired() const;                // connections holding tokens
  int connections_open() const;                   // of those, with an open socket
  size_t token_count() const;

 private:
  PolymarketPool(PolymarketPoolOptions options, BookPublisher* publisher, const Clock* clock);
  void Supervise();
  // The connection holding `id`, or nullptr.
  std::shared_ptr<PolymarketConnection> ConnectionOf(const InstrumentId& id) const;

  const PolymarketPoolOptions options_;
  BookPublisher* const publisher_;
  const Clock* const clock_;
  std::shared_ptr<PolymarketHealthCallback> health_;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<PolymarketConnection>> connections_;
  absl::flat_hash_map<InstrumentId, PolymarketConnection*> owner_;
  PolymarketConnectionCounters retired_;  // counters of closed connections
  int next_id_ = 0;
  bool stopping_ = false;
  std::condition_variable cv_;
  std::thread supervisor_;
};

}  // namespace arbor::feed
