#include "arbor/sim/exchange.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::sim {
namespace {

// Agents start with plenty of cash and of both tokens of every market (as if they had minted
// sets long ago), so their orders are never refused for funds.
constexpr int64_t kAgentCashUnits = 1'000'000'000;
constexpr int64_t kAgentInventoryUnits = 10'000'000;
// Fair values stay inside [2 %, 98 %] so that quotes keep room on both sides.
constexpr double kMinFair = 0.02;
constexpr double kMaxFair = 0.98;
// Simulated Kalshi markets use the linear_cent structure.
constexpr Price kKalshiTick = Price::FromMicros(10'000);

int64_t FloorTo(int64_t micros, int64_t tick) {
  return micros >= 0 ? micros / tick * tick : -((-micros + tick - 1) / tick * tick);
}
int64_t CeilTo(int64_t micros, int64_t tick) { return -FloorTo(-micros, tick); }

Price Clamp(int64_t micros, Price tick) {
  return Price::FromMicros(std::clamp(micros, tick.micros(), kFixedScale - tick.micros()));
}

double Logit(double p) { return std::log(p / (1.0 - p)); }
double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

const char* MispricingKindName(MispricingKind kind) {
  switch (kind) {
    case MispricingKind::kBinaryUnderpriced:
      return "binary_underpriced";
    case MispricingKind::kBinaryOverpriced:
      return "binary_overpriced";
    case MispricingKind::kNegRiskYesUnder:
      return "negrisk_yes_under";
    case MispricingKind::kNegRiskNoUnder:
      return "negrisk_no_under";
    case MispricingKind::kCrossVenueGap:
      return "cross_venue_gap";
    case MispricingKind::kImpliesViolation:
      return "implies_violation";
    case MispricingKind::kExcludesViolation:
      return "excludes_violation";
  }
  return "?";
}

Exchange::Exchange(Universe universe, DynamicsSpec dynamics,
                   std::vector<MispricingSpec> mispricings, uint64_t seed)
    : universe_(std::move(universe)),
      dynamics_(dynamics),
      schedule_(std::move(mispricings)),
      rng_(seed) {}

absl::StatusOr<std::unique_ptr<Exchange>> Exchange::Create(Universe universe, DynamicsSpec dynamics,
                                                           std::vector<MispricingSpec> mispricings,
                                                           uint64_t seed) {
  if (!dynamics.half_spread.IsPositive() || !dynamics.quote_size.IsPositive()) {
    return absl::InvalidArgumentError("half_spread and quote_size must be > 0");
  }
  for (const MispricingSpec& m : mispricings) {
    const bool binary =
        m.kind == MispricingKind::kBinaryUnderpriced || m.kind == MispricingKind::kBinaryOverpriced;
    const bool cross = m.kind == MispricingKind::kCrossVenueGap;
    const bool relation =
        m.kind == MispricingKind::kImpliesViolation || m.kind == MispricingKind::kExcludesViolation;
    const size_t limit = cross      ? universe.kalshi.size()
                         : binary   ? universe.markets.size()
                         : relation ? universe.relations.size()
                                    : universe.events.size();
    if (m.target < 0 || static_cast<size_t>(m.target) >= limit) {
      return absl::InvalidArgumentError(
          absl::StrCat(MispricingKindName(m.kind), " target ", m.target, " does not exist"));
    }
    if (relation) {
      const RelationKind want = m.kind == MispricingKind::kImpliesViolation
                                    ? RelationKind::kImplies
                                    : RelationKind::kExcludes;
      if (universe.relations[static_cast<size_t>(m.target)].kind != want) {
        return absl::InvalidArgumentError(absl::StrCat(MispricingKindName(m.kind), " target ",
                                                       m.target, " is not an \"",
                                                       RelationKindName(want), "\" relation"));
      }
    }
    if (binary && universe.markets[static_cast<size_t>(m.target)].event_index >= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("binary mispricing target ", m.target, " belongs to a NegRisk event"));
    }
    if (!m.edge.IsPositive() || m.duration_steps <= 0) {
      return absl::InvalidArgumentError("mispricing edge and duration must be > 0");
    }
    // The edge must be representable on every affected book, or the quotes cannot show it.
    std::vector<int> affected = {m.target};
    if (relation) {
      const Relation& r = universe.relations[static_cast<size_t>(m.target)];
      affected = {r.a, r.b};
    } else if (!binary && !cross) {
      affected = universe.events[static_cast<size_t>(m.target)].markets;
    }
    for (int i : affected) {
      const Price tick = cross ? kKalshiTick : universe.markets[static_cast<size_t>(i)].tick;
      if (m.edge.micros() % tick.micros() != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            MispricingKindName(m.kind), " edge ", m.edge.ToString(),
            " is not a multiple of the tick size ", tick.ToString(), " of market ", i));
      }
    }
  }
  for (const SimMarket& m : universe.markets) {
    if (m.status == MarketStatus::kResolved) {
      return absl::InvalidArgumentError(
          absl::StrCat("market ", m.condition_id, " cannot start resolved"));
    }
    if (m.status == MarketStatus::kUnlisted && m.event_index >= 0) {
      // An event's members are listed together (its fair values sum to one over all of them).
      return absl::InvalidArgumentError(absl::StrCat(
          "market ", m.condition_id, " belongs to a NegRisk event: it must be listed"));
    }
  }
  for (const KalshiTwin& k : universe.kalshi) {
    if (k.status == MarketStatus::kResolved) {
      return absl::InvalidArgumentError(
          absl::StrCat("Kalshi market ", k.ticker, " cannot start resolved"));
    }
  }
  auto ex = std::unique_ptr<Exchange>(
      new Exchange(std::move(universe), dynamics, std::move(mispricings), seed));
  const size_t n = ex->universe_.markets.size();
  ex->engines_.reserve(n);
  ex->maker_orders_.resize(n);
  for (std::string_view agent : {kMakerAccount, kNoiseAccount}) {
    ex->ledger_.Deposit(agent, Money::FromUnits(kAgentCashUnits));
  }
  for (size_t i = 0; i < n; ++i) {
    const SimMarket& m = ex->universe_.markets[i];
    MarketConfig c;
    c.condition_id = m.condition_id;
    c.yes_token = m.yes_token;
    c.no_token = m.no_token;
    c.tick = m.tick;
    c.fees = m.fees;
    ex->engines_.push_back(std::make_unique<MarketEngine>(c, &ex->ledger_));
    ex->listed_tick_.push_back(m.tick);
    ex->token_market_[m.yes_token] = static_cast<int>(i);
    ex->token_market_[m.no_token] = static_cast<int>(i);
    ex->condition_market_[m.condition_id] = static_cast<int>(i);
    ex->log_odds_.push_back(Logit(static_cast<double>(m.fair_yes.micros()) / kFixedScale));
    for (std::string_view agent : {kMakerAccount, kNoiseAccount}) {
      ex->ledger_.GrantPosition(agent, m.yes_token, Quantity::FromUnits(kAgentInventoryUnits));
      ex->ledger_.GrantPosition(agent, m.no_token, Quantity::FromUnits(kAgentInventoryUnits));
    }
  }
  for (size_t k = 0; k < ex->universe_.kalshi.size(); ++k) {
    const KalshiTwin& twin = ex->universe_.kalshi[k];
    MarketConfig c;
    c.condition_id = twin.ticker;
    c.yes_token = twin.ticker + ":yes";
    c.no_token = twin.ticker + ":no";
    c.tick = kKalshiTick;
    // Kalshi's quadratic fee is not modelled by the engine yet: Kalshi twins trade fee-free.
    ex->kalshi_engines_.push_back(std::make_unique<MarketEngine>(c, &ex->ledger_));
    ex->kalshi_ticker_[twin.ticker] = static_cast<int>(k);
    for (std::string_view agent : {kMakerAccount, kNoiseAccount}) {
      ex->ledger_.GrantPosition(agent, c.yes_token, Quantity::FromUnits(kAgentInventoryUnits));
      ex->ledger_.GrantPosition(agent, c.no_token, Quantity::FromUnits(kAgentInventoryUnits));
    }
  }
  ex->kalshi_maker_orders_.resize(ex->kalshi_engines_.size());
  for (size_t i = 0; i < n; ++i) {
    if (ex->universe_.markets[i].status != MarketStatus::kOpen) continue;
    ARBOR_RETURN_IF_ERROR(ex->QuoteAroundFair(static_cast<int>(i), 0));
  }
  for (size_t k = 0; k < ex->kalshi_engines_.size(); ++k) {
    if (ex->universe_.kalshi[k].status != MarketStatus::kOpen) continue;
    ARBOR_RETURN_IF_ERROR(ex->QuoteKalshiAroundFair(static_cast<int>(k), 0));
  }
  return ex;
}

