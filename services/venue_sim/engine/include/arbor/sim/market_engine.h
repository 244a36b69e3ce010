// File: arbor/sim/market_engine.h
//
// The venue simulator's matching engine for one binary market (a Polymarket condition: a YES
// and a NO token), with the CTF exchange's three match kinds:
//   normal  BUY t at p  x  resting SELL t at a <= p       (tokens change hands)
//   mint    BUY t at p  x  resting BUY !t at q >= 1 - p   (a complete set is minted; the taker
//                                                          pays 1 - q, the maker q)
//   merge   SELL t at p x  resting SELL !t at q <= 1 - p  (a complete set is merged; the taker
//                                                          receives 1 - q, the maker q)
// Price-time priority over the combined ladder: a taker meets the best *effective* price first
// (a NO bid at q is a YES ask at 1 - q), ties by arrival. Trades happen at the maker's price.
// Order types GTC, GTD (expires at a time), FOK (all or nothing, checked before any fill) and
// FAK (fill what is there, cancel the rest). Self-trade prevention cancels the resting order
// and keeps matching (the taker is never rejected for meeting itself). Fees follow the
// market's Polymarket schedule, charged to the taker in cash at match time.
//
// Funds: a BUY locks limit x size plus the worst-case fee, a SELL locks the tokens; locks are
// consumed by fills and released when the order ends. Amounts are exact fixed point; in a mint
// or merge the two legs sum to exactly one dollar per share.
//
// Not thread-safe: one exchange thread owns an engine and its Ledger.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/sim/ledger.h"
#include "arbor/venue/polymarket/fees.h"

