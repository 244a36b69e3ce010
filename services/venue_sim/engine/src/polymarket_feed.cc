#include "arbor/sim/polymarket_feed.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/venue/polymarket/book_hash.h"

namespace arbor::sim {
namespace {

namespace pm = ::arbor::venue::polymarket;

pm::SummaryLevel ToSummaryLevel(Price price, Quantity size) {
  pm::SummaryLevel l;
  l.level = book::Level{price, size};
  l.price_text = price.ToString();
  l.size_text = size.ToString();
  return l;
}

void WriteLevels(JsonWriter& w, const std::vector<pm::SummaryLevel>& levels) {
  w.BeginArray();
  for (const pm::SummaryLevel& l : levels) {
    w.BeginObject().Key("price").String(l.price_text).Key("size").String(l.size_text).EndObject();
  }
  w.EndArray();
}

}  // namespace

absl::StatusOr<pm::BookSummary> PolymarketBookSummary(const MarketEngine& engine, int outcome,
                                                      int64_t timestamp_ms) {
  pm::BookSummary s;
  s.market = engine.config().condition_id;
  s.asset_id = engine.token(outcome);
  s.timestamp = pm::RawScalar{absl::StrCat(timestamp_ms), true};
  s.timestamp_ms = timestamp_ms;
  // Levels() is best-first; the venue sends best last.
  for (const auto& [price, size] : engine.Levels(outcome, Side::kBuy)) {
    s.bids.push_back(ToSummaryLevel(price, size));
  }
  for (const auto& [price, size] : engine.Levels(outcome, Side::kSell)) {
    s.asks.push_back(ToSummaryLevel(price, size));
  }
  std::reverse(s.bids.begin(), s.bids.end());
  std::reverse(s.asks.begin(), s.asks.end());
  s.min_order_size_text = pm::RawScalar{"5", true};
  s.min_order_size = Quantity::FromUnits(5);
  s.tick_size_text = pm::RawScalar{engine.config().tick.ToString(), true};
  s.tick_size = engine.config().tick;
  s.neg_risk = false;
  absl::StatusOr<std::string> hash = pm::OrderBookSummaryHash(s);
  if (!hash.ok()) return hash.status();
  s.hash = *hash;
  return s;
}

std::string PolymarketRestBookJson(const pm::BookSummary& summary) {
  JsonWriter w;
  w.BeginObject()
      .Key("market")
      .String(summary.market)
      .Key("asset_id")
      .String(summary.asset_id)
      .Key("timestamp")
      .String(summary.timestamp.text)
      .Key("hash")
      .String(summary.hash)
      .Key("bids");
  WriteLevels(w, summary.bids);
  w.Key("asks");
  WriteLevels(w, summary.asks);
  w.Key("min_order_size")
      .String(summary.min_order_size_text ? summary.min_order_size_text->text : "")
      .Key("tick_size")
      .String(summary.tick_size_text ? summary.tick_size_text->text : "")
      .Key("neg_risk")
      .Bool(summary.neg_risk.value_or(false))
      .EndObject();
  return w.Take();
}

std::string PolymarketWsBookEvent(const pm::BookSummary& summary) {
  JsonWriter w;
  w.BeginObject()
      .Key("event_type")
      .String("book")
      .Key("asset_id")
      .String(summary.asset_id)
      .Key("market")
      .String(summary.market)
      .Key("bids");
  WriteLevels(w, summary.bids);
  w.Key("asks");
  WriteLevels(w, summary.asks);
  w.Key("timestamp").String(summary.timestamp.text).Key("hash").String(summary.hash).EndObject();
  return w.Take();
}

absl::StatusOr<std::string> PolymarketWsPriceChangeEvent(const MarketEngine& engine,
                                                         const std::vector<LevelChange>& changes,
                                                         int64_t timestamp_ms) {
  if (changes.empty()) return std::string();
  // Per-token hash and touch, computed once per token that changed.
  struct TokenState {
    bool computed = false;
    std::string hash;
    std::string best_bid;
    std::string best_ask;
  };
  TokenState tokens[2];
  for (const LevelChange& c : changes) {
    TokenState& t = tokens[c.outcome];
    if (t.computed) continue;
    absl::StatusOr<pm::BookSummary> s = PolymarketBookSummary(engine, c.outcome, timestamp_ms);
    if (!s.ok()) return s.status();
    t.hash = s->hash;
    // The summary is best-last.
    t.best_bid = s->bids.empty() ? "" : s->bids.back().price_text;
    t.best_ask = s->asks.empty() ? "" : s->asks.back().price_text;
    t.computed = true;
  }
  JsonWriter w;
  w.BeginObject()
      .Key("event_type")
      .String("price_change")
      .Key("market")
      .String(engine.config().condition_id)
      .Key("price_changes")
      .BeginArray();
  for (const LevelChange& c : changes) {
    const TokenState& t = tokens[c.outcome];
    w.BeginObject()
        .Key("asset_id")
        .String(engine.token(c.outcome))
        .Key("price")
        .String(c.price.ToString())
        .Key("size")
        .String(c.size.ToString())
        .Key("side")
        .String(SideName(c.side))
        .Key("hash")
        .String(t.hash)
        .Key("best_bid")
        .String(t.best_bid)
        .Key("best_ask")
        .String(t.best_ask)
        .EndObject();
  }
  w.EndArray().Key("timestamp").String(absl::StrCat(timestamp_ms)).EndObject();
  return w.Take();
}

std::string PolymarketWsLastTradeEvent(const MarketEngine& engine, const Trade& trade,
                                       int64_t timestamp_ms) {
  JsonWriter w;
  w.BeginObject()
      .Key("asset_id")
      .String(engine.token(trade.taker_outcome))
      .Key("event_type")
      .String("last_trade_price")
      .Key("fee_rate_bps")
      .String(absl::StrCat(engine.config().fees.rate_micros / 100))
      .Key("market")
      .String(engine.config().condition_id)
      .Key("price")
      .String(trade.taker_price.ToString())
      .Key("side")
      .String(SideName(trade.taker_side))
      .Key("size")
      .String(trade.size.ToString())
      .Key("timestamp")
      .String(absl::StrCat(timestamp_ms))
      .EndObject();
  return w.Take();
}

std::string PolymarketWsTickSizeChangeEvent(const MarketEngine& engine, int outcome, Price old_tick,
                                            Price new_tick, int64_t timestamp_ms) {
  JsonWriter w;
  w.BeginObject()
      .Key("asset_id")
      .String(engine.token(outcome))
      .Key("event_type")
      .String("tick_size_change")
      .Key("market")
      .String(engine.config().condition_id)
      .Key("new_tick_size")
      .String(new_tick.ToString())
      .Key("old_tick_size")
      .String(old_tick.ToString())
      .Key("timestamp")
      .String(absl::StrCat(timestamp_ms))
      .EndObject();
  return w.Take();
}

std::string PolymarketWsBestBidAskEvent(const MarketEngine& engine, int outcome,
                                        int64_t timestamp_ms) {
  const std::optional<Price> bid = engine.BestPrice(outcome, Side::kBuy);
  const std::optional<Price> ask = engine.BestPrice(outcome, Side::kSell);
  JsonWriter w;
  w.BeginObject()
      .Key("event_type")
      .String("best_bid_ask")
      .Key("market")
      .String(engine.config().condition_id)
      .Key("asset_id")
      .String(engine.token(outcome));
  if (bid) w.Key("best_bid").String(bid->ToString());
  if (ask) w.Key("best_ask").String(ask->ToString());
  if (bid && ask) w.Key("spread").String((*ask - *bid).ToString());
  w.Key("timestamp").String(absl::StrCat(timestamp_ms)).EndObject();
  return w.Take();
}

std::string PolymarketWsNewMarketEvent(const Universe& universe, const SimMarket& market,
                                       int64_t timestamp_ms) {
  const std::string description =
      absl::StrCat("This market will resolve to \"Yes\" if the answer to \"", market.question,
                   "\" is yes. Otherwise, this market will resolve to \"No\".");
  const SimEvent* event =
      market.event_index >= 0 ? &universe.events[static_cast<size_t>(market.event_index)] : nullptr;
  JsonWriter w;
  w.BeginObject()
      .Key("event_type")
      .String("new_market")
      .Key("id")
      .String(market.gamma_id)
      .Key("question")
      .String(market.question)
      .Key("market")
      .String(market.condition_id)
      .Key("slug")
      .String(market.slug)
      .Key("description")
      .String(description)
      .Key("assets_ids")
      .BeginArray()
      .String(market.yes_token)
      .String(market.no_token)
      .EndArray()
      .Key("outcomes")
      .BeginArray()
      .String("Yes")
      .String("No")
      .EndArray()
      .Key("event_message")
      .BeginObject()
      .Key("id")
      .String(event != nullptr ? event->gamma_id : market.gamma_id)
      .Key("ticker")
      .String(event != nullptr ? event->ticker : market.slug)
      .Key("slug")
      .String(event != nullptr ? event->slug : market.slug)
      .Key("title")
      .String(event != nullptr ? event->title : market.question)
      .Key("description")
      .String(description)
      .EndObject()
      .Key("timestamp")
      .String(absl::StrCat(timestamp_ms))
      .Key("tags")
      .BeginArray()
      .String(market.category)
      .EndArray()
      .Key("condition_id")
      .String(market.condition_id)
      .Key("active")
      .Bool(true)
      .Key("clob_token_ids")
      .BeginArray()
      .String(market.yes_token)
      .String(market.no_token)
      .EndArray()
      .Key("sports_market_type")
      .String("")
      .Key("line")
      .String("")
      .Key("game_start_time")
      .String("")
      .Key("order_price_min_tick_size")
      .String(market.tick.ToString())
      .Key("group_item_title")
      .String(market.group_item_title)
      .EndObject();
  return w.Take();
}

std::string PolymarketWsMarketResolvedEvent(const SimMarket& market, int64_t timestamp_ms) {
  const bool yes = market.winning_outcome == 0;
  JsonWriter w;
  w.BeginObject()
      .Key("event_type")
      .String("market_resolved")
      .Key("id")
      .String(market.gamma_id)
      .Key("market")
      .String(market.condition_id)
      .Key("assets_ids")
      .BeginArray()
      .String(market.yes_token)
      .String(market.no_token)
      .EndArray()
      .Key("winning_asset_id")
      .String(yes ? market.yes_token : market.no_token)
      .Key("winning_outcome")
      .String(yes ? "Yes" : "No")
      .Key("timestamp")
      .String(absl::StrCat(timestamp_ms))
      .Key("tags")
      .BeginArray()
      .String(market.category)
      .EndArray()
      .EndObject();
  return w.Take();
}

}  // namespace arbor::sim
