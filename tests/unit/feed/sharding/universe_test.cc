// File: tests/unit/feed/sharding/universe_test.cc
//
// Universe construction from Gamma / Kalshi records (synthetic and the shared Gamma samples),
// filters, shard partitioning and catalog-refresh diffs.
#include "arbor/feed/universe.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

namespace pm = venue::polymarket;
namespace ks = venue::kalshi;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Money M(std::string_view s) { return *Money::Parse(s); }

pm::GammaMarket GammaBinary(std::string condition, std::string yes, std::string no) {
  pm::GammaMarket m;
  m.id = absl::StrCat("m-", condition);
  m.condition_id = std::move(condition);
  m.outcomes = {"Yes", "No"};
  m.clob_token_ids = {std::move(yes), std::move(no)};
  m.order_price_min_tick_size = P("0.01");
  m.liquidity = M("1000");
  m.active = true;
  m.end_date = "2026-12-31T00:00:00Z";
  return m;
}

pm::GammaEvent NegRiskEvent() {
  pm::GammaEvent e;
  e.id = "100";
  e.neg_risk = true;
  e.neg_risk_market_id = "0xnr";
  e.active = true;
  e.tags = {{"1", "Politics", "politics"}, {"2", "Elections", "elections"}};
  for (int i = 0; i < 3; ++i) {
    pm::GammaMarket m =
        GammaBinary(absl::StrCat("0xc", i), absl::StrCat("y", i), absl::StrCat("n", i));
    m.neg_risk = true;
    m.neg_risk_market_id = "0xnr";
    e.markets.push_back(std::move(m));
  }
  return e;
}

ks::RestMarket KalshiMarket(std::string ticker, std::string event, std::string status) {
  ks::RestMarket m;
  m.ticker = std::move(ticker);
  m.event_ticker = std::move(event);
  m.status = std::move(status);
  m.title = "Will it?";
  m.liquidity = M("500");
  m.close_time = "2026-12-01T00:00:00Z";
  return m;
}

// A file of the shared Gamma samples (protocols/samples/polymarket/gamma).
std::string ReadSample(std::string_view name) {
  const std::string path =
      absl::StrCat(ARBOR_SHARED_DIR, "/protocols/samples/polymarket/gamma/", ToAbsl(name));
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(UniverseTest, GammaEventBuildsOneInstrumentPerToken) {
  Universe u;
  absl::StatusOr<int> added = u.AddGammaEvent(NegRiskEvent());
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 6);
  ASSERT_EQ(u.size(), 6u);
  const Instrument* y1 = u.Find(Venue::kPolymarket, "y1");
  ASSERT_NE(y1, nullptr);
  EXPECT_EQ(y1->market, "0xc1");
  EXPECT_EQ(y1->event.value(), "0xnr");
  EXPECT_EQ(y1->outcome, "Yes");
  EXPECT_EQ(y1->tick_size, P("0.01"));
  EXPECT_TRUE(y1->neg_risk);
  EXPECT_EQ(y1->liquidity, M("1000"));
  EXPECT_EQ(y1->end_time, "2026-12-31T00:00:00Z");
  EXPECT_TRUE(y1->active);
  EXPECT_FALSE(y1->closed);
  EXPECT_THAT(y1->tags, ElementsAre("politics", "elections"));
  EXPECT_EQ(y1->outcome_index, 0u);
  EXPECT_EQ(u.Find(Venue::kPolymarket, "n1")->outcome, "No");
  // The clobTokenIds position, whatever the ids' string order.
  EXPECT_EQ(u.Find(Venue::kPolymarket, "n1")->outcome_index, 1u);
  EXPECT_EQ(u.Find(Venue::kKalshi, "y1"), nullptr);
}

