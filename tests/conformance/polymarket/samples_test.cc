// Conformance: every Polymarket sample under ../shared/protocols/samples/polymarket is decoded
// (read in place) by the parser for its endpoint, and concrete values are checked against the
// files. Files for endpoints this library does not parse are listed explicitly, so a new sample
// fails SamplesTest.EverySampleIsClassified until someone decides where it belongs.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/book_hash.h"
#include "arbor/venue/polymarket/gamma.h"
#include "arbor/venue/polymarket/market_decoder.h"
#include "arbor/venue/polymarket/rest_parsers.h"
#include "arbor/venue/polymarket/user_decoder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path kSamples =
    std::filesystem::path(ARBOR_SHARED_DIR) / "protocols" / "samples" / "polymarket";

std::string ReadSample(std::string_view relative) {
  std::ifstream in(kSamples / std::string(relative), std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << (kSamples / std::string(relative));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }
Money M(std::string_view s) { return *Money::Parse(s); }

// --- Classification -------------------------------------------------------------------------

// Samples decoded by these tests, by endpoint.
const std::set<std::string> kCovered = {
    // Market channel.
    "ws_market/nt_py_book.json",
    "ws_market/nt_py_last_trade_price.json",
    "ws_market/nt_py_price_change.json",
    "ws_market/nt_py_price_change_v2.json",
    "ws_market/nt_py_tick_size_change.json",
    "ws_market/nt_rs_ws_book_snapshot.json",
    "ws_market/nt_rs_ws_last_trade.json",
    "ws_market/nt_rs_ws_market_best_bid_ask_msg.json",
    "ws_market/nt_rs_ws_market_book_msg.json",
    "ws_market/nt_rs_ws_market_last_trade_msg.json",
    "ws_market/nt_rs_ws_market_new_market_msg.json",
    "ws_market/nt_rs_ws_market_price_change_msg.json",
    "ws_market/nt_rs_ws_market_resolved_msg.json",
    "ws_market/nt_rs_ws_market_tick_size_msg.json",
    "ws_market/nt_rs_ws_quotes.json",
    "ws_market/nt_rs_ws_tick_size_change.json",
    // User channel.
    "ws_user/nt_py_order_cancel.json",
    "ws_user/nt_py_order_placement.json",
    "ws_user/nt_py_user_trade1.json",
    "ws_user/nt_py_user_trade2.json",
    "ws_user/nt_py_user_trade3.json",
    "ws_user/nt_py_user_trade4.json",
    "ws_user/nt_rs_ws_user_order_cancellation.json",
    "ws_user/nt_rs_ws_user_order_fok_killed.json",
    "ws_user/nt_rs_ws_user_order_matched.json",
    "ws_user/nt_rs_ws_user_order_msg.json",
    "ws_user/nt_rs_ws_user_order_placement.json",
    "ws_user/nt_rs_ws_user_order_update.json",
    "ws_user/nt_rs_ws_user_order_venue_cancel.json",
    "ws_user/nt_rs_ws_user_trade.json",
    "ws_user/nt_rs_ws_user_trade_msg.json",
    // CLOB REST (public + order/trade rows).
    "clob_rest/nt_py_book.json",
    "clob_rest/nt_rs_clob_book_response.json",
    "clob_rest/nt_py_clob_market.json",
    "clob_rest/nt_py_clob_markets_page.json",
    "clob_rest/nt_rs_clob_market_closed_binary_accepting_false.json",
    "clob_rest/nt_rs_clob_market_closed_binary_accepting_true.json",
    "clob_rest/nt_rs_clob_fee_rate_response_nonzero.json",
    "clob_rest/nt_rs_clob_fee_rate_response_zero.json",
    "clob_rest/nt_py_clob_trade.json",
    "clob_rest/nt_rs_http_trade_report.json",
    "clob_rest/nt_rs_http_trades_page.json",
    "clob_rest/nt_rs_http_open_order.json",
    "clob_rest/nt_rs_http_open_order_sell_fok.json",
    "clob_rest/nt_rs_http_open_orders_page.json",
    // Gamma.
    "gamma/nt_py_gamma_event_min.json",
    "gamma/nt_py_gamma_market_slug.json",
    "gamma/nt_rs_gamma_event.json",
    "gamma/nt_rs_gamma_market.json",
    "gamma/nt_rs_gamma_market_closed_binary_accepting_false.json",
    "gamma/nt_rs_gamma_market_closed_binary_accepting_true.json",
    "gamma/nt_rs_gamma_market_closed_nonbinary_legacy.json",
    "gamma/nt_rs_gamma_market_closed_zero_zero_legacy.json",
    "gamma/nt_rs_gamma_market_sports_market_map_handicap.json",
    "gamma/nt_rs_gamma_market_sports_market_money_line.json",
    "gamma/nt_rs_gamma_tags.json",
    "gamma/nt_rs_search_response.json",
};

// Samples of endpoints outside this library (order entry, balances, Data API): the execution
// client owns those shapes.
const std::set<std::string> kNotCovered = {
    "clob_rest/nt_rs_http_balance_allowance_collateral.json",
    "clob_rest/nt_rs_http_balance_allowance_no_allowance.json",
    "clob_rest/nt_rs_http_batch_cancel_response.json",
    "clob_rest/nt_rs_http_cancel_response_failed.json",
    "clob_rest/nt_rs_http_cancel_response_ok.json",
    "clob_rest/nt_rs_http_order_response_error_500.json",
    "clob_rest/nt_rs_http_order_response_failed.json",
    "clob_rest/nt_rs_http_order_response_ok.json",
    "clob_rest/nt_rs_http_signed_order.json",
    "data_api/nt_py_data_api_trades.json",
    "data_api/nt_rs_data_api_positions_response.json",
    "data_api/nt_rs_data_api_trades_response.json",
};

TEST(SamplesTest, EverySampleIsClassified) {
  std::vector<std::string> unclassified;
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSamples)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string rel = std::filesystem::relative(entry.path(), kSamples).generic_string();
    if (kCovered.count(rel) == 0 && kNotCovered.count(rel) == 0) unclassified.push_back(rel);
  }
  EXPECT_THAT(unclassified, ::testing::IsEmpty());
  EXPECT_EQ(files, kCovered.size() + kNotCovered.size());
}

