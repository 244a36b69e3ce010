#include "arbor/lanes/expiry_edge_lane.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"
#include "arbor/quant/kelly.h"

namespace arbor::lanes {
namespace {

using arbor::v1::Opportunity;
using arbor::v1::OpportunityLeg;

// A model probability as a price, rounded down (against us).
Price ProbabilityPrice(double p) {
  const double clamped = std::clamp(p, 0.0, 1.0);
  return Price::FromMicros(static_cast<int64_t>(std::floor(clamped * kFixedScale)));
}

// The tick of the grid range holding `price` (first range containing it; else the first range's
// step; 0.01 with no grid -- such a market drops as off-grid anyway).
Price TickAt(const LaneMarket& m, Price price) {
  for (const GridRange& r : m.grid) {
    if (price >= r.start && price <= r.end && r.step.IsPositive()) return r.step;
  }
  if (!m.grid.empty() && m.grid.front().step.IsPositive()) return m.grid.front().step;
  return Price::FromMicros(10'000);
}

Quantity FloorToLot(Quantity q, Quantity lot) {
  return Quantity::FromMicros(q.micros() / lot.micros() * lot.micros());
}

// One level's fill in the walk.
struct Fill {
  Price price;
  Quantity quantity;
  Money cost;  // price x quantity rounded up
  Money fee;   // venue fee of this fill, rounded up
};

// p x q - cost - fee >= min_edge x q, all rounded against us: the fill clears the minimum edge.
bool FillClears(const Fill& f, Price p, Price min_edge) {
  const Money value = Notional(p, f.quantity, Rounding::kDown) - f.cost - f.fee;
  return value.IsPositive() && value >= Notional(min_edge, f.quantity, Rounding::kUp);
}

}  // namespace

ExpiryEdgeLane::ExpiryEdgeLane(const MarketCatalog* catalog, const BookReader* books,
                               const Clock* clock, quant::CalibrationTable* calibration,
                               ExpiryEdgeConfig config)
    : BundleLaneBase(catalog, books, clock, config.lane),
      calibration_(calibration),
      ee_config_(std::move(config)) {
  RebuildIndex();
}

void ExpiryEdgeLane::RebuildIndex() {
  IndexBinaryMarkets();
  // Markets that ended long ago and never reached OnMarketResolved (removed from the catalog,
  // voided without ForgetMarket): their snapshots would otherwise accumulate forever.
  const int64_t cutoff =
      absl::ToUnixNanos(clock_->Now()) - absl::ToInt64Nanoseconds(ee_config_.snapshot_retention);
  for (auto it = snapshots_.begin(); it != snapshots_.end();) {
    if (it->second.end_unix_nanos < cutoff) {
      snapshots_.erase(it++);
    } else {
      ++it;
    }
  }
}

absl::StatusOr<int> ExpiryEdgeLane::OnMarketResolved(std::string_view market_id,
                                                     int winning_outcome) {
  if (winning_outcome != 0 && winning_outcome != 1) {
    return absl::InvalidArgumentError(absl::StrCat("expiry-edge: market ", ToAbsl(market_id),
                                                   ": winning outcome ", winning_outcome,
                                                   " is not 0 (YES) or 1 (NO)"));
  }
  if (calibration_ == nullptr) {
    return absl::FailedPreconditionError("expiry-edge: no calibration table");
  }
  auto it = snapshots_.find(std::string(market_id));
  if (it == snapshots_.end()) return 0;
  // Observe in time-band order so the table's evolution does not depend on hash order.
  std::vector<std::pair<int, Snapshot>> seen(it->second.by_time_band.begin(),
                                             it->second.by_time_band.end());
  snapshots_.erase(it);
  std::sort(seen.begin(), seen.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  int added = 0;
  for (const auto& [band, s] : seen) {
    absl::Status st = calibration_->Observe(s.price, s.time_to_end, s.side == winning_outcome);
    if (!st.ok()) return st;  // not expected: snapshots are only taken inside a bucket
    ++added;
  }
  if (added > 0 && !ee_config_.calibration_path.empty()) {
    absl::Status st = calibration_->Save(ee_config_.calibration_path);
    if (!st.ok()) return st;
  }
  return added;
}

void ExpiryEdgeLane::ForgetMarket(std::string_view market_id) {
  snapshots_.erase(std::string(market_id));
}

void ExpiryEdgeLane::EvaluateUnit(const std::string& market_id, LaneCounters& c,
                                  std::vector<Candidate>& out) {
  auto drop = [&c](DropReason r) { ++c.drops[static_cast<int>(r)]; };
  const ExpiryEdgeConfig& cfg = ee_config_;

  std::shared_ptr<const LaneMarket> m = catalog_->FindMarket(market_id);
  if (m == nullptr || m->outcomes.size() != 2) return drop(DropReason::kIncompleteEvent);

  // Window first: most markets are far from their end, and this needs no book.
  const int64_t now = absl::ToUnixNanos(clock_->Now());
  const int64_t to_end_nanos = m->end_unix_nanos - now;
  if (m->end_unix_nanos <= 0 || to_end_nanos <= 0 ||
      to_end_nanos > absl::ToInt64Nanoseconds(cfg.window)) {
    return drop(DropReason::kOutsideWindow);
  }
  const absl::Duration time_to_end = absl::Nanoseconds(to_end_nanos);
  if (!m->tradable) return drop(DropReason::kMarketNotTradable);
  if (!m->fees.has_value()) return drop(DropReason::kUnknownFeeModel);
  std::vector<LaneBook> books;
  if (std::optional<DropReason> r = ReadBooks(m->outcomes, books)) return drop(*r);

  // Dominant side: best ask >= threshold. Both can only qualify on a very wide market (on a
  // unified book NO ask = 1 - YES bid); take the side the bids favour, YES on a tie.
  int side = -1;
  for (int s = 0; s < 2; ++s) {
    const LaneBook& b = books[s];
    if (b.asks.empty() || b.asks.front().price < cfg.dominance_threshold) continue;
    if (side < 0) {
      side = s;
      continue;
    }
    const Price bid_s = b.bids.empty() ? Price::Zero() : b.bids.front().price;
    const Price bid_d = books[side].bids.empty() ? Price::Zero() : books[side].bids.front().price;
    if (bid_s > bid_d) side = s;
  }
  if (side < 0) return drop(DropReason::kNoDominantSide);
  const LaneBook& book = books[side];
  const Price best_ask = book.asks.front().price;

  // Remember the dominant side for calibration before the liquidity / calibration gates: the
  // table must learn from markets it cannot trade yet, or it never fills.
  if (calibration_ != nullptr) {
    if (std::optional<std::pair<int, int>> bucket = calibration_->BucketOf(best_ask, time_to_end)) {
      MarketSnapshots& ms = snapshots_[market_id];
      ms.end_unix_nanos = m->end_unix_nanos;
      ms.by_time_band[bucket->second] = Snapshot{best_ask, time_to_end, side};
    }
  }

  // Liquidity floors.
  if (book.bids.empty() || best_ask - book.bids.front().price > cfg.max_spread) {
    return drop(DropReason::kBelowLiquidityFloor);
  }
  const Price depth_limit = best_ask + TickAt(*m, best_ask) * cfg.depth_ticks;
  Money depth;
  for (const book::Level& l : book.asks) {
    if (l.price > depth_limit) break;
    depth += Notional(l.price, l.size, Rounding::kDown);
  }
  if (depth < cfg.min_depth) return drop(DropReason::kBelowLiquidityFloor);

  // Calibration.
  if (calibration_ == nullptr) return drop(DropReason::kNoCalibration);
  absl::StatusOr<quant::CalibrationEstimate> est = calibration_->Estimate(
      best_ask, time_to_end, {.level = cfg.ci_level, .isotonic = cfg.isotonic});
  if (!est.ok() || est->samples < cfg.min_samples) return drop(DropReason::kNoCalibration);
  const Price p_hat = ProbabilityPrice(est->win_rate);
  const Price p_dec = ProbabilityPrice(cfg.use_lower_bound ? est->ci_low : est->win_rate);

  // ---- Depth walk: take each ask level while its fill still clears the minimum edge ----
  ++c.bundles_quoted;
  const Quantity lot = m->lot_size.IsPositive() ? m->lot_size : Quantity::FromMicros(1);
  auto fill_at = [&m](Price price, Quantity q) -> std::optional<Fill> {
    absl::StatusOr<Money> fee = m->fees->Fee(q, price);
    if (!fee.ok()) return std::nullopt;
    return Fill{price, q, Notional(price, q, Rounding::kUp), *fee};
  };
  Quantity cleared;
  for (size_t k = 0; k < book.asks.size(); ++k) {
    const book::Level& l = book.asks[k];
    if (l.price <= Price::Zero() || l.price >= kPriceOne || !l.size.IsPositive() ||
        (k > 0 && l.price <= book.asks[k - 1].price)) {
      return drop(DropReason::kPricingError);  // malformed ladder
    }
    std::optional<Fill> f = fill_at(l.price, l.size);
    if (!f.has_value()) return drop(DropReason::kPricingError);
    if (k == 0) {
      // Sanity gate on the top-of-book edge per contract with the decision probability.
      const Money top = Notional(p_dec, l.size, Rounding::kDown) - f->cost - f->fee;
      if (AveragePrice(top, l.size, Rounding::kDown) > config_.max_edge_per_set) {
        return drop(DropReason::kImplausibleEdge);
      }
    }
    if (!FillClears(*f, p_dec, cfg.min_edge)) break;
    cleared += l.size;
  }
  cleared = FloorToLot(cleared, lot);
  if (!cleared.IsPositive()) {
    // Count only a real edge that fees / the min edge / lots kill; p <= price is a fair market.
    if (p_dec > best_ask) drop(DropReason::kBelowMinEdge);
    return;
  }

  // The fills of a total quantity (best first).
  auto walk = [&](Quantity total, std::vector<Fill>& fills) -> bool {
    fills.clear();
    Quantity left = total;
    for (const book::Level& l : book.asks) {
      if (!left.IsPositive()) break;
      const Quantity q = std::min(left, l.size);
      std::optional<Fill> f = fill_at(l.price, q);
      if (!f.has_value()) return false;
      fills.push_back(*f);
      left -= q;
    }
    return !left.IsPositive();
  };
  auto totals = [](const std::vector<Fill>& fills, Money& cost, Money& fees) {
    cost = Money::Zero();
    fees = Money::Zero();
    for (const Fill& f : fills) {
      cost += f.cost;
      fees += f.fee;
    }
  };
  std::vector<Fill> fills;
  Money cost;
  Money fees;
  if (!walk(cleared, fills)) return drop(DropReason::kPricingError);
  totals(fills, cost, fees);

  // ---- Directional Kelly at the cleared size's average capital per contract (the worst
  // average: the final, smaller size never costs more per contract) ----
  const Price capital_per = AveragePrice(cost + fees, cleared, Rounding::kUp);
  if (capital_per >= kPriceOne) return drop(DropReason::kKellyNoBet);
  const double k = static_cast<double>(capital_per.micros()) / kFixedScale;
  const double p_kelly = static_cast<double>(p_dec.micros()) / kFixedScale;
  absl::StatusOr<quant::KellySize> kelly =
      quant::SizeWithKelly({.fill_probability = p_kelly, .gain = (1 - k) / k, .loss = 1.0},
                           {.multiplier = cfg.kelly_fraction,
                            .bankroll = cfg.bankroll,
                            .budget = cfg.max_stake,
                            .depth_share = 1.0},
                           cleared, capital_per, lot);
  if (!kelly.ok()) return drop(DropReason::kPricingError);
  Quantity size = kelly->sets;
  if (config_.max_sets.IsPositive()) size = FloorToLot(std::min(size, config_.max_sets), lot);
  if (!size.IsPositive()) return drop(DropReason::kKellyNoBet);

  // ---- Final fills. A partial last fill can cost more per contract (venue fee rounding, e.g.
  // Kalshi's cent): trim it while it no longer clears ----
  for (;;) {
    if (!walk(size, fills)) return drop(DropReason::kPricingError);
    if (FillClears(fills.back(), p_dec, cfg.min_edge)) break;
    size = FloorToLot(size - fills.back().quantity, lot);
    if (!size.IsPositive()) return drop(DropReason::kBelowMinEdge);
  }
  totals(fills, cost, fees);
  for (const Fill& f : fills) {
    if (!m->OnGrid(f.price)) return drop(DropReason::kOffGrid);
  }
  if (size < m->min_order_size || cost < m->min_order_notional) {
    return drop(DropReason::kBelowMinEdge);  // venue minimums, as the bundle pricer counts them
  }
  const Money expected = Notional(p_hat, size, Rounding::kDown) - cost - fees;
  if (!expected.IsPositive() || expected < config_.min_profit) {
    return drop(DropReason::kBelowMinProfit);
  }

  // ---- The opportunity ----
  const Price worst = fills.back().price;
  Quantity available;
  for (const book::Level& l : book.asks) {
    if (l.price > worst) break;
    available += l.size;
  }
  Opportunity o;
  o.set_lane(arbor::v1::LANE_EXPIRY_EDGE);
  OpportunityLeg* leg = o.add_legs();
  leg->set_leg_index(0);
  leg->set_action(arbor::v1::LEG_ACTION_ORDER);
  *leg->mutable_instrument_id() = m->outcomes[side].ToProto();
  leg->set_side(arbor::v1::SIDE_BUY);
  leg->set_limit_price_micros(worst.micros());
  leg->set_size_micros(size.micros());
  leg->set_expected_vwap_micros(AveragePrice(cost, size, Rounding::kUp).micros());
  leg->set_worst_price_micros(worst.micros());
  leg->set_fee_micros(fees.micros());
  leg->set_time_in_force(config_.taker_time_in_force);
  leg->set_cash_flow_micros(-cost.micros());
  leg->set_available_size_micros(available.micros());
  leg->set_event_id(m->event_id.empty() ? m->market_id : m->event_id);
  int64_t ts_event = 0;
  int64_t ts_receipt = 0;
  for (size_t i = 0; i < 2; ++i) {
    // Both books decided the dominant side.
    arbor::v1::SourceBook* src = o.add_source_books();
    *src->mutable_instrument_id() = m->outcomes[i].ToProto();
    src->set_sequence(books[i].sequence);
    src->set_book_epoch(books[i].epoch);
    src->set_ts_event_unix_nanos(books[i].ts_event_unix_nanos);
    ts_event = std::max(ts_event, books[i].ts_event_unix_nanos);
    ts_receipt = std::max(ts_receipt, books[i].ts_receipt_unix_nanos);
  }
  o.set_size_sets_micros(size.micros());
  o.set_total_cost_micros(cost.micros());
  o.set_total_fees_micros(fees.micros());
  o.set_worst_case_payoff_micros(0);
  o.set_guaranteed_profit_micros(-(cost + fees).micros());
  o.set_expected_profit_micros(expected.micros());
  o.set_guaranteed(false);
  o.set_probability(est->win_rate);
  o.set_probability_ci_low(est->ci_low);
  o.set_probability_ci_high(est->ci_high);
  o.set_probability_ci_level(est->level);
  // Calibration score: how tight the interval is (1 - width), so thin buckets score low.
  o.set_confidence(std::clamp(1.0 - (est->ci_high - est->ci_low), 0.0, 1.0));
  o.set_edge_per_set_micros(AveragePrice(expected, size, Rounding::kDown).micros());
  o.add_market_ids(m->market_id);
  if (!m->event_id.empty()) o.add_event_ids(m->event_id);
  o.set_scanner_id(config_.scanner_id);
  o.set_lane_version(config_.lane_version);
  o.set_created_unix_nanos(now);
  o.set_expires_unix_nanos(now + absl::ToInt64Nanoseconds(config_.ttl));
  o.set_source_ts_event_unix_nanos(ts_event);
  o.set_source_ts_receipt_unix_nanos(ts_receipt);
  o.set_opportunity_id(OpportunityIdOf(o));
  o.set_group_key(GroupKeyOf(o));

  Candidate cand;
  cand.event_key = m->event_id.empty() ? m->market_id : m->event_id;
  cand.kind = quant::BundleKind::kBuyAll;  // unused by this lane
  cand.opportunity = std::move(o);
  out.push_back(std::move(cand));
}

}  // namespace arbor::lanes
