// File: arbor/sim/admin_routes.h
//
// The simulator's admin API (its own plain-HTTP server, --admin-port): the ground truth a test
// or the demo checks the trading system against (fair values, books, injected mispricings,
// every trade), fault control, synchronous stepping and funding. TradeRecorder keeps every trade
// of every engine in a bounded ring buffer. Single-threaded: the io thread of the simulator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/faults.h"
#include "arbor/sim/http_server.h"

namespace arbor::sim {

// Records every trade on every engine of an exchange (Exchange::AddTradeListener), keeping the
// newest `capacity`. Trade ids ascend (Ledger::NextId), so paging is by id.
class TradeRecorder {
 public:
  struct Record {
    uint64_t trade_id = 0;
    int64_t step = 0;
    std::string market;  // condition id, or the Kalshi twin's ticker
    std::string token;   // the taker's token
    std::string taker_account;
    std::string maker_account;
    std::string taker_side;  // "BUY" | "SELL"
    std::string kind;        // "normal" | "mint" | "merge" (MatchKindName)
    Price price;             // what the taker paid / received per share of its token
    Quantity size;
  };

  // Registers on `exchange` (which must outlive the recorder). `capacity` > 0.
  TradeRecorder(Exchange* exchange, size_t capacity);

  // Up to `limit` records with trade_id > `after`, oldest first.
  std::vector<const Record*> Since(uint64_t after, size_t limit) const;
  uint64_t total() const { return total_; }
  size_t capacity() const { return capacity_; }
  // Accounts seen in a trade (for the live-order count of the truth endpoint).
  const absl::flat_hash_set<std::string>& accounts() const { return accounts_; }

 private:
  Exchange* exchange_;
  size_t capacity_;
  std::deque<Record> records_;
  absl::flat_hash_set<std::string> accounts_;
  uint64_t total_ = 0;
};

struct AdminDeps {
  Exchange* exchange = nullptr;     // required
  FaultInjector* faults = nullptr;  // required
  TradeRecorder* trades = nullptr;  // required
  // Advances the exchange one step and runs everything the binary runs after a step (the
  // binary's StepOnce). Required for POST /admin/step.
  std::function<absl::Status()> step_once;
  // Stamps listings and resolutions (WS timestamps, Kalshi open_ts / determination_ts).
  // Optional: null = SystemClock.
  const Clock* clock = nullptr;
};

// Registers on `server` (everything must outlive it):
//   GET    /admin/truth[?market=<condition_id>]  step, fair values, tops (full levels for one
//                                                market), live orders, mispricings, faults
//   GET    /admin/trades?since=<trade_id>&limit=<n>   (limit default 1000, max 10000)
//   GET    /admin/orders?account=<a>              open orders across every engine
//   GET    /admin/balances?account=<a>            cash and non-zero positions
//   GET    /admin/faults, POST /admin/faults (rules document), DELETE /admin/faults
//   POST   /admin/step                            one synchronous StepOnce
//   POST   /admin/fund {"account":"a","cash":"1000.5"}
//   GET    /admin/mapping                         the cross-venue mapping file of every Kalshi
//                                                twin (arbor/lanes/venue_mapping.h format:
//                                                identical, confidence 1, horizon gap 0)
//   GET    /admin/relations                       the universe's implies / excludes relations
//                                                as a relations file (arbor/relations/
//                                                relation_file.h: curated, confidence 1, YES
//                                                tokens, ids sim-rel-<index>)
//   POST   /admin/list {"condition_id":"0x.."} | {"ticker":"SIM-00010"}
//          lists an unlisted market (Exchange::ListMarket / ListKalshiMarket); 200
//          {"venue":"polymarket","market":<index>,"condition_id":"0x..","status":"open"} or
//          {"venue":"kalshi","twin":<index>,"ticker":"..","status":"open"}
//   POST   /admin/resolve {"condition_id":"0x..","winning_outcome":"Yes"|"No"}
//                       | {"ticker":"..","result":"yes"|"no"}
//          resolves an open market (Exchange::ResolveMarket ...); 200
//          {"venue":"polymarket","market":<index>,"condition_id":"0x..","status":"resolved",
//           "winning_outcome":"Yes","winning_asset_id":"<token>","canceled_orders":<n>} or
//          {"venue":"kalshi","twin":<index>,"ticker":"..","status":"determined","result":"yes",
//           "canceled_orders":<n>}
//          list / resolve answer 400 for an unknown id, a market already listed / not open,
//          a bad outcome, or a body that is not exactly one of those shapes.
// Errors are 400 {"error":"<reason naming the field>"} / 404 for an unknown market (except
// list / resolve: 400). /admin/truth gives each market's "status" (unlisted|open|resolved).
void AddAdminRoutes(HttpServer& server, AdminDeps deps);

}  // namespace arbor::sim
