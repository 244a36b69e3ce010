// arborctl scan: fixtures in tests/data/arborctl/scan_*.json run through RunScan (the library
// function) with exact legs / sizes / fees / profit; the Kalshi YES/NO presentation; flags;
// bad input -> exit 2 with a message naming the JSON path; determinism; the real binary.
#include "scan_command.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "arbor/lanes/venue_mapping.h"
#include "arbor/v1/opportunity.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "scan_input.h"
#include "simdjson.h"

namespace arbor::arborctl {
namespace {

namespace v1 = ::arbor::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kNow = 1'767'225'600'000'000'000;  // now_unix_nanos of every fixture

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DataPath(const std::string& name) {
  return std::string(ARBOR_TEST_DATA_DIR) + "/arborctl/" + name;
}

// The JSON output read back: opportunities as protos, counters as "lane.key" -> value with drops
// as "lane.drops.<reason>".
struct Parsed {
  std::vector<v1::Opportunity> opportunities;
  std::map<std::string, uint64_t> counters;
  std::map<std::string, uint64_t> catalog;
};

Parsed ParseOutput(const std::string& text) {
  Parsed p;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(text).get(root), simdjson::SUCCESS) << text;
  simdjson::dom::array opportunities;
  EXPECT_EQ(root["opportunities"].get_array().get(opportunities), simdjson::SUCCESS);
  for (simdjson::dom::element o : opportunities) {
    v1::Opportunity message;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(simdjson::to_string(o), &message).ok());
    p.opportunities.push_back(message);
  }
  simdjson::dom::object counters;
  EXPECT_EQ(root["counters"].get_object().get(counters), simdjson::SUCCESS);
  for (simdjson::dom::key_value_pair lane : counters) {
    for (simdjson::dom::key_value_pair c : lane.value.get_object()) {
      const std::string key = std::string(lane.key) + "." + std::string(c.key);
      if (c.key == "drops") {
        for (simdjson::dom::key_value_pair d : c.value.get_object()) {
          p.counters[key + "." + std::string(d.key)] = d.value.get_uint64().value();
        }
      } else {
        p.counters[key] = c.value.get_uint64().value();
      }
    }
  }
  simdjson::dom::object catalog;
  EXPECT_EQ(root["catalog"].get_object().get(catalog), simdjson::SUCCESS);
  for (simdjson::dom::key_value_pair c : catalog) {
    p.catalog[std::string(c.key)] = c.value.get_uint64().value();
  }
  return p;
}

Parsed Scan(const std::string& fixture, const ScanOptions& options = {}) {
  absl::StatusOr<ScanRun> run = RunScan(ReadFile(DataPath(fixture)), options);
  EXPECT_TRUE(run.ok()) << run.status();
  if (!run.ok()) return {};
  return ParseOutput(run->output);
}

void ExpectOrderLeg(const v1::OpportunityLeg& leg, const std::string& symbol, v1::Side side,
                    int64_t limit_micros, int64_t size_micros) {
  EXPECT_EQ(leg.action(), v1::LEG_ACTION_ORDER);
  EXPECT_EQ(leg.instrument_id().venue(), v1::VENUE_POLYMARKET);
  EXPECT_EQ(leg.instrument_id().symbol(), symbol);
  EXPECT_EQ(leg.side(), side);
  EXPECT_EQ(leg.limit_price_micros(), limit_micros) << symbol;
  EXPECT_EQ(leg.size_micros(), size_micros) << symbol;
}

