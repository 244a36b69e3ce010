// Tests of arbor::feed::FeedModeController: table-driven event sequences on a SimulatedClock
// (degrade at once, asymmetric one-level recovery, hysteresis, pin and cap), window arithmetic
// against a naive model, bounded memory, and policy validation.
#include "arbor/feed/feed_mode.h"

#include <array>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

using ::testing::HasSubstr;

static_assert(static_cast<int>(FeedMode::kStream) == 1, "arbor.v1.FEED_MODE_STREAM");
static_assert(static_cast<int>(FeedMode::kHybrid) == 2, "arbor.v1.FEED_MODE_HYBRID");
static_assert(static_cast<int>(FeedMode::kPoll) == 3, "arbor.v1.FEED_MODE_POLL");

enum class Op { kRecord, kAge, kConns, kTick, kPin, kUnpin };

// One step: advance the clock by `advance`, apply `op` `repeat` times, then expect `mode` and,
// when `reason` is set, mode_reason().
struct Step {
  absl::Duration advance;
  Op op;
  HealthEvent kind = HealthEvent::kReconnect;
  absl::Duration age = absl::ZeroDuration();
  uint32_t open = 0;
  uint32_t desired = 0;
  FeedMode pin = FeedMode::kStream;
  int repeat = 1;
  FeedMode mode = FeedMode::kStream;
  std::optional<ModeReason> reason;
};

Step Rec(absl::Duration adv, HealthEvent kind, int n, FeedMode mode,
         std::optional<ModeReason> reason = std::nullopt) {
  Step s{adv, Op::kRecord};
  s.kind = kind;
  s.repeat = n;
  s.mode = mode;
  s.reason = reason;
  return s;
}
Step Age(absl::Duration adv, absl::Duration age, FeedMode mode,
         std::optional<ModeReason> reason = std::nullopt) {
  Step s{adv, Op::kAge};
  s.age = age;
  s.mode = mode;
  s.reason = reason;
  return s;
}
Step Conns(absl::Duration adv, uint32_t open, uint32_t desired, FeedMode mode,
           std::optional<ModeReason> reason = std::nullopt) {
  Step s{adv, Op::kConns};
  s.open = open;
  s.desired = desired;
  s.mode = mode;
  s.reason = reason;
  return s;
}
Step Tick(absl::Duration adv, FeedMode mode, std::optional<ModeReason> reason = std::nullopt) {
  Step s{adv, Op::kTick};
  s.mode = mode;
  s.reason = reason;
  return s;
}
Step PinTo(absl::Duration adv, FeedMode pin, FeedMode mode) {
  Step s{adv, Op::kPin};
  s.pin = pin;
  s.mode = mode;
  return s;
}
Step Unpin(absl::Duration adv, FeedMode mode, std::optional<ModeReason> reason = std::nullopt) {
  Step s{adv, Op::kUnpin};
  s.mode = mode;
  s.reason = reason;
  return s;
}

struct Sequence {
  const char* name;
  std::vector<Step> steps;
  int transitions;  // Expected transitions_total() at the end.
};

void Apply(FeedModeController& c, SimulatedClock& clock, const Step& s) {
  clock.Advance(s.advance);
  for (int i = 0; i < s.repeat; ++i) {
    switch (s.op) {
      case Op::kRecord:
        c.Record(s.kind);
        break;
      case Op::kAge:
        c.ObserveDataAge(s.age);
        break;
      case Op::kConns:
        c.SetConnections(s.open, s.desired);
        break;
      case Op::kTick:
        c.Tick();
        break;
      case Op::kPin:
        c.Pin(s.pin);
        break;
      case Op::kUnpin:
        c.Unpin();
        break;
    }
  }
}

// Ticks once per second for `d`, expecting `mode` after every tick.
void TickFor(FeedModeController& c, SimulatedClock& clock, absl::Duration d, FeedMode mode,
             const std::string& where) {
  for (absl::Duration t = absl::ZeroDuration(); t < d; t += absl::Seconds(1)) {
    clock.Advance(absl::Seconds(1));
    c.Tick();
    ASSERT_EQ(c.mode(), mode) << where << " at +" << absl::FormatDuration(t + absl::Seconds(1));
  }
}

