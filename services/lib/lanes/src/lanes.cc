#include "arbor/lanes/lanes.h"

#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arbor/quant/kelly.h"
#include "arbor/quant/worst_case.h"

namespace arbor::lanes {
namespace {

using arbor::v1::Opportunity;
using arbor::v1::OpportunityLeg;

// First 16 bytes of SHA-256(text) as 32 lower-case hex digits.
std::string Sha256Hex128(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr) != 1 || len < 16) {
    // OpenSSL's SHA-256 does not fail on in-memory input; an empty id is rejected downstream.
    return std::string();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

std::string InstrumentText(const arbor::v1::InstrumentId& id) {
  return absl::StrCat(static_cast<int>(id.venue()), ":", id.symbol());
}

std::string LegStructure(const OpportunityLeg& leg) {
  if (leg.action() == arbor::v1::LEG_ACTION_ORDER) {
    return absl::StrCat("O ", InstrumentText(leg.instrument_id()), " ",
                        static_cast<int>(leg.side()));
  }
  return absl::StrCat(static_cast<int>(leg.action()), " ", leg.market_id(), " ",
                      absl::StrJoin(leg.convert_question_indices(), ","));
}

int64_t Max(int64_t a, int64_t b) { return a > b ? a : b; }

// What an opportunity pays out before anything comes back: its legs' outflows (a split's
// collateral included) plus fees, in micros.
int64_t CapitalOf(const arbor::v1::Opportunity& o) {
  int64_t out = o.total_fees_micros();
  for (const arbor::v1::OpportunityLeg& leg : o.legs()) {
    if (leg.cash_flow_micros() < 0) out -= leg.cash_flow_micros();
  }
  return out;
}

}  // namespace

const char* DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kMissingBook:
      return "missing_book";
    case DropReason::kNotLive:
      return "not_live";
    case DropReason::kStaleBook:
      return "stale_book";
    case DropReason::kCrossedBook:
      return "crossed_book";
    case DropReason::kMarketNotTradable:
      return "market_not_tradable";
    case DropReason::kUnknownFeeModel:
      return "unknown_fee_model";
    case DropReason::kIncompleteEvent:
      return "incomplete_event";
    case DropReason::kBelowMinEdge:
      return "below_min_edge";
    case DropReason::kOffGrid:
      return "off_grid";
    case DropReason::kImplausibleEdge:
      return "implausible_edge";
    case DropReason::kBelowMinProfit:
      return "below_min_profit";
    case DropReason::kWorstCaseMismatch:
      return "worst_case_mismatch";
    case DropReason::kPricingError:
      return "pricing_error";
    case DropReason::kSharedLiquidity:
      return "shared_liquidity";
    case DropReason::kEventCap:
      return "event_cap";
    case DropReason::kDuplicateId:
      return "duplicate_id";
    case DropReason::kLowConfidence:
      return "low_confidence";
    case DropReason::kMappingRejected:
      return "mapping_rejected";
    case DropReason::kOutsideWindow:
      return "outside_window";
    case DropReason::kNoDominantSide:
      return "no_dominant_side";
    case DropReason::kBelowLiquidityFloor:
      return "below_liquidity_floor";
    case DropReason::kNoCalibration:
      return "no_calibration";
    case DropReason::kKellyNoBet:
      return "kelly_no_bet";
    case DropReason::kRelationRejected:
      return "relation_rejected";
  }
  return "unknown";
}

void LaneCounters::Add(const LaneCounters& o) {
  units_evaluated += o.units_evaluated;
  bundles_quoted += o.bundles_quoted;
  emitted += o.emitted;
  for (int i = 0; i < kDropReasonCount; ++i) drops[i] += o.drops[i];
}