// --- Market channel -------------------------------------------------------------------------

TEST(MarketSamplesTest, EveryMarketSampleDecodes) {
  MarketFrameDecoder decoder;
  // Synthetic NautilusTrader payloads without event_type: the strict decoder rejects them and
  // names the field; DecodeAs with the payload's type decodes them.
  const std::vector<std::pair<std::string, MarketEventType>> without_type = {
      {"ws_market/nt_rs_ws_book_snapshot.json", MarketEventType::kBook},
      {"ws_market/nt_rs_ws_last_trade.json", MarketEventType::kLastTradePrice},
      {"ws_market/nt_rs_ws_tick_size_change.json", MarketEventType::kTickSizeChange},
      {"ws_market/nt_rs_ws_quotes.json", MarketEventType::kPriceChange},
  };
  for (const auto& [file, type] : without_type) {
    const std::string text = ReadSample(file);
    absl::StatusOr<const MarketFrame*> strict = decoder.Decode(text);
    ASSERT_FALSE(strict.ok()) << file;
    EXPECT_EQ(strict.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(strict.status().message()), HasSubstr("missing field \"event_type\""));
    absl::StatusOr<const MarketFrame*> lenient = decoder.DecodeAs(text, type);
    ASSERT_TRUE(lenient.ok()) << file << ": " << lenient.status();
    ASSERT_EQ((*lenient)->events().size(), 1u) << file;
    EXPECT_EQ((*lenient)->events()[0].type, type) << file;
  }
  for (const std::string& file : kCovered) {
    if (file.rfind("ws_market/", 0) != 0) continue;
    if (std::any_of(without_type.begin(), without_type.end(),
                    [&](const auto& p) { return p.first == file; })) {
      continue;
    }
    absl::StatusOr<const MarketFrame*> frame = decoder.Decode(ReadSample(file));
    ASSERT_TRUE(frame.ok()) << file << ": " << frame.status();
    EXPECT_EQ((*frame)->events().size(), 1u) << file;
  }
}

TEST(MarketSamplesTest, RealBookCaptureAppliesWithBestLevelsLast) {
  MarketFrameDecoder decoder;
  absl::StatusOr<const MarketFrame*> frame =
      decoder.Decode(ReadSample("ws_market/nt_py_book.json"));
  ASSERT_TRUE(frame.ok()) << frame.status();
  const BookEvent& book = (*frame)->books()[0];
  EXPECT_EQ(book.asset_id,
            "48331043336612883890938759509493159234755048973500640148014422747788308965732");
  EXPECT_EQ(book.hash, "655a38d4977427b086c25b985993691b753ed166");
  EXPECT_EQ(book.timestamp_ms, 1728799418260);
  EXPECT_EQ(book.bids.size(), 76u);
  EXPECT_EQ(book.asks.size(), 86u);
  // Wire order: asks descending, bids ascending; the best level is the last element.
  EXPECT_EQ(book.asks.front().price, P("0.999"));
  EXPECT_EQ(book.bids.back().price, P("0.511"));

  BookSet books;
  ASSERT_TRUE(books.Apply(**frame).ok());
  const book::OrderBook* ob = books.Find(book.asset_id);
  ASSERT_NE(ob, nullptr);
  EXPECT_EQ(ob->BestBid()->price, P("0.511"));
  EXPECT_EQ(ob->BestBid()->size, Q("1304.72"));
  EXPECT_EQ(ob->BestAsk()->price, P("0.514"));
  EXPECT_EQ(ob->BestAsk()->size, Q("20230.87"));
  EXPECT_EQ(ob->LevelCount(book::BookSide::kBid), 76);
  EXPECT_EQ(ob->LevelCount(book::BookSide::kAsk), 86);
  EXPECT_EQ(books.TickSize(book.asset_id), P("0.001"));  // inferred: prices have 3 decimals
  EXPECT_EQ(books.LastHash(book.asset_id), "655a38d4977427b086c25b985993691b753ed166");

  // The legacy price_change capture is for the same asset: it applies on top.
  absl::StatusOr<const MarketFrame*> change =
      decoder.Decode(ReadSample("ws_market/nt_py_price_change.json"));
  ASSERT_TRUE(change.ok()) << change.status();
  ASSERT_TRUE(books.Apply(**change).ok());
  EXPECT_EQ(ob->SizeAt(book::BookSide::kAsk, P("0.514")), Q("21574.08"));
  EXPECT_EQ(books.LastHash(book.asset_id), "bf32b3746fff40c76c98021b7f3f07261169dd26");
}

