// File: arbor/lanes/lanes.h
//
// The scanner's risk-free bundle lanes (issue 5): they turn books into sized, priced
// arbor.v1.Opportunity messages using quant::BundlePricer (depth-walking, marginal sizing, fees).
//
//   BinaryLane   per 2-outcome market: BUY_ALL (buy YES + NO on the asks, pays 1) and
//                SPLIT_SELL (split 1 USD into YES + NO, sell both on the bids).
//   NegRiskLane  per Polymarket neg-risk event over its non-placeholder members: BUY_ALL (every
//                YES, complete events only), BUY_ALL_NO (every NO, pays m - 1, held to
//                resolution) and SPLIT_SELL (split one member, CONVERT its NO into YES of every
//                other member, sell every YES).
//
// Both are incremental: OnBooksChanged(instruments) re-evaluates only the markets / events that
// touch those instruments (an index built from the catalog by RebuildIndex()); EvaluateAll() is a
// full rescan. Every skipped unit or bundle is counted by DropReason. docs/lanes.md has the rules.
//
//   BinaryLane lane(&catalog, &books, &clock, LaneConfig{});
//   LaneEvaluation e = lane.OnBooksChanged(touched);
//   for (const arbor::v1::Opportunity& o : e.opportunities) Publish(o);
//
// Thread-compatible: one lane per thread (it owns a BundlePricer's scratch buffers). The catalog
// and reader it points to must outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/lanes/inputs.h"
#include "arbor/quant/bundle_pricer.h"
#include "arbor/v1/opportunity.pb.h"

namespace arbor::lanes {

// Why a unit (market / event) or a bundle produced no opportunity. Unit-level reasons are
// counted once per evaluated unit; bundle-level ones once per bundle.
enum class DropReason : uint8_t {
  kMissingBook,        // unit: a leg instrument's book was never seen
  kNotLive,            // unit: a book is QUARANTINED / CLOSED / untrusted
  kStaleBook,          // unit: a book is STALE or older than max_book_age
  kCrossedBook,        // unit: best bid >= best ask on a leg instrument (locked counts)
  kMarketNotTradable,  // unit: a market is not open / not accepting orders
  kUnknownFeeModel,    // unit: a market's fee model is unknown
  kIncompleteEvent,    // bundle: BUY_ALL on an augmented event / event with placeholders; unit:
                       // a member market missing from the catalog, or < 2 outcomes
  kBelowMinEdge,       // bundle: gross edge at the top of book, but nothing clears min edge
                       // after fees and venue minimums
  kOffGrid,            // bundle: a consumed level's price is not on the market's grid
  kImplausibleEdge,    // bundle: edge per set above max_edge_per_set (probable bad data)
  kBelowMinProfit,     // bundle: guaranteed profit below min_profit
  kWorstCaseMismatch,  // bundle: enumeration disagrees with the pricer (never expected)
  kPricingError,       // bundle: BundlePricer or fee error (malformed ladder, overflow)
  kSharedLiquidity,    // bundle: NegRisk BUY_ALL_NO vs SPLIT_SELL of one event, the less
                       // profitable one (the two take the same orders on a unified book)
  kEventCap,           // bundle: beyond max_per_event or event_cap of its event in this evaluation
  kDuplicateId,        // bundle: same opportunity_id already emitted in this evaluation
  // Cross-venue lane:
  kLowConfidence,    // unit: the mapping's confidence is below the lane's floor
  kMappingRejected,  // unit: equivalence type not tradable, or resolution-source / horizon check
                     // failed against the catalog
  // Expiry-edge lane:
  kOutsideWindow,        // unit: not within the window before its end time (or already ended)
  kNoDominantSide,       // unit: neither side's price reaches the dominance threshold
  kBelowLiquidityFloor,  // unit: depth / spread below the lane's liquidity floors
  kNoCalibration,        // unit: the calibration bucket has too few resolved samples
  kKellyNoBet,           // bundle: the execution-risk-aware Kelly size is zero
  // Combinatorial lane:
  kRelationRejected,  // unit: a related market is missing / not binary, the cluster is too large,
                      // or its relations leave no valid joint outcome (contradictory input)
};
inline constexpr int kDropReasonCount = static_cast<int>(DropReason::kRelationRejected) + 1;
// "missing_book", "not_live", ... (Prometheus label values).
const char* DropReasonName(DropReason reason);

struct LaneCounters {
  uint64_t units_evaluated = 0;  // markets (binary) / events (negrisk) evaluated
  uint64_t bundles_quoted = 0;   // BundlePricer::Quote calls
  uint64_t emitted = 0;
  std::array<uint64_t, kDropReasonCount> drops{};

