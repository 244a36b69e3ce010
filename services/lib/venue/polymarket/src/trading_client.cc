#include "arbor/venue/polymarket/trading_client.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::venue::polymarket {
namespace {

// Payload key of the Retry-After seconds on a 429 status.

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Percent-encodes a query component (cursors are base64 and contain '=').
void AppendQueryParam(std::string* out, std::string_view key, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back(out->empty() ? '?' : '&');
  out->append(key.data(), key.size());
  out->push_back('=');
  for (const char c : value) {
    if (IsUnreserved(c)) {
      out->push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out->push_back('%');
      out->push_back(kHex[b >> 4]);
      out->push_back(kHex[b & 0xF]);
    }
  }
}

void AppendOptionalParam(std::string* out, std::string_view key, std::string_view value) {
  if (!value.empty()) AppendQueryParam(out, key, value);
}

// Order ids and condition ids are 0x-hex; token ids decimal. Anything else is refused rather
// than put in a path or query.
absl::Status CheckId(std::string_view what, std::string_view id) {
  if (id.empty() || id.size() > 256 ||
      id.find_first_not_of("0123456789abcdefABCDEFx") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), " must be hex or decimal, got \"", Abbreviate(id), "\""));
  }
  return absl::OkStatus();
}

// The venue's message: the "error" of an error body, else the (abbreviated) body itself.
std::string VenueMessage(std::string_view body) {
  if (absl::StatusOr<std::string> message = ParseErrorBody(body); message.ok()) {
    return std::move(*message);
  }
  return Abbreviate(body, 200);
}

absl::Status RateLimited(std::string_view what, const net::HttpResponse& res, absl::Time now) {
  const std::optional<int64_t> retry = ParseRetryAfterSeconds(res.Header("Retry-After"), now);
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat(ToAbsl(what), ": rate limited (HTTP 429), retry after ",
                   retry ? absl::StrCat(*retry, " s") : std::string("an unspecified delay"), ": ",
                   VenueMessage(res.body)));
  if (retry) SetRetryAfterSeconds(status, *retry);
  return status;
}

// Whether a body is the JSON literal null (the venue's answer for an order that is not active).
bool IsJsonNull(std::string_view body) {
  const size_t begin = body.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return false;
  const size_t end = body.find_last_not_of(" \t\r\n");
  return body.substr(begin, end - begin + 1) == "null";
}

// "LTE=" ends the paging; an empty cursor is taken as the end too (nothing to follow).
bool IsLastCursor(std::string_view cursor) { return cursor.empty() || cursor == kClobEndCursor; }

// Keeps the code of a transport error and says which request it was.
absl::Status Annotate(std::string_view what, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(ToAbsl(what), ": ", status.message()));
}

}  // namespace

std::string_view OrderTypeName(OrderType type) {
  switch (type) {
    case OrderType::kGtc:
      return "GTC";
    case OrderType::kGtd:
      return "GTD";
    case OrderType::kFok:
      return "FOK";
    case OrderType::kFak:
      return "FAK";
  }
  return "GTC";
}

