// Exact amount computation. Prices are required to be on tick, so in 1e-4 units they are
// integers (every tick is a multiple of 0.0001) and every decimal-place rule of the official
// clients becomes integer arithmetic:
//   size floored to 2 decimals -> integer cents;
//   cents · price4 is the product in 1e-6 units exactly (2 + price decimals <= amount decimals,
//   so the official fix-up never applies to a product);
//   a market BUY quotient uses ceil at amount_decimals + 4 then floor at amount_decimals, which
//   equals floor(ceil(q · 10^(adp+4)) / 10^4) and also covers the "already exact" case.
#include "arbor/venue/polymarket/order_amounts.h"

#include <iterator>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::venue::polymarket {
namespace {

__extension__ typedef __int128 int128;

struct TickInfo {
  std::string_view text;
  int64_t micros;
  RoundingConfig config;
};

constexpr TickInfo kTicks[] = {
    {"0.1", 100000, {1, 2, 3}},  {"0.01", 10000, {2, 2, 4}}, {"0.005", 5000, {3, 2, 5}},
    {"0.0025", 2500, {4, 2, 6}}, {"0.001", 1000, {3, 2, 5}}, {"0.0001", 100, {4, 2, 6}},
};

const TickInfo& Info(TickSize tick) { return kTicks[static_cast<int>(tick)]; }

int128 Pow10(int n) {
  int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

absl::Status CheckPrice(Price price, TickSize tick) {
  const TickInfo& info = Info(tick);
  if (price.micros() % info.micros != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("price: ", ToAbsl(price.ToString()), " is not on tick ", ToAbsl(info.text)));
  }
  if (price.micros() < info.micros || price.micros() > kFixedScale - info.micros) {
    return absl::InvalidArgumentError(absl::StrCat("price: ", ToAbsl(price.ToString()),
                                                   " is outside [", ToAbsl(info.text), ", 1 - ",
                                                   ToAbsl(info.text), "]"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Cents(Quantity q, std::string_view field) {
  if (q.micros() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": must not be negative"));
  }
  const int64_t cents = q.micros() / 10000;
  if (cents == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(field), ": ", ToAbsl(q.ToString()), " rounds down to 0 (2 decimals)"));
  }
  return cents;
}

absl::StatusOr<int64_t> Narrow(int128 v, std::string_view field) {
  if (v > std::numeric_limits<int64_t>::max()) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": amount overflows int64"));
  }
  return static_cast<int64_t>(v);
}

}  // namespace

absl::StatusOr<TickSize> ParseTickSize(std::string_view text) {
  for (size_t i = 0; i < std::size(kTicks); ++i) {
    if (kTicks[i].text == text) return static_cast<TickSize>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("tick_size: '", ToAbsl(Abbreviate(text)),
                   "' is not one of 0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001"));
}

int64_t TickMicros(TickSize tick) { return Info(tick).micros; }
RoundingConfig GetRoundingConfig(TickSize tick) { return Info(tick).config; }
std::string_view TickSizeText(TickSize tick) { return Info(tick).text; }

absl::StatusOr<RawAmounts> LimitOrderAmounts(OrderSide side, Price price, Quantity size,
                                             TickSize tick) {
  if (absl::Status s = CheckPrice(price, tick); !s.ok()) return s;
  ARBOR_ASSIGN_OR_RETURN(const int64_t cents, Cents(size, "size"));
  const int128 price4 = price.micros() / 100;
  ARBOR_ASSIGN_OR_RETURN(const int64_t notional, Narrow(int128{cents} * price4, "size"));
  const int64_t shares = cents * 10000;
  if (side == OrderSide::kBuy) return RawAmounts{notional, shares};
  return RawAmounts{shares, notional};
}

absl::StatusOr<RawAmounts> MarketOrderAmounts(OrderSide side, Price price, Quantity amount,
                                              TickSize tick) {
  if (absl::Status s = CheckPrice(price, tick); !s.ok()) return s;
  ARBOR_ASSIGN_OR_RETURN(const int64_t cents, Cents(amount, "amount"));
  const int128 price4 = price.micros() / 100;
  const int64_t maker = cents * 10000;
  if (side == OrderSide::kSell) {
    ARBOR_ASSIGN_OR_RETURN(const int64_t notional, Narrow(int128{cents} * price4, "amount"));
    return RawAmounts{maker, notional};
  }
  const int adp = Info(tick).config.amount_decimals;
  // shares = (cents / 100) / (price4 / 10^4) = cents · 100 / price4.
  const int128 num = int128{cents} * 100 * Pow10(adp + 4);
  const int128 ceil_q = (num + price4 - 1) / price4;
  const int128 at_adp = ceil_q / 10000;
  ARBOR_ASSIGN_OR_RETURN(const int64_t taker, Narrow(at_adp * Pow10(6 - adp), "amount"));
  return RawAmounts{maker, taker};
}

}  // namespace arbor::venue::polymarket
