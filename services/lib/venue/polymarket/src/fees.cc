#include "arbor/venue/polymarket/fees.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace arbor::venue::polymarket {

__extension__ typedef unsigned __int128 uint128;

// Fixed-width unsigned arithmetic on ExactFee's limbs: multiply / divide by a 64-bit value.
class ExactFeeBuilder {
 public:
  using Limbs = std::array<uint64_t, 6>;

  static void MulSmall(Limbs& v, uint64_t m) {
    uint64_t carry = 0;
    for (uint64_t& limb : v) {
      const uint128 product = static_cast<uint128>(limb) * m + carry;
      limb = static_cast<uint64_t>(product);
      carry = static_cast<uint64_t>(product >> 64);
    }
  }

  // v /= d; returns the remainder.
  static uint64_t DivSmall(Limbs& v, uint64_t d) {
    uint128 rem = 0;
    for (size_t i = v.size(); i-- > 0;) {
      const uint128 cur = (rem << 64) | v[i];
      v[i] = static_cast<uint64_t>(cur / d);
      rem = cur % d;
    }
    return static_cast<uint64_t>(rem);
  }

  static bool IsZero(const Limbs& v) {
    return std::all_of(v.begin(), v.end(), [](uint64_t x) { return x == 0; });
  }

  static ExactFee Make(const Limbs& limbs, int scale) {
    ExactFee fee;
    fee.limbs_ = limbs;
    fee.scale_ = scale;
    return fee;
  }
  static const Limbs& LimbsOf(const ExactFee& f) { return f.limbs_; }
  static int ScaleOf(const ExactFee& f) { return f.scale_; }
};

namespace {

using Limbs = ExactFeeBuilder::Limbs;
constexpr uint64_t kTen19 = 10'000'000'000'000'000'000ull;

// Decimal digits of v (no leading zeros; "0" for zero).
std::string Digits(Limbs v) {
  if (ExactFeeBuilder::IsZero(v)) return "0";
  std::string chunks;  // least significant 19-digit chunk first, each reversed
  while (!ExactFeeBuilder::IsZero(v)) {
    uint64_t rem = ExactFeeBuilder::DivSmall(v, kTen19);
    for (int k = 0; k < 19; ++k) {
      chunks.push_back(static_cast<char>('0' + rem % 10));
      rem /= 10;
    }
  }
  while (chunks.size() > 1 && chunks.back() == '0') chunks.pop_back();
  return std::string(chunks.rbegin(), chunks.rend());
}

// Divides v by 10^k, returning whether any dropped digit was non-zero.
bool DivPow10(Limbs& v, int k) {
  bool sticky = false;
  while (k > 0) {
    const int step = std::min(k, 19);
    uint64_t divisor = 1;
    for (int i = 0; i < step; ++i) divisor *= 10;
    if (ExactFeeBuilder::DivSmall(v, divisor) != 0) sticky = true;
    k -= step;
  }
  return sticky;
}

}  // namespace

std::string ExactFee::ToString() const {
  std::string digits = Digits(limbs_);
  if (digits == "0") return digits;
  const size_t scale = static_cast<size_t>(scale_);
  if (digits.size() <= scale) digits.insert(0, scale - digits.size() + 1, '0');
  std::string out = digits.substr(0, digits.size() - scale);
  std::string frac = digits.substr(digits.size() - scale);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) absl::StrAppend(&out, ".", frac);
  return out;
}

bool ExactFee::IsZero() const { return ExactFeeBuilder::IsZero(limbs_); }

bool operator==(const ExactFee& a, const ExactFee& b) { return a.ToString() == b.ToString(); }

