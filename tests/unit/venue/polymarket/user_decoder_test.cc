#include "arbor/venue/polymarket/user_decoder.h"

#include <string>
#include <string_view>
#include <variant>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }

constexpr std::string_view kOrder = R"({"event_type":"order","type":"UPDATE","id":"0xo1",
    "asset_id":"A1","market":"0xm","owner":"u","order_owner":"u","maker_address":"0xmk",
    "outcome":"Yes","order_type":"GTC","status":"LIVE","side":"BUY","price":"0.513",
    "original_size":"100","size_matched":"25.5","expiration":"0","created_at":"1725842520",
    "associate_trades":["t1","t2"],"timestamp":"1725842520990"})";

TEST(UserDecoderTest, DecodesOrder) {
  UserFrameDecoder decoder;
  absl::StatusOr<UserFrame> frame = decoder.Decode(kOrder);
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ(frame->events.size(), 1u);
  const OrderEvent& o = std::get<OrderEvent>(frame->events[0]);
  EXPECT_EQ(o.type, OrderEventType::kUpdate);
  EXPECT_EQ(o.id, "0xo1");
  EXPECT_EQ(o.asset_id, "A1");
  EXPECT_EQ(o.status, OrderStatus::kLive);
  EXPECT_EQ(o.status_text, "LIVE");
  EXPECT_EQ(o.side, Side::kBuy);
  EXPECT_EQ(o.price, P("0.513"));
  EXPECT_EQ(o.original_size, Q("100"));
  EXPECT_EQ(o.size_matched, Q("25.5"));
  EXPECT_EQ(o.expiration, 0);
  EXPECT_EQ(o.created_at, 1725842520);
  EXPECT_THAT(o.associate_trades, ElementsAre("t1", "t2"));
  EXPECT_EQ(o.timestamp_ms, 1725842520990);
}

TEST(UserDecoderTest, ToleratesEmptyAndNullFields) {
  UserFrameDecoder decoder;
  absl::StatusOr<UserFrame> frame = decoder.Decode(R"({"event_type":"order",
      "type":"CANCELLATION","id":"0x78","asset_id":"256","market":"0x14","side":"BUY",
      "price":"0.6","original_size":"12","size_matched":"","outcome":"","created_at":"",
      "expiration":null,"associate_trades":null,"order_type":"FOK",
      "status":"CANCELED_order couldn't be fully filled. FOK orders are fully filled or killed.",
      "timestamp":"1777824065000"})");
  ASSERT_TRUE(frame.ok()) << frame.status();
  const OrderEvent& o = std::get<OrderEvent>(frame->events[0]);
  EXPECT_EQ(o.status, OrderStatus::kCanceledWithReason);
  EXPECT_EQ(o.status_reason,
            "order couldn't be fully filled. FOK orders are fully filled or killed.");
  EXPECT_FALSE(o.size_matched.has_value());
  EXPECT_FALSE(o.created_at.has_value());
  EXPECT_FALSE(o.expiration.has_value());
  EXPECT_TRUE(o.outcome.empty());
  EXPECT_TRUE(o.associate_trades.empty());
}

TEST(UserDecoderTest, StatusClassification) {
  std::string_view reason = "untouched";
  EXPECT_EQ(ParseOrderStatus("MATCHED", &reason), OrderStatus::kMatched);
  EXPECT_EQ(ParseOrderStatus("INVALID", &reason), OrderStatus::kInvalid);
  EXPECT_EQ(ParseOrderStatus("CANCELED", &reason), OrderStatus::kCanceled);
  EXPECT_EQ(reason, "untouched");
  EXPECT_EQ(ParseOrderStatus("CANCELED_", &reason), OrderStatus::kCanceledWithReason);
  EXPECT_EQ(reason, "");
  EXPECT_EQ(ParseOrderStatus("SOMETHING_NEW", nullptr), OrderStatus::kUnknown);
  EXPECT_EQ(ParseTradeStatus("MATCHED_NOT_BROADCASTED"), TradeStatus::kMatchedNotBroadcasted);
  EXPECT_EQ(ParseTradeStatus("RETRYING"), TradeStatus::kRetrying);
  EXPECT_EQ(ParseTradeStatus("FAILED"), TradeStatus::kFailed);
  EXPECT_EQ(ParseTradeStatus("SETTLED_SOMEHOW"), TradeStatus::kUnknown);
}