bool IsOutcomeUnknown(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnknown ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

TradingClient::TradingClient(net::HttpClient* http, net::Origin clob, const Secp256k1Signer* key,
                             const Clock* clock, TradingClientOptions options)
    : http_(http), clob_(std::move(clob)), key_(key), clock_(clock), options_(options) {}

std::string TradingClient::Timestamp() const {
  return absl::StrCat(absl::ToUnixSeconds(clock_->Now()));
}

std::shared_ptr<const TradingClient::Credentials> TradingClient::credentials() const {
  std::lock_guard<std::mutex> lock(mu_);
  return creds_;
}

bool TradingClient::has_credentials() const { return credentials() != nullptr; }

absl::Status TradingClient::SetCredentials(const ApiCredentials& credentials) {
  if (credentials.api_key.empty() || credentials.passphrase.empty()) {
    return absl::InvalidArgumentError("api credentials: empty apiKey or passphrase");
  }
  auto creds = std::make_shared<Credentials>();
  ARBOR_ASSIGN_OR_RETURN(creds->signer,
                         L2Signer::Create(key_->address_checksummed(), credentials.api_key,
                                          credentials.secret, credentials.passphrase));
  creds->api_key = credentials.api_key;
  std::lock_guard<std::mutex> lock(mu_);
  creds_ = std::move(creds);
  return absl::OkStatus();
}

absl::StatusOr<net::HttpResponse> TradingClient::SendL1(std::string_view method,
                                                        std::string_view path, uint64_t nonce) {
  ARBOR_ASSIGN_OR_RETURN(L1Headers h, BuildL1Headers(*key_, options_.chain_id, Timestamp(), nonce));
  net::HttpRequest req;
  req.method = std::string(method);
  req.target = std::string(path);
  req.headers.emplace_back("POLY_ADDRESS", std::move(h.poly_address));
  req.headers.emplace_back("POLY_SIGNATURE", std::move(h.poly_signature));
  req.headers.emplace_back("POLY_TIMESTAMP", std::move(h.poly_timestamp));
  req.headers.emplace_back("POLY_NONCE", std::move(h.poly_nonce));
  return http_->Send(clob_, req);
}

absl::StatusOr<net::HttpResponse> TradingClient::SendL2(std::string_view method,
                                                        std::string_view path,
                                                        std::string_view query, std::string body,
                                                        std::shared_ptr<const Credentials> creds) {
  if (creds == nullptr) creds = credentials();
  if (creds == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(ToAbsl(method), " ", ToAbsl(path),
                     ": no API credentials (call SetCredentials first); nothing was sent"));
  }
  L2Headers h = creds->signer->Headers(Timestamp(), method, path, body);
  net::HttpRequest req;
  req.method = std::string(method);
  req.target = absl::StrCat(ToAbsl(path), ToAbsl(query));
  req.headers.emplace_back("POLY_ADDRESS", std::move(h.poly_address));
  req.headers.emplace_back("POLY_SIGNATURE", std::move(h.poly_signature));
  req.headers.emplace_back("POLY_TIMESTAMP", std::move(h.poly_timestamp));
  req.headers.emplace_back("POLY_API_KEY", std::move(h.poly_api_key));
  req.headers.emplace_back("POLY_PASSPHRASE", std::move(h.poly_passphrase));
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = std::move(body);
  }
  return http_->Send(clob_, req);
}

absl::StatusOr<std::string> TradingClient::Checked(absl::StatusOr<net::HttpResponse> response,
                                                   std::string_view what) {
  if (!response.ok()) return Annotate(what, response.status());
  net::HttpResponse& res = *response;
  if (res.status >= 200 && res.status < 300) return std::move(res.body);
  if (res.status == 429) return RateLimited(what, res, clock_->Now());
  if (res.status == 401) {
    return absl::UnauthenticatedError(
        absl::StrCat(ToAbsl(what), ": HTTP 401: ", VenueMessage(res.body)));
  }
  const absl::Status mapped = net::StatusFromHttp(res.status);
  return absl::Status(mapped.code(), absl::StrCat(ToAbsl(what), ": HTTP ", res.status, ": ",
                                                  VenueMessage(res.body)));
}

absl::StatusOr<std::string> TradingClient::SendOrderBody(std::string_view path, std::string body,
                                                         std::shared_ptr<const Credentials> creds) {
  const std::string what = absl::StrCat("POST ", ToAbsl(path));
  absl::StatusOr<net::HttpResponse> response =
      SendL2("POST", path, "", std::move(body), std::move(creds));
  if (!response.ok()) {
    if (IsOutcomeUnknown(response.status())) {
      return absl::UnknownError(absl::StrCat(
          what, ": outcome unknown (the request was sent): ", response.status().message()));
    }
    return Annotate(what, response.status());
  }
  net::HttpResponse& res = *response;
  if (res.status >= 200 && res.status < 300) return std::move(res.body);
  if (res.status == 429) return RateLimited(what, res, clock_->Now());
  if (res.status == 401) {
    return absl::UnauthenticatedError(absl::StrCat(what, ": HTTP 401: ", VenueMessage(res.body)));
  }
  if (res.status >= 400 && res.status < 500) {
    return absl::FailedPreconditionError(absl::StrCat("order rejected: ", VenueMessage(res.body),
                                                      " (", what, " HTTP ", res.status, ")"));
  }
  return absl::UnknownError(
      absl::StrCat(what, ": outcome unknown (HTTP ", res.status, "): ", VenueMessage(res.body)));
}

