// PolymarketGateway: deterministic V2 orders, POST /orders batches, and order state rebuilt from
// GET /data/order + GET /data/trades. See the header for the contract and
// docs/executor_venues.md for the mapping tables.
#include "arbor/executor/polymarket_gateway.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/log.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/venue/polymarket/decimal.h"
#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/fees.h"
#include "arbor/venue/polymarket/order_amounts.h"
#include "arbor/venue/polymarket/retry_after.h"

namespace arbor::executor {
namespace pm = venue::polymarket;

using exec::OrderRequest;
using exec::TimeInForce;
using exec::VenueFill;
using exec::VenueOrderReport;
using exec::VenueOrderState;

namespace {

// Polymarket sizes carry two decimals (ROUNDING_CONFIG size dp = 2 for every tick). Requests
// must already be on that grid: flooring silently would change what the engine asked for.
constexpr int64_t kShareStepMicros = 10'000;
// A salt below 2^53 is an exact JSON number for every parser (the official SDKs' salts are
// round(random() * now_ms), far below it).
constexpr uint64_t kSaltMask = (uint64_t{1} << 53) - 1;

void Cleanse(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(ToAbsl(s)); }

bool ContainsNoCase(std::string_view haystack, std::string_view needle) {
  return absl::StrContains(Lower(haystack), Lower(needle));
}

absl::StatusOr<pm::TickSize> TickOf(int64_t micros) {
  switch (micros) {
    case 100'000:
      return pm::TickSize::k0_1;
    case 10'000:
      return pm::TickSize::k0_01;
    case 5'000:
      return pm::TickSize::k0_005;
    case 2'500:
      return pm::TickSize::k0_0025;
    case 1'000:
      return pm::TickSize::k0_001;
    case 100:
      return pm::TickSize::k0_0001;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("tick_size_micros ", micros,
                       " is not a Polymarket tick (0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001)"));
  }
}

pm::OrderType TypeOf(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::kGtc:
      return pm::OrderType::kGtc;
    case TimeInForce::kFak:
      return pm::OrderType::kFak;
    case TimeInForce::kFok:
      return pm::OrderType::kFok;
  }
  return pm::OrderType::kFak;
}

// Reads must not look like an unknown order outcome to the engine: a timeout, a dropped
// connection or a 5xx (TradingClient maps 500 / 504 to kInternal / kDeadlineExceeded on reads)
// means "cannot answer now".
absl::Status ReadError(const absl::Status& status) {
  if (pm::IsOutcomeUnknown(status) || status.code() == absl::StatusCode::kInternal) {
    return absl::UnavailableError(status.message());
  }
  return status;
}

absl::Duration RetryAfter(const absl::Status& status) {
  const std::optional<int64_t> seconds = pm::RetryAfterSeconds(status);
  return seconds ? absl::Seconds(*seconds) : absl::ZeroDuration();
}

// A request that did not produce a venue order (or may have: kUnknown).
VenueOrderReport FailedReport(const OrderRequest& order, std::string venue_order_id,
                              const absl::Status& status) {
  VenueOrderReport r;
  r.client_order_id = order.client_order_id;
  r.venue_order_id = std::move(venue_order_id);
  r.state = pm::IsOutcomeUnknown(status) ? VenueOrderState::kUnknown : VenueOrderState::kRejected;
  r.reason = std::string(FromAbsl(status.message()));
  r.retry_after = RetryAfter(status);
  return r;
}

// match_time as sent: unix seconds (or milliseconds) as text, or RFC 3339. 0 if unparseable.
int64_t MatchTimeNanos(std::string_view text) {
  if (text.empty()) return 0;
  if (text.find_first_not_of("0123456789") == std::string_view::npos && text.size() <= 18) {
    int64_t v = 0;
    for (char c : text) v = v * 10 + (c - '0');
    // Seconds until the year 5138; anything larger is milliseconds.
    return v < 100'000'000'000 ? v * 1'000'000'000 : v * 1'000'000;
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &t, &err)) return absl::ToUnixNanos(t);
  return 0;
}

