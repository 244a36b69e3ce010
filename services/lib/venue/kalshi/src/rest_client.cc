#include "arbor/venue/kalshi/rest_client.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::venue::kalshi {
namespace {

constexpr char kRetryAfterPayload[] = "type.arbor/kalshi.RetryAfterSeconds";

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string Encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// Appends "&key=value" (or "key=value" first) when `value` is non-empty.
void AddParam(std::string* query, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  if (!query->empty()) query->push_back('&');
  absl::StrAppend(query, ToAbsl(key), "=", Encode(value));
}

std::string ListParams(const ListQuery& q) {
  std::string query;
  if (q.limit > 0) AddParam(&query, "limit", std::to_string(q.limit));
  AddParam(&query, "cursor", q.cursor);
  AddParam(&query, "status", q.status);
  AddParam(&query, "ticker", q.ticker);
  return query;
}

bool PreconditionCode(std::string_view code) {
  return code == "insufficient_balance" || code == "market_closed" || code == "trading_is_paused" ||
         code == "exchange_closed" ||
         (code.size() > 15 && code.substr(code.size() - 15) == "_not_cancelable");
}

absl::Status OutcomeUnknown(std::string_view what, std::string_view why) {
  return absl::UnknownError(absl::StrCat(
      "kalshi ", ToAbsl(what), ": outcome unknown (reconcile by client_order_id): ", ToAbsl(why)));
}

}  // namespace

bool IsOutcomeUnknown(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnknown ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

std::optional<int64_t> RetryAfterSeconds(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kResourceExhausted) return std::nullopt;
  const auto payload = status.GetPayload(kRetryAfterPayload);
  if (!payload) return std::nullopt;
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &seconds)) return std::nullopt;
  return seconds;
}

absl::Status StatusFromKalshiReply(int http_status, std::string_view body,
                                   std::string_view retry_after, std::string_view what,
                                   bool mutating) {
  if (http_status >= 200 && http_status < 300) return absl::OkStatus();
  if (http_status >= 500 || http_status < 200) {
    const std::string why = absl::StrCat("HTTP ", http_status, ": ", ToAbsl(body.substr(0, 200)));
    if (mutating) return OutcomeUnknown(what, why);
    return absl::UnavailableError(absl::StrCat("kalshi ", ToAbsl(what), ": ", why));
  }
  absl::StatusOr<RestError> venue = ParseError(body);
  const std::string code = venue.ok() ? venue->code : "";
  const std::string message = venue.ok() ? venue->message : std::string(body.substr(0, 200));
  const std::string text = absl::StrCat("kalshi ", ToAbsl(what), " rejected (", http_status,
                                        code.empty() ? "" : " ", code, "): ", message);
  switch (http_status) {
    case 400:
      return PreconditionCode(code) ? absl::FailedPreconditionError(text)
                                    : absl::InvalidArgumentError(text);
    case 401:
      return absl::UnauthenticatedError(text);
    case 403:
      return absl::PermissionDeniedError(text);
    case 404:
      return absl::NotFoundError(text);
    case 409:
      return absl::AlreadyExistsError(text);
    case 429: {
      absl::Status s = absl::ResourceExhaustedError(text);
      int64_t seconds = 0;
      if (absl::SimpleAtoi(ToAbsl(retry_after), &seconds) && seconds >= 0) {
        s.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(seconds)));
      }
      return s;
    }
    default:
      return absl::FailedPreconditionError(text);
  }
}

RestClient::RestClient(net::HttpClient* http, net::Origin origin, const RequestSigner* signer,
                       const Clock* clock, RestClientOptions options)
    : http_(http),
      origin_(std::move(origin)),
      signer_(signer),
      clock_(clock),
      options_(std::move(options)) {}

absl::StatusOr<std::string> RestClient::Call(std::string_view method, std::string_view route,
                                             std::string_view query, std::string body,
                                             bool authenticated, bool mutating) const {
  net::HttpRequest request;
  request.method = std::string(method);
  const std::string path = absl::StrCat(options_.api_prefix, ToAbsl(route));
  request.target = query.empty() ? path : absl::StrCat(path, "?", ToAbsl(query));
  request.timeout = options_.timeout;
  const std::string what = absl::StrCat(ToAbsl(method), " ", path);
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  if (authenticated) {
    if (signer_ == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("kalshi ", what, ": no API key configured for an authenticated request"));
    }
    ARBOR_ASSIGN_OR_RETURN(AuthHeaders auth,
                           signer_->Headers(absl::ToUnixMillis(clock_->Now()), method, path));
    request.headers.emplace_back(std::string(kAccessKeyHeader), std::move(auth.access_key));
    request.headers.emplace_back(std::string(kAccessTimestampHeader), std::move(auth.timestamp));
    request.headers.emplace_back(std::string(kAccessSignatureHeader), std::move(auth.signature));
  }
  absl::StatusOr<net::HttpResponse> reply = http_->Send(origin_, request);
  if (!reply.ok()) {
    // kUnavailable: nothing was sent. Anything else happened after sending.
    if (mutating && reply.status().code() != absl::StatusCode::kUnavailable) {
      return OutcomeUnknown(what, FromAbsl(reply.status().message()));
    }
    return reply.status();
  }
  ARBOR_RETURN_IF_ERROR(StatusFromKalshiReply(reply->status, reply->body,
                                              reply->Header("Retry-After"), what, mutating));
  return std::move(reply->body);
}

