// File: arbor/sim/universe.h
//
// The simulator's market universe: binary markets and NegRisk events with realistic Polymarket
// metadata (77-digit token ids, 0x condition ids, categories with their fee schedules, the tick
// sizes in use including 0.005 / 0.0025, end dates), generated deterministically from a seed,
// plus each market's ground-truth probability (`fair_yes`; NegRisk events' fair values sum to
// exactly 1), and logical relations between binary markets (an earlier deadline implies a later
// one; two finalists of one match exclude each other) whose fair values respect them. Rendered
// as Gamma `/markets` and `/events` objects; the relations as ground-truth JSON.
//
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/fees.h"

namespace arbor::sim {

struct UniverseSpec {
  uint64_t seed = 1;
  int binary_markets = 1600;
  int negrisk_events = 80;
  int min_outcomes = 3;  // markets per NegRisk event
  int max_outcomes = 8;
  int64_t start_unix_s = 1'790'000'000;  // end dates fall 1 hour to 120 days after this
  // Every k-th binary market also trades on the simulated Kalshi (same question, same fair
  // value, its own book): the cross-venue pairs. 0 = no Kalshi markets.
  int kalshi_twin_every = 10;
  // Logical relations among the binary markets: in every block of `relation_every` markets,
  // market 6 becomes the earlier-deadline sibling of market 5 (implies) and market 16 the rival
  // finalist of market 15 (excludes); see Relation. 0 = no relations. Needs >= 20 to fit.
  int relation_every = 25;
};

// How two binary markets are logically linked.
enum class RelationKind {
  kImplies,   // A => B: P(A) <= P(B) (A = "... by March", B = "... by June")
  kExcludes,  // A and B cannot both happen: P(A) + P(B) <= 1 (two semi-final winners)
};
// "implies" / "excludes".
const char* RelationKindName(RelationKind kind);

struct Relation {
  RelationKind kind = RelationKind::kImplies;
  int a = 0;  // indexes into Universe::markets (standalone binary markets, same tick size)
  int b = 0;
};

// Where a market is in its life. A scenario may keep a market kUnlisted: it exists in the
// exchange but no venue API shows it until POST /admin/list makes it kOpen; POST /admin/resolve
// makes it kResolved (closed, orders canceled, no quotes). See Exchange::ListMarket.
enum class MarketStatus { kUnlisted, kOpen, kResolved };
// "unlisted" / "open" / "resolved".
const char* MarketStatusName(MarketStatus status);

// A Kalshi market that mirrors a Polymarket binary market.
struct KalshiTwin {
  std::string ticker;     // e.g. "SIM-0042"
  std::string market_id;  // uuid-like
  std::string event_ticker;
  int polymarket_market = 0;  // index into Universe::markets
  MarketStatus status = MarketStatus::kOpen;
  int winning_outcome = -1;  // 0 = yes, 1 = no once kResolved
  int64_t opened_ms = 0;     // when ListMarket opened it (0 = open since the start)
  int64_t resolved_ms = 0;
};

struct SimMarket {
  std::string gamma_id;
  std::string condition_id;  // 0x + 64 hex
  std::string question_id;
  std::string question;
  std::string slug;
  std::string yes_token;  // 77-digit decimal strings
  std::string no_token;
  std::string category;  // crypto, sports, politics, economics, geopolitics
  std::string fee_type;  // Gamma feeType
  Price tick;
  venue::polymarket::FeeSchedule fees;
  int64_t end_unix_s = 0;
  int event_index = -1;  // index into Universe::events, -1 for a standalone binary market
  std::string group_item_title;
  Price fair_yes;  // ground truth: P(YES)
  MarketStatus status = MarketStatus::kOpen;
  int winning_outcome = -1;  // 0 = Yes, 1 = No once kResolved
};

struct SimEvent {
  std::string gamma_id;
  std::string ticker;
  std::string slug;
  std::string title;
  std::string category;
  bool neg_risk = false;
  std::string neg_risk_market_id;  // 0x + 64 hex for NegRisk events
  int64_t end_unix_s = 0;
  std::vector<int> markets;  // indexes into Universe::markets
};

struct Universe {
  std::vector<SimMarket> markets;
  std::vector<SimEvent> events;
  std::vector<KalshiTwin> kalshi;
  std::vector<Relation> relations;
};

// Whether fair values `a` and `b` satisfy a relation of `kind`.
bool RelationHolds(RelationKind kind, Price a, Price b);

// Deterministic in `spec` (same spec, same universe, byte for byte). InvalidArgument for
// negative counts, an outcome range outside [2, 64] or a relation_every in [1, 19].
[[nodiscard]] absl::StatusOr<Universe> GenerateUniverse(const UniverseSpec& spec);

// Gamma `/markets` object for one market (JSON-encoded string arrays, numbers and strings as
// the venue mixes them). A kResolved market shows active:false, closed:true,
// acceptingOrders:false and outcomePrices ["1","0"] / ["0","1"].
std::string GammaMarketJson(const Universe& universe, const SimMarket& market);
// Gamma `/events` object with its markets nested.
std::string GammaEventJson(const Universe& universe, const SimEvent& event);

// Ground truth for the admin endpoint: a JSON array with one object per relation, in index
// order: {"index":0,"kind":"implies","a":{"market":6,"condition_id":"0x..","question":"..",
// "fair_yes":"0.41"},"b":{...}}, fair values as the universe holds them (pass the exchange's
// universe for current values).
std::string RelationsJson(const Universe& universe);

// ISO-8601 UTC ("2026-11-22T01:02:03Z").
std::string IsoTime(int64_t unix_s);

}  // namespace arbor::sim