TEST(MarketSamplesTest, PriceChangeSchemas) {
  MarketFrameDecoder decoder;
  absl::StatusOr<const MarketFrame*> v2 =
      decoder.Decode(ReadSample("ws_market/nt_py_price_change_v2.json"));
  ASSERT_TRUE(v2.ok()) << v2.status();
  const PriceChangeEvent& e = (*v2)->price_changes()[0];
  EXPECT_FALSE(e.legacy_schema);
  EXPECT_EQ(e.market, "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1");
  EXPECT_EQ(e.timestamp_ms, 1729084877448);
  ASSERT_EQ(e.entries.size(), 3u);
  EXPECT_EQ(e.entries[0].asset_id,
            "52114319501245915516055106046884209969926127482827954674443846427813813222426");
  EXPECT_EQ(e.entries[0].price, P("0.6"));
  EXPECT_EQ(e.entries[0].size, Q("3300"));
  EXPECT_EQ(e.entries[1].price, P("0.5"));
  EXPECT_EQ(e.entries[1].hash, "af32b3746fff40c76c98021b7f3f07261169dd27");
  EXPECT_EQ(e.entries[2].price, P("0.7"));
  EXPECT_EQ(e.entries[2].size, Q("3400"));
  for (const PriceChangeEntry& entry : e.entries) {
    EXPECT_EQ(entry.side, Side::kBuy);
    EXPECT_EQ(entry.best_bid, P("0.6"));
    EXPECT_EQ(entry.best_ask, P("0.7"));
  }

  absl::StatusOr<const MarketFrame*> legacy =
      decoder.Decode(ReadSample("ws_market/nt_py_price_change.json"));
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  const PriceChangeEvent& l = (*legacy)->price_changes()[0];
  EXPECT_TRUE(l.legacy_schema);
  ASSERT_EQ(l.entries.size(), 1u);
  EXPECT_EQ(l.entries[0].side, Side::kSell);
  EXPECT_EQ(l.entries[0].price, P("0.514"));
  EXPECT_EQ(l.timestamp_ms, 1723967931411);

  absl::StatusOr<const MarketFrame*> quotes =
      decoder.DecodeAs(ReadSample("ws_market/nt_rs_ws_quotes.json"), MarketEventType::kPriceChange);
  ASSERT_TRUE(quotes.ok()) << quotes.status();
  const PriceChangeEvent& q = (*quotes)->price_changes()[0];
  ASSERT_EQ(q.entries.size(), 2u);
  EXPECT_NE(q.entries[0].asset_id, q.entries[1].asset_id);  // YES and NO in one frame
  EXPECT_EQ(q.entries[1].side, Side::kSell);
  EXPECT_EQ(q.entries[1].best_ask, P("0.49"));
}

TEST(MarketSamplesTest, CustomFeatureEvents) {
  MarketFrameDecoder decoder;
  absl::StatusOr<const MarketFrame*> nm =
      decoder.Decode(ReadSample("ws_market/nt_rs_ws_market_new_market_msg.json"));
  ASSERT_TRUE(nm.ok()) << nm.status();
  const NewMarketEvent& m = (*nm)->new_markets()[0];
  EXPECT_EQ(m.id, "1031769");
  EXPECT_EQ(m.question, "Will NVIDIA (NVDA) close above $240 end of January?");
  EXPECT_EQ(m.slug, "nvda-above-240-on-january-30-2026");
  EXPECT_THAT(m.description, HasSubstr("resolve to \"Yes\""));
  EXPECT_THAT(m.outcomes, ElementsAre("Yes", "No"));
  ASSERT_EQ(m.assets_ids.size(), 2u);
  EXPECT_EQ(m.assets_ids[0],
            "76043073756653678226373981964075571318267289248134717369284518995922789326425");
  EXPECT_THAT(m.clob_token_ids, ElementsAre(m.assets_ids[0], m.assets_ids[1]));
  EXPECT_EQ(m.event_message.ticker, "nvda-above-in-january-2026");
  EXPECT_EQ(m.event_message.id, "125819");
  EXPECT_THAT(m.tags, ElementsAre("stocks"));
  EXPECT_EQ(m.active, true);
  EXPECT_EQ(m.order_price_min_tick_size, P("0.01"));
  EXPECT_EQ(m.group_item_title, "NVDA above $240");
  EXPECT_TRUE(m.sports_market_type.empty());
  EXPECT_EQ(m.timestamp_ms, 1766790415550);

  absl::StatusOr<const MarketFrame*> bba =
      decoder.Decode(ReadSample("ws_market/nt_rs_ws_market_best_bid_ask_msg.json"));
  ASSERT_TRUE(bba.ok()) << bba.status();
  EXPECT_EQ((*bba)->best_bid_asks()[0].best_bid, P("0.73"));
  EXPECT_EQ((*bba)->best_bid_asks()[0].best_ask, P("0.77"));
  EXPECT_EQ((*bba)->best_bid_asks()[0].spread, P("0.04"));

  absl::StatusOr<const MarketFrame*> resolved =
      decoder.Decode(ReadSample("ws_market/nt_rs_ws_market_resolved_msg.json"));
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  const MarketResolvedEvent& r = (*resolved)->market_resolutions()[0];
  EXPECT_EQ(r.winning_outcome, "Yes");
  EXPECT_EQ(r.winning_asset_id,
            "76043073756653678226373981964075571318267289248134717369284518995922789326425");
  EXPECT_EQ(r.assets_ids.size(), 2u);
}

