#include "arbor/venue/polymarket/market_decoder.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kAsset =
    "71321045679252212594626385532706912750332728571942532289631379312455583992563";

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }

TEST(MarketDecoderTest, DecodesBookSnapshot) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(R"({"event_type":"book","asset_id":"123","market":"0xabc",
      "bids":[{"price":"0.48","size":"30"},{"price":"0.49","size":"20.5"}],
      "asks":[{"price":"0.52","size":"25"}],"timestamp":"1729084877448","hash":"deadbeef"})");
  ASSERT_TRUE(frame.ok()) << frame.status();
  const MarketFrame& f = **frame;
  EXPECT_EQ(f.kind(), FrameKind::kEvents);
  ASSERT_EQ(f.events().size(), 1u);
  EXPECT_EQ(f.events()[0].type, MarketEventType::kBook);
  const BookEvent& b = f.books()[0];
  EXPECT_EQ(b.asset_id, "123");
  EXPECT_EQ(b.market, "0xabc");
  EXPECT_EQ(b.hash, "deadbeef");
  EXPECT_EQ(b.timestamp_ms, 1729084877448);
  ASSERT_EQ(b.bids.size(), 2u);
  EXPECT_EQ(b.bids[1].price, P("0.49"));
  EXPECT_EQ(b.bids[1].size, Q("20.5"));
  ASSERT_EQ(b.asks.size(), 1u);
  EXPECT_EQ(b.asks[0].price, P("0.52"));
}

TEST(MarketDecoderTest, EventTypeMayComeLastAndUnknownFieldsAreIgnored) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(R"({"asks":[],"bids":[{"price":"0.5","size":"1"}],
      "new_field":{"nested":[1,2,{"x":null}]},"market":"m","asset_id":"a",
      "timestamp":"1","event_type":"book"})");
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ((*frame)->books().size(), 1u);
  EXPECT_EQ((*frame)->books()[0].bids.size(), 1u);
  EXPECT_TRUE((*frame)->books()[0].hash.empty());
}

TEST(MarketDecoderTest, DecodesNewSchemaPriceChange) {
  MarketFrameDecoder decoder;
  const std::string frame = std::string(R"({"market":"0x5f","price_changes":[
      {"asset_id":")") + std::string(kAsset) +
                            R"(","price":"0.6","side":"BUY","size":"3300",
       "hash":"h1","best_bid":"0.6","best_ask":"0.7"},
      {"asset_id":"999","price":"0.41","side":"SELL","size":"0","hash":"h2","best_bid":"",
       "best_ask":null}],
      "event_type":"price_change","timestamp":"1729084877448"})";
  auto decoded = decoder.Decode(frame);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ((*decoded)->price_changes().size(), 1u);
  const PriceChangeEvent& e = (*decoded)->price_changes()[0];
  EXPECT_FALSE(e.legacy_schema);
  EXPECT_EQ(e.market, "0x5f");
  EXPECT_EQ(e.timestamp_ms, 1729084877448);
  ASSERT_EQ(e.entries.size(), 2u);
  EXPECT_EQ(e.entries[0].asset_id, kAsset);
  EXPECT_EQ(e.entries[0].price, P("0.6"));
  EXPECT_EQ(e.entries[0].size, Q("3300"));
  EXPECT_EQ(e.entries[0].side, Side::kBuy);
  EXPECT_EQ(e.entries[0].hash, "h1");
  EXPECT_EQ(e.entries[0].best_bid, P("0.6"));
  EXPECT_EQ(e.entries[0].best_ask, P("0.7"));
  EXPECT_EQ(e.entries[1].side, Side::kSell);
  EXPECT_TRUE(e.entries[1].size.IsZero());
  EXPECT_FALSE(e.entries[1].best_bid.has_value());
  EXPECT_FALSE(e.entries[1].best_ask.has_value());
}

TEST(MarketDecoderTest, DecodesLegacyPriceChangeIntoOneEntry) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(R"({"asset_id":"483","event_type":"price_change","hash":"bf32",
      "market":"0xdd","price":"0.514","side":"SELL","size":"21574.08","timestamp":"1723967931411"})");
  ASSERT_TRUE(frame.ok()) << frame.status();
  const PriceChangeEvent& e = (*frame)->price_changes()[0];
  EXPECT_TRUE(e.legacy_schema);
  ASSERT_EQ(e.entries.size(), 1u);
  EXPECT_EQ(e.entries[0].asset_id, "483");
  EXPECT_EQ(e.entries[0].price, P("0.514"));
  EXPECT_EQ(e.entries[0].size, Q("21574.08"));
  EXPECT_EQ(e.entries[0].side, Side::kSell);
  EXPECT_EQ(e.entries[0].hash, "bf32");
  EXPECT_EQ(e.timestamp_ms, 1723967931411);
}