int Exchange::MarketOfToken(std::string_view token) const {
  auto it = token_market_.find(ToAbsl(token));
  if (it == token_market_.end() || status(it->second) == MarketStatus::kUnlisted) return -1;
  return it->second;
}

int Exchange::KalshiTwinOfTicker(std::string_view ticker) const {
  const int twin = FindKalshiTwin(ticker);
  return twin >= 0 && kalshi_status(twin) == MarketStatus::kUnlisted ? -1 : twin;
}

int Exchange::FindKalshiTwin(std::string_view ticker) const {
  auto it = kalshi_ticker_.find(ToAbsl(ticker));
  return it == kalshi_ticker_.end() ? -1 : it->second;
}

int Exchange::FindMarket(std::string_view condition_id) const {
  auto it = condition_market_.find(ToAbsl(condition_id));
  return it == condition_market_.end() ? -1 : it->second;
}

void Exchange::NotifyLifecycle(LifecycleEvent::Kind kind, bool kalshi, int index, int64_t now_ms) {
  const LifecycleEvent event{kind, kalshi, index, now_ms};
  for (const LifecycleListener& l : lifecycle_listeners_) l(event);
}

absl::Status Exchange::ListMarket(int market, int64_t now_ms) {
  if (market < 0 || market >= markets()) {
    return absl::OutOfRangeError(absl::StrCat("market index ", market, " out of range"));
  }
  SimMarket& m = universe_.markets[static_cast<size_t>(market)];
  if (m.status != MarketStatus::kUnlisted) {
    return absl::FailedPreconditionError(absl::StrCat(
        "market ", m.condition_id, " is already listed (", MarketStatusName(m.status), ")"));
  }
  m.status = MarketStatus::kOpen;
  ARBOR_RETURN_IF_ERROR(QuoteAroundFair(market, now_ms));
  NotifyLifecycle(LifecycleEvent::Kind::kListed, false, market, now_ms);
  return absl::OkStatus();
}

