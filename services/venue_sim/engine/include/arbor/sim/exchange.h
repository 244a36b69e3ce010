// File: arbor/sim/exchange.h
//
// The simulated exchange: a Universe, one MarketEngine per market over a shared Ledger, and the
// agents that make its books move:
//   - a market maker per market quoting both tokens around the market's fair value (YES bid and
//     ask, and the NO side as their complement), re-quoting when the fair value moves;
//   - noise traders sending marketable orders at random;
//   - fair values following a seeded random walk in log-odds, with every NegRisk event's fair
//     values renormalised to sum to one.
// Injected mispricings (the arbitrage the scanner hunts) replace the market maker's quotes on
// the affected markets for a number of steps and are recorded as ground truth:
//   kBinaryUnderpriced  YES ask + NO ask = 1 - edge (buy both, redeem the set)
//   kBinaryOverpriced   YES bid + NO bid = 1 + edge (split a set, sell both)
//   kNegRiskYesUnder    the YES asks of an event sum to 1 - edge
//   kNegRiskNoUnder     the NO asks of an n-market event sum to n - 1 - edge
//   kCrossVenueGap      a Kalshi twin's YES ask sits at least `edge` below the Polymarket
//                       market's YES bid (buy on Kalshi, sell on Polymarket)
//   kImpliesViolation   for a relation A => B, A's YES bid exceeds B's YES ask by `edge`
//                       (sell A, buy B)
//   kExcludesViolation  for a relation "A excludes B", the YES bids sum to 1 + edge
// Fair values respect the universe's relations at every step. The venue's tick rule runs every
// step: a 0.01 market whose YES book goes past 0.96 / below 0.04 moves to 0.001, and back when
// it leaves that zone (see MarketEngine::ChangeTick; tick-change listeners hear of it).
// Market lifecycle: a market (or Kalshi twin) may start kUnlisted (SimMarket::status): it has an
// engine but no quotes, no agents trade it, and MarketOfToken / KalshiTwinOfTicker do not find
// it, so every venue API treats it as unknown. ListMarket opens it (the maker quotes it at
// once); ResolveMarket closes it for good: every resting order is canceled (positions are NOT
// settled) and nobody quotes or trades it again. Only kOpen markets take part in steps.
// Everything is deterministic in the scenario's seed. Not thread-safe: the simulator's exchange
// thread owns it. Model arithmetic (the random walk) uses double; every order the agents send
// is fixed point on the market's tick grid.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "arbor/sim/ledger.h"
#include "arbor/sim/market_engine.h"
#include "arbor/sim/universe.h"