namespace arbor::sim {

enum class Side { kBuy, kSell };
enum class TimeInForce { kGtc, kGtd, kFok, kFak };
enum class MatchKind { kNormal, kMint, kMerge };
enum class OrderState { kLive, kFilled, kCanceled, kExpired };

const char* SideName(Side side);
const char* MatchKindName(MatchKind kind);
const char* OrderStateName(OrderState state);

// What a self-match does.
enum class SelfTradePolicy {
  kCancelResting,  // cancel the resting order of the same account, keep matching
  kSkipResting,    // leave it resting and match past it
};

struct OrderRequest {
  std::string account;
  int outcome = 0;  // 0 = YES token, 1 = NO token
  Side side = Side::kBuy;
  Price price;
  Quantity size;
  TimeInForce tif = TimeInForce::kGtc;
  int64_t expires_at_ms = 0;  // GTD only
};

struct Trade {
  uint64_t trade_id = 0;
  uint64_t taker_order_id = 0;
  uint64_t maker_order_id = 0;
  std::string taker_account;
  std::string maker_account;
  int taker_outcome = 0;
  int maker_outcome = 0;
  Side taker_side = Side::kBuy;
  MatchKind kind = MatchKind::kNormal;
  Price maker_price;  // the resting order's own price (in its token)
  Price taker_price;  // the price the taker paid / received per share of its token
  Quantity size;
  Money taker_cash;  // cash the taker paid (BUY) or received (SELL), before fee
  Money maker_cash;  // cash the maker paid (BUY) or received (SELL)
  Money taker_fee;
};

struct Order {
  uint64_t id = 0;  // unique across the engines sharing a Ledger (Ledger::NextId)
  OrderRequest request;
  Quantity filled;
  OrderState state = OrderState::kLive;
  uint64_t sequence = 0;  // arrival order (time priority)
  Money locked_cash;      // what is still locked for it (BUY)
  Quantity remaining() const { return request.size - filled; }
};

struct PlaceResult {
  uint64_t order_id = 0;
  OrderState state = OrderState::kLive;
  Quantity filled;
  std::vector<Trade> trades;
  std::vector<uint64_t> self_trade_canceled;  // resting orders canceled by self-trade prevention
};

// A book level whose total changed, with its new total (zero = the level is gone).
struct LevelChange {
  int outcome = 0;
  Side side = Side::kBuy;
  Price price;
  Quantity size;
};

struct MarketConfig {
  std::string condition_id;
  std::string yes_token;
  std::string no_token;
  Price tick = Price::FromMicros(10'000);
  // Sizes must be multiples of this (Polymarket: 0.01 share).
  Quantity size_step = Quantity::FromMicros(10'000);
  venue::polymarket::FeeSchedule fees;
  SelfTradePolicy self_trade = SelfTradePolicy::kCancelResting;
  // Mint / merge matching across the two tokens. The CTF exchange always does it; switching it
  // off lets complementary quotes rest uncrossed (YES ask + NO ask < 1), which is how the
  // simulator shows a binary mispricing (see exchange.h).
  bool cross_matching = true;
};

class MarketEngine;

// Observers of an engine, called synchronously on the exchange thread: every trade as it
// executes (after settlement), and every order that stops being live (filled, canceled,
// expired), whoever caused it (the account itself, another account's taker, self-trade
// prevention, expiry). Venue front-ends hang user feeds, trade history and ground truth on
// these. A listener must not call back into the engine.
using TradeListener = std::function<void(const MarketEngine&, const Trade&)>;
using OrderDoneListener = std::function<void(const MarketEngine&, const Order&)>;

class MarketEngine {
 public:
  // `ledger` must outlive the engine; several engines may share one ledger.
  MarketEngine(MarketConfig config, Ledger* ledger);

  // Place
  //
  // Validates, locks funds, matches, and rests the remainder (GTC/GTD). Errors, with nothing
  // changed: InvalidArgument (outcome not 0/1, price off the tick grid or outside
  // [tick, 1 - tick], size not a positive multiple of size_step, GTD without a future expiry),
  // FailedPrecondition (not enough balance / allowance). A FOK that cannot fill completely is
  // not an error: it returns state kCanceled with no trades.
  [[nodiscard]] absl::StatusOr<PlaceResult> Place(const OrderRequest& request, int64_t now_ms);

  // Cancels a live order of `account`. NotFound for an unknown id, PermissionDenied for another
  // account's order, FailedPrecondition if it is no longer live.
  [[nodiscard]] absl::Status Cancel(std::string_view account, uint64_t order_id);

  // CancelAll
  //
  // Cancels every live order of every account (a market that closes for resolution): their
  // funds are unlocked, OrderDoneListeners see kCanceled and their levels are recorded for
  // TakeLevelChanges. Returns their ids, ascending.
  std::vector<uint64_t> CancelAll();

  // Expires every GTD order whose time has come; returns their ids.
  std::vector<uint64_t> ExpireOrders(int64_t now_ms);

  const Order* Find(uint64_t order_id) const;
  // Live orders of `account`, by id.
  std::vector<const Order*> OpenOrders(std::string_view account) const;

  // Aggregated levels of one token's book side, best first: (price, total size).
  std::vector<std::pair<Price, Quantity>> Levels(int outcome, Side side) const;

  // The best price of one token's book side, or nullopt when that side is empty. Unlike
  // Levels() it does not allocate.
  std::optional<Price> BestPrice(int outcome, Side side) const;

  // ChangeTick
  //
  // Moves the market to the tick size `new_tick` (the venue refines 0.01 to 0.001 when a book
  // nears 0 or 1, and back). New orders are validated against it. Resting orders whose price is
  // not on the new grid, or lies outside [new_tick, 1 - new_tick], cannot stay on a book the
  // venue would publish on that grid: they are canceled (OrderDoneListeners see kCanceled, their
  // levels are recorded for TakeLevelChanges) and their ids returned, ascending. Refining the
  // tick therefore never cancels anything. InvalidArgument, with nothing changed, when
  // `new_tick` is not positive, is above 0.1, or does not divide one dollar.
  [[nodiscard]] absl::StatusOr<std::vector<uint64_t>> ChangeTick(Price new_tick);

  // The levels touched since the last call (each once, in first-touch order) with their
  // current totals: what a market-data feed publishes as `price_change`.
  std::vector<LevelChange> TakeLevelChanges();

  void AddTradeListener(TradeListener listener) { trade_listeners_.push_back(std::move(listener)); }
  void AddOrderDoneListener(OrderDoneListener listener) {
    order_done_listeners_.push_back(std::move(listener));
  }

  const MarketConfig& config() const { return config_; }
  void set_cross_matching(bool on) { config_.cross_matching = on; }
  const std::string& token(int outcome) const {
    return outcome == 0 ? config_.yes_token : config_.no_token;
  }
  // Fees collected by the venue in this market.
  Money fees_collected() const { return fees_collected_; }

 private:
  using Queue = std::deque<uint64_t>;  // order ids in time priority
  // Bids keyed by price descending, asks ascending.
  using BidLadder = std::map<Price, Queue, std::greater<Price>>;
  using AskLadder = std::map<Price, Queue>;

  struct Candidate {
    uint64_t order_id = 0;
    Price effective;  // in the taker's token
    MatchKind kind = MatchKind::kNormal;
  };

  absl::Status Validate(const OrderRequest& r, int64_t now_ms) const;
  Money BuyLock(Price limit, Quantity size) const;
  std::optional<Candidate> Best(const Order& taker, const std::string& skip_account,
                                bool skip_self) const;
  Quantity Fillable(const Order& taker) const;
  void Execute(Order& taker, Order& maker, const Candidate& c, Quantity qty, PlaceResult* out);
  void Rest(Order& order);
  void Unrest(const Order& order);
  void Finish(Order& order, OrderState state);
  void Touch(int outcome, Side side, Price price);
  Quantity LevelTotal(int outcome, Side side, Price price) const;

  MarketConfig config_;
  Ledger* ledger_;
  BidLadder bids_[2];
  AskLadder asks_[2];
  absl::flat_hash_map<uint64_t, Order> orders_;
  uint64_t next_sequence_ = 1;
  std::vector<TradeListener> trade_listeners_;
  std::vector<OrderDoneListener> order_done_listeners_;
  Money fees_collected_;
  std::vector<LevelChange> touched_;  // sizes filled in by TakeLevelChanges
};

}  // namespace arbor::sim
