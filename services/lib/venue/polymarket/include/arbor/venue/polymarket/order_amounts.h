// File: arbor/venue/polymarket/order_amounts.h
//
// Price/size -> (makerAmount, takerAmount) for Polymarket CLOB orders, reproducing the official
// clients' ROUNDING_CONFIG and fix-up rules (POLYMARKET.md §9) in exact integer arithmetic (never
// binary floating point). Amounts are integers in 1e-6 units (pUSD and shares both have 6
// decimals on chain). Pure functions; thread-safe; no allocation on success.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"

namespace arbor::venue::polymarket {

// The tick sizes the CLOB uses, with their decimal-place configuration.
enum class TickSize : uint8_t { k0_1, k0_01, k0_005, k0_0025, k0_001, k0_0001 };

struct RoundingConfig {
  int price_decimals;
  int size_decimals;
  int amount_decimals;
};

// ParseTickSize: "0.1", "0.01", "0.005", "0.0025", "0.001" or "0.0001" (exact text).
// Errors: InvalidArgument for any other text.
[[nodiscard]] absl::StatusOr<TickSize> ParseTickSize(std::string_view text);

// TickMicros: the tick in 1e-6 units (e.g. 0.0025 -> 2500).
int64_t TickMicros(TickSize tick);
RoundingConfig GetRoundingConfig(TickSize tick);
std::string_view TickSizeText(TickSize tick);

enum class OrderSide : uint8_t { kBuy = 0, kSell = 1 };

struct RawAmounts {
  int64_t maker_amount;  // 1e-6 units
  int64_t taker_amount;  // 1e-6 units
};

// LimitOrderAmounts
//
// Limit order of `size` shares at `price`. BUY: taker = floor(size, 2) shares, maker = taker·price
// pUSD; SELL: maker = floor(size, 2) shares, taker = maker·price pUSD (then the fix-up rule, which
// for on-tick prices never changes an exact product).
// Errors (InvalidArgument, naming the field): price not a multiple of the tick ("price ... is not
// on tick ..."), price outside [tick, 1 - tick], size that floors to 0 shares, or an amount that
// overflows int64 micro-units.
[[nodiscard]] absl::StatusOr<RawAmounts> LimitOrderAmounts(OrderSide side, Price price,
                                                           Quantity size, TickSize tick);

// MarketOrderAmounts
//
// Marketable (FOK/FAK) order with a worst `price`. BUY: `amount` is pUSD, maker = floor(amount,2),
// taker = fix(maker / price) (ceil to amount_decimals + 4, then floor to amount_decimals).
// SELL: `amount` is shares, maker = floor(amount, 2), taker = maker·price.
// Errors: as LimitOrderAmounts (amount instead of size).
[[nodiscard]] absl::StatusOr<RawAmounts> MarketOrderAmounts(OrderSide side, Price price,
                                                            Quantity amount, TickSize tick);

}  // namespace arbor::venue::polymarket
