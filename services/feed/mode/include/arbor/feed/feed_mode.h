// File: arbor/feed/feed_mode.h
//
// Per-venue feed mode controller with hysteresis (issue 4 item 4). The feed shard reports stream
// health events (reconnects, sequence gaps, resyncs, decode errors, reconciliation divergences,
// per-connection data age, open/desired connection counts); the controller keeps sliding-window
// rates in a fixed ring of time buckets and moves the venue between STREAM, HYBRID and POLL:
// degrading at once (possibly two levels) when a threshold is breached, recovering one level at
// a time only after a sustained healthy window (asymmetric: POLL->HYBRID and HYBRID->STREAM have
// separate windows), never before a minimum dwell.
//
// Thread safety: not thread-safe; one controller per venue, driven from the venue's feed thread.
// The transition listener runs synchronously inside the call that caused the transition.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"

namespace arbor::feed {

// How a venue's books are acquired. Values equal arbor.v1.FeedMode (book.proto) so the gRPC layer
// converts with a static_cast; ordered from best (kStream) to most degraded (kPoll).
enum class FeedMode : int {
  kStream = 1,  // FEED_MODE_STREAM: WebSocket only.
  kHybrid = 2,  // FEED_MODE_HYBRID: WebSocket plus REST polling of quiet or suspect books.
  kPoll = 3,    // FEED_MODE_POLL: REST polling only.
};

// Stable lower-case name: "stream", "hybrid", "poll".
std::string_view FeedModeName(FeedMode mode);

// Counted stream-health events. Each kind has its own pair of per-minute thresholds.
enum class HealthEvent : int {
  kReconnect = 0,    // A WebSocket connection was re-established after a drop or a freeze.
  kSeqGap = 1,       // A sequence gap was detected (Kalshi seq, Polymarket hash mismatch).
  kResync = 2,       // A book was re-snapshotted because it could not be trusted.
  kDecodeError = 3,  // A venue frame failed to decode.
  kDivergence = 4,   // Reconciliation found a book that differed from the REST snapshot.
};
inline constexpr int kHealthEventKinds = 5;

// Why the mode last changed. Names (ModeReasonName) are the stable CamelCase strings reported in
// VenueFeedHealth.mode_reason.
enum class ModeReason : int {
  kInitial = 0,      // "Initial": the controller's starting mode.
  kConnectionsDown,  // "ConnectionsDown": too few of the desired connections are open.
  kStaleData,        // "StaleData": a connection's newest data is too old.
  kReconnectStorm,   // "ReconnectStorm": reconnect rate above threshold.
  kSeqGaps,          // "SeqGaps": sequence-gap rate above threshold.
  kResyncs,          // "Resyncs": resync rate above threshold.
  kDecodeErrors,     // "DecodeErrors": decode-error rate above threshold.
  kDivergences,      // "Divergences": divergence rate above threshold.
  kRecovered,        // "Recovered": healthy for the recovery window; one level up.
  kOperatorPin,      // "OperatorPin": an operator pinned the mode.
  kPinCleared,       // "PinCleared": the pin was removed; health decides again.
  kPolicyCap,        // "PolicyCap": FeedModePolicy.best_mode caps the mode, or a policy
                     // change moved the cap.
};

// Stable CamelCase name of `reason`, e.g. "ReconnectStorm".
std::string_view ModeReasonName(ModeReason reason);

// Per-minute thresholds of one event kind. A rate strictly above a threshold breaches it; 0
// disables that level for this kind. When both are non-zero, to_poll >= to_hybrid.
struct RateThresholds {
  uint32_t to_hybrid = 0;
  uint32_t to_poll = 0;
};

// Configuration of a FeedModeController. Defaults are the documented production values (see
// docs/feed.md, section feed_mode). Mapping from arbor.v1.FeedPolicy: preferred_mode ->
// best_mode; max_reconnects_per_minute -> thresholds[kReconnect].to_hybrid; max_gaps_per_minute ->
// thresholds[kSeqGap].to_hybrid; recover_after_nanos -> recover_to_stream;
// connection_silence_nanos -> stale_to_hybrid (arbor/feed/feed_policy.h does the mapping).
struct FeedModePolicy {
  // Sliding window over which event rates are measured, in (0, 1h]; bucket_count must divide it
  // exactly into buckets of at least 1ms.
  absl::Duration window = absl::Minutes(1);
  // Number of ring buckets (memory is O(bucket_count), whatever the event rate). 1..3600.
  int bucket_count = 60;
  // Per-kind thresholds, indexed by HealthEvent.
  std::array<RateThresholds, kHealthEventKinds> thresholds = {{
      {3, 10},    // kReconnect
      {5, 30},    // kSeqGap
      {5, 30},    // kResync
      {10, 100},  // kDecodeError
      {3, 20},    // kDivergence
  }};
  // Data age (worst observed in the window) at or above which the venue degrades; zero disables.
  absl::Duration stale_to_hybrid = absl::Seconds(30);
  absl::Duration stale_to_poll = absl::Seconds(120);
  // Degrade when open connections < desired * percent / 100. 0..100; poll <= hybrid.
  int hybrid_below_open_percent = 90;
  int poll_below_open_percent = 25;
  // Continuous healthy time (measured from entering the current mode) before POLL -> HYBRID.
  absl::Duration recover_to_hybrid = absl::Minutes(5);
  // Continuous healthy time (measured from entering the current mode) before HYBRID -> STREAM.
  absl::Duration recover_to_stream = absl::Minutes(2);
  // Minimum time in a degraded mode before any upgrade (degrading ignores it).
  absl::Duration min_dwell = absl::Seconds(30);
  // Best mode allowed (arbor.v1.FeedPolicy.preferred_mode): kPoll forces polling.
  FeedMode best_mode = FeedMode::kStream;
  // Transitions kept in History() (oldest dropped first). 1..4096.
  int history_capacity = 64;
};

// Returns OK or InvalidArgument naming the offending field, e.g.
// "FeedModePolicy.thresholds[kReconnect].to_poll (2) must be >= to_hybrid (3)".
[[nodiscard]] absl::Status ValidateFeedModePolicy(const FeedModePolicy& policy);

// One change of the reported mode.
struct ModeTransition {
  FeedMode from = FeedMode::kStream;
  FeedMode to = FeedMode::kStream;
  ModeReason reason = ModeReason::kInitial;
  absl::Time at;  // Clock::Now() of the transition.
};

// Numbers over the current window, for GetHealth and metrics.
struct WindowStats {
  std::array<uint64_t, kHealthEventKinds> counts{};    // Events per kind in the window.
  absl::Duration max_data_age = absl::ZeroDuration();  // Worst data age observed in the window.
  uint32_t connections_open = 0;
  uint32_t connections_desired = 0;
};

class FeedModeController {
 public:
  using Listener = std::function<void(const ModeTransition&)>;