absl::Status Exchange::ListKalshiMarket(int twin, int64_t now_ms) {
  if (twin < 0 || twin >= kalshi_twins()) {
    return absl::OutOfRangeError(absl::StrCat("Kalshi twin index ", twin, " out of range"));
  }
  KalshiTwin& k = universe_.kalshi[static_cast<size_t>(twin)];
  if (k.status != MarketStatus::kUnlisted) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Kalshi market ", k.ticker, " is already listed (", MarketStatusName(k.status), ")"));
  }
  k.status = MarketStatus::kOpen;
  k.opened_ms = now_ms;
  ARBOR_RETURN_IF_ERROR(QuoteKalshiAroundFair(twin, now_ms));
  NotifyLifecycle(LifecycleEvent::Kind::kListed, true, twin, now_ms);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint64_t>> Exchange::ResolveMarket(int market, int winning_outcome,
                                                              int64_t now_ms) {
  if (market < 0 || market >= markets()) {
    return absl::OutOfRangeError(absl::StrCat("market index ", market, " out of range"));
  }
  if (winning_outcome != 0 && winning_outcome != 1) {
    return absl::OutOfRangeError("winning outcome must be 0 (Yes) or 1 (No)");
  }
  SimMarket& m = universe_.markets[static_cast<size_t>(market)];
  if (m.status != MarketStatus::kOpen) {
    return absl::FailedPreconditionError(
        absl::StrCat("market ", m.condition_id, " is not open (", MarketStatusName(m.status), ")"));
  }
  m.status = MarketStatus::kResolved;
  m.winning_outcome = winning_outcome;
  std::vector<uint64_t> canceled = engine(market).CancelAll();
  maker_orders_[static_cast<size_t>(market)].clear();
  NotifyLifecycle(LifecycleEvent::Kind::kResolved, false, market, now_ms);
  return canceled;
}

absl::StatusOr<std::vector<uint64_t>> Exchange::ResolveKalshiMarket(int twin, int winning_outcome,
                                                                    int64_t now_ms) {
  if (twin < 0 || twin >= kalshi_twins()) {
    return absl::OutOfRangeError(absl::StrCat("Kalshi twin index ", twin, " out of range"));
  }
  if (winning_outcome != 0 && winning_outcome != 1) {
    return absl::OutOfRangeError("result must be 0 (yes) or 1 (no)");
  }
  KalshiTwin& k = universe_.kalshi[static_cast<size_t>(twin)];
  if (k.status != MarketStatus::kOpen) {
    return absl::FailedPreconditionError(absl::StrCat("Kalshi market ", k.ticker, " is not open (",
                                                      MarketStatusName(k.status), ")"));
  }
  k.status = MarketStatus::kResolved;
  k.winning_outcome = winning_outcome;
  k.resolved_ms = now_ms;
  std::vector<uint64_t> canceled = kalshi_engine(twin).CancelAll();
  kalshi_maker_orders_[static_cast<size_t>(twin)].clear();
  NotifyLifecycle(LifecycleEvent::Kind::kResolved, true, twin, now_ms);
  return canceled;
}

