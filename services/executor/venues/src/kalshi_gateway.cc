// KalshiGateway: one limit order per leg, order state from /portfolio/orders and fills from
// /portfolio/fills. See the header for the contract and docs/executor_venues.md for the tables.
#include "arbor/executor/kalshi_gateway.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::executor {
namespace ks = venue::kalshi;

using exec::OrderRequest;
using exec::TimeInForce;
using exec::VenueFill;
using exec::VenueOrderReport;
using exec::VenueOrderState;

namespace {

// count_fp carries 2 decimals and *_price_dollars 4: anything finer would be truncated by the
// encoder, so such requests are refused before sending.
constexpr int64_t kCountStepMicros = 10'000;
constexpr int64_t kPriceStepMicros = 100;

struct Symbol {
  std::string ticker;
  ks::Side side = ks::Side::kYes;
};

absl::StatusOr<Symbol> ParseSymbol(std::string_view symbol) {
  const size_t colon = symbol.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "symbol \"", Abbreviate(symbol), "\" is not \"<ticker>:YES\" or \"<ticker>:NO\""));
  }
  const std::string side = absl::AsciiStrToUpper(ToAbsl(symbol.substr(colon + 1)));
  if (side != "YES" && side != "NO") {
    return absl::InvalidArgumentError(absl::StrCat(
        "symbol \"", Abbreviate(symbol), "\" is not \"<ticker>:YES\" or \"<ticker>:NO\""));
  }
  return Symbol{std::string(symbol.substr(0, colon)),
                side == "YES" ? ks::Side::kYes : ks::Side::kNo};
}

ks::TimeInForce TifOf(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::kGtc:
      return ks::TimeInForce::kGoodTillCanceled;
    case TimeInForce::kFak:
      return ks::TimeInForce::kImmediateOrCancel;
    case TimeInForce::kFok:
      return ks::TimeInForce::kFillOrKill;
  }
  return ks::TimeInForce::kImmediateOrCancel;
}

absl::StatusOr<ks::CreateOrderParams> ParamsOf(const OrderRequest& r) {
  if (r.client_order_id.empty()) return absl::InvalidArgumentError("client_order_id is empty");
  ARBOR_ASSIGN_OR_RETURN(Symbol s, ParseSymbol(r.symbol));
  if (r.price_micros <= 0 || r.price_micros >= kFixedScale ||
      r.price_micros % kPriceStepMicros != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "price_micros ", r.price_micros, " must be in (0, 1000000) with at most 4 decimals"));
  }
  if (r.size_micros <= 0 || r.size_micros % kCountStepMicros != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "size_micros ", r.size_micros, " must be a positive multiple of 0.01 contracts (10000)"));
  }
  return ks::CreateOrderParams{.ticker = std::move(s.ticker),
                               .side = s.side,
                               .action = r.buy ? ks::Action::kBuy : ks::Action::kSell,
                               .count = Quantity::FromMicros(r.size_micros),
                               .price = Price::FromMicros(r.price_micros),
                               .time_in_force = TifOf(r.tif),
                               .client_order_id = r.client_order_id};
}

// The price in the order's own side (legacy bodies may carry only one of the two).
Price OwnPrice(ks::Side side, Price yes, Price no) {
  if (side == ks::Side::kYes) return yes.IsPositive() ? yes : Complement(no);
  return no.IsPositive() ? no : Complement(yes);
}

VenueOrderState StateOf(std::string_view status) {
  if (status == "resting" || status == "pending") return VenueOrderState::kOpen;
  if (status == "executed") return VenueOrderState::kFilled;
  if (status == "canceled") return VenueOrderState::kCanceled;
  return VenueOrderState::kUnknown;
}

VenueOrderReport ReportOf(const ks::RestOrder& o) {
  VenueOrderReport r;
  r.client_order_id = o.client_order_id;
  r.venue_order_id = o.order_id;
  r.state = StateOf(o.status);
  if (r.state == VenueOrderState::kUnknown) {
    r.reason = absl::StrCat("unrecognised venue order status \"", o.status, "\"");
  }
  r.filled_size_micros = o.fill_count.micros();
  return r;
}

int64_t TimeNanos(std::string_view rfc3339) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, ToAbsl(rfc3339), &t, &err)) return absl::ToUnixNanos(t);
  return 0;
}

VenueFill FillOf(const ks::RestFill& f) {
  return VenueFill{.trade_id = f.trade_id.empty() ? f.fill_id : f.trade_id,
                   .price_micros = OwnPrice(f.side, f.yes_price, f.no_price).micros(),
                   .size_micros = f.count.micros(),
                   .fee_micros = f.fee_cost.micros(),
                   .ts_event_unix_nanos = TimeNanos(f.created_time),
                   .maker = !f.is_taker};
}

