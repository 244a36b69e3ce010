#include "arbor/venue/polymarket/decimal.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "arbor/core/fixed_point.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::HasSubstr;

// The fast path must agree with the core parser on every input it accepts, and must accept the
// plain forms market data uses.
void ExpectAgreesWithCore(std::string_view text) {
  int64_t fast = -1;
  const bool accepted = ParsePlainDecimalMicros(text, &fast);
  absl::StatusOr<int64_t> core = arbor::internal::ParseScaledDecimal(text, kFixedDecimals);
  if (accepted) {
    ASSERT_TRUE(core.ok()) << text;
    EXPECT_EQ(fast, *core) << text;
  }
  absl::StatusOr<int64_t> full = ParseDecimalMicros(text);
  EXPECT_EQ(full.ok(), core.ok()) << text;
  if (full.ok() && core.ok()) {
    EXPECT_EQ(*full, *core) << text;
  }
}

TEST(DecimalTest, FastPathAcceptsPlainDecimals) {
  struct Case {
    std::string_view text;
    int64_t micros;
  };
  for (const Case& c :
       {Case{"0", 0}, Case{"0.5", 500000}, Case{"0.514", 514000}, Case{"21574.08", 21574080000},
        Case{"10500100", 10500100000000}, Case{"0.000001", 1},
        Case{"999999999999.999999", 999999999999999999}, Case{"00.10", 100000}}) {
    int64_t v = -1;
    ASSERT_TRUE(ParsePlainDecimalMicros(c.text, &v)) << c.text;
    EXPECT_EQ(v, c.micros) << c.text;
  }
}

TEST(DecimalTest, FastPathDefersUnusualForms) {
  for (std::string_view text : {"", ".5", "5.", "-1", "+1", "1e-3", "0.5000000", "NaN", "1.2.3",
                                "1 ", " 1", "1234567890123", "0x10"}) {
    int64_t v = 7;
    EXPECT_FALSE(ParsePlainDecimalMicros(text, &v)) << text;
    EXPECT_EQ(v, 7) << text;
    ExpectAgreesWithCore(text);
  }
}

TEST(DecimalTest, AgreesWithCoreParserOnRandomInputs) {
  std::mt19937_64 rng(20260401);
  const std::string alphabet = "0123456789.0123456789-e+ x";
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    if (i % 2 == 0) {
      // Well-formed decimals of random shape.
      const int int_digits = 1 + static_cast<int>(rng() % 14);
      const int frac_digits = static_cast<int>(rng() % 9);
      for (int k = 0; k < int_digits; ++k) text.push_back(static_cast<char>('0' + rng() % 10));
      if (frac_digits > 0 || rng() % 4 == 0) text.push_back('.');
      for (int k = 0; k < frac_digits; ++k) text.push_back(static_cast<char>('0' + rng() % 10));
    } else {
      const int len = static_cast<int>(rng() % 12);
      for (int k = 0; k < len; ++k) text.push_back(alphabet[rng() % alphabet.size()]);
    }
    ExpectAgreesWithCore(text);
  }
}

TEST(DecimalTest, RoundedParseRoundsFromTheText) {
  struct Case {
    std::string_view text;
    Rounding rounding;
    int64_t micros;
  };
  for (const Case& c : {
           Case{"26458.188064999995", Rounding::kHalfUp, 26458188065},
           Case{"26458.188064999995", Rounding::kDown, 26458188064},
           Case{"0.5843311669077693146635445446077281", Rounding::kHalfUp, 584331},
           Case{"0.4156688330922306853364554553922719", Rounding::kHalfUp, 415669},
           Case{"0.0000005", Rounding::kHalfUp, 1},
           Case{"0.00000049", Rounding::kHalfUp, 0},
           Case{"0.0000001", Rounding::kUp, 1},
           Case{"-0.0000001", Rounding::kUp, 0},
           Case{"-0.0000001", Rounding::kDown, -1},
           Case{"-0.0000005", Rounding::kHalfUp, -1},
           Case{"1e-7", Rounding::kUp, 1},
           Case{"1.5e3", Rounding::kExact, 1500000000},
           Case{"12", Rounding::kExact, 12000000},
           Case{"9.999997", Rounding::kExact, 9999997},
           Case{"1e-30", Rounding::kHalfUp, 0},
       }) {
    absl::StatusOr<int64_t> v = ParseDecimalMicrosRounded(c.text, c.rounding);
    ASSERT_TRUE(v.ok()) << c.text << ": " << v.status();
    EXPECT_EQ(*v, c.micros) << c.text;
  }
}

TEST(DecimalTest, RoundedParseErrors) {
  struct Case {
    std::string_view text;
    Rounding rounding;
    std::string_view message;
  };
  for (const Case& c : {Case{"", Rounding::kHalfUp, "empty"},
                        Case{"abc", Rounding::kHalfUp, "unexpected character at offset 0"},
                        Case{"NaN", Rounding::kHalfUp, "unexpected character"},
                        Case{"1.2.3", Rounding::kHalfUp, "more than one decimal point"},
                        Case{"1e", Rounding::kHalfUp, "empty exponent"},
                        Case{"1e999999999", Rounding::kHalfUp, "out of range"},
                        Case{"99999999999999", Rounding::kHalfUp, "out of range"},
                        Case{"0.0000001", Rounding::kExact, "more than 6 decimal places"}}) {
    absl::StatusOr<int64_t> v = ParseDecimalMicrosRounded(c.text, c.rounding);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_THAT(std::string(v.status().message()), HasSubstr(c.message)) << c.text;
  }
}

TEST(DecimalTest, RoundedParseMatchesExactParseWhenExact) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50000; ++i) {
    const int64_t micros = static_cast<int64_t>(rng() % 1000000000000000ull);
    const std::string text = Quantity::FromMicros(micros).ToString();
    absl::StatusOr<int64_t> v = ParseDecimalMicrosRounded(text, Rounding::kExact);
    ASSERT_TRUE(v.ok()) << text;
    EXPECT_EQ(*v, micros) << text;
  }
}

}  // namespace
}  // namespace arbor::venue::polymarket