absl::Status Exchange::QuoteKalshi(int twin, Price yes_bid, Price yes_ask, int64_t now_ms) {
  MarketEngine& e = kalshi_engine(twin);
  std::vector<uint64_t>& orders = kalshi_maker_orders_[static_cast<size_t>(twin)];
  for (uint64_t id : orders) {
    const Order* o = e.Find(id);
    if (o != nullptr && o->state == OrderState::kLive)
      ARBOR_RETURN_IF_ERROR(e.Cancel(kMakerAccount, id));
  }
  orders.clear();
  // Kalshi shows one book of bids: a YES bid, and a NO bid at 1 - ask (= the YES ask).
  for (const auto& [outcome, price] : {std::pair{0, yes_bid}, std::pair{1, Complement(yes_ask)}}) {
    OrderRequest r;
    r.account = std::string(kMakerAccount);
    r.outcome = outcome;
    r.side = Side::kBuy;
    r.price = price;
    r.size = dynamics_.quote_size;
    ARBOR_ASSIGN_OR_RETURN(PlaceResult placed, e.Place(r, now_ms));
    if (placed.state == OrderState::kLive) orders.push_back(placed.order_id);
  }
  return absl::OkStatus();
}

absl::Status Exchange::QuoteKalshiAroundFair(int twin, int64_t now_ms) {
  const Price f = fair(universe_.kalshi[static_cast<size_t>(twin)].polymarket_market);
  const int64_t t = kKalshiTick.micros();
  const int64_t h = std::max(dynamics_.half_spread.micros(), t);
  const Price bid = Clamp(FloorTo(f.micros() - h, t), kKalshiTick);
  Price ask = Clamp(CeilTo(f.micros() + h, t), kKalshiTick);
  if (ask <= bid) ask = Price::FromMicros(bid.micros() + t);
  return QuoteKalshi(twin, bid, ask, now_ms);
}

bool Exchange::KalshiMispriced(int twin) const {
  for (const ActiveMispricing& a : active_) {
    if (a.spec.kind == MispricingKind::kCrossVenueGap && a.spec.target == twin) return true;
  }
  return false;
}

Price Exchange::fair(int market) const {
  return universe_.markets[static_cast<size_t>(market)].fair_yes;
}

absl::Status Exchange::Quote(int market, Price yes_bid, Price yes_ask, int64_t now_ms) {
  // Quotes both tokens: YES bid/ask and the NO side as their complements, so the two books
  // agree (NO bid = 1 - YES ask, NO ask = 1 - YES bid).
  return QuoteLegs(market, yes_bid, yes_ask, Complement(yes_ask), Complement(yes_bid), now_ms);
}

absl::Status Exchange::QuoteLegs(int market, Price yes_bid, Price yes_ask, Price no_bid,
                                 Price no_ask, int64_t now_ms) {
  MarketEngine& e = engine(market);
  for (uint64_t id : maker_orders_[static_cast<size_t>(market)]) {
    const Order* o = e.Find(id);
    if (o != nullptr && o->state == OrderState::kLive) {
      ARBOR_RETURN_IF_ERROR(e.Cancel(kMakerAccount, id));
    }
  }
  maker_orders_[static_cast<size_t>(market)].clear();
  const struct {
    int outcome;
    Side side;
    Price price;
  } legs[] = {{0, Side::kBuy, yes_bid},
              {0, Side::kSell, yes_ask},
              {1, Side::kBuy, no_bid},
              {1, Side::kSell, no_ask}};
  for (const auto& leg : legs) {
    OrderRequest r;
    r.account = std::string(kMakerAccount);
    r.outcome = leg.outcome;
    r.side = leg.side;
    r.price = leg.price;
    r.size = dynamics_.quote_size;
    ARBOR_ASSIGN_OR_RETURN(PlaceResult placed, e.Place(r, now_ms));
    if (placed.state == OrderState::kLive) {
      maker_orders_[static_cast<size_t>(market)].push_back(placed.order_id);
    }
  }
  return absl::OkStatus();
}

