// File: arbor/scanner/feed_subscriber.h
//
// FeedSubscriber: keeps one feed shard's FeedShard.StreamBooks stream flowing into a BookCache.
// ShardedBookSource: one FeedSubscriber per shard address into one cache, plus health.
//
//   BookCache cache;
//   ShardedBookSourceOptions options;
//   options.addresses = {"feed-0.feed:50051", "feed-1.feed:50051"};
//   options.subscriber.subscriber_id = "scanner-0";
//   ShardedBookSource source(&cache, options);
//   source.Start();
//   ...  // lanes read `cache`; /readyz uses source.Health().ready()
//   source.Stop();
//
// Reconnect behaviour: each stream starts with BookCache::BeginStream (the shard's books are
// untrusted until the stream re-snapshots them) and ends with EndStream (untrusted at once). A
// stream ends on a server error, on a contract violation reported by BookCache::Apply (the
// re-snapshot request: the stream is cancelled and restarted, which re-sends every snapshot),
// or when nothing (not even a heartbeat) arrived for `stall_timeout`. The next attempt waits
// for a net::Backoff delay with jitter; the backoff resets once a stream has delivered its
// initial burst and stayed up for `healthy_after`. The gRPC channel's own reconnect backoff is
// aligned with the same bounds.
//
// Thread-safety: Start/Stop from one owner thread; State()/Health() from any thread. Each
// subscriber runs a stream thread and a stall watchdog thread.
#pragma once

#include <grpcpp/security/credentials.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/net/backoff.h"
#include "arbor/scanner/book_cache.h"
#include "arbor/v1/feed_service.grpc.pb.h"

namespace arbor::scanner {

struct FeedSubscriberOptions {
  // host:port of the feed shard.
  std::string address;
  // StreamBooksRequest.subscriber_id (the scanner pod name). Required.
  std::string subscriber_id = "scanner";
  // Instruments to stream (empty = everything the shard owns) and snapshot depth (0 = full).
  // Keep full depth for trading: deltas are never cut to max_depth, so once a truncated book's
  // top levels are deleted, the levels below the cut are missing (BookView::truncated).
  arbor::v1::BookFilter filter;
  uint32_t max_depth = 0;
  // Requested idle heartbeat interval; the stall watchdog needs heartbeats to tell "quiet" from
  // "dead", so keep it well below stall_timeout.
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // No message for this long cancels the stream and reconnects.
  absl::Duration stall_timeout = absl::Seconds(5);
  // A stream that synced and lived this long resets the reconnect backoff.
  absl::Duration healthy_after = absl::Seconds(30);
  net::BackoffOptions backoff{.min = absl::Milliseconds(200),
                              .max = absl::Seconds(10),
                              .multiplier = 2.0,
                              .jitter = net::Jitter::kFull};
  // Backoff jitter seed; 0 = derived from the shard id (different shards do not retry in step).
  uint64_t seed = 0;
  // nullptr = insecure (in-cluster plaintext).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // Measures stream age and stalls. Not owned; nullptr = SystemClock.
  const Clock* clock = nullptr;
};

// A subscriber's connection state (for health and tests).
struct FeedSubscriberState {
  std::string address;
  ShardId shard = 0;
  bool connected = false;            // a stream is open and has delivered at least one message
  bool synced = false;               // ... and its initial snapshot burst is complete
  uint64_t streams = 0;              // streams that delivered at least one message
  uint64_t attempts = 0;             // StreamBooks calls made
  uint64_t resnapshot_restarts = 0;  // streams restarted because BookCache::Apply failed
  uint64_t stalls = 0;               // streams cancelled by the watchdog
  std::string last_error;            // why the last stream ended; empty before the first end
};

class FeedSubscriber {
 public:
  // `cache` must outlive the subscriber.
  FeedSubscriber(BookCache* cache, ShardId shard, FeedSubscriberOptions options);
  ~FeedSubscriber();  // Stop()
  FeedSubscriber(const FeedSubscriber&) = delete;
  FeedSubscriber& operator=(const FeedSubscriber&) = delete;

  // Starts the stream and watchdog threads. Call once.
  void Start();
  // Cancels the current stream, ends the backoff wait, joins the threads and leaves the shard's
  // books untrusted. Idempotent; returns promptly (no RPC deadline is waited out).
  void Stop();

  FeedSubscriberState State() const;

 private:
  void Run();
  void Watchdog();
  // One StreamBooks call, start to finish. Returns whether it delivered its initial burst.
  bool RunStream(arbor::v1::FeedShard::Stub* stub, int64_t* stream_start_mono);

  BookCache* const cache_;
  const ShardId shard_;
  const FeedSubscriberOptions options_;
  const Clock* const clock_;

  std::thread thread_;
  std::thread watchdog_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  grpc::ClientContext* active_ = nullptr;  // the running stream's context, for TryCancel
  bool stall_cancelled_ = false;           // the watchdog cancelled `active_`
  FeedSubscriberState state_;
  std::atomic<int64_t> last_message_mono_{0};
};

struct ShardedBookSourceOptions {
  // One address per feed shard, in shard order (ShardId = index).
  std::vector<std::string> addresses;
  // Template for every subscriber; `address` is replaced per shard.
  FeedSubscriberOptions subscriber;
};

struct BookSourceHealth {
  size_t shards = 0;
  size_t connected = 0;  // shards with an open stream
  size_t synced = 0;     // ... whose initial burst completed
  std::vector<FeedSubscriberState> per_shard;
  BookCacheStats books;

  // Every shard is synced: the cache holds a complete view (the scanner's readiness).
  bool ready() const { return shards > 0 && synced == shards; }
};

class ShardedBookSource {
 public:
  // `cache` must outlive the source.
  ShardedBookSource(BookCache* cache, ShardedBookSourceOptions options);
  ~ShardedBookSource();  // Stop()

  void Start();
  void Stop();
  BookSourceHealth Health() const;

 private:
  BookCache* const cache_;
  std::vector<std::unique_ptr<FeedSubscriber>> subscribers_;
};

}  // namespace arbor::scanner
