#include "arbor/venue/kalshi/ws_decoder.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "arbor/core/fixed_point.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::kalshi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }
Money M(std::string_view s) { return *Money::Parse(s); }

// Decodes `frame` and fails the test on error.
const WsMessage& MustDecode(WsFrameDecoder& decoder, std::string_view frame) {
  const absl::Status s = decoder.Decode(frame);
  EXPECT_TRUE(s.ok()) << s << "\n  frame: " << frame;
  return decoder.message();
}

TEST(WsDecoderTest, OrderbookSnapshotFixedPoint) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"orderbook_snapshot","sid":2,"seq":2,"msg":{"market_ticker":"FED-23DEC-T3.00",)"
         R"("market_id":"9b0f","yes_dollars_fp":[["0.0800","300.00"],["0.2200","333.00"]],)"
         R"("no_dollars_fp":[["0.5400","20.00"],["0.5600","146.00"]]}})");
  EXPECT_EQ(m.type, MessageType::kOrderbookSnapshot);
  EXPECT_EQ(m.sid, 2u);
  EXPECT_EQ(m.seq, 2u);
  EXPECT_FALSE(m.id.has_value());
  EXPECT_EQ(m.snapshot.market_ticker, "FED-23DEC-T3.00");
  EXPECT_EQ(m.snapshot.market_id, "9b0f");
  EXPECT_THAT(m.snapshot.yes,
              ElementsAre(PriceLevel{P("0.08"), Q("300")}, PriceLevel{P("0.22"), Q("333")}));
  EXPECT_THAT(m.snapshot.no,
              ElementsAre(PriceLevel{P("0.54"), Q("20")}, PriceLevel{P("0.56"), Q("146")}));
  EXPECT_EQ(m.snapshot.schema, FieldSchema::kFixedPoint);
}

TEST(WsDecoderTest, SnapshotAbsentSideIsEmptyAndIdIsKept) {
  WsFrameDecoder d;
  const WsMessage& m =
      MustDecode(d, R"({"type":"orderbook_snapshot","id":127,"sid":456,"seq":9,)"
                    R"("msg":{"market_ticker":"M-1","yes_dollars_fp":[["0.5","1.25"]]}})");
  EXPECT_EQ(m.id, 127u);
  EXPECT_THAT(m.snapshot.yes, ElementsAre(PriceLevel{P("0.5"), Q("1.25")}));
  EXPECT_TRUE(m.snapshot.no.empty());
  // Both sides absent: an empty book, not an error.
  const WsMessage& empty = MustDecode(
      d, R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"M-2"}})");
  EXPECT_TRUE(empty.snapshot.yes.empty());
  EXPECT_TRUE(empty.snapshot.no.empty());
  EXPECT_EQ(empty.snapshot.market_id, "");
}

TEST(WsDecoderTest, SnapshotLegacyDollarsWithIntegerCounts) {
  WsFrameDecoder d;
  const WsMessage& m =
      MustDecode(d, R"({"type":"orderbook_snapshot","sid":2,"seq":2,"msg":{"market_ticker":"FED",)"
                    R"("yes_dollars":[["0.080",300],["0.220",333]],"no_dollars":[["0.540",20]]}})");
  EXPECT_THAT(m.snapshot.yes,
              ElementsAre(PriceLevel{P("0.08"), Q("300")}, PriceLevel{P("0.22"), Q("333")}));
  EXPECT_THAT(m.snapshot.no, ElementsAre(PriceLevel{P("0.54"), Q("20")}));
  EXPECT_EQ(m.snapshot.schema, FieldSchema::kLegacyDollars);
}

TEST(WsDecoderTest, SnapshotLegacyCents) {
  WsFrameDecoder d;
  const WsMessage& m =
      MustDecode(d, R"({"type":"orderbook_snapshot","sid":2,"seq":2,"msg":{"market_ticker":"FED",)"
                    R"("yes":[[8,300],[22,333]],"no":[[54,20],[56,146]]}})");
  EXPECT_THAT(m.snapshot.yes,
              ElementsAre(PriceLevel{P("0.08"), Q("300")}, PriceLevel{P("0.22"), Q("333")}));
  EXPECT_THAT(m.snapshot.no,
              ElementsAre(PriceLevel{P("0.54"), Q("20")}, PriceLevel{P("0.56"), Q("146")}));
  EXPECT_EQ(m.snapshot.schema, FieldSchema::kLegacyCents);
}

