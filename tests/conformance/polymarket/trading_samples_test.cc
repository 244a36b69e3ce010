// Conformance of the trading parsers (trading_parsers.h) and the order body (order_signer.h
// AppendOrderJson) against every samples/polymarket/clob_rest/nt_rs_http_* file, read in place.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>

#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/trading_parsers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor::venue::polymarket {
namespace {

const std::filesystem::path& SampleDir() {
  static const std::filesystem::path dir = std::filesystem::path(ARBOR_SHARED_DIR) / "protocols" /
                                           "samples" / "polymarket" / "clob_rest";
  return dir;
}

std::string ReadSample(std::string_view name) {
  std::ifstream in(SampleDir() / std::string(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The samples this file asserts on. A new nt_rs_http_* sample fails EverySampleIsCovered until
// a test for it is added here.
const std::set<std::string>& CoveredSamples() {
  static const std::set<std::string> covered = {
      "nt_rs_http_balance_allowance_collateral.json",
      "nt_rs_http_balance_allowance_no_allowance.json",
      "nt_rs_http_batch_cancel_response.json",
      "nt_rs_http_cancel_response_failed.json",
      "nt_rs_http_cancel_response_ok.json",
      "nt_rs_http_open_order.json",
      "nt_rs_http_open_order_sell_fok.json",
      "nt_rs_http_open_orders_page.json",
      "nt_rs_http_order_response_error_500.json",
      "nt_rs_http_order_response_failed.json",
      "nt_rs_http_order_response_ok.json",
      "nt_rs_http_signed_order.json",
      "nt_rs_http_trade_report.json",
      "nt_rs_http_trades_page.json",
  };
  return covered;
}

TEST(TradingSamplesTest, EverySampleIsCovered) {
  size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SampleDir())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("nt_rs_http_", 0) != 0) continue;
    ++seen;
    EXPECT_TRUE(CoveredSamples().count(name) == 1) << "sample without a test: " << name;
  }
  EXPECT_EQ(seen, CoveredSamples().size());
}

TEST(TradingSamplesTest, OrderResponses) {
  absl::StatusOr<OrderResponse> ok =
      ParseOrderResponse(ReadSample("nt_rs_http_order_response_ok.json"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->success);
  EXPECT_TRUE(ok->Accepted());
  EXPECT_EQ(ok->order_id, "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef12");
  EXPECT_EQ(ok->error_msg, "");

  absl::StatusOr<OrderResponse> failed =
      ParseOrderResponse(ReadSample("nt_rs_http_order_response_failed.json"));
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_FALSE(failed->success);
  EXPECT_FALSE(failed->Accepted());
  EXPECT_EQ(failed->order_id, "");
  EXPECT_EQ(failed->error_msg, "Insufficient balance");

  const std::string error_500 = ReadSample("nt_rs_http_order_response_error_500.json");
  absl::StatusOr<std::string> message = ParseErrorBody(error_500);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(*message, "Internal server error");
  // An error body is not an accepted order response.
  absl::StatusOr<OrderResponse> as_order = ParseOrderResponse(error_500);
  ASSERT_TRUE(as_order.ok());
  EXPECT_FALSE(as_order->Accepted());
}

TEST(TradingSamplesTest, CancelResponses) {
  absl::StatusOr<CancelResponse> ok =
      ParseCancelResponse(ReadSample("nt_rs_http_cancel_response_ok.json"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->canceled,
            std::vector<std::string>{
                "0xb816482a1234567890abcdef1234567890abcdef1234567890abcdef12345678"});
  EXPECT_TRUE(ok->not_canceled.empty());

  absl::StatusOr<CancelResponse> failed =
      ParseCancelResponse(ReadSample("nt_rs_http_cancel_response_failed.json"));
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_TRUE(failed->canceled.empty());
  ASSERT_EQ(failed->not_canceled.size(), 1u);
  EXPECT_EQ(failed->not_canceled[0].first,
            "0xb816482a1234567890abcdef1234567890abcdef1234567890abcdef12345678");
  EXPECT_EQ(failed->not_canceled[0].second, "already canceled or matched");

  absl::StatusOr<CancelResponse> batch =
      ParseCancelResponse(ReadSample("nt_rs_http_batch_cancel_response.json"));
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->canceled.size(), 2u);
  EXPECT_EQ(batch->canceled[1],
            "0x2222222222222222222222222222222222222222222222222222222222222222");
  ASSERT_EQ(batch->not_canceled.size(), 1u);
  EXPECT_EQ(batch->not_canceled[0].first,
            "0x3333333333333333333333333333333333333333333333333333333333333333");
}

TEST(TradingSamplesTest, OpenOrders) {
  absl::StatusOr<OrderEvent> live = ParseOpenOrder(ReadSample("nt_rs_http_open_order.json"));
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->id, "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef12");
  EXPECT_EQ(live->status, OrderStatus::kLive);
  EXPECT_EQ(live->status_text, "LIVE");
  EXPECT_EQ(live->side, Side::kBuy);
  EXPECT_EQ(live->price, Price::FromMicros(500'000));
  EXPECT_EQ(live->original_size, Quantity::FromUnits(100));
  EXPECT_EQ(live->size_matched, Quantity::FromUnits(25));
  EXPECT_EQ(live->outcome, "Yes");
  EXPECT_EQ(live->owner, "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(live->asset_id,
            "71321045679252212594626385532706912750332728571942532289631379312455583992563");
  EXPECT_EQ(live->expiration, std::nullopt);
  EXPECT_EQ(live->order_type, "GTC");
  EXPECT_EQ(live->created_at, 1703875200);
  EXPECT_EQ(live->associate_trades, std::vector<std::string>{"0xabc001"});

  absl::StatusOr<OrderEvent> fok =
      ParseOpenOrder(ReadSample("nt_rs_http_open_order_sell_fok.json"));
  ASSERT_TRUE(fok.ok()) << fok.status();
  EXPECT_EQ(fok->side, Side::kSell);
  EXPECT_EQ(fok->status, OrderStatus::kMatched);
  EXPECT_EQ(fok->size_matched, Quantity::FromUnits(50));
  EXPECT_EQ(fok->expiration, 1735689600);
  EXPECT_EQ(fok->order_type, "FOK");
  EXPECT_TRUE(fok->associate_trades.empty());

  absl::StatusOr<OpenOrdersPage> page =
      ParseOpenOrdersPage(ReadSample("nt_rs_http_open_orders_page.json"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->next_cursor, kClobEndCursor);
  ASSERT_EQ(page->data.size(), 2u);
  EXPECT_EQ(page->data[0].price, Price::FromMicros(600'000));
  EXPECT_EQ(page->data[0].original_size, Quantity::FromUnits(200));
  EXPECT_EQ(page->data[1].id, "0xbbbb000000000000000000000000000000000000000000000000000000000002");
  EXPECT_EQ(page->data[1].order_type, "GTD");
  EXPECT_EQ(page->data[1].size_matched, Quantity::FromUnits(50));
}

TEST(TradingSamplesTest, Trades) {
  absl::StatusOr<TradeEvent> trade = ParseTradeReport(ReadSample("nt_rs_http_trade_report.json"));
  ASSERT_TRUE(trade.ok()) << trade.status();
  EXPECT_EQ(trade->id, "trade-0xabcdef1234");
  EXPECT_EQ(trade->taker_order_id,
            "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef12");
  EXPECT_EQ(trade->side, Side::kBuy);
  EXPECT_EQ(trade->size, Quantity::FromUnits(25));
  EXPECT_EQ(trade->price, Price::FromMicros(500'000));
  EXPECT_EQ(trade->fee_rate_bps, 0);
  EXPECT_EQ(trade->status, TradeStatus::kConfirmed);
  EXPECT_EQ(trade->match_time, "2024-01-01T00:00:00Z");
  EXPECT_EQ(trade->last_update, "2024-01-01T00:01:00Z");
  EXPECT_EQ(trade->bucket_index, 0);
  EXPECT_EQ(trade->trader_side, TraderSide::kTaker);
  EXPECT_EQ(trade->transaction_hash,
            "0xabcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890ab");
  ASSERT_EQ(trade->maker_orders.size(), 2u);
  EXPECT_EQ(trade->maker_orders[0].side, Side::kSell);
  EXPECT_EQ(trade->maker_orders[0].fee_rate_bps, 0);
  EXPECT_EQ(trade->maker_orders[0].matched_amount, Quantity::FromUnits(25));
  EXPECT_EQ(trade->maker_orders[1].fee_rate_bps, 10);
  EXPECT_EQ(trade->maker_orders[1].matched_amount, Quantity::FromUnits(5));
  EXPECT_EQ(trade->maker_orders[1].maker_address, "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  EXPECT_EQ(trade->maker_orders[1].owner, "00000000-0000-0000-0000-000000000003");

  absl::StatusOr<TradesPage> page = ParseTradesPage(ReadSample("nt_rs_http_trades_page.json"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->next_cursor, kClobEndCursor);
  ASSERT_EQ(page->data.size(), 1u);
  EXPECT_EQ(page->data[0].id, "trade-0x001");
  EXPECT_EQ(page->data[0].status, TradeStatus::kMined);
  EXPECT_EQ(page->data[0].size, Quantity::FromUnits(10));
  EXPECT_TRUE(page->data[0].maker_orders.empty());
}

TEST(TradingSamplesTest, BalanceAllowance) {
  absl::StatusOr<BalanceAllowance> collateral =
      ParseBalanceAllowance(ReadSample("nt_rs_http_balance_allowance_collateral.json"));
  ASSERT_TRUE(collateral.ok()) << collateral.status();
  EXPECT_EQ(collateral->balance, "1000000000");
  EXPECT_EQ(collateral->balance_base_units, 1'000'000'000);
  EXPECT_EQ(collateral->allowance, "999999999000000");
  EXPECT_EQ(collateral->allowance_base_units, 999'999'999'000'000);

  absl::StatusOr<BalanceAllowance> no_allowance =
      ParseBalanceAllowance(ReadSample("nt_rs_http_balance_allowance_no_allowance.json"));
  ASSERT_TRUE(no_allowance.ok()) << no_allowance.status();
  EXPECT_EQ(no_allowance->balance, "250.500000");
  EXPECT_EQ(no_allowance->balance_base_units, std::nullopt);  // a decimal: scale not guessed
  EXPECT_EQ(no_allowance->allowance, "");
  EXPECT_EQ(no_allowance->allowance_base_units, std::nullopt);
}

// Lower-cases ASCII (the sample's addresses are lower-case, ours EIP-55).
std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Every field of the sample's order equals (JSON type and value) the one AppendOrderJson
// writes for the same order.
TEST(TradingSamplesTest, SignedOrderMatchesAppendOrderJson) {
  OrderV2 order;
  order.salt = 123456789;
  for (size_t i = 0; i < 20; ++i) {
    static constexpr uint8_t kAddr[20] = {0xf3, 0x9f, 0xd6, 0xe5, 0x1a, 0xad, 0x88,
                                          0xf6, 0xf4, 0xce, 0x6a, 0xb8, 0x82, 0x72,
                                          0x79, 0xcf, 0xff, 0xb9, 0x22, 0x66};
    order.maker[i] = kAddr[i];
    order.signer[i] = kAddr[i];
  }
  order.token_id = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
  order.maker_amount = 100000000;
  order.taker_amount = 50000000;
  order.timestamp_ms = 1713398400000;
  SignedOrderV2 signed_order;
  const std::string sig_hex =
      "abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef12"
      "34567890abcdef1234567890abcdef1234567890ab1b";
  for (size_t i = 0; i < sig_hex.size() / 2; ++i) {
    signed_order.signature_bytes[i] =
        static_cast<uint8_t>(std::stoi(sig_hex.substr(2 * i, 2), nullptr, 16));
  }
  signed_order.signature_size = sig_hex.size() / 2;
  std::string ours;
  AppendOrderJson(order, signed_order, &ours);

  simdjson::dom::parser sample_parser;
  simdjson::dom::parser ours_parser;
  simdjson::dom::object sample_obj;
  simdjson::dom::object ours_obj;
  const std::string sample = ReadSample("nt_rs_http_signed_order.json");
  ASSERT_EQ(sample_parser.parse(sample).get(sample_obj), simdjson::SUCCESS);
  ASSERT_EQ(ours_parser.parse(ours).get(ours_obj), simdjson::SUCCESS);
  size_t fields = 0;
  for (auto [key, value] : sample_obj) {
    SCOPED_TRACE(std::string(key));
    ++fields;
    simdjson::dom::element mine;
    ASSERT_EQ(ours_obj[key].get(mine), simdjson::SUCCESS);
    EXPECT_EQ(mine.type(), value.type());
    EXPECT_EQ(Lower(simdjson::minify(mine)), Lower(simdjson::minify(value)));
  }
  EXPECT_EQ(fields, 13u);
  EXPECT_EQ(ours_obj.size(), 13u);
}

}  // namespace
}  // namespace arbor::venue::polymarket