TEST(UniverseTest, GammaEventIdRules) {
  // Non-NegRisk market inside an event: the Gamma event id.
  pm::GammaEvent plain;
  plain.id = "200";
  plain.markets.push_back(GammaBinary("0xa", "ta", "na"));
  Universe u;
  ASSERT_TRUE(u.AddGammaEvent(plain).ok());
  EXPECT_EQ(u.Find(Venue::kPolymarket, "ta")->event.value(), "200");

  // Standalone market: events[0].id, else the condition id; NegRisk id first.
  pm::GammaMarket with_ref = GammaBinary("0xb", "tb", "nb");
  with_ref.events.push_back({"300", "", "", ""});
  pm::GammaMarket orphan = GammaBinary("0xc", "tc", "nc");
  pm::GammaMarket neg = GammaBinary("0xd", "td", "nd");
  neg.neg_risk = true;
  neg.neg_risk_market_id = "0xnr2";
  neg.events.push_back({"400", "", "", ""});
  ASSERT_TRUE(u.AddGammaMarket(with_ref).ok());
  ASSERT_TRUE(u.AddGammaMarket(orphan).ok());
  ASSERT_TRUE(u.AddGammaMarket(neg).ok());
  EXPECT_EQ(u.Find(Venue::kPolymarket, "tb")->event.value(), "300");
  EXPECT_EQ(u.Find(Venue::kPolymarket, "tc")->event.value(), "0xc");
  EXPECT_EQ(u.Find(Venue::kPolymarket, "td")->event.value(), "0xnr2");
}

TEST(UniverseTest, ClosedEventClosesMarketsAndBooklessMarketsAreSkipped) {
  pm::GammaEvent e = NegRiskEvent();
  e.closed = true;
  pm::GammaMarket no_book;
  no_book.condition_id = "0xnobook";
  e.markets.push_back(no_book);
  Universe u;
  absl::StatusOr<int> added = u.AddGammaEvent(e);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 6);
  for (const auto& [key, inst] : u.instruments()) {
    EXPECT_TRUE(inst.closed) << key.id;
  }
}

TEST(UniverseTest, MalformedGammaMarketIsRejectedAtomically) {
  pm::GammaEvent e = NegRiskEvent();
  e.markets[2].outcomes = {"Yes"};
  Universe u;
  absl::StatusOr<int> added = u.AddGammaEvent(e);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(added.status().message(), HasSubstr("'outcomes' has 1 entries"));
  EXPECT_THAT(added.status().message(), HasSubstr("gamma event '100'"));
  EXPECT_TRUE(u.empty());

  pm::GammaMarket no_condition = GammaBinary("", "t", "n");
  absl::StatusOr<int> r = u.AddGammaMarket(no_condition);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("conditionId"));
}

TEST(UniverseTest, KalshiMarkets) {
  struct Case {
    std::string status;
    bool active;
    bool closed;
  };
  const std::vector<Case> cases = {
      {"active", true, false},    {"open", true, false},      {"initialized", false, false},
      {"inactive", false, false}, {"closed", false, true},    {"determined", false, true},
      {"settled", false, true},   {"finalized", false, true},
  };
  for (const Case& c : cases) {
    Universe u;
    ASSERT_TRUE(u.AddKalshiMarket(KalshiMarket("T-1", "EV", c.status), "Economics").ok());
    const Instrument* inst = u.Find(Venue::kKalshi, "T-1:YES");
    ASSERT_NE(inst, nullptr);
    EXPECT_EQ(inst->active, c.active) << c.status;
    EXPECT_EQ(inst->closed, c.closed) << c.status;
    EXPECT_EQ(inst->event.value(), "EV");
    EXPECT_EQ(inst->market, "T-1");
    EXPECT_EQ(inst->liquidity, M("500"));
    EXPECT_THAT(inst->tags, ElementsAre("economics"));
    EXPECT_EQ(inst->outcome, "Yes");
    EXPECT_EQ(inst->outcome_index, 0u);
    // The same book as its NO instrument.
    const Instrument* no = u.Find(Venue::kKalshi, "T-1:NO");
    ASSERT_NE(no, nullptr);
    EXPECT_EQ(no->outcome, "No");
    EXPECT_EQ(no->outcome_index, 1u);
    EXPECT_EQ(no->market, "T-1");
    EXPECT_EQ(no->event.value(), "EV");
    EXPECT_EQ(no->closed, c.closed);
    EXPECT_EQ(u.size(), 2u);
    // GET /markets carries no fee model (it is the series'): unknown, never "fee-free".
    EXPECT_EQ(inst->fees_enabled, std::nullopt);
    EXPECT_EQ(inst->fee_schedule, std::nullopt);
    EXPECT_FALSE(FeesKnown(*inst));
  }

  ks::RestMarket linear = KalshiMarket("A", "E", "active");
  ks::RestMarket deci = KalshiMarket("B", "E", "active");
  deci.price_level_structure = "deci_cent";
  ks::RestMarket ranged = KalshiMarket("C", "E", "active");
  ranged.price_level_structure = "tapered_deci_cent";
  ranged.price_ranges = {{P("0"), P("0.1"), P("0.001")}, {P("0.1"), P("0.9"), P("0.01")}};
  ks::RestMarket unknown = KalshiMarket("D", "E", "active");
  unknown.price_level_structure = "tapered_deci_cent";
  Universe u;
  for (const auto* m : {&linear, &deci, &ranged, &unknown}) {
    ASSERT_TRUE(u.AddKalshiMarket(*m).ok());
  }
  EXPECT_EQ(u.Find(Venue::kKalshi, "A:YES")->tick_size, P("0.01"));
  EXPECT_EQ(u.Find(Venue::kKalshi, "B:YES")->tick_size, P("0.001"));
  EXPECT_EQ(u.Find(Venue::kKalshi, "C:YES")->tick_size, P("0.001"));
  EXPECT_EQ(u.Find(Venue::kKalshi, "D:YES")->tick_size, std::nullopt);

  EXPECT_FALSE(u.AddKalshiMarket(KalshiMarket("", "E", "active")).ok());
  absl::Status no_event = u.AddKalshiMarket(KalshiMarket("X", "", "active"));
  EXPECT_EQ(no_event.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_event.message(), HasSubstr("event_ticker"));
}

