#include "arbor/book/price_grid.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "book_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::book {
namespace {

using ::arbor::book::testing::P;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct UniformCase {
  const char* tick;
  int slots;
  const char* on_grid;
  const char* off_grid;
};

// Every Polymarket tick size.
constexpr UniformCase kUniformCases[] = {
    {"0.1", 9, "0.3", "0.35"},         {"0.01", 99, "0.56", "0.565"},
    {"0.001", 999, "0.565", "0.5655"}, {"0.0001", 9999, "0.5655", "0.56555"},
    {"0.005", 199, "0.565", "0.566"},  {"0.0025", 399, "0.5625", "0.5626"},
};

TEST(PriceGridTest, UniformEveryPolymarketTick) {
  for (const UniformCase& c : kUniformCases) {
    SCOPED_TRACE(c.tick);
    absl::StatusOr<PriceGrid> grid = PriceGrid::Uniform(P(c.tick));
    ASSERT_TRUE(grid.ok()) << grid.status();
    EXPECT_EQ(grid->tick(), P(c.tick));
    EXPECT_EQ(grid->unit(), P(c.tick));
    EXPECT_EQ(grid->slots(), c.slots);
    EXPECT_TRUE(grid->is_uniform());
    EXPECT_EQ(grid->ToString(), c.tick);
    EXPECT_TRUE(grid->IsOnGrid(P(c.on_grid)));
    EXPECT_TRUE(grid->Validate(P(c.on_grid)).ok());
    EXPECT_FALSE(grid->IsOnGrid(P(c.off_grid)));
    EXPECT_EQ(grid->Validate(P(c.off_grid)).code(), absl::StatusCode::kInvalidArgument);
    // The extreme slots are one tick inside (0, 1).
    EXPECT_EQ(grid->PriceAt(0), P(c.tick));
    EXPECT_EQ(grid->PriceAt(grid->slots() - 1), kPriceOne - P(c.tick));
    for (int i = 0; i < grid->slots(); ++i) {
      ASSERT_TRUE(grid->IsOnGrid(grid->PriceAt(i))) << i;
      ASSERT_EQ(grid->IndexOf(grid->PriceAt(i)), i);
    }
  }
}

TEST(PriceGridTest, UniformRejectsBadTicks) {
  for (const char* tick : {"0", "-0.01", "0.003", "0.0007", "1", "1.5"}) {
    SCOPED_TRACE(tick);
    absl::StatusOr<PriceGrid> grid = PriceGrid::Uniform(P(tick));
    ASSERT_FALSE(grid.ok());
    EXPECT_EQ(grid.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(grid.status().message(), HasSubstr(tick));
  }
}

TEST(PriceGridTest, MicroTickGridCoversEveryMicro) {
  absl::StatusOr<PriceGrid> grid = PriceGrid::Uniform(P("0.000001"));
  ASSERT_TRUE(grid.ok());
  EXPECT_EQ(grid->slots(), 999'999);
  EXPECT_TRUE(grid->IsOnGrid(P("0.000001")));
  EXPECT_TRUE(grid->IsOnGrid(P("0.999999")));
  EXPECT_EQ(grid->IndexOf(P("0.999999")), 999'998);
}

TEST(PriceGridTest, ValidateRejectsPricesOutsideTheOpenInterval) {
  const PriceGrid grid = PriceGrid::KalshiLinearCent();
  for (const char* price : {"0", "1", "-0.01", "-1", "1.01", "2"}) {
    SCOPED_TRACE(price);
    EXPECT_FALSE(grid.IsOnGrid(P(price)));
    absl::Status s = grid.Validate(P(price));
    EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
    EXPECT_THAT(s.message(), HasSubstr(price));
  }
}

TEST(PriceGridTest, OffGridMessageNamesPriceAndTick) {
  absl::Status s = PriceGrid::KalshiLinearCent().Validate(P("0.015"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("off the tick grid"));
  EXPECT_THAT(s.message(), HasSubstr("0.015"));
  EXPECT_THAT(s.message(), HasSubstr("0.01"));
}

TEST(PriceGridTest, KalshiLinearAndDeciCentAreUniform) {
  EXPECT_EQ(PriceGrid::KalshiLinearCent(), *PriceGrid::Uniform(P("0.01")));
  EXPECT_EQ(PriceGrid::KalshiDeciCent(), *PriceGrid::Uniform(P("0.001")));
  EXPECT_EQ(PriceGrid::KalshiDeciCent().slots(), 999);
  EXPECT_FALSE(PriceGrid::KalshiLinearCent() == PriceGrid::KalshiDeciCent());
}

TEST(PriceGridTest, TaperedDeciCent) {
  const PriceGrid grid = PriceGrid::KalshiTaperedDeciCent();
  EXPECT_FALSE(grid.is_uniform());
  EXPECT_EQ(grid.unit(), P("0.001"));
  EXPECT_EQ(grid.tick(), P("0.01"));  // the coarsest step
  EXPECT_EQ(grid.slots(), 999);
  EXPECT_EQ(grid.ToString(), "[0,0.1]@0.001 [0.1,0.9]@0.01 [0.9,1]@0.001");
  for (const char* on :
       {"0.001", "0.05", "0.099", "0.1", "0.11", "0.5", "0.89", "0.9", "0.901", "0.999"}) {
    EXPECT_TRUE(grid.IsOnGrid(P(on))) << on;
  }
  for (const char* off : {"0.0005", "0.105", "0.5005", "0.899", "0.101", "0.9995"}) {
    EXPECT_FALSE(grid.IsOnGrid(P(off))) << off;
    EXPECT_EQ(grid.Validate(P(off)).code(), absl::StatusCode::kInvalidArgument) << off;
  }
}

TEST(PriceGridTest, FromRangesSortsAndMatchesTheFactory) {
  absl::StatusOr<PriceGrid> grid = PriceGrid::FromRanges({
      {P("0.9"), P("1"), P("0.001")},
      {P("0"), P("0.1"), P("0.001")},
      {P("0.1"), P("0.9"), P("0.01")},
  });
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(*grid, PriceGrid::KalshiTaperedDeciCent());
}

TEST(PriceGridTest, FromRangesMergesEqualSteps) {
  absl::StatusOr<PriceGrid> grid = PriceGrid::FromRanges({
      {P("0"), P("0.5"), P("0.01")},
      {P("0.5"), P("1"), P("0.01")},
  });
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_TRUE(grid->is_uniform());
  EXPECT_EQ(*grid, PriceGrid::KalshiLinearCent());
  EXPECT_THAT(grid->ranges(), ElementsAre(PriceRange{P("0"), P("1"), P("0.01")}));
}

TEST(PriceGridTest, FromRangesUnitIsGcdOfStepsAndStarts) {
  // 0.004 steps up to 0.2, then 0.01 steps: unit gcd(0.004, 0.2, 0.01) = 0.002.
  absl::StatusOr<PriceGrid> grid = PriceGrid::FromRanges({
      {P("0"), P("0.2"), P("0.004")},
      {P("0.2"), P("1"), P("0.01")},
  });
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(grid->unit(), P("0.002"));
  EXPECT_EQ(grid->slots(), 499);
  EXPECT_TRUE(grid->IsOnGrid(P("0.004")));
  EXPECT_FALSE(grid->IsOnGrid(P("0.002")));
  EXPECT_TRUE(grid->IsOnGrid(P("0.2")));
  EXPECT_FALSE(grid->IsOnGrid(P("0.204")));
  EXPECT_TRUE(grid->IsOnGrid(P("0.21")));
}

struct BadRangesCase {
  const char* name;
  std::vector<PriceRange> ranges;
  const char* message;
};

TEST(PriceGridTest, FromRangesRejectsMalformedRanges) {
  const BadRangesCase cases[] = {
      {"empty", {}, "empty"},
      {"gap", {{P("0"), P("0.4"), P("0.01")}, {P("0.5"), P("1"), P("0.01")}}, "contiguous"},
      {"overlap", {{P("0"), P("0.6"), P("0.01")}, {P("0.5"), P("1"), P("0.01")}}, "contiguous"},
      {"not from zero", {{P("0.1"), P("1"), P("0.01")}}, "contiguous"},
      {"short", {{P("0"), P("0.9"), P("0.01")}}, "cover"},
      {"past one", {{P("0"), P("1.1"), P("0.01")}}, "end must be <= 1"},
      {"zero step", {{P("0"), P("1"), P("0")}}, "step must be positive"},
      {"negative step", {{P("0"), P("1"), P("-0.01")}}, "step must be positive"},
      {"empty range", {{P("0"), P("0"), P("0.01")}, {P("0"), P("1"), P("0.01")}}, "below end"},
      {"uneven", {{P("0"), P("0.105"), P("0.01")}, {P("0.105"), P("1"), P("0.005")}}, "whole"},
      {"no interior price", {{P("0"), P("1"), P("1")}}, "no price"},
  };
  for (const BadRangesCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<PriceGrid> grid = PriceGrid::FromRanges(c.ranges);
    ASSERT_FALSE(grid.ok());
    EXPECT_EQ(grid.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(grid.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace arbor::book