  uint64_t drop(DropReason r) const { return drops[static_cast<int>(r)]; }
  void Add(const LaneCounters& o);
};

// Execution-risk-aware Kelly sizing of risk-free bundles (quant/kelly.h, ARBITRAGE_MATH.md §8):
// per USD committed, with probability p every leg fills and the bundle locks W (its guaranteed
// profit over the capital it ties up); otherwise a leg fails and unwinding loses L. The size is
// min(multiplier * f* * bankroll, max_stake, depth_share * depth) / capital per set, with
// f* = p/L - q/W. Off while bankroll is 0 (size = depth and min edge only).
struct KellySizing {
  Money bankroll;
  double multiplier = 0.25;
  double fill_probability = 0.95;
  double unwind_loss = 0.02;
  double depth_share = 1.0;
  // Stake cap of one opportunity: the lower of the lane budget and the per-event cap given to
  // the scanner (Money::Max() = none).
  Money max_stake = Money::Max();
};

// Lane configuration. Defaults are documented in docs/lanes.md.
struct LaneConfig {
  // A book older than this (BookReader freshness) is stale.
  absl::Duration max_book_age = absl::Seconds(5);
  // Minimum edge per set of the marginal set, net of fees (BundleParams::min_edge_per_set).
  Price min_edge_per_set = Price::FromMicros(5'000);  // 0.5 cent
  // Minimum guaranteed profit of the whole opportunity.
  Money min_profit = Money::FromMicros(500'000);  // 0.50 USD
  // Sanity gate: an edge per set above this is taken as bad data, not an arbitrage.
  Price max_edge_per_set = Price::FromMicros(200'000);  // 0.20
  // Cap on the size in sets (0 = depth and min edge only).
  Quantity max_sets;
  // Kelly sizing (off by default: bankroll 0).
  KellySizing kelly;
  // At most this many opportunities per event per evaluation (best by guaranteed profit).
  int max_per_event = 3;
  // Per-event capital cap: the opportunities one evaluation emits for one event together pay out
  // at most this much (the sum of their legs' outflows plus fees, a split's collateral included).
  // Taken best first; one that would pass the cap is dropped (kEventCap), a smaller later one
  // may still fit. Money::Max() = none. Each opportunity's own size is capped by
  // KellySizing::max_stake, which callers set to at most this.
  Money event_cap = Money::Max();
  // expires_unix_nanos = created + ttl.
  absl::Duration ttl = absl::Seconds(10);
  // Time in force of the taker ORDER legs (FOK: a partial leg would break the set).
  arbor::v1::TimeInForce taker_time_in_force = arbor::v1::TIME_IN_FORCE_FOK;
  std::string scanner_id;
  std::string lane_version = "lanes-1";
};

struct LaneEvaluation {
  // In deterministic order: by event key (event id, or market id without an event), then by
  // guaranteed profit (highest first), then by opportunity_id.
  std::vector<arbor::v1::Opportunity> opportunities;
  LaneCounters counters;  // of this evaluation only
};

// Shared machinery of the bundle lanes (not for direct use).
class BundleLaneBase {
 public:
  BundleLaneBase(const MarketCatalog* catalog, const BookReader* books, const Clock* clock,
                 LaneConfig config);
  virtual ~BundleLaneBase() = default;

  // RebuildIndex
  //
  // Rebuilds the instrument -> unit index from the catalog. Call after catalog changes.
  virtual void RebuildIndex() = 0;

  // OnBooksChanged
  //
  // Evaluates every unit touching one of `instruments` (each once), then applies the per-event
  // cap and id de-duplication.
  LaneEvaluation OnBooksChanged(absl::Span<const InstrumentKey> instruments);

  // EvaluateAll
  //
  // Evaluates every unit in the index.
  LaneEvaluation EvaluateAll();

  // Counters over the lane's lifetime.
  const LaneCounters& totals() const { return totals_; }
  const LaneConfig& config() const { return config_; }

 protected:
  // One priced candidate before the per-event cap.
  struct Candidate {
    arbor::v1::Opportunity opportunity;
    std::string event_key;  // event id, or market id if the market has no event
    quant::BundleKind kind = quant::BundleKind::kBuyAll;
  };

  virtual void EvaluateUnit(const std::string& unit_id, LaneCounters& c,
                            std::vector<Candidate>& out) = 0;

  // Rebuilds index_ / units_ with every two-outcome market of the catalog as a unit (the binary
  // lane's and the expiry-edge lane's index).
  void IndexBinaryMarkets();

  // Book checks for a unit's instruments: fills `books` (same order) or returns the drop reason.
  std::optional<DropReason> ReadBooks(absl::Span<const InstrumentKey> keys,
                                      std::vector<LaneBook>& books) const;

  // Prices one bundle and, if it passes every gate, appends the opportunity.
  struct BundleSpec {
    quant::BundleKind kind = quant::BundleKind::kBuyAll;
    arbor::v1::Lane lane = arbor::v1::LANE_BINARY;
    // Per leg (outcome order): instrument, book, market (fees, grid, minimums).
    std::vector<const InstrumentKey*> instruments;
    std::vector<const LaneBook*> books;
    std::vector<const LaneMarket*> markets;
    // Leg i buys/sells the NO token of outcome i (BUY_ALL_NO); otherwise its YES token (binary
    // markets model YES and NO as the YES tokens of two outcomes).
    bool legs_are_no = false;
    // Exactly one listed outcome must win (false: "none of them" is possible too).
    bool exhaustive = true;
    // SPLIT_SELL: the market split (condition id) and, for NegRisk, the CONVERT step.
    const LaneMarket* split_market = nullptr;
    bool convert = false;
    std::string neg_risk_market_id;
    std::vector<std::string> market_ids;
    std::string event_id;
  };
  void PriceBundle(const BundleSpec& spec, LaneCounters& c, std::vector<Candidate>& out);

  const MarketCatalog* catalog_;
  const BookReader* books_;
  const Clock* clock_;
  LaneConfig config_;
  // instrument -> unit ids (sorted, unique)
  absl::flat_hash_map<InstrumentKey, std::vector<std::string>> index_;
  std::vector<std::string> units_;  // sorted

 private:
  LaneEvaluation Finish(std::vector<std::string> units);
  // The Kelly size of a depth-sized quote (lot multiple, possibly 0), or nullopt when the sizing
  // inputs are invalid (a misconfigured lane: counted as a pricing error).
  std::optional<Quantity> KellySets(const quant::BundleQuote& q, Quantity lot) const;

  quant::BundlePricer pricer_;
  LaneCounters totals_;
};

// BinaryLane: every market with exactly two outcomes {YES, NO} (including NegRisk members and
// placeholders: YES + NO of one question pays 1 whatever happens).
class BinaryLane final : public BundleLaneBase {
 public:
  BinaryLane(const MarketCatalog* catalog, const BookReader* books, const Clock* clock,
             LaneConfig config = {});
  void RebuildIndex() override;

 private:
  void EvaluateUnit(const std::string& market_id, LaneCounters& c,
                    std::vector<Candidate>& out) override;
};

// NegRiskLane: every neg-risk event. Placeholder markets are never outcomes: they are excluded
// from every bundle, and an event that is augmented or has a placeholder gets no BUY_ALL.
class NegRiskLane final : public BundleLaneBase {
 public:
  NegRiskLane(const MarketCatalog* catalog, const BookReader* books, const Clock* clock,
              LaneConfig config = {});
  void RebuildIndex() override;

 private:
  void EvaluateUnit(const std::string& event_id, LaneCounters& c,
                    std::vector<Candidate>& out) override;
};

// OpportunityIdOf
//
// SHA-256 (OpenSSL) of a canonical text of (lane, every leg: action, instrument, side, limit,
// size, market id, convert indices, and every source book: instrument, sequence, epoch),
// truncated to 128 bits, as 32 lower-case hex digits. Stable across builds and processes.
std::string OpportunityIdOf(const arbor::v1::Opportunity& o);

// GroupKeyOf
//
// SHA-256 of (lane, the sorted set of "action instrument side" / "action market_id" of the
// legs) -- no prices, sizes or sequences -- truncated to 128 bits, 32 hex digits.
std::string GroupKeyOf(const arbor::v1::Opportunity& o);

}  // namespace arbor::lanes
