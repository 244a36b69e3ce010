// Property test on seeded random catalogs, books and fee schedules (binary markets and NegRisk
// events, some augmented / with placeholders, some unhealthy books). Every emitted opportunity:
// money identity exact; worst case by an independent enumeration of the event's outcomes
// (placeholders may win, and "nobody listed" in augmented events) >= the reported one, equal
// without placeholders; profit > 0 and >= min_profit; edge <= the sanity gate; limits on grid;
// no unhealthy book among its sources; no duplicate ids; incremental == full rescan.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/lanes/lanes.h"
#include "gtest/gtest.h"
#include "lanes_test_util.h"

namespace arbor::lanes {
namespace {

using namespace ::arbor::lanes::testing;  // NOLINT(google-build-using-namespace)

quant::LegFees RandomFees(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0:
      return quant::LegFees::None();
    case 1:
      return quant::LegFees::Polymarket(
          {.rate_micros = 10'000 * std::uniform_int_distribution<int64_t>(0, 7)(rng),
           .exponent = 1});
    case 2:
      return quant::LegFees::Polymarket({.rate_micros = 250'000, .exponent = 2});
    default:
      return *quant::LegFees::Kalshi({.fee_type = "quadratic"});
  }
}

// Ladders around a fair price `fair` (micros) on `tick`: asks from fair + noise upwards, bids
// strictly below the best ask downwards (never crossed).
void RandomBook(std::mt19937_64& rng, FakeBookReader& books, const InstrumentKey& key, int64_t fair,
                int64_t tick, bool unhealthy_ok) {
  auto snap = [tick](int64_t p) {
    p = p / tick * tick;
    return std::clamp<int64_t>(p, tick, 1'000'000 - tick);
  };
  const int64_t noise = std::uniform_int_distribution<int64_t>(-60'000, 40'000)(rng);
  int64_t ask = snap(fair + noise);
  if (ask <= tick) ask = 2 * tick;
  std::vector<book::Level> asks;
  std::vector<book::Level> bids;
  const int levels = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int64_t p = ask, i = 0; i < levels && p < 1'000'000; ++i) {
    asks.push_back(
        {Price::FromMicros(p),
         Quantity::FromMicros(10'000 * std::uniform_int_distribution<int64_t>(1, 5000)(rng))});
    p += tick * std::uniform_int_distribution<int64_t>(1, 3)(rng);
  }
  int64_t bid = ask - tick * std::uniform_int_distribution<int64_t>(1, 6)(rng);
  for (int64_t p = bid, i = 0; i < levels && p > 0; ++i) {
    bids.push_back(
        {Price::FromMicros(p),
         Quantity::FromMicros(10'000 * std::uniform_int_distribution<int64_t>(1, 5000)(rng))});
    p -= tick * std::uniform_int_distribution<int64_t>(1, 3)(rng);
  }
  StoredBook& b = books.Set(key, std::move(bids), std::move(asks));
  b.sequence = std::uniform_int_distribution<uint64_t>(1, 1000)(rng);
  if (unhealthy_ok) {
    switch (std::uniform_int_distribution<int>(0, 30)(rng)) {
      case 0:
        b.status = BookStatus::kStale;
        break;
      case 1:
        b.fresh = false;
        break;
      case 2:
        b.status = BookStatus::kQuarantined;
        break;
      case 3:  // crossed
        if (!b.asks.empty()) b.bids = {{b.asks.front().price, Quantity::FromUnits(1)}};
        break;
      default:
        break;
    }
  }
}

bool Healthy(const StoredBook& b) {
  return b.status == BookStatus::kLive && b.trusted && b.fresh &&
         (b.bids.empty() || b.asks.empty() || b.bids.front().price < b.asks.front().price);
}

struct World {
  InMemoryMarketCatalog catalog;
  FakeBookReader books;
  // market id -> (event markets in order incl. placeholders, augmented) for enumeration
  std::map<std::string, std::string> market_event;
  std::map<std::string, std::vector<std::string>> event_markets;
  std::map<std::string, bool> event_open;  // augmented: "nobody listed" may win
  std::vector<InstrumentKey> all_keys;
};

void Build(std::mt19937_64& rng, World& w) {
  auto add_market = [&](LaneMarket m, int64_t fair_yes) {
    const int64_t tick = m.grid.front().step.micros();
    RandomBook(rng, w.books, m.outcomes[0], fair_yes, tick, true);
    RandomBook(rng, w.books, m.outcomes[1], 1'000'000 - fair_yes, tick, true);
    w.all_keys.push_back(m.outcomes[0]);
    w.all_keys.push_back(m.outcomes[1]);
    w.catalog.Upsert(std::move(m));
  };
  const int binaries = std::uniform_int_distribution<int>(1, 8)(rng);
  for (int i = 0; i < binaries; ++i) {
    LaneMarket m = BinaryMarket("b" + std::to_string(i), i % 3 == 0 ? "" : "be");
    if (std::uniform_int_distribution<int>(0, 1)(rng) == 1) {
      m.grid = {{P("0.001"), P("0.999"), P("0.001")}};
    }
    m.fees = RandomFees(rng);
    m.lot_size = std::uniform_int_distribution<int>(0, 1)(rng) ? Q("0.01") : Q("1");
    add_market(std::move(m), std::uniform_int_distribution<int64_t>(50'000, 950'000)(rng));
  }
  const int events = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int ev = 0; ev < events; ++ev) {
    const std::string id = "n" + std::to_string(ev);
    const int n = std::uniform_int_distribution<int>(2, 5)(rng);
    const bool augmented = std::uniform_int_distribution<int>(0, 1)(rng) == 0;
    std::vector<int> placeholders;
    if (augmented && std::uniform_int_distribution<int>(0, 1)(rng) == 1) placeholders = {n - 1};
    AddNegRiskEvent(w.catalog, id, n, augmented, placeholders);
    w.event_open[id] = augmented;
    // Fair YES prices summing to ~1 (the placeholder gets a share too).
    std::vector<int64_t> weights(n);
    int64_t total = 0;
    for (int64_t& x : weights) total += (x = std::uniform_int_distribution<int64_t>(1, 10)(rng));
    // A placeholder is priced near zero (as on the venue), so the named members carry ~1.
    if (!placeholders.empty()) {
      total -= weights[n - 1];
      weights[n - 1] = 0;
    }
    const quant::LegFees fees = RandomFees(rng);
    for (int i = 0; i < n; ++i) {
      const std::string mid = id + "." + std::to_string(i);
      LaneMarket m = *w.catalog.FindMarket(mid);
      m.fees = fees;
      w.market_event[mid] = id;
      w.event_markets[id].push_back(mid);
      add_market(std::move(m), std::max<int64_t>(20'000, 1'000'000 * weights[i] / total));
    }
  }
}

// Minimum over valid outcomes of what the legs leave, by enumeration. Binary-lane opportunities
// live in one market {YES wins, NO wins}; NegRisk ones in the event (every market, placeholders
// included, may be the winner; in augmented events nobody listed may win). CONVERT gives YES of
// every other question of the event, placeholders included.
int64_t EnumeratedWorst(const World& w, const arbor::v1::Opportunity& o) {
  std::vector<std::string> markets;
  bool open = false;
  if (o.lane() == arbor::v1::LANE_BINARY) {
    markets = {o.market_ids(0)};
  } else {
    const std::string& ev = o.event_ids(0);
    markets = w.event_markets.at(ev);
    open = w.event_open.at(ev);
  }
  // held[market] = {yes, no} in micros
  std::map<std::string, std::pair<int64_t, int64_t>> held;
  auto index_of = [&](const std::string& m) {
    return std::find(markets.begin(), markets.end(), m) - markets.begin();
  };
  for (const auto& leg : o.legs()) {
    const int64_t s = leg.size_micros();
    if (leg.action() == arbor::v1::LEG_ACTION_SPLIT) {
      held[leg.market_id()].first += s;
      held[leg.market_id()].second += s;
    } else if (leg.action() == arbor::v1::LEG_ACTION_CONVERT) {
      for (const std::string& m : markets) {
        const auto q = static_cast<uint32_t>(index_of(m));  // question index = position
        if (q == leg.convert_question_indices(0)) {
          held[m].second -= s;
        } else {
          held[m].first += s;
        }
      }
    } else {
      const std::string& sym = leg.instrument_id().symbol();
      const std::string m = sym.substr(0, sym.size() - 2);
      const bool yes = sym.back() == 'Y';
      const int64_t d = leg.side() == arbor::v1::SIDE_BUY ? s : -s;
      (yes ? held[m].first : held[m].second) += d;
    }
  }
  int64_t worst = INT64_MAX;
  const bool binary = o.lane() == arbor::v1::LANE_BINARY;
  // Binary: outcome 0 = YES wins, 1 = NO wins. NegRisk: outcome j = market j's YES wins.
  const int outcomes = binary ? 2 : static_cast<int>(markets.size()) + (open ? 1 : 0);
  for (int j = 0; j < outcomes; ++j) {
    int64_t pay = 0;
    if (binary) {
      const auto& h = held[markets[0]];
      pay = j == 0 ? h.first : h.second;
    } else {
      for (size_t i = 0; i < markets.size(); ++i) {
        const auto& h = held[markets[i]];
        pay += static_cast<int>(i) == j ? h.first : h.second;
      }
    }
    worst = std::min(worst, pay);
  }
  return worst;
}

TEST(LanesPropertyTest, RandomBooksAndFees) {
  std::mt19937_64 rng(20261204);
  int emitted = 0;
  int with_placeholders = 0;
  for (int iter = 0; iter < 400; ++iter) {
    World w;
    Build(rng, w);
    LaneConfig c;
    const int64_t edges[] = {0, 1'000, 10'000};
    c.min_edge_per_set = Price::FromMicros(edges[std::uniform_int_distribution<int>(0, 2)(rng)]);
    c.min_profit = std::uniform_int_distribution<int>(0, 1)(rng) ? Money::Zero() : M("0.5");
    c.max_per_event = std::uniform_int_distribution<int>(1, 3)(rng);
    c.max_sets = std::uniform_int_distribution<int>(0, 1)(rng) ? Quantity::Zero() : Q("50");
    SimulatedClock clock;
    BinaryLane binary(&w.catalog, &w.books, &clock, c);
    NegRiskLane negrisk(&w.catalog, &w.books, &clock, c);
    for (BundleLaneBase* lane :
         {static_cast<BundleLaneBase*>(&binary), static_cast<BundleLaneBase*>(&negrisk)}) {
      LaneEvaluation e = lane->EvaluateAll();
      EXPECT_EQ(e.counters.drop(DropReason::kWorstCaseMismatch), 0u);
      EXPECT_EQ(e.counters.drop(DropReason::kPricingError), 0u);
      EXPECT_EQ(e.counters.drop(DropReason::kDuplicateId), 0u);
      std::set<std::string> ids;
      std::map<std::string, int> per_event;
      for (const arbor::v1::Opportunity& o : e.opportunities) {
        ++emitted;
        SCOPED_TRACE(o.DebugString());
        EXPECT_TRUE(ids.insert(o.opportunity_id()).second);
        int64_t cash = 0;
        int64_t fees = 0;
        for (const auto& leg : o.legs()) {
          cash += leg.cash_flow_micros();
          fees += leg.fee_micros();
          if (leg.action() == arbor::v1::LEG_ACTION_ORDER) {
            const std::string& sym = leg.instrument_id().symbol();
            const LaneMarket& m = *w.catalog.FindMarket(sym.substr(0, sym.size() - 2));
            EXPECT_TRUE(m.OnGrid(Price::FromMicros(leg.limit_price_micros())));
            EXPECT_TRUE(Healthy(w.books.Get(Key(sym))));
            EXPECT_GE(leg.available_size_micros(), leg.size_micros());
          }
        }
        EXPECT_EQ(cash, -o.total_cost_micros());
        EXPECT_EQ(fees, o.total_fees_micros());
        EXPECT_EQ(o.guaranteed_profit_micros(),
                  o.worst_case_payoff_micros() - o.total_cost_micros() - o.total_fees_micros());
        EXPECT_GT(o.guaranteed_profit_micros(), 0);
        EXPECT_GE(o.guaranteed_profit_micros(), c.min_profit.micros());
        EXPECT_LE(o.edge_per_set_micros(), c.max_edge_per_set.micros());
        EXPECT_GE(o.edge_per_set_micros(), c.min_edge_per_set.micros());
        const int64_t enumerated = EnumeratedWorst(w, o);
        EXPECT_GE(enumerated, o.worst_case_payoff_micros());
        EXPECT_GE(enumerated - o.total_cost_micros() - o.total_fees_micros(),
                  o.guaranteed_profit_micros());
        bool has_placeholder = false;
        if (o.lane() == arbor::v1::LANE_NEGRISK) {
          for (const std::string& m : w.event_markets.at(o.event_ids(0))) {
            has_placeholder = has_placeholder || w.catalog.FindMarket(m)->placeholder;
          }
        }
        with_placeholders += has_placeholder ? 1 : 0;
        if (!has_placeholder) {
          EXPECT_EQ(enumerated, o.worst_case_payoff_micros());
        }
        const std::string ev = o.event_ids_size() > 0 ? o.event_ids(0) : o.market_ids(0);
        EXPECT_LE(++per_event[ev], c.max_per_event);
      }
      // Incremental over every instrument = full rescan.
      LaneEvaluation inc = lane->OnBooksChanged(w.all_keys);
      std::set<std::string> inc_ids;
      for (const auto& o : inc.opportunities) inc_ids.insert(o.opportunity_id());
      EXPECT_EQ(inc_ids, ids);
    }
  }
  // The generator must actually exercise the checks.
  EXPECT_GT(emitted, 200);
  EXPECT_GT(with_placeholders, 10);
  std::printf("emitted %d opportunities, %d on events with placeholders\n", emitted,
              with_placeholders);
}

}  // namespace
}  // namespace arbor::lanes