TEST(WsDecoderTest, FixedPointWinsOverLegacyWhateverTheOrder) {
  WsFrameDecoder d;
  // The legacy fields disagree (and one is junk): they must be ignored, before or after.
  const WsMessage& m =
      MustDecode(d, R"({"type":"orderbook_snapshot","sid":2,"seq":2,"msg":{"market_ticker":"FED",)"
                    R"("yes":[[9,1]],"yes_dollars_fp":[["0.0800","300.00"]],"yes_dollars":"junk",)"
                    R"("no_dollars_fp":[["0.5400","20.00"]],"no":[[1,1]]}})");
  EXPECT_THAT(m.snapshot.yes, ElementsAre(PriceLevel{P("0.08"), Q("300")}));
  EXPECT_THAT(m.snapshot.no, ElementsAre(PriceLevel{P("0.54"), Q("20")}));
  EXPECT_EQ(m.snapshot.schema, FieldSchema::kFixedPoint);
}

TEST(WsDecoderTest, OrderbookDelta) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"FED-23DEC-T3.00",)"
         R"("market_id":"9b0f","price_dollars":"0.9600","delta_fp":"-54.00","side":"yes",)"
         R"("client_order_id":"my-1","subaccount":3,"ts":"2022-11-22T20:44:01Z",)"
         R"("ts_ms":1669149841000}})");
  EXPECT_EQ(m.type, MessageType::kOrderbookDelta);
  EXPECT_EQ(m.sid, 2u);
  EXPECT_EQ(m.seq, 3u);
  EXPECT_EQ(m.delta.market_ticker, "FED-23DEC-T3.00");
  EXPECT_EQ(m.delta.price, P("0.96"));
  EXPECT_EQ(m.delta.delta, Q("-54"));
  EXPECT_EQ(m.delta.side, Side::kYes);
  EXPECT_EQ(m.delta.client_order_id, "my-1");
  EXPECT_EQ(m.delta.subaccount, 3);
  EXPECT_EQ(m.delta.ts_ms, 1669149841000);
  EXPECT_EQ(m.delta.schema, FieldSchema::kFixedPoint);

  const WsMessage& no =
      MustDecode(d, R"({"type":"orderbook_delta","sid":2,"seq":4,"msg":{"market_ticker":"X",)"
                    R"("price_dollars":"0.0015","delta_fp":"0.01","side":"no"}})");
  EXPECT_EQ(no.delta.side, Side::kNo);
  EXPECT_EQ(no.delta.price, Price::FromMicros(1500));  // sub-penny
  EXPECT_EQ(no.delta.delta, Q("0.01"));
  EXPECT_EQ(no.delta.client_order_id, "");  // reset between frames
  EXPECT_FALSE(no.delta.subaccount.has_value());
  EXPECT_FALSE(no.delta.ts_ms.has_value());
}

TEST(WsDecoderTest, DeltaLegacyCentFallback) {
  WsFrameDecoder d;
  const WsMessage& m =
      MustDecode(d, R"({"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"FED",)"
                    R"("price":96,"delta":-54,"side":"yes","ts":"2022-11-22T20:44:01Z"}})");
  EXPECT_EQ(m.delta.price, P("0.96"));
  EXPECT_EQ(m.delta.delta, Q("-54"));
  EXPECT_EQ(m.delta.schema, FieldSchema::kLegacyCents);
  EXPECT_FALSE(m.delta.ts_ms.has_value());  // the RFC 3339 `ts` is deprecated and ignored
}

TEST(WsDecoderTest, MsgBeforeTypeIsDecodedInASecondPass) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"msg":{"market_ticker":"FED","price_dollars":"0.41","delta_fp":"7","side":"no"},)"
         R"("seq":11,"sid":5,"type":"orderbook_delta"})");
  EXPECT_EQ(m.type, MessageType::kOrderbookDelta);
  EXPECT_EQ(m.delta.market_ticker, "FED");
  EXPECT_EQ(m.delta.price, P("0.41"));
  EXPECT_EQ(m.sid, 5u);
  EXPECT_EQ(m.seq, 11u);
}

