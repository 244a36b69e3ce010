#include "arbor/lanes/inputs.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::lanes {
namespace {

absl::StatusOr<Venue> VenueFromProto(arbor::v1::Venue v) {
  switch (v) {
    case arbor::v1::VENUE_POLYMARKET:
      return Venue::kPolymarket;
    case arbor::v1::VENUE_KALSHI:
      return Venue::kKalshi;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown venue ", static_cast<int>(v)));
  }
}

arbor::v1::Venue VenueToProto(Venue v) {
  return v == Venue::kKalshi ? arbor::v1::VENUE_KALSHI : arbor::v1::VENUE_POLYMARKET;
}

}  // namespace

absl::StatusOr<InstrumentKey> InstrumentKey::FromProto(const arbor::v1::InstrumentId& id) {
  absl::StatusOr<Venue> venue = VenueFromProto(id.venue());
  if (!venue.ok()) return venue.status();
  if (id.symbol().empty()) return absl::InvalidArgumentError("empty instrument symbol");
  return InstrumentKey{*venue, InstrumentId(id.symbol())};
}

arbor::v1::InstrumentId InstrumentKey::ToProto() const {
  arbor::v1::InstrumentId id;
  id.set_venue(VenueToProto(venue));
  id.set_symbol(instrument.value());
  return id;
}

std::string InstrumentKey::ToString() const {
  return absl::StrCat(ToAbsl(VenueName(venue)), ":", instrument.value());
}

bool LaneMarket::OnGrid(Price price) const {
  for (const GridRange& r : grid) {
    if (price < r.start || price > r.end || r.step.micros() <= 0) continue;
    if ((price.micros() - r.start.micros()) % r.step.micros() == 0) return true;
  }
  return false;
}

void InMemoryMarketCatalog::Upsert(LaneMarket market) {
  std::string id = market.market_id;
  markets_[std::move(id)] = std::make_shared<const LaneMarket>(std::move(market));
}

void InMemoryMarketCatalog::Upsert(LaneEvent event) {
  std::string id = event.event_id;
  events_[std::move(id)] = std::make_shared<const LaneEvent>(std::move(event));
}

std::shared_ptr<const LaneMarket> InMemoryMarketCatalog::FindMarket(
    std::string_view market_id) const {
  auto it = markets_.find(std::string(market_id));
  return it == markets_.end() ? nullptr : it->second;
}

std::shared_ptr<const LaneEvent> InMemoryMarketCatalog::FindEvent(std::string_view event_id) const {
  auto it = events_.find(std::string(event_id));
  return it == events_.end() ? nullptr : it->second;
}