TEST(MarketSamplesTest, TickSizeChangeAndTrades) {
  MarketFrameDecoder decoder;
  absl::StatusOr<const MarketFrame*> tick =
      decoder.Decode(ReadSample("ws_market/nt_py_tick_size_change.json"));
  ASSERT_TRUE(tick.ok()) << tick.status();
  EXPECT_EQ((*tick)->tick_size_changes()[0].old_tick_size, P("0.01"));
  EXPECT_EQ((*tick)->tick_size_changes()[0].new_tick_size, P("0.001"));

  absl::StatusOr<const MarketFrame*> tick2 =
      decoder.Decode(ReadSample("ws_market/nt_rs_ws_market_tick_size_msg.json"));
  ASSERT_TRUE(tick2.ok()) << tick2.status();
  EXPECT_EQ((*tick2)->tick_size_changes()[0].old_tick_size, P("0.1"));

  absl::StatusOr<const MarketFrame*> trade =
      decoder.Decode(ReadSample("ws_market/nt_py_last_trade_price.json"));
  ASSERT_TRUE(trade.ok()) << trade.status();
  const LastTradePriceEvent& t = (*trade)->last_trade_prices()[0];
  EXPECT_EQ(t.price, P("0.491"));
  EXPECT_EQ(t.size, Q("85.36"));
  EXPECT_EQ(t.side, Side::kSell);
  EXPECT_EQ(t.fee_rate_bps, 0);
}

TEST(MarketSamplesTest, SyntheticBookThenPriceChangeThenTickChange) {
  MarketFrameDecoder decoder;
  BookSet books;
  const std::string asset =
      "71321045679252212594626385532706912750332728571942532289631379312455583992563";
  for (const char* file : {"ws_market/nt_rs_ws_market_book_msg.json",
                           "ws_market/nt_rs_ws_market_price_change_msg.json"}) {
    absl::StatusOr<const MarketFrame*> frame = decoder.Decode(ReadSample(file));
    ASSERT_TRUE(frame.ok()) << file << ": " << frame.status();
    ASSERT_TRUE(books.Apply(**frame).ok()) << file;
  }
  const book::OrderBook* ob = books.Find(asset);
  ASSERT_NE(ob, nullptr);
  EXPECT_EQ(ob->BestBid()->price, P("0.51"));  // the price_change added a bid at 0.51
  EXPECT_EQ(ob->BestAsk()->price, P("0.51"));
  EXPECT_EQ(ob->cross_state(), book::CrossState::kLocked);
  EXPECT_EQ(books.LastHash(asset), "0xhash001");

  absl::StatusOr<const MarketFrame*> tick =
      decoder.Decode(ReadSample("ws_market/nt_rs_ws_market_tick_size_msg.json"));
  ASSERT_TRUE(tick.ok());
  ASSERT_TRUE(books.Apply(**tick).ok());
  EXPECT_EQ(books.Find(asset), nullptr);
  EXPECT_EQ(books.State(asset), BookState::kAwaitingSnapshot);
}

// --- User channel ---------------------------------------------------------------------------

TEST(UserSamplesTest, EveryUserSampleDecodes) {
  UserFrameDecoder decoder;
  for (const std::string& file : kCovered) {
    if (file.rfind("ws_user/", 0) != 0) continue;
    absl::StatusOr<UserFrame> frame = decoder.Decode(ReadSample(file));
    ASSERT_TRUE(frame.ok()) << file << ": " << frame.status();
    ASSERT_EQ(frame->events.size(), 1u) << file;
    const bool is_trade = file.find("trade") != std::string::npos;
    EXPECT_EQ(std::holds_alternative<TradeEvent>(frame->events[0]), is_trade) << file;
  }
}