TEST(WsDecoderTest, JsonNumbersAreParsedFromTheirTextNotThroughDouble) {
  WsFrameDecoder d;
  // 0.07 and 0.1 are not representable in binary; the raw token must be used.
  const WsMessage& m =
      MustDecode(d, R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X",)"
                    R"("price_dollars":0.07,"delta_fp":-0.1,"side":"yes"}})");
  EXPECT_EQ(m.delta.price.micros(), 70'000);
  EXPECT_EQ(m.delta.delta.micros(), -100'000);
  const WsMessage& e =
      MustDecode(d, R"({"type":"orderbook_delta","sid":1,"seq":2,"msg":{"market_ticker":"X",)"
                    R"("price_dollars":5e-1 ,"delta_fp":1E2,"side":"yes"}})");
  EXPECT_EQ(e.delta.price, P("0.5"));
  EXPECT_EQ(e.delta.delta, Q("100"));
}

TEST(WsDecoderTest, Ticker) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"ticker","sid":11,"msg":{"market_id":"9b","market_ticker":"FED",)"
         R"("price_dollars":"0.4800","yes_bid_dollars":"0.4500","yes_ask_dollars":"0.5300",)"
         R"("volume_fp":"33896.00","open_interest_fp":"20422.00","dollar_volume":16948,)"
         R"("dollar_open_interest":10211,"yes_bid_size_fp":"300.00","yes_ask_size_fp":"150.00",)"
         R"("last_trade_size_fp":"25.00","ts":1669149841,"ts_ms":1669149841123,)"
         R"("time":"2022-11-22T20:44:01Z"}})");
  EXPECT_EQ(m.type, MessageType::kTicker);
  EXPECT_FALSE(m.seq.has_value());
  const Ticker& t = m.ticker;
  EXPECT_EQ(t.market_ticker, "FED");
  EXPECT_EQ(t.price, P("0.48"));
  EXPECT_EQ(t.yes_bid, P("0.45"));
  EXPECT_EQ(t.yes_ask, P("0.53"));
  EXPECT_EQ(t.volume, Q("33896"));
  EXPECT_EQ(t.open_interest, Q("20422"));
  EXPECT_EQ(t.yes_bid_size, Q("300"));
  EXPECT_EQ(t.yes_ask_size, Q("150"));
  EXPECT_EQ(t.last_trade_size, Q("25"));
  EXPECT_EQ(t.dollar_volume, 16948);
  EXPECT_EQ(t.dollar_open_interest, 10211);
  EXPECT_EQ(t.ts_ms, 1669149841123);  // ts_ms wins over the deprecated seconds
}

TEST(WsDecoderTest, TickerLegacyCents) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"ticker","sid":11,"msg":{"market_ticker":"FED","price":48,"yes_bid":45,)"
         R"("yes_ask":53,"volume":33896,"open_interest":20422,"ts":1669149841}})");
  EXPECT_EQ(m.ticker.price, P("0.48"));
  EXPECT_EQ(m.ticker.yes_bid, P("0.45"));
  EXPECT_EQ(m.ticker.yes_ask, P("0.53"));
  EXPECT_EQ(m.ticker.volume, Q("33896"));
  EXPECT_EQ(m.ticker.open_interest, Q("20422"));
  EXPECT_FALSE(m.ticker.yes_bid_size.has_value());
  EXPECT_EQ(m.ticker.ts_ms, 1669149841000);
}

TEST(WsDecoderTest, Trade) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"trade","sid":11,"seq":2,"msg":{"trade_id":"d91b","market_ticker":"HIGHNY",)"
         R"("yes_price_dollars":"0.3600","no_price_dollars":"0.6400","count_fp":"136.00",)"
         R"("taker_side":"yes","taker_outcome_side":"no","taker_book_side":"ask",)"
         R"("is_block_trade":false,"ts":1669149841,"ts_ms":1669149841000}})");
  EXPECT_EQ(m.type, MessageType::kTrade);
  EXPECT_EQ(m.seq, 2u);
  EXPECT_EQ(m.trade.trade_id, "d91b");
  EXPECT_EQ(m.trade.yes_price, P("0.36"));
  EXPECT_EQ(m.trade.no_price, P("0.64"));
  EXPECT_EQ(m.trade.count, Q("136"));
  EXPECT_EQ(m.trade.taker_outcome_side, Side::kNo);  // current field beats deprecated taker_side
  EXPECT_EQ(m.trade.taker_book_side, BookSide::kAsk);
  EXPECT_EQ(m.trade.is_block_trade, false);
  EXPECT_EQ(m.trade.ts_ms, 1669149841000);
}