  // Creates a controller in max(kStream, policy.best_mode). `clock` must outlive the controller;
  // its MonotonicNanos() drives the windows and its Now() stamps transitions.
  // Errors: InvalidArgument from ValidateFeedModePolicy.
  [[nodiscard]] static absl::StatusOr<FeedModeController> Create(const Clock& clock,
                                                                 FeedModePolicy policy);

  FeedModeController(FeedModeController&&) = default;
  FeedModeController& operator=(FeedModeController&&) = default;

  // Records one event of `kind` at the clock's current time and re-evaluates the mode.
  void Record(HealthEvent kind);
  // Records the data age of one connection (time since its newest venue message) and
  // re-evaluates. Negative ages are treated as zero. The worst age in the window is the staleness
  // level, so one stale connection is not masked by fresh ones, and a stall keeps counting for up
  // to one window after fresh data returns.
  void ObserveDataAge(absl::Duration age);
  // Sets the current open and desired connection counts and re-evaluates. desired == 0 means
  // the venue has nothing to stream, which is never a degradation cause.
  void SetConnections(uint32_t open, uint32_t desired);
  // Re-evaluates without new input. Call periodically (at least once per bucket width): windows
  // slide and recovery happens only on evaluation, and a healthy period is counted from the first
  // healthy evaluation, so sparse ticks delay recovery but never hasten it.
  void Tick();

