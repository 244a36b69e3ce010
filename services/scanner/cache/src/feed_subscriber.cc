#include "arbor/scanner/feed_subscriber.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/log.h"
#include "arbor/core/strings.h"
#include "arbor/v1/feed_service.grpc.pb.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

constexpr char kComponent[] = "scanner_cache";

std::chrono::nanoseconds ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

int ClampMillis(absl::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, 3'600'000));
}

}  // namespace

FeedSubscriber::FeedSubscriber(BookCache* cache, ShardId shard, FeedSubscriberOptions options)
    : cache_(cache),
      shard_(shard),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &SystemClock::Get()) {
  state_.address = options_.address;
  state_.shard = shard_;
}

FeedSubscriber::~FeedSubscriber() { Stop(); }

void FeedSubscriber::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return;
    started_ = true;
  }
  thread_ = std::thread([this] { Run(); });
  watchdog_ = std::thread([this] { Watchdog(); });
}

void FeedSubscriber::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (active_ != nullptr) active_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (watchdog_.joinable()) watchdog_.join();
}

FeedSubscriberState FeedSubscriber::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

void FeedSubscriber::Run() {
  grpc::ChannelArguments args;
  // Align the channel's own reconnect backoff with ours: by default gRPC waits 1 s .. 120 s
  // between connection attempts, which would dominate our delays after a shard restart.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, ClampMillis(options_.backoff.min));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, ClampMillis(options_.backoff.min));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, ClampMillis(options_.backoff.max));
  // Full-depth snapshots of large books can exceed the 4 MiB default.
  args.SetMaxReceiveMessageSize(64 << 20);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options_.address, credentials, args);
  std::unique_ptr<v1::FeedShard::Stub> stub = v1::FeedShard::NewStub(channel);

  net::Backoff backoff(options_.backoff,
                       options_.seed != 0 ? options_.seed : 0x5eed + 7919 * (shard_ + 1));
  for (;;) {
    int64_t started = 0;
    const bool synced = RunStream(stub.get(), &started);
    if (synced &&
        clock_->MonotonicNanos() - started >= absl::ToInt64Nanoseconds(options_.healthy_after)) {
      backoff.Reset();
    }
    const absl::Duration delay = backoff.Next();
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, ToChrono(delay), [this] { return stopping_; })) break;
  }
}

bool FeedSubscriber::RunStream(v1::FeedShard::Stub* stub, int64_t* stream_start_mono) {
  grpc::ClientContext context;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    active_ = &context;
    stall_cancelled_ = false;
    ++state_.attempts;
  }
  v1::StreamBooksRequest request;
  request.set_subscriber_id(options_.subscriber_id);
  *request.mutable_filter() = options_.filter;
  request.set_max_depth(options_.max_depth);
  request.set_heartbeat_interval_nanos(absl::ToInt64Nanoseconds(options_.heartbeat_interval));
  // No deadline: the stream is meant to live for days. Liveness comes from heartbeats and the
  // stall watchdog instead.

  last_message_mono_.store(clock_->MonotonicNanos(), std::memory_order_relaxed);
  cache_->BeginStream(shard_);
  std::unique_ptr<grpc::ClientReader<v1::BookUpdate>> reader = stub->StreamBooks(&context, request);
  v1::BookUpdate update;
  bool first = true;
  bool synced = false;
  std::string violation;
  while (reader->Read(&update)) {
    const int64_t now = clock_->MonotonicNanos();
    last_message_mono_.store(now, std::memory_order_relaxed);
    if (first) {
      first = false;
      *stream_start_mono = now;
      std::lock_guard<std::mutex> lock(mu_);
      state_.connected = true;
      ++state_.streams;
    }
    if (absl::Status s = cache_->Apply(shard_, update); !s.ok()) {
      // The re-snapshot request: restarting the stream re-sends every snapshot of the shard.
      violation = std::string(s.message());
      context.TryCancel();
      while (reader->Read(&update)) {
      }
      break;
    }
    if (!synced && update.has_heartbeat() && update.heartbeat().initial_snapshot_complete()) {
      synced = true;
      std::lock_guard<std::mutex> lock(mu_);
      state_.synced = true;
    }
  }
  const grpc::Status status = reader->Finish();
  cache_->EndStream(shard_);

  std::string why;
  bool stopped = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_ = nullptr;
    state_.connected = false;
    state_.synced = false;
    if (!violation.empty()) {
      ++state_.resnapshot_restarts;
      why = absl::StrCat("contract violation, re-snapshotting: ", violation);
    } else if (stall_cancelled_) {
      ++state_.stalls;
      why = absl::StrCat("no message for ", absl::FormatDuration(options_.stall_timeout));
    } else if (stopping_) {
      why = "stopped";
      stopped = true;
    } else {
      why =
          absl::StrCat("stream ended: ",
                       absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                       ": ", status.error_message());
    }
    state_.last_error = why;
  }
  if (stopped) {
    ARBOR_LOG(kInfo, kComponent, "feed shard stream stopped")
        .Field("shard", shard_)
        .Field("address", options_.address);
  } else {
    ARBOR_LOG(kWarning, kComponent, "feed shard stream ended")
        .Field("shard", shard_)
        .Field("address", options_.address)
        .Field("reason", why);
  }
  return synced;
}

void FeedSubscriber::Watchdog() {
  const absl::Duration period = std::max(options_.stall_timeout / 4, absl::Milliseconds(1));
  const int64_t limit = absl::ToInt64Nanoseconds(options_.stall_timeout);
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, ToChrono(period), [this] { return stopping_; })) {
    if (active_ == nullptr || stall_cancelled_) continue;
    const int64_t silent =
        clock_->MonotonicNanos() - last_message_mono_.load(std::memory_order_relaxed);
    if (silent > limit) {
      stall_cancelled_ = true;
      active_->TryCancel();
    }
  }
}

// ---- ShardedBookSource ----

ShardedBookSource::ShardedBookSource(BookCache* cache, ShardedBookSourceOptions options)
    : cache_(cache) {
  subscribers_.reserve(options.addresses.size());
  for (size_t i = 0; i < options.addresses.size(); ++i) {
    FeedSubscriberOptions o = options.subscriber;
    o.address = options.addresses[i];
    subscribers_.push_back(
        std::make_unique<FeedSubscriber>(cache_, static_cast<ShardId>(i), std::move(o)));
  }
}

ShardedBookSource::~ShardedBookSource() { Stop(); }

void ShardedBookSource::Start() {
  for (auto& s : subscribers_) s->Start();
}

void ShardedBookSource::Stop() {
  for (auto& s : subscribers_) s->Stop();
}

BookSourceHealth ShardedBookSource::Health() const {
  BookSourceHealth h;
  h.shards = subscribers_.size();
  for (const auto& s : subscribers_) {
    FeedSubscriberState state = s->State();
    if (state.connected) ++h.connected;
    if (state.synced) ++h.synced;
    h.per_shard.push_back(std::move(state));
  }
  h.books = cache_->Stats();
  return h;
}

}  // namespace arbor::scanner