TEST(MarketDecoderTest, DecodesOtherEventTypes) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(R"([
    {"event_type":"last_trade_price","asset_id":"1","market":"m","price":"0.491","side":"SELL",
     "size":"85.36","fee_rate_bps":"0","timestamp":"1724564136087"},
    {"event_type":"tick_size_change","asset_id":"1","market":"m","old_tick_size":"0.01",
     "new_tick_size":"0.001","timestamp":"1739068041853"},
    {"event_type":"best_bid_ask","asset_id":"1","market":"m","best_bid":"0.73","best_ask":"0.77",
     "spread":"0.04","timestamp":"1766789469958"},
    {"event_type":"new_market","id":"1031769","question":"Q?","market":"0x31","slug":"s",
     "description":"d \"quoted\"","assets_ids":["a1","a2"],"outcomes":["Yes","No"],
     "event_message":{"id":"125819","ticker":"t","slug":"s","title":"T","description":"D"},
     "timestamp":"1766790415550","tags":["stocks"],"condition_id":"0x31","active":true,
     "clob_token_ids":["a1","a2"],"sports_market_type":"","line":"","game_start_time":"",
     "order_price_min_tick_size":"0.01","group_item_title":"G"},
    {"event_type":"market_resolved","id":"1031769","market":"0x31","assets_ids":["a1","a2"],
     "winning_asset_id":"a1","winning_outcome":"Yes","timestamp":"1766790415550","tags":["x"]}
  ])");
  ASSERT_TRUE(frame.ok()) << frame.status();
  const MarketFrame& f = **frame;
  ASSERT_EQ(f.events().size(), 5u);
  EXPECT_EQ(f.events()[0].type, MarketEventType::kLastTradePrice);
  EXPECT_EQ(f.events()[4].type, MarketEventType::kMarketResolved);

  const LastTradePriceEvent& t = f.last_trade_prices()[0];
  EXPECT_EQ(t.price, P("0.491"));
  EXPECT_EQ(t.size, Q("85.36"));
  EXPECT_EQ(t.side, Side::kSell);
  EXPECT_EQ(t.fee_rate_bps, 0);
  EXPECT_EQ(t.timestamp_ms, 1724564136087);

  const TickSizeChangeEvent& tick = f.tick_size_changes()[0];
  EXPECT_EQ(tick.old_tick_size, P("0.01"));
  EXPECT_EQ(tick.new_tick_size, P("0.001"));

  const BestBidAskEvent& bba = f.best_bid_asks()[0];
  EXPECT_EQ(bba.best_bid, P("0.73"));
  EXPECT_EQ(bba.best_ask, P("0.77"));
  EXPECT_EQ(bba.spread, P("0.04"));

  const NewMarketEvent& nm = f.new_markets()[0];
  EXPECT_EQ(nm.id, "1031769");
  EXPECT_EQ(nm.description, "d \"quoted\"");  // escapes are unescaped
  ASSERT_EQ(nm.assets_ids.size(), 2u);
  EXPECT_EQ(nm.assets_ids[1], "a2");
  ASSERT_EQ(nm.outcomes.size(), 2u);
  EXPECT_EQ(nm.outcomes[0], "Yes");
  ASSERT_EQ(nm.clob_token_ids.size(), 2u);
  ASSERT_EQ(nm.tags.size(), 1u);
  EXPECT_EQ(nm.tags[0], "stocks");
  EXPECT_EQ(nm.event_message.ticker, "t");
  EXPECT_EQ(nm.active, true);
  EXPECT_EQ(nm.order_price_min_tick_size, P("0.01"));
  EXPECT_EQ(nm.group_item_title, "G");

  const MarketResolvedEvent& r = f.market_resolutions()[0];
  EXPECT_EQ(r.winning_asset_id, "a1");
  EXPECT_EQ(r.winning_outcome, "Yes");
  ASSERT_EQ(r.assets_ids.size(), 2u);
  ASSERT_EQ(r.tags.size(), 1u);
  EXPECT_EQ(r.tags[0], "x");
}

