// File: feed_mode.cc
//
// FeedModeController: ring-bucket sliding windows with running totals (O(1) per event, O(buckets)
// for the staleness maximum), a worst-signal assessment and the asymmetric recovery rules.
#include "arbor/feed/feed_mode.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace arbor::feed {
namespace {

__extension__ typedef __int128 int128;

constexpr int64_t kNanosPerMinute = int64_t{60} * 1'000'000'000;
constexpr int kMaxBuckets = 3600;
constexpr int kMaxHistory = 4096;

constexpr std::array<const char*, kHealthEventKinds> kEventFieldNames = {
    "kReconnect", "kSeqGap", "kResync", "kDecodeError", "kDivergence"};
constexpr std::array<ModeReason, kHealthEventKinds> kEventReasons = {
    ModeReason::kReconnectStorm, ModeReason::kSeqGaps, ModeReason::kResyncs,
    ModeReason::kDecodeErrors, ModeReason::kDivergences};

FeedMode Worse(FeedMode a, FeedMode b) {
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

bool ValidMode(FeedMode m) {
  return m == FeedMode::kStream || m == FeedMode::kHybrid || m == FeedMode::kPoll;
}

// True when `count` events in `window_nanos` is strictly more than `per_minute` per minute.
// Compared as count * 1min > per_minute * window in 128 bits, so no rate is ever rounded.
bool RateAbove(uint64_t count, uint32_t per_minute, int64_t window_nanos) {
  return static_cast<int128>(count) * kNanosPerMinute >
         static_cast<int128>(per_minute) * window_nanos;
}

absl::Status Invalid(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("FeedModePolicy.", field, " ", what));
}

}  // namespace

std::string_view FeedModeName(FeedMode mode) {
  switch (mode) {
    case FeedMode::kStream:
      return "stream";
    case FeedMode::kHybrid:
      return "hybrid";
    case FeedMode::kPoll:
      return "poll";
  }
  return "unknown";
}

std::string_view ModeReasonName(ModeReason reason) {
  switch (reason) {
    case ModeReason::kInitial:
      return "Initial";
    case ModeReason::kConnectionsDown:
      return "ConnectionsDown";
    case ModeReason::kStaleData:
      return "StaleData";
    case ModeReason::kReconnectStorm:
      return "ReconnectStorm";
    case ModeReason::kSeqGaps:
      return "SeqGaps";
    case ModeReason::kResyncs:
      return "Resyncs";
    case ModeReason::kDecodeErrors:
      return "DecodeErrors";
    case ModeReason::kDivergences:
      return "Divergences";
    case ModeReason::kRecovered:
      return "Recovered";
    case ModeReason::kOperatorPin:
      return "OperatorPin";
    case ModeReason::kPinCleared:
      return "PinCleared";
    case ModeReason::kPolicyCap:
      return "PolicyCap";
  }
  return "Unknown";
}