std::string OpportunityIdOf(const Opportunity& o) {
  std::string text = absl::StrCat("arbor.opportunity.v1|lane=", static_cast<int>(o.lane()));
  for (const OpportunityLeg& leg : o.legs()) {
    absl::StrAppend(&text, "|L", leg.leg_index(), " ", LegStructure(leg), " ",
                    leg.limit_price_micros(), " ", leg.size_micros(), " ",
                    absl::StrJoin(leg.depends_on_legs(), ","));
  }
  for (const arbor::v1::SourceBook& b : o.source_books()) {
    absl::StrAppend(&text, "|S", InstrumentText(b.instrument_id()), " ", b.sequence(), " ",
                    b.book_epoch());
  }
  return Sha256Hex128(text);
}

std::string GroupKeyOf(const Opportunity& o) {
  std::vector<std::string> items;
  items.reserve(o.legs_size());
  for (const OpportunityLeg& leg : o.legs()) items.push_back(LegStructure(leg));
  std::sort(items.begin(), items.end());
  return Sha256Hex128(absl::StrCat("arbor.group.v1|lane=", static_cast<int>(o.lane()), "|",
                                   absl::StrJoin(items, "|")));
}

BundleLaneBase::BundleLaneBase(const MarketCatalog* catalog, const BookReader* books,
                               const Clock* clock, LaneConfig config)
    : catalog_(catalog),
      books_(books),
      clock_(clock != nullptr ? clock : &SystemClock::Get()),
      config_(std::move(config)) {}

void BundleLaneBase::IndexBinaryMarkets() {
  index_.clear();
  units_.clear();
  for (const std::string& id : catalog_->MarketIds()) {
    std::shared_ptr<const LaneMarket> m = catalog_->FindMarket(id);
    if (m == nullptr || m->outcomes.size() != 2) continue;
    units_.push_back(id);
    for (const InstrumentKey& k : m->outcomes) index_[k].push_back(id);
  }
  std::sort(units_.begin(), units_.end());
  for (auto& [key, ids] : index_) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
}

LaneEvaluation BundleLaneBase::OnBooksChanged(absl::Span<const InstrumentKey> instruments) {
  std::vector<std::string> units;
  for (const InstrumentKey& key : instruments) {
    auto it = index_.find(key);
    if (it == index_.end()) continue;
    units.insert(units.end(), it->second.begin(), it->second.end());
  }
  std::sort(units.begin(), units.end());
  units.erase(std::unique(units.begin(), units.end()), units.end());
  return Finish(std::move(units));
}

LaneEvaluation BundleLaneBase::EvaluateAll() { return Finish(units_); }

LaneEvaluation BundleLaneBase::Finish(std::vector<std::string> units) {
  LaneEvaluation result;
  LaneCounters& c = result.counters;
  std::vector<Candidate> candidates;
  for (const std::string& unit : units) {
    ++c.units_evaluated;
    EvaluateUnit(unit, c, candidates);
  }
  // Per-event cap: best max_per_event by guaranteed profit (ties by id, for determinism).
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.event_key != b.event_key) return a.event_key < b.event_key;
    if (a.opportunity.guaranteed_profit_micros() != b.opportunity.guaranteed_profit_micros()) {
      return a.opportunity.guaranteed_profit_micros() > b.opportunity.guaranteed_profit_micros();
    }
    return a.opportunity.opportunity_id() < b.opportunity.opportunity_id();
  });
  absl::flat_hash_set<std::string> ids;
  const std::string* event = nullptr;
  int in_event = 0;
  int64_t event_capital = 0;  // micros committed to the current event by the kept ones
  for (Candidate& cand : candidates) {
    if (event == nullptr || *event != cand.event_key) {
      event = &cand.event_key;
      in_event = 0;
      event_capital = 0;
    }
    const int64_t capital = CapitalOf(cand.opportunity);
    if (in_event >= config_.max_per_event || capital > config_.event_cap.micros() - event_capital) {
      ++c.drops[static_cast<int>(DropReason::kEventCap)];
      continue;
    }
    if (!ids.insert(cand.opportunity.opportunity_id()).second) {
      ++c.drops[static_cast<int>(DropReason::kDuplicateId)];
      continue;
    }
    ++in_event;
    event_capital += capital;
    result.opportunities.push_back(std::move(cand.opportunity));
  }
  c.emitted = result.opportunities.size();
  totals_.Add(c);
  return result;
}