TEST(MarketDecoderTest, ArrayFrameOfBooksKeepsEachBooksLevels) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(R"([
    {"event_type":"book","asset_id":"A","market":"m","timestamp":"1",
     "bids":[{"price":"0.1","size":"1"}],"asks":[{"price":"0.9","size":"2"},{"price":"0.8","size":"3"}]},
    {"event_type":"book","asset_id":"B","market":"m","timestamp":"2",
     "bids":[{"price":"0.2","size":"4"},{"price":"0.3","size":"5"}],"asks":[]}])");
  ASSERT_TRUE(frame.ok()) << frame.status();
  const auto books = (*frame)->books();
  ASSERT_EQ(books.size(), 2u);
  ASSERT_EQ(books[0].bids.size(), 1u);
  ASSERT_EQ(books[0].asks.size(), 2u);
  EXPECT_EQ(books[0].asks[1].size, Q("3"));
  ASSERT_EQ(books[1].bids.size(), 2u);
  EXPECT_EQ(books[1].bids[1].price, P("0.3"));
  EXPECT_TRUE(books[1].asks.empty());
}

TEST(MarketDecoderTest, EmptyArrayIsAFrameWithNoEvents) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(" [ ] ");
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ((*frame)->kind(), FrameKind::kEvents);
  EXPECT_TRUE((*frame)->events().empty());
}

TEST(MarketDecoderTest, DecodesTextFrames) {
  MarketFrameDecoder decoder;
  struct Case {
    std::string_view text;
    FrameKind kind;
  };
  for (const Case& c : {Case{"PONG", FrameKind::kPong}, Case{"PONG\n", FrameKind::kPong},
                        Case{"NO NEW ASSETS", FrameKind::kNoNewAssets},
                        Case{"INVALID OPERATION", FrameKind::kInvalidOperation}}) {
    auto frame = decoder.Decode(c.text);
    ASSERT_TRUE(frame.ok()) << c.text << ": " << frame.status();
    EXPECT_EQ((*frame)->kind(), c.kind) << c.text;
    EXPECT_TRUE((*frame)->events().empty());
  }
}

TEST(MarketDecoderTest, DecodeAsAcceptsPayloadWithoutEventType) {
  MarketFrameDecoder decoder;
  constexpr std::string_view kPayload =
      R"({"market":"m","asset_id":"a","bids":[],"asks":[{"price":"0.5","size":"1"}],"timestamp":"5"})";
  auto strict = decoder.Decode(kPayload);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(strict.status().message(), HasSubstr("missing field \"event_type\""));

  auto lenient = decoder.DecodeAs(kPayload, MarketEventType::kBook);
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  ASSERT_EQ((*lenient)->books().size(), 1u);
  EXPECT_EQ((*lenient)->books()[0].asks[0].price, P("0.5"));

  auto mismatch = decoder.DecodeAs(
      R"({"event_type":"price_change","market":"m","timestamp":"1","price_changes":[]})",
      MarketEventType::kBook);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.status().message(), HasSubstr("expected \"book\""));
}

TEST(MarketDecoderTest, UnknownEventTypeIsUnimplemented) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(R"({"event_type":"shiny_new_thing","x":1})");
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(frame.status().message(), HasSubstr("shiny_new_thing"));
}

TEST(MarketDecoderTest, UnknownEventInsideArrayIsSkippedAndListed) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(R"([{"event_type":"shiny","x":1},
      {"event_type":"price_change","market":"m","timestamp":"1","price_changes":[
        {"asset_id":"a","price":"0.5","size":"1","side":"BUY"}]}])");
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ((*frame)->price_changes().size(), 1u);
  ASSERT_EQ((*frame)->skipped_unknown_types().size(), 1u);
  EXPECT_EQ((*frame)->skipped_unknown_types()[0], "shiny");

  auto only_unknown = decoder.Decode(R"([{"event_type":"a"},{"event_type":"b"}])");
  ASSERT_FALSE(only_unknown.ok());
  EXPECT_EQ(only_unknown.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(only_unknown.status().message(), HasSubstr("2 event(s) of unknown type"));
}

struct ErrorCase {
  const char* name;
  const char* frame;
  absl::StatusCode code;
  const char* message;  // substring
};

class MarketDecoderErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(MarketDecoderErrorTest, RejectsWithAPreciseMessage) {
  const ErrorCase& c = GetParam();
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(c.frame);
  ASSERT_FALSE(frame.ok()) << c.name;
  EXPECT_EQ(frame.status().code(), c.code) << frame.status();
  EXPECT_THAT(std::string(frame.status().message()), HasSubstr(c.message));
}

constexpr const char* kPc =
    R"({"event_type":"price_change","market":"m","timestamp":"1","price_changes":[%s]})";

std::string PriceChangeWith(std::string_view entry) {
  std::string s = kPc;
  s.replace(s.find("%s"), 2, entry);
  return s;
}

const std::string kNanPrice =
    PriceChangeWith(R"({"asset_id":"a","price":"NaN","size":"1","side":"BUY"})");
const std::string kNegSize =
    PriceChangeWith(R"({"asset_id":"a","price":"0.5","size":"-1","side":"BUY"})");
const std::string kBigPrice =
    PriceChangeWith(R"({"asset_id":"a","price":"1.01","size":"1","side":"BUY"})");
const std::string kBadSide =
    PriceChangeWith(R"({"asset_id":"a","price":"0.5","size":"1","side":"buy"})");
const std::string kNoSize = PriceChangeWith(R"({"asset_id":"a","price":"0.5","side":"BUY"})");
const std::string kTooPrecise =
    PriceChangeWith(R"({"asset_id":"a","price":"0.1234567","size":"1","side":"BUY"})");
const std::string kNumberSide =
    PriceChangeWith(R"({"asset_id":"a","price":"0.5","size":"1","side":1})");
const std::string kSecondBad = PriceChangeWith(
    R"({"asset_id":"a","price":"0.5","size":"1","side":"BUY"},{"asset_id":"a","price":"x","size":"1","side":"BUY"})");
const std::string kDupKey =
    PriceChangeWith(R"({"asset_id":"a","price":"0.5","price":"0.6","size":"1","side":"BUY"})");
const std::string kEmptyAsset =
    PriceChangeWith(R"({"asset_id":"","price":"0.5","size":"1","side":"BUY"})");

const std::string kHugeSize =
    PriceChangeWith(R"({"asset_id":"a","price":"0.5","size":"99999999999999999999","side":"BUY"})");