absl::Status ValidateFeedModePolicy(const FeedModePolicy& p) {
  if (p.window <= absl::ZeroDuration() || p.window > absl::Hours(1)) {
    return Invalid("window",
                   absl::StrCat("(", absl::FormatDuration(p.window), ") must be in (0, 1h]"));
  }
  if (p.bucket_count < 1 || p.bucket_count > kMaxBuckets) {
    return Invalid("bucket_count",
                   absl::StrCat("(", p.bucket_count, ") must be in [1, ", kMaxBuckets, "]"));
  }
  const int64_t window_nanos = absl::ToInt64Nanoseconds(p.window);
  if (window_nanos % p.bucket_count != 0 || window_nanos / p.bucket_count < 1'000'000) {
    return Invalid("bucket_count",
                   absl::StrCat("(", p.bucket_count, ") must divide window (",
                                absl::FormatDuration(p.window), ") into buckets of >= 1ms"));
  }
  for (int k = 0; k < kHealthEventKinds; ++k) {
    const RateThresholds& t = p.thresholds[static_cast<size_t>(k)];
    if (t.to_hybrid != 0 && t.to_poll != 0 && t.to_poll < t.to_hybrid) {
      return Invalid(
          absl::StrCat("thresholds[", kEventFieldNames[static_cast<size_t>(k)], "].to_poll"),
          absl::StrCat("(", t.to_poll, ") must be >= to_hybrid (", t.to_hybrid, ")"));
    }
  }
  if (p.stale_to_hybrid < absl::ZeroDuration()) {
    return Invalid("stale_to_hybrid", "must not be negative");
  }
  if (p.stale_to_poll < absl::ZeroDuration()) {
    return Invalid("stale_to_poll", "must not be negative");
  }
  if (p.stale_to_hybrid > absl::ZeroDuration() && p.stale_to_poll > absl::ZeroDuration() &&
      p.stale_to_poll < p.stale_to_hybrid) {
    return Invalid("stale_to_poll", absl::StrCat("(", absl::FormatDuration(p.stale_to_poll),
                                                 ") must be >= stale_to_hybrid (",
                                                 absl::FormatDuration(p.stale_to_hybrid), ")"));
  }
  if (p.hybrid_below_open_percent < 0 || p.hybrid_below_open_percent > 100) {
    return Invalid("hybrid_below_open_percent",
                   absl::StrCat("(", p.hybrid_below_open_percent, ") must be in [0, 100]"));
  }
  if (p.poll_below_open_percent < 0 || p.poll_below_open_percent > p.hybrid_below_open_percent) {
    return Invalid(
        "poll_below_open_percent",
        absl::StrCat("(", p.poll_below_open_percent, ") must be in [0, hybrid_below_open_percent (",
                     p.hybrid_below_open_percent, ")]"));
  }
  if (p.recover_to_hybrid <= absl::ZeroDuration()) {
    return Invalid("recover_to_hybrid", "must be positive");
  }
  if (p.recover_to_stream <= absl::ZeroDuration()) {
    return Invalid("recover_to_stream", "must be positive");
  }
  if (p.min_dwell < absl::ZeroDuration()) {
    return Invalid("min_dwell", "must not be negative");
  }
  if (!ValidMode(p.best_mode)) {
    return Invalid("best_mode",
                   absl::StrCat("(", static_cast<int>(p.best_mode), ") is not a FeedMode"));
  }
  if (p.history_capacity < 1 || p.history_capacity > kMaxHistory) {
    return Invalid("history_capacity",
                   absl::StrCat("(", p.history_capacity, ") must be in [1, ", kMaxHistory, "]"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FeedModeController> FeedModeController::Create(const Clock& clock,
                                                              FeedModePolicy policy) {
  if (absl::Status s = ValidateFeedModePolicy(policy); !s.ok()) return s;
  return FeedModeController(clock, std::move(policy));
}

FeedModeController::FeedModeController(const Clock& clock, FeedModePolicy policy)
    : clock_(&clock), policy_(std::move(policy)) {
  const int64_t now = clock_->MonotonicNanos();
  ResetWindows(now);
  health_mode_since_nanos_ = now;
  ok_for_hybrid_since_ = now;
  ok_for_stream_since_ = now;
  mode_ = Worse(FeedMode::kStream, policy_.best_mode);
  mode_since_ = clock_->Now();
  history_.reserve(static_cast<size_t>(policy_.history_capacity));
}

void FeedModeController::ResetWindows(int64_t now_nanos) {
  bucket_width_nanos_ = absl::ToInt64Nanoseconds(policy_.window) / policy_.bucket_count;
  buckets_.assign(static_cast<size_t>(policy_.bucket_count), Bucket{});
  totals_.fill(0);
  current_index_ = now_nanos / bucket_width_nanos_;
}

FeedModeController::Bucket& FeedModeController::Slide(int64_t now_nanos) {
  const int64_t n = static_cast<int64_t>(buckets_.size());
  const int64_t index = now_nanos / bucket_width_nanos_;
  if (index > current_index_) {
    if (index - current_index_ >= n) {
      // Everything in the ring is older than the window.
      std::fill(buckets_.begin(), buckets_.end(), Bucket{});
      totals_.fill(0);
    } else {
      for (int64_t i = current_index_ + 1; i <= index; ++i) {
        Bucket& b = buckets_[static_cast<size_t>(i % n)];
        for (size_t k = 0; k < totals_.size(); ++k) totals_[k] -= b.counts[k];
        b = Bucket{};
      }
    }
    current_index_ = index;
  }
  return buckets_[static_cast<size_t>(current_index_ % n)];
}

std::pair<FeedMode, ModeReason> FeedModeController::Assess() const {
  FeedMode level = FeedMode::kStream;
  ModeReason reason = ModeReason::kInitial;
  // Signals are considered in priority order; on a tie the first one names the reason.
  auto consider = [&](FeedMode m, ModeReason r) {
    if (static_cast<int>(m) > static_cast<int>(level)) {
      level = m;
      reason = r;
    }
  };
  if (connections_desired_ > 0) {
    const uint64_t open = uint64_t{connections_open_} * 100;
    const uint64_t desired = connections_desired_;
    if (open < desired * static_cast<uint64_t>(policy_.poll_below_open_percent)) {
      consider(FeedMode::kPoll, ModeReason::kConnectionsDown);
    } else if (open < desired * static_cast<uint64_t>(policy_.hybrid_below_open_percent)) {
      consider(FeedMode::kHybrid, ModeReason::kConnectionsDown);
    }
  }
  int64_t max_age = 0;
  for (const Bucket& b : buckets_) max_age = std::max(max_age, b.max_age_nanos);
  const absl::Duration age = absl::Nanoseconds(max_age);
  if (policy_.stale_to_poll > absl::ZeroDuration() && age >= policy_.stale_to_poll) {
    consider(FeedMode::kPoll, ModeReason::kStaleData);
  } else if (policy_.stale_to_hybrid > absl::ZeroDuration() && age >= policy_.stale_to_hybrid) {
    consider(FeedMode::kHybrid, ModeReason::kStaleData);
  }
  const int64_t window_nanos = absl::ToInt64Nanoseconds(policy_.window);
  for (size_t k = 0; k < totals_.size(); ++k) {
    const RateThresholds& t = policy_.thresholds[k];
    if (t.to_poll != 0 && RateAbove(totals_[k], t.to_poll, window_nanos)) {
      consider(FeedMode::kPoll, kEventReasons[k]);
    } else if (t.to_hybrid != 0 && RateAbove(totals_[k], t.to_hybrid, window_nanos)) {
      consider(FeedMode::kHybrid, kEventReasons[k]);
    }
  }
  return {level, reason};
}

void FeedModeController::Evaluate(int64_t now_nanos) {
  Slide(now_nanos);
  const auto [level, reason] = Assess();
  if (level == FeedMode::kPoll) {
    ok_for_hybrid_since_.reset();
  } else if (!ok_for_hybrid_since_) {
    ok_for_hybrid_since_ = now_nanos;
  }
  if (level != FeedMode::kStream) {
    ok_for_stream_since_.reset();
  } else if (!ok_for_stream_since_) {
    ok_for_stream_since_ = now_nanos;
  }

  ModeReason change_reason = ModeReason::kInitial;
  if (static_cast<int>(level) > static_cast<int>(health_mode_)) {
    // Degrade at once, as far as the worst signal demands.
    health_mode_ = level;
    health_mode_since_nanos_ = now_nanos;
    change_reason = reason;
  } else if (static_cast<int>(level) < static_cast<int>(health_mode_)) {
    // Recover one level, after the target level's window of continuous health counted from the
    // later of "healthy since" and "entered this mode", and never before the minimum dwell.
    const FeedMode target = static_cast<FeedMode>(static_cast<int>(health_mode_) - 1);
    const bool to_hybrid = target == FeedMode::kHybrid;
    const int64_t healthy_since = to_hybrid ? *ok_for_hybrid_since_ : *ok_for_stream_since_;
    const int64_t required =
        absl::ToInt64Nanoseconds(to_hybrid ? policy_.recover_to_hybrid : policy_.recover_to_stream);
    const int64_t start = std::max(healthy_since, health_mode_since_nanos_);
    const int64_t dwell = now_nanos - health_mode_since_nanos_;
    if (now_nanos - start >= required && dwell >= absl::ToInt64Nanoseconds(policy_.min_dwell)) {
      health_mode_ = target;
      health_mode_since_nanos_ = now_nanos;
      change_reason = ModeReason::kRecovered;
    }
  }
  if (pinned_ || change_reason == ModeReason::kInitial) return;
  const FeedMode effective = Worse(health_mode_, policy_.best_mode);
  Publish(effective, static_cast<int>(policy_.best_mode) > static_cast<int>(health_mode_)
                         ? ModeReason::kPolicyCap
                         : change_reason);
}

void FeedModeController::Publish(FeedMode target, ModeReason reason) {
  if (target == mode_) return;
  const ModeTransition t{mode_, target, reason, clock_->Now()};
  mode_ = target;
  mode_reason_ = reason;
  mode_since_ = t.at;
  const size_t cap = static_cast<size_t>(policy_.history_capacity);
  if (history_.size() < cap) {
    history_.push_back(t);
  } else {
    history_[history_next_] = t;
  }
  history_next_ = (history_next_ + 1) % cap;
  ++transitions_total_;
  if (listener_) listener_(t);
}

void FeedModeController::Record(HealthEvent kind) {
  const int64_t now = clock_->MonotonicNanos();
  Bucket& b = Slide(now);
  const auto k = static_cast<size_t>(kind);
  ++b.counts[k];
  ++totals_[k];
  Evaluate(now);
}

void FeedModeController::ObserveDataAge(absl::Duration age) {
  const int64_t now = clock_->MonotonicNanos();
  Bucket& b = Slide(now);
  b.max_age_nanos = std::max(b.max_age_nanos, std::max<int64_t>(0, absl::ToInt64Nanoseconds(age)));
  Evaluate(now);
}

void FeedModeController::SetConnections(uint32_t open, uint32_t desired) {
  connections_open_ = open;
  connections_desired_ = desired;
  Evaluate(clock_->MonotonicNanos());
}

void FeedModeController::Tick() { Evaluate(clock_->MonotonicNanos()); }

void FeedModeController::Pin(FeedMode mode) {
  Evaluate(clock_->MonotonicNanos());
  pinned_ = mode;
  Publish(mode, ModeReason::kOperatorPin);
}

void FeedModeController::Unpin() {
  Evaluate(clock_->MonotonicNanos());
  if (!pinned_) return;
  pinned_.reset();
  Publish(Worse(health_mode_, policy_.best_mode), ModeReason::kPinCleared);
}

absl::Status FeedModeController::SetPolicy(FeedModePolicy policy) {
  if (absl::Status s = ValidateFeedModePolicy(policy); !s.ok()) return s;
  std::vector<ModeTransition> kept = History();
  policy_ = std::move(policy);
  const int64_t now = clock_->MonotonicNanos();
  ResetWindows(now);
  if (ok_for_hybrid_since_) ok_for_hybrid_since_ = now;
  if (ok_for_stream_since_) ok_for_stream_since_ = now;

  const size_t cap = static_cast<size_t>(policy_.history_capacity);
  if (kept.size() > cap) kept.erase(kept.begin(), kept.end() - static_cast<ptrdiff_t>(cap));
  history_ = std::move(kept);
  history_.reserve(cap);
  history_next_ = history_.size() % cap;

  if (!pinned_) Publish(Worse(health_mode_, policy_.best_mode), ModeReason::kPolicyCap);
  return absl::OkStatus();
}

std::vector<ModeTransition> FeedModeController::History() const {
  std::vector<ModeTransition> out;
  out.reserve(history_.size());
  const size_t cap = static_cast<size_t>(policy_.history_capacity);
  if (history_.size() < cap) {
    out = history_;
  } else {
    for (size_t i = 0; i < history_.size(); ++i) {
      out.push_back(history_[(history_next_ + i) % history_.size()]);
    }
  }
  return out;
}

WindowStats FeedModeController::Stats() const {
  WindowStats s;
  for (size_t k = 0; k < totals_.size(); ++k) s.counts[k] = totals_[k];
  int64_t max_age = 0;
  for (const Bucket& b : buckets_) max_age = std::max(max_age, b.max_age_nanos);
  s.max_data_age = absl::Nanoseconds(max_age);
  s.connections_open = connections_open_;
  s.connections_desired = connections_desired_;
  return s;
}

}  // namespace arbor::feed