absl::Status Exchange::QuoteAroundFair(int market, int64_t now_ms) {
  const SimMarket& m = universe_.markets[static_cast<size_t>(market)];
  const int64_t t = m.tick.micros();
  const int64_t h = std::max(dynamics_.half_spread.micros(), t);
  Price bid = Clamp(FloorTo(m.fair_yes.micros() - h, t), m.tick);
  Price ask = Clamp(CeilTo(m.fair_yes.micros() + h, t), m.tick);
  if (bid >= ask) {  // squeezed against a boundary
    if (ask.micros() + t <= kFixedScale - t) {
      ask = Price::FromMicros(bid.micros() + t);
    } else {
      bid = Price::FromMicros(ask.micros() - t);
    }
  }
  return Quote(market, bid, ask, now_ms);
}

bool Exchange::Mispriced(int market) const {
  for (const ActiveMispricing& a : active_) {
    if (a.spec.kind == MispricingKind::kCrossVenueGap) continue;  // only the Kalshi side moves
    if (std::find(a.markets.begin(), a.markets.end(), market) != a.markets.end()) return true;
  }
  return false;
}

bool Exchange::MispricingTargetsOpen(const MispricingSpec& spec) const {
  std::vector<int> affected;
  switch (spec.kind) {
    case MispricingKind::kCrossVenueGap:
      if (kalshi_status(spec.target) != MarketStatus::kOpen) return false;
      affected = {universe_.kalshi[static_cast<size_t>(spec.target)].polymarket_market};
      break;
    case MispricingKind::kImpliesViolation:
    case MispricingKind::kExcludesViolation: {
      const Relation& r = universe_.relations[static_cast<size_t>(spec.target)];
      affected = {r.a, r.b};
      break;
    }
    case MispricingKind::kBinaryUnderpriced:
    case MispricingKind::kBinaryOverpriced:
      affected = {spec.target};
      break;
    case MispricingKind::kNegRiskYesUnder:
    case MispricingKind::kNegRiskNoUnder:
      affected = universe_.events[static_cast<size_t>(spec.target)].markets;
      break;
  }
  for (int i : affected) {
    if (status(i) != MarketStatus::kOpen) return false;
  }
  return true;
}

absl::Status Exchange::StartMispricing(const MispricingSpec& spec, int64_t now_ms) {
  if (!MispricingTargetsOpen(spec)) {
    // An unlisted or resolved market shows nothing (and nothing is recorded as ground truth).
    ++skipped_mispricings_;
    return absl::OkStatus();
  }
  ActiveMispricing a;
  a.spec = spec;
  a.started_step = step_;
  const int64_t e = spec.edge.micros();
  const int64_t h = dynamics_.half_spread.micros();
  switch (spec.kind) {
    case MispricingKind::kCrossVenueGap:
      ARBOR_RETURN_IF_ERROR(StartCrossVenueGap(spec, &a, now_ms));
      break;
    case MispricingKind::kImpliesViolation:
    case MispricingKind::kExcludesViolation:
      ARBOR_RETURN_IF_ERROR(StartRelationViolation(spec, &a, now_ms));
      break;
    case MispricingKind::kBinaryUnderpriced:
    case MispricingKind::kBinaryOverpriced: {
      const int market = spec.target;
      const SimMarket& m = universe_.markets[static_cast<size_t>(market)];
      const int64_t t = m.tick.micros();
      a.markets = {market};
      // Complementary quotes that sum past 1 would be minted / merged at once by a matching
      // engine that cross-matches; the injection shows a venue state where they rest.
      engine(market).set_cross_matching(false);
      const int64_t f = m.fair_yes.micros();
      if (spec.kind == MispricingKind::kBinaryUnderpriced) {
        // YES ask + NO ask = 1 - edge.
        const Price yes_ask = Clamp(CeilTo(f, t), m.tick);
        const Price no_ask = Clamp(kFixedScale - yes_ask.micros() - e, m.tick);
        ARBOR_RETURN_IF_ERROR(QuoteLegs(market, Clamp(yes_ask.micros() - 2 * h, m.tick), yes_ask,
                                        Clamp(no_ask.micros() - 2 * h, m.tick), no_ask, now_ms));
      } else {
        // YES bid + NO bid = 1 + edge.
        const Price yes_bid = Clamp(FloorTo(f, t), m.tick);
        const Price no_bid = Clamp(kFixedScale - yes_bid.micros() + e, m.tick);
        ARBOR_RETURN_IF_ERROR(QuoteLegs(market, yes_bid, Clamp(yes_bid.micros() + 2 * h, m.tick),
                                        no_bid, Clamp(no_bid.micros() + 2 * h, m.tick), now_ms));
      }
      break;
    }
    case MispricingKind::kNegRiskYesUnder:
    case MispricingKind::kNegRiskNoUnder: {
      const SimEvent& ev = universe_.events[static_cast<size_t>(spec.target)];
      a.markets = ev.markets;
      // Quote every member at its fair value with the event's largest member shifted by the
      // edge: YES asks then sum to 1 - edge (or YES bids to 1 + edge, so NO asks sum to
      // n - 1 - edge). Members are single conditions: nothing cross-matches between them.
      int largest = ev.markets.front();
      for (int i : ev.markets) {
        if (fair(i) > fair(largest)) largest = i;
      }
      for (int i : ev.markets) {
        const SimMarket& m = universe_.markets[static_cast<size_t>(i)];
        const int64_t shift = i == largest ? e : 0;
        const int64_t f = m.fair_yes.micros();
        if (spec.kind == MispricingKind::kNegRiskYesUnder) {
          const Price ask = Clamp(f - shift, m.tick);
          ARBOR_RETURN_IF_ERROR(Quote(i, Clamp(ask.micros() - 2 * h, m.tick), ask, now_ms));
        } else {
          const Price bid = Clamp(f + shift, m.tick);
          ARBOR_RETURN_IF_ERROR(Quote(i, bid, Clamp(bid.micros() + 2 * h, m.tick), now_ms));
        }
      }
      break;
    }
  }
  if (a.markets.empty()) {
    ++skipped_mispricings_;
    return absl::OkStatus();
  }
  history_.push_back(a);
  active_.push_back(std::move(a));
  return absl::OkStatus();
}