TEST(WsDecoderTest, TradeLegacyFallback) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"trade","sid":11,"msg":{"trade_id":"t","market_ticker":"H","yes_price":36,)"
         R"("no_price":64,"count":136,"taker_side":"no","ts":1669149841}})");
  EXPECT_FALSE(m.seq.has_value());
  EXPECT_EQ(m.trade.yes_price, P("0.36"));
  EXPECT_EQ(m.trade.no_price, P("0.64"));
  EXPECT_EQ(m.trade.count, Q("136"));
  EXPECT_EQ(m.trade.taker_outcome_side, Side::kNo);
  EXPECT_FALSE(m.trade.taker_book_side.has_value());
  EXPECT_EQ(m.trade.ts_ms, 1669149841000);
}

TEST(WsDecoderTest, Fill) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"fill","sid":13,"msg":{"trade_id":"d91b","order_id":"ee58",)"
         R"("client_order_id":"my-order-1","market_ticker":"HIGHNY","exchange_index":2,)"
         R"("is_taker":true,"side":"yes","yes_price_dollars":"0.7500","count_fp":"278.00",)"
         R"("fee_cost":"0.010000","action":"buy","ts":1671899397,"ts_ms":1671899397000,)"
         R"("post_position_fp":"-500.00","purchased_side":"yes","outcome_side":"no",)"
         R"("book_side":"bid","subaccount":3}})");
  const Fill& f = m.fill;
  EXPECT_EQ(m.type, MessageType::kFill);
  EXPECT_EQ(f.trade_id, "d91b");
  EXPECT_EQ(f.order_id, "ee58");
  EXPECT_EQ(f.client_order_id, "my-order-1");
  EXPECT_EQ(f.market_ticker, "HIGHNY");
  EXPECT_EQ(f.exchange_index, 2);
  EXPECT_EQ(f.is_taker, true);
  EXPECT_EQ(f.yes_price, P("0.75"));
  EXPECT_EQ(f.count, Q("278"));
  EXPECT_EQ(f.fee_cost, M("0.01"));
  EXPECT_EQ(f.post_position, Q("-500"));
  EXPECT_EQ(f.outcome_side, Side::kNo);
  EXPECT_EQ(f.book_side, BookSide::kBid);
  EXPECT_EQ(f.action, "buy");
  EXPECT_EQ(f.subaccount, 3);
  EXPECT_EQ(f.ts_ms, 1671899397000);
}

TEST(WsDecoderTest, FillLegacyFallback) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"fill","sid":13,"msg":{"trade_id":"t","order_id":"o","market_ticker":"H",)"
         R"("is_taker":true,"side":"yes","yes_price":75,"count":278,"action":"buy",)"
         R"("ts":1671899397,"post_position":500}})");
  EXPECT_EQ(m.fill.yes_price, P("0.75"));
  EXPECT_EQ(m.fill.count, Q("278"));
  EXPECT_EQ(m.fill.post_position, Q("500"));
  EXPECT_EQ(m.fill.outcome_side, Side::kYes);
  EXPECT_EQ(m.fill.ts_ms, 1671899397000);
  EXPECT_FALSE(m.fill.fee_cost.has_value());
}

TEST(WsDecoderTest, UserOrder) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d,
      R"({"type":"user_order","sid":22,"msg":{"order_id":"ee58","user_id":"a1","ticker":"FED",)"
      R"("status":"resting","side":"yes","outcome_side":"yes","book_side":"bid",)"
      R"("yes_price_dollars":"0.3500","fill_count_fp":"0.00","remaining_count_fp":"10.00",)"
      R"("initial_count_fp":"10.00","taker_fill_cost_dollars":"0.000000",)"
      R"("maker_fill_cost_dollars":"1.250000","taker_fees_dollars":"0.000000",)"
      R"("maker_fees_dollars":"0.010000","client_order_id":"my-order-1",)"
      R"("created_ts_ms":1733047200000,"expiration_ts_ms":1733050800000,"subaccount_number":0}})");
  const UserOrder& o = m.user_order;
  EXPECT_EQ(m.type, MessageType::kUserOrder);
  EXPECT_EQ(o.order_id, "ee58");
  EXPECT_EQ(o.ticker, "FED");
  EXPECT_EQ(o.status, "resting");
  EXPECT_EQ(o.outcome_side, Side::kYes);
  EXPECT_EQ(o.book_side, BookSide::kBid);
  EXPECT_EQ(o.yes_price, P("0.35"));
  EXPECT_EQ(o.fill_count, Q("0"));
  EXPECT_EQ(o.remaining_count, Q("10"));
  EXPECT_EQ(o.initial_count, Q("10"));
  EXPECT_EQ(o.maker_fill_cost, M("1.25"));
  EXPECT_EQ(o.maker_fees, M("0.01"));
  EXPECT_EQ(o.client_order_id, "my-order-1");
  EXPECT_EQ(o.created_ts_ms, 1733047200000);
  EXPECT_EQ(o.expiration_ts_ms, 1733050800000);
}