// created_at as sent (seconds or milliseconds) -> milliseconds.
int64_t CreatedAtMillis(std::optional<int64_t> created_at) {
  if (!created_at || *created_at <= 0) return 0;
  return *created_at < 100'000'000'000 ? *created_at * 1000 : *created_at;
}

// What an accepted POST /orders leg is, before its trades are read.
VenueOrderState StateAfterPlace(std::string_view status, TimeInForce tif, int64_t filled,
                                int64_t shares) {
  if (filled >= shares) return VenueOrderState::kFilled;
  const bool rests = tif == TimeInForce::kGtc;
  if (status == "live" || status == "delayed") return VenueOrderState::kOpen;
  if (status == "matched" || status == "unmatched") {
    return rests ? VenueOrderState::kOpen : VenueOrderState::kCanceled;
  }
  return VenueOrderState::kUnknown;
}

}  // namespace

struct PolymarketGateway::Built {
  pm::OrderV2 order;
  std::string id;         // "0x" + 64 lower-case hex
  bool neg_risk = false;  // signed for the NegRisk exchange
};

struct PolymarketGateway::Fills {
  std::vector<VenueFill> fills;
  int64_t filled_micros = 0;
};

uint64_t PolymarketGateway::SaltFor(std::string_view client_order_id) {
  const pm::Bytes32 h = pm::Keccak256(client_order_id);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | h[static_cast<size_t>(i)];
  return v & kSaltMask;
}

PolymarketGateway::PolymarketGateway(const Clock* clock, PolymarketGatewayConfig config,
                                     std::unique_ptr<pm::Secp256k1Signer> key)
    : clock_(clock), config_(std::move(config)), key_(std::move(key)) {}

PolymarketGateway::~PolymarketGateway() {
  Cleanse(&credentials_.api_key);
  Cleanse(&credentials_.secret);
  Cleanse(&credentials_.passphrase);
}

std::string PolymarketGateway::maker_address() const { return pm::ChecksumAddress(maker_); }

absl::StatusOr<std::unique_ptr<PolymarketGateway>> PolymarketGateway::Create(
    net::HttpClient* http, const Clock* clock, PolymarketGatewayConfig config) {
  if (http == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("polymarket gateway: http client and clock are required");
  }
  absl::StatusOr<std::unique_ptr<pm::Secp256k1Signer>> key =
      pm::Secp256k1Signer::FromHex(config.private_key_hex);
  Cleanse(&config.private_key_hex);
  if (!key.ok()) return key.status();  // never contains key material (secp256k1_signer.h)
  if (config.fee_exponent < 0 || config.fee_exponent > pm::FeeSchedule::kMaxExponent) {
    return absl::InvalidArgumentError(absl::StrCat("polymarket gateway: fee_exponent ",
                                                   config.fee_exponent, " outside [0, ",
                                                   pm::FeeSchedule::kMaxExponent, "]"));
  }
  pm::Address maker = (*key)->address();
  pm::Address signer = (*key)->address();
  if (config.signature_type == pm::SignatureType::kEoa) {
    if (!config.funder_address.empty()) {
      return absl::InvalidArgumentError(
          "polymarket gateway: funder_address must be empty for EOA signatures");
    }
  } else {
    ARBOR_ASSIGN_OR_RETURN(maker, pm::ParseAddress(config.funder_address, "funder_address"));
    // A deposit wallet (POLY_1271) signs as itself; proxies and Safes are signed for by the EOA.
    if (config.signature_type == pm::SignatureType::kPoly1271) signer = maker;
  }
  ARBOR_ASSIGN_OR_RETURN(pm::ExchangeDomain domain,
                         pm::MakeExchangeDomain(config.chain_id, config.exchange_version, false));
  ARBOR_ASSIGN_OR_RETURN(pm::ExchangeDomain neg_risk_domain,
                         pm::MakeExchangeDomain(config.chain_id, config.exchange_version, true));

  pm::ApiCredentials credentials = std::move(config.api_credentials);
  config.api_credentials = {};
  std::unique_ptr<PolymarketGateway> gw(
      new PolymarketGateway(clock, std::move(config), std::move(*key)));
  gw->maker_ = maker;
  gw->signer_ = signer;
  gw->domain_ = domain;
  gw->neg_risk_domain_ = neg_risk_domain;
  gw->client_ = std::make_unique<pm::TradingClient>(
      http, gw->config_.clob, gw->key_.get(), clock,
      pm::TradingClientOptions{.chain_id = gw->config_.chain_id,
                               .max_pages = gw->config_.max_pages,
                               .signature_type = static_cast<int>(gw->config_.signature_type)});
  // Public reads (the NegRisk flag) go to the CLOB host; the Gamma origin is never used here.
  gw->public_ = std::make_unique<pm::PublicClient>(http, gw->config_.clob, gw->config_.clob, clock);
  if (credentials.api_key.empty()) {
    absl::StatusOr<pm::ApiCredentials> created =
        gw->client_->CreateOrDeriveApiKey(gw->config_.api_key_nonce);
    if (!created.ok()) return created.status();
    credentials = std::move(*created);
  }
  absl::Status installed = gw->client_->SetCredentials(credentials);
  if (!installed.ok()) {
    Cleanse(&credentials.secret);
    Cleanse(&credentials.passphrase);
    return installed;
  }
  // The one kept copy (credentials()), for the user channel; cleansed by the destructor.
  gw->credentials_ = std::move(credentials);
  return gw;
}

