#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "arbor/venue/polymarket/gamma.h"
#include "arbor/venue/polymarket/rest_parsers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }
Money M(std::string_view s) { return *Money::Parse(s); }

TEST(RestParsersTest, BookSummaryWithAllFields) {
  absl::StatusOr<BookSummary> book = ParseBookSummary(R"({"market":"0xm","asset_id":"7",
      "timestamp":"1703875200000","hash":"0xabc","bids":[{"price":"0.48","size":"100.00"}],
      "asks":[{"price":"0.51","size":"120"},{"price":"0.52","size":"180"}],
      "min_order_size":"5","tick_size":"0.001","neg_risk":true,"last_trade_price":""})");
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(book->timestamp_ms, 1703875200000);
  EXPECT_EQ(book->hash, "0xabc");
  ASSERT_EQ(book->bids.size(), 1u);
  EXPECT_EQ(book->bids[0].level.size, Q("100"));
  EXPECT_EQ(book->bids[0].size_text, "100.00");
  EXPECT_EQ(book->AskLevels().size(), 2u);
  EXPECT_EQ(book->min_order_size, Q("5"));
  EXPECT_EQ(book->tick_size, P("0.001"));
  EXPECT_EQ(book->neg_risk, true);
  ASSERT_TRUE(book->last_trade_price_text.has_value());
  EXPECT_EQ(book->last_trade_price_text->text, "");
  EXPECT_FALSE(book->last_trade_price.has_value());
}

TEST(RestParsersTest, BookSummaryErrors) {
  struct Case {
    std::string_view json;
    std::string_view message;
  };
  for (const Case& c : {
           Case{R"({"market":"m","asset_id":"a","timestamp":"1","bids":[]})",
                "missing field \"asks\""},
           Case{R"({"market":"m","asset_id":"a","timestamp":"1","bids":[{"price":"0.5"}],
                    "asks":[]})",
                "missing field \"bids[0].size\""},
           Case{R"({"market":"m","asset_id":"a","timestamp":"1","bids":[],"asks":[],
                    "tick_size":"0"})",
                "tick size 0 outside (0, 1]"},
           Case{R"([1])", "expected object, got array"},
       }) {
    absl::StatusOr<BookSummary> book = ParseBookSummary(c.json);
    ASSERT_FALSE(book.ok()) << c.json;
    EXPECT_THAT(std::string(book.status().message()), HasSubstr(c.message));
  }
  absl::StatusOr<std::vector<BookSummary>> books = ParseBookSummaries(
      R"([{"market":"m","asset_id":"a","timestamp":"1","bids":[],"asks":[]},
          {"market":"m","asset_id":"b","timestamp":"1","bids":[{"price":"x","size":"1"}],
           "asks":[]}])");
  ASSERT_FALSE(books.ok());
  EXPECT_THAT(std::string(books.status().message()), HasSubstr("field \"[1].bids[0].price\""));
}

TEST(RestParsersTest, ClobMarketNumbersAreExact) {
  absl::StatusOr<ClobMarket> market = ParseClobMarket(R"({"condition_id":"0xc",
      "minimum_tick_size":0.001,"minimum_order_size":5,"neg_risk":true,"active":true,
      "closed":false,"accepting_orders":true,"game_start_time":null,"tags":null,
      "tokens":[{"token_id":"1","outcome":"Yes","price":0.4865,"winner":false},
                {"token_id":"2","outcome":"No","price":1e-7,"winner":true}],
      "maker_base_fee":0,"rewards":{"rates":null,"min_size":200,"max_spread":1.5}})");
  ASSERT_TRUE(market.ok()) << market.status();
  EXPECT_EQ(market->minimum_tick_size, P("0.001"));
  EXPECT_EQ(market->minimum_order_size, Q("5"));
  EXPECT_TRUE(market->neg_risk);
  EXPECT_TRUE(market->game_start_time.empty());
  EXPECT_TRUE(market->tags.empty());
  ASSERT_EQ(market->tokens.size(), 2u);
  EXPECT_EQ(market->tokens[0].price, P("0.4865"));
  EXPECT_EQ(market->tokens[1].price, P("0"));  // informational price, rounded half-up
  EXPECT_TRUE(market->tokens[1].winner);
  EXPECT_EQ(market->maker_base_fee_bps, 0);

  absl::StatusOr<ClobMarket> bad =
      ParseClobMarket(R"({"condition_id":"0xc","minimum_tick_size":0.0000001,"tokens":[]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("minimum_tick_size"));
}

