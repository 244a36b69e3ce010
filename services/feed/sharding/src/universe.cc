// File: services/feed/sharding/src/universe.cc
//
// Catalog records -> Instruments, filtering, shard selection and diffs.
#include "arbor/feed/universe.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::feed {
namespace {

namespace pm = venue::polymarket;
namespace ks = venue::kalshi;

void AddTag(std::string_view text, std::vector<std::string>* tags) {
  if (text.empty()) return;
  std::string lower = absl::AsciiStrToLower(ToAbsl(text));
  if (std::find(tags->begin(), tags->end(), lower) == tags->end())
    tags->push_back(std::move(lower));
}

std::vector<std::string> TagsOf(const std::vector<pm::GammaTag>& gamma_tags) {
  std::vector<std::string> tags;
  for (const pm::GammaTag& tag : gamma_tags) {
    AddTag(tag.slug, &tags);
    AddTag(tag.label, &tags);
  }
  return tags;
}

// Context a Gamma market inherits from its parent event (empty for a standalone market).
struct EventContext {
  std::string_view event_id;
  std::string_view neg_risk_market_id;
  bool event_closed = false;
};

std::string_view EventIdOf(const pm::GammaMarket& market, const EventContext& ctx) {
  if (market.neg_risk && !market.neg_risk_market_id.empty()) return market.neg_risk_market_id;
  if (market.neg_risk && !ctx.neg_risk_market_id.empty()) return ctx.neg_risk_market_id;
  if (!ctx.event_id.empty()) return ctx.event_id;
  if (!market.events.empty() && !market.events.front().id.empty()) return market.events.front().id;
  return market.condition_id;
}

// Appends the instruments of one Gamma market to `out`.
absl::Status GammaInstruments(const pm::GammaMarket& market, const EventContext& ctx,
                              const std::vector<std::string>& tags, std::vector<Instrument>* out) {
  if (market.clob_token_ids.empty()) return absl::OkStatus();
  const std::string where = absl::StrCat("gamma event '", ToAbsl(ctx.event_id), "' market '",
                                         market.id.empty() ? market.condition_id : market.id, "'");
  if (market.condition_id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": field 'conditionId' is missing but clobTokenIds is set"));
  }
  if (!market.outcomes.empty() && market.outcomes.size() != market.clob_token_ids.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": 'outcomes' has ", market.outcomes.size(),
                     " entries but 'clobTokenIds' has ", market.clob_token_ids.size()));
  }
  const std::string_view event_id = EventIdOf(market, ctx);
  for (size_t i = 0; i < market.clob_token_ids.size(); ++i) {
    if (market.clob_token_ids[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": field 'clobTokenIds[", i, "]' is empty"));
    }
    Instrument inst;
    inst.venue = Venue::kPolymarket;
    inst.id = InstrumentId(market.clob_token_ids[i]);
    inst.market = market.condition_id;
    inst.event = EventId(event_id);
    if (!market.outcomes.empty()) inst.outcome = market.outcomes[i];
    inst.outcome_index = static_cast<uint32_t>(i);
    inst.tick_size = market.order_price_min_tick_size;
    inst.neg_risk = market.neg_risk;
    inst.end_time = market.end_date.empty() ? market.end_date_iso : market.end_date;
    inst.liquidity = market.liquidity.value_or(Money::Zero());
    inst.active = market.active;
    inst.closed = market.closed || ctx.event_closed;
    inst.tags = tags;
    // Gamma's word per market; an enabled fee without a schedule stays unknown (no rate is
    // guessed from feeType or the category).
    inst.fees_enabled = market.fees_enabled;
    inst.fee_schedule = market.fee_schedule;
    out->push_back(std::move(inst));
  }
  return absl::OkStatus();
}

bool IsKalshiActive(std::string_view status) { return status == "active" || status == "open"; }

