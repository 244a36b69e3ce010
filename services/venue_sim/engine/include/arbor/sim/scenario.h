// File: arbor/sim/scenario.h
//
// Simulator scenarios as JSON files. Strict: an unknown key, a wrong type or an inexact decimal
// is an error naming the field, so a scenario never silently means something else.
//
//   {"name": "default", "seed": 20261122,
//    "universe": {"binary_markets": 1600, "negrisk_events": 80, "min_outcomes": 3,
//                 "max_outcomes": 8, "start_unix_s": 1790000000, "kalshi_twin_every": 10},
//    "dynamics": {"log_odds_volatility": 0.02, "half_spread": "0.01", "quote_size": "200",
//                 "noise_orders_per_market": 0.02, "noise_size": "10"},
//    "mispricings": [{"kind": "negrisk_yes_under", "at_step": 30, "target": 3,
//                     "edge": "0.03", "duration_steps": 20}],
//    "markets": [{"index": 3, "listed": false}],
//    "kalshi_markets": [{"ticker": "SIM-00010", "listed": false}]}
//
// "markets" / "kalshi_markets" override generated markets (by index into Universe::markets, or
// by Kalshi ticker): "listed": false (default true) keeps the market unlisted until
// POST /admin/list (see Exchange::ListMarket). Only standalone binary markets may be unlisted.
// Prices and sizes are decimal strings (exact); model parameters are JSON numbers. Every
// section and key is optional; absent ones keep the defaults of UniverseSpec / DynamicsSpec.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/universe.h"

namespace arbor::sim {

struct Scenario {
  std::string name;
  uint64_t seed = 1;
  UniverseSpec universe;
  DynamicsSpec dynamics;
  std::vector<MispricingSpec> mispricings;
  struct MarketOverride {
    int index = -1;      // "markets": index into Universe::markets
    std::string ticker;  // "kalshi_markets": Kalshi ticker
    bool listed = true;
  };
  std::vector<MarketOverride> markets;
  std::vector<MarketOverride> kalshi_markets;
};

[[nodiscard]] absl::StatusOr<Scenario> ParseScenario(std::string_view json);
[[nodiscard]] absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path);

// Builds the exchange a scenario describes (universe from its seed, agents seeded with it too).
// InvalidArgument for a market override naming no market.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Exchange>> BuildExchange(const Scenario& scenario);

}  // namespace arbor::sim