TEST(RestParsersTest, MarketsPageAndSmallResponses) {
  absl::StatusOr<ClobMarketsPage> page = ParseClobMarketsPage(
      R"({"data":[{"condition_id":"0xc","minimum_tick_size":0.01,"tokens":[]}],
          "next_cursor":"LTE=","limit":100,"count":1})");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->IsLastPage());
  EXPECT_EQ(page->count, 1);
  EXPECT_EQ(page->data[0].minimum_tick_size, P("0.01"));

  absl::StatusOr<ClobMarketsPage> bad_page =
      ParseClobMarketsPage(R"({"data":[{"condition_id":"0xc","tokens":[]}],"next_cursor":"MA=="})");
  ASSERT_FALSE(bad_page.ok());
  EXPECT_THAT(std::string(bad_page.status().message()),
              HasSubstr("missing field \"data[0].minimum_tick_size\""));

  EXPECT_EQ(*ParseTickSizeResponse(R"({"minimum_tick_size":0.01})"), P("0.01"));
  EXPECT_EQ(*ParseNegRiskResponse(R"({"neg_risk":true})"), true);
  EXPECT_EQ(*ParseFeeRateResponse(R"({"base_fee":"150"})"), 150);
  EXPECT_EQ(*ParseFeeRateResponse(R"({"base_fee":0})"), 0);
  EXPECT_FALSE(ParseFeeRateResponse(R"({"fee":1})").ok());
  EXPECT_FALSE(ParseTickSizeResponse(R"({"minimum_tick_size":"abc"})").ok());
}

TEST(GammaTest, MarketParsesEncodedListsTwice) {
  absl::StatusOr<GammaMarket> market = ParseGammaMarket(R"({"id":"1","conditionId":"0xc",
      "outcomes":"[\"Up\", \"Down\"]","outcomePrices":"[\"0.505\", \"0.4950000000001\"]",
      "clobTokenIds":"[\"111\", \"222\"]","liquidity":"20328.3747","liquidityNum":1,
      "volumeNum":9.999997,"orderPriceMinTickSize":0.01,"orderMinSize":5,"negRisk":false,
      "feeSchedule":{"exponent":1,"rate":0.03,"rebateRate":0.25,"takerOnly":true},
      "feesEnabled":true,"feeType":null,"events":[{"id":"260654","ticker":"t","slug":"s",
      "title":"T"}],"bestBid":0.5,"spread":0.009})");
  ASSERT_TRUE(market.ok()) << market.status();
  EXPECT_THAT(market->outcomes, ElementsAre("Up", "Down"));
  EXPECT_THAT(market->clob_token_ids, ElementsAre("111", "222"));
  EXPECT_THAT(market->outcome_prices, ElementsAre(P("0.505"), P("0.495")));
  EXPECT_EQ(market->liquidity, M("20328.3747"));  // the string wins over liquidityNum
  EXPECT_EQ(market->volume, M("9.999997"));       // volumeNum used when volume is absent
  EXPECT_EQ(market->order_price_min_tick_size, P("0.01"));
  EXPECT_EQ(market->order_min_size, Q("5"));
  ASSERT_TRUE(market->fee_schedule.has_value());
  EXPECT_EQ(market->fee_schedule->rate_micros, 30000);
  EXPECT_EQ(market->fee_schedule->rebate_rate_micros, 250000);
  EXPECT_EQ(market->fee_schedule->exponent, 1);
  EXPECT_TRUE(market->fee_schedule->taker_only);
  EXPECT_TRUE(market->fee_type.empty());
  ASSERT_EQ(market->events.size(), 1u);
  EXPECT_EQ(market->events[0].id, "260654");
  EXPECT_EQ(market->spread, P("0.009"));
}

