#include "arbor/venue/kalshi/rest_orderbook.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::kalshi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }

TEST(RestOrderbookTest, FixedPointShapeSortedBestFirst) {
  absl::StatusOr<RestOrderbook> book = ParseRestOrderbook(
      R"({"orderbook_fp":{"yes_dollars":[["0.1500","100.00"],["0.3000","2.50"],["0.0100","1.00"]],)"
      R"("no_dollars":[["0.8200","50.00"]]}})");
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_THAT(book->yes,
              ElementsAre(PriceLevel{P("0.30"), Q("2.5")}, PriceLevel{P("0.15"), Q("100")},
                          PriceLevel{P("0.01"), Q("1")}));
  EXPECT_THAT(book->no, ElementsAre(PriceLevel{P("0.82"), Q("50")}));
  EXPECT_EQ(book->schema, FieldSchema::kFixedPoint);
}

TEST(RestOrderbookTest, OlderShapes) {
  absl::StatusOr<RestOrderbook> cents =
      ParseRestOrderbook(R"({"orderbook":{"yes":[[15,100],[20,3]],"no":null}})");
  ASSERT_TRUE(cents.ok()) << cents.status();
  EXPECT_THAT(cents->yes,
              ElementsAre(PriceLevel{P("0.20"), Q("3")}, PriceLevel{P("0.15"), Q("100")}));
  EXPECT_TRUE(cents->no.empty());
  EXPECT_EQ(cents->schema, FieldSchema::kLegacyCents);

  absl::StatusOr<RestOrderbook> dollars = ParseRestOrderbook(
      R"({"orderbook":{"yes":[[99,1]],"yes_dollars":[["0.15",100]],"no_dollars":[["0.82",50]]}})");
  ASSERT_TRUE(dollars.ok()) << dollars.status();
  EXPECT_THAT(dollars->yes, ElementsAre(PriceLevel{P("0.15"), Q("100")}));
  EXPECT_THAT(dollars->no, ElementsAre(PriceLevel{P("0.82"), Q("50")}));
  EXPECT_EQ(dollars->schema, FieldSchema::kLegacyDollars);

  // Both objects: orderbook_fp wins.
  absl::StatusOr<RestOrderbook> both = ParseRestOrderbook(
      R"({"orderbook":{"yes":[[99,1]]},"orderbook_fp":{"yes_dollars":[["0.1500","100.00"]]}})");
  ASSERT_TRUE(both.ok());
  EXPECT_THAT(both->yes, ElementsAre(PriceLevel{P("0.15"), Q("100")}));
  EXPECT_TRUE(both->no.empty());
}

TEST(RestOrderbookTest, Errors) {
  struct Case {
    std::string_view body;
    const char* substring;
  };
  constexpr Case kCases[] = {
      {"", "malformed JSON"},
      {"[]", "not a JSON object"},
      {R"({"markets":[]})", "neither orderbook_fp nor orderbook"},
      {R"({"orderbook_fp":[]})", "field 'orderbook_fp': expected an object"},
      {R"({"orderbook_fp":{"yes_dollars":[["0.1","-1"]]}})",
       "field 'orderbook_fp.yes_dollars[0][1]': negative count"},
      {R"({"orderbook_fp":{"no_dollars":[["x","1"]]}})", "orderbook_fp.no_dollars[0][0]"},
      {R"({"orderbook_fp":{"yes_dollars":[["0.1","1"],["0.1000","2"]]}})",
       "yes price 0.1 listed twice"},
      {R"({"orderbook_fp":{}} {})", "trailing content"},
      {R"({"orderbook_fp":{}} x)", "malformed JSON"},
  };
  for (const Case& c : kCases) {
    absl::StatusOr<RestOrderbook> book = ParseRestOrderbook(c.body);
    EXPECT_EQ(book.status().code(), absl::StatusCode::kInvalidArgument) << c.body;
    EXPECT_THAT(std::string(book.status().message()), HasSubstr(c.substring)) << c.body;
  }
}

}  // namespace
}  // namespace arbor::venue::kalshi