TEST(UserDecoderTest, DecodesTradeWithCrossAssetMakerLegs) {
  UserFrameDecoder decoder;
  absl::StatusOr<UserFrame> frame = decoder.Decode(R"([{"event_type":"trade","type":"TRADE",
      "id":"t-1","taker_order_id":"0xt","asset_id":"YES","market":"0xm","side":"BUY",
      "size":"15","price":"0.52","fee_rate_bps":"0","status":"MATCHED_NOT_BROADCASTED",
      "match_time":"1725868859","last_update":"1725868885","outcome":"Yes","bucket_index":0,
      "owner":"u","trade_owner":"u","maker_address":"0xa","transaction_hash":"0xh",
      "trader_side":"TAKER","timestamp":"1725868885871","maker_orders":[
        {"order_id":"m1","owner":"o1","maker_address":"0x1","matched_amount":"10",
         "price":"0.48","fee_rate_bps":"0","asset_id":"NO","outcome":"No","side":"BUY"},
        {"order_id":"m2","owner":"o2","maker_address":"0x2","matched_amount":"5",
         "price":"0.52","fee_rate_bps":"","asset_id":"YES","outcome":"Yes"}]}])");
  ASSERT_TRUE(frame.ok()) << frame.status();
  const TradeEvent& t = std::get<TradeEvent>(frame->events[0]);
  EXPECT_EQ(t.status, TradeStatus::kMatchedNotBroadcasted);
  EXPECT_EQ(t.status_text, "MATCHED_NOT_BROADCASTED");
  EXPECT_EQ(t.trader_side, TraderSide::kTaker);
  EXPECT_EQ(t.size, Q("15"));
  EXPECT_EQ(t.bucket_index, 0);
  EXPECT_EQ(t.match_time, "1725868859");
  ASSERT_EQ(t.maker_orders.size(), 2u);
  EXPECT_EQ(t.maker_orders[0].asset_id, "NO");
  EXPECT_EQ(t.maker_orders[0].price, P("0.48"));
  EXPECT_EQ(t.maker_orders[0].side, Side::kBuy);
  EXPECT_EQ(t.maker_orders[1].matched_amount, Q("5"));
  EXPECT_FALSE(t.maker_orders[1].fee_rate_bps.has_value());
  EXPECT_FALSE(t.maker_orders[1].side.has_value());
}

TEST(UserDecoderTest, ClassifiesByTypeWhenEventTypeIsAbsent) {
  UserFrameDecoder decoder;
  absl::StatusOr<UserFrame> frame = decoder.Decode(R"([
      {"type":"PLACEMENT","id":"o","asset_id":"a","market":"m","side":"SELL","price":"0.5",
       "original_size":"1","status":"LIVE"},
      {"type":"TRADE","id":"t","asset_id":"a","market":"m","side":"SELL","price":"0.5",
       "size":"1","status":"CONFIRMED","maker_orders":[]}])");
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ(frame->events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<OrderEvent>(frame->events[0]));
  EXPECT_TRUE(std::holds_alternative<TradeEvent>(frame->events[1]));
}

TEST(UserDecoderTest, PongIsATextFrame) {
  UserFrameDecoder decoder;
  absl::StatusOr<UserFrame> frame = decoder.Decode("PONG");
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->kind, FrameKind::kPong);
  EXPECT_TRUE(frame->events.empty());
}