TEST(GammaTest, PlainArraysAreAcceptedToo) {
  absl::StatusOr<GammaMarket> market =
      ParseGammaMarket(R"({"id":"1","clobTokenIds":["4","5"],"outcomePrices":["1",0]})");
  ASSERT_TRUE(market.ok()) << market.status();
  EXPECT_THAT(market->clob_token_ids, ElementsAre("4", "5"));
  EXPECT_THAT(market->outcome_prices, ElementsAre(P("1"), P("0")));
}

TEST(GammaTest, Errors) {
  struct Case {
    std::string_view json;
    std::string_view message;
  };
  for (const Case& c : {
           Case{R"({"id":"1","outcomes":"[\"Yes\", 3]"})",
                "field \"outcomes\" at byte 21: invalid JSON-encoded list: field \"outcomes[1]\""},
           Case{R"({"id":"1","outcomes":"not json"})", "invalid JSON-encoded list"},
           Case{R"({"id":"1","outcomePrices":"[\"1.5\"]"})", "price 1.5 outside [0, 1]"},
           Case{R"({"id":"1","orderPriceMinTickSize":0.0001234})", "orderPriceMinTickSize"},
           Case{R"({"id":"1","feeSchedule":{"exponent":1,"rate":0.0300001}})",
                "field \"feeSchedule.rate\""},
           Case{R"({"id":"1","feeSchedule":{"exponent":9,"rate":0.03}})",
                "exponent 9 outside [0, 7]"},
           Case{R"({"id":"1","feeSchedule":{"rate":0.03}})",
                "missing field \"feeSchedule.exponent\""},
           Case{R"({"question":"q"})", "missing field \"id\""},
           Case{R"({"id":"1","active":"yes"})", "expected boolean, got string"},
       }) {
    absl::StatusOr<GammaMarket> market = ParseGammaMarket(c.json);
    ASSERT_FALSE(market.ok()) << c.json;
    EXPECT_THAT(std::string(market.status().message()), HasSubstr(c.message)) << c.json;
  }
}

TEST(GammaTest, EventWithNestedMarketsAndTags) {
  absl::StatusOr<std::vector<GammaEvent>> events = ParseGammaEvents(R"([{"id":"30829",
      "ticker":"t","title":"T","negRisk":true,"enableNegRisk":true,"negRiskMarketID":"0xnr",
      "liquidity":43042905.16152,"markets":[{"conditionId":"0xa","question":"q"},
      {"id":"2","negRisk":true,"negRiskMarketID":"0xnr","clobTokenIds":"[\"9\"]"}],
      "tags":[{"id":"1597","label":"Global Elections","slug":"global-elections"}]}])");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const GammaEvent& e = (*events)[0];
  EXPECT_TRUE(e.neg_risk);
  EXPECT_TRUE(e.enable_neg_risk);
  EXPECT_EQ(e.neg_risk_market_id, "0xnr");
  EXPECT_EQ(e.liquidity, M("43042905.16152"));
  ASSERT_EQ(e.markets.size(), 2u);
  EXPECT_EQ(e.markets[0].condition_id, "0xa");
  EXPECT_THAT(e.markets[1].clob_token_ids, ElementsAre("9"));
  ASSERT_EQ(e.tags.size(), 1u);
  EXPECT_EQ(e.tags[0].label, "Global Elections");

  absl::StatusOr<std::vector<GammaEvent>> bad =
      ParseGammaEvents(R"([{"id":"1","markets":[{"id":"2","orderMinSize":-1}]}])");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("[0].markets[0].orderMinSize"));
}

}  // namespace
}  // namespace arbor::venue::polymarket
