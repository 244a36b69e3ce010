#include "arbor/book/price_grid.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/fixed_point.h"

namespace arbor::book {
namespace {

std::string DescribeRange(const PriceRange& r) {
  return absl::StrCat("[", r.start.ToString(), ",", r.end.ToString(), "]@", r.step.ToString());
}

}  // namespace

PriceGrid::PriceGrid(std::vector<PriceRange> normalised) : ranges_(std::move(normalised)) {
  int64_t unit = 0;
  int64_t tick = 0;
  for (const PriceRange& r : ranges_) {
    unit = std::gcd(unit, r.step.micros());
    unit = std::gcd(unit, r.start.micros());
    tick = std::max(tick, r.step.micros());
  }
  // Every range start and step is a multiple of unit and the last range ends at 1, so unit
  // divides 1.000000 exactly.
  ARBOR_CHECK(unit > 0 && kFixedScale % unit == 0, "PriceGrid unit must divide 1");
  unit_micros_ = unit;
  tick_micros_ = tick;
  slots_ = static_cast<int>(kFixedScale / unit) - 1;
}

absl::StatusOr<PriceGrid> PriceGrid::Uniform(Price tick) {
  if (!tick.IsPositive()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick size ", tick.ToString(), " must be positive"));
  }
  if (tick.micros() >= kFixedScale || kFixedScale % tick.micros() != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick size ", tick.ToString(), " must divide 1 exactly and be below 1"));
  }
  return PriceGrid({PriceRange{Price::Zero(), kPriceOne, tick}});
}

absl::StatusOr<PriceGrid> PriceGrid::FromRanges(std::vector<PriceRange> ranges) {
  if (ranges.empty()) return absl::InvalidArgumentError("price_ranges is empty");
  std::sort(ranges.begin(), ranges.end(),
            [](const PriceRange& a, const PriceRange& b) { return a.start < b.start; });
  std::vector<PriceRange> merged;
  merged.reserve(ranges.size());
  Price expected_start = Price::Zero();
  for (size_t i = 0; i < ranges.size(); ++i) {
    const PriceRange& r = ranges[i];
    const std::string where = absl::StrCat("price range ", i, " ", DescribeRange(r));
    if (!r.step.IsPositive()) return absl::InvalidArgumentError(where + ": step must be positive");
    if (r.start >= r.end) return absl::InvalidArgumentError(where + ": start must be below end");
    if (r.start != expected_start) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": expected to start at ",
                                                     expected_start.ToString(),
                                                     " (ranges must be contiguous from 0)"));
    }
    if (r.end > kPriceOne) return absl::InvalidArgumentError(where + ": end must be <= 1");
    if ((r.end - r.start).micros() % r.step.micros() != 0) {
      return absl::InvalidArgumentError(where + ": end - start is not a whole number of steps");
    }
    expected_start = r.end;
    if (!merged.empty() && merged.back().step == r.step) {
      merged.back().end = r.end;  // same step: the shared boundary is on both, merge exactly
    } else {
      merged.push_back(r);
    }
  }
  if (expected_start != kPriceOne) {
    return absl::InvalidArgumentError(absl::StrCat(
        "price ranges end at ", expected_start.ToString(), ", expected to cover up to 1"));
  }
  if (merged.size() == 1 && merged[0].step == kPriceOne) {
    return absl::InvalidArgumentError("price ranges leave no price inside (0, 1)");
  }
  return PriceGrid(std::move(merged));
}

PriceGrid PriceGrid::KalshiLinearCent() {
  return PriceGrid({PriceRange{Price::Zero(), kPriceOne, Price::FromMicros(10'000)}});
}

PriceGrid PriceGrid::KalshiDeciCent() {
  return PriceGrid({PriceRange{Price::Zero(), kPriceOne, Price::FromMicros(1'000)}});
}

PriceGrid PriceGrid::KalshiTaperedDeciCent() {
  const Price fine = Price::FromMicros(1'000);
  const Price coarse = Price::FromMicros(10'000);
  const Price low = Price::FromMicros(100'000);
  const Price high = Price::FromMicros(900'000);
  return PriceGrid({PriceRange{Price::Zero(), low, fine}, PriceRange{low, high, coarse},
                    PriceRange{high, kPriceOne, fine}});
}

bool PriceGrid::OnSomeRange(int64_t m) const {
  for (const PriceRange& r : ranges_) {
    if (m >= r.start.micros() && m <= r.end.micros() &&
        (m - r.start.micros()) % r.step.micros() == 0) {
      return true;
    }
  }
  return false;
}

absl::Status PriceGrid::Validate(Price p) const {
  if (p.micros() <= 0 || p.micros() >= kFixedScale) {
    return absl::OutOfRangeError(
        absl::StrCat("price ", p.ToString(), " is outside the open interval (0, 1)"));
  }
  if (!IsOnGrid(p)) {
    return absl::InvalidArgumentError(
        absl::StrCat("price ", p.ToString(), " is off the tick grid ", ToString()));
  }
  return absl::OkStatus();
}

std::string PriceGrid::ToString() const {
  if (is_uniform()) return ranges_[0].step.ToString();
  std::string out;
  for (const PriceRange& r : ranges_) {
    if (!out.empty()) out += ' ';
    out += DescribeRange(r);
  }
  return out;
}

}  // namespace arbor::book