TEST(UserSamplesTest, CrossAssetMakerLeg) {
  UserFrameDecoder decoder;
  absl::StatusOr<UserFrame> frame = decoder.Decode(ReadSample("ws_user/nt_py_user_trade1.json"));
  ASSERT_TRUE(frame.ok()) << frame.status();
  const TradeEvent& t = std::get<TradeEvent>(frame->events[0]);
  EXPECT_EQ(t.status, TradeStatus::kMined);
  EXPECT_EQ(t.trader_side, TraderSide::kMaker);
  EXPECT_EQ(t.asset_id,
            "21742633143463906290569050155826241533067272736897614950488156847949938836455");
  EXPECT_EQ(t.size, Q("1096.87"));
  EXPECT_EQ(t.price, P("0.518"));
  ASSERT_EQ(t.maker_orders.size(), 6u);
  // The first maker is on the NO token at the complementary price.
  const MakerOrderFill& cross = t.maker_orders[0];
  EXPECT_EQ(cross.asset_id,
            "48331043336612883890938759509493159234755048973500640148014422747788308965732");
  EXPECT_NE(cross.asset_id, t.asset_id);
  EXPECT_EQ(cross.outcome, "No");
  EXPECT_EQ(cross.price, P("0.482"));
  EXPECT_EQ(cross.price, Complement(t.price));
  EXPECT_EQ(cross.matched_amount, Q("10"));
  EXPECT_FALSE(cross.side.has_value());
  Quantity total;
  for (const MakerOrderFill& m : t.maker_orders) total += m.matched_amount;
  EXPECT_EQ(total, t.size);
  EXPECT_EQ(t.maker_orders[3].maker_address, "0xa3D82Ed56F4c68d2328Fb8c29e568Ba2cAF7d7c8");
}

TEST(UserSamplesTest, MakerLegsWithSidesAndPrices) {
  UserFrameDecoder decoder;
  absl::StatusOr<UserFrame> frame = decoder.Decode(ReadSample("ws_user/nt_py_user_trade4.json"));
  ASSERT_TRUE(frame.ok()) << frame.status();
  const TradeEvent& t = std::get<TradeEvent>(frame->events[0]);
  EXPECT_EQ(t.status, TradeStatus::kConfirmed);
  EXPECT_EQ(t.side, Side::kSell);
  ASSERT_EQ(t.maker_orders.size(), 3u);
  EXPECT_EQ(t.maker_orders[0].price, P("0.4"));
  EXPECT_EQ(t.maker_orders[1].price, P("0.35"));
  EXPECT_EQ(t.maker_orders[2].price, P("0.3"));
  EXPECT_EQ(t.maker_orders[2].side, Side::kBuy);
}

TEST(UserSamplesTest, OrderStatuses) {
  UserFrameDecoder decoder;
  absl::StatusOr<UserFrame> fok =
      decoder.Decode(ReadSample("ws_user/nt_rs_ws_user_order_fok_killed.json"));
  ASSERT_TRUE(fok.ok()) << fok.status();
  const OrderEvent& k = std::get<OrderEvent>(fok->events[0]);
  EXPECT_EQ(k.type, OrderEventType::kCancellation);
  EXPECT_EQ(k.status, OrderStatus::kCanceledWithReason);
  EXPECT_EQ(k.status_reason,
            "order couldn't be fully filled. FOK orders are fully filled or killed.");
  EXPECT_EQ(k.order_type, "FOK");
  EXPECT_FALSE(k.size_matched.has_value());
  EXPECT_FALSE(k.created_at.has_value());
  EXPECT_TRUE(k.outcome.empty());
  EXPECT_EQ(k.original_size, Q("12"));

  absl::StatusOr<UserFrame> invalid =
      decoder.Decode(ReadSample("ws_user/nt_rs_ws_user_order_venue_cancel.json"));
  ASSERT_TRUE(invalid.ok()) << invalid.status();
  EXPECT_EQ(std::get<OrderEvent>(invalid->events[0]).status, OrderStatus::kInvalid);

  absl::StatusOr<UserFrame> update =
      decoder.Decode(ReadSample("ws_user/nt_rs_ws_user_order_update.json"));
  ASSERT_TRUE(update.ok()) << update.status();
  const OrderEvent& u = std::get<OrderEvent>(update->events[0]);
  EXPECT_EQ(u.type, OrderEventType::kUpdate);
  EXPECT_EQ(u.size_matched, Q("25"));
  EXPECT_THAT(u.associate_trades, ElementsAre("trade-0xabcdef1234"));
  EXPECT_FALSE(u.expiration.has_value());

  absl::StatusOr<UserFrame> placement =
      decoder.Decode(ReadSample("ws_user/nt_py_order_placement.json"));
  ASSERT_TRUE(placement.ok()) << placement.status();
  const OrderEvent& p = std::get<OrderEvent>(placement->events[0]);
  EXPECT_EQ(p.status, OrderStatus::kLive);
  EXPECT_EQ(p.price, P("0.513"));
  EXPECT_EQ(p.created_at, 1725842520);
  EXPECT_EQ(p.timestamp_ms, 1725842520990);
}

// --- CLOB REST ------------------------------------------------------------------------------