TEST(UniverseTest, GammaFeeModelIsCopiedPerMarket) {
  // A crypto market (feesEnabled, feeType crypto_fees, feeSchedule rate 0.072), a fee-free one,
  // and one with fees enabled but no schedule, in one event.
  pm::GammaEvent e;
  e.id = "200";
  e.active = true;
  pm::GammaMarket crypto = GammaBinary("0xcrypto", "cy", "cn");
  crypto.fees_enabled = true;
  crypto.fee_type = "crypto_fees";
  crypto.fee_schedule =
      pm::FeeSchedule{.rate_micros = 72'000, .exponent = 1, .rebate_rate_micros = 250'000};
  pm::GammaMarket free = GammaBinary("0xfree", "fy", "fn");
  pm::GammaMarket no_schedule = GammaBinary("0xnosched", "sy", "sn");
  no_schedule.fees_enabled = true;
  no_schedule.fee_type = "crypto_fees";
  e.markets = {crypto, free, no_schedule};
  Universe u;
  ASSERT_TRUE(u.AddGammaEvent(e).ok());

  for (const char* id : {"cy", "cn"}) {
    const Instrument* inst = u.Find(Venue::kPolymarket, id);
    ASSERT_NE(inst, nullptr) << id;
    EXPECT_EQ(inst->fees_enabled, true) << id;
    ASSERT_TRUE(inst->fee_schedule.has_value()) << id;
    EXPECT_EQ(inst->fee_schedule->rate_micros, 72'000);
    EXPECT_EQ(inst->fee_schedule->exponent, 1);
    EXPECT_EQ(inst->fee_schedule->rebate_rate_micros, 250'000);
    EXPECT_TRUE(inst->fee_schedule->taker_only);
    EXPECT_TRUE(FeesKnown(*inst));
  }
  const Instrument* f = u.Find(Venue::kPolymarket, "fy");
  EXPECT_EQ(f->fees_enabled, false);
  EXPECT_EQ(f->fee_schedule, std::nullopt);
  EXPECT_TRUE(FeesKnown(*f));
  // Enabled without a schedule: no rate is invented from feeType.
  const Instrument* n = u.Find(Venue::kPolymarket, "sy");
  EXPECT_EQ(n->fees_enabled, true);
  EXPECT_EQ(n->fee_schedule, std::nullopt);
  EXPECT_FALSE(FeesKnown(*n));

  // A standalone /markets record carries its own fee model too.
  Universe standalone;
  ASSERT_TRUE(standalone.AddGammaMarket(crypto).ok());
  EXPECT_EQ(standalone.Find(Venue::kPolymarket, "cy")->fee_schedule, crypto.fee_schedule);
}

TEST(UniverseTest, GammaFeeModelFromSharedSamples) {
  // Sports money line: feesEnabled, feeSchedule {exponent 1, rate 0.03, rebateRate 0.25}.
  absl::StatusOr<pm::GammaMarket> sports =
      pm::ParseGammaMarket(ReadSample("nt_rs_gamma_market_sports_market_money_line.json"));
  ASSERT_TRUE(sports.ok()) << sports.status();
  Universe u;
  ASSERT_TRUE(u.AddGammaMarket(*sports).ok());
  ASSERT_FALSE(sports->clob_token_ids.empty());
  const Instrument* s = u.Find(Venue::kPolymarket, sports->clob_token_ids.front());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->fees_enabled, true);
  EXPECT_EQ(s->fee_schedule, (pm::FeeSchedule{.rate_micros = 30'000,
                                              .exponent = 1,
                                              .rebate_rate_micros = 250'000,
                                              .taker_only = true}));
  // The crypto sample: feesEnabled and feeType crypto_fees, but no feeSchedule -> unknown.
  absl::StatusOr<pm::GammaMarket> crypto =
      pm::ParseGammaMarket(ReadSample("nt_rs_gamma_market.json"));
  ASSERT_TRUE(crypto.ok()) << crypto.status();
  ASSERT_TRUE(u.AddGammaMarket(*crypto).ok());
  const Instrument* c = u.Find(Venue::kPolymarket, crypto->clob_token_ids.front());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->fees_enabled, true);
  EXPECT_EQ(c->fee_schedule, std::nullopt);
  EXPECT_FALSE(FeesKnown(*c));
}