  // Pins the reported mode to `mode` whatever the health (operator override); health tracking
  // and its hysteresis continue underneath. Transition reason kOperatorPin.
  void Pin(FeedMode mode);
  // Removes the pin; the reported mode becomes the health mode (capped by best_mode) at once.
  void Unpin();
  std::optional<FeedMode> pinned() const { return pinned_; }

  // Replaces the policy. The rate windows are cleared and recovery timers restart now (so a new
  // policy can never cause an early upgrade); the current health mode is kept, then re-capped.
  // Errors: InvalidArgument from ValidateFeedModePolicy (the old policy stays in force).
  [[nodiscard]] absl::Status SetPolicy(FeedModePolicy policy);
  const FeedModePolicy& policy() const { return policy_; }

  // Registers the listener called after every change of mode() (replaces any previous one).
  void SetListener(Listener listener) { listener_ = std::move(listener); }

  // The reported mode: the pin if pinned, otherwise the health mode capped by best_mode.
  FeedMode mode() const { return mode_; }
  // Reason of the last change of mode() (kInitial before any).
  ModeReason mode_reason() const { return mode_reason_; }
  // When mode() last changed (or the controller was created).
  absl::Time mode_since() const { return mode_since_; }
  // The mode health alone would report (with hysteresis), ignoring pin and cap.
  FeedMode health_mode() const { return health_mode_; }
  // Last transitions, oldest first; at most policy().history_capacity entries.
  std::vector<ModeTransition> History() const;
  // Total transitions since creation (History() may have dropped older ones).
  uint64_t transitions_total() const { return transitions_total_; }
  // Window numbers as of the last evaluation.
  WindowStats Stats() const;
  // Number of ring buckets in use (constant: policy().bucket_count).
  size_t bucket_count() const { return buckets_.size(); }

 private:
  // Events of one bucket_width slice of monotonic time; slot i of the ring holds absolute bucket
  // numbers congruent to i modulo bucket_count.
  struct Bucket {
    std::array<uint32_t, kHealthEventKinds> counts{};
    int64_t max_age_nanos = 0;
  };

  FeedModeController(const Clock& clock, FeedModePolicy policy);

  void ResetWindows(int64_t now_nanos);
  // Slides the window to `now_nanos` and returns the current bucket.
  Bucket& Slide(int64_t now_nanos);
  // Level health calls for right now, and the reason of the worst signal.
  std::pair<FeedMode, ModeReason> Assess() const;
  void Evaluate(int64_t now_nanos);
  void Publish(FeedMode target, ModeReason reason);

  const Clock* clock_;
  FeedModePolicy policy_;
  int64_t bucket_width_nanos_ = 0;
  std::vector<Bucket> buckets_;
  int64_t current_index_ = -1;
  std::array<uint64_t, kHealthEventKinds> totals_{};
  uint32_t connections_open_ = 0;
  uint32_t connections_desired_ = 0;

  FeedMode health_mode_ = FeedMode::kStream;
  int64_t health_mode_since_nanos_ = 0;
  // Monotonic time since which health has continuously allowed HYBRID (resp. STREAM); empty while
  // it does not.
  std::optional<int64_t> ok_for_hybrid_since_;
  std::optional<int64_t> ok_for_stream_since_;

  std::optional<FeedMode> pinned_;
  FeedMode mode_ = FeedMode::kStream;
  ModeReason mode_reason_ = ModeReason::kInitial;
  absl::Time mode_since_;

  std::vector<ModeTransition> history_;  // Ring of history_capacity entries.
  size_t history_next_ = 0;
  uint64_t transitions_total_ = 0;
  Listener listener_;
};

}  // namespace arbor::feed