absl::StatusOr<ApiCredentials> TradingClient::CreateApiKey(uint64_t nonce) {
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Checked(SendL1("POST", "/auth/api-key", nonce), "POST /auth/api-key"));
  return ParseApiCredentials(body);
}

absl::StatusOr<ApiCredentials> TradingClient::DeriveApiKey(uint64_t nonce) {
  ARBOR_ASSIGN_OR_RETURN(std::string body, Checked(SendL1("GET", "/auth/derive-api-key", nonce),
                                                   "GET /auth/derive-api-key"));
  return ParseApiCredentials(body);
}

absl::StatusOr<ApiCredentials> TradingClient::CreateOrDeriveApiKey(uint64_t nonce) {
  absl::StatusOr<ApiCredentials> created = CreateApiKey(nonce);
  if (created.ok()) return created;
  switch (created.status().code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAborted:
      return DeriveApiKey(nonce);
    default:
      return created;
  }
}

namespace {

absl::Status CheckSubmission(const OrderSubmission& s) {
  if (s.order == nullptr || s.signed_order == nullptr) {
    return absl::InvalidArgumentError("order submission without order or signature");
  }
  if (s.post_only && s.type != OrderType::kGtc && s.type != OrderType::kGtd) {
    return absl::FailedPreconditionError(
        absl::StrCat("postOnly is only allowed with GTC/GTD, got ", ToAbsl(OrderTypeName(s.type))));
  }
  return absl::OkStatus();
}

void AppendOrderBody(const OrderSubmission& s, std::string_view owner, std::string* out) {
  out->append(R"({"order":)");
  AppendOrderJson(*s.order, *s.signed_order, out);
  out->append(R"(,"owner":")");
  AppendJsonEscaped(out, owner);
  out->append(R"(","orderType":")");
  out->append(OrderTypeName(s.type));
  out->append(R"(","deferExec":)");
  out->append(s.defer_exec ? "true" : "false");
  out->append(R"(,"postOnly":)");
  out->append(s.post_only ? "true" : "false");
  out->push_back('}');
}

}  // namespace

absl::StatusOr<OrderResponse> TradingClient::PostOrder(const OrderSubmission& submission) {
  ARBOR_RETURN_IF_ERROR(CheckSubmission(submission));
  std::shared_ptr<const Credentials> creds = credentials();
  if (creds == nullptr) {
    return absl::FailedPreconditionError(
        "no API credentials (call SetCredentials first); nothing was sent");
  }
  std::string body;
  body.reserve(1024);
  AppendOrderBody(submission, creds->api_key, &body);
  ARBOR_ASSIGN_OR_RETURN(std::string response, SendOrderBody("/order", std::move(body), creds));
  absl::StatusOr<OrderResponse> parsed = ParseOrderResponse(response);
  if (!parsed.ok()) {
    return absl::UnknownError(absl::StrCat(
        "POST /order: outcome unknown (unparseable 2xx body: ", parsed.status().message(), ")"));
  }
  if (!parsed->Accepted()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "order rejected: ",
        parsed->error_msg.empty() ? std::string("no orderID in the response") : parsed->error_msg,
        " (POST /order success=", parsed->success ? "true" : "false", ")"));
  }
  return parsed;
}