const ErrorCase kErrorCases[] = {
    {"empty", "", absl::StatusCode::kInvalidArgument, "empty frame"},
    {"whitespace", " \n ", absl::StatusCode::kInvalidArgument, "empty frame"},
    {"text", "HELLO", absl::StatusCode::kInvalidArgument, "unrecognised text frame \"HELLO\""},
    {"truncated", R"({"event_type":"book","asset_id":"a","bids":[{"price":"0.5")",
     absl::StatusCode::kInvalidArgument, "malformed JSON"},
    {"unclosed_string", R"({"event_type":"book)", absl::StatusCode::kInvalidArgument,
     "malformed JSON"},
    {"trailing",
     R"({"event_type":"price_change","market":"m","timestamp":"1","price_changes":[]} {})",
     absl::StatusCode::kInvalidArgument, "trailing content at byte"},
    {"missing_event_type", R"({"market":"m"})", absl::StatusCode::kInvalidArgument,
     "missing field \"event_type\""},
    {"event_type_not_string", R"({"event_type":7})", absl::StatusCode::kInvalidArgument,
     "field \"event_type\" at byte 14: expected string, got number"},
    {"nan_price", kNanPrice.c_str(), absl::StatusCode::kInvalidArgument,
     "price_change event: field \"price_changes[0].price\" at byte 99"},
    {"nan_price_reason", kNanPrice.c_str(), absl::StatusCode::kInvalidArgument,
     "invalid decimal \"NaN\""},
    {"negative_size", kNegSize.c_str(), absl::StatusCode::kInvalidArgument,
     "field \"price_changes[0].size\""},
    {"negative_size_reason", kNegSize.c_str(), absl::StatusCode::kInvalidArgument,
     "negative size -1"},
    {"price_above_one", kBigPrice.c_str(), absl::StatusCode::kInvalidArgument,
     "price 1.01 outside [0, 1]"},
    {"bad_side", kBadSide.c_str(), absl::StatusCode::kInvalidArgument,
     "side must be \"BUY\" or \"SELL\", got \"buy\""},
    {"number_side", kNumberSide.c_str(), absl::StatusCode::kInvalidArgument, "got number"},
    {"missing_size", kNoSize.c_str(), absl::StatusCode::kInvalidArgument,
     "missing field \"price_changes[0].size\""},
    {"too_precise", kTooPrecise.c_str(), absl::StatusCode::kInvalidArgument,
     "more than 6 decimal places"},
    {"second_entry", kSecondBad.c_str(), absl::StatusCode::kInvalidArgument,
     "price_changes[1].price"},
    {"duplicate_key", kDupKey.c_str(), absl::StatusCode::kInvalidArgument,
     "price_changes[0].price\" at byte 113: duplicate field"},
    {"empty_asset", kEmptyAsset.c_str(), absl::StatusCode::kInvalidArgument,
     "price_changes[0].asset_id\" at byte 87: empty"},
    {"bids_not_array",
     R"({"event_type":"book","asset_id":"a","market":"m","timestamp":"1","bids":{},"asks":[]})",
     absl::StatusCode::kInvalidArgument, "field \"bids\" at byte 72: expected array, got object"},
    {"level_not_object",
     R"({"event_type":"book","asset_id":"a","market":"m","timestamp":"1","bids":["0.5"],"asks":[]})",
     absl::StatusCode::kInvalidArgument, "bids[0]\" at byte 73: expected object, got string"},
    {"book_missing_asks",
     R"({"event_type":"book","asset_id":"a","market":"m","timestamp":"1","bids":[]})",
     absl::StatusCode::kInvalidArgument, "book event: missing field \"asks\""},
    {"bad_timestamp",
     R"({"event_type":"book","asset_id":"a","market":"m","timestamp":"12x","bids":[],"asks":[]})",
     absl::StatusCode::kInvalidArgument, "invalid integer \"12x\""},
    {"bad_literal", R"({"event_type":"new_market","market":"m","timestamp":"1","active":tru})",
     absl::StatusCode::kInvalidArgument, "invalid literal"},
    {"huge_size", kHugeSize.c_str(), absl::StatusCode::kInvalidArgument, "out of range"},
    {"tick_zero",
     R"({"event_type":"tick_size_change","asset_id":"a","market":"m","new_tick_size":"0","timestamp":"1"})",
     absl::StatusCode::kInvalidArgument, "tick size 0 outside (0, 1]"},
    {"array_element_not_object",
     R"([{"event_type":"price_change","market":"m","timestamp":"1","price_changes":[]},3])",
     absl::StatusCode::kInvalidArgument, "expected object, got number"},
    {"array_event_index",
     R"([{"event_type":"price_change","market":"m","timestamp":"1","price_changes":[]},{"event_type":"book","market":"m"}])",
     absl::StatusCode::kInvalidArgument, "book event[1]: missing field \"asset_id\""},
    {"root_scalar", R"("PONG")", absl::StatusCode::kInvalidArgument, "unrecognised text frame"},
};

INSTANTIATE_TEST_SUITE_P(Cases, MarketDecoderErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(MarketDecoderTest, OversizedFrameIsResourceExhausted) {
  MarketFrameDecoder decoder(MarketDecoderOptions{.max_frame_bytes = 16});
  auto frame = decoder.Decode(R"({"event_type":"book","asset_id":"a"})");
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(MarketDecoderTest, DecoderRecoversAfterAnError) {
  MarketFrameDecoder decoder;
  ASSERT_FALSE(decoder.Decode(kNanPrice).ok());
  auto frame =
      decoder.Decode(PriceChangeWith(R"({"asset_id":"a","price":"0.5","size":"1","side":"BUY"})"));
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ((*frame)->price_changes()[0].entries.size(), 1u);
  EXPECT_EQ((*frame)->price_changes()[0].entries[0].price, P("0.5"));
}

TEST(MarketDecoderTest, NumbersAreAcceptedExactly) {
  MarketFrameDecoder decoder;
  auto frame = decoder.Decode(
      PriceChangeWith(R"({"asset_id":"a","price":0.123456,"size":1e2,"side":"SELL"})"));
  ASSERT_TRUE(frame.ok()) << frame.status();
  const PriceChangeEntry& e = (*frame)->price_changes()[0].entries[0];
  EXPECT_EQ(e.price.micros(), 123456);
  EXPECT_EQ(e.size, Q("100"));
}

}  // namespace
}  // namespace arbor::venue::polymarket
