#include "arbor/exec/guarded_gateway.h"

#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::exec {
namespace {

using ::testing::HasSubstr;

// A venue that answers every order with 429 (Retry-After 1 s) until told to recover.
class StormVenue final : public VenueGateway {
 public:
  Venue venue() const override { return Venue::kPolymarket; }
  std::vector<VenueOrderReport> Place(absl::Span<const OrderRequest> orders) override {
    ++place_calls;
    std::vector<VenueOrderReport> out;
    for (const OrderRequest& o : orders) {
      VenueOrderReport r;
      r.client_order_id = o.client_order_id;
      if (storm) {
        r.state = VenueOrderState::kRejected;
        r.reason = "order rejected: 429 Too Many Requests";
        r.retry_after = absl::Seconds(1);
      } else {
        r.state = VenueOrderState::kFilled;
        r.filled_size_micros = o.size_micros;
      }
      out.push_back(r);
    }
    return out;
  }
  VenueOrderReport Cancel(const OrderRequest& o, std::string_view) override {
    ++cancel_calls;
    VenueOrderReport r;
    r.client_order_id = o.client_order_id;
    r.state = VenueOrderState::kCanceled;
    return r;
  }
  absl::StatusOr<VenueOrderReport> Query(const OrderRequest&, std::string_view) override {
    ++query_calls;
    if (storm) return absl::ResourceExhaustedError("429");
    return VenueOrderReport{};
  }
  absl::StatusOr<std::vector<VenueOrderReport>> OpenOrders() override {
    return std::vector<VenueOrderReport>{};
  }
  absl::StatusOr<CashBalance> Balance() override { return CashBalance{}; }

  bool storm = true;
  int place_calls = 0;
  int cancel_calls = 0;
  int query_calls = 0;
};

OrderRequest Order(int n) {
  OrderRequest o;
  o.client_order_id = absl::StrCat("o", n);
  o.symbol = "tok";
  o.price_micros = 500'000;
  o.size_micros = 1'000'000;
  return o;
}

class GuardedGatewayTest : public ::testing::Test {
 protected:
  GuardedGatewayTest()
      : guard_(&venue_, &clock_,
               net::RateGovernorOptions{
                   .initial_rate = 100, .min_rate = 1, .max_rate = 100, .burst = 100},
               net::CircuitBreakerOptions{.consecutive_failures = 3,
                                          .cool_down = absl::Seconds(5),
                                          .cool_down_jitter = 0.0}) {}
  SimulatedClock clock_;
  StormVenue venue_;
  GuardedGateway guard_;
};

TEST_F(GuardedGatewayTest, A429StormOpensTheBreakerAndStopsHittingTheVenue) {
  const std::vector<OrderRequest> one = {Order(1)};
  // The first 429 blocks the endpoint for its Retry-After: the next call is refused locally.
  EXPECT_EQ(guard_.Place(one)[0].state, VenueOrderState::kRejected);
  EXPECT_EQ(venue_.place_calls, 1);
  const VenueOrderReport held = guard_.Place(one)[0];
  EXPECT_EQ(held.state, VenueOrderState::kRejected);
  EXPECT_THAT(held.reason, HasSubstr("not sent"));
  EXPECT_EQ(venue_.place_calls, 1);
  // Keep trying after each Retry-After: three venue 429s in a row open the breaker.
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(absl::Milliseconds(1100));
    (void)guard_.Place(one);
  }
  EXPECT_TRUE(guard_.circuit_open());
  // 21 attempts over 22 s reach the venue at most 3 times to open the breaker plus one half-open
  // probe per 5 s cool-down.
  EXPECT_LE(venue_.place_calls, 3 + 22 / 5) << "the storm must not be hammered";
  const int calls = venue_.place_calls;
  EXPECT_THAT(guard_.Place(one)[0].reason, HasSubstr("circuit open"));
  EXPECT_EQ(venue_.place_calls, calls);
  EXPECT_LT(guard_.rate("place"), 100.0) << "AIMD decreased the rate";

  // The storm ends; after the cool-down a half-open probe goes through and closes the breaker.
  venue_.storm = false;
  clock_.Advance(absl::Seconds(6));
  EXPECT_EQ(guard_.Place(one)[0].state, VenueOrderState::kFilled);
  EXPECT_FALSE(guard_.circuit_open());
  EXPECT_EQ(guard_.Place(one)[0].state, VenueOrderState::kFilled);
}

TEST_F(GuardedGatewayTest, RefusedQueriesAndCancelsAreRetryableNotFinal) {
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Seconds(2));
    (void)guard_.Query(Order(1), "");
  }
  absl::StatusOr<VenueOrderReport> q = guard_.Query(Order(1), "");
  EXPECT_EQ(q.status().code(), absl::StatusCode::kUnavailable);
  const int queries = venue_.query_calls;
  EXPECT_EQ(guard_.Query(Order(1), "").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(venue_.query_calls, queries);
  // Cancels have their own endpoint: still allowed while queries are blocked.
  EXPECT_EQ(guard_.Cancel(Order(1), "v1").state, VenueOrderState::kCanceled);
}

}  // namespace
}  // namespace arbor::exec
