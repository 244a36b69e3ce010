#include "arbor/quant/bundle_pricer.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/book/sweep.h"
#include "arbor/core/status_macros.h"

namespace arbor::quant {
namespace {

__extension__ typedef __int128 int128;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

bool FitsInt64(int128 v) { return v <= kInt64Max && v >= std::numeric_limits<int64_t>::min(); }

// floor(a / b) for b > 0.
int128 FloorDiv(int128 a, int128 b) {
  int128 q = a / b;
  if (q * b > a) --q;
  return q;
}

absl::Status ValidateLadder(absl::Span<const book::Level> levels, LegSide side, size_t leg) {
  for (size_t k = 0; k < levels.size(); ++k) {
    const book::Level& l = levels[k];
    if (!l.price.IsPositive() || l.price > kPriceOne) {
      return absl::InvalidArgumentError(absl::StrCat("leg ", leg, " level ", k, ": price ",
                                                     l.price.ToString(), " outside (0, 1]"));
    }
    if (!l.size.IsPositive()) {
      return absl::InvalidArgumentError(
          absl::StrCat("leg ", leg, " level ", k, ": size ", l.size.ToString(), " <= 0"));
    }
    if (k > 0) {
      const Price prev = levels[k - 1].price;
      const bool ok = side == LegSide::kBuy ? l.price > prev : l.price < prev;
      if (!ok) {
        return absl::InvalidArgumentError(absl::StrCat(
            "leg ", leg, " level ", k, ": ", side == LegSide::kBuy ? "asks" : "bids",
            " not strictly ", side == LegSide::kBuy ? "ascending" : "descending", " best first"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

const char* BundleKindName(BundleKind kind) {
  switch (kind) {
    case BundleKind::kBuyAll:
      return "BUY_ALL";
    case BundleKind::kBuyAllNo:
      return "BUY_ALL_NO";
    case BundleKind::kSplitSell:
      return "SPLIT_SELL";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const BundleQuote& q) {
  os << "{" << BundleKindName(q.kind) << " size=" << q.size_sets << " cost=" << q.total_cost
     << " fees=" << q.total_fees << " payoff=" << q.worst_case_payoff
     << " profit=" << q.guaranteed_profit << " edge=" << q.edge_per_set
     << " marginal=" << q.marginal_edge << " legs=[";
  for (const LegQuote& l : q.legs) {
    os << " {" << (l.side == LegSide::kBuy ? "BUY" : "SELL") << " " << l.size << " vwap=" << l.vwap
       << " limit=" << l.worst_price << " cash=" << l.cash_flow << " fee=" << l.fee << "}";
  }
  return os << " ]}";
}

absl::StatusOr<bool> BundlePricer::Advance(const BundleLeg& leg, LegSide side, int64_t qty,
                                           Cursor& c) const {
  while (qty > 0) {
    if (c.level >= leg.levels.size()) return false;
    const book::Level& level = leg.levels[c.level];
    const int64_t take = std::min(level.size.micros() - c.at_level, qty);
    const int64_t at_level = c.at_level + take;
    // One fill per (leg, level): the fee of the level's cumulative fill, so the increments
    // telescope to the fees the venue charges for the whole fill.
    ARBOR_ASSIGN_OR_RETURN(Money level_fee,
                           leg.fees.Fee(Quantity::FromMicros(at_level), level.price));
    c.fee += level_fee - c.level_fee;
    c.level_fee = level_fee;
    c.notional += static_cast<int128>(level.price.micros()) * take;
    c.at_level = at_level;
    qty -= take;
    if (c.at_level == level.size.micros()) {
      ++c.level;
      c.at_level = 0;
      c.level_fee = Money::Zero();
    }
  }
  // Rounded once over the whole leg, as book::internal::SweepAccumulator does: cost up, proceeds
  // down.
  const int128 cash = side == LegSide::kBuy ? -FloorDiv(-c.notional, kFixedScale)
                                            : FloorDiv(c.notional, kFixedScale);
  if (!FitsInt64(cash)) return absl::OutOfRangeError("leg notional does not fit Money");
  c.cash = Money::FromMicros(static_cast<int64_t>(side == LegSide::kBuy ? -cash : cash));
  return true;
}

absl::StatusOr<std::optional<BundleQuote>> BundlePricer::Quote(absl::Span<const BundleLeg> legs,
                                                               const BundleParams& params) {
  const size_t n = legs.size();
  if (n < 2) {
    return absl::InvalidArgumentError(absl::StrCat("a bundle needs >= 2 legs, got ", n));
  }
  if (params.min_edge_per_set.IsNegative()) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative min_edge_per_set ", params.min_edge_per_set.ToString()));
  }
  if (!params.lot_size.IsPositive()) {
    return absl::InvalidArgumentError(
        absl::StrCat("lot_size ", params.lot_size.ToString(), " must be > 0"));
  }
  if (params.max_sets.IsNegative()) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative max_sets ", params.max_sets.ToString()));
  }
  const LegSide side = LegSideFor(params.kind);
  for (size_t i = 0; i < n; ++i) {
    ARBOR_RETURN_IF_ERROR(ValidateLadder(legs[i].levels, side, i));
  }

  const int64_t lot = params.lot_size.micros();
  const int64_t payoff_per_set = PayoffPerSet(params.kind, static_cast<int>(n));
  const bool split = params.kind == BundleKind::kSplitSell;
  // Largest size the walk may reach: a lot multiple of max_sets, or effectively unbounded.
  const int64_t cap = params.max_sets.IsPositive() ? params.max_sets.micros() / lot * lot
                                                   : kInt64Max / 4 / lot * lot;
  const int128 min_edge = params.min_edge_per_set.micros();

  cursors_.assign(n, Cursor{});
  int64_t taken = 0;
  int128 profit = 0;  // exact sum of the accepted segments' rounded profit increments
  int64_t marginal = 0;
  StopReason stop = StopReason::kMinEdge;
  while (true) {
    if (taken >= cap) {
      stop = StopReason::kMaxSets;
      break;
    }
    // Segment length: the lots every leg can take on its current level, or one lot that straddles
    // a level boundary when some leg has less than a lot left there.
    int64_t room = kInt64Max;
    for (size_t i = 0; i < n; ++i) {
      const Cursor& c = cursors_[i];
      const int64_t left =
          c.level < legs[i].levels.size() ? legs[i].levels[c.level].size.micros() - c.at_level : 0;
      room = std::min(room, left);
    }
    int64_t q = room >= lot ? room / lot * lot : lot;
    q = std::min(q, cap - taken);

    trial_ = cursors_;
    bool depth_ok = true;
    for (size_t i = 0; i < n && depth_ok; ++i) {
      ARBOR_ASSIGN_OR_RETURN(depth_ok, Advance(legs[i], side, q, trial_[i]));
    }
    if (!depth_ok) {
      stop = StopReason::kDepth;
      break;
    }
    // The segment's profit as the change of the rounded totals: payoff - split - leg costs - fees.
    int128 delta = static_cast<int128>(payoff_per_set) * q - (split ? q : 0);
    for (size_t i = 0; i < n; ++i) {
      delta += static_cast<int128>(trial_[i].cash.micros()) - cursors_[i].cash.micros();
      delta -= static_cast<int128>(trial_[i].fee.micros()) - cursors_[i].fee.micros();
    }
    // Edge per set = delta / q (money micros per set micros): compare delta * 1e6 with min_edge*q.
    if (delta <= 0 || delta * kFixedScale < min_edge * q) {
      stop = StopReason::kMinEdge;
      break;
    }
    std::swap(cursors_, trial_);
    taken += q;
    profit += delta;
    marginal = static_cast<int64_t>(FloorDiv(delta * kFixedScale, q));
  }
  if (taken == 0) return std::nullopt;

  BundleQuote quote;
  quote.kind = params.kind;
  quote.size_sets = Quantity::FromMicros(taken);
  quote.stop_reason = stop;
  quote.marginal_edge = Price::FromMicros(marginal);
  quote.legs.reserve(n);
  int128 cash_sum = 0;
  int128 fee_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const absl::Span<const book::Level> levels = legs[i].levels;
    // The per-leg report comes from the book library's own VWAP walk; it must agree with the
    // cursor the joint walk kept.
    const book::SweepResult sweep = book::internal::SweepQuantity(
        [&](auto&& fn) {
          for (const book::Level& level : levels) {
            if (!fn(level)) break;
          }
        },
        quote.size_sets, side == LegSide::kBuy);
    LegQuote leg;
    leg.side = side;
    leg.size = sweep.filled;
    leg.vwap = sweep.average_price;
    leg.worst_price = sweep.worst_price;
    leg.levels_consumed = sweep.levels_consumed;
    for (int k = 0; k < sweep.levels_consumed; ++k) {
      leg.available_at_limit += levels[static_cast<size_t>(k)].size;
    }
    leg.cash_flow = side == LegSide::kBuy ? -sweep.notional : sweep.notional;
    leg.fee = cursors_[i].fee;
    if (!sweep.complete || leg.size != quote.size_sets || leg.cash_flow != cursors_[i].cash) {
      return absl::InternalError(absl::StrCat("leg ", i, " sweep disagrees with the joint walk"));
    }
    if (leg.size < legs[i].min_order_size || sweep.notional < legs[i].min_order_notional) {
      return std::nullopt;  // the cleared size is below a venue minimum
    }
    cash_sum += leg.cash_flow.micros();
    fee_sum += leg.fee.micros();
    quote.legs.push_back(leg);
  }
  const int128 split_cash = split ? -static_cast<int128>(taken) : 0;
  const int128 total_cost = -(cash_sum + split_cash);
  const int128 payoff = static_cast<int128>(payoff_per_set) * taken;
  const int128 guaranteed = payoff - total_cost - fee_sum;
  if (!FitsInt64(total_cost) || !FitsInt64(fee_sum) || !FitsInt64(payoff)) {
    return absl::OutOfRangeError("bundle totals do not fit Money");
  }
  if (guaranteed != profit) {
    return absl::InternalError("bundle totals disagree with the sum of accepted segments");
  }
  quote.split_cash_flow = Money::FromMicros(static_cast<int64_t>(split_cash));
  quote.total_cost = Money::FromMicros(static_cast<int64_t>(total_cost));
  quote.total_fees = Money::FromMicros(static_cast<int64_t>(fee_sum));
  quote.worst_case_payoff = Money::FromMicros(static_cast<int64_t>(payoff));
  quote.guaranteed_profit = Money::FromMicros(static_cast<int64_t>(guaranteed));
  quote.edge_per_set = AveragePrice(quote.guaranteed_profit, quote.size_sets, Rounding::kDown);
  return quote;
}

}  // namespace arbor::quant