TEST(WsDecoderTest, LifecycleCreatedAndStructureUpdate) {
  WsFrameDecoder d;
  const WsMessage& created = MustDecode(
      d, R"({"type":"market_lifecycle_v2","sid":13,"seq":3,"msg":{"market_ticker":"INXD",)"
         R"("exchange_index":0,"open_ts":1694635200,"close_ts":1694721600,)"
         R"("additional_metadata":{"name":"S&P","floor_strike":4487,"can_close_early":true},)"
         R"("event_type":"created","price_level_structure":"linear_cent"}})");
  EXPECT_EQ(created.lifecycle.event_type, LifecycleEvent::kCreated);
  EXPECT_EQ(created.lifecycle.open_ts, 1694635200);
  EXPECT_EQ(created.lifecycle.close_ts, 1694721600);
  EXPECT_EQ(created.lifecycle.price_level_structure, "linear_cent");
  EXPECT_FALSE(created.lifecycle.has_price_ranges);

  const WsMessage& updated = MustDecode(
      d,
      R"({"type":"market_lifecycle_v2","sid":13,"seq":4,"msg":{"market_ticker":"INXD",)"
      R"("event_type":"price_level_structure_updated","price_level_structure":"tapered_deci_cent",)"
      R"("price_ranges":[{"start":"0.0000","end":"0.1000","step":"0.0010"},)"
      R"({"start":"0.1000","end":"0.9000","step":"0.0100"},)"
      R"({"step":"0.0010","start":"0.9000","end":"1.0000"}]}})");
  const MarketLifecycle& l = updated.lifecycle;
  EXPECT_EQ(l.event_type, LifecycleEvent::kPriceLevelStructureUpdated);
  EXPECT_EQ(l.event_type_text, "price_level_structure_updated");
  EXPECT_FALSE(l.open_ts.has_value());  // reset between frames
  EXPECT_TRUE(l.has_price_ranges);
  EXPECT_THAT(l.price_ranges, ElementsAre(PriceRange{P("0"), P("0.1"), P("0.001")},
                                          PriceRange{P("0.1"), P("0.9"), P("0.01")},
                                          PriceRange{P("0.9"), P("1"), P("0.001")}));
}

TEST(WsDecoderTest, LifecycleUnknownEventTypeIsKeptAsText) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"market_lifecycle_v2","sid":13,"seq":5,"msg":{"market_ticker":"INXD",)"
         R"("event_type":"fractional_trading_enabled","result":"","is_deactivated":false}})");
  EXPECT_EQ(m.lifecycle.event_type, LifecycleEvent::kUnknown);
  EXPECT_EQ(m.lifecycle.event_type_text, "fractional_trading_enabled");
  EXPECT_EQ(m.lifecycle.is_deactivated, false);
}

TEST(WsDecoderTest, LifecycleEveryDocumentedEventType) {
  struct Case {
    const char* text;
    LifecycleEvent event;
  };
  constexpr Case kCases[] = {
      {"created", LifecycleEvent::kCreated},
      {"activated", LifecycleEvent::kActivated},
      {"deactivated", LifecycleEvent::kDeactivated},
      {"close_date_updated", LifecycleEvent::kCloseDateUpdated},
      {"determined", LifecycleEvent::kDetermined},
      {"settled", LifecycleEvent::kSettled},
      {"price_level_structure_updated", LifecycleEvent::kPriceLevelStructureUpdated},
      {"metadata_updated", LifecycleEvent::kMetadataUpdated},
  };
  WsFrameDecoder d;
  for (const Case& c : kCases) {
    const std::string frame =
        std::string(R"({"type":"market_lifecycle_v2","msg":{"market_ticker":"M","event_type":")") +
        c.text + R"("}})";
    EXPECT_EQ(MustDecode(d, frame).lifecycle.event_type, c.event) << c.text;
  }
}