TEST(RestSamplesTest, BookResponses) {
  absl::StatusOr<BookSummary> real = ParseBookSummary(ReadSample("clob_rest/nt_py_book.json"));
  ASSERT_TRUE(real.ok()) << real.status();
  EXPECT_EQ(real->bids.size(), 5u);
  EXPECT_EQ(real->asks.size(), 7u);
  EXPECT_EQ(real->hash, "2fc4a3d6a98bc164e057589bcb74981852b87412");
  EXPECT_FALSE(real->tick_size.has_value());  // older response: no tick/min size/neg risk
  EXPECT_FALSE(real->neg_risk.has_value());
  EXPECT_EQ(real->asks[4].level.size, Q("192.3"));
  // Applied as a snapshot: best bid 0.1 (last of ascending bids), best ask 0.14 (last of
  // descending asks).
  book::OrderBook ob(*book::PriceGrid::Uniform(P("0.01")));
  ASSERT_TRUE(ob.ApplySnapshot(real->BidLevels(), real->AskLevels()).ok());
  EXPECT_EQ(ob.BestBid()->price, P("0.1"));
  EXPECT_EQ(ob.BestAsk()->price, P("0.14"));
  // The REST recipe (TEST_VECTORS.md §8) does not reproduce this capture's hash: the server
  // hashed fields this old response does not show. Recorded as an open question.
  EXPECT_NE(*OrderBookSummaryHash(*real), real->hash);

  absl::StatusOr<BookSummary> synthetic =
      ParseBookSummary(ReadSample("clob_rest/nt_rs_clob_book_response.json"));
  ASSERT_TRUE(synthetic.ok()) << synthetic.status();
  EXPECT_EQ(synthetic->asset_id, "12345678901234567890");
  EXPECT_EQ(synthetic->bids[2].level.price, P("0.5"));
  EXPECT_EQ(synthetic->bids[2].price_text, "0.50");
}