absl::StatusOr<std::vector<BatchLegResult>> TradingClient::PostOrders(
    absl::Span<const OrderSubmission> submissions) {
  if (submissions.empty() || submissions.size() > kMaxBatchOrders) {
    return absl::InvalidArgumentError(absl::StrCat("POST /orders takes 1..", kMaxBatchOrders,
                                                   " orders, got ", submissions.size()));
  }
  for (const OrderSubmission& s : submissions) ARBOR_RETURN_IF_ERROR(CheckSubmission(s));
  std::shared_ptr<const Credentials> creds = credentials();
  if (creds == nullptr) {
    return absl::FailedPreconditionError(
        "no API credentials (call SetCredentials first); nothing was sent");
  }
  std::string body;
  body.reserve(1024 * submissions.size());
  body.push_back('[');
  for (size_t i = 0; i < submissions.size(); ++i) {
    if (i > 0) body.push_back(',');
    AppendOrderBody(submissions[i], creds->api_key, &body);
  }
  body.push_back(']');
  ARBOR_ASSIGN_OR_RETURN(std::string response, SendOrderBody("/orders", std::move(body), creds));
  absl::StatusOr<std::vector<OrderResponse>> parsed = ParseBatchOrderResponse(response);
  if (!parsed.ok()) {
    return absl::UnknownError(absl::StrCat(
        "POST /orders: outcome unknown (unparseable 2xx body: ", parsed.status().message(), ")"));
  }
  if (parsed->size() != submissions.size()) {
    return absl::UnknownError(absl::StrCat("POST /orders: outcome unknown (", parsed->size(),
                                           " results for ", submissions.size(), " orders)"));
  }
  std::vector<BatchLegResult> out;
  out.reserve(parsed->size());
  for (OrderResponse& r : *parsed) out.push_back(BatchLegResult{std::move(r)});
  return out;
}

absl::StatusOr<CancelResponse> TradingClient::CancelOrder(std::string_view order_id) {
  ARBOR_RETURN_IF_ERROR(CheckId("order id", order_id));
  JsonWriter w;
  w.BeginObject().Key("orderID").String(order_id).EndObject();
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Checked(SendL2("DELETE", "/order", "", w.Take()), "DELETE /order"));
  return ParseCancelResponse(body);
}

absl::StatusOr<CancelResponse> TradingClient::CancelOrders(absl::Span<const std::string> ids) {
  if (ids.empty()) return absl::InvalidArgumentError("DELETE /orders: no order ids");
  JsonWriter w;
  w.BeginArray();
  for (const std::string& id : ids) {
    ARBOR_RETURN_IF_ERROR(CheckId("order id", id));
    w.String(id);
  }
  w.EndArray();
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Checked(SendL2("DELETE", "/orders", "", w.Take()), "DELETE /orders"));
  return ParseCancelResponse(body);
}

absl::StatusOr<CancelResponse> TradingClient::CancelAll() {
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Checked(SendL2("DELETE", "/cancel-all", "", {}), "DELETE /cancel-all"));
  return ParseCancelResponse(body);
}

absl::StatusOr<CancelResponse> TradingClient::CancelMarketOrders(std::string_view market,
                                                                 std::string_view asset_id) {
  if (market.empty() && asset_id.empty()) {
    return absl::InvalidArgumentError(
        "DELETE /cancel-market-orders: give a market or an asset id (use CancelAll for all)");
  }
  JsonWriter w;
  w.BeginObject();
  if (!market.empty()) {
    ARBOR_RETURN_IF_ERROR(CheckId("market", market));
    w.Key("market").String(market);
  }
  if (!asset_id.empty()) {
    ARBOR_RETURN_IF_ERROR(CheckId("asset id", asset_id));
    w.Key("asset_id").String(asset_id);
  }
  w.EndObject();
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Checked(SendL2("DELETE", "/cancel-market-orders", "", w.Take()),
                                 "DELETE /cancel-market-orders"));
  return ParseCancelResponse(body);
}

absl::StatusOr<std::string> TradingClient::Paged(std::string_view path,
                                                 const std::string& query_prefix,
                                                 const std::string& cursor) {
  std::string query = query_prefix;
  AppendQueryParam(&query, "next_cursor", cursor);
  return Checked(SendL2("GET", path, query, {}), absl::StrCat("GET ", ToAbsl(path)));
}