absl::Status Exchange::StartCrossVenueGap(const MispricingSpec& spec, ActiveMispricing* a,
                                          int64_t now_ms) {
  const KalshiTwin& twin = universe_.kalshi[static_cast<size_t>(spec.target)];
  a->markets = {twin.polymarket_market};
  // The Kalshi YES ask goes at least `edge` below the Polymarket maker's YES bid.
  const auto pm_bids = engine(twin.polymarket_market).Levels(0, Side::kBuy);
  const Price pm_bid = pm_bids.empty() ? fair(twin.polymarket_market) : pm_bids.front().first;
  const int64_t t = kKalshiTick.micros();
  const Price ask = Clamp(FloorTo(pm_bid.micros() - spec.edge.micros(), t), kKalshiTick);
  const Price bid =
      Clamp(ask.micros() - std::max<int64_t>(2 * dynamics_.half_spread.micros(), t), kKalshiTick);
  if (bid >= ask) {
    // The market sits too close to 0 for the gap to fit on Kalshi's grid: nothing is shown
    // (and nothing recorded as ground truth), the simulation goes on.
    a->markets.clear();
    return absl::OkStatus();
  }
  return QuoteKalshi(spec.target, bid, ask, now_ms);
}

absl::Status Exchange::StartRelationViolation(const MispricingSpec& spec, ActiveMispricing* a,
                                              int64_t now_ms) {
  const Relation& r = universe_.relations[static_cast<size_t>(spec.target)];
  const SimMarket& ma = universe_.markets[static_cast<size_t>(r.a)];
  const SimMarket& mb = universe_.markets[static_cast<size_t>(r.b)];
  // Both books quote on the coarser of the two current grids (ticks here divide each other) so
  // that a price and its complement or its sum with the edge land on both.
  const int64_t t = std::max(ma.tick.micros(), mb.tick.micros());
  const int64_t w = CeilTo(2 * std::max(dynamics_.half_spread.micros(), t), t);
  const int64_t e = spec.edge.micros();
  // The quote of the leg that anchors the violation, kept where both legs fit inside
  // [t, 1 - t] with their spread.
  const int64_t lo = spec.kind == MispricingKind::kImpliesViolation ? w + t : e + t + w;
  const int64_t hi = spec.kind == MispricingKind::kImpliesViolation ? kFixedScale - t - w - e
                                                                    : kFixedScale - t - w;
  if (lo > hi) return absl::OkStatus();  // does not fit: skipped, a->markets stays empty
  a->markets = {r.a, r.b};
  if (spec.kind == MispricingKind::kImpliesViolation) {
    // A's YES bid = B's YES ask + edge: sell A, buy B.
    const int64_t b_ask = std::clamp(CeilTo(mb.fair_yes.micros(), t), lo, hi);
    ARBOR_RETURN_IF_ERROR(
        Quote(r.b, Price::FromMicros(b_ask - w), Price::FromMicros(b_ask), now_ms));
    ARBOR_RETURN_IF_ERROR(
        Quote(r.a, Price::FromMicros(b_ask + e), Price::FromMicros(b_ask + e + w), now_ms));
  } else {
    // YES bids of A and B sum to 1 + edge: sell both (at most one pays out).
    const int64_t a_bid = std::clamp(FloorTo(ma.fair_yes.micros(), t), lo, hi);
    const int64_t b_bid = kFixedScale + e - a_bid;
    ARBOR_RETURN_IF_ERROR(
        Quote(r.a, Price::FromMicros(a_bid), Price::FromMicros(a_bid + w), now_ms));
    ARBOR_RETURN_IF_ERROR(
        Quote(r.b, Price::FromMicros(b_bid), Price::FromMicros(b_bid + w), now_ms));
  }
  return absl::OkStatus();
}

