// File: arbor/lanes/expiry_edge_lane.h
//
// ExpiryEdgeLane: the directional expiry-edge lane (issue 5, LANE_EXPIRY_EDGE). A binary market
// close to its end time whose dominant side trades at >= 0.70 often wins more often than its
// price says; the lane buys that side when the *calibrated historical win rate* of its bucket
// (quant::CalibrationTable: price band x time-to-end band) beats the price plus fees.
//
// Per binary market (the unit), in order, every failure counted by DropReason:
//   book checks as in the bundle lanes (missing / not live / stale / crossed), market tradable,
//   fee model known; window: 0 < end - now <= window (kOutsideWindow); dominant side: a side
//   whose best ask >= threshold (kNoDominantSide); liquidity floors on that side: spread <=
//   max_spread and ask notional within depth_ticks ticks of the best ask >= min_depth
//   (kBelowLiquidityFloor); a calibration bucket with >= min_samples resolved samples
//   (kNoCalibration); then pricing: a VWAP walk up the dominant side's asks taking each level
//   while p - price - fee per share >= min_edge (p = the Wilson lower bound by default),
//   capped by directional Kelly (f* = p/L - q/W with W = (1 - c)/c, L = 1, c = capital per
//   share incl. fees) x kelly_fraction x bankroll, by max_stake and by LaneConfig::max_sets.
//
// The opportunity is one BUY ORDER leg: guaranteed = false, worst_case_payoff = 0,
// guaranteed_profit = -(cost + fees), expected_profit = floor(p̂ x size) - cost - fees with p̂
// the calibrated win rate (the `probability` field), the Wilson interval in probability_ci_*.
//
// Calibration feedback: while a market is in the window with a dominant side, the lane keeps its
// last (price, time to end, side) per time band of the calibration table; OnMarketResolved()
// turns those into observations (one per band visited) and, if calibration_path is set, saves
// the table. docs/lanes.md, "Expiry-edge lane", has the rules and defaults.
//
//   quant::CalibrationTable table = *quant::CalibrationTable::Load(path);
//   ExpiryEdgeLane lane(&catalog, &books, &clock, &table, ExpiryEdgeConfig{});
//   LaneEvaluation e = lane.OnBooksChanged(touched);
//   ...
//   absl::StatusOr<int> added = lane.OnMarketResolved(market_id, winning_outcome_index);
//
// Derives from BundleLaneBase for the instrument index, incremental evaluation, book checks,
// per-event cap, id de-duplication and counters. Thread-compatible like the other lanes; the
// catalog, reader, clock and calibration table must outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"
#include "arbor/lanes/lanes.h"
#include "arbor/quant/calibration.h"

namespace arbor::lanes {

struct ExpiryEdgeConfig {
  // Shared lane settings: max_book_age, min_profit (applied to the expected profit), max_sets
  // (contracts), max_edge_per_set (implausible-edge gate on the top-of-book expected edge),
  // max_per_event, ttl, taker_time_in_force, scanner_id, lane_version. min_edge_per_set is not
  // used (see min_edge).
  LaneConfig lane = {.lane_version = "expiry-edge-1"};
  // Only markets with 0 < end - now <= window.
  absl::Duration window = absl::Hours(4);
  // A side is dominant when its best ask is >= this.
  Price dominance_threshold = Price::FromMicros(700'000);
  // Liquidity floors on the dominant side: ask notional (USD) within depth_ticks ticks of its
  // best ask, and best ask - best bid (a missing bid fails).
  Money min_depth = Money::FromUnits(50);
  int depth_ticks = 2;
  Price max_spread = Price::FromMicros(30'000);
  // Calibration: minimum resolved samples in the bucket itself, interval level, PAV pooling.
  int64_t min_samples = 30;
  double ci_level = 0.95;
  bool isotonic = true;
  // Probability the edge and Kelly use: the Wilson lower bound (true) or the win rate (false).
  bool use_lower_bound = true;
  // Minimum edge per contract of the marginal level: p - price - fee per contract.
  Price min_edge = Price::FromMicros(10'000);
  // Directional Kelly: stake <= kelly_fraction x f* x bankroll, and <= max_stake.
  double kelly_fraction = 0.25;
  Money bankroll = Money::FromUnits(1'000);
  Money max_stake = Money::FromUnits(100);
  // OnMarketResolved saves the table here after updating it (empty = never saves).
  std::string calibration_path;
  // Remembered snapshots of markets that ended longer ago than this (and never resolved through
  // the hook) are dropped by RebuildIndex().
  absl::Duration snapshot_retention = absl::Hours(7 * 24);
};

class ExpiryEdgeLane final : public BundleLaneBase {
 public:
  // `calibration` may be null (every market then drops with kNoCalibration and nothing is
  // learned).
  ExpiryEdgeLane(const MarketCatalog* catalog, const BookReader* books, const Clock* clock,
                 quant::CalibrationTable* calibration, ExpiryEdgeConfig config = {});

  // Binary markets of the catalog; also forgets snapshots past snapshot_retention.
  void RebuildIndex() override;

  // OnMarketResolved
  //
  // The scanner calls this once the catalog shows `market_id` resolved with outcome index
  // `winning_outcome` (0 = YES, 1 = NO) winning. Every remembered snapshot of the market becomes
  // one observation Observe(price, time_to_end, side == winning_outcome); the snapshots are
  // then forgotten. Returns the number of observations added (0 if the lane never saw the market
  // dominant in the window). Saves the table to calibration_path if set. Errors:
  // InvalidArgument for winning_outcome not 0 or 1, FailedPrecondition without a table, Save's
  // errors (the observations are kept in memory even then). Voided / 50-50 resolutions: call
  // ForgetMarket() instead.
  [[nodiscard]] absl::StatusOr<int> OnMarketResolved(std::string_view market_id,
                                                     int winning_outcome);

  // Drops the market's snapshots without observing them.
  void ForgetMarket(std::string_view market_id);

  // Markets with remembered snapshots.
  size_t tracked_markets() const { return snapshots_.size(); }
  const ExpiryEdgeConfig& expiry_config() const { return ee_config_; }

 private:
  // The dominant side as last seen in one time band of the calibration table.
  struct Snapshot {
    Price price;  // best ask of the dominant side
    absl::Duration time_to_end;
    int side = 0;  // outcome index
  };
  struct MarketSnapshots {
    int64_t end_unix_nanos = 0;
    absl::flat_hash_map<int, Snapshot> by_time_band;
  };

  void EvaluateUnit(const std::string& market_id, LaneCounters& c,
                    std::vector<Candidate>& out) override;

  quant::CalibrationTable* calibration_;
  ExpiryEdgeConfig ee_config_;
  absl::flat_hash_map<std::string, MarketSnapshots> snapshots_;
};

}  // namespace arbor::lanes