absl::StatusOr<RestPage<RestMarket>> RestClient::GetMarkets(const MarketsQuery& q) const {
  std::string query;
  if (q.limit > 0) AddParam(&query, "limit", std::to_string(q.limit));
  AddParam(&query, "cursor", q.cursor);
  AddParam(&query, "event_ticker", q.event_ticker);
  AddParam(&query, "tickers", absl::StrJoin(q.tickers, ","));
  AddParam(&query, "status", q.status);
  ARBOR_ASSIGN_OR_RETURN(std::string body, Call("GET", "/markets", query, "", false, false));
  return ParseMarketsPage(body);
}

absl::StatusOr<std::vector<RestMarket>> RestClient::GetAllMarkets(MarketsQuery query) const {
  std::vector<RestMarket> all;
  for (int page = 0; page < options_.max_pages; ++page) {
    ARBOR_ASSIGN_OR_RETURN(RestPage<RestMarket> p, GetMarkets(query));
    for (RestMarket& m : p.items) all.push_back(std::move(m));
    if (p.cursor.empty()) return all;
    query.cursor = std::move(p.cursor);
  }
  return absl::OutOfRangeError(
      absl::StrCat("kalshi GET /markets: cursor did not end after ", options_.max_pages, " pages"));
}

absl::StatusOr<RestMarket> RestClient::GetMarket(std::string_view ticker) const {
  ARBOR_ASSIGN_OR_RETURN(std::string body, Call("GET", absl::StrCat("/markets/", Encode(ticker)),
                                                "", "", false, false));
  return ParseMarketReply(body);
}

absl::StatusOr<RestPage<RestEvent>> RestClient::GetEvents(const ListQuery& q) const {
  ARBOR_ASSIGN_OR_RETURN(std::string body, Call("GET", "/events", ListParams(q), "", false, false));
  return ParseEventsPage(body);
}

absl::StatusOr<RestEventDetail> RestClient::GetEvent(std::string_view event_ticker) const {
  ARBOR_ASSIGN_OR_RETURN(
      std::string body,
      Call("GET", absl::StrCat("/events/", Encode(event_ticker)), "", "", false, false));
  return ParseEventReply(body);
}

absl::StatusOr<RestOrderbook> RestClient::GetOrderbook(std::string_view ticker, int depth) const {
  std::string query;
  if (depth > 0) AddParam(&query, "depth", std::to_string(depth));
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call("GET", absl::StrCat("/markets/", Encode(ticker), "/orderbook"), query,
                              "", false, false));
  return ParseRestOrderbook(body);
}

absl::StatusOr<RestOrder> RestClient::CreateOrder(const CreateOrderParams& p) const {
  if (p.ticker.empty() || p.client_order_id.empty()) {
    return absl::InvalidArgumentError(
        "kalshi CreateOrder: ticker and client_order_id are required");
  }
  if (!p.count.IsPositive()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi CreateOrder: count must be positive, got ", p.count.ToString()));
  }
  if (!p.price.IsPositive() || p.price >= kPriceOne) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi CreateOrder: price must be in (0, 1), got ", p.price.ToString()));
  }
  JsonWriter w;
  w.BeginObject()
      .Key("ticker")
      .String(p.ticker)
      .Key("client_order_id")
      .String(p.client_order_id)
      .Key("side")
      .String(p.side == Side::kYes ? "yes" : "no")
      .Key("action")
      .String(p.action == Action::kBuy ? "buy" : "sell")
      .Key("type")
      .String("limit")
      .Key("count_fp")
      .String(p.count.ToFixedString(2))
      .Key(p.side == Side::kYes ? "yes_price_dollars" : "no_price_dollars")
      .String(p.price.ToFixedString(4))
      .Key("time_in_force")
      .String(TimeInForceName(p.time_in_force))
      .EndObject();
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call("POST", "/portfolio/orders", "", w.Take(), true, true));
  absl::StatusOr<RestOrder> order = ParseOrderReply(body);
  if (!order.ok())
    return OutcomeUnknown("POST /portfolio/orders", FromAbsl(order.status().message()));
  return order;
}

absl::StatusOr<RestCancel> RestClient::CancelOrder(std::string_view order_id) const {
  ARBOR_ASSIGN_OR_RETURN(
      std::string body,
      Call("DELETE", absl::StrCat("/portfolio/orders/", Encode(order_id)), "", "", true, true));
  absl::StatusOr<RestCancel> cancel = ParseCancelReply(body);
  if (!cancel.ok())
    return OutcomeUnknown("DELETE /portfolio/orders", FromAbsl(cancel.status().message()));
  return cancel;
}

absl::StatusOr<RestOrder> RestClient::GetOrder(std::string_view order_id) const {
  ARBOR_ASSIGN_OR_RETURN(
      std::string body,
      Call("GET", absl::StrCat("/portfolio/orders/", Encode(order_id)), "", "", true, false));
  return ParseOrderReply(body);
}

absl::StatusOr<RestPage<RestOrder>> RestClient::GetOrders(const ListQuery& q) const {
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call("GET", "/portfolio/orders", ListParams(q), "", true, false));
  return ParseOrdersPage(body);
}

absl::StatusOr<RestPage<RestFill>> RestClient::GetFills(const ListQuery& q) const {
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call("GET", "/portfolio/fills", ListParams(q), "", true, false));
  return ParseFillsPage(body);
}

absl::StatusOr<RestPage<RestPosition>> RestClient::GetPositions(const ListQuery& q) const {
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call("GET", "/portfolio/positions", ListParams(q), "", true, false));
  return ParsePositionsPage(body);
}

absl::StatusOr<RestBalance> RestClient::GetBalance() const {
  ARBOR_ASSIGN_OR_RETURN(std::string body, Call("GET", "/portfolio/balance", "", "", true, false));
  return ParseBalance(body);
}

}  // namespace arbor::venue::kalshi
