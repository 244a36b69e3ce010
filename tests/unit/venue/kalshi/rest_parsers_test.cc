#include "arbor/venue/kalshi/rest_parsers.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "arbor/venue/kalshi/rest_client.h"
#include "arbor/venue/kalshi/rest_orderbook.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::kalshi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }
Money M(std::string_view s) { return *Money::Parse(s); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Fixture(std::string_view name) {
  return ReadFile(std::string(ARBOR_TEST_DATA_DIR) + "/kalshi/rest/" + std::string(name));
}

TEST(RestParsersTest, MarketsPageWithFixedPointFieldsAndSubPennyRanges) {
  absl::StatusOr<RestPage<RestMarket>> page = ParseMarketsPage(Fixture("markets_page_fp.json"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->cursor, "CgsIu5LgyAYQ-LeZVRI");
  ASSERT_EQ(page->items.size(), 2u);
  const RestMarket& m = page->items[0];
  EXPECT_EQ(m.ticker, "KXBTC-26DEC31-T100000");
  EXPECT_EQ(m.event_ticker, "KXBTC-26DEC31");
  EXPECT_EQ(m.status, "active");
  EXPECT_EQ(m.yes_bid, P("0.42"));
  EXPECT_EQ(m.yes_ask, P("0.44"));
  EXPECT_EQ(m.no_bid, P("0.56"));
  EXPECT_EQ(m.no_ask, P("0.58"));
  EXPECT_EQ(m.last_price, P("0.43"));
  EXPECT_EQ(m.yes_bid_size, Q("150"));
  EXPECT_EQ(m.yes_ask_size, Q("75.5"));
  EXPECT_EQ(m.volume, Q("12000"));
  EXPECT_EQ(m.open_interest, Q("5400"));
  EXPECT_EQ(m.liquidity, M("2500.1234"));
  EXPECT_EQ(m.price_level_structure, "tapered_deci_cent");
  EXPECT_THAT(m.price_ranges, ElementsAre(PriceRange{P("0"), P("0.1"), P("0.001")},
                                          PriceRange{P("0.1"), P("0.9"), P("0.01")},
                                          PriceRange{P("0.9"), P("1"), P("0.001")}));
  // Sub-penny prices are exact.
  EXPECT_EQ(page->items[1].yes_bid, P("0.095"));
  EXPECT_EQ(page->items[1].no_ask, P("0.905"));
}

TEST(RestParsersTest, LegacyCentFieldsAreTheFallback) {
  absl::StatusOr<RestMarket> m = ParseMarketReply(Fixture("market_legacy_cents.json"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->yes_bid, P("0.42"));
  EXPECT_EQ(m->no_ask, P("0.58"));
  EXPECT_EQ(m->volume, Q("12000"));
  EXPECT_EQ(m->liquidity, M("2500.12"));
  EXPECT_EQ(m->status, "open");

  absl::StatusOr<RestOrder> o = ParseOrderReply(Fixture("order_legacy_cents.json"));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->side, Side::kYes);
  EXPECT_EQ(o->action, Action::kSell);
  EXPECT_EQ(o->status, "executed");
  EXPECT_EQ(o->yes_price, P("0.61"));
  EXPECT_EQ(o->fill_count, Q("7"));
  EXPECT_EQ(o->taker_fees, M("0.12"));
  EXPECT_EQ(o->taker_fill_cost, M("4.27"));

  absl::StatusOr<RestBalance> b = ParseBalance(Fixture("balance_legacy_cents.json"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->balance, M("1234.56"));
  EXPECT_EQ(b->portfolio_value, M("500"));
}

TEST(RestParsersTest, FixedPointWinsOverLegacyWhenBothArePresent) {
  absl::StatusOr<RestOrder> o = ParseOrderReply(Fixture("order_fp.json"));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->order_id, "ee6f0a1c-9e5b-4c3e-8e38-2d1c2d6a0b11");
  EXPECT_EQ(o->client_order_id, "arb-000042");
  EXPECT_EQ(o->side, Side::kNo);
  EXPECT_EQ(o->action, Action::kBuy);
  EXPECT_EQ(o->status, "resting");
  EXPECT_EQ(o->no_price, P("0.58"));
  EXPECT_EQ(o->initial_count, Q("25"));
  EXPECT_EQ(o->fill_count, Q("10.5"));
  EXPECT_EQ(o->remaining_count, Q("14.5"));
  EXPECT_EQ(o->taker_fees, M("0.18"));
  EXPECT_EQ(o->taker_fill_cost, M("6.09"));

  absl::StatusOr<RestBalance> b = ParseBalance(Fixture("balance.json"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->balance, M("1234.5678"));  // balance_dollars, not the cent integer

  absl::StatusOr<RestPage<RestPosition>> pos = ParsePositionsPage(Fixture("positions_page.json"));
  ASSERT_TRUE(pos.ok()) << pos.status();
  EXPECT_EQ(pos->cursor, "next-page");
  ASSERT_EQ(pos->items.size(), 2u);
  EXPECT_EQ(pos->items[0].position, Q("-10.5"));
  EXPECT_EQ(pos->items[0].fees_paid, M("0.18"));
  EXPECT_EQ(pos->items[0].resting_orders_count, 1);
  EXPECT_EQ(pos->items[1].position, Q("3"));
  EXPECT_EQ(pos->items[1].fees_paid, M("0.12"));
}

TEST(RestParsersTest, FillsCurrentAndLegacy) {
  absl::StatusOr<RestPage<RestFill>> fills = ParseFillsPage(Fixture("fills_page.json"));
  ASSERT_TRUE(fills.ok()) << fills.status();
  EXPECT_TRUE(fills->cursor.empty());
  ASSERT_EQ(fills->items.size(), 2u);
  const RestFill& f = fills->items[0];
  EXPECT_EQ(f.trade_id, "t-900");
  EXPECT_EQ(f.side, Side::kNo);
  EXPECT_EQ(f.count, Q("10.5"));
  EXPECT_EQ(f.yes_price, P("0.42"));
  EXPECT_EQ(f.no_price, P("0.58"));
  EXPECT_TRUE(f.is_taker);
  EXPECT_EQ(f.fee_cost, M("0.18"));
  const RestFill& legacy = fills->items[1];
  EXPECT_EQ(legacy.ticker, "INXD-24DEC31-B5000");  // from market_ticker
  EXPECT_EQ(legacy.action, Action::kSell);
  EXPECT_EQ(legacy.count, Q("7"));
  EXPECT_EQ(legacy.yes_price, P("0.61"));
  EXPECT_FALSE(legacy.is_taker);
  EXPECT_EQ(legacy.fee_cost, Money());
}

TEST(RestParsersTest, EventDetailAndErrors) {
  absl::StatusOr<RestEventDetail> e = ParseEventReply(Fixture("event_detail.json"));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->event.series_ticker, "KXBTC");
  EXPECT_TRUE(e->event.mutually_exclusive);
  ASSERT_EQ(e->markets.size(), 1u);
  EXPECT_EQ(e->markets[0].yes_bid, P("0.42"));

  absl::StatusOr<RestError> nested = ParseError(Fixture("error_nested.json"));
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_EQ(nested->code, "insufficient_balance");
  EXPECT_EQ(nested->message, "Insufficient balance");
  absl::StatusOr<RestError> flat = ParseError(R"({"code":"not_found","message":"gone"})");
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(flat->code, "not_found");
  absl::StatusOr<RestError> plain = ParseError(R"({"error":"rate limited"})");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->message, "rate limited");
  EXPECT_FALSE(ParseError(R"({"ok":true})").ok());
  EXPECT_FALSE(ParseError("<html>").ok());
}

TEST(RestParsersTest, SharedSampleOrderbook) {
  const std::string body = ReadFile(std::string(ARBOR_SHARED_DIR) +
                                    "/protocols/samples/kalshi/rest/"
                                    "get_market_orderbook_response_example.json");
  absl::StatusOr<RestOrderbook> book = ParseRestOrderbook(body);
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_THAT(book->yes, ElementsAre(PriceLevel{P("0.15"), Q("100")}));
  EXPECT_THAT(book->no, ElementsAre(PriceLevel{P("0.82"), Q("50")}));
}

TEST(RestParsersTest, MalformedValuesNameTheField) {
  struct Case {
    std::string_view body;
    std::string_view field;
  };
  const Case cases[] = {
      {R"({"markets":[{"ticker":"A","yes_bid_dollars":"0.4x"}]})", "markets[0].yes_bid_dollars"},
      {R"({"markets":[{"ticker":"A"},{"yes_bid_dollars":"0.4"}]})", "markets[1].ticker"},
      {R"({"markets":[{"ticker":"A","volume_fp":"1.0000001"}]})", "markets[0].volume_fp"},
      {R"({"markets":[{"ticker":"A","yes_bid_dollars":0.42}]})", "markets[0].yes_bid_dollars"},
      {R"({"markets":{"ticker":"A"}})", "markets"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<RestPage<RestMarket>> page = ParseMarketsPage(c.body);
    ASSERT_FALSE(page.ok()) << c.body;
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(page.status().message()), HasSubstr(std::string(c.field))) << c.body;
  }
  EXPECT_FALSE(ParseMarketsPage(R"({"markets":[)").ok());
  absl::StatusOr<RestOrder> side = ParseOrderReply(
      R"({"order":{"order_id":"1","ticker":"A","side":"maybe","action":"buy","status":"resting"}})");
  EXPECT_THAT(std::string(side.status().message()), HasSubstr("order.side"));
  EXPECT_FALSE(ParseOrderReply(R"({"orders":[]})").ok());
}

TEST(RestClientStatusTest, ErrorTableMapsVenueReplies) {
  const std::string nested = R"({"error":{"code":"invalid_parameters","message":"bad count"}})";
  struct Case {
    int http;
    std::string body;
    bool mutating;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {200, "{}", true, absl::StatusCode::kOk},
      {201, "{}", true, absl::StatusCode::kOk},
      {400, nested, true, absl::StatusCode::kInvalidArgument},
      {400, R"({"error":{"code":"insufficient_balance","message":"x"}})", true,
       absl::StatusCode::kFailedPrecondition},
      {401, R"({"error":{"code":"unauthorized","message":"x"}})", false,
       absl::StatusCode::kUnauthenticated},
      {403, "", false, absl::StatusCode::kPermissionDenied},
      {404, R"({"error":{"code":"not_found","message":"x"}})", false, absl::StatusCode::kNotFound},
      {409, R"({"error":{"code":"order_already_exists","message":"x"}})", true,
       absl::StatusCode::kAlreadyExists},
      {422, "", true, absl::StatusCode::kFailedPrecondition},
      {429, "", false, absl::StatusCode::kResourceExhausted},
      {500, "oops", true, absl::StatusCode::kUnknown},
      {503, "", true, absl::StatusCode::kUnknown},
      {500, "oops", false, absl::StatusCode::kUnavailable},
  };
  for (const Case& c : cases) {
    const absl::Status s = StatusFromKalshiReply(c.http, c.body, "", "POST /x", c.mutating);
    EXPECT_EQ(s.code(), c.code) << c.http << " " << s;
    EXPECT_EQ(IsOutcomeUnknown(s), c.code == absl::StatusCode::kUnknown) << c.http;
  }
  const absl::Status rejected = StatusFromKalshiReply(400, nested, "", "POST /x", true);
  EXPECT_THAT(std::string(rejected.message()), HasSubstr("invalid_parameters"));
  EXPECT_THAT(std::string(rejected.message()), HasSubstr("bad count"));
  EXPECT_THAT(std::string(StatusFromKalshiReply(502, "", "", "POST /x", true).message()),
              HasSubstr("outcome unknown"));

  const absl::Status limited = StatusFromKalshiReply(429, "", "7", "GET /x", false);
  EXPECT_EQ(RetryAfterSeconds(limited), 7);
  EXPECT_EQ(RetryAfterSeconds(StatusFromKalshiReply(429, "", "", "GET /x", false)), std::nullopt);
  EXPECT_EQ(RetryAfterSeconds(
                StatusFromKalshiReply(429, "", "Wed, 21 Oct 2026 07:28:00 GMT", "GET /x", false)),
            std::nullopt);
}

}  // namespace
}  // namespace arbor::venue::kalshi