TEST(UniverseTest, UpsertReplacesSameKey) {
  Universe u;
  ASSERT_TRUE(u.AddGammaMarket(GammaBinary("0xa", "t", "n")).ok());
  pm::GammaMarket again = GammaBinary("0xa", "t", "n");
  again.order_price_min_tick_size = P("0.001");
  ASSERT_TRUE(u.AddGammaMarket(again).ok());
  EXPECT_EQ(u.size(), 2u);
  EXPECT_EQ(u.Find(Venue::kPolymarket, "t")->tick_size, P("0.001"));
}

// A mixed universe for filter tests: a NegRisk event (3 markets, liquidity 1000 except market 0
// at 10), a crypto event, a closed market and Kalshi markets.
Universe FilterFixture() {
  Universe u;
  pm::GammaEvent neg = NegRiskEvent();
  neg.markets[0].liquidity = M("10");
  ARBOR_CHECK(u.AddGammaEvent(neg).ok(), "fixture");
  pm::GammaEvent crypto;
  crypto.id = "500";
  crypto.tags = {{"9", "Crypto", "crypto"}};
  crypto.markets.push_back(GammaBinary("0xbtc", "btc-y", "btc-n"));
  crypto.markets[0].liquidity = M("50");
  ARBOR_CHECK(u.AddGammaEvent(crypto).ok(), "fixture");
  pm::GammaMarket closed = GammaBinary("0xold", "old-y", "old-n");
  closed.closed = true;
  ARBOR_CHECK(u.AddGammaMarket(closed).ok(), "fixture");
  ARBOR_CHECK(u.AddKalshiMarket(KalshiMarket("K-A", "KEV", "active"), "Economics").ok(), "fixture");
  ARBOR_CHECK(u.AddKalshiMarket(KalshiMarket("K-B", "KEV", "initialized"), "Economics").ok(),
              "fixture");
  return u;
}

std::vector<std::string> Ids(const Universe& u) {
  std::vector<std::string> ids;
  for (const auto& [key, inst] : u.instruments()) ids.push_back(key.id);
  return ids;
}

