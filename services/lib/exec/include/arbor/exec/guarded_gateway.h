// File: arbor/exec/guarded_gateway.h
//
// GuardedGateway: puts a venue's AIMD rate governor and circuit breaker (arbor::net) in front of
// any VenueGateway, per endpoint ("place", "cancel", "query"). A 429 (a report or status with
// Retry-After / ResourceExhausted) slows the endpoint down and blocks it for the Retry-After; 429s,
// 5xx and ambiguous outcomes count as breaker failures; an open breaker refuses calls at once.
// Refusals never reach the venue, so they are safe to report as definite: an order refused here is
// kRejected ("not sent: ..."), a refused cancel is kUnknown (the engine asks again), a refused
// query is Unavailable. A 429 storm therefore costs a few requests, not thousands, and recovers by
// itself once the venue answers again (half-open probe).
//
// Thread-safe (the governor and breaker are).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/net/circuit_breaker.h"
#include "arbor/net/rate_governor.h"

namespace arbor::exec {

class GuardedGateway final : public VenueGateway {
 public:
  // `inner` and `clock` must outlive the guard.
  GuardedGateway(VenueGateway* inner, const Clock* clock, net::RateGovernorOptions governor,
                 net::CircuitBreakerOptions breaker);

  Venue venue() const override { return inner_->venue(); }
  std::vector<VenueOrderReport> Place(absl::Span<const OrderRequest> orders) override;
  VenueOrderReport Cancel(const OrderRequest& order, std::string_view venue_order_id) override;
  absl::StatusOr<VenueOrderReport> Query(const OrderRequest& order,
                                         std::string_view venue_order_id) override;
  absl::StatusOr<std::vector<VenueOrderReport>> OpenOrders() override;
  absl::StatusOr<CashBalance> Balance() override;
  bool circuit_open() override;
  absl::StatusOr<int64_t> PositionOf(std::string_view symbol) override;

  net::BreakerStats breaker_stats(std::string_view endpoint) { return breaker_.Stats(endpoint); }
  double rate(std::string_view endpoint) { return governor_.Rate(endpoint); }

 private:
  // Whether `endpoint` may be called now (breaker closed or probing, governor token taken).
  bool Admit(std::string_view endpoint, std::string* why);
  // Feeds one outcome back: throttled (429), failed (5xx / ambiguous / unreachable) or fine.
  void Record(std::string_view endpoint, bool throttled, absl::Duration retry_after, bool failed);

  VenueGateway* const inner_;
  net::RateGovernor governor_;
  net::CircuitBreaker breaker_;
};

}  // namespace arbor::exec