absl::StatusOr<Money> ExactFee::Round(int places, Rounding rounding) const {
  if (places < 0 || places > kFixedDecimals) {
    return absl::InvalidArgumentError(absl::StrCat("places ", places, " outside [0, 6]"));
  }
  Limbs q = limbs_;
  const int drop = scale_ - places;
  int first_dropped = 0;
  bool sticky = false;
  if (drop > 0) {
    sticky = DivPow10(q, drop - 1);
    first_dropped = static_cast<int>(ExactFeeBuilder::DivSmall(q, 10));
  } else {
    for (int k = 0; k < -drop; ++k) ExactFeeBuilder::MulSmall(q, 10);
  }
  const bool inexact = first_dropped != 0 || sticky;
  bool up = false;
  switch (rounding) {
    case Rounding::kDown:
    case Rounding::kTowardZero:
      break;
    case Rounding::kUp:
      up = inexact;
      break;
    case Rounding::kHalfUp:
      up = first_dropped >= 5;
      break;
    case Rounding::kExact:
      if (inexact) {
        return absl::FailedPreconditionError(
            absl::StrCat("fee ", ToString(), " is not exact at ", places, " decimals"));
      }
      break;
  }
  if (up) {
    uint64_t carry = 1;
    for (uint64_t& limb : q) {
      const uint128 sum = static_cast<uint128>(limb) + carry;
      limb = static_cast<uint64_t>(sum);
      carry = static_cast<uint64_t>(sum >> 64);
    }
  }
  // Scale the rounded value back up to micro-units.
  for (int k = places; k < kFixedDecimals; ++k) ExactFeeBuilder::MulSmall(q, 10);
  const bool fits = std::all_of(q.begin() + 1, q.end(), [](uint64_t x) { return x == 0; }) &&
                    q[0] <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!fits) return absl::OutOfRangeError(absl::StrCat("fee ", ToString(), " overflows Money"));
  return Money::FromMicros(static_cast<int64_t>(q[0]));
}

absl::StatusOr<ExactFee> TakerFeeExact(const FeeSchedule& schedule, Quantity shares, Price price) {
  if (shares.IsNegative()) {
    return absl::InvalidArgumentError(absl::StrCat("negative share count ", shares.ToString()));
  }
  if (price.IsNegative() || price > kPriceOne) {
    return absl::InvalidArgumentError(absl::StrCat("price ", price.ToString(), " outside [0, 1]"));
  }
  if (schedule.rate_micros < 0 || schedule.rate_micros > kFixedScale) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fee rate ", Money::FromMicros(schedule.rate_micros).ToString(), " outside [0, 1]"));
  }
  if (schedule.exponent < 0 || schedule.exponent > FeeSchedule::kMaxExponent) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fee exponent ", schedule.exponent, " outside [0, ", FeeSchedule::kMaxExponent, "]"));
  }
  // C * R * (P * (1e6 - P))^e over 10^(6 + 6 + 12e): at most 63 + 20 + 38*7 = 349 bits.
  Limbs n{};
  n[0] = static_cast<uint64_t>(shares.micros());
  ExactFeeBuilder::MulSmall(n, static_cast<uint64_t>(schedule.rate_micros));
  const uint64_t p = static_cast<uint64_t>(price.micros());
  const uint64_t pq = p * (static_cast<uint64_t>(kFixedScale) - p);
  for (int k = 0; k < schedule.exponent; ++k) ExactFeeBuilder::MulSmall(n, pq);
  return ExactFeeBuilder::Make(n, 2 * kFixedDecimals + 2 * kFixedDecimals * schedule.exponent);
}

absl::StatusOr<Money> TakerFee(const FeeSchedule& schedule, Quantity shares, Price price,
                               Rounding rounding) {
  absl::StatusOr<ExactFee> fee = TakerFeeExact(schedule, shares, price);
  if (!fee.ok()) return fee.status();
  return fee->Round(kFixedDecimals, rounding);
}

absl::StatusOr<Money> TakerFeeNautilus(const FeeSchedule& schedule, Quantity shares, Price price) {
  absl::StatusOr<ExactFee> fee = TakerFeeExact(schedule, shares, price);
  if (!fee.ok()) return fee.status();
  return fee->Round(5, Rounding::kDown);
}

}  // namespace arbor::venue::polymarket
