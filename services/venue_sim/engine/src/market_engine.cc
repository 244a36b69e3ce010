#include "arbor/sim/market_engine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/strings.h"

namespace arbor::sim {
namespace {

// One share pays one dollar: `qty` shares of a complete set are worth `qty` dollars.
Money DollarsPerShare(Quantity qty) { return Money::FromMicros(qty.micros()); }

// The fee can be at most its value at p = 0.5, where p(1-p) peaks.
constexpr Price kPeakFeePrice = Price::FromMicros(500'000);

}  // namespace

const char* SideName(Side side) { return side == Side::kBuy ? "BUY" : "SELL"; }

const char* MatchKindName(MatchKind kind) {
  switch (kind) {
    case MatchKind::kNormal:
      return "normal";
    case MatchKind::kMint:
      return "mint";
    case MatchKind::kMerge:
      return "merge";
  }
  return "?";
}

const char* OrderStateName(OrderState state) {
  switch (state) {
    case OrderState::kLive:
      return "live";
    case OrderState::kFilled:
      return "filled";
    case OrderState::kCanceled:
      return "canceled";
    case OrderState::kExpired:
      return "expired";
  }
  return "?";
}

MarketEngine::MarketEngine(MarketConfig config, Ledger* ledger)
    : config_(std::move(config)), ledger_(ledger) {}

absl::Status MarketEngine::Validate(const OrderRequest& r, int64_t now_ms) const {
  if (r.outcome != 0 && r.outcome != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("outcome must be 0 (YES) or 1 (NO), got ", r.outcome));
  }
  const Price tick = config_.tick;
  if (r.price.micros() % tick.micros() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "price ", r.price.ToString(), " is not a multiple of the tick size ", tick.ToString()));
  }
  if (r.price < tick || r.price > kPriceOne - tick) {
    return absl::InvalidArgumentError(absl::StrCat("price ", r.price.ToString(), " outside [",
                                                   tick.ToString(), ", ",
                                                   (kPriceOne - tick).ToString(), "]"));
  }
  if (!r.size.IsPositive() || r.size.micros() % config_.size_step.micros() != 0) {
    return absl::InvalidArgumentError(absl::StrCat("size ", r.size.ToString(),
                                                   " must be a positive multiple of ",
                                                   config_.size_step.ToString()));
  }
  if (r.tif == TimeInForce::kGtd && r.expires_at_ms <= now_ms) {
    return absl::InvalidArgumentError("GTD order needs an expiration in the future");
  }
  return absl::OkStatus();
}

Money MarketEngine::BuyLock(Price limit, Quantity size) const {
  Money lock = Notional(limit, size, Rounding::kUp);
  if (config_.fees.rate_micros > 0) {
    absl::StatusOr<Money> fee =
        venue::polymarket::TakerFee(config_.fees, size, kPeakFeePrice, Rounding::kUp);
    ARBOR_CHECK(fee.ok(), "fee schedule validated at market creation");
    lock += *fee;
  }
  return lock;
}

absl::StatusOr<PlaceResult> MarketEngine::Place(const OrderRequest& request, int64_t now_ms) {
  if (absl::Status s = Validate(request, now_ms); !s.ok()) return s;
  const std::string& token_id = token(request.outcome);
  Money lock;
  if (request.side == Side::kBuy) {
    lock = BuyLock(request.price, request.size);
    if (absl::Status s = ledger_->LockCash(request.account, lock); !s.ok()) return s;
  } else {
    if (absl::Status s = ledger_->LockPosition(request.account, token_id, request.size); !s.ok()) {
      return s;
    }
  }

  const uint64_t id = ledger_->NextId();
  Order& order = orders_[id];
  order.id = id;
  order.request = request;
  order.sequence = next_sequence_++;
  order.locked_cash = lock;

  PlaceResult result;
  result.order_id = id;
  if (request.tif == TimeInForce::kFok && Fillable(order) < request.size) {
    Finish(order, OrderState::kCanceled);
    result.state = order.state;
    return result;
  }

  const bool skip_self = config_.self_trade == SelfTradePolicy::kSkipResting;
  while (order.remaining().IsPositive()) {
    const std::optional<Candidate> c = Best(order, request.account, skip_self);
    if (!c) break;
    Order& maker = orders_.at(c->order_id);
    if (maker.request.account == request.account) {
      // Self-trade prevention (kCancelResting): the older order of the same account goes.
      Finish(maker, OrderState::kCanceled);
      result.self_trade_canceled.push_back(maker.id);
      continue;
    }
    const Quantity qty = std::min(order.remaining(), maker.remaining());
    Execute(order, maker, *c, qty, &result);
  }

  if (!order.remaining().IsPositive()) {
    Finish(order, OrderState::kFilled);
  } else if (request.tif == TimeInForce::kFak || request.tif == TimeInForce::kFok) {
    Finish(order, OrderState::kCanceled);
  } else {
    Rest(order);
  }
  result.state = order.state;
  result.filled = order.filled;
  return result;
}