std::optional<DropReason> BundleLaneBase::ReadBooks(absl::Span<const InstrumentKey> keys,
                                                    std::vector<LaneBook>& books) const {
  books.clear();
  books.reserve(keys.size());
  for (const InstrumentKey& key : keys) {
    std::optional<LaneBook> b = books_->Read(key, config_.max_book_age);
    if (!b.has_value()) return DropReason::kMissingBook;
    if (b->status == BookStatus::kStale) return DropReason::kStaleBook;
    if (b->status != BookStatus::kLive || !b->trusted) return DropReason::kNotLive;
    if (!b->fresh) return DropReason::kStaleBook;
    if (!b->bids.empty() && !b->asks.empty() && b->bids.front().price >= b->asks.front().price) {
      return DropReason::kCrossedBook;
    }
    books.push_back(*std::move(b));
  }
  return std::nullopt;
}

std::optional<Quantity> BundleLaneBase::KellySets(const quant::BundleQuote& q, Quantity lot) const {
  const KellySizing& k = config_.kelly;
  const quant::BundleCapital capital = quant::CapitalOf(q);
  if (capital.capital_per_set.micros() <= 0 || capital.gain <= 0) return std::nullopt;
  absl::StatusOr<quant::KellySize> size = quant::SizeWithKelly(
      {.fill_probability = k.fill_probability, .gain = capital.gain, .loss = k.unwind_loss},
      {.multiplier = k.multiplier,
       .bankroll = k.bankroll,
       .budget = k.max_stake,
       .depth_share = k.depth_share},
      q.size_sets, capital.capital_per_set, lot);
  if (!size.ok()) return std::nullopt;
  return size->sets;
}