constexpr absl::Duration kZero = absl::ZeroDuration();
absl::Duration Sec(int64_t s) { return absl::Seconds(s); }

TEST(FeedModeControllerTest, Sequences) {
  using enum FeedMode;
  using enum HealthEvent;
  // Default policy: window 60s/60 buckets; reconnects 3/10 per minute; stale 30s/120s;
  // open below 90%/25%; recover_to_hybrid 5m, recover_to_stream 2m, min_dwell 30s.
  const std::vector<Sequence> kSequences = {
      {"three reconnects a minute are tolerated, the fourth degrades at once",
       {Rec(kZero, kReconnect, 3, kStream),
        Rec(Sec(1), kReconnect, 1, kHybrid, ModeReason::kReconnectStorm)},
       1},
      {"a reconnect storm escalates to poll on the eleventh reconnect",
       {Rec(kZero, kReconnect, 10, kHybrid),
        Rec(kZero, kReconnect, 1, kPoll, ModeReason::kReconnectStorm)},
       2},
      {"eleven reconnects in one call sequence from stream reach poll",
       {Rec(Sec(1), kReconnect, 11, kPoll, ModeReason::kReconnectStorm)},
       2},
      {"a silent stall goes to poll, a shorter one to hybrid",
       {Age(Sec(1), Sec(29), kStream), Age(Sec(1), Sec(30), kHybrid, ModeReason::kStaleData),
        Age(Sec(1), Sec(120), kPoll, ModeReason::kStaleData)},
       2},
      {"a stall straight from stream to poll",
       {Age(Sec(5), Sec(125), kPoll, ModeReason::kStaleData)},
       1},
      {"connections down: 3 of 4 open is hybrid, none open is poll",
       {Conns(kZero, 4, 4, kStream), Conns(Sec(1), 3, 4, kHybrid, ModeReason::kConnectionsDown),
        Conns(Sec(1), 0, 4, kPoll, ModeReason::kConnectionsDown), Conns(Sec(1), 0, 0, kPoll)},
       2},
      {"gaps, resyncs, decode errors and divergences each degrade with their own reason",
       {Rec(kZero, kSeqGap, 6, kHybrid, ModeReason::kSeqGaps),
        Rec(kZero, kDivergence, 21, kPoll, ModeReason::kDivergences)},
       2},
      {"decode errors below threshold do not degrade",
       {Rec(kZero, kDecodeError, 10, kStream), Rec(kZero, kResync, 5, kStream),
        Rec(kZero, kDecodeError, 1, kHybrid, ModeReason::kDecodeErrors)},
       1},
      {"no recovery before the window: events expire at 60s, stream again only at 180s",
       {Rec(kZero, kReconnect, 4, kHybrid), Tick(Sec(59), kHybrid), Tick(Sec(1), kHybrid),
        Tick(Sec(119), kHybrid), Tick(Sec(1), kStream, ModeReason::kRecovered)},
       2},
      {"recovery one level at a time: poll -> hybrid after 5m, hybrid -> stream 2m later",
       {Rec(kZero, kReconnect, 11, kPoll), Tick(Sec(60), kPoll), Tick(Sec(299), kPoll),
        Tick(Sec(1), kHybrid, ModeReason::kRecovered), Tick(Sec(119), kHybrid),
        Tick(Sec(1), kStream, ModeReason::kRecovered)},
       4},
      {"a new breach during recovery restarts the healthy window",
       {Rec(kZero, kReconnect, 4, kHybrid), Tick(Sec(100), kHybrid),
        Rec(kZero, kReconnect, 4, kHybrid), Tick(Sec(60), kHybrid), Tick(Sec(119), kHybrid),
        Tick(Sec(1), kStream)},
       2},
      {"a stall while recovering degrades further at once",
       {Rec(kZero, kReconnect, 4, kHybrid), Tick(Sec(100), kHybrid),
        Age(Sec(1), Sec(200), kPoll, ModeReason::kStaleData)},
       2},
      {"hybrid-level trouble in poll still lets poll recover to hybrid, not further",
       {Conns(kZero, 0, 4, kPoll), Conns(Sec(1), 3, 4, kPoll), Tick(Sec(299), kPoll),
        Tick(Sec(1), kHybrid, ModeReason::kRecovered), Tick(Sec(600), kHybrid),
        Conns(Sec(1), 4, 4, kHybrid), Tick(Sec(119), kHybrid),
        Tick(Sec(1), kStream, ModeReason::kRecovered)},
       3},
      {"an operator pin overrides health both ways and hysteresis continues underneath",
       {PinTo(kZero, kPoll, kPoll), Rec(Sec(1), kReconnect, 4, kPoll), Tick(Sec(10), kPoll),
        Unpin(kZero, kHybrid, ModeReason::kPinCleared), PinTo(kZero, kStream, kStream),
        Rec(kZero, kReconnect, 11, kStream), Unpin(Sec(1), kPoll, ModeReason::kPinCleared)},
       4},
      {"pinning the current mode is not a transition",
       {PinTo(kZero, kStream, kStream), Rec(kZero, kReconnect, 11, kStream), Unpin(kZero, kPoll)},
       1},
  };
  for (const Sequence& seq : kSequences) {
    SCOPED_TRACE(seq.name);
    SimulatedClock clock;
    auto c = FeedModeController::Create(clock, FeedModePolicy{});
    ASSERT_TRUE(c.ok()) << c.status();
    for (size_t i = 0; i < seq.steps.size(); ++i) {
      const Step& s = seq.steps[i];
      Apply(*c, clock, s);
      EXPECT_EQ(c->mode(), s.mode) << "step " << i;
      if (s.reason) {
        EXPECT_EQ(ModeReasonName(c->mode_reason()), ModeReasonName(*s.reason)) << "step " << i;
      }
    }
    EXPECT_EQ(c->transitions_total(), static_cast<uint64_t>(seq.transitions));
  }
}