// Reads must not look like an unknown order outcome: "cannot answer now".
absl::Status ReadError(const absl::Status& status) {
  if (ks::IsOutcomeUnknown(status)) return absl::UnavailableError(status.message());
  return status;
}

absl::Duration RetryAfter(const absl::Status& status) {
  const std::optional<int64_t> seconds = ks::RetryAfterSeconds(status);
  return seconds ? absl::Seconds(*seconds) : absl::ZeroDuration();
}

VenueOrderReport Bare(const OrderRequest& order, VenueOrderState state, std::string reason) {
  VenueOrderReport r;
  r.client_order_id = order.client_order_id;
  r.state = state;
  r.reason = std::move(reason);
  return r;
}

}  // namespace

KalshiGateway::KalshiGateway(KalshiGatewayConfig config, ks::RequestSigner signer)
    : config_(std::move(config)), signer_(std::move(signer)) {}

KalshiGateway::~KalshiGateway() = default;

absl::StatusOr<std::unique_ptr<KalshiGateway>> KalshiGateway::Create(net::HttpClient* http,
                                                                     const Clock* clock,
                                                                     KalshiGatewayConfig config) {
  if (http == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("kalshi gateway: http client and clock are required");
  }
  absl::StatusOr<ks::RequestSigner> signer =
      ks::RequestSigner::FromPemString(config.api_key_id, config.private_key_pem);
  if (!config.private_key_pem.empty()) {
    OPENSSL_cleanse(config.private_key_pem.data(), config.private_key_pem.size());
  }
  config.private_key_pem.clear();
  if (!signer.ok()) return signer.status();  // never contains key material (auth.h)
  if (config.page_limit <= 0 || config.max_pages <= 0 || config.max_parallel_legs <= 0) {
    return absl::InvalidArgumentError(
        "kalshi gateway: page_limit, max_pages and max_parallel_legs must be positive");
  }
  std::unique_ptr<KalshiGateway> gw(new KalshiGateway(std::move(config), std::move(*signer)));
  gw->rest_ = std::make_unique<ks::RestClient>(http, gw->config_.origin, &gw->signer_, clock,
                                               gw->config_.rest);
  return gw;
}

absl::StatusOr<std::vector<ks::RestOrder>> KalshiGateway::Orders(ks::ListQuery query) {
  query.limit = config_.page_limit;
  std::vector<ks::RestOrder> out;
  for (int page = 0; page < config_.max_pages; ++page) {
    absl::StatusOr<ks::RestPage<ks::RestOrder>> p = rest_->GetOrders(query);
    if (!p.ok()) return ReadError(p.status());
    for (ks::RestOrder& o : p->items) out.push_back(std::move(o));
    if (p->cursor.empty() || p->cursor == query.cursor) return out;
    query.cursor = std::move(p->cursor);
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "kalshi GET /portfolio/orders: paging stopped after ", config_.max_pages, " pages"));
}

absl::StatusOr<std::vector<ks::RestFill>> KalshiGateway::Fills(std::string_view ticker) {
  ks::ListQuery query{.limit = config_.page_limit, .ticker = std::string(ticker)};
  std::vector<ks::RestFill> out;
  for (int page = 0; page < config_.max_pages; ++page) {
    absl::StatusOr<ks::RestPage<ks::RestFill>> p = rest_->GetFills(query);
    if (!p.ok()) return ReadError(p.status());
    for (ks::RestFill& f : p->items) out.push_back(std::move(f));
    if (p->cursor.empty() || p->cursor == query.cursor) return out;
    query.cursor = std::move(p->cursor);
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "kalshi GET /portfolio/fills: paging stopped after ", config_.max_pages, " pages"));
}

absl::StatusOr<VenueOrderReport> KalshiGateway::WithFills(const ks::RestOrder& order) {
  VenueOrderReport r = ReportOf(order);
  if (!order.fill_count.IsPositive()) return r;
  ARBOR_ASSIGN_OR_RETURN(std::vector<ks::RestFill> fills, Fills(order.ticker));
  int64_t sum = 0;
  for (const ks::RestFill& f : fills) {
    if (f.order_id != order.order_id) continue;
    r.fills.push_back(FillOf(f));
    sum += f.count.micros();
  }
  if (sum != r.filled_size_micros) {
    r.reason = absl::StrCat("fill_count ", order.fill_count.ToString(), " but fills read sum to ",
                            Quantity::FromMicros(sum).ToString());
  }
  return r;
}