std::optional<MarketEngine::Candidate> MarketEngine::Best(const Order& taker,
                                                          const std::string& skip_account,
                                                          bool skip_self) const {
  const int t = taker.request.outcome;
  const int o = 1 - t;
  const bool buy = taker.request.side == Side::kBuy;
  const Price limit = taker.request.price;

  // The first eligible order of a queue (time priority), or 0.
  auto first = [&](const Queue& q) -> uint64_t {
    for (uint64_t id : q) {
      if (!skip_self || orders_.at(id).request.account != skip_account) return id;
    }
    return 0;
  };

  std::optional<Candidate> same;   // same token, opposite side (normal match)
  std::optional<Candidate> cross;  // other token, same side (mint / merge)
  if (buy) {
    for (const auto& [price, q] : asks_[t]) {
      if (price > limit) break;
      if (uint64_t id = first(q)) {
        same = Candidate{id, price, MatchKind::kNormal};
        break;
      }
    }
    for (const auto& [price, q] : bids_[o]) {
      if (Complement(price) > limit) break;
      if (uint64_t id = first(q)) {
        cross = Candidate{id, Complement(price), MatchKind::kMint};
        break;
      }
    }
  } else {
    for (const auto& [price, q] : bids_[t]) {
      if (price < limit) break;
      if (uint64_t id = first(q)) {
        same = Candidate{id, price, MatchKind::kNormal};
        break;
      }
    }
    for (const auto& [price, q] : asks_[o]) {
      if (Complement(price) < limit) break;
      if (uint64_t id = first(q)) {
        cross = Candidate{id, Complement(price), MatchKind::kMerge};
        break;
      }
    }
  }
  if (!config_.cross_matching) return same;
  if (!same) return cross;
  if (!cross) return same;
  // Better effective price first; equal prices go by arrival.
  const bool same_better =
      buy ? same->effective < cross->effective : same->effective > cross->effective;
  if (same->effective == cross->effective) {
    return orders_.at(same->order_id).sequence < orders_.at(cross->order_id).sequence ? same
                                                                                      : cross;
  }
  return same_better ? same : cross;
}

Quantity MarketEngine::Fillable(const Order& taker) const {
  const int t = taker.request.outcome;
  const int o = 1 - t;
  const bool buy = taker.request.side == Side::kBuy;
  const Price limit = taker.request.price;
  const std::string& me = taker.request.account;
  // Own resting orders are canceled or skipped on contact, so they never provide liquidity.
  Quantity total;
  auto add = [&](const Queue& q) {
    for (uint64_t id : q) {
      const Order& m = orders_.at(id);
      if (m.request.account != me) total += m.remaining();
    }
  };
  const bool cross = config_.cross_matching;
  if (buy) {
    for (const auto& [price, q] : asks_[t]) {
      if (price > limit) break;
      add(q);
    }
    for (const auto& [price, q] : bids_[o]) {
      if (!cross || Complement(price) > limit) break;
      add(q);
    }
  } else {
    for (const auto& [price, q] : bids_[t]) {
      if (price < limit) break;
      add(q);
    }
    for (const auto& [price, q] : asks_[o]) {
      if (!cross || Complement(price) < limit) break;
      add(q);
    }
  }
  return total;
}