TEST(UniverseTest, FiltersTableDriven) {
  struct Case {
    std::string name;
    UniverseFilter filter;
    std::vector<std::string> want;  // in (venue, id) order: Polymarket ids first, then Kalshi
  };
  const std::vector<std::string> all_tradable = {"btc-n", "btc-y", "n0", "n1",     "n2",
                                                 "y0",    "y1",    "y2", "K-A:NO", "K-A:YES"};
  UniverseFilter defaults;
  UniverseFilter untradable;
  untradable.require_tradable = false;
  UniverseFilter liquid;
  liquid.min_liquidity = M("100");
  UniverseFilter liquid_split = liquid;
  liquid_split.keep_events_whole = false;
  UniverseFilter politics;
  politics.include_tags = {"POLITICS"};
  UniverseFilter no_crypto;
  no_crypto.exclude_tags = {"Crypto"};
  UniverseFilter include_and_exclude_tag;
  include_and_exclude_tag.include_tags = {"elections", "crypto"};
  include_and_exclude_tag.exclude_tags = {"crypto"};
  UniverseFilter forced;
  forced.min_liquidity = M("100000");
  forced.include_ids = {"0xbtc", "old-y"};
  UniverseFilter excluded;
  excluded.exclude_ids = {"0xc1", "KEV"};
  UniverseFilter excluded_event;
  excluded_event.exclude_ids = {"0xnr"};
  excluded_event.include_ids = {"y0"};
  UniverseFilter high_floor;
  high_floor.min_liquidity = M("1000.000001");

  const std::vector<Case> cases = {
      {"defaults keep tradable", defaults, all_tradable},
      {"untradable kept when not required",
       untradable,
       {"btc-n", "btc-y", "n0", "n1", "n2", "old-n", "old-y", "y0", "y1", "y2", "K-A:NO", "K-A:YES",
        "K-B:NO", "K-B:YES"}},
      {"liquidity floor keeps NegRisk event whole",
       liquid,
       {"n0", "n1", "n2", "y0", "y1", "y2", "K-A:NO", "K-A:YES"}},
      {"liquidity floor per instrument",
       liquid_split,
       {"n1", "n2", "y1", "y2", "K-A:NO", "K-A:YES"}},
      {"include tag, case-insensitive", politics, {"n0", "n1", "n2", "y0", "y1", "y2"}},
      {"exclude tag", no_crypto, {"n0", "n1", "n2", "y0", "y1", "y2", "K-A:NO", "K-A:YES"}},
      {"exclude tag wins over include tag",
       include_and_exclude_tag,
       {"n0", "n1", "n2", "y0", "y1", "y2"}},
      {"include ids bypass liquidity, not tradability", forced, {"btc-n", "btc-y"}},
      {"exclude ids by market and event", excluded, {"btc-n", "btc-y", "n0", "n2", "y0", "y2"}},
      {"exclude wins over include", excluded_event, {"btc-n", "btc-y", "K-A:NO", "K-A:YES"}},
      {"floor is inclusive", high_floor, {}},
  };
  const Universe u = FilterFixture();
  for (const Case& c : cases) {
    EXPECT_EQ(Ids(ApplyFilter(u, c.filter)), c.want) << c.name;
  }
}

// A universe of many events, several markets each, over both venues.
Universe LargeUniverse() {
  Universe u;
  for (int e = 0; e < 60; ++e) {
    pm::GammaEvent ev;
    ev.id = absl::StrCat(1000 + e);
    ev.neg_risk = e % 2 == 0;
    if (ev.neg_risk) ev.neg_risk_market_id = absl::StrCat("0xnr", e);
    for (int m = 0; m < 1 + e % 4; ++m) {
      pm::GammaMarket mk = GammaBinary(absl::StrCat("0xc", e, "-", m), absl::StrCat("y", e, "-", m),
                                       absl::StrCat("n", e, "-", m));
      mk.neg_risk = ev.neg_risk;
      mk.neg_risk_market_id = ev.neg_risk_market_id;
      ev.markets.push_back(std::move(mk));
    }
    ARBOR_CHECK(u.AddGammaEvent(ev).ok(), "fixture");
    ARBOR_CHECK(
        u.AddKalshiMarket(KalshiMarket(absl::StrCat("K", e), absl::StrCat("KE", e / 3), "active"))
            .ok(),
        "fixture");
  }
  return u;
}

TEST(UniverseTest, EveryInstrumentOfAnEventIsOnOneShard) {
  const Universe u = LargeUniverse();
  for (uint32_t n : {2u, 3u, 5u}) {
    absl::flat_hash_map<std::string, uint32_t> shard_of_event;
    for (uint32_t k = 0; k < n; ++k) {
      const Universe part = ShardUniverse(u, ShardSelection{k, n});
      for (const auto& [key, inst] : part.instruments()) {
        auto [it, inserted] = shard_of_event.emplace(inst.event.value(), k);
        EXPECT_EQ(it->second, k) << "event " << inst.event << " split across shards, n=" << n;
      }
    }
  }
}