std::vector<std::string> InMemoryMarketCatalog::MarketIds() const {
  std::vector<std::string> ids;
  ids.reserve(markets_.size());
  for (const auto& [id, m] : markets_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> InMemoryMarketCatalog::EventIds() const {
  std::vector<std::string> ids;
  ids.reserve(events_.size());
  for (const auto& [id, e] : events_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<quant::LegFees> FeesFromProto(const arbor::v1::FeeSchedule& fees,
                                             arbor::v1::Venue venue) {
  if (!fees.fees_enabled()) return quant::LegFees::None();
  switch (fees.venue_schedule_case()) {
    case arbor::v1::FeeSchedule::kPolymarket: {
      if (venue != arbor::v1::VENUE_POLYMARKET) {
        return absl::FailedPreconditionError("Polymarket fee schedule on a non-Polymarket market");
      }
      const arbor::v1::PolymarketFeeSchedule& p = fees.polymarket();
      return quant::LegFees::Polymarket({.rate_micros = p.rate_micros(),
                                         .exponent = static_cast<int>(p.exponent()),
                                         .rebate_rate_micros = p.rebate_rate_micros(),
                                         .taker_only = p.taker_only()});
    }
    case arbor::v1::FeeSchedule::kKalshi: {
      if (venue != arbor::v1::VENUE_KALSHI) {
        return absl::FailedPreconditionError("Kalshi fee schedule on a non-Kalshi market");
      }
      const arbor::v1::KalshiFeeSchedule& k = fees.kalshi();
      // LegFees::Kalshi implements the documented 0.07 taker coefficient only.
      if (k.taker_rate_micros() != 0 && k.taker_rate_micros() != 70'000) {
        return absl::FailedPreconditionError(
            absl::StrCat("Kalshi taker rate ", k.taker_rate_micros(), " micros is not 0.07"));
      }
      venue::kalshi::FeeModel model;
      model.multiplier = venue::kalshi::Multiplier::FromMicros(
          k.multiplier_micros() == 0 ? 1'000'000 : k.multiplier_micros());
      switch (k.fee_type()) {
        case arbor::v1::KALSHI_FEE_TYPE_QUADRATIC:
          model.fee_type = "quadratic";
          break;
        case arbor::v1::KALSHI_FEE_TYPE_QUADRATIC_WITH_MAKER_FEES:
          model.fee_type = "quadratic_with_maker_fees";
          break;
        default:
          return absl::FailedPreconditionError(
              absl::StrCat("Kalshi fee type ", static_cast<int>(k.fee_type()), " has no formula"));
      }
      absl::StatusOr<quant::LegFees> legs = quant::LegFees::Kalshi(
          model, quant::LiquidityRole::kTaker, venue::kalshi::FeeRounding::kCent);
      if (!legs.ok()) return absl::FailedPreconditionError(legs.status().message());
      return legs;
    }
    default:
      return absl::FailedPreconditionError("fees enabled but no fee schedule");
  }
}

absl::StatusOr<LaneMarket> MarketFromProto(const arbor::v1::Market& market) {
  LaneMarket m;
  m.market_id = market.market_id();
  absl::StatusOr<Venue> venue = VenueFromProto(market.venue());
  if (!venue.ok()) return venue.status();
  m.venue = *venue;
  m.event_id = market.event_id();
  // Outcomes are placed by outcome_index (market.proto promises outcome order, but a listing in
  // another order loses nothing as long as the indices are a permutation of 0..n-1).
  const int n = market.instruments_size();
  std::vector<std::optional<InstrumentKey>> by_outcome(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const arbor::v1::Instrument& ins = market.instruments(i);
    const uint32_t index = ins.outcome_index();
    if (index >= static_cast<uint32_t>(n) || by_outcome[index].has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("market ", market.market_id(), ": instrument ",
                                                     i, " has outcome_index ", index,
                                                     " (duplicate or out of range)"));
    }
    absl::StatusOr<InstrumentKey> key = InstrumentKey::FromProto(ins.instrument_id());
    if (!key.ok()) return key.status();
    by_outcome[index] = *std::move(key);
  }
  for (std::optional<InstrumentKey>& key : by_outcome) m.outcomes.push_back(*std::move(key));
  // Outcome 0 is YES to every lane. A listing that labels index 0 "No" and index 1 "Yes" has
  // its indices swapped somewhere upstream; trading it would buy the wrong side, so it is
  // refused rather than guessed at.
  if (n == 2) {
    std::string label[2];
    for (const arbor::v1::Instrument& ins : market.instruments()) {
      label[ins.outcome_index()] = ins.outcome_name();
    }
    if (absl::EqualsIgnoreCase(label[0], "no") && absl::EqualsIgnoreCase(label[1], "yes")) {
      return absl::InvalidArgumentError(
          absl::StrCat("market ", market.market_id(), ": outcome_index 0 is labelled \"", label[0],
                       "\" and 1 \"", label[1], "\" (YES must be outcome 0)"));
    }
  }
  m.tradable = market.status() == arbor::v1::MARKET_STATUS_OPEN && market.accepting_orders();
  absl::StatusOr<quant::LegFees> fees = FeesFromProto(market.fee_schedule(), market.venue());
  if (fees.ok()) {
    m.fees = *fees;
  } else {
    m.fee_problem = std::string(fees.status().message());
  }
  if (market.instruments_size() > 0 && market.instruments(0).price_grid().ranges_size() > 0) {
    for (const arbor::v1::PriceRange& r : market.instruments(0).price_grid().ranges()) {
      m.grid.push_back({Price::FromMicros(r.start_micros()), Price::FromMicros(r.end_micros()),
                        Price::FromMicros(r.step_micros())});
    }
  } else {
    int64_t tick = market.tick_size_micros();
    if (tick <= 0 && market.instruments_size() > 0) {
      tick = market.instruments(0).tick_size_micros();
    }
    if (tick > 0 && tick < 1'000'000) {
      m.grid.push_back(
          {Price::FromMicros(tick), Price::FromMicros(1'000'000 - tick), Price::FromMicros(tick)});
    }
  }
  int64_t min_size = market.min_order_size_micros();
  int64_t min_notional = 0;
  for (const arbor::v1::Instrument& ins : market.instruments()) {
    min_size = std::max(min_size, ins.min_order_size_micros());
    min_notional = std::max(min_notional, ins.min_order_notional_micros());
  }
  m.min_order_size = Quantity::FromMicros(min_size);
  m.min_order_notional = Money::FromMicros(min_notional);
  m.end_unix_nanos = market.end_unix_nanos();
  m.resolution_source = market.resolution_source();
  const arbor::v1::NegRiskInfo& nr = market.neg_risk();
  m.neg_risk = nr.neg_risk();
  m.neg_risk_market_id = nr.neg_risk_market_id();
  m.augmented = nr.augmented();
  m.other_outcome = nr.other_outcome();
  m.placeholder = nr.placeholder();
  m.question_index = nr.question_index();
  return m;
}

absl::StatusOr<LaneEvent> EventFromProto(const arbor::v1::Event& event) {
  LaneEvent e;
  e.event_id = event.event_id();
  absl::StatusOr<Venue> venue = VenueFromProto(event.venue());
  if (!venue.ok()) return venue.status();
  e.venue = *venue;
  e.market_ids.assign(event.market_ids().begin(), event.market_ids().end());
  e.neg_risk = event.neg_risk();
  e.neg_risk_market_id = event.neg_risk_market_id();
  e.augmented = event.augmented();
  return e;
}

}  // namespace arbor::lanes
