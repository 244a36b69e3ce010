#include "arbor/risk/denial.h"

#include "absl/strings/str_cat.h"

namespace arbor::risk {

std::array<DenialReason, kDenialReasonCount> AllDenialReasons() {
  std::array<DenialReason, kDenialReasonCount> all{};
  for (int i = 0; i < kDenialReasonCount; ++i) all[i] = static_cast<DenialReason>(i + 1);
  return all;
}

std::string_view DenialReasonLabel(DenialReason reason) {
  switch (reason) {
    case DenialReason::kPriceTolerance:
      return "price_tolerance";
    case DenialReason::kMaxOrderSize:
      return "max_order_size";
    case DenialReason::kMaxOrderNotional:
      return "max_order_notional";
    case DenialReason::kPositionLimitVenue:
      return "position_limit_venue";
    case DenialReason::kPositionLimitEvent:
      return "position_limit_event";
    case DenialReason::kExposureLimitCluster:
      return "exposure_limit_cluster";
    case DenialReason::kDailyLossCap:
      return "daily_loss_cap";
    case DenialReason::kDrawdown:
      return "drawdown";
    case DenialReason::kThrottle:
      return "throttle";
    case DenialReason::kKillSwitch:
      return "kill_switch";
    case DenialReason::kTradingHalted:
      return "trading_halted";
    case DenialReason::kTradingReducing:
      return "trading_reducing";
    case DenialReason::kSafeMode:
      return "safe_mode";
    case DenialReason::kInsufficientBalance:
      return "insufficient_balance";
    case DenialReason::kLaneBudget:
      return "lane_budget";
    case DenialReason::kStageCapitalCap:
      return "stage_capital_cap";
    case DenialReason::kOpportunityExpired:
      return "opportunity_expired";
    case DenialReason::kStaleBook:
      return "stale_book";
    case DenialReason::kDuplicateGroup:
      return "duplicate_group";
    case DenialReason::kInvalidOrder:
      return "invalid_order";
    case DenialReason::kLowConfidence:
      return "low_confidence";
    case DenialReason::kEdgeTooSmall:
      return "edge_too_small";
    case DenialReason::kUnhedgedExposure:
      return "unhedged_exposure";
    case DenialReason::kCircuitOpen:
      return "circuit_open";
    case DenialReason::kNotReady:
      return "not_ready";
    case DenialReason::kMarketNotOpen:
      return "market_not_open";
    case DenialReason::kNotMarketable:
      return "not_marketable";
  }
  return "unknown";
}

std::string Denial::ToString() const {
  std::string out(DenialReasonLabel(reason));
  if (leg_index.has_value()) absl::StrAppend(&out, " leg=", *leg_index);
  absl::StrAppend(&out, " limit=", limit_value, " observed=", observed_value);
  if (!message.empty()) absl::StrAppend(&out, ": ", message);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Denial& denial) { return os << denial.ToString(); }

std::ostream& operator<<(std::ostream& os, DenialReason reason) {
  return os << DenialReasonLabel(reason);
}

}  // namespace arbor::risk
