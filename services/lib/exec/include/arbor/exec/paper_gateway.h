// File: arbor/exec/paper_gateway.h
//
// PaperGateway: the VenueGateway of `paper` mode. No order leaves the process: each Place draws
// a realised outcome from PaperFillModel (fill probability, slippage through the book, adverse
// selection, races; seeded) against the book a BookSource provides, and the gateway then
// behaves like a venue — it keeps the order, its fills and the account's cash, answers Query,
// Cancel, OpenOrders and Balance. The execution engine cannot tell it from a real venue, which
// is the point: paper mode runs the production code path.
//
// SyntheticBooks is the BookSource used when the executor has no feed subscription (--feeds): the
// book the scanner priced each leg from (one level at the leg's expected VWAP with the depth
// the scanner saw), registered from every opportunity before it is submitted. It knows only the
// side each leg took from, so paper unwinds find no bids there; with --feeds the paper gateway
// and the risk checks use the live books instead.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "arbor/core/clock.h"
#include "arbor/exec/paper_fill_model.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/v1/opportunity.pb.h"

namespace arbor::exec {

// The side an order of direction `buy` would take from: asks ascending for a buy, bids
// descending for a sell, best first. Empty if unknown or not tradeable.
struct BookSide {
  std::vector<BookLevel> levels;
  int64_t age_nanos = 0;  // time since the book last changed (0 when not known)
};

class BookSource {
 public:
  virtual ~BookSource() = default;
  virtual BookSide OppositeSide(Venue venue, std::string_view symbol, bool buy) const = 0;
};

class SyntheticBooks final : public BookSource {
 public:
  // Registers the books of every order leg of `opportunity` (later registrations replace).
  void AddOpportunity(const v1::Opportunity& opportunity);
  void Set(std::string_view symbol, bool buy, std::vector<BookLevel> levels);
  BookSide OppositeSide(Venue venue, std::string_view symbol, bool buy) const override;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<BookLevel>> books_ ABSL_GUARDED_BY(mu_);
};

struct PaperGatewayOptions {
  int64_t starting_cash_micros = 10'000'000'000;  // 10 000 USD
  // Taker fee as a fraction of notional, in micros (0 = none).
  int64_t fee_rate_micros = 0;
};

class PaperGateway final : public VenueGateway {
 public:
  PaperGateway(Venue venue, PaperFillParams params, uint64_t seed, const BookSource* books,
               const Clock* clock, PaperGatewayOptions options = {});

  Venue venue() const override { return venue_; }
  std::vector<VenueOrderReport> Place(absl::Span<const OrderRequest> orders) override;
  VenueOrderReport Cancel(const OrderRequest& order, std::string_view venue_order_id) override;
  absl::StatusOr<VenueOrderReport> Query(const OrderRequest& order,
                                         std::string_view venue_order_id) override;
  absl::StatusOr<std::vector<VenueOrderReport>> OpenOrders() override;
  absl::StatusOr<CashBalance> Balance() override;

  // Orders placed so far (tests: no duplicates, no orphans).
  size_t orders_placed() const;

 private:
  VenueOrderReport PlaceOne(const OrderRequest& order) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Venue venue_;
  const BookSource* const books_;
  const Clock* const clock_;
  const PaperGatewayOptions options_;

  mutable absl::Mutex mu_;
  PaperFillModel model_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, VenueOrderReport> orders_ ABSL_GUARDED_BY(mu_);
  int64_t cash_micros_ ABSL_GUARDED_BY(mu_);
  int64_t reserved_micros_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_trade_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arbor::exec
