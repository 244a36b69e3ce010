// File: arbor/exec/venue_gateway.h
//
// VenueGateway: the executor's only way to touch a venue (Nautilus's ExecutionClient). The
// execution engine is written once against this interface; `live` and `sim` modes plug in the
// Polymarket / Kalshi gateways (real protocols, real signing), `paper` mode plugs in
// PaperGateway (a seeded fill model, no venue orders). Same code path in every mode.
//
// The contract that keeps orders from being lost or duplicated:
//   - client_order_id is deterministic (derived from the opportunity id) and is the idempotency
//     key. A gateway must be able to find an order from its OrderRequest alone — after a crash
//     the executor may know only what it persisted before sending (Polymarket: the order hash is
//     recomputed from a salt derived from client_order_id; Kalshi: client_order_id is native).
//   - kRejected means the order is certainly not live. kUnknown means it may be (timeout, 5xx,
//     connection drop after send): the engine reconciles with Query and NEVER resends.
//   - Reports carry cumulative fills with venue trade ids; the engine de-duplicates.
//
// Thread-safety: implementations must allow concurrent calls (legs go out in parallel).
// Blocking: every call may do network I/O; never call from a hot path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/core/ids.h"

namespace arbor::exec {

enum class TimeInForce : uint8_t {
  kGtc,  // rests until filled or canceled
  kFak,  // fill what is marketable now, cancel the rest (IOC)
  kFok,  // fill entirely now or not at all
};

struct OrderRequest {
  std::string client_order_id;
  // Venue-native instrument: Polymarket CLOB token id; Kalshi "<ticker>:YES" / "<ticker>:NO".
  std::string symbol;
  bool buy = true;
  int64_t price_micros = 0;  // limit price, (0, 1'000'000)
  int64_t size_micros = 0;   // quantity micros, > 0
  TimeInForce tif = TimeInForce::kFak;
  // When the request was first built (unix ms). Part of the order's identity: set it once, persist
  // it with the request and reuse it unchanged. Polymarket signs it as the V2 order `timestamp`
  // (a field of the hashed struct that the venue checks for recency, so it cannot be a constant);
  // with it the order hash, i.e. the venue order id, is recomputable from the persisted request
  // after a crash. Required (> 0) by PolymarketGateway; ignored by the other gateways.
  int64_t created_unix_ms = 0;
  // Polymarket signing inputs (ignored elsewhere). neg_risk is the engine's hint from the lane;
  // PolymarketGateway signs for the exchange the venue's own NegRisk flag names.
  bool neg_risk = false;
  int64_t tick_size_micros = 10'000;
};

enum class VenueOrderState : uint8_t {
  kOpen,      // live at the venue (possibly partly filled)
  kFilled,    // completely filled
  kCanceled,  // canceled / expired / FAK remainder killed (possibly partly filled)
  kRejected,  // refused; certainly not live
  kUnknown,   // outcome unknown (timeout, 5xx, drop after send): reconcile, never resend
  kNotFound,  // Query: the venue has no such order
};

std::string_view VenueOrderStateName(VenueOrderState state);

struct VenueFill {
  std::string trade_id;  // venue trade id (dedupe key together with the order)
  int64_t price_micros = 0;
  int64_t size_micros = 0;
  int64_t fee_micros = 0;
  int64_t ts_event_unix_nanos = 0;
  bool maker = false;
};

struct VenueOrderReport {
  std::string client_order_id;
  std::string venue_order_id;
  VenueOrderState state = VenueOrderState::kUnknown;
  int64_t filled_size_micros = 0;  // cumulative
  std::vector<VenueFill> fills;    // every fill known for the order (cumulative)
  std::string reason;              // venue text for rejections / unknown outcomes
  absl::Duration retry_after = absl::ZeroDuration();  // a 429's Retry-After, if any
  // What the order is, as the venue describes it (filled by OpenOrders, so recovery can adopt
  // orders it does not know; empty / zero elsewhere).
  std::string symbol;
  bool buy = true;
  int64_t price_micros = 0;
  int64_t size_micros = 0;
};

struct CashBalance {
  int64_t total_micros = 0;
  int64_t available_micros = 0;
};

class VenueGateway {
 public:
  virtual ~VenueGateway() = default;

  virtual Venue venue() const = 0;

  // Sends `orders` (one batch request where the venue allows it). Returns one report per
  // request, in order: kOpen / kFilled / kCanceled (FAK remainder) with any immediate fills,
  // kRejected, or kUnknown.
  virtual std::vector<VenueOrderReport> Place(absl::Span<const OrderRequest> orders) = 0;

  // Requests a cancel; the report is the order's state afterwards (kCanceled, or kFilled if it
  // filled first; kUnknown if the answer was ambiguous).
  virtual VenueOrderReport Cancel(const OrderRequest& order, std::string_view venue_order_id) = 0;

  // The venue's view of one of our orders with all its fills; kNotFound if the venue never saw
  // it. `venue_order_id` may be empty (crash before the acknowledgement was persisted).
  // Errors: Unavailable / ResourceExhausted when the venue cannot answer now.
  [[nodiscard]] virtual absl::StatusOr<VenueOrderReport> Query(const OrderRequest& order,
                                                               std::string_view venue_order_id) = 0;

  // Every order of this account that is open at the venue (to find orders we do not know).
  [[nodiscard]] virtual absl::StatusOr<std::vector<VenueOrderReport>> OpenOrders() = 0;

  // Cash (USD micros).
  [[nodiscard]] virtual absl::StatusOr<CashBalance> Balance() = 0;

  // Whether new orders to this venue are refused right now (an open circuit breaker); the engine
  // then denies new executions with CIRCUIT_OPEN instead of sending into a failing venue.
  virtual bool circuit_open() { return false; }

  // Quantity (micros) of `symbol` the account holds at the venue, for reconciling positions after
  // a restart. Unimplemented where the venue (or mode) cannot say; the engine then skips it.
  [[nodiscard]] virtual absl::StatusOr<int64_t> PositionOf(std::string_view symbol) {
    return absl::UnimplementedError(absl::StrCat("no position query for ", std::string(symbol)));
  }
};

}  // namespace arbor::exec