absl::StatusOr<PolymarketGateway::Built> PolymarketGateway::Build(const OrderRequest& r) const {
  if (r.client_order_id.empty()) return absl::InvalidArgumentError("client_order_id is empty");
  if (r.created_unix_ms <= 0) {
    return absl::InvalidArgumentError(
        "created_unix_ms is required: it is the signed order timestamp and part of the order id");
  }
  if (r.price_micros <= 0 || r.price_micros >= kFixedScale) {
    return absl::InvalidArgumentError(
        absl::StrCat("price_micros ", r.price_micros, " outside (0, 1000000)"));
  }
  if (r.size_micros <= 0 || r.size_micros % kShareStepMicros != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "size_micros ", r.size_micros, " must be a positive multiple of 0.01 shares (10000)"));
  }
  int64_t tick_micros = r.tick_size_micros;
  if (tick_micros <= 0 || r.price_micros % tick_micros != 0) {
    ARBOR_ASSIGN_OR_RETURN(tick_micros, VenueTickMicros(r.symbol, r.price_micros));
  }
  ARBOR_ASSIGN_OR_RETURN(pm::TickSize tick, TickOf(tick_micros));
  const pm::OrderSide side = r.buy ? pm::OrderSide::kBuy : pm::OrderSide::kSell;
  // Limit amounts for every TIF: exactly `size` shares at `price` (FAK/FOK included), so the
  // venue's notion of the order's size is the request's.
  ARBOR_ASSIGN_OR_RETURN(pm::RawAmounts amounts,
                         pm::LimitOrderAmounts(side, Price::FromMicros(r.price_micros),
                                               Quantity::FromMicros(r.size_micros), tick));
  Built b;
  b.order.salt = SaltFor(r.client_order_id);
  b.order.maker = maker_;
  b.order.signer = signer_;
  b.order.token_id = r.symbol;
  b.order.maker_amount = amounts.maker_amount;
  b.order.taker_amount = amounts.taker_amount;
  b.order.side = side;
  b.order.signature_type = config_.signature_type;
  b.order.timestamp_ms = static_cast<uint64_t>(r.created_unix_ms);
  b.order.expiration = 0;
  ARBOR_ASSIGN_OR_RETURN(pm::OrderV2Struct st, pm::ToOrderStruct(b.order));
  ARBOR_ASSIGN_OR_RETURN(b.neg_risk, NegRiskOf(r.symbol));
  const pm::ExchangeDomain& domain = b.neg_risk ? neg_risk_domain_ : domain_;
  b.id = pm::ToHex(pm::TypedDataDigest(domain.separator, pm::HashOrderV2(st)));
  return b;
}

