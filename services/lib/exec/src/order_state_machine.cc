#include "arbor/exec/order_state_machine.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::exec {
namespace {

using S = OrderStatus;
using E = OrderEventKind;
using R = TransitionResult;

constexpr Transition To(S s) { return {R::kTo, s}; }
constexpr Transition kFill{R::kByFillQuantity, S::kInitialized};
constexpr Transition kRestore{R::kRestorePrevious, S::kInitialized};

// One row per status, one column per event, in enum order. Anything not listed is illegal.
using Row = std::array<Transition, kOrderEventKindCount>;

constexpr Row MakeRow(std::initializer_list<std::pair<E, Transition>> entries) {
  Row row{};
  for (const auto& [event, t] : entries) row[static_cast<size_t>(event)] = t;
  return row;
}

constexpr std::array<Row, kOrderStatusCount> kTable = {
    // kInitialized: an intent; risk may deny it, it may be sent, or dropped before sending.
    MakeRow({{E::kDenied, To(S::kDenied)},
             {E::kSubmitted, To(S::kSubmitted)},
             {E::kCanceled, To(S::kCanceled)}}),
    // kSubmitted: sent, not acknowledged. The venue may answer anything, or nothing.
    MakeRow({{E::kSubmitted, To(S::kSubmitted)},  // a resend of the same intent (idempotent)
             {E::kAccepted, To(S::kAccepted)},
             {E::kRejected, To(S::kRejected)},
             {E::kFilled, kFill},
             {E::kCancelRequested, To(S::kPendingCancel)},
             {E::kCanceled, To(S::kCanceled)},  // FOK / IOC remainder killed at once
             {E::kExpired, To(S::kExpired)},
             {E::kUnresolved, To(S::kUnresolved)}}),
    // kAccepted
    MakeRow({{E::kAccepted, To(S::kAccepted)},  // duplicate acknowledgement
             {E::kFilled, kFill},
             {E::kCancelRequested, To(S::kPendingCancel)},
             {E::kCanceled, To(S::kCanceled)},
             {E::kExpired, To(S::kExpired)},
             {E::kUnresolved, To(S::kUnresolved)}}),
    // kPartiallyFilled
    MakeRow({{E::kAccepted, To(S::kPartiallyFilled)},  // a late acknowledgement changes nothing
             {E::kFilled, kFill},
             {E::kCancelRequested, To(S::kPendingCancel)},
             {E::kCanceled, To(S::kCanceled)},
             {E::kExpired, To(S::kExpired)},
             {E::kUnresolved, To(S::kUnresolved)}}),
    // kFilled: terminal; a further fill (new id) is an overfill, applied and flagged.
    MakeRow({{E::kFilled, kFill}}),
    // kPendingCancel
    MakeRow({{E::kAccepted, To(S::kPendingCancel)},  // late acknowledgement of the order
             {E::kFilled, kFill},
             {E::kCancelRequested, To(S::kPendingCancel)},  // a repeated request
             {E::kCancelRejected, kRestore},
             {E::kCanceled, To(S::kCanceled)},
             {E::kExpired, To(S::kExpired)},
             {E::kUnresolved, To(S::kUnresolved)}}),
    // kCanceled: terminal, but fills matched before the cancel may be reported after it (real
    // world possibility); a duplicate cancel confirmation is harmless.
    MakeRow({{E::kFilled, kFill}, {E::kCanceled, To(S::kCanceled)}}),
    // kRejected: terminal.
    MakeRow({}),
    // kExpired: terminal, late fills as for kCanceled.
    MakeRow({{E::kFilled, kFill}, {E::kExpired, To(S::kExpired)}}),
    // kUnresolved: whatever the venue is observed to have done resolves it. kRejected is legal
    // only when the venue never acknowledged the order (checked in Apply).
    MakeRow({{E::kSubmitted, To(S::kSubmitted)},  // resent with the same idempotency key
             {E::kAccepted, To(S::kAccepted)},
             {E::kRejected, To(S::kRejected)},
             {E::kFilled, kFill},
             {E::kCancelRequested, To(S::kPendingCancel)},
             {E::kCancelRejected, kRestore},
             {E::kCanceled, To(S::kCanceled)},
             {E::kExpired, To(S::kExpired)},
             {E::kUnresolved, To(S::kUnresolved)}}),
    // kDenied: terminal, never sent.
    MakeRow({}),
};

constexpr int64_t kMicros = 1'000'000;

// round(a / b) for b > 0.
int64_t DivRound(absl::int128 a, absl::int128 b) {
  const absl::int128 q = a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
  return static_cast<int64_t>(q);
}

}  // namespace

std::string_view OrderStatusName(OrderStatus status) {
  switch (status) {
    case S::kInitialized:
      return "initialized";
    case S::kSubmitted:
      return "submitted";
    case S::kAccepted:
      return "accepted";
    case S::kPartiallyFilled:
      return "partially_filled";
    case S::kFilled:
      return "filled";
    case S::kPendingCancel:
      return "pending_cancel";
    case S::kCanceled:
      return "canceled";
    case S::kRejected:
      return "rejected";
    case S::kExpired:
      return "expired";
    case S::kUnresolved:
      return "unresolved";
    case S::kDenied:
      return "denied";
  }
  return "unknown";
}

std::string_view OrderEventKindName(OrderEventKind kind) {
  switch (kind) {
    case E::kDenied:
      return "denied";
    case E::kSubmitted:
      return "submitted";
    case E::kAccepted:
      return "accepted";
    case E::kRejected:
      return "rejected";
    case E::kFilled:
      return "filled";
    case E::kCancelRequested:
      return "cancel_requested";
    case E::kCancelRejected:
      return "cancel_rejected";
    case E::kCanceled:
      return "canceled";
    case E::kExpired:
      return "expired";
    case E::kUnresolved:
      return "unresolved";
  }
  return "unknown";
}

