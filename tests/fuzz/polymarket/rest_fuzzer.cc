// libFuzzer target: CLOB REST and Gamma parsers, the summary hash, and the decimal / fee
// arithmetic. The decimal fast path is checked differentially against the core parser.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/book_hash.h"
#include "arbor/venue/polymarket/decimal.h"
#include "arbor/venue/polymarket/fees.h"
#include "arbor/venue/polymarket/gamma.h"
#include "arbor/venue/polymarket/rest_parsers.h"

namespace {

namespace pm = arbor::venue::polymarket;
using arbor::kPriceOne;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void FuzzDecimals(std::string_view input) {
  const std::string_view text = input.substr(0, 48);
  int64_t fast = 0;
  const bool plain = pm::ParsePlainDecimalMicros(text, &fast);
  absl::StatusOr<int64_t> core = arbor::internal::ParseScaledDecimal(text, arbor::kFixedDecimals);
  if (plain) Check(core.ok() && *core == fast);
  absl::StatusOr<int64_t> exact = pm::ParseDecimalMicrosRounded(text, arbor::Rounding::kExact);
  if (core.ok() && exact.ok()) Check(*core == *exact);
  absl::StatusOr<int64_t> down = pm::ParseDecimalMicrosRounded(text, arbor::Rounding::kDown);
  absl::StatusOr<int64_t> up = pm::ParseDecimalMicrosRounded(text, arbor::Rounding::kUp);
  if (down.ok() && up.ok()) Check(*up - *down == 0 || *up - *down == 1);
}

void FuzzFees(const uint8_t* data, size_t size) {
  if (size < 24) return;
  uint64_t a = 0;
  uint64_t b = 0;
  uint64_t c = 0;
  std::memcpy(&a, data, 8);
  std::memcpy(&b, data + 8, 8);
  std::memcpy(&c, data + 16, 8);
  const pm::FeeSchedule schedule{.rate_micros = static_cast<int64_t>(a % 1'000'001),
                                 .exponent = static_cast<int>(a >> 60) % 9};
  const auto shares = arbor::Quantity::FromMicros(static_cast<int64_t>(b >> 1));
  const auto price = arbor::Price::FromMicros(static_cast<int64_t>(c % 1'000'001));
  absl::StatusOr<pm::ExactFee> fee = pm::TakerFeeExact(schedule, shares, price);
  if (!fee.ok()) return;
  absl::StatusOr<arbor::Money> down = fee->Round(6, arbor::Rounding::kDown);
  absl::StatusOr<arbor::Money> up = fee->Round(6, arbor::Rounding::kUp);
  if (down.ok() && up.ok()) {
    Check(!down->IsNegative());
    Check(up->micros() - down->micros() <= 1);
    // A fee never exceeds notional C * 1 * (1/4)^e <= C.
    Check(down->micros() <= shares.micros());
  }
  (void)fee->ToString();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (absl::StatusOr<pm::BookSummary> book = pm::ParseBookSummary(input); book.ok()) {
    for (const auto& l : book->bids) Check(l.level.price <= kPriceOne);
    absl::StatusOr<std::string> hash = pm::OrderBookSummaryHash(*book);
    Check(hash.ok() && hash->size() == 40);
  }
  (void)pm::ParseBookSummaries(input);
  if (absl::StatusOr<pm::ClobMarket> market = pm::ParseClobMarket(input); market.ok()) {
    Check(market->minimum_tick_size.IsPositive());
  }
  (void)pm::ParseClobMarketsPage(input);
  (void)pm::ParseTickSizeResponse(input);
  (void)pm::ParseNegRiskResponse(input);
  (void)pm::ParseFeeRateResponse(input);
  if (absl::StatusOr<pm::GammaMarket> market = pm::ParseGammaMarket(input); market.ok()) {
    for (arbor::Price p : market->outcome_prices) Check(!p.IsNegative() && p <= kPriceOne);
  }
  (void)pm::ParseGammaMarkets(input);
  (void)pm::ParseGammaEvent(input);
  (void)pm::ParseGammaEvents(input);
  (void)pm::ParseGammaTags(input);
  (void)pm::ParseGammaSearch(input);
  FuzzDecimals(input);
  FuzzFees(data, size);
  return 0;
}
