#include "arbor/exec/paper_gateway.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::exec {
namespace {

constexpr int64_t kOne = 1'000'000;

std::string BookKey(std::string_view symbol, bool buy) {
  return absl::StrCat(ToAbsl(symbol), buy ? "|asks" : "|bids");
}

int64_t Notional(int64_t price, int64_t size) {
  return static_cast<int64_t>(absl::int128(price) * size / kOne);
}

}  // namespace

void SyntheticBooks::AddOpportunity(const v1::Opportunity& opportunity) {
  for (const v1::OpportunityLeg& leg : opportunity.legs()) {
    if (leg.action() != v1::LEG_ACTION_ORDER) continue;
    const int64_t price =
        leg.expected_vwap_micros() > 0 ? leg.expected_vwap_micros() : leg.limit_price_micros();
    const int64_t depth =
        leg.available_size_micros() > 0 ? leg.available_size_micros() : leg.size_micros();
    if (price <= 0 || price >= kOne || depth <= 0) continue;
    Set(leg.instrument_id().symbol(), leg.side() == v1::SIDE_BUY, {{price, depth}});
  }
}

void SyntheticBooks::Set(std::string_view symbol, bool buy, std::vector<BookLevel> levels) {
  absl::MutexLock lock(&mu_);
  books_[BookKey(symbol, buy)] = std::move(levels);
}

BookSide SyntheticBooks::OppositeSide(Venue, std::string_view symbol, bool buy) const {
  absl::MutexLock lock(&mu_);
  auto it = books_.find(BookKey(symbol, buy));
  return it == books_.end() ? BookSide{} : BookSide{.levels = it->second, .age_nanos = 0};
}

PaperGateway::PaperGateway(Venue venue, PaperFillParams params, uint64_t seed,
                           const BookSource* books, const Clock* clock, PaperGatewayOptions options)
    : venue_(venue),
      books_(books),
      clock_(clock),
      options_(options),
      model_(params, seed),
      cash_micros_(options.starting_cash_micros) {}

VenueOrderReport PaperGateway::PlaceOne(const OrderRequest& order) {
  VenueOrderReport report;
  report.client_order_id = order.client_order_id;
  if (auto it = orders_.find(order.client_order_id); it != orders_.end()) {
    // Same idempotency key again: the venue answers with the order it already has.
    return it->second;
  }
  report.venue_order_id = absl::StrCat("paper-", order.client_order_id);
  // Checked before the draw so a refused order consumes no randomness. A buy needs the cash for its
  // full size at the limit, like a venue's balance check.
  const int64_t needed = order.buy ? Notional(order.price_micros, order.size_micros) : 0;
  if (needed > cash_micros_ - reserved_micros_) {
    report.state = VenueOrderState::kRejected;
    report.reason = absl::StrCat("not enough balance: need ", needed, " have ",
                                 cash_micros_ - reserved_micros_);
    return report;
  }
  const std::vector<BookLevel> book = books_->OppositeSide(venue_, order.symbol, order.buy).levels;
  absl::StatusOr<PaperOutcome> outcome =
      model_.Draw(PaperOrder{.buy = order.buy,
                             .limit_price_micros = order.price_micros,
                             .size_micros = order.size_micros,
                             .immediate_or_cancel = order.tif != TimeInForce::kGtc,
                             .fill_or_kill = order.tif == TimeInForce::kFok},
                  book);
  if (!outcome.ok()) {
    report.state = VenueOrderState::kRejected;
    report.reason = std::string(outcome.status().message());
    return report;
  }
  const int64_t ts = absl::ToUnixNanos(clock_->Now()) + outcome->latency_nanos;
  for (const PaperFill& fill : outcome->fills) {
    VenueFill vf;
    vf.trade_id = absl::StrCat("pt", ++next_trade_);
    vf.price_micros = fill.price_micros;
    vf.size_micros = fill.size_micros;
    const int64_t notional = Notional(fill.price_micros, fill.size_micros);
    vf.fee_micros = static_cast<int64_t>(absl::int128(notional) * options_.fee_rate_micros / kOne);
    vf.ts_event_unix_nanos = ts;
    cash_micros_ += order.buy ? -notional - vf.fee_micros : notional - vf.fee_micros;
    report.fills.push_back(std::move(vf));
  }
  report.filled_size_micros = outcome->filled_size_micros;
  if (outcome->filled_size_micros >= order.size_micros) {
    report.state = VenueOrderState::kFilled;
  } else if (outcome->rested) {
    report.state = VenueOrderState::kOpen;
    if (order.buy) {
      reserved_micros_ += Notional(order.price_micros, outcome->rested_size_micros);
    }
  } else {
    report.state = VenueOrderState::kCanceled;
    report.reason = std::string(outcome->reason);
  }
  return report;
}

std::vector<VenueOrderReport> PaperGateway::Place(absl::Span<const OrderRequest> orders) {
  absl::MutexLock lock(&mu_);
  std::vector<VenueOrderReport> reports;
  reports.reserve(orders.size());
  for (const OrderRequest& order : orders) {
    VenueOrderReport report = PlaceOne(order);
    if (report.state != VenueOrderState::kRejected) orders_[order.client_order_id] = report;
    reports.push_back(std::move(report));
  }
  return reports;
}

VenueOrderReport PaperGateway::Cancel(const OrderRequest& order, std::string_view) {
  absl::MutexLock lock(&mu_);
  auto it = orders_.find(order.client_order_id);
  if (it == orders_.end()) {
    VenueOrderReport report;
    report.client_order_id = order.client_order_id;
    report.state = VenueOrderState::kNotFound;
    return report;
  }
  if (it->second.state == VenueOrderState::kOpen) {
    it->second.state = VenueOrderState::kCanceled;
    if (order.buy) {
      reserved_micros_ -=
          Notional(order.price_micros, order.size_micros - it->second.filled_size_micros);
      reserved_micros_ = std::max<int64_t>(reserved_micros_, 0);
    }
  }
  return it->second;
}

absl::StatusOr<VenueOrderReport> PaperGateway::Query(const OrderRequest& order, std::string_view) {
  absl::MutexLock lock(&mu_);
  auto it = orders_.find(order.client_order_id);
  if (it == orders_.end()) {
    VenueOrderReport report;
    report.client_order_id = order.client_order_id;
    report.state = VenueOrderState::kNotFound;
    return report;
  }
  return it->second;
}

absl::StatusOr<std::vector<VenueOrderReport>> PaperGateway::OpenOrders() {
  absl::MutexLock lock(&mu_);
  std::vector<VenueOrderReport> open;
  for (const auto& [id, report] : orders_) {
    if (report.state == VenueOrderState::kOpen) open.push_back(report);
  }
  return open;
}

absl::StatusOr<CashBalance> PaperGateway::Balance() {
  absl::MutexLock lock(&mu_);
  return CashBalance{.total_micros = cash_micros_,
                     .available_micros = cash_micros_ - reserved_micros_};
}

size_t PaperGateway::orders_placed() const {
  absl::MutexLock lock(&mu_);
  return orders_.size();
}

}  // namespace arbor::exec