TEST(RestSamplesTest, ClobMarkets) {
  absl::StatusOr<ClobMarket> m = ParseClobMarket(ReadSample("clob_rest/nt_py_clob_market.json"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->condition_id, "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917");
  EXPECT_EQ(m->minimum_tick_size, P("0.001"));
  EXPECT_EQ(m->minimum_order_size, Q("5"));
  EXPECT_TRUE(m->neg_risk);
  EXPECT_EQ(m->neg_risk_market_id,
            "0xe3b1bc389210504ebcb9cffe4b0ed06ccac50561e0f24abb6379984cec030f00");
  EXPECT_EQ(m->end_date_iso, "2024-11-05T00:00:00Z");
  EXPECT_TRUE(m->active);
  EXPECT_TRUE(m->accepting_orders);
  ASSERT_EQ(m->tokens.size(), 2u);
  EXPECT_EQ(m->tokens[0].outcome, "Yes");
  EXPECT_EQ(m->tokens[0].price, P("0.4865"));
  EXPECT_EQ(m->tokens[1].price, P("0.5135"));
  EXPECT_EQ(m->tags.size(), 28u);

  absl::StatusOr<ClobMarket> closed =
      ParseClobMarket(ReadSample("clob_rest/nt_rs_clob_market_closed_binary_accepting_false.json"));
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_TRUE(closed->closed);
  EXPECT_FALSE(closed->accepting_orders);
  EXPECT_TRUE(closed->tokens[1].winner);
  EXPECT_EQ(closed->tokens[1].price, P("1"));

  absl::StatusOr<ClobMarket> accepting =
      ParseClobMarket(ReadSample("clob_rest/nt_rs_clob_market_closed_binary_accepting_true.json"));
  ASSERT_TRUE(accepting.ok()) << accepting.status();
  EXPECT_TRUE(accepting->accepting_orders);
  EXPECT_EQ(accepting->minimum_tick_size, P("0.01"));
  EXPECT_EQ(accepting->game_start_time, "2026-05-08T20:00:00Z");
  EXPECT_TRUE(accepting->tokens[0].winner);

  absl::StatusOr<ClobMarketsPage> page =
      ParseClobMarketsPage(ReadSample("clob_rest/nt_py_clob_markets_page.json"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->data.size(), 100u);
  EXPECT_EQ(page->count, 100);
  EXPECT_EQ(page->limit, 100);
  EXPECT_EQ(page->next_cursor, "MTAw");
  EXPECT_FALSE(page->IsLastPage());
  EXPECT_EQ(page->data.front().condition_id,
            "0x12a0cb60174abc437bf1178367c72d11f069e1a3add20b148fb0ab4279b772b2");
  EXPECT_EQ(page->data.back().minimum_tick_size, P("0.01"));
  size_t tokens = 0;
  size_t placeholder_tokens = 0;
  size_t fractional_min_size = 0;
  for (const ClobMarket& market : page->data) {
    tokens += market.tokens.size();
    for (const ClobToken& token : market.tokens) placeholder_tokens += token.token_id.empty();
    if (market.minimum_order_size.has_value() &&
        market.minimum_order_size->micros() % kFixedScale != 0) {
      ++fractional_min_size;
    }
  }
  EXPECT_EQ(tokens, 200u);
  EXPECT_EQ(placeholder_tokens, 2u);   // data[15] lists two tokens with "" ids
  EXPECT_EQ(fractional_min_size, 2u);  // 14.96 and 14.97, parsed exactly from the numbers
}

TEST(RestSamplesTest, SmallResponsesAndRows) {
  EXPECT_EQ(*ParseFeeRateResponse(ReadSample("clob_rest/nt_rs_clob_fee_rate_response_zero.json")),
            0);
  EXPECT_EQ(
      *ParseFeeRateResponse(ReadSample("clob_rest/nt_rs_clob_fee_rate_response_nonzero.json")),
      150);

  absl::StatusOr<TradeEvent> trade =
      ParseTradeReport(ReadSample("clob_rest/nt_py_clob_trade.json"));
  ASSERT_TRUE(trade.ok()) << trade.status();
  EXPECT_EQ(trade->status, TradeStatus::kConfirmed);
  EXPECT_EQ(trade->price, P("0.489"));
  ASSERT_EQ(trade->maker_orders.size(), 1u);
  EXPECT_EQ(trade->maker_orders[0].matched_amount, Q("5"));

  absl::StatusOr<TradeEvent> report =
      ParseTradeReport(ReadSample("clob_rest/nt_rs_http_trade_report.json"));
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->maker_orders.size(), 2u);
  EXPECT_EQ(report->maker_orders[1].fee_rate_bps, 10);
  EXPECT_EQ(report->maker_orders[0].side, Side::kSell);
  EXPECT_EQ(report->match_time, "2024-01-01T00:00:00Z");

  absl::StatusOr<TradesPage> trades =
      ParseTradesPage(ReadSample("clob_rest/nt_rs_http_trades_page.json"));
  ASSERT_TRUE(trades.ok()) << trades.status();
  EXPECT_EQ(trades->next_cursor, "LTE=");
  EXPECT_FALSE(trades->data.empty());

  for (const char* file :
       {"clob_rest/nt_rs_http_open_order.json", "clob_rest/nt_rs_http_open_order_sell_fok.json"}) {
    absl::StatusOr<OrderEvent> order = ParseOpenOrder(ReadSample(file));
    ASSERT_TRUE(order.ok()) << file << ": " << order.status();
    EXPECT_TRUE(order->created_at.has_value()) << file;  // a JSON number on REST
    EXPECT_EQ(order->price, P("0.5")) << file;           // "0.5000"
  }
  absl::StatusOr<OpenOrdersPage> orders =
      ParseOpenOrdersPage(ReadSample("clob_rest/nt_rs_http_open_orders_page.json"));
  ASSERT_TRUE(orders.ok()) << orders.status();
  ASSERT_EQ(orders->data.size(), 2u);
  EXPECT_EQ(orders->data[1].side, Side::kSell);
  EXPECT_EQ(orders->data[1].size_matched, Q("50"));
  EXPECT_TRUE(orders->data[1].associate_trades.empty());
}

// --- Gamma ----------------------------------------------------------------------------------

TEST(GammaSamplesTest, EveryGammaMarketSampleParses) {
  for (const char* file : {"gamma/nt_py_gamma_market_slug.json", "gamma/nt_rs_gamma_market.json",
                           "gamma/nt_rs_gamma_market_closed_binary_accepting_false.json",
                           "gamma/nt_rs_gamma_market_closed_binary_accepting_true.json",
                           "gamma/nt_rs_gamma_market_closed_nonbinary_legacy.json",
                           "gamma/nt_rs_gamma_market_closed_zero_zero_legacy.json",
                           "gamma/nt_rs_gamma_market_sports_market_map_handicap.json",
                           "gamma/nt_rs_gamma_market_sports_market_money_line.json"}) {
    absl::StatusOr<GammaMarket> m = ParseGammaMarket(ReadSample(file));
    ASSERT_TRUE(m.ok()) << file << ": " << m.status();
    EXPECT_EQ(m->clob_token_ids.size(), 2u) << file;
  }
}

TEST(GammaSamplesTest, ClobTokenIdsParsedTwice) {
  absl::StatusOr<GammaMarket> m = ParseGammaMarket(ReadSample("gamma/nt_rs_gamma_market.json"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->id, "1557558");
  EXPECT_THAT(m->outcomes, ElementsAre("Up", "Down"));
  EXPECT_THAT(m->outcome_prices, ElementsAre(P("0.505"), P("0.495")));
  EXPECT_THAT(
      m->clob_token_ids,
      ElementsAre("104239898038807136052399800151408521467737075933964991162589336683346093173875",
                  "71183960810705820955071415844881728181970340514894896943812046065452395013351"));
  EXPECT_EQ(m->liquidity, M("20328.3747"));
  EXPECT_EQ(m->volume, M("9.999997"));
  EXPECT_EQ(m->order_price_min_tick_size, P("0.01"));
  EXPECT_EQ(m->order_min_size, Q("5"));
  EXPECT_EQ(m->fee_type, "crypto_fees");
  EXPECT_TRUE(m->fees_enabled);
  EXPECT_FALSE(m->fee_schedule.has_value());
  EXPECT_EQ(m->resolution_source, "https://data.chain.link/streams/btc-usd");
  EXPECT_EQ(m->end_date, "2026-03-12T09:25:00Z");
  EXPECT_TRUE(m->accepting_orders);
  EXPECT_TRUE(m->enable_order_book);
  ASSERT_EQ(m->events.size(), 1u);
  EXPECT_EQ(m->events[0].id, "260654");

  // A plain JSON array (the slug endpoint) parses to the same shape.
  absl::StatusOr<GammaMarket> slug =
      ParseGammaMarket(ReadSample("gamma/nt_py_gamma_market_slug.json"));
  ASSERT_TRUE(slug.ok()) << slug.status();
  EXPECT_EQ(slug->clob_token_ids[0],
            "41731245504777162452560887531170605263832832998797939951071198553974989813715");
  EXPECT_EQ(slug->volume, M("101887.832649"));
}

TEST(GammaSamplesTest, SportsMoneyLineFeeSchedule) {
  absl::StatusOr<GammaMarket> m =
      ParseGammaMarket(ReadSample("gamma/nt_rs_gamma_market_sports_market_money_line.json"));
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(m->fee_schedule.has_value());
  EXPECT_EQ(m->fee_schedule->rate_micros, 30000);
  EXPECT_EQ(m->fee_schedule->exponent, 1);
  EXPECT_EQ(m->fee_schedule->rebate_rate_micros, 250000);
  EXPECT_TRUE(m->fee_schedule->taker_only);
  EXPECT_EQ(m->fee_type, "sports_fees_v2");
  EXPECT_EQ(m->sports_market_type, "moneyline");
  EXPECT_EQ(m->game_id, "1427074");
  EXPECT_EQ(m->group_item_title, "Match Winner");
  EXPECT_EQ(m->order_price_min_tick_size, P("0.001"));
  EXPECT_THAT(m->outcomes, ElementsAre("FaZe", "illwill"));
  EXPECT_EQ(m->volume, M("26458.188065"));  // "26458.188064999995" rounded half-up
  EXPECT_TRUE(m->closed);
  EXPECT_FALSE(m->accepting_orders);
}

TEST(GammaSamplesTest, LegacyOutcomePricesAreRounded) {
  absl::StatusOr<GammaMarket> m =
      ParseGammaMarket(ReadSample("gamma/nt_rs_gamma_market_closed_nonbinary_legacy.json"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(m->outcome_prices, ElementsAre(P("0.584331"), P("0.415669")));
  EXPECT_EQ(m->market_type, "scalar");
  EXPECT_FALSE(m->order_price_min_tick_size.has_value());
}

TEST(GammaSamplesTest, NegRiskEvent) {
  absl::StatusOr<std::vector<GammaEvent>> events =
      ParseGammaEvents(ReadSample("gamma/nt_rs_gamma_event.json"));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const GammaEvent& e = (*events)[0];
  EXPECT_EQ(e.id, "30829");
  EXPECT_EQ(e.title, "Democratic Presidential Nominee 2028");
  EXPECT_TRUE(e.neg_risk);
  EXPECT_TRUE(e.enable_neg_risk);
  EXPECT_TRUE(e.neg_risk_augmented);
  const std::string nr = "0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700";
  EXPECT_EQ(e.neg_risk_market_id, nr);
  EXPECT_EQ(e.end_date, "2028-11-07T00:00:00Z");
  ASSERT_EQ(e.markets.size(), 2u);
  for (const GammaMarket& m : e.markets) {
    EXPECT_TRUE(m.neg_risk);
    EXPECT_EQ(m.neg_risk_market_id, nr);
    EXPECT_EQ(m.clob_token_ids.size(), 2u);
  }
  EXPECT_EQ(e.markets[0].id, "559657");
  EXPECT_EQ(e.markets[0].group_item_title, "Stephen A. Smith");
  EXPECT_EQ(e.markets[1].clob_token_ids[0],
            "57761428076807364758801249497410455358987881775226117256631754592198558850468");
  ASSERT_EQ(e.tags.size(), 7u);
  EXPECT_EQ(e.tags[0].label, "World Elections");

  absl::StatusOr<GammaEvent> min = ParseGammaEvent(ReadSample("gamma/nt_py_gamma_event_min.json"));
  ASSERT_TRUE(min.ok()) << min.status();
  ASSERT_EQ(min->markets.size(), 3u);
  EXPECT_EQ(min->markets[1].slug, "highest-temperature-in-nyc-on-january-26-26-27f");
}

TEST(GammaSamplesTest, TagsAndSearch) {
  absl::StatusOr<std::vector<GammaTag>> tags =
      ParseGammaTags(ReadSample("gamma/nt_rs_gamma_tags.json"));
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_EQ(tags->size(), 5u);
  EXPECT_EQ((*tags)[0].id, "101259");
  EXPECT_EQ((*tags)[0].label, "Health and Human Services");

  absl::StatusOr<GammaSearchResult> search =
      ParseGammaSearch(ReadSample("gamma/nt_rs_search_response.json"));
  ASSERT_TRUE(search.ok()) << search.status();
  EXPECT_TRUE(search->has_more);
  EXPECT_EQ(search->total_results, 46940);
  ASSERT_EQ(search->events.size(), 1u);
  EXPECT_EQ(search->events[0].id, "246060");
  ASSERT_EQ(search->events[0].markets.size(), 1u);
  EXPECT_EQ(search->events[0].markets[0].outcome_prices[0], P("0.9995"));
}

}  // namespace
}  // namespace arbor::venue::polymarket