TEST(WsDecoderTest, EventFeeUpdate) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"event_fee_update","sid":5,"seq":9,"msg":{"event_ticker":"KXBTCD-26MAY2018",)"
         R"("fee_type_override":"quadratic","fee_multiplier_override":0.5}})");
  EXPECT_EQ(m.fee_update.event_ticker, "KXBTCD-26MAY2018");
  EXPECT_EQ(m.fee_update.fee_type_override, "quadratic");
  EXPECT_EQ(m.fee_update.fee_multiplier_override, Multiplier::FromMicros(500'000));
}

TEST(WsDecoderTest, CommandResponses) {
  WsFrameDecoder d;
  const WsMessage& sub =
      MustDecode(d, R"({"id":1,"type":"subscribed","msg":{"channel":"orderbook_delta","sid":1}})");
  EXPECT_EQ(sub.type, MessageType::kSubscribed);
  EXPECT_EQ(sub.id, 1u);
  EXPECT_EQ(sub.subscribed.channel, "orderbook_delta");
  EXPECT_EQ(sub.subscribed.sid, 1u);

  const WsMessage& unsub = MustDecode(d, R"({"id":102,"sid":2,"seq":7,"type":"unsubscribed"})");
  EXPECT_EQ(unsub.type, MessageType::kUnsubscribed);
  EXPECT_EQ(unsub.id, 102u);
  EXPECT_EQ(unsub.sid, 2u);
  EXPECT_EQ(unsub.seq, 7u);

  const WsMessage& ok = MustDecode(
      d, R"({"id":123,"sid":456,"seq":222,"type":"ok","msg":{"market_tickers":["M-1","M-2"]}})");
  EXPECT_EQ(ok.type, MessageType::kOk);
  EXPECT_EQ(ok.sid, 456u);
  EXPECT_EQ(ok.seq, 222u);
  EXPECT_THAT(ok.ok.market_tickers, ElementsAre("M-1", "M-2"));

  const WsMessage& bare_ok = MustDecode(d, R"({"id":124,"type":"ok"})");
  EXPECT_TRUE(bare_ok.ok.market_tickers.empty());
  EXPECT_FALSE(bare_ok.sid.has_value());
}

TEST(WsDecoderTest, ErrorCodesAndActions) {
  struct Case {
    int code;
    ErrorCode kind;
    ErrorAction action;
    bool terminal;
  };
  constexpr Case kCases[] = {
      {2, ErrorCode::kParamsRequired, ErrorAction::kFixRequest, false},
      {5, ErrorCode::kUnknownCommand, ErrorAction::kFixRequest, false},
      {7, ErrorCode::kUnknownSid, ErrorAction::kDropSidState, false},
      {8, ErrorCode::kUnknownChannel, ErrorAction::kFixRequest, false},
      {9, ErrorCode::kAuthRequired, ErrorAction::kAuthenticate, false},
      {10, ErrorCode::kChannelError, ErrorAction::kResubscribe, true},
      {14, ErrorCode::kMarketTickerRequired, ErrorAction::kFixRequest, false},
      {25, ErrorCode::kSubscriptionBufferOverflow, ErrorAction::kResubscribe, true},
      {26, ErrorCode::kMarketLimitExceeded, ErrorAction::kSplitSubscription, false},
      {27, ErrorCode::kTooManyRequests, ErrorAction::kBackOff, false},
      {99, ErrorCode::kUnknown, ErrorAction::kUnknown, false},
  };
  WsFrameDecoder d;
  for (const Case& c : kCases) {
    const std::string frame = R"({"id":123,"type":"error","msg":{"code":)" +
                              std::to_string(c.code) + R"(,"msg":"Unknown subscription ID"}})";
    const WsMessage& m = MustDecode(d, frame);
    EXPECT_EQ(m.type, MessageType::kError);
    EXPECT_EQ(m.id, 123u);
    EXPECT_EQ(m.error.code, c.code);
    EXPECT_EQ(m.error.kind, c.kind) << c.code;
    EXPECT_EQ(m.error.msg, "Unknown subscription ID");
    EXPECT_EQ(ActionForError(m.error.kind), c.action) << c.code;
    EXPECT_EQ(IsTerminal(m.error.kind), c.terminal) << c.code;
  }
}

TEST(WsDecoderTest, NullOptionalFieldsAreAbsentAndUnknownFieldsSkipped) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"ticker","sid":null,"extra":{"nested":[1,{"a":null}]},"msg":{)"
         R"("market_ticker":"FED","yes_bid_dollars":null,"market_id":null,"future":[true]}})");
  EXPECT_FALSE(m.sid.has_value());
  EXPECT_FALSE(m.ticker.yes_bid.has_value());
  EXPECT_EQ(m.ticker.market_id, "");
}