TEST(UniverseTest, ShardsPartitionTheUniverse) {
  const Universe u = LargeUniverse();
  ASSERT_GT(u.size(), 200u);
  for (uint32_t n : {1u, 2u, 4u, 7u}) {
    absl::flat_hash_set<std::string> seen;
    size_t total = 0;
    for (uint32_t k = 0; k < n; ++k) {
      const Universe part = ShardUniverse(u, ShardSelection{k, n});
      if (n > 1) {
        EXPECT_LT(part.size(), u.size()) << "n=" << n << " k=" << k;
      }
      for (const auto& [key, inst] : part.instruments()) {
        EXPECT_TRUE(seen.insert(absl::StrCat(ToAbsl(VenueName(key.venue)), ":", key.id)).second)
            << key.id << " on two shards, n=" << n;
        EXPECT_EQ(*u.Find(key.venue, key.id), inst);
        ++total;
      }
    }
    EXPECT_EQ(total, u.size()) << "n=" << n;
    EXPECT_EQ(seen.size(), u.size()) << "n=" << n;
  }
}

TEST(UniverseTest, DiffCases) {
  Universe before;
  ASSERT_TRUE(before.AddGammaMarket(GammaBinary("0xa", "a-y", "a-n")).ok());
  ASSERT_TRUE(before.AddGammaMarket(GammaBinary("0xb", "b-y", "b-n")).ok());
  ASSERT_TRUE(before.AddKalshiMarket(KalshiMarket("K1", "KE", "active")).ok());

  EXPECT_TRUE(Diff(before, before).empty());
  EXPECT_TRUE(Diff(Universe(), Universe()).empty());

  // Only informational fields change: no diff.
  Universe relabelled = before;
  pm::GammaMarket a_info = GammaBinary("0xa", "a-y", "a-n");
  a_info.liquidity = M("5");
  a_info.end_date = "2027-01-01T00:00:00Z";
  ASSERT_TRUE(relabelled.AddGammaMarket(a_info).ok());
  EXPECT_TRUE(Diff(before, relabelled).empty());

  Universe after;
  pm::GammaMarket a = GammaBinary("0xa", "a-y", "a-n");
  a.order_price_min_tick_size = P("0.001");
  ASSERT_TRUE(after.AddGammaMarket(a).ok());
  ASSERT_TRUE(after.AddGammaMarket(GammaBinary("0xc", "c-y", "c-n")).ok());
  ASSERT_TRUE(after.AddKalshiMarket(KalshiMarket("K1", "KE", "closed")).ok());

  const UniverseDiff d = Diff(before, after);
  std::vector<std::string> added, removed, changed;
  for (const Instrument& i : d.added) added.push_back(i.id.value());
  for (const Instrument& i : d.removed) removed.push_back(i.id.value());
  for (const InstrumentChange& c : d.changed) changed.push_back(c.after.id.value());
  EXPECT_THAT(added, ElementsAre("c-n", "c-y"));
  EXPECT_THAT(removed, ElementsAre("b-n", "b-y"));
  EXPECT_THAT(changed, ElementsAre("a-n", "a-y", "K1:NO", "K1:YES"));
  EXPECT_EQ(d.changed[0].changed, kTickSizeChanged);
  EXPECT_EQ(d.changed[0].before.tick_size, P("0.01"));
  EXPECT_EQ(d.changed[0].after.tick_size, P("0.001"));
  EXPECT_EQ(d.changed[2].changed, kActiveChanged | kClosedChanged);
  EXPECT_EQ(d.changed[3].changed, kActiveChanged | kClosedChanged);

  // A fee change (a new schedule, or the model becoming unknown) is a change.
  Universe fees_before;
  pm::GammaMarket f = GammaBinary("0xf", "f-y", "f-n");
  f.fees_enabled = true;
  f.fee_schedule = pm::FeeSchedule{.rate_micros = 30'000};
  ASSERT_TRUE(fees_before.AddGammaMarket(f).ok());
  Universe fees_after;
  f.fee_schedule->rate_micros = 72'000;
  ASSERT_TRUE(fees_after.AddGammaMarket(f).ok());
  const UniverseDiff fd = Diff(fees_before, fees_after);
  ASSERT_EQ(fd.changed.size(), 2u);
  EXPECT_EQ(fd.changed[0].changed, kFeesChanged);
  EXPECT_EQ(fd.changed[0].before.fee_schedule->rate_micros, 30'000);
  EXPECT_EQ(fd.changed[0].after.fee_schedule->rate_micros, 72'000);
  Universe fees_off;
  f.fees_enabled = false;
  ASSERT_TRUE(fees_off.AddGammaMarket(f).ok());
  EXPECT_EQ(Diff(fees_after, fees_off).changed.size(), 2u);
  EXPECT_TRUE(Diff(fees_after, fees_after).empty());

  // Reverse direction swaps added and removed.
  const UniverseDiff r = Diff(after, before);
  ASSERT_EQ(r.added.size(), 2u);
  EXPECT_EQ(r.added[0].id.value(), "b-n");
  ASSERT_EQ(r.removed.size(), 2u);
  EXPECT_EQ(r.removed[0].id.value(), "c-n");

  // Everything added from empty.
  EXPECT_EQ(Diff(Universe(), before).added.size(), before.size());
  EXPECT_EQ(Diff(before, Universe()).removed.size(), before.size());
}

TEST(UniverseTest, BuildsFromSharedGammaSamples) {
  absl::StatusOr<std::vector<pm::GammaEvent>> events =
      pm::ParseGammaEvents(ReadSample("nt_rs_gamma_event.json"));
  ASSERT_TRUE(events.ok()) << events.status();
  absl::StatusOr<pm::GammaMarket> market =
      pm::ParseGammaMarket(ReadSample("nt_rs_gamma_market.json"));
  ASSERT_TRUE(market.ok()) << market.status();

  Universe u;
  for (const pm::GammaEvent& e : *events) {
    ASSERT_TRUE(u.AddGammaEvent(e).ok());
  }
  // Event 30829 (Democratic nominee 2028) is NegRisk with two markets of two tokens each.
  const std::string nr = "0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700";
  const Instrument* found =
      u.Find(Venue::kPolymarket,
             "60590045489347122735554346200880179420435533609307820342798544098823516727807");
  ASSERT_NE(found, nullptr);
  // A copy: Find's pointer is invalidated by the AddGammaMarket below.
  const Instrument token_copy = *found;
  const Instrument* token = &token_copy;
  EXPECT_EQ(token->event.value(), nr);
  EXPECT_EQ(token->market, "0xc8f1cf5d4f26e0fd9c8fe89f2a7b3263b902cf14fde7bfccef525753bb492e47");
  EXPECT_EQ(token->outcome, "Yes");
  EXPECT_EQ(token->tick_size, P("0.001"));
  EXPECT_TRUE(token->neg_risk);
  EXPECT_EQ(token->liquidity, M("400500.66675"));
  EXPECT_TRUE(token->active);
  EXPECT_FALSE(token->closed);
  EXPECT_THAT(token->tags, ::testing::Contains("politics"));

  int in_event = 0;
  for (const auto& [key, inst] : u.instruments()) {
    if (inst.event.value() == nr) ++in_event;
  }
  EXPECT_EQ(in_event, 4);

  const size_t from_events = u.size();
  absl::StatusOr<int> added = u.AddGammaMarket(*market);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(static_cast<int>(market->clob_token_ids.size()), *added);
  EXPECT_GE(u.size(), from_events);
  for (const std::string& id : market->clob_token_ids) {
    const Instrument* inst = u.Find(Venue::kPolymarket, id);
    ASSERT_NE(inst, nullptr) << id;
    EXPECT_EQ(inst->market, market->condition_id);
  }

  // The NegRisk event lands on one shard for any count, and shards partition the sample.
  for (uint32_t n : {2u, 3u, 8u}) {
    size_t total = 0;
    int shards_with_event = 0;
    for (uint32_t k = 0; k < n; ++k) {
      const Universe part = ShardUniverse(u, ShardSelection{k, n});
      total += part.size();
      int here = 0;
      for (const auto& [key, inst] : part.instruments()) {
        if (inst.event.value() == nr) ++here;
      }
      EXPECT_TRUE(here == 0 || here == 4) << "n=" << n << " k=" << k;
      if (here == 4) ++shards_with_event;
    }
    EXPECT_EQ(total, u.size());
    EXPECT_EQ(shards_with_event, 1);
  }

  // The default filter keeps the active, open sample markets.
  const Universe tradable = ApplyFilter(u, UniverseFilter{});
  EXPECT_NE(tradable.Find(Venue::kPolymarket, token->id.view()), nullptr);
}

}  // namespace
}  // namespace arbor::feed