TEST(FeedModeControllerTest, RecoveryBoundariesAreExactWithOneSecondTicks) {
  SimulatedClock clock;
  auto c = FeedModeController::Create(clock, FeedModePolicy{});
  ASSERT_TRUE(c.ok());
  std::vector<ModeTransition> seen;
  c->SetListener([&](const ModeTransition& t) { seen.push_back(t); });
  const absl::Time t0 = clock.Now();
  for (int i = 0; i < 11; ++i) c->Record(HealthEvent::kReconnect);
  ASSERT_EQ(c->mode(), FeedMode::kPoll);
  // Events leave the window when bucket 0 is recycled at +60s; POLL->HYBRID 300s after that.
  TickFor(*c, clock, absl::Seconds(359), FeedMode::kPoll, "poll phase");
  clock.Advance(absl::Seconds(1));
  c->Tick();
  ASSERT_EQ(c->mode(), FeedMode::kHybrid);
  TickFor(*c, clock, absl::Seconds(119), FeedMode::kHybrid, "hybrid phase");
  clock.Advance(absl::Seconds(1));
  c->Tick();
  ASSERT_EQ(c->mode(), FeedMode::kStream);

  // The fourth reconnect degrades to HYBRID, the eleventh to POLL; then two recoveries.
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].from, FeedMode::kStream);
  EXPECT_EQ(seen[0].to, FeedMode::kHybrid);
  EXPECT_EQ(seen[1].from, FeedMode::kHybrid);
  EXPECT_EQ(seen[1].to, FeedMode::kPoll);
  EXPECT_EQ(seen[1].reason, ModeReason::kReconnectStorm);
  EXPECT_EQ(seen[1].at, t0);
  EXPECT_EQ(seen[2].to, FeedMode::kHybrid);
  EXPECT_EQ(seen[2].reason, ModeReason::kRecovered);
  EXPECT_EQ(seen[2].at, t0 + absl::Seconds(360));
  EXPECT_EQ(seen[3].to, FeedMode::kStream);
  EXPECT_EQ(seen[3].at, t0 + absl::Seconds(480));
  EXPECT_EQ(c->mode_since(), t0 + absl::Seconds(480));
  const std::vector<ModeTransition> history = c->History();
  ASSERT_EQ(history.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(history[i].to, seen[i].to);
    EXPECT_EQ(history[i].at, seen[i].at);
  }
}