absl::StatusOr<ks::RestOrder> KalshiGateway::FindByClientId(std::string_view ticker,
                                                            std::string_view client_order_id) {
  ARBOR_ASSIGN_OR_RETURN(std::vector<ks::RestOrder> orders,
                         Orders(ks::ListQuery{.ticker = std::string(ticker)}));
  for (ks::RestOrder& o : orders) {
    if (o.client_order_id == client_order_id) return std::move(o);
  }
  return absl::NotFoundError(
      absl::StrCat("kalshi: no order with client_order_id ", ToAbsl(client_order_id)));
}

VenueOrderReport KalshiGateway::PlaceOne(const OrderRequest& order) {
  absl::StatusOr<ks::CreateOrderParams> params = ParamsOf(order);
  if (!params.ok()) {
    return Bare(order, VenueOrderState::kRejected,
                absl::StrCat("not sent: ", params.status().message()));
  }
  absl::StatusOr<ks::RestOrder> created = rest_->CreateOrder(*params);
  if (created.ok()) {
    absl::StatusOr<VenueOrderReport> r = WithFills(*created);
    if (r.ok()) return std::move(*r);
    VenueOrderReport partial = ReportOf(*created);
    partial.reason = absl::StrCat("fills not read yet: ", r.status().message());
    return partial;
  }
  const absl::Status& s = created.status();
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    // The same client_order_id was sent before (a resend after a crash): report that order.
    absl::StatusOr<VenueOrderReport> q = Query(order, "");
    if (q.ok() && q->state != VenueOrderState::kNotFound) return std::move(*q);
    return Bare(order, VenueOrderState::kUnknown,
                absl::StrCat("duplicate client_order_id, but the order was not read: ",
                             q.ok() ? "not listed" : q.status().message()));
  }
  VenueOrderReport r =
      Bare(order, ks::IsOutcomeUnknown(s) ? VenueOrderState::kUnknown : VenueOrderState::kRejected,
           std::string(FromAbsl(s.message())));
  r.retry_after = RetryAfter(s);
  return r;
}

std::vector<VenueOrderReport> KalshiGateway::Place(absl::Span<const OrderRequest> orders) {
  std::vector<VenueOrderReport> reports(orders.size());
  const size_t workers =
      std::min(orders.size(), static_cast<size_t>(std::max(1, config_.max_parallel_legs)));
  if (workers <= 1) {
    for (size_t i = 0; i < orders.size(); ++i) reports[i] = PlaceOne(orders[i]);
    return reports;
  }
  // Each leg is its own request; send them together so one slow leg does not delay the others.
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next.fetch_add(1); i < orders.size(); i = next.fetch_add(1)) {
        reports[i] = PlaceOne(orders[i]);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return reports;
}

absl::StatusOr<VenueOrderReport> KalshiGateway::Query(const OrderRequest& order,
                                                      std::string_view venue_order_id) {
  absl::StatusOr<ks::RestOrder> found;
  if (!venue_order_id.empty()) {
    found = rest_->GetOrder(venue_order_id);
  } else {
    absl::StatusOr<Symbol> s = ParseSymbol(order.symbol);
    if (!s.ok() || order.client_order_id.empty()) {
      // Place never sends such a request.
      return Bare(order, VenueOrderState::kNotFound,
                  absl::StrCat("not sent: ", s.ok() ? absl::string_view("client_order_id is empty")
                                                    : s.status().message()));
    }
    found = FindByClientId(s->ticker, order.client_order_id);
  }
  if (!found.ok()) {
    if (found.status().code() == absl::StatusCode::kNotFound) {
      return Bare(order, VenueOrderState::kNotFound, "");
    }
    return ReadError(found.status());
  }
  ARBOR_ASSIGN_OR_RETURN(VenueOrderReport r, WithFills(*found));
  if (r.client_order_id.empty()) r.client_order_id = order.client_order_id;
  return r;
}