absl::StatusOr<std::vector<OrderEvent>> TradingClient::GetOpenOrders(
    const OpenOrdersFilter& filter) {
  std::string query;
  AppendOptionalParam(&query, "id", filter.id);
  AppendOptionalParam(&query, "market", filter.market);
  AppendOptionalParam(&query, "asset_id", filter.asset_id);
  std::vector<OrderEvent> out;
  std::string cursor(kClobFirstCursor);
  for (size_t page = 0; page < options_.max_pages; ++page) {
    ARBOR_ASSIGN_OR_RETURN(std::string body, Paged("/data/orders", query, cursor));
    ARBOR_ASSIGN_OR_RETURN(OpenOrdersPage parsed, ParseOpenOrdersPage(body));
    for (OrderEvent& o : parsed.data) out.push_back(std::move(o));
    if (IsLastCursor(parsed.next_cursor)) return out;
    if (parsed.next_cursor == cursor) {
      return absl::InternalError(
          absl::StrCat("GET /data/orders: the venue repeated cursor \"", Abbreviate(cursor), "\""));
    }
    cursor = std::move(parsed.next_cursor);
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("GET /data/orders: paging stopped after ", options_.max_pages, " pages"));
}

absl::StatusOr<OrderEvent> TradingClient::GetOrder(std::string_view order_id) {
  ARBOR_RETURN_IF_ERROR(CheckId("order id", order_id));
  const std::string path = absl::StrCat("/data/order/", ToAbsl(order_id));
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Checked(SendL2("GET", path, "", {}), absl::StrCat("GET ", path)));
  if (IsJsonNull(body)) {
    return absl::NotFoundError(absl::StrCat("GET ", path, ": no active order with this id"));
  }
  return ParseOpenOrder(body);
}

absl::StatusOr<std::vector<TradeEvent>> TradingClient::GetTrades(const TradesFilter& filter) {
  std::string query;
  AppendOptionalParam(&query, "id", filter.id);
  AppendOptionalParam(&query, "market", filter.market);
  AppendOptionalParam(&query, "asset_id", filter.asset_id);
  AppendOptionalParam(&query, "maker_address", filter.maker_address);
  if (filter.before > 0) AppendQueryParam(&query, "before", absl::StrCat(filter.before));
  if (filter.after > 0) AppendQueryParam(&query, "after", absl::StrCat(filter.after));
  std::vector<TradeEvent> out;
  std::string cursor(kClobFirstCursor);
  for (size_t page = 0; page < options_.max_pages; ++page) {
    ARBOR_ASSIGN_OR_RETURN(std::string body, Paged("/data/trades", query, cursor));
    ARBOR_ASSIGN_OR_RETURN(TradesPage parsed, ParseTradesPage(body));
    for (TradeEvent& t : parsed.data) out.push_back(std::move(t));
    if (IsLastCursor(parsed.next_cursor)) return out;
    if (parsed.next_cursor == cursor) {
      return absl::InternalError(
          absl::StrCat("GET /data/trades: the venue repeated cursor \"", Abbreviate(cursor), "\""));
    }
    cursor = std::move(parsed.next_cursor);
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("GET /data/trades: paging stopped after ", options_.max_pages, " pages"));
}

absl::StatusOr<BalanceAllowance> TradingClient::GetBalanceAllowance(AssetType asset_type,
                                                                    std::string_view token_id) {
  std::string query;
  AppendQueryParam(&query, "asset_type",
                   asset_type == AssetType::kCollateral ? "COLLATERAL" : "CONDITIONAL");
  if (asset_type == AssetType::kConditional) {
    if (token_id.empty() || token_id.find_first_not_of("0123456789") != std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("GET /balance-allowance: CONDITIONAL needs a decimal token id, got \"",
                       Abbreviate(token_id), "\""));
    }
    AppendQueryParam(&query, "token_id", token_id);
  }
  AppendQueryParam(&query, "signature_type", absl::StrCat(options_.signature_type));
  ARBOR_ASSIGN_OR_RETURN(std::string body, Checked(SendL2("GET", "/balance-allowance", query, {}),
                                                   "GET /balance-allowance"));
  return ParseBalanceAllowance(body);
}

absl::StatusOr<std::string> TradingClient::PostHeartbeat(std::string_view last_id) {
  JsonWriter w;
  w.BeginObject().Key("heartbeat_id").String(last_id).EndObject();
  ARBOR_ASSIGN_OR_RETURN(std::string body, Checked(SendL2("POST", "/v1/heartbeats", "", w.Take()),
                                                   "POST /v1/heartbeats"));
  return ParseHeartbeatResponse(body);
}

}  // namespace arbor::venue::polymarket
