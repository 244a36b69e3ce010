// File: arbor/sim/kalshi_feed.h
//
// Renders a MarketEngine's books as Kalshi publishes them: two BID ladders per market. With
// `use_yes_price:false` (Kalshi's default) a level of the YES ladder at x holds the YES bids at
// x plus the NO asks at 1 - x (selling NO at 1 - x is bidding YES at x), and a level of the NO
// ladder at y holds the NO bids at y plus the YES asks at 1 - y. Prices are "*_dollars" strings
// with 4 decimals, counts "*_fp" with 2, as in the current WebSocket schema.
//
// KalshiFeedRenderer keeps the last published ladders so that engine level changes become
// additive `orderbook_delta`s, numbered with the subscription's `seq`.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arbor/sim/market_engine.h"

namespace arbor::sim {

// The REST `GET /markets/{ticker}/orderbook` body for `engine` in the current fixed-point shape
// {"orderbook_fp":{"yes_dollars":[[price,count],...],"no_dollars":[...]}}, levels best first.
std::string KalshiRestOrderbookJson(const MarketEngine& engine);

class KalshiFeedRenderer {
 public:
  // `engine` must outlive the renderer; `market_ticker` / `market_id` name it on the wire.
  KalshiFeedRenderer(const MarketEngine* engine, std::string market_ticker, std::string market_id);

  // An `orderbook_snapshot` for subscription `sid` with sequence `seq`; resets the baseline that
  // deltas are computed from. `reply_id` (> 0) adds the `id` of a get_snapshot command.
  std::string Snapshot(uint64_t sid, uint64_t seq, uint64_t reply_id = 0);

  // The `orderbook_delta`s for `changes` (from MarketEngine::TakeLevelChanges), one per Kalshi
  // ladder level whose total moved, numbered from *seq + 1 (which is advanced).
  std::vector<std::string> Deltas(const std::vector<LevelChange>& changes, uint64_t sid,
                                  uint64_t* seq, int64_t ts_ms);

 private:
  // Ladder 0 = YES bids, 1 = NO bids; price -> count.
  using Ladder = std::map<Price, Quantity>;
  Quantity Total(int ladder, Price price) const;
  void Rebuild();

  const MarketEngine* engine_;
  std::string ticker_;
  std::string market_id_;
  Ladder published_[2];
};

}  // namespace arbor::sim