namespace arbor::sim {

struct DynamicsSpec {
  double log_odds_volatility = 0.02;  // per-step standard deviation of the log-odds walk
  Price half_spread = Price::FromMicros(10'000);
  Quantity quote_size = Quantity::FromUnits(200);
  double noise_orders_per_market = 0.02;  // expected marketable orders per market per step
  Quantity noise_size = Quantity::FromUnits(10);
};

enum class MispricingKind {
  kBinaryUnderpriced,
  kBinaryOverpriced,
  kNegRiskYesUnder,
  kNegRiskNoUnder,
  kCrossVenueGap,
  kImpliesViolation,
  kExcludesViolation,
};
const char* MispricingKindName(MispricingKind kind);

struct MispricingSpec {
  MispricingKind kind = MispricingKind::kBinaryUnderpriced;
  int64_t at_step = 0;
  // Market index (binary), event index (NegRisk), Kalshi twin (cross-venue), index into
  // Universe::relations of the matching kind (implies / excludes violations).
  int target = 0;
  Price edge = Price::FromMicros(20'000);
  int64_t duration_steps = 10;
};

// A mispricing the exchange has put on its books: what a perfect scanner would find.
struct ActiveMispricing {
  MispricingSpec spec;
  std::vector<int> markets;  // affected market indexes
  int64_t started_step = 0;
};

// A market's tick size changed (MarketEngine::ChangeTick) during a step.
using TickChangeListener = std::function<void(int market, Price old_tick, Price new_tick)>;

// A market was listed or resolved (Exchange::ListMarket / ResolveMarket and their Kalshi
// variants). `index` is a market index, or a Kalshi twin index when `kalshi`.
struct LifecycleEvent {
  enum class Kind { kListed, kResolved };
  Kind kind = Kind::kListed;
  bool kalshi = false;
  int index = 0;
  int64_t now_ms = 0;
};
using LifecycleListener = std::function<void(const LifecycleEvent&)>;

class Exchange {
 public:
  // The venue's tick rule for standalone markets listed at 0.01: when the YES book's best bid is
  // above kFineHigh or its best ask below kFineLow the market moves to kFineTick, and back to
  // kCoarseTick once neither holds.
  static constexpr Price kCoarseTick = Price::FromMicros(10'000);
  static constexpr Price kFineTick = Price::FromMicros(1'000);
  static constexpr Price kFineLow = Price::FromMicros(40'000);
  static constexpr Price kFineHigh = Price::FromMicros(960'000);

  // Funds the agents and places the initial quotes (step 0).
  static absl::StatusOr<std::unique_ptr<Exchange>> Create(Universe universe, DynamicsSpec dynamics,
                                                          std::vector<MispricingSpec> mispricings,
                                                          uint64_t seed);

  // Advances one step: fair values move, quotes refresh, scheduled mispricings start or end,
  // noise traders trade. `now_ms` stamps orders (GTD expiry).
  [[nodiscard]] absl::Status Step(int64_t now_ms);

  int64_t step() const { return step_; }
  const Universe& universe() const { return universe_; }
  Ledger& ledger() { return ledger_; }
  const Ledger& ledger() const { return ledger_; }
  MarketEngine& engine(int market) { return *engines_[static_cast<size_t>(market)]; }
  // The book of Kalshi twin `twin` (Universe::kalshi); its tokens are "<ticker>:yes" / ":no".
  MarketEngine& kalshi_engine(int twin) { return *kalshi_engines_[static_cast<size_t>(twin)]; }
  const MarketEngine& kalshi_engine(int twin) const {
    return *kalshi_engines_[static_cast<size_t>(twin)];
  }
  // The twin index of a listed (open or resolved) Kalshi market ticker, or -1.
  int KalshiTwinOfTicker(std::string_view ticker) const;
  // The twin index of any Kalshi ticker, unlisted ones included, or -1 (admin use).
  int FindKalshiTwin(std::string_view ticker) const;
  // The market index of any condition id, unlisted ones included, or -1 (admin use).
  int FindMarket(std::string_view condition_id) const;
  MarketStatus status(int market) const {
    return universe_.markets[static_cast<size_t>(market)].status;
  }
  MarketStatus kalshi_status(int twin) const {
    return universe_.kalshi[static_cast<size_t>(twin)].status;
  }
  const MarketEngine& engine(int market) const { return *engines_[static_cast<size_t>(market)]; }
  // The market index of a token id of a listed (open or resolved) market, or -1.
  int MarketOfToken(std::string_view token) const;
  // Current ground-truth probability of YES.
  Price fair(int market) const;
  const std::vector<ActiveMispricing>& active_mispricings() const { return active_; }
  // Every mispricing that has started so far, in order.
  const std::vector<ActiveMispricing>& mispricing_history() const { return history_; }
  uint64_t noise_trades() const { return noise_trades_; }
  // Registers a listener on every engine, Polymarket markets and Kalshi twins alike (tell them
  // apart with MarketEngine::config().condition_id or the token names).
  void AddTradeListener(const TradeListener& listener);
  void AddOrderDoneListener(const OrderDoneListener& listener);
  // Called during Step, after the engine (and Universe::markets[market].tick, which the venue
  // routes read) moved to the new tick and canceled what was off its grid.
  void AddTickChangeListener(TickChangeListener listener) {
    tick_listeners_.push_back(std::move(listener));
  }
  // Tick changes made so far.
  uint64_t tick_changes() const { return tick_changes_; }
  // PinTick
  //
  // Overrides the tick rule for a standalone market listed at 0.01: from the next Step its tick
  // is `tick` (0.01 or 0.001) whatever its prices, with the usual tick-change listeners (the
  // market channel's tick_size_change + book); nullopt returns it to the rule. For tests and the
  // admin API (POST /admin/tick). Errors: OutOfRange for a bad index, InvalidArgument for a
  // NegRisk member, a market listed at another tick, or another tick.
  [[nodiscard]] absl::Status PinTick(int market, std::optional<Price> tick);
  // ListMarket / ListKalshiMarket
  //
  // Opens an unlisted market: the APIs show it from now on and the maker quotes it at once
  // (`now_ms` stamps the quotes); then the lifecycle listeners run (kListed). Errors:
  // OutOfRange for a bad index, FailedPrecondition when the market is not kUnlisted.
  [[nodiscard]] absl::Status ListMarket(int market, int64_t now_ms);
  [[nodiscard]] absl::Status ListKalshiMarket(int twin, int64_t now_ms);

  // ResolveMarket / ResolveKalshiMarket
  //
  // Closes an open market with `winning_outcome` (0 = Yes, 1 = No): every live order on its
  // books is canceled (OrderDone listeners see them) and the engine's pending level changes are
  // left for the channels to drop; it is never quoted or traded again. Positions are not
  // settled. Then the lifecycle listeners run (kResolved). Returns the canceled order ids.
  // Errors: OutOfRange (bad index or outcome), FailedPrecondition when not kOpen.
  [[nodiscard]] absl::StatusOr<std::vector<uint64_t>> ResolveMarket(int market, int winning_outcome,
                                                                    int64_t now_ms);
  [[nodiscard]] absl::StatusOr<std::vector<uint64_t>> ResolveKalshiMarket(int twin,
                                                                          int winning_outcome,
                                                                          int64_t now_ms);
  void AddLifecycleListener(LifecycleListener listener) {
    lifecycle_listeners_.push_back(std::move(listener));
  }

  // Number of Polymarket markets / Kalshi twins (engine index ranges).
  int markets() const { return static_cast<int>(engines_.size()); }
  int kalshi_twins() const { return static_cast<int>(kalshi_engines_.size()); }
  // Scheduled mispricings that could not be shown (a cross-venue gap on a market priced too
  // close to 0 for Kalshi's grid); they are not in the history.
  uint64_t skipped_mispricings() const { return skipped_mispricings_; }

  static constexpr std::string_view kMakerAccount = "sim-maker";
  static constexpr std::string_view kNoiseAccount = "sim-noise";

 private:
  Exchange(Universe universe, DynamicsSpec dynamics, std::vector<MispricingSpec> mispricings,
           uint64_t seed);
  absl::Status Quote(int market, Price yes_bid, Price yes_ask, int64_t now_ms);
  absl::Status QuoteLegs(int market, Price yes_bid, Price yes_ask, Price no_bid, Price no_ask,
                         int64_t now_ms);
  absl::Status QuoteAroundFair(int market, int64_t now_ms);
  absl::Status QuoteKalshi(int twin, Price yes_bid, Price yes_ask, int64_t now_ms);
  absl::Status QuoteKalshiAroundFair(int twin, int64_t now_ms);
  bool KalshiMispriced(int twin) const;
  absl::Status StartMispricing(const MispricingSpec& spec, int64_t now_ms);
  absl::Status StartCrossVenueGap(const MispricingSpec& spec, ActiveMispricing* a, int64_t now_ms);
  bool Mispriced(int market) const;
  // Whether every market a mispricing would quote is open (otherwise it is skipped).
  bool MispricingTargetsOpen(const MispricingSpec& spec) const;
  void NotifyLifecycle(LifecycleEvent::Kind kind, bool kalshi, int index, int64_t now_ms);
  absl::Status StartRelationViolation(const MispricingSpec& spec, ActiveMispricing* a,
                                      int64_t now_ms);
  void MoveFairValues();
  void EnforceRelations();
  absl::Status ApplyTickRule();

  Universe universe_;
  DynamicsSpec dynamics_;
  std::vector<MispricingSpec> schedule_;
  std::mt19937_64 rng_;
  Ledger ledger_;
  std::vector<std::unique_ptr<MarketEngine>> engines_;
  std::vector<double> log_odds_;
  std::vector<std::vector<uint64_t>> maker_orders_;  // per market
  std::vector<std::unique_ptr<MarketEngine>> kalshi_engines_;
  std::vector<std::vector<uint64_t>> kalshi_maker_orders_;
  absl::flat_hash_map<std::string, int> kalshi_ticker_;
  absl::flat_hash_map<std::string, int> token_market_;
  absl::flat_hash_map<std::string, int> condition_market_;
  std::vector<LifecycleListener> lifecycle_listeners_;
  std::vector<ActiveMispricing> active_;
  std::vector<ActiveMispricing> history_;
  int64_t step_ = 0;
  uint64_t noise_trades_ = 0;
  uint64_t skipped_mispricings_ = 0;
  std::vector<Price> listed_tick_;  // per market, the tick at listing
  std::vector<TickChangeListener> tick_listeners_;
  std::vector<std::optional<Price>> pinned_tick_;  // per market; PinTick
  uint64_t tick_changes_ = 0;
};

}  // namespace arbor::sim