absl::StatusOr<bool> PolymarketGateway::NegRiskOf(const std::string& token_id) const {
  {
    absl::MutexLock lock(&venue_facts_mu_);
    if (auto it = neg_risk_.find(token_id); it != neg_risk_.end()) return it->second;
  }
  absl::StatusOr<bool> flag = public_->GetNegRisk(token_id);
  if (!flag.ok()) {
    // Unavailable whatever the cause: the order's exchange (and so its id) is not known yet,
    // which says nothing about whether the venue has the order; ask again later.
    return absl::UnavailableError(
        absl::StrCat("neg-risk flag of token ", token_id, ": ", flag.status().message()));
  }
  absl::MutexLock lock(&venue_facts_mu_);
  neg_risk_[token_id] = *flag;
  return *flag;
}

absl::StatusOr<int64_t> PolymarketGateway::VenueTickMicros(const std::string& token_id,
                                                           int64_t price_micros) const {
  {
    absl::MutexLock lock(&venue_facts_mu_);
    if (auto it = tick_.find(token_id);
        it != tick_.end() && it->second > 0 && price_micros % it->second == 0) {
      return it->second;
    }
  }
  absl::StatusOr<Price> tick = public_->GetTickSize(token_id);
  if (!tick.ok()) {
    return absl::UnavailableError(
        absl::StrCat("tick size of token ", token_id, ": ", tick.status().message()));
  }
  absl::MutexLock lock(&venue_facts_mu_);
  tick_[token_id] = tick->micros();
  return tick->micros();
}

absl::StatusOr<std::string> PolymarketGateway::OrderId(const OrderRequest& order) const {
  ARBOR_ASSIGN_OR_RETURN(Built b, Build(order));
  return std::move(b.id);
}

std::vector<VenueFill> PolymarketOrderFills(std::string_view order_id,
                                            absl::Span<const pm::TradeEvent> trades,
                                            int fee_exponent) {
  const std::string id = Lower(order_id);
  auto fee = [fee_exponent](std::optional<int64_t> bps, Quantity size, Price price) -> int64_t {
    if (!bps || *bps <= 0) return 0;
    const pm::FeeSchedule schedule{.rate_micros = *bps * 100, .exponent = fee_exponent};
    absl::StatusOr<Money> f = pm::TakerFee(schedule, size, price, Rounding::kUp);
    if (!f.ok()) {
      ARBOR_LOG(kWarning, "executor", "polymarket fee not computable; reported as 0")
          .Field("fee_rate_bps", *bps)
          .Field("error", FromAbsl(f.status().message()));
      return 0;
    }
    return f->micros();
  };
  std::vector<VenueFill> fills;
  absl::flat_hash_set<std::string> seen;
  for (const pm::TradeEvent& t : trades) {
    // A failed settlement never happened on chain; every other status is a match.
    if (t.status == pm::TradeStatus::kFailed) continue;
    const int64_t ts = MatchTimeNanos(t.match_time);
    if (Lower(t.taker_order_id) == id && seen.insert(absl::StrCat("t|", t.id)).second) {
      fills.push_back(VenueFill{.trade_id = t.id,
                                .price_micros = t.price.micros(),
                                .size_micros = t.size.micros(),
                                .fee_micros = fee(t.fee_rate_bps, t.size, t.price),
                                .ts_event_unix_nanos = ts,
                                .maker = false});
    }
    for (const pm::MakerOrderFill& m : t.maker_orders) {
      if (Lower(m.order_id) != id || !seen.insert(absl::StrCat("m|", t.id)).second) continue;
      // The maker leg's own price and size: it may be the opposite outcome (a mint / merge).
      fills.push_back(VenueFill{.trade_id = t.id,
                                .price_micros = m.price.micros(),
                                .size_micros = m.matched_amount.micros(),
                                .fee_micros = fee(m.fee_rate_bps, m.matched_amount, m.price),
                                .ts_event_unix_nanos = ts,
                                .maker = true});
    }
  }
  return fills;
}

PolymarketGateway::Fills PolymarketGateway::FillsOf(std::string_view order_id,
                                                    absl::Span<const pm::TradeEvent> trades) const {
  Fills out;
  out.fills = PolymarketOrderFills(order_id, trades, config_.fee_exponent);
  for (const VenueFill& f : out.fills) out.filled_micros += f.size_micros;
  return out;
}