void Exchange::EnforceRelations() {
  // Fixed-point repair after rounding to the markets' grids (which may differ after a tick
  // change): A is lowered onto its own grid until the relation holds. Fair values never go
  // below 2 %, so the result stays >= the tick.
  for (const Relation& r : universe_.relations) {
    SimMarket& a = universe_.markets[static_cast<size_t>(r.a)];
    const SimMarket& b = universe_.markets[static_cast<size_t>(r.b)];
    if (RelationHolds(r.kind, a.fair_yes, b.fair_yes)) continue;
    const int64_t cap =
        r.kind == RelationKind::kImplies ? b.fair_yes.micros() : kFixedScale - b.fair_yes.micros();
    a.fair_yes = Clamp(FloorTo(cap, a.tick.micros()), a.tick);
  }
}

absl::Status Exchange::PinTick(int market, std::optional<Price> tick) {
  if (market < 0 || market >= static_cast<int>(engines_.size())) {
    return absl::OutOfRangeError(absl::StrCat("market index ", market, " out of range"));
  }
  const size_t i = static_cast<size_t>(market);
  if (universe_.markets[i].event_index >= 0) {
    return absl::InvalidArgumentError("a NegRisk member keeps its listing tick");
  }
  if (listed_tick_[i] != kCoarseTick) {
    return absl::InvalidArgumentError("only markets listed at 0.01 change tick");
  }
  if (tick.has_value() && *tick != kCoarseTick && *tick != kFineTick) {
    return absl::InvalidArgumentError("tick must be 0.01 or 0.001");
  }
  if (pinned_tick_.size() < engines_.size()) pinned_tick_.resize(engines_.size());
  pinned_tick_[i] = tick;
  return absl::OkStatus();
}

absl::Status Exchange::ApplyTickRule() {
  for (size_t i = 0; i < engines_.size(); ++i) {
    SimMarket& m = universe_.markets[i];
    // Only standalone markets listed at 0.01: a NegRisk event's fair values must sum to exactly
    // one on a single grid, so its members keep their listing tick.
    if (m.event_index >= 0 || listed_tick_[i] != kCoarseTick) continue;
    if (m.status != MarketStatus::kOpen) continue;  // nobody quotes it
    if (Mispriced(static_cast<int>(i))) continue;   // the injected quotes stay as scheduled
    MarketEngine& e = *engines_[i];
    const std::optional<Price> bid = e.BestPrice(0, Side::kBuy);
    const std::optional<Price> ask = e.BestPrice(0, Side::kSell);
    const bool extreme = (bid && *bid > kFineHigh) || (ask && *ask < kFineLow);
    Price want = extreme ? kFineTick : kCoarseTick;
    if (i < pinned_tick_.size() && pinned_tick_[i].has_value()) want = *pinned_tick_[i];
    const Price old = e.config().tick;
    if (want == old) continue;
    ARBOR_ASSIGN_OR_RETURN(std::vector<uint64_t> canceled, e.ChangeTick(want));
    (void)canceled;  // the maker re-quotes on the new grid this step; OrderDone listeners saw them
    m.tick = want;
    ++tick_changes_;
    for (const TickChangeListener& l : tick_listeners_) l(static_cast<int>(i), old, want);
  }
  return absl::OkStatus();
}

