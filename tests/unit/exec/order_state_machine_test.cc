// Order state machine: every (status, event) pair against an expectation written out here
// independently of the table, then the rules that carry money: fill dedupe, cancel-reject
// restore, late fills after cancel/expiry, overfill, unresolved outcomes, VWAP and fees.
#include "arbor/exec/order_state_machine.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace arbor::exec {
namespace {

using S = OrderStatus;
using E = OrderEventKind;

constexpr S kAllStatuses[] = {S::kInitialized, S::kSubmitted,     S::kAccepted, S::kPartiallyFilled,
                              S::kFilled,      S::kPendingCancel, S::kCanceled, S::kRejected,
                              S::kExpired,     S::kUnresolved,    S::kDenied};
constexpr E kAllEvents[] = {E::kDenied,  E::kSubmitted,       E::kAccepted,       E::kRejected,
                            E::kFilled,  E::kCancelRequested, E::kCancelRejected, E::kCanceled,
                            E::kExpired, E::kUnresolved};

// The legal pairs, as the order lifecycle in proto/arbor/v1/execution.proto describes them.
const std::map<S, std::vector<E>>& Legal() {
  static const auto* legal = new std::map<S, std::vector<E>>{
      {S::kInitialized, {E::kDenied, E::kSubmitted, E::kCanceled}},
      {S::kSubmitted,
       {E::kSubmitted, E::kAccepted, E::kRejected, E::kFilled, E::kCancelRequested, E::kCanceled,
        E::kExpired, E::kUnresolved}},
      {S::kAccepted,
       {E::kAccepted, E::kFilled, E::kCancelRequested, E::kCanceled, E::kExpired, E::kUnresolved}},
      {S::kPartiallyFilled,
       {E::kAccepted, E::kFilled, E::kCancelRequested, E::kCanceled, E::kExpired, E::kUnresolved}},
      {S::kFilled, {E::kFilled}},
      {S::kPendingCancel,
       {E::kAccepted, E::kFilled, E::kCancelRequested, E::kCancelRejected, E::kCanceled,
        E::kExpired, E::kUnresolved}},
      {S::kCanceled, {E::kFilled, E::kCanceled}},
      {S::kRejected, {}},
      {S::kExpired, {E::kFilled, E::kExpired}},
      {S::kUnresolved,
       {E::kSubmitted, E::kAccepted, E::kRejected, E::kFilled, E::kCancelRequested,
        E::kCancelRejected, E::kCanceled, E::kExpired, E::kUnresolved}},
      {S::kDenied, {}},
  };
  return *legal;
}

Quantity Q(int64_t units) { return Quantity::FromUnits(units); }
Price P(int64_t cents) { return Price::FromMicros(cents * 10'000); }

OrderEvent Fill(std::string id, int64_t cents, int64_t units, int64_t fee_micros = 0) {
  return OrderEvent::Fill(FillReport{.fill_id = TradeId(std::move(id)),
                                     .price = P(cents),
                                     .size = Q(units),
                                     .fee = Money::FromMicros(fee_micros)});
}

// Drives a fresh order of size 10 into `status` through legal events.
OrderState OrderIn(S status) {
  OrderState o(ClientOrderId("o"), Q(10));
  auto apply = [&o](OrderEvent e) { EXPECT_TRUE(o.Apply(e).ok()) << OrderEventKindName(e.kind); };
  switch (status) {
    case S::kInitialized:
      break;
    case S::kDenied:
      apply(OrderEvent::Of(E::kDenied));
      break;
    case S::kSubmitted:
      apply(OrderEvent::Of(E::kSubmitted));
      break;
    case S::kUnresolved:
      apply(OrderEvent::Of(E::kSubmitted));
      apply(OrderEvent::Of(E::kUnresolved));
      break;
    case S::kRejected:
      apply(OrderEvent::Of(E::kSubmitted));
      apply(OrderEvent::Of(E::kRejected));
      break;
    default:
      apply(OrderEvent::Of(E::kSubmitted));
      apply(OrderEvent::Of(E::kAccepted));
      if (status == S::kPartiallyFilled) apply(Fill("f0", 40, 3));
      if (status == S::kFilled) apply(Fill("f0", 40, 10));
      if (status == S::kPendingCancel) apply(OrderEvent::Of(E::kCancelRequested));
      if (status == S::kCanceled) apply(OrderEvent::Of(E::kCanceled));
      if (status == S::kExpired) apply(OrderEvent::Of(E::kExpired));
  }
  EXPECT_EQ(o.status(), status);
  return o;
}

TEST(OrderStateMachineTest, EveryStatusEventPairMatchesTheLifecycle) {
  int legal_pairs = 0;
  for (S from : kAllStatuses) {
    for (E event : kAllEvents) {
      const std::vector<E>& allowed = Legal().at(from);
      const bool legal = std::find(allowed.begin(), allowed.end(), event) != allowed.end();
      const Transition t = LookupTransition(from, event);
      EXPECT_EQ(t.result != TransitionResult::kIllegal, legal)
          << OrderStatusName(from) << " + " << OrderEventKindName(event);
      // And through Apply on a real order in that status.
      OrderState o = OrderIn(from);
      const OrderEvent e = event == E::kFilled ? Fill("new", 41, 2) : OrderEvent::Of(event);
      const absl::Status s = o.Apply(e);
      EXPECT_EQ(s.ok(), legal) << OrderStatusName(from) << " + " << OrderEventKindName(event)
                               << ": " << s;
      if (!legal) {
        EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_EQ(o.status(), from) << "an illegal event changed the order";
      }
      legal_pairs += legal;
    }
  }
  EXPECT_EQ(legal_pairs, 44);  // 3 + 8 + 6 + 6 + 1 + 7 + 2 + 0 + 2 + 9 + 0
}

TEST(OrderStateMachineTest, TargetsOfTheLegalPairs) {
  EXPECT_EQ(LookupTransition(S::kInitialized, E::kDenied).to, S::kDenied);
  EXPECT_EQ(LookupTransition(S::kSubmitted, E::kUnresolved).to, S::kUnresolved);
  EXPECT_EQ(LookupTransition(S::kAccepted, E::kCancelRequested).to, S::kPendingCancel);
  EXPECT_EQ(LookupTransition(S::kPendingCancel, E::kCancelRejected).result,
            TransitionResult::kRestorePrevious);
  EXPECT_EQ(LookupTransition(S::kCanceled, E::kFilled).result, TransitionResult::kByFillQuantity);
  EXPECT_TRUE(IsTerminal(S::kFilled));
  EXPECT_TRUE(IsTerminal(S::kDenied));
  EXPECT_FALSE(IsTerminal(S::kUnresolved));
  EXPECT_TRUE(IsInFlight(S::kUnresolved));
  EXPECT_TRUE(IsInFlight(S::kPendingCancel));
  EXPECT_FALSE(IsInFlight(S::kAccepted));
}

TEST(OrderStateMachineTest, DuplicateFillIsRejectedAndChangesNothing) {
  OrderState o = OrderIn(S::kAccepted);
  ASSERT_TRUE(o.Apply(Fill("t1", 40, 4, 20'000)).ok());
  EXPECT_EQ(o.status(), S::kPartiallyFilled);
  const absl::Status dup = o.Apply(Fill("t1", 40, 4, 20'000));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(o.filled(), Q(4));
  EXPECT_EQ(o.fees(), Money::FromMicros(20'000));
  ASSERT_TRUE(o.Apply(Fill("t2", 45, 6, 30'000)).ok());
  EXPECT_EQ(o.status(), S::kFilled);
  EXPECT_EQ(o.open_quantity(), Quantity::Zero());
  // VWAP (4 x 0.40 + 6 x 0.45) / 10 = 0.43; notional 4.30; fees summed.
  EXPECT_EQ(o.average_price(), P(43));
  EXPECT_EQ(o.notional(), Money::FromMicros(4'300'000));
  EXPECT_EQ(o.fees(), Money::FromMicros(50'000));
  EXPECT_TRUE(o.HasFill(TradeId("t2")));
}

TEST(OrderStateMachineTest, BadFillsAreRefusedWithAReason) {
  OrderState o = OrderIn(S::kAccepted);
  EXPECT_EQ(o.Apply(Fill("a", 40, 0)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o.Apply(Fill("b", 0, 1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o.Apply(Fill("c", 101, 1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o.Apply(Fill("d", 40, 1, -1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o.Apply(Fill("", 40, 1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o.filled(), Quantity::Zero());
  // A refused fill does not burn its id.
  EXPECT_TRUE(o.Apply(Fill("a", 40, 1)).ok());
}

TEST(OrderStateMachineTest, CancelRejectRestoresThePreviousStatus) {
  OrderState accepted = OrderIn(S::kAccepted);
  ASSERT_TRUE(accepted.Apply(OrderEvent::Of(E::kCancelRequested)).ok());
  ASSERT_TRUE(accepted.Apply(OrderEvent::Of(E::kCancelRejected, "too late")).ok());
  EXPECT_EQ(accepted.status(), S::kAccepted);
  EXPECT_EQ(accepted.last_reason(), "too late");

  // A partial fill while the cancel is pending: the reject restores "partially filled".
  OrderState pending = OrderIn(S::kPendingCancel);
  ASSERT_TRUE(pending.Apply(Fill("t1", 40, 3)).ok());
  EXPECT_EQ(pending.status(), S::kPendingCancel);
  ASSERT_TRUE(pending.Apply(OrderEvent::Of(E::kCancelRejected)).ok());
  EXPECT_EQ(pending.status(), S::kPartiallyFilled);

  // A full fill while pending ends it.
  OrderState full = OrderIn(S::kPendingCancel);
  ASSERT_TRUE(full.Apply(Fill("t1", 40, 10)).ok());
  EXPECT_EQ(full.status(), S::kFilled);

  // Cancel requested before the venue acknowledged the order, then the ack, then the reject.
  OrderState early = OrderIn(S::kSubmitted);
  ASSERT_TRUE(early.Apply(OrderEvent::Of(E::kCancelRequested)).ok());
  ASSERT_TRUE(early.Apply(OrderEvent::Of(E::kAccepted)).ok());
  EXPECT_EQ(early.status(), S::kPendingCancel);
  ASSERT_TRUE(early.Apply(OrderEvent::Of(E::kCancelRejected)).ok());
  EXPECT_EQ(early.status(), S::kAccepted);
}

TEST(OrderStateMachineTest, CanceledOrExpiredOrdersMayStillFill) {
  // Real world possibility: a fill matched before the cancel is reported after it.
  OrderState canceled = OrderIn(S::kCanceled);
  ASSERT_TRUE(canceled.Apply(Fill("late", 40, 4)).ok());
  EXPECT_EQ(canceled.status(), S::kPartiallyFilled);
  OrderState expired = OrderIn(S::kExpired);
  ASSERT_TRUE(expired.Apply(Fill("late", 40, 10)).ok());
  EXPECT_EQ(expired.status(), S::kFilled);
}

TEST(OrderStateMachineTest, AnOverfillIsAppliedAndFlagged) {
  OrderState o = OrderIn(S::kFilled);
  EXPECT_FALSE(o.overfilled());
  ASSERT_TRUE(o.Apply(Fill("extra", 40, 2)).ok());
  EXPECT_EQ(o.status(), S::kFilled);
  EXPECT_TRUE(o.overfilled());
  EXPECT_EQ(o.filled(), Q(12));
  EXPECT_EQ(o.open_quantity(), Quantity::Zero());
}

TEST(OrderStateMachineTest, ATimeoutIsUnresolvedNeverRejected) {
  // Sent, then the reply timed out: in flight until the venue is observed.
  OrderState o = OrderIn(S::kUnresolved);
  EXPECT_TRUE(IsInFlight(o.status()));
  // Never acknowledged: the venue may still say it refused it.
  ASSERT_TRUE(o.Apply(OrderEvent::Of(E::kRejected, "not found after 3 probes")).ok());
  EXPECT_EQ(o.status(), S::kRejected);

  // Acknowledged, then a cancel timed out: it cannot have been rejected.
  OrderState rested = OrderIn(S::kAccepted);
  ASSERT_TRUE(rested.Apply(OrderEvent::Of(E::kUnresolved)).ok());
  const absl::Status s = rested.Apply(OrderEvent::Of(E::kRejected));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rested.status(), S::kUnresolved);
  // Observed resting with a fill: resolved.
  ASSERT_TRUE(rested.Apply(Fill("t1", 40, 5)).ok());
  EXPECT_EQ(rested.status(), S::kPartiallyFilled);

  // A pending cancel that timed out, then the venue refused the cancel: back to accepted.
  OrderState cancel_timeout = OrderIn(S::kPendingCancel);
  ASSERT_TRUE(cancel_timeout.Apply(OrderEvent::Of(E::kUnresolved)).ok());
  ASSERT_TRUE(cancel_timeout.Apply(OrderEvent::Of(E::kCancelRejected)).ok());
  EXPECT_EQ(cancel_timeout.status(), S::kAccepted);
}

TEST(OrderStateMachineTest, PreviousStatusIsKept) {
  OrderState o = OrderIn(S::kAccepted);
  EXPECT_EQ(o.previous_status(), S::kSubmitted);
  ASSERT_TRUE(o.Apply(OrderEvent::Of(E::kCancelRequested)).ok());
  EXPECT_EQ(o.previous_status(), S::kAccepted);
  ASSERT_TRUE(o.Apply(OrderEvent::Of(E::kCanceled)).ok());
  EXPECT_EQ(o.previous_status(), S::kPendingCancel);
}

}  // namespace
}  // namespace arbor::exec