absl::StatusOr<std::vector<pm::TradeEvent>> PolymarketGateway::Trades(int64_t since_unix_ms,
                                                                      std::string_view market) {
  pm::TradesFilter filter;
  // Never filter by asset: /data/trades filters by the taker's asset, which drops our maker
  // fills from YES/NO cross matches (POLYMARKET.md §13).
  filter.market = std::string(market);
  if (since_unix_ms > 0) {
    filter.after =
        std::max<int64_t>(1, since_unix_ms / 1000 - absl::ToInt64Seconds(config_.trade_lookback));
  }
  absl::StatusOr<std::vector<pm::TradeEvent>> trades = client_->GetTrades(filter);
  if (!trades.ok()) return ReadError(trades.status());
  return trades;
}

VenueOrderReport PolymarketGateway::Report(std::string_view client_order_id, std::string_view id,
                                           int64_t shares, const pm::OrderEvent* row,
                                           Fills fills) const {
  VenueOrderReport r;
  r.client_order_id = std::string(client_order_id);
  r.venue_order_id = std::string(id);
  int64_t filled = fills.filled_micros;
  if (row != nullptr) {
    const int64_t matched = row->size_matched ? row->size_matched->micros() : 0;
    const int64_t original = row->original_size.IsPositive() ? row->original_size.micros() : shares;
    if (matched > filled) {
      // The order row is ahead of the trade list; the missing trades show on a later Query.
      r.reason =
          absl::StrCat("size_matched ", Quantity::FromMicros(matched).ToString(),
                       " ahead of the trades read (", Quantity::FromMicros(filled).ToString(), ")");
      filled = matched;
    }
    switch (row->status) {
      case pm::OrderStatus::kLive:
        r.state = VenueOrderState::kOpen;
        break;
      case pm::OrderStatus::kMatched:
        // MATCHED is also what the venue says of a partly filled order that was terminated.
        r.state = filled >= original ? VenueOrderState::kFilled : VenueOrderState::kCanceled;
        break;
      case pm::OrderStatus::kCanceled:
      case pm::OrderStatus::kCanceledWithReason:
        r.state = VenueOrderState::kCanceled;
        if (!row->status_reason.empty()) r.reason = row->status_reason;
        break;
      case pm::OrderStatus::kInvalid:
        r.state = filled > 0 ? VenueOrderState::kCanceled : VenueOrderState::kRejected;
        r.reason = "the venue marked the order INVALID";
        break;
      case pm::OrderStatus::kUnknown:
        r.state = VenueOrderState::kUnknown;
        r.reason = absl::StrCat("unrecognised venue order status \"", row->status_text, "\"");
        break;
    }
  } else if (fills.fills.empty()) {
    // Never seen, or (real venue: /data/order lists active orders only) finished without a
    // trade. Not live either way.
    r.state = VenueOrderState::kNotFound;
  } else {
    // No longer active, with trades: filled, or canceled after a partial fill.
    r.state = filled >= shares ? VenueOrderState::kFilled : VenueOrderState::kCanceled;
  }
  r.filled_size_micros = filled;
  r.fills = std::move(fills.fills);
  return r;
}

absl::StatusOr<VenueOrderReport> PolymarketGateway::QueryId(const OrderRequest& order,
                                                            std::string_view id) {
  absl::StatusOr<pm::OrderEvent> row = client_->GetOrder(id);
  if (!row.ok() && row.status().code() != absl::StatusCode::kNotFound) {
    return ReadError(row.status());
  }
  ARBOR_ASSIGN_OR_RETURN(std::vector<pm::TradeEvent> trades,
                         Trades(order.created_unix_ms, row.ok() ? row->market : ""));
  return Report(order.client_order_id, id, order.size_micros, row.ok() ? &*row : nullptr,
                FillsOf(id, trades));
}

