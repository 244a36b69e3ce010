// File: arbor/quant/bundle_pricer.h
//
// BundlePricer: prices and sizes a risk-free bundle over the depth of every leg's book, net of
// fees. Bundles (n legs = the n outcomes of one block, in outcome order):
//
//   kBuyAll     buy one YES of every outcome (binary YES + NO, or every YES of a complete
//               NegRisk event) on the asks; each set pays exactly 1.
//   kBuyAllNo   buy one NO of every outcome of an n-outcome NegRisk event on the asks; each set
//               pays exactly n - 1 (or convert: n NO -> n - 1 USD at once).
//   kSplitSell  split 1 USD into one of every outcome, sell every outcome on the bids; the
//               positions end flat, so the payoff is 0 and the profit is the proceeds minus 1.
//
// The legs are walked jointly, segment by segment: a segment is the longest run of lots over
// which every leg stays on one price level (or a single lot straddling a level boundary). Its
// marginal edge per set is payoff - sum of level prices - marginal fees, all as the change of the
// rounded totals, so the totals are exactly the sum of the accepted segments. The walk takes a
// segment only if its edge per set is > 0 and >= min_edge_per_set, and stops at the first that
// is not (prices only get worse further down the books), when a book runs out, or at max_sets.
//
// Money identity (proto/arbor/v1/opportunity.proto), exact in micros:
//   guaranteed_profit = worst_case_payoff - total_cost - total_fees,
//   total_cost = -(sum of leg cash flows + split cash flow).
// Rounding is always against us: buy cost and VWAP up, sell proceeds and VWAP down, fees up per
// fill (one fill per leg and level), edge per set down.
//
//   BundlePricer pricer;
//   BundleLeg legs[] = {{.levels = yes_asks, .fees = fees}, {.levels = no_asks, .fees = fees}};
//   ARBOR_ASSIGN_OR_RETURN(std::optional<BundleQuote> q,
//                          pricer.Quote(legs, {.kind = BundleKind::kBuyAll,
//                                              .min_edge_per_set = Price::FromMicros(20000)}));
//
// Thread-compatible: one BundlePricer per thread (it keeps scratch buffers between calls).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"
#include "arbor/quant/leg_fees.h"