void Exchange::MoveFairValues() {
  std::normal_distribution<double> step(0.0, dynamics_.log_odds_volatility);
  for (size_t i = 0; i < log_odds_.size(); ++i) {
    log_odds_[i] = std::clamp(log_odds_[i] + step(rng_), Logit(kMinFair), Logit(kMaxFair));
  }
  // Keep the walk itself consistent with the relations (logit(1 - p) = -logit(p)).
  for (const Relation& r : universe_.relations) {
    double& a = log_odds_[static_cast<size_t>(r.a)];
    const double b = log_odds_[static_cast<size_t>(r.b)];
    a = std::min(a, r.kind == RelationKind::kImplies ? b : -b);
  }
  auto on_grid = [](double p, Price tick) {
    const int64_t micros = static_cast<int64_t>(std::llround(p * kFixedScale));
    return Clamp(FloorTo(micros, tick.micros()), tick);
  };
  for (size_t i = 0; i < universe_.markets.size(); ++i) {
    SimMarket& m = universe_.markets[i];
    if (m.event_index < 0) m.fair_yes = on_grid(Sigmoid(log_odds_[i]), m.tick);
  }
  EnforceRelations();
  // NegRisk events: the members' odds are renormalised so their probabilities sum to one.
  for (SimEvent& ev : universe_.events) {
    double total = 0;
    for (int i : ev.markets) total += Sigmoid(log_odds_[static_cast<size_t>(i)]);
    int64_t assigned = 0;
    int largest = ev.markets.front();
    for (int i : ev.markets) {
      SimMarket& m = universe_.markets[static_cast<size_t>(i)];
      m.fair_yes = on_grid(Sigmoid(log_odds_[static_cast<size_t>(i)]) / total, m.tick);
      assigned += m.fair_yes.micros();
      if (m.fair_yes > fair(largest)) largest = i;
    }
    SimMarket& big = universe_.markets[static_cast<size_t>(largest)];
    big.fair_yes = Price::FromMicros(big.fair_yes.micros() + kFixedScale - assigned);
  }
}

absl::Status Exchange::Step(int64_t now_ms) {
  ++step_;
  // The tick rule reads the books as the last step left them, before the maker re-quotes.
  ARBOR_RETURN_IF_ERROR(ApplyTickRule());
  MoveFairValues();
  // End expired mispricings (their markets return to normal quoting below).
  for (auto it = active_.begin(); it != active_.end();) {
    if (step_ >= it->started_step + it->spec.duration_steps) {
      if (it->spec.kind != MispricingKind::kCrossVenueGap) {
        for (int i : it->markets) engine(i).set_cross_matching(true);
      }
      it = active_.erase(it);
    } else {
      ++it;
    }
  }
  for (const MispricingSpec& s : schedule_) {
    if (s.at_step == step_) ARBOR_RETURN_IF_ERROR(StartMispricing(s, now_ms));
  }
  for (size_t i = 0; i < engines_.size(); ++i) {
    if (universe_.markets[i].status == MarketStatus::kOpen && !Mispriced(static_cast<int>(i))) {
      ARBOR_RETURN_IF_ERROR(QuoteAroundFair(static_cast<int>(i), now_ms));
    }
  }
  for (size_t k = 0; k < kalshi_engines_.size(); ++k) {
    if (universe_.kalshi[k].status == MarketStatus::kOpen &&
        !KalshiMispriced(static_cast<int>(k))) {
      ARBOR_RETURN_IF_ERROR(QuoteKalshiAroundFair(static_cast<int>(k), now_ms));
    }
  }
  // Noise traders: marketable FAK orders a few ticks through the touch.
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (size_t i = 0; i < engines_.size(); ++i) {
    // Unlisted and resolved markets see no noise (after the draw, like every market).
    if (unit(rng_) >= dynamics_.noise_orders_per_market) continue;
    const SimMarket& m = universe_.markets[i];
    if (m.status != MarketStatus::kOpen) continue;
    const int64_t reach = 3 * std::max(dynamics_.half_spread.micros(), m.tick.micros());
    OrderRequest r;
    r.account = std::string(kNoiseAccount);
    r.outcome = static_cast<int>(rng_() % 2);
    r.side = rng_() % 2 ? Side::kBuy : Side::kSell;
    const int64_t f = r.outcome == 0 ? m.fair_yes.micros() : kFixedScale - m.fair_yes.micros();
    r.price = Clamp(r.side == Side::kBuy ? CeilTo(f + reach, m.tick.micros())
                                         : FloorTo(f - reach, m.tick.micros()),
                    m.tick);
    r.size = dynamics_.noise_size;
    r.tif = TimeInForce::kFak;
    ARBOR_ASSIGN_OR_RETURN(PlaceResult placed, engines_[i]->Place(r, now_ms));
    noise_trades_ += placed.trades.size();
  }
  return absl::OkStatus();
}

void Exchange::AddTradeListener(const TradeListener& listener) {
  for (auto& e : engines_) e->AddTradeListener(listener);
  for (auto& e : kalshi_engines_) e->AddTradeListener(listener);
}

void Exchange::AddOrderDoneListener(const OrderDoneListener& listener) {
  for (auto& e : engines_) e->AddOrderDoneListener(listener);
  for (auto& e : kalshi_engines_) e->AddOrderDoneListener(listener);
}

}  // namespace arbor::sim