TEST(UserDecoderTest, Errors) {
  struct Case {
    std::string_view frame;
    absl::StatusCode code;
    std::string_view message;
  };
  for (const Case& c : {
           Case{R"({"event_type":"fill"})", absl::StatusCode::kUnimplemented,
                "unknown event_type \"fill\""},
           Case{R"({"id":"x"})", absl::StatusCode::kInvalidArgument,
                "missing field \"event_type\""},
           Case{R"({"event_type":"order","type":"TRADE"})", absl::StatusCode::kInvalidArgument,
                "contradicts event_type"},
           Case{R"({"event_type":"order","type":"PLACEMENT","id":"o","asset_id":"a",
                    "market":"m","side":"BUY","price":"1.5","original_size":"1","status":"LIVE"})",
                absl::StatusCode::kInvalidArgument, "field \"price\" at byte"},
           Case{R"({"event_type":"order","type":"PLACEMENT","id":"o","asset_id":"a",
                    "market":"m","side":"BUY","price":"0.5","status":"LIVE"})",
                absl::StatusCode::kInvalidArgument, "missing field \"original_size\""},
           Case{R"({"event_type":"order","type":"PLACE","id":"o"})",
                absl::StatusCode::kInvalidArgument,
                "field \"type\" at byte 29: unknown order event type \"PLACE\""},
           Case{R"([{"type":"TRADE","id":"t","asset_id":"a","market":"m","side":"SELL",
                     "price":"0.5","size":"1","status":"CONFIRMED",
                     "maker_orders":[{"order_id":"m","asset_id":"a","price":"0.5",
                                      "matched_amount":"-2"}]}])",
                absl::StatusCode::kInvalidArgument,
                "event[0]: field \"maker_orders[0].matched_amount\""},
           Case{R"({"type":"TRADE","id":"t","asset_id":"a","market":"m","side":"SELL",
                    "price":"0.5","size":"1","status":"CONFIRMED","trader_side":"BOTH"})",
                absl::StatusCode::kInvalidArgument, "trader_side must be TAKER or MAKER"},
           Case{R"({"type":"TRADE","id":"t")", absl::StatusCode::kInvalidArgument,
                "malformed JSON"},
           Case{"NOPE", absl::StatusCode::kInvalidArgument, "unrecognised text frame"},
       }) {
    UserFrameDecoder decoder;
    absl::StatusOr<UserFrame> frame = decoder.Decode(c.frame);
    ASSERT_FALSE(frame.ok()) << c.frame;
    EXPECT_EQ(frame.status().code(), c.code) << frame.status();
    EXPECT_THAT(std::string(frame.status().message()), HasSubstr(c.message)) << c.frame;
  }
}

TEST(UserDecoderTest, RestRowsReuseTheShapes) {
  absl::StatusOr<OrderEvent> order = ParseOpenOrder(R"({"id":"o","status":"LIVE","market":"m",
      "original_size":"100.0000","price":"0.5000","side":"BUY","size_matched":"25.0000",
      "asset_id":"a","expiration":null,"order_type":"GTC","created_at":1703875200,
      "associate_trades":["x"]})");
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_FALSE(order->type.has_value());
  EXPECT_EQ(order->created_at, 1703875200);
  EXPECT_EQ(order->size_matched, Q("25"));

  absl::StatusOr<TradesPage> trades = ParseTradesPage(R"({"data":[{"id":"t","asset_id":"a",
      "market":"m","side":"BUY","size":"10.0000","price":"0.5000","status":"MINED",
      "maker_orders":[]}],"next_cursor":"LTE="})");
  ASSERT_TRUE(trades.ok()) << trades.status();
  ASSERT_EQ(trades->data.size(), 1u);
  EXPECT_EQ(trades->data[0].status, TradeStatus::kMined);
  EXPECT_EQ(trades->next_cursor, "LTE=");

  absl::StatusOr<OpenOrdersPage> page = ParseOpenOrdersPage(R"({"data":[{"id":"o"}]})");
  ASSERT_FALSE(page.ok());
  EXPECT_THAT(std::string(page.status().message()),
              HasSubstr("missing field \"data[0].asset_id\""));
}

}  // namespace
}  // namespace arbor::venue::polymarket