TEST(WsDecoderTest, EscapedStringsAreUnescaped) {
  WsFrameDecoder d;
  const WsMessage& m = MustDecode(
      d, R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"A\u002DB",)"
         R"("price_dollars":"0.5","delta_fp":"1","side":"yes","client_order_id":"q\"x"}})");
  EXPECT_EQ(m.delta.market_ticker, "A-B");
  EXPECT_EQ(m.delta.client_order_id, "q\"x");
}

struct ErrorCase {
  const char* name;
  std::string_view frame;
  absl::StatusCode code;
  const char* substring;
};

const ErrorCase kErrorCases[] = {
    {"empty", "", absl::StatusCode::kInvalidArgument, "malformed JSON"},
    {"truncated",
     R"({"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"X","price_dollars":"0.5)",
     absl::StatusCode::kInvalidArgument, "malformed JSON"},
    {"truncated_object", R"({"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"X")",
     absl::StatusCode::kInvalidArgument, "malformed JSON"},
    {"not_object", "[1,2]", absl::StatusCode::kInvalidArgument, "not a JSON object"},
    {"trailing", R"({"type":"ok","id":1} {"x":1})", absl::StatusCode::kInvalidArgument,
     "trailing content"},
    {"nan_price",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"NaN","delta_fp":"1","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.price_dollars': invalid decimal \"NaN\""},
    {"garbage_count",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"0.5","delta_fp":"12abc","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.delta_fp': invalid decimal"},
    {"too_precise",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"0.1234567","delta_fp":"1","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "more than 6 decimal places"},
    {"price_above_one",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"1.01","delta_fp":"1","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "price 1.01 outside [0, 1]"},
    {"negative_price",
     R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"X","yes_dollars_fp":[["-0.01","1"]]}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.yes_dollars_fp[0][0]': price -0.01"},
    {"negative_snapshot_count",
     R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"X","yes_dollars_fp":[["0.1","1"]],"no_dollars_fp":[["0.2","5"],["0.3","-2.00"]]}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.no_dollars_fp[1][1]': negative count -2"},
    {"level_three_elements",
     R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"X","yes_dollars_fp":[["0.1","1","2"]]}})",
     absl::StatusCode::kInvalidArgument, "more than 2 elements"},
    {"level_one_element",
     R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"X","yes_dollars_fp":[["0.1"]]}})",
     absl::StatusCode::kInvalidArgument, "must be [price, count]"},
    {"level_not_array",
     R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"X","yes_dollars_fp":["0.1"]}})",
     absl::StatusCode::kInvalidArgument,
     "field 'msg.yes_dollars_fp[0]': expected a [price, count] array, got a string"},
    {"cents_out_of_range",
     R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"X","yes":[[101,1]]}})",
     absl::StatusCode::kInvalidArgument, "cent price 101 outside [0, 100]"},
    {"cents_fraction",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price":9.5,"delta":1,"side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.price': expected integer cents, got a number"},
    {"unknown_type", R"({"type":"orderbook_delta_v9","msg":{}})", absl::StatusCode::kUnimplemented,
     "unknown message type \"orderbook_delta_v9\""},
    {"missing_type", R"({"sid":1,"msg":{}})", absl::StatusCode::kInvalidArgument,
     "field 'type': missing required field"},
    {"duplicate_type",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"0.5","delta_fp":"1","side":"yes"},"type":"ticker"})",
     absl::StatusCode::kInvalidArgument, "field 'type': duplicate field"},
    {"type_not_string", R"({"type":5})", absl::StatusCode::kInvalidArgument,
     "field 'type': expected a string, got a number"},
    {"missing_msg", R"({"type":"orderbook_delta","sid":1,"seq":1})",
     absl::StatusCode::kInvalidArgument, "field 'msg': missing required field"},
    {"msg_not_object", R"({"type":"ticker","msg":"x"})", absl::StatusCode::kInvalidArgument,
     "field 'msg': expected an object, got a string"},
    {"missing_side",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"0.5","delta_fp":"1"}})",
     absl::StatusCode::kInvalidArgument,
     "orderbook_delta: field 'msg.side': missing required field"},
    {"bad_side",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"0.5","delta_fp":"1","side":"maybe"}})",
     absl::StatusCode::kInvalidArgument, "expected \"yes\" or \"no\", got \"maybe\""},
    {"missing_price",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","delta_fp":"1","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.price_dollars': missing required field"},
    {"missing_seq",
     R"({"type":"orderbook_delta","sid":1,"msg":{"market_ticker":"X","price_dollars":"0.5","delta_fp":"1","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "field 'seq': missing required field"},
    {"missing_snapshot_ticker", R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.market_ticker': missing required field"},
    {"price_wrong_type",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":true,"delta_fp":"1","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "expected a decimal string or number, got a boolean"},
    {"ticker_wrong_type",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":7,"price_dollars":"0.5","delta_fp":"1","side":"yes"}})",
     absl::StatusCode::kInvalidArgument,
     "field 'msg.market_ticker': expected a string, got a number"},
    {"sid_negative", R"({"type":"ok","sid":-1})", absl::StatusCode::kInvalidArgument,
     "field 'sid'"},
    {"sid_string", R"({"type":"ok","sid":"1"})", absl::StatusCode::kInvalidArgument,
     "field 'sid': expected a non-negative integer, got a string"},
    {"malformed_number",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":01,"delta_fp":"1","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "malformed JSON number \"01\""},
    {"huge_count",
     R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"0.5","delta_fp":"99999999999999999999","side":"yes"}})",
     absl::StatusCode::kInvalidArgument, "out of range"},
    {"range_bad_step",
     R"({"type":"market_lifecycle_v2","msg":{"market_ticker":"M","event_type":"created","price_ranges":[{"start":"0","end":"1","step":"0"}]}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.price_ranges[0].step': step must be > 0"},
    {"range_missing_end",
     R"({"type":"market_lifecycle_v2","msg":{"market_ticker":"M","event_type":"created","price_ranges":[{"start":"0","step":"0.01"}]}})",
     absl::StatusCode::kInvalidArgument, "a range needs start, end and step"},
    {"error_without_code", R"({"type":"error","id":1,"msg":{"msg":"x"}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.code': missing required field"},
    {"subscribed_without_sid", R"({"type":"subscribed","msg":{"channel":"ticker"}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.sid': missing required field"},
    {"fill_without_order",
     R"({"type":"fill","msg":{"trade_id":"t","market_ticker":"M","yes_price_dollars":"0.5","count_fp":"1"}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.order_id': missing required field"},
    {"trade_negative_count",
     R"({"type":"trade","msg":{"trade_id":"t","market_ticker":"M","yes_price_dollars":"0.5","count_fp":"-1"}})",
     absl::StatusCode::kInvalidArgument, "field 'msg.count_fp': negative count"},
    {"bad_literal", R"({"type":"ok","sid":nul})", absl::StatusCode::kInvalidArgument, "'sid'"},
};