void BundleLaneBase::PriceBundle(const BundleSpec& spec, LaneCounters& c,
                                 std::vector<Candidate>& out) {
  auto drop = [&c](DropReason r) { ++c.drops[static_cast<int>(r)]; };
  const bool sell = spec.kind == quant::BundleKind::kSplitSell;
  const size_t n = spec.instruments.size();

  std::vector<quant::BundleLeg> legs;
  legs.reserve(n);
  Quantity lot = Quantity::FromMicros(1);
  bool empty_side = false;
  for (size_t i = 0; i < n; ++i) {
    const LaneBook& b = *spec.books[i];
    const LaneMarket& m = *spec.markets[i];
    const absl::Span<const book::Level> ladder = sell ? b.bids : b.asks;
    empty_side = empty_side || ladder.empty();
    legs.push_back({.levels = ladder,
                    .fees = *m.fees,
                    .min_order_size = m.min_order_size,
                    .min_order_notional = m.min_order_notional});
    if (m.lot_size > lot) lot = m.lot_size;
  }
  if (empty_side) return;  // nothing to take: no edge, not a drop

  ++c.bundles_quoted;
  absl::StatusOr<std::optional<quant::BundleQuote>> quoted =
      pricer_.Quote(legs, {.kind = spec.kind,
                           .min_edge_per_set = config_.min_edge_per_set,
                           .lot_size = lot,
                           .max_sets = config_.max_sets});
  if (!quoted.ok()) {
    drop(DropReason::kPricingError);
    return;
  }
  if (!quoted->has_value()) {
    // Distinguish "fair" from "an edge that fees, the min edge or venue minimums kill": the gross
    // edge of one set at the best prices.
    int64_t gross = 0;
    for (size_t i = 0; i < n; ++i) gross += legs[i].levels.front().price.micros();
    const int64_t payoff = quant::PayoffPerSet(spec.kind, static_cast<int>(n)) * 1'000'000;
    const int64_t edge = sell ? gross - 1'000'000 : payoff - gross;
    if (edge > 0) drop(DropReason::kBelowMinEdge);
    return;
  }
  quant::BundleQuote sized = **std::move(quoted);
  if (config_.kelly.bankroll.micros() > 0) {
    // Kelly may size below the depth: re-quote at that size so legs, VWAPs and fees are those of
    // the smaller trade (its edge per set is never worse: the walk stops earlier).
    std::optional<Quantity> kelly_sets = KellySets(sized, lot);
    if (!kelly_sets.has_value()) {
      drop(DropReason::kPricingError);
      return;
    }
    if (kelly_sets->micros() == 0) {
      drop(DropReason::kKellyNoBet);
      return;
    }
    if (*kelly_sets < sized.size_sets) {
      absl::StatusOr<std::optional<quant::BundleQuote>> requoted =
          pricer_.Quote(legs, {.kind = spec.kind,
                               .min_edge_per_set = config_.min_edge_per_set,
                               .lot_size = lot,
                               .max_sets = *kelly_sets});
      if (!requoted.ok() || !requoted->has_value()) {
        // Smaller than a venue minimum, or no longer clearing: Kelly says this much or nothing.
        drop(requoted.ok() ? DropReason::kKellyNoBet : DropReason::kPricingError);
        return;
      }
      sized = **std::move(requoted);
    }
  }
  const quant::BundleQuote& q = sized;

  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < q.legs[i].levels_consumed; ++k) {
      if (!spec.markets[i]->OnGrid(legs[i].levels[k].price)) {
        drop(DropReason::kOffGrid);
        return;
      }
    }
  }
  if (q.edge_per_set > config_.max_edge_per_set) {
    drop(DropReason::kImplausibleEdge);
    return;
  }
  if (q.guaranteed_profit < config_.min_profit) {
    drop(DropReason::kBelowMinProfit);
    return;
  }

  // ---- The opportunity ----
  Opportunity o;
  o.set_lane(spec.lane);
  const int64_t size = q.size_sets.micros();
  std::vector<uint32_t> prerequisites;
  int split_outcome = -1;
  if (sell) {
    OpportunityLeg* split = o.add_legs();
    split->set_leg_index(static_cast<uint32_t>(o.legs_size() - 1));
    split->set_action(arbor::v1::LEG_ACTION_SPLIT);
    split->set_market_id(spec.split_market->market_id);
    split->set_size_micros(size);
    split->set_cash_flow_micros(q.split_cash_flow.micros());
    prerequisites.push_back(split->leg_index());
    for (size_t i = 0; i < n; ++i) {
      if (spec.markets[i] == spec.split_market) split_outcome = static_cast<int>(i);
    }
    if (spec.convert) {
      // NO of the split question -> YES of every other question; m = 1 NO returns 0 USD.
      OpportunityLeg* convert = o.add_legs();
      convert->set_leg_index(static_cast<uint32_t>(o.legs_size() - 1));
      convert->set_action(arbor::v1::LEG_ACTION_CONVERT);
      convert->set_market_id(spec.neg_risk_market_id);
      convert->add_convert_question_indices(spec.split_market->question_index);
      convert->set_size_micros(size);
      convert->add_depends_on_legs(split->leg_index());
      prerequisites.push_back(convert->leg_index());
    }
  }
  int64_t ts_event = 0;
  int64_t ts_receipt = 0;
  for (size_t i = 0; i < n; ++i) {
    const quant::LegQuote& lq = q.legs[i];
    OpportunityLeg* leg = o.add_legs();
    leg->set_leg_index(static_cast<uint32_t>(o.legs_size() - 1));
    leg->set_action(arbor::v1::LEG_ACTION_ORDER);
    *leg->mutable_instrument_id() = spec.instruments[i]->ToProto();
    leg->set_side(lq.side == quant::LegSide::kBuy ? arbor::v1::SIDE_BUY : arbor::v1::SIDE_SELL);
    leg->set_limit_price_micros(lq.worst_price.micros());
    leg->set_size_micros(lq.size.micros());
    leg->set_expected_vwap_micros(lq.vwap.micros());
    leg->set_worst_price_micros(lq.worst_price.micros());
    leg->set_fee_micros(lq.fee.micros());
    leg->set_time_in_force(config_.taker_time_in_force);
    leg->set_cash_flow_micros(lq.cash_flow.micros());
    leg->set_available_size_micros(lq.available_at_limit.micros());
    for (uint32_t d : prerequisites) leg->add_depends_on_legs(d);
    // The executor charges each leg to its own event (cross-venue and combinatorial bundles
    // span several).
    const LaneMarket& market = *spec.markets[i];
    leg->set_event_id(market.event_id.empty() ? market.market_id : market.event_id);

    const LaneBook& b = *spec.books[i];
    arbor::v1::SourceBook* src = o.add_source_books();
    *src->mutable_instrument_id() = spec.instruments[i]->ToProto();
    src->set_sequence(b.sequence);
    src->set_book_epoch(b.epoch);
    src->set_ts_event_unix_nanos(b.ts_event_unix_nanos);
    ts_event = Max(ts_event, b.ts_event_unix_nanos);
    ts_receipt = Max(ts_receipt, b.ts_receipt_unix_nanos);
  }
  o.set_size_sets_micros(size);
  o.set_total_cost_micros(q.total_cost.micros());
  o.set_total_fees_micros(q.total_fees.micros());
  o.set_worst_case_payoff_micros(q.worst_case_payoff.micros());
  o.set_guaranteed_profit_micros(q.guaranteed_profit.micros());
  o.set_expected_profit_micros(q.guaranteed_profit.micros());
  o.set_guaranteed(true);
  o.set_confidence(1.0);
  o.set_edge_per_set_micros(q.edge_per_set.micros());
  for (const std::string& id : spec.market_ids) o.add_market_ids(id);
  if (!spec.event_id.empty()) o.add_event_ids(spec.event_id);
  o.set_scanner_id(config_.scanner_id);
  o.set_lane_version(config_.lane_version);
  const int64_t now = absl::ToUnixNanos(clock_->Now());
  o.set_created_unix_nanos(now);
  o.set_expires_unix_nanos(now + absl::ToInt64Nanoseconds(config_.ttl));
  o.set_source_ts_event_unix_nanos(ts_event);
  o.set_source_ts_receipt_unix_nanos(ts_receipt);

  // ---- Independent checks: money identity from the legs, worst case by enumeration ----
  int64_t cash = 0;
  for (const OpportunityLeg& leg : o.legs()) cash += leg.cash_flow_micros();
  if (cash != -o.total_cost_micros() ||
      o.guaranteed_profit_micros() !=
          o.worst_case_payoff_micros() - o.total_cost_micros() - o.total_fees_micros() ||
      o.guaranteed_profit_micros() <= 0) {
    drop(DropReason::kPricingError);
    return;
  }
  std::vector<quant::OutcomePosition> pos(n);
  for (const OpportunityLeg& leg : o.legs()) {
    const Quantity s = Quantity::FromMicros(leg.size_micros());
    switch (leg.action()) {
      case arbor::v1::LEG_ACTION_SPLIT:
        if (spec.convert) {
          pos[split_outcome].yes += s;
          pos[split_outcome].no += s;
        } else {
          for (quant::OutcomePosition& p : pos) p.yes += s;
        }
        break;
      case arbor::v1::LEG_ACTION_CONVERT:
        // Other questions outside the listed members (placeholders) also receive YES: worth >= 0,
        // left out (against us).
        pos[split_outcome].no -= s;
        for (size_t j = 0; j < n; ++j) {
          if (static_cast<int>(j) != split_outcome) pos[j].yes += s;
        }
        break;
      default: {
        const size_t i = leg.leg_index() - prerequisites.size();
        Quantity& held = spec.legs_are_no ? pos[i].no : pos[i].yes;
        if (leg.side() == arbor::v1::SIDE_BUY) {
          held += s;
        } else {
          held -= s;
        }
      }
    }
  }
  absl::StatusOr<quant::BlockPayoff> worst = quant::WorstCasePayoff(pos, spec.exhaustive);
  if (!worst.ok() || worst->worst != q.worst_case_payoff) {
    drop(DropReason::kWorstCaseMismatch);
    return;
  }

  o.set_opportunity_id(OpportunityIdOf(o));
  o.set_group_key(GroupKeyOf(o));
  Candidate cand;
  cand.event_key = spec.event_id.empty() ? spec.market_ids.front() : spec.event_id;
  cand.kind = spec.kind;
  cand.opportunity = std::move(o);
  out.push_back(std::move(cand));
}

