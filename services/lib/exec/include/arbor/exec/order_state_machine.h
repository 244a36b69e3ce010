// File: arbor/exec/order_state_machine.h
//
// The order lifecycle as an explicit (status, event) -> status table (DESIGN.md §6, STYLE.md §3.1
// "Order FSM"), and OrderState, which applies venue and local events to one order:
//
//   OrderState order(ClientOrderId("ex1-0-0"), Quantity::FromUnits(100));
//   RETURN_IF_ERROR(order.Apply(OrderEvent::Submitted()));
//   RETURN_IF_ERROR(order.Apply(OrderEvent::Accepted()));
//   absl::Status s = order.Apply(OrderEvent::Fill(FillReport{...}));
//   if (absl::IsAlreadyExists(s)) { /* duplicate trade id: nothing changed */ }
//
// Rules that matter for money:
//   - A timeout, disconnect, 5xx or unreadable reply is kUnresolved: the order stays in flight
//     until venue state is observed. Only an order the venue never acknowledged can later be
//     rejected.
//   - A fill is deduplicated by its fill id before anything changes (AlreadyExists).
//   - Canceled / expired orders may still fill: fills that matched before the cancel can be
//     reported after it ("real world possibility").
//   - A cancel reject restores the status before the cancel request.
//   - Fills beyond the order size are applied (the money moved) and flagged overfilled, which the
//     executor must treat as unhedged exposure, never hidden.
// Illegal pairs leave the order unchanged and return FailedPrecondition naming both.
//
// Protobuf-free (OrderStatus mirrors arbor.v1.OrderStatus one to one). Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/ids.h"

namespace arbor::exec {

// Mirrors arbor.v1.OrderStatus (same meanings, see proto/arbor/v1/execution.proto).
enum class OrderStatus : uint8_t {
  kInitialized,
  kSubmitted,
  kAccepted,
  kPartiallyFilled,
  kFilled,
  kPendingCancel,
  kCanceled,
  kRejected,
  kExpired,
  kUnresolved,
  kDenied,
};
inline constexpr int kOrderStatusCount = 11;

enum class OrderEventKind : uint8_t {
  kDenied,           // pre-trade risk refused it (before any venue call)
  kSubmitted,        // handed to the venue
  kAccepted,         // venue acknowledged it (resting or matching)
  kRejected,         // venue definitively refused it
  kFilled,           // a fill (partial or complete: decided by the filled quantity)
  kCancelRequested,  // we asked the venue to cancel
  kCancelRejected,   // the venue refused the cancel
  kCanceled,         // venue (or a never-sent intent locally) canceled it
  kExpired,          // GTD expiry reached
  kUnresolved,       // the last command's outcome is unknown
};
inline constexpr int kOrderEventKindCount = 10;

// "initialized", "submitted", ... (metric labels, logs).
std::string_view OrderStatusName(OrderStatus status);
std::string_view OrderEventKindName(OrderEventKind kind);

// Terminal: nothing but a late fill may follow (kFilled, kCanceled, kRejected, kExpired,
// kDenied; kCanceled / kExpired accept late fills, see the file comment).
bool IsTerminal(OrderStatus status);
// In flight: venue state unknown or changing (kSubmitted, kPendingCancel, kUnresolved).
bool IsInFlight(OrderStatus status);

// What a fill event does in the table: the status it leads to is decided by quantity.
enum class TransitionResult : uint8_t {
  kIllegal,
  kTo,               // go to `to`
  kByFillQuantity,   // kPartiallyFilled or kFilled (kPendingCancel stays kPendingCancel if partial)
  kRestorePrevious,  // back to the status before the pending cancel
};
struct Transition {
  TransitionResult result = TransitionResult::kIllegal;
  OrderStatus to = OrderStatus::kInitialized;  // kTo only
};

// The table: what `event` does to an order in `from`.
Transition LookupTransition(OrderStatus from, OrderEventKind event);

struct FillReport {
  TradeId fill_id;  // dedupe key (venue trade id, suffixed per our order when shared)
  Price price;
  Quantity size;  // > 0
  Money fee;      // >= 0
};

struct OrderEvent {
  OrderEventKind kind = OrderEventKind::kSubmitted;
  FillReport fill;     // kFilled only
  std::string reason;  // reject / cancel / denial text, kept on the order

  static OrderEvent Of(OrderEventKind kind, std::string reason = {}) {
    return OrderEvent{.kind = kind, .fill = {}, .reason = std::move(reason)};
  }
  static OrderEvent Fill(FillReport fill) {
    return OrderEvent{.kind = OrderEventKind::kFilled, .fill = std::move(fill), .reason = {}};
  }
};

class OrderState {
 public:
  // A new order intent (kInitialized) of `size` (> 0).
  OrderState(ClientOrderId id, Quantity size);

  // An order as persisted (crash recovery): its status, the status before it, and every fill
  // recorded so far (replayed, so dedupe, quantities and VWAP are exactly as before the crash).
  // Errors: those of applying the fills (a duplicate or malformed stored fill).
  [[nodiscard]] static absl::StatusOr<OrderState> Restore(ClientOrderId id, Quantity size,
                                                          OrderStatus status, OrderStatus previous,
                                                          absl::Span<const FillReport> fills);

  // Apply
  //
  // Applies one event. Errors (the order unchanged): AlreadyExists for a fill id seen before;
  // InvalidArgument for a fill with size <= 0, a price outside (0, 1] or a negative fee;
  // FailedPrecondition for a pair the table does not allow.
  [[nodiscard]] absl::Status Apply(const OrderEvent& event);

  const ClientOrderId& id() const { return id_; }
  OrderStatus status() const { return status_; }
  // The status before the current one (what a cancel reject restores).
  OrderStatus previous_status() const { return previous_; }
  Quantity size() const { return size_; }
  Quantity filled() const { return filled_; }
  Quantity open_quantity() const;
  Money fees() const { return fees_; }
  // Sum of price x size over the fills, accumulated exactly and rounded to the nearest money
  // micro once, here.
  Money notional() const;
  // Volume-weighted average fill price, rounded to the nearest micro; zero before any fill.
  Price average_price() const;
  // More filled than ordered (reported, never hidden).
  bool overfilled() const { return filled_ > size_; }
  // Whether a fill id has been applied.
  bool HasFill(const TradeId& fill_id) const { return fill_ids_.contains(fill_id); }
  const std::string& last_reason() const { return last_reason_; }

 private:
  void SetStatus(OrderStatus to);

  ClientOrderId id_;
  Quantity size_;
  OrderStatus status_ = OrderStatus::kInitialized;
  OrderStatus previous_ = OrderStatus::kInitialized;
  Quantity filled_;
  Money fees_;
  absl::int128 notional_e12_ = 0;  // sum of price micros x quantity micros
  absl::flat_hash_set<TradeId> fill_ids_;
  std::string last_reason_;
};

}  // namespace arbor::exec
