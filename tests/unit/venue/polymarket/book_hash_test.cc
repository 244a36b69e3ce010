#include "arbor/venue/polymarket/book_hash.h"

#include <string>

#include "arbor/venue/polymarket/rest_parsers.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

// TEST_VECTORS.md §8 as a /book response.
constexpr std::string_view kVectorBook =
    R"({"market":"0xaabbcc","asset_id":"100","timestamp":"123456789","hash":"ignored",
        "bids":[{"price":"0.3","size":"100"},{"price":"0.4","size":"100"}],
        "asks":[{"price":"0.6","size":"100"},{"price":"0.7","size":"100"}],
        "min_order_size":"100","tick_size":"0.01","neg_risk":false,"last_trade_price":"0.5"})";

TEST(BookHashTest, ReproducesTheSdkVector) {
  absl::StatusOr<BookSummary> book = ParseBookSummary(kVectorBook);
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(
      OrderBookSummaryJson(*book),
      R"({"market":"0xaabbcc","asset_id":"100","timestamp":"123456789","hash":"","bids":[{"price":"0.3","size":"100"},{"price":"0.4","size":"100"}],"asks":[{"price":"0.6","size":"100"},{"price":"0.7","size":"100"}],"min_order_size":"100","tick_size":"0.01","neg_risk":false,"last_trade_price":"0.5"})");
  EXPECT_EQ(*OrderBookSummaryHash(*book), "0458ea5755c9f73d64a14636fa5c36ed460ec394");
}

TEST(BookHashTest, UsesOriginalTextsNotNormalisedValues) {
  // "0.30" and "0.3" are the same price but hash differently, as in the Python client.
  absl::StatusOr<BookSummary> a = ParseBookSummary(kVectorBook);
  std::string changed(kVectorBook);
  changed.replace(changed.find(R"("0.3")"), 5, R"("0.30")");
  absl::StatusOr<BookSummary> b = ParseBookSummary(changed);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bids[0].level.price, b->bids[0].level.price);
  EXPECT_NE(*OrderBookSummaryHash(*a), *OrderBookSummaryHash(*b));
}

TEST(BookHashTest, AbsentFieldsAreNullAndNumbersStayBare) {
  absl::StatusOr<BookSummary> book = ParseBookSummary(
      R"({"market":"m","asset_id":"1","timestamp":5,"bids":[],"asks":[],"tick_size":0.001})");
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(
      OrderBookSummaryJson(*book),
      R"({"market":"m","asset_id":"1","timestamp":5,"hash":"","bids":[],"asks":[],"min_order_size":null,"tick_size":0.001,"neg_risk":null,"last_trade_price":null})");
}

TEST(BookHashTest, EscapesLikePythonJsonDumps) {
  std::string out;
  AppendPythonJsonString(&out, "a\"b\\c\n\x01\xc3\xa9\xf0\x9f\x98\x80\xff");
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001\u00e9\ud83d\ude00\u00ff")");
}

}  // namespace
}  // namespace arbor::venue::polymarket
