#include "arbor/sim/kalshi_feed.h"

#include <utility>

#include "arbor/core/json_writer.h"

namespace arbor::sim {
namespace {

// The Kalshi ladder and price at which an engine level shows: bids of a token stay on that
// token's ladder; asks of a token appear as bids of the other token at the complement price.
std::pair<int, Price> KalshiLevel(int outcome, Side side, Price price) {
  if (side == Side::kBuy) return {outcome, price};
  return {1 - outcome, Complement(price)};
}

// Kalshi's two bid ladders of an engine: YES bids + NO asks at 1 - p, and NO bids + YES asks.
void Ladders(const MarketEngine& e, std::map<Price, Quantity> out[2]) {
  for (int ladder : {0, 1}) {
    for (const auto& [p, q] : e.Levels(ladder, Side::kBuy)) out[ladder][p] += q;
    for (const auto& [p, q] : e.Levels(1 - ladder, Side::kSell)) out[ladder][Complement(p)] += q;
  }
}

}  // namespace

std::string KalshiRestOrderbookJson(const MarketEngine& engine) {
  std::map<Price, Quantity> ladders[2];
  Ladders(engine, ladders);
  JsonWriter w;
  w.BeginObject().Key("orderbook_fp").BeginObject();
  const char* keys[2] = {"yes_dollars", "no_dollars"};
  for (int ladder : {0, 1}) {
    w.Key(keys[ladder]).BeginArray();
    for (auto it = ladders[ladder].rbegin(); it != ladders[ladder].rend(); ++it) {
      w.BeginArray()
          .String(it->first.ToFixedString(4))
          .String(it->second.ToFixedString(2))
          .EndArray();
    }
    w.EndArray();
  }
  w.EndObject().EndObject();
  return w.Take();
}

KalshiFeedRenderer::KalshiFeedRenderer(const MarketEngine* engine, std::string market_ticker,
                                       std::string market_id)
    : engine_(engine), ticker_(std::move(market_ticker)), market_id_(std::move(market_id)) {}

Quantity KalshiFeedRenderer::Total(int ladder, Price price) const {
  // YES ladder at x = YES bids at x + NO asks at 1 - x (and symmetrically for NO).
  Quantity total;
  for (const auto& [p, q] : engine_->Levels(ladder, Side::kBuy)) {
    if (p == price) total += q;
  }
  for (const auto& [p, q] : engine_->Levels(1 - ladder, Side::kSell)) {
    if (Complement(p) == price) total += q;
  }
  return total;
}

void KalshiFeedRenderer::Rebuild() {
  for (int ladder : {0, 1}) published_[ladder].clear();
  Ladders(*engine_, published_);
}

std::string KalshiFeedRenderer::Snapshot(uint64_t sid, uint64_t seq, uint64_t reply_id) {
  Rebuild();
  JsonWriter w;
  w.BeginObject()
      .Key("type")
      .String("orderbook_snapshot")
      .Key("sid")
      .Uint(sid)
      .Key("seq")
      .Uint(seq);
  if (reply_id > 0) w.Key("id").Uint(reply_id);
  w.Key("msg")
      .BeginObject()
      .Key("market_ticker")
      .String(ticker_)
      .Key("market_id")
      .String(market_id_);
  const char* keys[2] = {"yes_dollars_fp", "no_dollars_fp"};
  for (int ladder : {0, 1}) {
    if (published_[ladder].empty()) continue;  // Kalshi omits an empty side
    w.Key(keys[ladder]).BeginArray();
    for (const auto& [p, q] : published_[ladder]) {
      w.BeginArray().String(p.ToFixedString(4)).String(q.ToFixedString(2)).EndArray();
    }
    w.EndArray();
  }
  w.EndObject().EndObject();
  return w.Take();
}

std::vector<std::string> KalshiFeedRenderer::Deltas(const std::vector<LevelChange>& changes,
                                                    uint64_t sid, uint64_t* seq, int64_t ts_ms) {
  std::vector<std::string> out;
  std::vector<std::pair<int, Price>> seen;
  for (const LevelChange& c : changes) {
    const std::pair<int, Price> level = KalshiLevel(c.outcome, c.side, c.price);
    bool done = false;
    for (const auto& s : seen) done = done || s == level;
    if (done) continue;
    seen.push_back(level);
    const auto [ladder, price] = level;
    const Quantity now = Total(ladder, price);
    Quantity& before = published_[ladder][price];
    const Quantity delta = now - before;
    if (now.IsZero()) {
      published_[ladder].erase(price);
    } else {
      before = now;
    }
    if (delta.IsZero()) continue;
    JsonWriter w;
    w.BeginObject()
        .Key("type")
        .String("orderbook_delta")
        .Key("sid")
        .Uint(sid)
        .Key("seq")
        .Uint(++*seq)
        .Key("msg")
        .BeginObject()
        .Key("market_ticker")
        .String(ticker_)
        .Key("market_id")
        .String(market_id_)
        .Key("price_dollars")
        .String(price.ToFixedString(4))
        .Key("delta_fp")
        .String(delta.ToFixedString(2))
        .Key("side")
        .String(ladder == 0 ? "yes" : "no")
        .Key("ts_ms")
        .Int(ts_ms)
        .EndObject()
        .EndObject();
    out.push_back(w.Take());
  }
  return out;
}

}  // namespace arbor::sim