TEST(ScanCommandTest, MispricedBinaryMarketIsReferenceCaseOneWithFees) {
  const Parsed p = Scan("scan_binary.json");
  ASSERT_EQ(p.opportunities.size(), 1u);
  const v1::Opportunity& o = p.opportunities[0];
  EXPECT_EQ(o.lane(), v1::LANE_BINARY);
  EXPECT_TRUE(o.guaranteed());
  // YES .62 + NO .33 for 100 sets (the next YES level .63 + next NO level .40 is over 1).
  ASSERT_EQ(o.legs_size(), 2);
  ExpectOrderLeg(o.legs(0), "1001", v1::SIDE_BUY, 620'000, 100'000'000);
  ExpectOrderLeg(o.legs(1), "1002", v1::SIDE_BUY, 330'000, 100'000'000);
  EXPECT_EQ(o.size_sets_micros(), 100'000'000);
  // Fees 0.04 * 100 * (.62 * .38 + .33 * .67) = 0.9424 + 0.8844 = 1.8268 (REFERENCE_CASES.md §4).
  EXPECT_EQ(o.legs(0).fee_micros(), 942'400);
  EXPECT_EQ(o.legs(1).fee_micros(), 884'400);
  EXPECT_EQ(o.total_fees_micros(), 1'826'800);
  // 100 * (1 - .95) - 1.8268 = 3.1732, i.e. 0.031732 per set.
  EXPECT_EQ(o.guaranteed_profit_micros(), 3'173'200);
  EXPECT_EQ(o.edge_per_set_micros(), 31'732);
  EXPECT_EQ(o.worst_case_payoff_micros(), 100'000'000);
  EXPECT_EQ(o.market_ids(0), "0xb1");
  EXPECT_EQ(o.scanner_id(), "arborctl");
  // The simulated clock: created at the input's now, expires after the lanes' 10 s TTL.
  EXPECT_EQ(o.created_unix_nanos(), kNow);
  EXPECT_EQ(o.expires_unix_nanos(), kNow + 10'000'000'000);
  EXPECT_EQ(o.opportunity_id().size(), 32u);

  EXPECT_EQ(p.counters.at("binary.units_evaluated"), 1u);
  EXPECT_EQ(p.counters.at("binary.emitted"), 1u);
  EXPECT_EQ(p.counters.at("negrisk.units_evaluated"), 0u);
  EXPECT_EQ(p.catalog.at("markets"), 1u);
  EXPECT_EQ(p.catalog.at("books"), 2u);
  EXPECT_EQ(p.catalog.at("books_without_market"), 0u);
}

TEST(ScanCommandTest, GatesFromOptionsReachTheLanes) {
  // Edge 0.031732 per set is below a 0.04 minimum...
  Parsed p = Scan("scan_binary.json", ScanOptions{.min_edge = Price::FromMicros(40'000)});
  EXPECT_THAT(p.opportunities, IsEmpty());
  EXPECT_EQ(p.counters.at("binary.drops.below_min_edge"), 1u);
  // ...profit 3.1732 below a 5 USD minimum...
  p = Scan("scan_binary.json", ScanOptions{.min_profit = Money::FromUnits(5)});
  EXPECT_THAT(p.opportunities, IsEmpty());
  EXPECT_EQ(p.counters.at("binary.drops.below_min_profit"), 1u);
  // ...and above a 0.03 "implausible" ceiling.
  p = Scan("scan_binary.json", ScanOptions{.max_edge = Price::FromMicros(30'000)});
  EXPECT_THAT(p.opportunities, IsEmpty());
  EXPECT_EQ(p.counters.at("binary.drops.implausible_edge"), 1u);
  // Only the NegRisk lane: no binary counters at all.
  p = Scan("scan_binary.json", ScanOptions{.binary = false});
  EXPECT_THAT(p.opportunities, IsEmpty());
  EXPECT_EQ(p.counters.count("binary.units_evaluated"), 0u);
  EXPECT_EQ(p.counters.at("negrisk.units_evaluated"), 0u);
}

TEST(ScanCommandTest, NegRiskEventIsReferenceCaseTwo) {
  const Parsed p = Scan("scan_negrisk.json");
  ASSERT_EQ(p.opportunities.size(), 1u);
  const v1::Opportunity& o = p.opportunities[0];
  EXPECT_EQ(o.lane(), v1::LANE_NEGRISK);
  ASSERT_EQ(o.legs_size(), 4);
  ExpectOrderLeg(o.legs(0), "3001", v1::SIDE_BUY, 300'000, 100'000'000);
  ExpectOrderLeg(o.legs(1), "3011", v1::SIDE_BUY, 250'000, 100'000'000);
  ExpectOrderLeg(o.legs(2), "3021", v1::SIDE_BUY, 200'000, 100'000'000);
  ExpectOrderLeg(o.legs(3), "3031", v1::SIDE_BUY, 150'000, 100'000'000);
  // Buy all four YES for 0.90, one pays 1: 0.10 per set, 100 sets, no fees.
  EXPECT_EQ(o.total_cost_micros(), 90'000'000);
  EXPECT_EQ(o.total_fees_micros(), 0);
  EXPECT_EQ(o.guaranteed_profit_micros(), 10'000'000);
  EXPECT_EQ(o.edge_per_set_micros(), 100'000);
  ASSERT_EQ(o.event_ids_size(), 1);
  EXPECT_EQ(o.event_ids(0), "ev-nr");
  // Every member is binary-fair (YES + NO asks 1.03, bids 0.97).
  EXPECT_EQ(p.counters.at("binary.units_evaluated"), 4u);
  EXPECT_EQ(p.counters.at("binary.emitted"), 0u);
  EXPECT_EQ(p.counters.at("negrisk.units_evaluated"), 1u);
  EXPECT_EQ(p.counters.at("negrisk.emitted"), 1u);
  EXPECT_EQ(p.catalog.at("events"), 1u);
}

TEST(ScanCommandTest, FairMarketIsQuotedAndNotDropped) {
  const Parsed p = Scan("scan_fair.json");
  EXPECT_THAT(p.opportunities, IsEmpty());
  EXPECT_EQ(p.counters.at("binary.units_evaluated"), 1u);
  EXPECT_EQ(p.counters.at("binary.bundles_quoted"), 2u);  // BUY_ALL and SPLIT_SELL
  EXPECT_EQ(p.counters.at("binary.emitted"), 0u);
  // No gross edge at the top of either side, so nothing is counted as a drop.
  for (const auto& [key, value] : p.counters) {
    EXPECT_EQ(key.find(".drops."), std::string::npos) << key << " = " << value;
  }
}

TEST(ScanCommandTest, KalshiTickerBecomesYesAndNoInstruments) {
  // One Kalshi book can never show a binary arbitrage (YES ask + NO ask = 1 + spread), so the
  // check is that both instruments were found (no missing_book) and quoted, and that a book in
  // seq_gap is not live.
  const Parsed p = Scan("scan_kalshi.json");
  EXPECT_THAT(p.opportunities, IsEmpty());
  EXPECT_EQ(p.counters.at("binary.units_evaluated"), 2u);
  EXPECT_EQ(p.counters.at("binary.bundles_quoted"), 2u);
  EXPECT_EQ(p.counters.at("binary.drops.not_live"), 1u);
  EXPECT_EQ(p.counters.count("binary.drops.missing_book"), 0u);
  EXPECT_EQ(p.catalog.at("books"), 4u);  // 2 tickers -> 4 instruments
  EXPECT_EQ(p.catalog.at("books_without_market"), 0u);

  absl::StatusOr<ScanInput> input = ParseScanInput(ReadFile(DataPath("scan_kalshi.json")));
  ASSERT_TRUE(input.ok()) << input.status();
  StaticBookReader reader(input->books);
  auto key = [](const std::string& symbol) {
    return lanes::InstrumentKey{Venue::kKalshi, InstrumentId(symbol)};
  };
  const std::optional<lanes::LaneBook> yes = reader.Read(key("KXRAIN-26JAN01:YES"), {});
  const std::optional<lanes::LaneBook> no = reader.Read(key("KXRAIN-26JAN01:NO"), {});
  ASSERT_TRUE(yes.has_value() && no.has_value());
  // YES as printed: bid 100 @ 0.40, ask 80 @ 0.42.
  ASSERT_EQ(yes->bids.size(), 1u);
  EXPECT_EQ(yes->bids[0], (book::Level{Price::FromMicros(400'000), Quantity::FromUnits(100)}));
  EXPECT_EQ(yes->asks[0], (book::Level{Price::FromMicros(420'000), Quantity::FromUnits(80)}));
  // NO: bid 80 @ 1 - 0.42, ask 100 @ 1 - 0.40.
  ASSERT_EQ(no->bids.size(), 1u);
  ASSERT_EQ(no->asks.size(), 1u);
  EXPECT_EQ(no->bids[0], (book::Level{Price::FromMicros(580'000), Quantity::FromUnits(80)}));
  EXPECT_EQ(no->asks[0], (book::Level{Price::FromMicros(600'000), Quantity::FromUnits(100)}));
  EXPECT_EQ(no->status, lanes::BookStatus::kLive);
  EXPECT_TRUE(no->fresh);
  EXPECT_EQ(no->sequence, 0u);
  // seq_gap: both instruments not live; the ticker itself is not an instrument.
  EXPECT_EQ(reader.Read(key("KXSNOW-26JAN01:NO"), {})->status, lanes::BookStatus::kQuarantined);
  EXPECT_FALSE(reader.Read(key("KXRAIN-26JAN01"), {}).has_value());
}

TEST(ScanCommandTest, CrossVenuePairBuysPolymarketYesAndKalshiNo) {
  absl::StatusOr<lanes::VenueMapping> mapping =
      lanes::ReadVenueMappingFile(DataPath("scan_cross_venue_mapping.json"));
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  const Parsed p =
      Scan("scan_cross_venue.json", ScanOptions{.cross_venue = true, .mapping = *mapping});
  ASSERT_EQ(p.opportunities.size(), 1u);
  const v1::Opportunity& o = p.opportunities[0];
  EXPECT_EQ(o.lane(), v1::LANE_CROSS_VENUE);
  EXPECT_EQ(o.mapping_id(), "px-jan02");
  ASSERT_EQ(o.legs_size(), 2);
  ExpectOrderLeg(o.legs(0), "5001", v1::SIDE_BUY, 500'000, 100'000'000);
  // Kalshi NO ask 0.45 = 1 - the ticker's YES bid 0.55 (the ticker's book as replayed).
  EXPECT_EQ(o.legs(1).instrument_id().venue(), v1::VENUE_KALSHI);
  EXPECT_EQ(o.legs(1).instrument_id().symbol(), "KXPX-26JAN02:NO");
  EXPECT_EQ(o.legs(1).side(), v1::SIDE_BUY);
  EXPECT_EQ(o.legs(1).limit_price_micros(), 450'000);
  EXPECT_EQ(o.legs(1).size_micros(), 100'000'000);
  // Kalshi taker fee ceil(0.07 * 100 * 0.45 * 0.55 = 1.7325) to the cent = 1.74.
  EXPECT_EQ(o.total_fees_micros(), 1'740'000);
  EXPECT_EQ(o.guaranteed_profit_micros(), 3'260'000);  // 100 * (1 - 0.95) - 1.74
  EXPECT_EQ(p.counters.at("cross_venue.units_evaluated"), 1u);
  EXPECT_EQ(p.counters.at("binary.emitted"), 0u);

  // Without a mapping the lane cannot run.
  absl::StatusOr<ScanRun> run =
      RunScan(ReadFile(DataPath("scan_cross_venue.json")), ScanOptions{.cross_venue = true});
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ScanInputTest, ComplementKeepsBestFirstOrderAndStaleState) {
  absl::StatusOr<ScanInput> input = ParseScanInput(
      R"({"books":{"kalshi":{"T":{"bids":[["0.4","1"],["0.3","2"]],"asks":[["0.5","3"],)"
      R"(["0.6","4"]],"state":"stale"}}}})");
  ASSERT_TRUE(input.ok()) << input.status();
  const ScanBook& no = *input->books.at(lanes::InstrumentKey{Venue::kKalshi, InstrumentId("T:NO")});
  ASSERT_EQ(no.bids.size(), 2u);
  EXPECT_EQ(no.bids[0].price, Price::FromMicros(500'000));  // 1 - best YES ask 0.5
  EXPECT_EQ(no.bids[1].price, Price::FromMicros(400'000));
  EXPECT_EQ(no.bids[1].size, Quantity::FromUnits(4));
  EXPECT_EQ(no.asks[0].price, Price::FromMicros(600'000));  // 1 - best YES bid 0.4
  EXPECT_EQ(no.asks[1].price, Price::FromMicros(700'000));
  EXPECT_EQ(no.status, lanes::BookStatus::kStale);
  EXPECT_EQ(no.state, "stale");
}

TEST(ScanCommandTest, SameFileGivesByteIdenticalOutput) {
  const std::string text = ReadFile(DataPath("scan_negrisk.json"));
  // The default time differs between the runs; the input's now_unix_nanos wins.
  absl::StatusOr<ScanRun> a = RunScan(text, ScanOptions{.default_now_unix_nanos = 1});
  absl::StatusOr<ScanRun> b = RunScan(text, ScanOptions{.default_now_unix_nanos = 2});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->output, b->output);
  EXPECT_THAT(a->output, HasSubstr("\"guaranteed_profit_micros\":\"10000000\""));
  ASSERT_FALSE(a->output.empty());
  EXPECT_EQ(a->output.back(), '\n');
}

TEST(ScanCommandTest, TimeComesFromTheCommandWhenTheInputHasNone) {
  std::string text = ReadFile(DataPath("scan_binary.json"));
  const std::string now_line = "\"now_unix_nanos\": 1767225600000000000,";
  ASSERT_NE(text.find(now_line), std::string::npos);
  text.erase(text.find(now_line), now_line.size());
  absl::StatusOr<ScanRun> none = RunScan(text, ScanOptions{});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);

  std::istringstream in(text);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunScanCommand({}, in, out, err, 42'000'000'000), kScanExitOk) << err.str();
  const Parsed p = ParseOutput(out.str());
  ASSERT_EQ(p.opportunities.size(), 1u);
  EXPECT_EQ(p.opportunities[0].created_unix_nanos(), 42'000'000'000);
}

TEST(ScanCommandTest, WarnsAboutUnknownFeesAndBooksWithoutMarket) {
  const std::string text = R"({"now_unix_nanos":"5",
    "books":{"polymarket":{"9999":{"bids":[],"asks":[]}},
             "kalshi":{"KX":{"bids":[["0.4","1"]],"asks":[["0.6","1"]]}}},
    "markets":[{"market_id":"KX","venue":"VENUE_KALSHI","status":"MARKET_STATUS_OPEN",
      "accepting_orders":true,"tick_size_micros":"10000",
      "instruments":[{"instrument_id":{"venue":"VENUE_KALSHI","symbol":"KX:YES"}},
                     {"instrument_id":{"venue":"VENUE_KALSHI","symbol":"KX:NO"},"outcome_index":1}],
      "fee_schedule":{"fees_enabled":true,"kalshi":{"fee_type":"KALSHI_FEE_TYPE_FLAT"}}}]})";
  absl::StatusOr<ScanRun> run = RunScan(text, {});
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->warnings.size(), 2u);
  EXPECT_THAT(run->warnings[0], HasSubstr("market KX: fee model unknown (Kalshi fee type 3"));
  EXPECT_EQ(run->warnings[1], "1 books match no catalog instrument: polymarket:9999");
  const Parsed p = ParseOutput(run->output);
  EXPECT_EQ(p.counters.at("binary.drops.unknown_fee_model"), 1u);
  EXPECT_EQ(p.catalog.at("unknown_fees"), 1u);
  EXPECT_EQ(p.catalog.at("books_without_market"), 1u);
}

TEST(ScanCommandTest, TableOutput) {
  absl::StatusOr<ScanRun> run =
      RunScan(ReadFile(DataPath("scan_binary.json")), ScanOptions{.output = ScanOutput::kTable});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(run->output,
              HasSubstr("BUY polymarket:1001 100 @0.62 | BUY polymarket:1002 100 @0.33"));
  EXPECT_THAT(run->output, HasSubstr("3.1732"));
  EXPECT_THAT(run->output, HasSubstr("1 opportunities\n"));
  EXPECT_THAT(run->output, HasSubstr("binary: 1 units, 2 bundles quoted, 1 emitted\n"));
}

struct BadInput {
  const char* name;
  std::string input;
  std::string message;  // expected substring of stderr
};

TEST(ScanCommandTest, BadInputExitsTwoNamingTheProblem) {
  const std::string pm = R"({"books":{"polymarket":{"1":)";
  const std::string market = R"({"market_id":"x","venue":"VENUE_POLYMARKET")";
  const std::vector<BadInput> cases = {
      {"malformed", "{", "input: malformed JSON"},
      {"not an object", "[]", "input: expected an object, got an array"},
      {"unknown top key", R"({"bookz":{}})", "bookz: unknown key"},
      {"duplicate key", R"({"events":[],"events":[]})", R"(["events"]: key given twice)"},
      {"unknown venue", R"({"books":{"binance":{}}})", "books.binance: unknown venue"},
      {"size not a string", pm + R"({"bids":[["0.5",5]],"asks":[]}}}})",
       R"(books.polymarket["1"].bids[0][1]: expected a decimal string (size), got an integer)"},
      {"not a pair", pm + R"({"bids":[["0.5"]],"asks":[]}}}})",
       R"(books.polymarket["1"].bids[0]: expected [price, size], got 1 values)"},
      {"inexact price", pm + R"({"bids":[["0.5000001","1"]],"asks":[]}}}})",
       R"(books.polymarket["1"].bids[0][0]: )"},
      {"price out of range", pm + R"({"bids":[],"asks":[["1.2","1"]]}}}})",
       "asks[0][0]: price 1.2 outside (0, 1)"},
      {"zero size", pm + R"({"bids":[],"asks":[["0.2","0"]]}}}})",
       "asks[0][1]: size 0 is not positive"},
      {"bids not best first", pm + R"({"bids":[["0.4","1"],["0.5","1"]],"asks":[]}}}})",
       "bids[1][0]: price 0.5 after 0.4: bids must be strictly highest first"},
      {"missing asks", pm + R"({"bids":[]}}}})", R"(books.polymarket["1"]: missing "asks")"},
      {"unknown book key", pm + R"({"bids":[],"asks":[],"depth":3}}}})",
       R"(books.polymarket["1"].depth: unknown key)"},
      {"state not a string", pm + R"({"bids":[],"asks":[],"state":1}}}})",
       R"(books.polymarket["1"].state: expected a string)"},
      {"kalshi instrument key", R"({"books":{"kalshi":{"T:YES":{"bids":[],"asks":[]}}}})",
       R"(books.kalshi["T:YES"]: Kalshi books are keyed by market ticker)"},
      {"markets not an array", R"({"markets":{}})", "markets: expected an array, got an object"},
      {"unknown market field", R"({"markets":[)" + market + R"(,"colour":"red"}]})",
       "markets[0]: "},
      {"bad enum", R"({"markets":[{"market_id":"x","venue":"VENUE_MOON"}]})", "markets[0]: "},
      {"duplicate market", R"({"markets":[)" + market + "}," + market + "}]}",
       R"(markets[1] (market_id "x"): market_id given twice (also markets[0]))"},
      {"outcome index",
       R"({"markets":[)" + market +
           R"(,"instruments":[{"instrument_id":{"venue":"VENUE_POLYMARKET",)"
           R"("symbol":"1"},"outcome_index":1}]}]})",
       R"(markets[0] (market_id "x"): )"},
      {"empty event id", R"({"events":[{"venue":"VENUE_POLYMARKET"}]})",
       R"(events[0] (event_id ""): empty event_id)"},
      {"negative now", R"({"now_unix_nanos":-5})", "now_unix_nanos: must be positive"},
      {"now not a number", R"({"now_unix_nanos":"soon"})", "now_unix_nanos: not a decimal"},
      {"now a double", R"({"now_unix_nanos":1.5})", "now_unix_nanos: expected an integer"},
  };
  for (const BadInput& c : cases) {
    std::istringstream in(c.input);
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(RunScanCommand({"-"}, in, out, err, kNow), kScanExitBadInput) << c.name;
    EXPECT_THAT(err.str(), HasSubstr(c.message)) << c.name;
    EXPECT_THAT(out.str(), IsEmpty()) << c.name;
  }
}

TEST(ScanCommandTest, BadFlagsExitTwo) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--output", "xml"}, "--output: expected json or table, got 'xml'"},
      {{"--lanes", "binary,cross"}, "--lanes: unknown lane 'cross' (the engine runs: "},
      {{"--lanes="}, "--lanes: unknown lane ''"},
      {{"--min-edge", "abc"}, "--min-edge: 'abc': "},
      {{"--min-profit=-1"}, "--min-profit: '-1' must be >= 0"},
      {{"--max-edge", "0"}, "--max-edge: '0' must be > 0"},
      {{"--min-edge"}, "--min-edge needs a value"},
      {{"--frobnicate"}, "unknown flag '--frobnicate'"},
      {{"a.json", "b.json"}, "more than one input file"},
      {{"--books", "/nonexistent/scan.json"}, "cannot open '/nonexistent/scan.json'"},
      {{"--lanes", "cross_venue"}, "--lanes cross_venue needs --mapping FILE"},
      {{"--mapping", "/nonexistent/mapping.json"}, "--mapping: "},
  };
  for (const auto& [args, message] : cases) {
    std::istringstream in("{}");
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(RunScanCommand(args, in, out, err, kNow), kScanExitBadInput) << message;
    EXPECT_THAT(err.str(), HasSubstr(message));
  }
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunScanCommand({"--help"}, in, out, err, kNow), kScanExitOk);
  EXPECT_THAT(out.str(), HasSubstr("usage: arborctl scan"));
}

std::string RunCommand(const std::string& cmd, int* exit_code) {
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(ScanCommandBinaryTest, MappingFlagEnablesTheCrossVenueLane) {
  int code = -1;
  const std::string out =
      RunCommand(std::string(ARBORCTL_BINARY) + " scan --output table --mapping " +
                     DataPath("scan_cross_venue_mapping.json") + " " +
                     DataPath("scan_cross_venue.json") + " 2>&1",
                 &code);
  EXPECT_EQ(code, kScanExitOk);
  EXPECT_THAT(out,
              HasSubstr("BUY polymarket:5001 100 @0.5 | BUY kalshi:KXPX-26JAN02:NO 100 @0.45"));
  EXPECT_THAT(out, HasSubstr("cross_venue: 1 units, 2 bundles quoted, 1 emitted\n"));
}

TEST(ScanCommandBinaryTest, FileStdinAndLibraryAgree) {
  const std::string path = DataPath("scan_negrisk.json");
  absl::StatusOr<ScanRun> expected = RunScan(ReadFile(path), {});
  ASSERT_TRUE(expected.ok());
  int code = -1;
  const std::string from_file =
      RunCommand(std::string(ARBORCTL_BINARY) + " scan --books " + path + " 2>/dev/null", &code);
  EXPECT_EQ(code, kScanExitOk);
  EXPECT_EQ(from_file, expected->output);
  const std::string from_stdin =
      RunCommand(std::string(ARBORCTL_BINARY) + " scan < " + path + " 2>/dev/null", &code);
  EXPECT_EQ(code, kScanExitOk);
  EXPECT_EQ(from_stdin, from_file);
  const std::string err = RunCommand(
      "echo '{\"x\":1}' | " + std::string(ARBORCTL_BINARY) + " scan --books - 2>&1", &code);
  EXPECT_EQ(code, kScanExitBadInput);
  EXPECT_THAT(err, HasSubstr("arborctl scan: x: unknown key"));
}

}  // namespace
}  // namespace arbor::arborctl