TEST(FeedModeControllerTest, FlappingInputDoesNotFlapTheMode) {
  SimulatedClock clock;
  auto c = FeedModeController::Create(clock, FeedModePolicy{});
  ASSERT_TRUE(c.ok());
  // A burst of 4 reconnects every 90s for an hour: each burst is a breach, and the 30s of health
  // between bursts never reaches recover_to_stream (2m).
  for (int burst = 0; burst < 40; ++burst) {
    for (int i = 0; i < 4; ++i) c->Record(HealthEvent::kReconnect);
    ASSERT_EQ(c->mode(), FeedMode::kHybrid);
    TickFor(*c, clock, absl::Seconds(90), FeedMode::kHybrid, "between bursts");
  }
  // Connections flapping every 10s between all open and none open.
  for (int i = 0; i < 100; ++i) {
    clock.Advance(absl::Seconds(5));
    c->SetConnections(0, 2);
    ASSERT_EQ(c->mode(), FeedMode::kPoll);
    clock.Advance(absl::Seconds(5));
    c->SetConnections(2, 2);
    ASSERT_EQ(c->mode(), FeedMode::kPoll);
  }
  EXPECT_EQ(c->transitions_total(), 2u);
}

TEST(FeedModeControllerTest, MinDwellHoldsAShortRecoveryWindow) {
  SimulatedClock clock;
  FeedModePolicy p;
  p.window = absl::Seconds(10);
  p.bucket_count = 10;
  p.recover_to_stream = absl::Seconds(1);
  p.min_dwell = absl::Seconds(30);
  auto c = FeedModeController::Create(clock, p);
  ASSERT_TRUE(c.ok()) << c.status();
  // 3/min over a 10s window: more than 0.5 events in 10s breaches, i.e. one event.
  c->Record(HealthEvent::kReconnect);
  ASSERT_EQ(c->mode(), FeedMode::kHybrid);
  TickFor(*c, clock, absl::Seconds(29), FeedMode::kHybrid, "dwell");
  clock.Advance(absl::Seconds(1));
  c->Tick();
  EXPECT_EQ(c->mode(), FeedMode::kStream);
}

TEST(FeedModeControllerTest, RateThresholdScalesWithTheWindow) {
  struct Case {
    absl::Duration window;
    int bucket_count;
    int events;
    FeedMode want;
  };
  const Case kCases[] = {
      {absl::Minutes(1), 60, 3, FeedMode::kStream},  {absl::Minutes(1), 60, 4, FeedMode::kHybrid},
      {absl::Seconds(30), 30, 1, FeedMode::kStream}, {absl::Seconds(30), 30, 2, FeedMode::kHybrid},
      {absl::Minutes(5), 60, 15, FeedMode::kStream}, {absl::Minutes(5), 60, 16, FeedMode::kHybrid},
      {absl::Minutes(5), 60, 51, FeedMode::kPoll},
  };
  for (const Case& k : kCases) {
    SimulatedClock clock;
    FeedModePolicy p;
    p.window = k.window;
    p.bucket_count = k.bucket_count;
    auto c = FeedModeController::Create(clock, p);
    ASSERT_TRUE(c.ok()) << c.status();
    for (int i = 0; i < k.events; ++i) c->Record(HealthEvent::kReconnect);
    EXPECT_EQ(c->mode(), k.want) << absl::FormatDuration(k.window) << " " << k.events;
  }
}

