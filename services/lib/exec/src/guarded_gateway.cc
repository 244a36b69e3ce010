#include "arbor/exec/guarded_gateway.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::exec {
namespace {

constexpr std::string_view kPlace = "place";
constexpr std::string_view kCancel = "cancel";
constexpr std::string_view kQuery = "query";

bool Throttled(const VenueOrderReport& r) {
  return r.retry_after > absl::ZeroDuration() || absl::StrContains(r.reason, "429") ||
         absl::StrContains(absl::AsciiStrToLower(r.reason), "too many requests");
}

bool Throttled(const absl::Status& s) { return absl::IsResourceExhausted(s); }

bool Failed(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsUnknown(s) || absl::IsDeadlineExceeded(s) ||
         absl::IsInternal(s);
}

}  // namespace

GuardedGateway::GuardedGateway(VenueGateway* inner, const Clock* clock,
                               net::RateGovernorOptions governor,
                               net::CircuitBreakerOptions breaker)
    : inner_(inner), governor_(*clock, governor), breaker_(*clock, breaker) {}

bool GuardedGateway::Admit(std::string_view endpoint, std::string* why) {
  if (!breaker_.Allow(endpoint)) {
    *why = absl::StrCat("not sent: ", ToAbsl(endpoint), " circuit open");
    return false;
  }
  if (!governor_.TryAcquire(endpoint)) {
    // The breaker admitted a call that will not happen: report it as neither success nor
    // failure would skew the half-open probe, so count it as a failure (the venue is throttling).
    breaker_.OnFailure(endpoint);
    *why = absl::StrCat("not sent: ", ToAbsl(endpoint), " rate limited (retry in ",
                        absl::FormatDuration(governor_.TimeUntilAvailable(endpoint)), ")");
    return false;
  }
  return true;
}

void GuardedGateway::Record(std::string_view endpoint, bool throttled, absl::Duration retry_after,
                            bool failed) {
  if (throttled) {
    governor_.OnThrottle(endpoint, retry_after > absl::ZeroDuration()
                                       ? std::optional<absl::Duration>(retry_after)
                                       : std::nullopt);
    breaker_.OnFailure(endpoint);
  } else if (failed) {
    breaker_.OnFailure(endpoint);
  } else {
    governor_.OnSuccess(endpoint);
    breaker_.OnSuccess(endpoint);
  }
}

std::vector<VenueOrderReport> GuardedGateway::Place(absl::Span<const OrderRequest> orders) {
  std::string why;
  if (!Admit(kPlace, &why)) {
    std::vector<VenueOrderReport> refused;
    for (const OrderRequest& o : orders) {
      VenueOrderReport r;
      r.client_order_id = o.client_order_id;
      r.state = VenueOrderState::kRejected;
      r.reason = why;
      refused.push_back(std::move(r));
    }
    return refused;
  }
  std::vector<VenueOrderReport> reports = inner_->Place(orders);
  bool throttled = false, failed = false;
  absl::Duration retry_after = absl::ZeroDuration();
  for (const VenueOrderReport& r : reports) {
    if (Throttled(r)) {
      throttled = true;
      retry_after = std::max(retry_after, r.retry_after);
    }
    failed = failed || r.state == VenueOrderState::kUnknown;
  }
  Record(kPlace, throttled, retry_after, failed);
  return reports;
}

VenueOrderReport GuardedGateway::Cancel(const OrderRequest& order,
                                        std::string_view venue_order_id) {
  std::string why;
  if (!Admit(kCancel, &why)) {
    VenueOrderReport r;
    r.client_order_id = order.client_order_id;
    r.venue_order_id = std::string(venue_order_id);
    r.state = VenueOrderState::kUnknown;
    r.reason = why;
    return r;
  }
  VenueOrderReport r = inner_->Cancel(order, venue_order_id);
  Record(kCancel, Throttled(r), r.retry_after, r.state == VenueOrderState::kUnknown);
  return r;
}

absl::StatusOr<VenueOrderReport> GuardedGateway::Query(const OrderRequest& order,
                                                       std::string_view venue_order_id) {
  std::string why;
  if (!Admit(kQuery, &why)) return absl::UnavailableError(why);
  absl::StatusOr<VenueOrderReport> r = inner_->Query(order, venue_order_id);
  Record(kQuery, !r.ok() && Throttled(r.status()), absl::ZeroDuration(),
         !r.ok() && Failed(r.status()));
  return r;
}

absl::StatusOr<std::vector<VenueOrderReport>> GuardedGateway::OpenOrders() {
  std::string why;
  if (!Admit(kQuery, &why)) return absl::UnavailableError(why);
  auto r = inner_->OpenOrders();
  Record(kQuery, !r.ok() && Throttled(r.status()), absl::ZeroDuration(),
         !r.ok() && Failed(r.status()));
  return r;
}

absl::StatusOr<CashBalance> GuardedGateway::Balance() {
  std::string why;
  if (!Admit(kQuery, &why)) return absl::UnavailableError(why);
  auto r = inner_->Balance();
  Record(kQuery, !r.ok() && Throttled(r.status()), absl::ZeroDuration(),
         !r.ok() && Failed(r.status()));
  return r;
}

absl::StatusOr<int64_t> GuardedGateway::PositionOf(std::string_view symbol) {
  std::string why;
  if (!Admit(kQuery, &why)) return absl::UnavailableError(why);
  auto r = inner_->PositionOf(symbol);
  Record(kQuery, !r.ok() && Throttled(r.status()), absl::ZeroDuration(),
         !r.ok() && Failed(r.status()));
  return r;
}

bool GuardedGateway::circuit_open() { return breaker_.State(kPlace) == net::BreakerState::kOpen; }

}  // namespace arbor::exec