void MarketEngine::Execute(Order& taker, Order& maker, const Candidate& c, Quantity qty,
                           PlaceResult* out) {
  const std::string& ta = taker.request.account;
  const std::string& ma = maker.request.account;
  const std::string& t_token = token(taker.request.outcome);
  const std::string& m_token = token(maker.request.outcome);
  const bool taker_buys = taker.request.side == Side::kBuy;

  Trade trade;
  trade.trade_id = ledger_->NextId();
  trade.taker_order_id = taker.id;
  trade.maker_order_id = maker.id;
  trade.taker_account = ta;
  trade.maker_account = ma;
  trade.taker_outcome = taker.request.outcome;
  trade.maker_outcome = maker.request.outcome;
  trade.taker_side = taker.request.side;
  trade.kind = c.kind;
  trade.maker_price = maker.request.price;
  trade.taker_price = c.effective;
  trade.size = qty;
  if (c.kind == MatchKind::kNormal) {
    // Buyer pays what the seller receives; the fraction of a micro-dollar goes to the seller.
    const Money cash =
        Notional(maker.request.price, qty, taker_buys ? Rounding::kUp : Rounding::kDown);
    trade.taker_cash = cash;
    trade.maker_cash = cash;
  } else {
    // A minted or merged set is exactly one dollar per share, split at the maker's price.
    trade.maker_cash = Notional(maker.request.price, qty, Rounding::kDown);
    trade.taker_cash = DollarsPerShare(qty) - trade.maker_cash;
  }
  if (config_.fees.rate_micros > 0) {
    absl::StatusOr<Money> fee =
        venue::polymarket::TakerFee(config_.fees, qty, trade.taker_price, Rounding::kUp);
    ARBOR_CHECK(fee.ok(), "fee schedule validated at market creation");
    trade.taker_fee = *fee;
  }
  fees_collected_ += trade.taker_fee;

  // Consumes the part of a BUY order's lock that covered `qty` (capped at what is left).
  auto consume_buy_lock = [&](Order& o) {
    const Money portion = std::min(o.locked_cash, BuyLock(o.request.price, qty));
    o.locked_cash -= portion;
    ledger_->UnlockCash(o.request.account, portion);
  };

  // Taker.
  if (taker_buys) {
    consume_buy_lock(taker);
    ledger_->AddCash(ta, -(trade.taker_cash + trade.taker_fee));
    ledger_->AddPosition(ta, t_token, qty);
  } else {
    ledger_->UnlockPosition(ta, t_token, qty);
    ledger_->AddPosition(ta, t_token, -qty);
    ledger_->AddCash(ta, trade.taker_cash - trade.taker_fee);
  }
  // Maker: a BUY maker (normal sell-taker, or mint) pays; a SELL maker (normal buy-taker, or
  // merge) delivers tokens and is paid.
  if (maker.request.side == Side::kBuy) {
    consume_buy_lock(maker);
    ledger_->AddCash(ma, -trade.maker_cash);
    ledger_->AddPosition(ma, m_token, qty);
  } else {
    ledger_->UnlockPosition(ma, m_token, qty);
    ledger_->AddPosition(ma, m_token, -qty);
    ledger_->AddCash(ma, trade.maker_cash);
  }

  taker.filled += qty;
  maker.filled += qty;
  Touch(maker.request.outcome, maker.request.side, maker.request.price);
  for (const TradeListener& listener : trade_listeners_) listener(*this, trade);
  if (!maker.remaining().IsPositive()) Finish(maker, OrderState::kFilled);
  out->trades.push_back(std::move(trade));
}

void MarketEngine::Rest(Order& order) {
  const int t = order.request.outcome;
  Touch(t, order.request.side, order.request.price);
  if (order.request.side == Side::kBuy) {
    bids_[t][order.request.price].push_back(order.id);
  } else {
    asks_[t][order.request.price].push_back(order.id);
  }
}

void MarketEngine::Unrest(const Order& order) {
  const int t = order.request.outcome;
  Touch(t, order.request.side, order.request.price);
  auto remove = [&](auto& ladder) {
    auto it = ladder.find(order.request.price);
    if (it == ladder.end()) return;
    Queue& q = it->second;
    q.erase(std::remove(q.begin(), q.end(), order.id), q.end());
    if (q.empty()) ladder.erase(it);
  };
  if (order.request.side == Side::kBuy) {
    remove(bids_[t]);
  } else {
    remove(asks_[t]);
  }
}

void MarketEngine::Finish(Order& order, OrderState state) {
  if (order.state != OrderState::kLive) return;
  Unrest(order);
  if (order.request.side == Side::kBuy) {
    ledger_->UnlockCash(order.request.account, order.locked_cash);
    order.locked_cash = Money::Zero();
  } else {
    ledger_->UnlockPosition(order.request.account, token(order.request.outcome), order.remaining());
  }
  order.state = state;
  for (const OrderDoneListener& listener : order_done_listeners_) listener(*this, order);
}

absl::Status MarketEngine::Cancel(std::string_view account, uint64_t order_id) {
  auto it = orders_.find(order_id);
  if (it == orders_.end())
    return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
  Order& order = it->second;
  if (order.request.account != account) {
    return absl::PermissionDeniedError(
        absl::StrCat("order ", order_id, " belongs to another account"));
  }
  if (order.state != OrderState::kLive) {
    return absl::FailedPreconditionError(
        absl::StrCat("order ", order_id, " is ", OrderStateName(order.state)));
  }
  Finish(order, OrderState::kCanceled);
  return absl::OkStatus();
}