absl::StatusOr<VenueOrderReport> PolymarketGateway::Query(const OrderRequest& order,
                                                          std::string_view venue_order_id) {
  std::string id = Lower(venue_order_id);
  if (id.empty()) {
    absl::StatusOr<Built> b = Build(order);
    // The NegRisk flag could not be read: the id is unknown for now, not the order's fate.
    if (absl::IsUnavailable(b.status())) return b.status();
    if (!b.ok()) {
      // Place never sends a request it cannot build: the venue cannot have it.
      VenueOrderReport r;
      r.client_order_id = order.client_order_id;
      r.state = VenueOrderState::kNotFound;
      r.reason = absl::StrCat("not sent: ", b.status().message());
      return r;
    }
    id = std::move(b->id);
  }
  ARBOR_ASSIGN_OR_RETURN(VenueOrderReport r, QueryId(order, id));
  if (r.state == VenueOrderState::kNotFound) r.venue_order_id.clear();
  return r;
}

std::vector<VenueOrderReport> PolymarketGateway::Place(absl::Span<const OrderRequest> orders) {
  std::vector<VenueOrderReport> reports(orders.size());
  std::vector<Built> built(orders.size());
  std::vector<pm::SignedOrderV2> signed_orders(orders.size());
  std::vector<size_t> ready;
  ready.reserve(orders.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    reports[i].client_order_id = orders[i].client_order_id;
    absl::StatusOr<Built> b = Build(orders[i]);
    absl::Status signed_ok =
        b.ok() ? pm::OrderSigner(key_.get())
                     .Sign(b->neg_risk ? neg_risk_domain_ : domain_, b->order, &signed_orders[i])
               : b.status();
    if (!signed_ok.ok()) {
      reports[i].state = VenueOrderState::kRejected;
      reports[i].reason = absl::StrCat("not sent: ", signed_ok.message());
      continue;
    }
    built[i] = std::move(*b);
    reports[i].venue_order_id = built[i].id;
    ready.push_back(i);
  }

  std::vector<size_t> matched;     // accepted legs with trades to read
  std::vector<size_t> duplicates;  // legs the venue already holds (sent before)
  for (size_t begin = 0; begin < ready.size(); begin += pm::kMaxBatchOrders) {
    const size_t end = std::min(ready.size(), begin + pm::kMaxBatchOrders);
    std::vector<pm::OrderSubmission> batch;
    batch.reserve(end - begin);
    for (size_t k = begin; k < end; ++k) {
      const size_t i = ready[k];
      batch.push_back(pm::OrderSubmission{.order = &built[i].order,
                                          .signed_order = &signed_orders[i],
                                          .type = TypeOf(orders[i].tif)});
    }
    absl::StatusOr<std::vector<pm::BatchLegResult>> results = client_->PostOrders(batch);
    if (!results.ok()) {
      for (size_t k = begin; k < end; ++k) {
        const size_t i = ready[k];
        reports[i] = FailedReport(orders[i], built[i].id, results.status());
      }
      continue;
    }
    for (size_t k = begin; k < end; ++k) {
      const size_t i = ready[k];
      const pm::OrderResponse& resp = (*results)[k - begin].response;
      VenueOrderReport& r = reports[i];
      if (!resp.Accepted()) {
        if (ContainsNoCase(resp.error_msg, "duplicate")) {
          duplicates.push_back(i);
        } else if (orders[i].tif != TimeInForce::kGtc && ContainsNoCase(resp.error_msg, "killed")) {
          // "FAK/FOK orders are ... filled or killed": accepted and killed unfilled.
          r.state = VenueOrderState::kCanceled;
          r.reason = resp.error_msg;
        } else {
          r.state = VenueOrderState::kRejected;
          r.reason = resp.error_msg;
        }
        continue;
      }
      if (Lower(resp.order_id) != built[i].id) {
        // Would mean our hash differs from the venue's: recovery by hash would then fail.
        ARBOR_LOG(kError, "executor", "polymarket order id differs from the computed hash")
            .Field("client_order_id", orders[i].client_order_id)
            .Field("venue_order_id", resp.order_id)
            .Field("computed", built[i].id);
        r.venue_order_id = Lower(resp.order_id);
      }
      const std::optional<Money>& shares_amount =
          orders[i].buy ? resp.taking_amount : resp.making_amount;
      if (!resp.trade_ids.empty() || resp.status == "matched") {
        r.filled_size_micros = shares_amount ? shares_amount->micros() : 0;
        matched.push_back(i);
      }
      r.state =
          StateAfterPlace(resp.status, orders[i].tif, r.filled_size_micros, orders[i].size_micros);
      if (r.state == VenueOrderState::kUnknown) {
        r.reason = absl::StrCat("accepted with unrecognised status \"", resp.status, "\"");
      }
    }
  }

  if (!matched.empty()) {
    int64_t since = orders[matched[0]].created_unix_ms;
    for (size_t i : matched) since = std::min(since, orders[i].created_unix_ms);
    absl::StatusOr<std::vector<pm::TradeEvent>> trades = Trades(since, "");
    for (size_t i : matched) {
      VenueOrderReport& r = reports[i];
      if (!trades.ok()) {
        r.reason = absl::StrCat("fills not read yet: ", trades.status().message());
        continue;
      }
      Fills f = FillsOf(r.venue_order_id, *trades);
      r.filled_size_micros = std::max(r.filled_size_micros, f.filled_micros);
      r.fills = std::move(f.fills);
      if (r.state != VenueOrderState::kUnknown) {
        const bool rests = orders[i].tif == TimeInForce::kGtc;
        r.state = r.filled_size_micros >= orders[i].size_micros ? VenueOrderState::kFilled
                  : rests                                       ? VenueOrderState::kOpen
                                                                : VenueOrderState::kCanceled;
      }
    }
  }

  for (size_t i : duplicates) {
    absl::StatusOr<VenueOrderReport> q = QueryId(orders[i], built[i].id);
    if (!q.ok()) {
      reports[i].state = VenueOrderState::kUnknown;
      reports[i].reason =
          absl::StrCat("the venue holds this order already; query failed: ", q.status().message());
      continue;
    }
    reports[i] = std::move(*q);
    // The venue knows the hash but no longer lists it and it never traded: it ended unfilled.
    if (reports[i].state == VenueOrderState::kNotFound) {
      reports[i].state = VenueOrderState::kCanceled;
      reports[i].reason = "duplicate of an order that ended without fills";
    }
  }
  return reports;
}