// ---------------------------------------------------------------------------------------------
// BinaryLane

BinaryLane::BinaryLane(const MarketCatalog* catalog, const BookReader* books, const Clock* clock,
                       LaneConfig config)
    : BundleLaneBase(catalog, books, clock, std::move(config)) {
  RebuildIndex();
}

void BinaryLane::RebuildIndex() { IndexBinaryMarkets(); }

void BinaryLane::EvaluateUnit(const std::string& market_id, LaneCounters& c,
                              std::vector<Candidate>& out) {
  auto drop = [&c](DropReason r) { ++c.drops[static_cast<int>(r)]; };
  std::shared_ptr<const LaneMarket> m = catalog_->FindMarket(market_id);
  if (m == nullptr || m->outcomes.size() != 2) {
    drop(DropReason::kIncompleteEvent);
    return;
  }
  if (!m->tradable) return drop(DropReason::kMarketNotTradable);
  if (!m->fees.has_value()) return drop(DropReason::kUnknownFeeModel);
  std::vector<LaneBook> books;
  if (std::optional<DropReason> r = ReadBooks(m->outcomes, books)) return drop(*r);

  for (quant::BundleKind kind : {quant::BundleKind::kBuyAll, quant::BundleKind::kSplitSell}) {
    BundleSpec spec;
    spec.kind = kind;
    spec.lane = arbor::v1::LANE_BINARY;
    for (size_t i = 0; i < 2; ++i) {
      spec.instruments.push_back(&m->outcomes[i]);
      spec.books.push_back(&books[i]);
      spec.markets.push_back(m.get());
    }
    spec.exhaustive = true;
    spec.split_market = m.get();
    spec.market_ids = {m->market_id};
    spec.event_id = m->event_id;
    PriceBundle(spec, c, out);
  }
}