bool IsKalshiClosed(std::string_view status) {
  return status == "closed" || status == "determined" || status == "disputed" ||
         status == "amended" || status == "finalized" || status == "settled";
}

std::optional<Price> KalshiTick(const ks::RestMarket& market) {
  std::optional<Price> tick;
  for (const auto& range : market.price_ranges) {
    if (range.step.IsPositive() && (!tick.has_value() || range.step < *tick)) tick = range.step;
  }
  if (tick.has_value()) return tick;
  if (market.price_level_structure.empty() || market.price_level_structure == "linear_cent") {
    return Price::FromMicros(10'000);
  }
  if (market.price_level_structure == "deci_cent") return Price::FromMicros(1'000);
  return std::nullopt;
}

using IdSet = absl::flat_hash_set<std::string>;

IdSet ToSet(const std::vector<std::string>& ids, bool lower) {
  IdSet set;
  for (const std::string& id : ids) {
    set.insert(lower ? absl::AsciiStrToLower(id) : id);
  }
  return set;
}

bool MatchesId(const IdSet& ids, const Instrument& inst) {
  return ids.contains(inst.id.value()) || ids.contains(inst.market) ||
         ids.contains(inst.event.value());
}

bool HasTag(const IdSet& tags, const Instrument& inst) {
  return std::any_of(inst.tags.begin(), inst.tags.end(),
                     [&](const std::string& tag) { return tags.contains(tag); });
}

}  // namespace

bool FeesKnown(const Instrument& in) {
  return in.fees_enabled.has_value() && (!*in.fees_enabled || in.fee_schedule.has_value());
}

void Universe::Upsert(Instrument instrument) {
  UniverseKey key{instrument.venue, instrument.id.value()};
  instruments_.insert_or_assign(std::move(key), std::move(instrument));
}

absl::StatusOr<int> Universe::AddGammaEvent(const pm::GammaEvent& event) {
  const EventContext ctx{event.id, event.neg_risk_market_id, event.closed};
  const std::vector<std::string> tags = TagsOf(event.tags);
  std::vector<Instrument> staged;
  for (const pm::GammaMarket& market : event.markets) {
    absl::Status status = GammaInstruments(market, ctx, tags, &staged);
    if (!status.ok()) return status;
  }
  for (Instrument& inst : staged) Upsert(std::move(inst));
  return static_cast<int>(staged.size());
}

absl::StatusOr<int> Universe::AddGammaMarket(const pm::GammaMarket& market,
                                             const std::vector<pm::GammaTag>& tags) {
  std::vector<Instrument> staged;
  absl::Status status = GammaInstruments(market, EventContext{}, TagsOf(tags), &staged);
  if (!status.ok()) return status;
  for (Instrument& inst : staged) Upsert(std::move(inst));
  return static_cast<int>(staged.size());
}

std::string KalshiInstrumentId(std::string_view ticker, bool yes) {
  return absl::StrCat(ToAbsl(ticker), yes ? ":YES" : ":NO");
}

absl::Status Universe::AddKalshiMarket(const ks::RestMarket& market, std::string_view category) {
  if (market.ticker.empty()) {
    return absl::InvalidArgumentError("kalshi market: field 'ticker' is empty");
  }
  if (market.event_ticker.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi market '", market.ticker, "': field 'event_ticker' is empty"));
  }
  // One Kalshi market is one book, presented as two instruments (arbor.v1.InstrumentId):
  // "<ticker>:YES" and "<ticker>:NO", each priced in its own terms.
  for (const char* side : {"YES", "NO"}) {
    Instrument inst;
    inst.venue = Venue::kKalshi;
    inst.id = InstrumentId(KalshiInstrumentId(market.ticker, side[0] == 'Y'));
    inst.market = market.ticker;
    inst.event = EventId(market.event_ticker);
    inst.outcome = side[0] == 'Y' ? "Yes" : "No";
    inst.outcome_index = side[0] == 'Y' ? 0 : 1;
    inst.tick_size = KalshiTick(market);
    inst.end_time = market.close_time;
    inst.liquidity = market.liquidity;
    inst.active = IsKalshiActive(market.status);
    inst.closed = IsKalshiClosed(market.status);
    AddTag(category, &inst.tags);
    // The GET /markets record has no fee fields (the model is the series' fee_type and
    // fee_multiplier), so fees_enabled and fee_schedule stay unknown.
    Upsert(std::move(inst));
  }
  return absl::OkStatus();
}

const Instrument* Universe::Find(Venue venue, std::string_view id) const {
  auto it = instruments_.find(UniverseKey{venue, std::string(id)});
  return it == instruments_.end() ? nullptr : &it->second;
}

Universe ApplyFilter(const Universe& universe, const UniverseFilter& filter) {
  const IdSet include_ids = ToSet(filter.include_ids, false);
  const IdSet exclude_ids = ToSet(filter.exclude_ids, false);
  const IdSet include_tags = ToSet(filter.include_tags, true);
  const IdSet exclude_tags = ToSet(filter.exclude_tags, true);

  // Instruments that may be subscribed at all (tradable, not excluded).
  auto eligible = [&](const Instrument& inst) {
    if (MatchesId(exclude_ids, inst)) return false;
    if (filter.require_tradable && (!inst.active || inst.closed)) return false;
    return true;
  };
  auto passes = [&](const Instrument& inst) {
    if (!eligible(inst)) return false;
    if (MatchesId(include_ids, inst)) return true;
    if (inst.liquidity < filter.min_liquidity) return false;
    if (!exclude_tags.empty() && HasTag(exclude_tags, inst)) return false;
    if (!include_tags.empty() && !HasTag(include_tags, inst)) return false;
    return true;
  };

  absl::flat_hash_set<std::pair<Venue, std::string>> passing_events;
  Universe out;
  for (const auto& [key, inst] : universe.instruments()) {
    if (!passes(inst)) continue;
    if (filter.keep_events_whole) passing_events.insert({inst.venue, inst.event.value()});
    out.Upsert(inst);
  }
  if (filter.keep_events_whole && !passing_events.empty()) {
    for (const auto& [key, inst] : universe.instruments()) {
      if (passing_events.contains(std::make_pair(inst.venue, inst.event.value())) &&
          eligible(inst)) {
        out.Upsert(inst);
      }
    }
  }
  return out;
}

Universe ShardUniverse(const Universe& universe, const ShardSelection& shard) {
  Universe out;
  for (const auto& [key, inst] : universe.instruments()) {
    if (shard.Owns(inst.event.view())) out.Upsert(inst);
  }
  return out;
}

UniverseDiff Diff(const Universe& before, const Universe& after) {
  UniverseDiff diff;
  auto b = before.instruments().begin();
  auto a = after.instruments().begin();
  const auto b_end = before.instruments().end();
  const auto a_end = after.instruments().end();
  while (b != b_end || a != a_end) {
    if (a == a_end || (b != b_end && b->first < a->first)) {
      diff.removed.push_back(b->second);
      ++b;
    } else if (b == b_end || a->first < b->first) {
      diff.added.push_back(a->second);
      ++a;
    } else {
      uint32_t changed = 0;
      if (b->second.tick_size != a->second.tick_size) changed |= kTickSizeChanged;
      if (b->second.active != a->second.active) changed |= kActiveChanged;
      if (b->second.closed != a->second.closed) changed |= kClosedChanged;
      if (b->second.neg_risk != a->second.neg_risk) changed |= kNegRiskChanged;
      if (b->second.fees_enabled != a->second.fees_enabled ||
          b->second.fee_schedule != a->second.fee_schedule) {
        changed |= kFeesChanged;
      }
      if (changed != 0) diff.changed.push_back(InstrumentChange{b->second, a->second, changed});
      ++b;
      ++a;
    }
  }
  return diff;
}

}  // namespace arbor::feed