VenueOrderReport PolymarketGateway::Cancel(const OrderRequest& order,
                                           std::string_view venue_order_id) {
  std::string id = Lower(venue_order_id);
  if (id.empty()) {
    absl::StatusOr<Built> b = Build(order);
    if (absl::IsUnavailable(b.status())) {
      // The NegRisk flag could not be read: the id is unknown for now; the outcome is too.
      VenueOrderReport r;
      r.client_order_id = order.client_order_id;
      r.state = VenueOrderState::kUnknown;
      r.reason = absl::StrCat("cancel not sent: ", b.status().message());
      return r;
    }
    if (!b.ok()) {
      VenueOrderReport r;
      r.client_order_id = order.client_order_id;
      r.state = VenueOrderState::kNotFound;
      r.reason = absl::StrCat("not sent: ", b.status().message());
      return r;
    }
    id = std::move(b->id);
  }
  auto unknown = [&](std::string reason) {
    VenueOrderReport r;
    r.client_order_id = order.client_order_id;
    r.venue_order_id = id;
    r.state = VenueOrderState::kUnknown;
    r.reason = std::move(reason);
    return r;
  };

  absl::StatusOr<pm::CancelResponse> c = client_->CancelOrder(id);
  if (!c.ok() && pm::IsOutcomeUnknown(c.status())) {
    return unknown(std::string(FromAbsl(c.status().message())));
  }
  absl::StatusOr<VenueOrderReport> q = QueryId(order, id);
  if (!q.ok()) {
    return unknown(absl::StrCat(c.ok() ? absl::string_view("cancel sent") : c.status().message(),
                                "; query failed: ", q.status().message()));
  }
  VenueOrderReport r = std::move(*q);
  if (!c.ok()) {
    // Throttled, unauthenticated, ...: nothing happened; the report is the order as it is.
    r.reason = std::string(FromAbsl(c.status().message()));
    r.retry_after = RetryAfter(c.status());
    return r;
  }
  const bool canceled = std::any_of(c->canceled.begin(), c->canceled.end(),
                                    [&](const std::string& x) { return Lower(x) == id; });
  if (canceled) {
    // The venue confirmed it; a lagging order row or a finished order without trades still
    // means canceled.
    if (r.state == VenueOrderState::kOpen || r.state == VenueOrderState::kNotFound ||
        r.state == VenueOrderState::kUnknown) {
      r.state = VenueOrderState::kCanceled;
    }
    r.venue_order_id = id;
    return r;
  }
  for (const auto& [not_id, why] : c->not_canceled) {
    if (Lower(not_id) == id) r.reason = why;
  }
  if (r.state == VenueOrderState::kNotFound) r.venue_order_id.clear();
  return r;
}

