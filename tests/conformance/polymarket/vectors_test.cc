// Conformance against the official vectors in ../shared/protocols/test_vectors.json
// (TEST_VECTORS.md §8 order-book summary hash, §9 taker fees), read in place. JSON numbers are
// taken from their raw text so that no vector passes through a double.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "arbor/venue/polymarket/book_hash.h"
#include "arbor/venue/polymarket/fees.h"
#include "arbor/venue/polymarket/rest_parsers.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor::venue::polymarket {
namespace {

namespace od = simdjson::ondemand;

std::string ReadVectors() {
  const std::filesystem::path path =
      std::filesystem::path(ARBOR_SHARED_DIR) / "protocols" / "test_vectors.json";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The raw text of a JSON number (trailing whitespace removed).
std::string_view NumberText(od::value value) {
  std::string_view raw = value.raw_json_token();
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                          raw.back() == '\t' || raw.back() == ',')) {
    raw.remove_suffix(1);
  }
  return raw;
}

TEST(VectorsTest, OrderBookSummaryHash) {
  const simdjson::padded_string json(ReadVectors());
  od::parser parser;
  od::document doc;
  ASSERT_EQ(parser.iterate(json).get(doc), simdjson::SUCCESS);
  od::object vector;
  ASSERT_EQ(doc["orderbook_hash"].get_object().get(vector), simdjson::SUCCESS);
  std::string_view canonical_view;
  ASSERT_EQ(vector["canonical_json"].get_string().get(canonical_view), simdjson::SUCCESS);
  const std::string canonical(canonical_view);
  std::string_view expected_view;
  ASSERT_EQ(vector["sha1_hex"].get_string().get(expected_view), simdjson::SUCCESS);
  const std::string expected(expected_view);
  ASSERT_EQ(expected, "0458ea5755c9f73d64a14636fa5c36ed460ec394");

  absl::StatusOr<BookSummary> summary = ParseBookSummary(canonical);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(OrderBookSummaryJson(*summary), canonical);
  absl::StatusOr<std::string> hash = OrderBookSummaryHash(*summary);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(*hash, expected);
}

TEST(VectorsTest, TakerFeesAllRows) {
  const simdjson::padded_string json(ReadVectors());
  od::parser parser;
  od::document doc;
  ASSERT_EQ(parser.iterate(json).get(doc), simdjson::SUCCESS);
  od::object fee;
  ASSERT_EQ(doc["polymarket_fee"].get_object().get(fee), simdjson::SUCCESS);

  FeeSchedule schedule;
  int rows = 0;
  for (auto field_result : fee) {
    od::field field;
    ASSERT_EQ(std::move(field_result).get(field), simdjson::SUCCESS);
    std::string_view key;
    ASSERT_EQ(field.unescaped_key().get(key), simdjson::SUCCESS);
    if (key == "rate") {
      schedule.rate_micros = Price::Parse(NumberText(field.value()))->micros();
    } else if (key == "exponent") {
      int64_t e = 0;
      ASSERT_EQ(field.value().get_int64().get(e), simdjson::SUCCESS);
      schedule.exponent = static_cast<int>(e);
    } else if (key == "cases") {
      od::array cases;
      ASSERT_EQ(field.value().get_array().get(cases), simdjson::SUCCESS);
      for (auto case_result : cases) {
        od::object row;
        ASSERT_EQ(case_result.get_object().get(row), simdjson::SUCCESS);
        std::string c_text;
        std::string p_text;
        std::string fee_text;
        for (auto cell_result : row) {
          od::field cell;
          ASSERT_EQ(std::move(cell_result).get(cell), simdjson::SUCCESS);
          std::string_view name;
          ASSERT_EQ(cell.unescaped_key().get(name), simdjson::SUCCESS);
          const std::string text(NumberText(cell.value()));
          if (name == "C") c_text = text;
          if (name == "p") p_text = text;
          if (name == "fee") fee_text = text;
        }
        ASSERT_EQ(schedule.rate_micros, 250000);
        ASSERT_EQ(schedule.exponent, 2);
        absl::StatusOr<Quantity> shares = Quantity::Parse(c_text);
        absl::StatusOr<Price> price = Price::Parse(p_text);
        ASSERT_TRUE(shares.ok() && price.ok()) << c_text << " " << p_text;
        absl::StatusOr<ExactFee> exact = TakerFeeExact(schedule, *shares, *price);
        ASSERT_TRUE(exact.ok()) << exact.status();
        EXPECT_EQ(exact->ToString(), fee_text) << "C=" << c_text << " p=" << p_text;
        ++rows;
      }
    }
  }
  EXPECT_EQ(rows, 7);
}

}  // namespace
}  // namespace arbor::venue::polymarket