TEST(FeedModeControllerTest, BestModeCapsTheModeAndPolicyChangesLiftIt) {
  SimulatedClock clock;
  FeedModePolicy p;
  p.best_mode = FeedMode::kPoll;
  auto c = FeedModeController::Create(clock, p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mode(), FeedMode::kPoll);
  EXPECT_EQ(c->health_mode(), FeedMode::kStream);
  c->Record(HealthEvent::kReconnect);
  EXPECT_EQ(c->mode(), FeedMode::kPoll);

  p.best_mode = FeedMode::kHybrid;
  ASSERT_TRUE(c->SetPolicy(p).ok());
  EXPECT_EQ(c->mode(), FeedMode::kHybrid);
  EXPECT_EQ(c->mode_reason(), ModeReason::kPolicyCap);

  p.best_mode = FeedMode::kStream;
  ASSERT_TRUE(c->SetPolicy(p).ok());
  EXPECT_EQ(c->mode(), FeedMode::kStream);

  // A degrade under a HYBRID cap reports POLL with the health reason; recovery stops at HYBRID.
  p.best_mode = FeedMode::kHybrid;
  ASSERT_TRUE(c->SetPolicy(p).ok());
  for (int i = 0; i < 11; ++i) c->Record(HealthEvent::kReconnect);
  EXPECT_EQ(c->mode(), FeedMode::kPoll);
  EXPECT_EQ(c->mode_reason(), ModeReason::kReconnectStorm);
  TickFor(*c, clock, absl::Seconds(359), FeedMode::kPoll, "poll under cap");
  clock.Advance(absl::Seconds(1));
  c->Tick();
  EXPECT_EQ(c->mode(), FeedMode::kHybrid);
  TickFor(*c, clock, absl::Seconds(600), FeedMode::kHybrid, "hybrid under cap");
  EXPECT_EQ(c->health_mode(), FeedMode::kStream);
}

TEST(FeedModeControllerTest, PolicyChangeRestartsRecoveryButKeepsTheMode) {
  SimulatedClock clock;
  auto c = FeedModeController::Create(clock, FeedModePolicy{});
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 4; ++i) c->Record(HealthEvent::kReconnect);
  TickFor(*c, clock, absl::Seconds(170), FeedMode::kHybrid, "before policy change");
  ASSERT_TRUE(c->SetPolicy(FeedModePolicy{}).ok());
  EXPECT_EQ(c->mode(), FeedMode::kHybrid);
  EXPECT_EQ(c->Stats().counts[0], 0u);
  TickFor(*c, clock, absl::Seconds(119), FeedMode::kHybrid, "after policy change");
  clock.Advance(absl::Seconds(1));
  c->Tick();
  EXPECT_EQ(c->mode(), FeedMode::kStream);
}

TEST(FeedModeControllerTest, HistoryIsBounded) {
  SimulatedClock clock;
  FeedModePolicy p;
  p.history_capacity = 2;
  auto c = FeedModeController::Create(clock, p);
  ASSERT_TRUE(c.ok());
  c->Pin(FeedMode::kHybrid);
  c->Pin(FeedMode::kPoll);
  c->Pin(FeedMode::kStream);
  c->Pin(FeedMode::kHybrid);
  EXPECT_EQ(c->transitions_total(), 4u);
  const std::vector<ModeTransition> h = c->History();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].from, FeedMode::kPoll);
  EXPECT_EQ(h[0].to, FeedMode::kStream);
  EXPECT_EQ(h[1].to, FeedMode::kHybrid);
  EXPECT_EQ(h[1].reason, ModeReason::kOperatorPin);

  p.history_capacity = 1;
  ASSERT_TRUE(c->SetPolicy(p).ok());
  const std::vector<ModeTransition> h1 = c->History();
  ASSERT_EQ(h1.size(), 1u);
  EXPECT_EQ(h1[0].to, FeedMode::kHybrid);
}