// ---------------------------------------------------------------------------------------------
// NegRiskLane

NegRiskLane::NegRiskLane(const MarketCatalog* catalog, const BookReader* books, const Clock* clock,
                         LaneConfig config)
    : BundleLaneBase(catalog, books, clock, std::move(config)) {
  RebuildIndex();
}

void NegRiskLane::RebuildIndex() {
  index_.clear();
  units_.clear();
  for (const std::string& id : catalog_->EventIds()) {
    std::shared_ptr<const LaneEvent> e = catalog_->FindEvent(id);
    if (e == nullptr || !e->neg_risk) continue;
    units_.push_back(id);
    for (const std::string& mid : e->market_ids) {
      std::shared_ptr<const LaneMarket> m = catalog_->FindMarket(mid);
      if (m == nullptr || m->placeholder) continue;
      for (const InstrumentKey& k : m->outcomes) index_[k].push_back(id);
    }
  }
  std::sort(units_.begin(), units_.end());
  for (auto& [key, ids] : index_) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
}

void NegRiskLane::EvaluateUnit(const std::string& event_id, LaneCounters& c,
                               std::vector<Candidate>& out) {
  auto drop = [&c](DropReason r) { ++c.drops[static_cast<int>(r)]; };
  std::shared_ptr<const LaneEvent> e = catalog_->FindEvent(event_id);
  if (e == nullptr || !e->neg_risk) return drop(DropReason::kIncompleteEvent);

  // Members = the event's non-placeholder markets. A placeholder is never an outcome.
  std::vector<std::shared_ptr<const LaneMarket>> members;
  bool complete = !e->augmented;
  for (const std::string& mid : e->market_ids) {
    std::shared_ptr<const LaneMarket> m = catalog_->FindMarket(mid);
    if (m == nullptr || m->outcomes.size() != 2) return drop(DropReason::kIncompleteEvent);
    if (m->augmented) complete = false;
    if (m->placeholder) {
      complete = false;
      continue;
    }
    members.push_back(std::move(m));
  }
  if (members.size() < 2) return drop(DropReason::kIncompleteEvent);
  for (const auto& m : members) {
    if (!m->tradable) return drop(DropReason::kMarketNotTradable);
  }
  for (const auto& m : members) {
    if (!m->fees.has_value()) return drop(DropReason::kUnknownFeeModel);
  }
  // Books in order YES_0, NO_0, YES_1, NO_1, ...
  std::vector<InstrumentKey> keys;
  for (const auto& m : members) keys.insert(keys.end(), m->outcomes.begin(), m->outcomes.end());
  std::vector<LaneBook> books;
  if (std::optional<DropReason> r = ReadBooks(keys, books)) return drop(*r);

  std::vector<std::string> market_ids;
  for (const auto& m : members) market_ids.push_back(m->market_id);
  const std::string& nr_id =
      e->neg_risk_market_id.empty() ? members.front()->neg_risk_market_id : e->neg_risk_market_id;

  std::vector<Candidate> found;
  for (quant::BundleKind kind :
       {quant::BundleKind::kBuyAll, quant::BundleKind::kBuyAllNo, quant::BundleKind::kSplitSell}) {
    if (kind == quant::BundleKind::kBuyAll && !complete) {
      // The listed outcomes are not exhaustive: a placeholder / "nobody listed" may win.
      drop(DropReason::kIncompleteEvent);
      continue;
    }
    BundleSpec spec;
    spec.kind = kind;
    spec.lane = arbor::v1::LANE_NEGRISK;
    const size_t side = kind == quant::BundleKind::kBuyAllNo ? 1 : 0;
    for (size_t i = 0; i < members.size(); ++i) {
      spec.instruments.push_back(&members[i]->outcomes[side]);
      spec.books.push_back(&books[2 * i + side]);
      spec.markets.push_back(members[i].get());
    }
    spec.legs_are_no = kind == quant::BundleKind::kBuyAllNo;
    spec.exhaustive = complete;
    spec.split_market = members.front().get();
    spec.convert = true;
    spec.neg_risk_market_id = nr_id;
    spec.market_ids = market_ids;
    spec.event_id = e->event_id;
    PriceBundle(spec, c, found);
  }
  // BUY_ALL_NO and SPLIT_SELL take the same resting orders on a unified book (a YES bid at p is
  // a NO ask at 1 - p): keep only the more profitable.
  auto find = [&found](quant::BundleKind k) {
    return std::find_if(found.begin(), found.end(),
                        [k](const Candidate& x) { return x.kind == k; });
  };
  auto no = find(quant::BundleKind::kBuyAllNo);
  auto split = find(quant::BundleKind::kSplitSell);
  if (no != found.end() && split != found.end()) {
    const bool keep_no =
        no->opportunity.guaranteed_profit_micros() >= split->opportunity.guaranteed_profit_micros();
    found.erase(keep_no ? split : no);
    drop(DropReason::kSharedLiquidity);
  }
  for (Candidate& cand : found) out.push_back(std::move(cand));
}

}  // namespace arbor::lanes
