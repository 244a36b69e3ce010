// File: arbor/quant/leg_fees.h
//
// LegFees: a venue-neutral fee model for one leg of a bundle. It answers one question -- the fee
// of a fill of C shares/contracts at price P, in Money micros rounded against us (up) -- by
// calling the venue's own exact fee function:
//
//   Polymarket  C * rate * (p(1-p))^exponent, per market schedule; taker-only schedules charge
//               makers nothing (arbor/venue/polymarket/fees.h, rounded up to 1e-6).
//   Kalshi      ceil(0.07 (taker) / 0.0175 (maker) * M * C * P(1-P)) to the cent or to $0.0001;
//               "quadratic" series charge makers nothing (arbor/venue/kalshi/fees.h).
//   None        0.
//
//   LegFees fees = LegFees::Polymarket({.rate_micros = 40000, .exponent = 1});
//   ARBOR_ASSIGN_OR_RETURN(Money fee, fees.Fee(Quantity::FromUnits(100), price));
//
// Fees are charged as a collateral cost. Polymarket actually takes buy-side fees in shares, which
// leaves a bought set slightly incomplete; charging the same value in USD is the first model
// (REFERENCE_CASES.md, "How to use these as tests" §4).
//
// A plain value: trivially copyable, thread-compatible, no allocation.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/kalshi/fees.h"
#include "arbor/venue/polymarket/fees.h"

namespace arbor::quant {

// Which fee function a LegFees calls.
enum class FeeVenue : uint8_t { kNone, kPolymarket, kKalshi };

// Whether our order takes or provides liquidity. The bundle pricer sweeps books, so it is a taker.
enum class LiquidityRole : uint8_t { kTaker, kMaker };

class LegFees {
 public:
  // No fee.
  LegFees() = default;
  static LegFees None() { return LegFees(); }

  // Polymarket
  //
  // The market's schedule (Gamma feeSchedule / CLOB /clob-markets fd{r,e}). With
  // schedule.taker_only, a maker pays 0. Schedule ranges are validated by Fee().
  static LegFees Polymarket(const venue::polymarket::FeeSchedule& schedule,
                            LiquidityRole role = LiquidityRole::kTaker);

  // Kalshi
  //
  // The series/event fee model. Errors: InvalidArgument for a fee_type other than "quadratic"
  // and "quadratic_with_maker_fees" (no documented formula), or a negative multiplier.
  [[nodiscard]] static absl::StatusOr<LegFees> Kalshi(
      const venue::kalshi::FeeModel& model, LiquidityRole role = LiquidityRole::kTaker,
      venue::kalshi::FeeRounding rounding = venue::kalshi::FeeRounding::kCent);

  // Fee
  //
  // The fee of one fill of `quantity` at `price`, >= 0, rounded up (against us) as the venue's
  // function rounds: to 1e-6 USD (Polymarket), to $0.01 / $0.0001 (Kalshi). Not additive: two
  // fills can cost more than one fill of their sum. Errors: InvalidArgument for quantity < 0,
  // price outside [0, 1], or an invalid schedule; OutOfRange if the fee overflows Money.
  [[nodiscard]] absl::StatusOr<Money> Fee(Quantity quantity, Price price) const;

  FeeVenue venue() const { return venue_; }
  LiquidityRole role() const { return role_; }

 private:
  FeeVenue venue_ = FeeVenue::kNone;
  LiquidityRole role_ = LiquidityRole::kTaker;
  venue::polymarket::FeeSchedule polymarket_;
  bool kalshi_maker_fees_ = false;  // fee_type "quadratic_with_maker_fees"
  venue::kalshi::Multiplier kalshi_multiplier_ = venue::kalshi::Multiplier::FromUnits(1);
  venue::kalshi::FeeRounding kalshi_rounding_ = venue::kalshi::FeeRounding::kCent;
};

}  // namespace arbor::quant