VenueOrderReport KalshiGateway::Cancel(const OrderRequest& order, std::string_view venue_order_id) {
  std::string id(venue_order_id);
  if (id.empty()) {
    absl::StatusOr<VenueOrderReport> q = Query(order, "");
    if (!q.ok()) {
      return Bare(order, VenueOrderState::kUnknown,
                  absl::StrCat("cancel not sent: the order could not be looked up: ",
                               q.status().message()));
    }
    // Not found, or already finished: nothing to cancel.
    if (q->venue_order_id.empty() || q->state == VenueOrderState::kFilled ||
        q->state == VenueOrderState::kCanceled) {
      return std::move(*q);
    }
    id = q->venue_order_id;
  }
  absl::StatusOr<ks::RestCancel> c = rest_->CancelOrder(id);
  if (c.ok()) {
    absl::StatusOr<VenueOrderReport> r = WithFills(c->order);
    if (r.ok()) {
      if (r->client_order_id.empty()) r->client_order_id = order.client_order_id;
      return std::move(*r);
    }
    VenueOrderReport partial = ReportOf(c->order);
    partial.reason = absl::StrCat("canceled; fills not read yet: ", r.status().message());
    return partial;
  }
  if (ks::IsOutcomeUnknown(c.status())) {
    VenueOrderReport r =
        Bare(order, VenueOrderState::kUnknown, std::string(FromAbsl(c.status().message())));
    r.venue_order_id = id;
    return r;
  }
  // Refused (no longer resting: 404), throttled, ...: the report is the order as it is now.
  absl::StatusOr<VenueOrderReport> q = Query(order, id);
  if (!q.ok()) {
    VenueOrderReport r =
        Bare(order, VenueOrderState::kUnknown,
             absl::StrCat(c.status().message(), "; query failed: ", q.status().message()));
    r.venue_order_id = id;
    return r;
  }
  if (q->reason.empty()) q->reason = std::string(FromAbsl(c.status().message()));
  q->retry_after = RetryAfter(c.status());
  return std::move(*q);
}

absl::StatusOr<std::vector<VenueOrderReport>> KalshiGateway::OpenOrders() {
  ARBOR_ASSIGN_OR_RETURN(std::vector<ks::RestOrder> resting,
                         Orders(ks::ListQuery{.status = "resting"}));
  // Fills are read once per ticker that has a partly filled resting order.
  absl::flat_hash_map<std::string, std::vector<ks::RestFill>> fills_by_ticker;
  std::vector<VenueOrderReport> out;
  out.reserve(resting.size());
  for (const ks::RestOrder& o : resting) {
    VenueOrderReport r = ReportOf(o);
    // Described in our instrument terms: "<ticker>:YES|NO", bought or sold, own-side price.
    r.symbol = absl::StrCat(o.ticker, o.side == ks::Side::kYes ? ":YES" : ":NO");
    r.buy = o.action == ks::Action::kBuy;
    r.price_micros = (o.side == ks::Side::kYes ? o.yes_price : o.no_price).micros();
    r.size_micros = o.initial_count.micros();
    if (o.fill_count.IsPositive()) {
      auto it = fills_by_ticker.find(o.ticker);
      if (it == fills_by_ticker.end()) {
        ARBOR_ASSIGN_OR_RETURN(std::vector<ks::RestFill> fills, Fills(o.ticker));
        it = fills_by_ticker.emplace(o.ticker, std::move(fills)).first;
      }
      for (const ks::RestFill& f : it->second) {
        if (f.order_id == o.order_id) r.fills.push_back(FillOf(f));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<exec::CashBalance> KalshiGateway::Balance() {
  absl::StatusOr<ks::RestBalance> b = rest_->GetBalance();
  if (!b.ok()) return ReadError(b.status());
  ARBOR_ASSIGN_OR_RETURN(std::vector<ks::RestOrder> resting,
                         Orders(ks::ListQuery{.status = "resting"}));
  int64_t held = 0;
  for (const ks::RestOrder& o : resting) {
    if (o.action != ks::Action::kBuy || !o.remaining_count.IsPositive()) continue;
    held += Notional(OwnPrice(o.side, o.yes_price, o.no_price), o.remaining_count, Rounding::kUp)
                .micros();
  }
  return exec::CashBalance{.total_micros = b->balance.micros() + held,
                           .available_micros = b->balance.micros()};
}

absl::StatusOr<int64_t> KalshiGateway::PositionOf(std::string_view symbol) {
  ARBOR_ASSIGN_OR_RETURN(Symbol s, ParseSymbol(symbol));
  absl::StatusOr<ks::RestPage<ks::RestPosition>> page =
      rest_->GetPositions(ks::ListQuery{.ticker = s.ticker});
  if (!page.ok()) return ReadError(page.status());
  int64_t net = 0;  // positive = YES contracts, negative = NO
  for (const ks::RestPosition& p : page->items) {
    if (p.ticker == s.ticker) net += p.position.micros();
  }
  return s.side == ks::Side::kYes ? std::max<int64_t>(net, 0) : std::max<int64_t>(-net, 0);
}

}  // namespace arbor::executor