absl::StatusOr<std::vector<VenueOrderReport>> PolymarketGateway::OpenOrders() {
  absl::StatusOr<std::vector<pm::OrderEvent>> rows = client_->GetOpenOrders();
  if (!rows.ok()) return ReadError(rows.status());
  // Trades are read once, from the oldest partly filled order on (an unknown creation time
  // means from the beginning).
  int64_t since = std::numeric_limits<int64_t>::max();
  bool any_filled = false;
  for (const pm::OrderEvent& o : *rows) {
    if (!o.size_matched || !o.size_matched->IsPositive()) continue;
    any_filled = true;
    since = std::min(since, CreatedAtMillis(o.created_at));
  }
  std::vector<pm::TradeEvent> trades;
  if (any_filled) {
    ARBOR_ASSIGN_OR_RETURN(trades, Trades(since, ""));
  }
  std::vector<VenueOrderReport> out;
  out.reserve(rows->size());
  for (const pm::OrderEvent& o : *rows) {
    // Our client ids are not known to the venue: only the order hash identifies these.
    VenueOrderReport r = Report("", Lower(o.id), o.original_size.micros(), &o,
                                any_filled ? FillsOf(o.id, trades) : Fills{});
    r.symbol = o.asset_id;
    r.buy = o.side == pm::Side::kBuy;
    r.price_micros = o.price.micros();
    r.size_micros = o.original_size.micros();
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<exec::CashBalance> PolymarketGateway::Balance() {
  absl::StatusOr<pm::BalanceAllowance> b = client_->GetBalanceAllowance(pm::AssetType::kCollateral);
  if (!b.ok()) return ReadError(b.status());
  int64_t total = 0;
  if (b->balance_base_units) {
    total = *b->balance_base_units;  // the live API: integer 1e-6 pUSD
  } else if (absl::StrContains(b->balance, ".")) {
    ARBOR_ASSIGN_OR_RETURN(total, pm::ParseDecimalMicros(b->balance));  // decimal pUSD (clones)
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("polymarket balance: unrecognised amount \"", Abbreviate(b->balance), "\""));
  }
  absl::StatusOr<std::vector<pm::OrderEvent>> open = client_->GetOpenOrders();
  if (!open.ok()) return ReadError(open.status());
  int64_t committed = 0;
  for (const pm::OrderEvent& o : *open) {
    if (o.side != pm::Side::kBuy) continue;
    const Quantity matched = o.size_matched.value_or(Quantity());
    const Quantity left = o.original_size - matched;
    if (left.IsPositive()) committed += Notional(o.price, left, Rounding::kUp).micros();
  }
  return exec::CashBalance{.total_micros = total,
                           .available_micros = std::max<int64_t>(0, total - committed)};
}

absl::StatusOr<int64_t> PolymarketGateway::PositionOf(std::string_view symbol) {
  absl::StatusOr<pm::BalanceAllowance> b =
      client_->GetBalanceAllowance(pm::AssetType::kConditional, symbol);
  if (!b.ok()) return ReadError(b.status());
  if (b->balance_base_units) return *b->balance_base_units;  // integer 1e-6 shares
  if (absl::StrContains(b->balance, ".")) return pm::ParseDecimalMicros(b->balance);
  int64_t units = 0;
  if (!absl::SimpleAtoi(b->balance, &units)) {
    return absl::InvalidArgumentError(
        absl::StrCat("polymarket position: unrecognised amount \"", Abbreviate(b->balance), "\""));
  }
  return units;
}

}  // namespace arbor::executor