namespace arbor::quant {

enum class BundleKind : uint8_t { kBuyAll, kBuyAllNo, kSplitSell };
enum class LegSide : uint8_t { kBuy, kSell };

// "BUY_ALL" / "BUY_ALL_NO" / "SPLIT_SELL".
const char* BundleKindName(BundleKind kind);

// The side every order leg of `kind` takes: kBuy for the buy bundles, kSell for kSplitSell.
constexpr LegSide LegSideFor(BundleKind kind) {
  return kind == BundleKind::kSplitSell ? LegSide::kSell : LegSide::kBuy;
}

// What one set of `kind` over `outcomes` outcomes pays at resolution, in whole USD: 1, n - 1, 0.
constexpr int64_t PayoffPerSet(BundleKind kind, int outcomes) {
  switch (kind) {
    case BundleKind::kBuyAll:
      return 1;
    case BundleKind::kBuyAllNo:
      return outcomes - 1;
    case BundleKind::kSplitSell:
      return 0;
  }
  return 0;
}

// One leg: the book side it takes from and its fees and venue minimums.
struct BundleLeg {
  // The side to walk, best first: asks ascending for buy bundles, bids descending for
  // kSplitSell. Prices in (0, 1], strictly monotone; sizes > 0. Any source (OrderBook::TopLevels,
  // Depth<N>, a ComplementView copy, a test vector). Must outlive the Quote() call.
  absl::Span<const book::Level> levels;
  LegFees fees;
  // Venue minimums for the leg's order (Polymarket min_order_size, typically 5 shares, and $1 for
  // marketable orders). A bundle whose cleared size violates one is not quoted.
  Quantity min_order_size;
  Money min_order_notional;
};

struct BundleParams {
  BundleKind kind = BundleKind::kBuyAll;
  // Minimum edge of the marginal set net of fees (money per set, i.e. price micros), >= 0. A set
  // must also have a strictly positive edge.
  Price min_edge_per_set;
  // Set granularity: the size is a multiple of it (Polymarket 0.01 shares at tick 0.01 -- the
  // size decimals of the amount table; Kalshi 1 contract). > 0.
  Quantity lot_size = Quantity::FromMicros(1);
  // Cap on the size in sets; zero = none (sized by depth and min edge only).
  Quantity max_sets;
};

// Why the walk stopped.
enum class StopReason : uint8_t {
  kMinEdge,  // the next segment's edge per set was <= 0 or < min_edge_per_set
  kDepth,    // a leg's book ran out
  kMaxSets,  // params.max_sets reached
};

struct LegQuote {
  LegSide side = LegSide::kBuy;
  Quantity size;  // = size_sets
  // Expected VWAP (price micros), rounded against us: up for kBuy, down for kSell.
  Price vwap;
  // Price of the deepest level touched: the order's limit price.
  Price worst_price;
  int levels_consumed = 0;
  // Depth at or better than worst_price (>= size).
  Quantity available_at_limit;
  // Signed cash flow at the VWAP excluding fees: -(cost rounded up) for kBuy, +(proceeds rounded
  // down) for kSell.
  Money cash_flow;
  // Sum of the per-level fill fees (each rounded up by the venue function).
  Money fee;
};

struct BundleQuote {
  BundleKind kind = BundleKind::kBuyAll;
  Quantity size_sets;
  std::vector<LegQuote> legs;  // one per input leg, same order
  Money split_cash_flow;       // kSplitSell: -size (1 USD per set); 0 otherwise
  Money total_cost;            // -(sum of leg cash flows + split_cash_flow)
  Money total_fees;            // sum of leg fees
  Money worst_case_payoff;     // PayoffPerSet * size
  Money guaranteed_profit;     // worst_case_payoff - total_cost - total_fees, > 0
  Price edge_per_set;          // guaranteed_profit / size, rounded down
  Price marginal_edge;         // edge per set of the last accepted segment, rounded down
  StopReason stop_reason = StopReason::kMinEdge;
};

std::ostream& operator<<(std::ostream& os, const BundleQuote& q);

class BundlePricer {
 public:
  // Quote
  //
  // The largest bundle whose marginal set clears params.min_edge_per_set (see the file comment),
  // or nullopt when no set clears (fair books), a book is empty, or the cleared size violates a
  // leg's venue minimum. Errors: InvalidArgument for fewer than 2 legs, a negative min edge, a
  // non-positive lot size, a negative max_sets, or a malformed ladder (price outside (0, 1],
  // size <= 0, not strictly monotone best-first); fee errors from LegFees::Fee; OutOfRange if a
  // total does not fit Money.
  [[nodiscard]] absl::StatusOr<std::optional<BundleQuote>> Quote(absl::Span<const BundleLeg> legs,
                                                                 const BundleParams& params);

 private:
  // Walk state of one leg.
  struct Cursor {
    size_t level = 0;      // current level index
    int64_t at_level = 0;  // quantity micros already taken at `level`
    Money level_fee;       // fee of the fill at `level` so far (Fee(at_level, price))
    Money fee;             // rounded fees of every fill so far (including level_fee)
    __extension__ __int128 notional = 0;  // exact sum of price * qty (1e-12 USD)
    Money cash;                           // rounded signed cash flow of the fills so far
  };

  // Advances `c` by `qty` micros on `leg`. Returns false (leaving `c` partially advanced) if the
  // book runs out first.
  [[nodiscard]] absl::StatusOr<bool> Advance(const BundleLeg& leg, LegSide side, int64_t qty,
                                             Cursor& c) const;

  std::vector<Cursor> cursors_;
  std::vector<Cursor> trial_;
};

}  // namespace arbor::quant
