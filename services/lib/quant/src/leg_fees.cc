#include "arbor/quant/leg_fees.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::quant {

LegFees LegFees::Polymarket(const venue::polymarket::FeeSchedule& schedule, LiquidityRole role) {
  LegFees f;
  f.venue_ = FeeVenue::kPolymarket;
  f.role_ = role;
  f.polymarket_ = schedule;
  return f;
}

absl::StatusOr<LegFees> LegFees::Kalshi(const venue::kalshi::FeeModel& model, LiquidityRole role,
                                        venue::kalshi::FeeRounding rounding) {
  LegFees f;
  f.venue_ = FeeVenue::kKalshi;
  f.role_ = role;
  if (model.fee_type == "quadratic") {
    f.kalshi_maker_fees_ = false;
  } else if (model.fee_type == "quadratic_with_maker_fees") {
    f.kalshi_maker_fees_ = true;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi fee_type \"", Abbreviate(model.fee_type), "\" has no known formula"));
  }
  if (model.multiplier.IsNegative()) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative kalshi fee multiplier ", model.multiplier.ToString()));
  }
  f.kalshi_multiplier_ = model.multiplier;
  f.kalshi_rounding_ = rounding;
  return f;
}

absl::StatusOr<Money> LegFees::Fee(Quantity quantity, Price price) const {
  if (quantity.IsNegative()) {
    return absl::InvalidArgumentError(absl::StrCat("negative fill quantity ", quantity.ToString()));
  }
  if (price.IsNegative() || price > kPriceOne) {
    return absl::InvalidArgumentError(absl::StrCat("price ", price.ToString(), " outside [0, 1]"));
  }
  switch (venue_) {
    case FeeVenue::kNone:
      return Money::Zero();
    case FeeVenue::kPolymarket: {
      // Always run the venue function so an invalid schedule is reported even for makers.
      absl::StatusOr<Money> fee =
          venue::polymarket::TakerFee(polymarket_, quantity, price, Rounding::kUp);
      if (!fee.ok()) return fee.status();
      if (role_ == LiquidityRole::kMaker && polymarket_.taker_only) return Money::Zero();
      return *fee;
    }
    case FeeVenue::kKalshi: {
      const venue::kalshi::FeeModel model{
          .fee_type = kalshi_maker_fees_ ? "quadratic_with_maker_fees" : "quadratic",
          .multiplier = kalshi_multiplier_};
      return venue::kalshi::TradeFee(model,
                                     role_ == LiquidityRole::kTaker
                                         ? venue::kalshi::FeeRole::kTaker
                                         : venue::kalshi::FeeRole::kMaker,
                                     price, quantity, kalshi_rounding_);
    }
  }
  return absl::InternalError("unknown fee venue");
}

}  // namespace arbor::quant