bool IsTerminal(OrderStatus status) {
  return status == S::kFilled || status == S::kCanceled || status == S::kRejected ||
         status == S::kExpired || status == S::kDenied;
}

bool IsInFlight(OrderStatus status) {
  return status == S::kSubmitted || status == S::kPendingCancel || status == S::kUnresolved;
}

Transition LookupTransition(OrderStatus from, OrderEventKind event) {
  return kTable[static_cast<size_t>(from)][static_cast<size_t>(event)];
}

OrderState::OrderState(ClientOrderId id, Quantity size) : id_(std::move(id)), size_(size) {}

absl::StatusOr<OrderState> OrderState::Restore(ClientOrderId id, Quantity size, OrderStatus status,
                                               OrderStatus previous,
                                               absl::Span<const FillReport> fills) {
  OrderState order(std::move(id), size);
  for (const FillReport& fill : fills) {
    // Fill bookkeeping only: the status is taken as persisted, not re-derived, because the
    // stored status may reflect events (cancel, reject) that came after the fills.
    if (fill.size.micros() <= 0 || fill.fee.micros() < 0) {
      return absl::InvalidArgumentError(absl::StrCat("stored fill ", fill.fill_id.value(), " of ",
                                                     order.id_.value(), " is invalid"));
    }
    if (!order.fill_ids_.insert(fill.fill_id).second) {
      return absl::AlreadyExistsError(absl::StrCat("stored fill ", fill.fill_id.value(), " of ",
                                                   order.id_.value(), " repeats"));
    }
    order.filled_ = Quantity::FromMicros(order.filled_.micros() + fill.size.micros());
    order.fees_ = Money::FromMicros(order.fees_.micros() + fill.fee.micros());
    order.notional_e12_ += absl::int128(fill.price.micros()) * fill.size.micros();
  }
  order.status_ = status;
  order.previous_ = previous;
  return order;
}

Quantity OrderState::open_quantity() const {
  return filled_ >= size_ ? Quantity::Zero()
                          : Quantity::FromMicros(size_.micros() - filled_.micros());
}

Money OrderState::notional() const { return Money::FromMicros(DivRound(notional_e12_, kMicros)); }

Price OrderState::average_price() const {
  if (filled_.micros() <= 0) return Price::Zero();
  return Price::FromMicros(DivRound(notional_e12_, filled_.micros()));
}

void OrderState::SetStatus(OrderStatus to) {
  if (to == status_) return;
  previous_ = status_;
  status_ = to;
}

absl::Status OrderState::Apply(const OrderEvent& event) {
  const Transition t = LookupTransition(status_, event.kind);
  auto illegal = [&](std::string_view why) {
    return absl::FailedPreconditionError(
        absl::StrCat("order ", id_.value(), ": event ", ToAbsl(OrderEventKindName(event.kind)),
                     " is not allowed in ", ToAbsl(OrderStatusName(status_)), ToAbsl(why)));
  };
  if (t.result == R::kIllegal) return illegal("");
  // A reject settles an unresolved order only if the venue never acknowledged it: an order that
  // rested (or filled) cannot have been refused.
  if (status_ == S::kUnresolved && event.kind == E::kRejected &&
      (previous_ != S::kSubmitted || filled_.micros() > 0)) {
    return illegal(" (the venue had acknowledged it)");
  }

  if (event.kind == E::kFilled) {
    const FillReport& f = event.fill;
    if (f.size.micros() <= 0 || f.price.micros() <= 0 || f.price.micros() > kMicros ||
        f.fee.micros() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("order ", id_.value(), ": fill ", f.fill_id.value(), " has size ",
                       f.size.ToString(), ", price ", f.price.ToString(), ", fee ",
                       f.fee.ToString(), " (size > 0, price in (0, 1], fee >= 0)"));
    }
    if (f.fill_id.value().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("order ", id_.value(), ": fill without id"));
    }
    if (!fill_ids_.insert(f.fill_id).second) {
      return absl::AlreadyExistsError(
          absl::StrCat("order ", id_.value(), ": duplicate fill ", f.fill_id.value()));
    }
    filled_ = Quantity::FromMicros(filled_.micros() + f.size.micros());
    fees_ = Money::FromMicros(fees_.micros() + f.fee.micros());
    notional_e12_ += absl::int128(f.price.micros()) * f.size.micros();
    if (filled_ >= size_) {
      SetStatus(S::kFilled);
    } else if (status_ == S::kPendingCancel) {
      // Still waiting for the cancel; a cancel reject must now restore "partially filled".
      previous_ = S::kPartiallyFilled;
    } else {
      SetStatus(S::kPartiallyFilled);
    }
    return absl::OkStatus();
  }

  if (!event.reason.empty()) last_reason_ = event.reason;
  switch (t.result) {
    case R::kTo:
      if (event.kind == E::kAccepted && status_ == S::kPendingCancel) {
        // The order rests; a cancel reject returns it to accepted (or partially filled).
        if (previous_ == S::kSubmitted || previous_ == S::kUnresolved) previous_ = S::kAccepted;
        return absl::OkStatus();
      }
      SetStatus(t.to);
      return absl::OkStatus();
    case R::kRestorePrevious: {
      OrderStatus back = previous_;
      if (back == S::kPendingCancel || back == S::kUnresolved) back = S::kAccepted;
      if (filled_.micros() > 0 && back != S::kFilled) back = S::kPartiallyFilled;
      SetStatus(back);
      return absl::OkStatus();
    }
    default:
      return illegal("");
  }
}

}  // namespace arbor::exec