TEST(FeedModeControllerTest, MillionEventsUseAConstantBucketCount) {
  SimulatedClock clock;
  FeedModePolicy p;
  p.thresholds[static_cast<size_t>(HealthEvent::kDecodeError)] = {0, 0};
  auto c = FeedModeController::Create(clock, p);
  ASSERT_TRUE(c.ok());
  constexpr int kEvents = 1'000'000;
  for (int i = 0; i < kEvents; ++i) {
    clock.Advance(absl::Milliseconds(1));
    c->Record(HealthEvent::kDecodeError);
    if (c->bucket_count() != 60u) {
      FAIL() << "bucket count changed at event " << i;
    }
  }
  EXPECT_EQ(c->bucket_count(), 60u);
  EXPECT_EQ(c->mode(), FeedMode::kStream);
  // Now = 1000s (bucket 1000); the window holds buckets 941..1000, i.e. events at 941000ms through
  // 1000000ms inclusive.
  EXPECT_EQ(c->Stats().counts[static_cast<size_t>(HealthEvent::kDecodeError)], 59'001u);
  EXPECT_EQ(c->transitions_total(), 0u);
}

TEST(FeedModeControllerTest, WindowCountsMatchANaiveModel) {
  std::mt19937 rng(42);
  SimulatedClock clock;
  FeedModePolicy p;
  p.window = absl::Seconds(10);
  p.bucket_count = 5;  // 2s buckets.
  auto c = FeedModeController::Create(clock, p);
  ASSERT_TRUE(c.ok());
  std::deque<std::pair<int64_t, int>> events;  // (monotonic ns, kind)
  std::uniform_int_distribution<int> kind_dist(0, kHealthEventKinds - 1);
  std::uniform_int_distribution<int> advance_ms(0, 3000);
  const int64_t width = 2'000'000'000;
  for (int i = 0; i < 20'000; ++i) {
    clock.Advance(absl::Milliseconds(advance_ms(rng) * (i % 97 == 0 ? 10 : 1)));
    const int kind = kind_dist(rng);
    c->Record(static_cast<HealthEvent>(kind));
    const int64_t now = clock.MonotonicNanos();
    events.emplace_back(now, kind);
    const int64_t oldest_bucket = now / width - (p.bucket_count - 1);
    while (!events.empty() && events.front().first / width < oldest_bucket) events.pop_front();
    std::array<uint64_t, kHealthEventKinds> want{};
    for (const auto& e : events) ++want[static_cast<size_t>(e.second)];
    ASSERT_EQ(c->Stats().counts, want) << "event " << i;
  }
}

TEST(FeedModeControllerTest, StatsReportTheWindow) {
  SimulatedClock clock;
  auto c = FeedModeController::Create(clock, FeedModePolicy{});
  ASSERT_TRUE(c.ok());
  c->ObserveDataAge(absl::Seconds(3));
  c->ObserveDataAge(absl::Seconds(-5));
  c->SetConnections(2, 3);
  c->Record(HealthEvent::kResync);
  WindowStats s = c->Stats();
  EXPECT_EQ(s.max_data_age, absl::Seconds(3));
  EXPECT_EQ(s.connections_open, 2u);
  EXPECT_EQ(s.connections_desired, 3u);
  EXPECT_EQ(s.counts[static_cast<size_t>(HealthEvent::kResync)], 1u);
  clock.Advance(absl::Seconds(61));
  c->Tick();
  s = c->Stats();
  EXPECT_EQ(s.max_data_age, absl::ZeroDuration());
  EXPECT_EQ(s.counts[static_cast<size_t>(HealthEvent::kResync)], 0u);
}

TEST(FeedModeControllerTest, Names) {
  EXPECT_EQ(FeedModeName(FeedMode::kStream), "stream");
  EXPECT_EQ(FeedModeName(FeedMode::kHybrid), "hybrid");
  EXPECT_EQ(FeedModeName(FeedMode::kPoll), "poll");
  EXPECT_EQ(ModeReasonName(ModeReason::kReconnectStorm), "ReconnectStorm");
  EXPECT_EQ(ModeReasonName(ModeReason::kStaleData), "StaleData");
  EXPECT_EQ(ModeReasonName(ModeReason::kPinCleared), "PinCleared");
}

TEST(FeedModePolicyTest, ValidationNamesTheField) {
  struct Case {
    const char* field;
    std::function<void(FeedModePolicy&)> mutate;
  };
  const std::vector<Case> kCases = {
      {"FeedModePolicy.window", [](FeedModePolicy& p) { p.window = absl::ZeroDuration(); }},
      {"FeedModePolicy.window", [](FeedModePolicy& p) { p.window = absl::Hours(2); }},
      {"FeedModePolicy.bucket_count", [](FeedModePolicy& p) { p.bucket_count = 0; }},
      {"FeedModePolicy.bucket_count", [](FeedModePolicy& p) { p.bucket_count = 7; }},
      {"FeedModePolicy.bucket_count",
       [](FeedModePolicy& p) {
         p.window = absl::Milliseconds(10);
         p.bucket_count = 20;
       }},
      {"FeedModePolicy.thresholds[kReconnect].to_poll",
       [](FeedModePolicy& p) {
         p.thresholds[0] = {5, 4};
       }},
      {"FeedModePolicy.thresholds[kDivergence].to_poll",
       [](FeedModePolicy& p) {
         p.thresholds[4] = {5, 1};
       }},
      {"FeedModePolicy.stale_to_hybrid",
       [](FeedModePolicy& p) { p.stale_to_hybrid = absl::Seconds(-1); }},
      {"FeedModePolicy.stale_to_poll",
       [](FeedModePolicy& p) { p.stale_to_poll = absl::Seconds(10); }},
      {"FeedModePolicy.hybrid_below_open_percent",
       [](FeedModePolicy& p) { p.hybrid_below_open_percent = 101; }},
      {"FeedModePolicy.poll_below_open_percent",
       [](FeedModePolicy& p) { p.poll_below_open_percent = 95; }},
      {"FeedModePolicy.recover_to_hybrid",
       [](FeedModePolicy& p) { p.recover_to_hybrid = absl::ZeroDuration(); }},
      {"FeedModePolicy.recover_to_stream",
       [](FeedModePolicy& p) { p.recover_to_stream = absl::Seconds(-1); }},
      {"FeedModePolicy.min_dwell", [](FeedModePolicy& p) { p.min_dwell = absl::Seconds(-1); }},
      {"FeedModePolicy.best_mode",
       [](FeedModePolicy& p) { p.best_mode = static_cast<FeedMode>(0); }},
      {"FeedModePolicy.history_capacity", [](FeedModePolicy& p) { p.history_capacity = 0; }},
  };
  ASSERT_TRUE(ValidateFeedModePolicy(FeedModePolicy{}).ok());
  for (const Case& k : kCases) {
    FeedModePolicy p;
    k.mutate(p);
    const absl::Status s = ValidateFeedModePolicy(p);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << k.field;
    EXPECT_THAT(std::string(s.message()), HasSubstr(k.field)) << s;
  }
  // Disabled levels (0) are exempt from the ordering rules.
  FeedModePolicy p;
  p.thresholds[0] = {5, 0};
  p.stale_to_poll = absl::ZeroDuration();
  EXPECT_TRUE(ValidateFeedModePolicy(p).ok());

  // Create and SetPolicy reject an invalid policy; SetPolicy keeps the old one.
  SimulatedClock clock;
  FeedModePolicy bad;
  bad.bucket_count = 0;
  EXPECT_EQ(FeedModeController::Create(clock, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto c = FeedModeController::Create(clock, FeedModePolicy{});
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->SetPolicy(bad).ok());
  EXPECT_EQ(c->policy().bucket_count, 60);
}

}  // namespace
}  // namespace arbor::feed