TEST(WsDecoderTest, ErrorClasses) {
  WsFrameDecoder d;
  for (const ErrorCase& c : kErrorCases) {
    const absl::Status s = d.Decode(c.frame);
    EXPECT_EQ(s.code(), c.code) << c.name << ": " << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.substring)) << c.name;
    // The decoder stays usable after every error.
    ASSERT_TRUE(d.Decode(R"({"type":"ok","id":1})").ok()) << c.name;
  }
}

TEST(WsDecoderTest, ErrorsReportTheByteOffsetOfTheValue) {
  WsFrameDecoder d;
  const std::string frame =
      R"({"type":"orderbook_delta","sid":1,"seq":1,"msg":{"market_ticker":"X","price_dollars":"abc","delta_fp":"1","side":"yes"}})";
  const absl::Status s = d.Decode(frame);
  ASSERT_FALSE(s.ok());
  const size_t offset = frame.find("\"abc\"");
  EXPECT_THAT(std::string(s.message()), HasSubstr("(byte " + std::to_string(offset) + ")"));
}

TEST(WsDecoderTest, LargeFrameAfterSmallOnesGrowsTheBuffer) {
  WsFrameDecoder d;
  ASSERT_TRUE(d.Decode(R"({"type":"ok","id":1})").ok());
  std::string levels;
  for (int i = 1; i <= 99; ++i) {
    if (!levels.empty()) levels += ",";
    levels += "[\"0." + std::string(i < 10 ? "0" : "") + std::to_string(i) + "\",\"1\"]";
  }
  const std::string frame =
      R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"X","yes_dollars_fp":[)" +
      levels + "]}}";
  const WsMessage& m = MustDecode(d, frame);
  ASSERT_EQ(m.snapshot.yes.size(), 99u);
  EXPECT_EQ(m.snapshot.yes.back().price, P("0.99"));
}

}  // namespace
}  // namespace arbor::venue::kalshi