std::vector<uint64_t> MarketEngine::ExpireOrders(int64_t now_ms) {
  std::vector<uint64_t> expired;
  for (auto& [id, order] : orders_) {
    if (order.state == OrderState::kLive && order.request.tif == TimeInForce::kGtd &&
        order.request.expires_at_ms <= now_ms) {
      Finish(order, OrderState::kExpired);
      expired.push_back(id);
    }
  }
  std::sort(expired.begin(), expired.end());
  return expired;
}

void MarketEngine::Touch(int outcome, Side side, Price price) {
  for (const LevelChange& c : touched_) {
    if (c.outcome == outcome && c.side == side && c.price == price) return;
  }
  touched_.push_back(LevelChange{outcome, side, price, Quantity::Zero()});
}

Quantity MarketEngine::LevelTotal(int outcome, Side side, Price price) const {
  const Queue* q = nullptr;
  if (side == Side::kBuy) {
    auto it = bids_[outcome].find(price);
    if (it != bids_[outcome].end()) q = &it->second;
  } else {
    auto it = asks_[outcome].find(price);
    if (it != asks_[outcome].end()) q = &it->second;
  }
  Quantity total;
  if (q != nullptr) {
    for (uint64_t id : *q) total += orders_.at(id).remaining();
  }
  return total;
}

std::vector<LevelChange> MarketEngine::TakeLevelChanges() {
  std::vector<LevelChange> out;
  out.swap(touched_);
  for (LevelChange& c : out) c.size = LevelTotal(c.outcome, c.side, c.price);
  return out;
}

std::optional<Price> MarketEngine::BestPrice(int outcome, Side side) const {
  if (side == Side::kBuy) {
    if (bids_[outcome].empty()) return std::nullopt;
    return bids_[outcome].begin()->first;
  }
  if (asks_[outcome].empty()) return std::nullopt;
  return asks_[outcome].begin()->first;
}

absl::StatusOr<std::vector<uint64_t>> MarketEngine::ChangeTick(Price new_tick) {
  const int64_t t = new_tick.micros();
  if (t <= 0 || t > kFixedScale / 10 || kFixedScale % t != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick size ", new_tick.ToString(), " must divide 1 and lie in (0, 0.1]"));
  }
  std::vector<uint64_t> off_grid;
  auto collect = [&](const auto& ladder) {
    for (const auto& [price, q] : ladder) {
      if (price.micros() % t == 0 && price.micros() >= t && price.micros() <= kFixedScale - t) {
        continue;
      }
      off_grid.insert(off_grid.end(), q.begin(), q.end());
    }
  };
  for (int outcome = 0; outcome < 2; ++outcome) {
    collect(bids_[outcome]);
    collect(asks_[outcome]);
  }
  std::sort(off_grid.begin(), off_grid.end());
  for (uint64_t id : off_grid) Finish(orders_.at(id), OrderState::kCanceled);
  config_.tick = new_tick;
  return off_grid;
}

std::vector<uint64_t> MarketEngine::CancelAll() {
  std::vector<uint64_t> live;
  for (const auto& [id, order] : orders_) {
    if (order.state == OrderState::kLive) live.push_back(id);
  }
  std::sort(live.begin(), live.end());
  for (uint64_t id : live) Finish(orders_.at(id), OrderState::kCanceled);
  return live;
}

const Order* MarketEngine::Find(uint64_t order_id) const {
  auto it = orders_.find(order_id);
  return it == orders_.end() ? nullptr : &it->second;
}

std::vector<const Order*> MarketEngine::OpenOrders(std::string_view account) const {
  std::vector<const Order*> out;
  for (const auto& [id, order] : orders_) {
    if (order.state == OrderState::kLive && order.request.account == account) out.push_back(&order);
  }
  std::sort(out.begin(), out.end(), [](const Order* a, const Order* b) { return a->id < b->id; });
  return out;
}

std::vector<std::pair<Price, Quantity>> MarketEngine::Levels(int outcome, Side side) const {
  std::vector<std::pair<Price, Quantity>> out;
  auto collect = [&](const auto& ladder) {
    for (const auto& [price, q] : ladder) {
      Quantity total;
      for (uint64_t id : q) total += orders_.at(id).remaining();
      out.emplace_back(price, total);
    }
  };
  if (side == Side::kBuy) {
    collect(bids_[outcome]);
  } else {
    collect(asks_[outcome]);
  }
  return out;
}

}  // namespace arbor::sim
