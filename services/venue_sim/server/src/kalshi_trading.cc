#include "arbor/sim/kalshi_trading.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/sim/kalshi_feed.h"
#include "arbor/venue/kalshi/fees.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

namespace kalshi = ::arbor::venue::kalshi;

constexpr std::string_view kApi = "/trade-api/v2";

// Kalshi's nested error shape {"error":{"code":...,"message":...}}.
HttpReply KalshiError(int status, std::string_view code, absl::string_view message) {
  JsonWriter w;
  w.BeginObject()
      .Key("error")
      .BeginObject()
      .Key("code")
      .String(code)
      .Key("message")
      .String(FromAbsl(message))
      .EndObject()
      .EndObject();
  return HttpReply::Json(status, w.Take());
}

HttpReply BadRequest(absl::string_view message) {
  return KalshiError(400, "invalid_parameters", message);
}

std::string Rfc3339(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

// Whole cents of a price in [0, 1] (prices on the twins' cent grid are exact).
int64_t Cents(Price p) { return p.micros() / 10'000; }
// Whole contracts, truncated (legacy integer count fields).
int64_t Contracts(Quantity q) { return q.micros() / 1'000'000; }
// Money in whole cents, rounded toward zero (legacy integer cent fields).
int64_t MoneyCents(Money m) { return m.micros() / 10'000; }

// Offset-based cursor: the decimal index of the next item, "" when there is none.
struct Page {
  size_t start = 0;
  size_t limit = 0;
};

absl::StatusOr<Page> ParsePage(const HttpRequest& r, const KalshiTradingOptions& o) {
  Page page;
  page.limit = static_cast<size_t>(o.default_page_limit);
  const std::string_view limit = r.Query("limit");
  if (!limit.empty()) {
    int v = 0;
    if (!absl::SimpleAtoi(ToAbsl(limit), &v) || v < 1 || v > o.max_page_limit) {
      return absl::InvalidArgumentError(
          absl::StrCat("limit must be in [1, ", o.max_page_limit, "], got '", ToAbsl(limit), "'"));
    }
    page.limit = static_cast<size_t>(v);
  }
  const std::string_view cursor = r.Query("cursor");
  if (!cursor.empty()) {
    uint64_t v = 0;
    if (!absl::SimpleAtoi(ToAbsl(cursor), &v)) {
      return absl::InvalidArgumentError(absl::StrCat("bad cursor '", ToAbsl(cursor), "'"));
    }
    page.start = static_cast<size_t>(v);
  }
  return page;
}

std::string NextCursor(size_t end, size_t total) {
  return end < total ? std::to_string(end) : std::string();
}

// Best price of a Kalshi bid ladder (0 = YES, 1 = NO) and its size; zero when empty.
std::pair<Price, Quantity> BestBid(const MarketEngine& e, int ladder) {
  std::map<Price, Quantity> levels;
  for (const auto& [p, q] : e.Levels(ladder, Side::kBuy)) levels[p] += q;
  for (const auto& [p, q] : e.Levels(1 - ladder, Side::kSell)) levels[Complement(p)] += q;
  if (levels.empty()) return {Price(), Quantity()};
  return *levels.rbegin();
}

const char* OutcomeName(int outcome) { return outcome == 0 ? "yes" : "no"; }
const char* ActionName(Side action) { return action == Side::kBuy ? "buy" : "sell"; }

// Reads an optional string member; absent or null leaves `out` untouched.
absl::Status OptString(simdjson::dom::object obj, std::string_view key, std::string_view* out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return absl::OkStatus();
  if (e.get_string().get(*out) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat("field '", ToAbsl(key), "' must be a string"));
  }
  return absl::OkStatus();
}

// Reads an optional integer member into `out`; returns whether it was present.
absl::StatusOr<bool> OptInt(simdjson::dom::object obj, std::string_view key, int64_t* out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return false;
  if (e.get_int64().get(*out) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat("field '", ToAbsl(key), "' must be an integer"));
  }
  return true;
}

// A price from `<side>_price_dollars` (string) or legacy `<side>_price` (cents); zero if absent.
absl::StatusOr<Price> ReadOrderPrice(simdjson::dom::object obj, std::string_view side) {
  const std::string dollars_key = absl::StrCat(ToAbsl(side), "_price_dollars");
  std::string_view text;
  ARBOR_RETURN_IF_ERROR(OptString(obj, dollars_key, &text));
  if (!text.empty()) {
    absl::StatusOr<Price> p = Price::Parse(text);
    if (!p.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", dollars_key, "': ", p.status().message()));
    }
    return *p;
  }
  const std::string cents_key = absl::StrCat(ToAbsl(side), "_price");
  int64_t cents = 0;
  ARBOR_ASSIGN_OR_RETURN(bool present, OptInt(obj, cents_key, &cents));
  if (!present) return Price();
  if (cents < 1 || cents > 99) {
    return absl::InvalidArgumentError(absl::StrCat("field '", cents_key, "' must be in [1, 99]"));
  }
  return Price::FromMicros(cents * 10'000);
}

}  // namespace

KalshiTrading::KalshiTrading(Exchange& exchange, const Clock& clock, KalshiTradingOptions options)
    : exchange_(exchange), clock_(clock), options_(options) {
  std::set<std::string> seen;
  for (const KalshiTwin& t : exchange_.universe().kalshi) {
    if (seen.insert(t.event_ticker).second) event_tickers_.push_back(t.event_ticker);
  }
  exchange_.AddTradeListener(
      [this](const MarketEngine& engine, const Trade& trade) { OnTrade(engine, trade); });
}

std::string KalshiTrading::AccountOf(std::string_view key_id) {
  return absl::StrCat("kalshi:", ToAbsl(key_id));
}

int64_t KalshiTrading::NowMs() const { return absl::ToUnixMillis(clock_.Now()); }

absl::Status KalshiTrading::RegisterKey(std::string key_id, std::string_view public_key_pem) {
  if (key_id.empty()) return absl::InvalidArgumentError("kalshi key id is empty");
  if (keys_.contains(key_id)) {
    return absl::AlreadyExistsError(absl::StrCat("kalshi key '", key_id, "' already registered"));
  }
  absl::StatusOr<kalshi::SignatureVerifier> verifier =
      kalshi::SignatureVerifier::FromPublicKeyPem(public_key_pem);
  if (!verifier.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi key '", key_id, "': bad public key: ", verifier.status().message()));
  }
  const std::string account = AccountOf(key_id);
  keys_.emplace(std::move(key_id), *std::move(verifier));
  accounts_[account];
  exchange_.ledger().Deposit(account, options_.initial_balance);
  return absl::OkStatus();
}

absl::StatusOr<std::string> KalshiTrading::Authenticate(
    std::string_view key_id, std::string_view timestamp_ms, std::string_view signature,
    std::string_view method, std::string_view path, int64_t now_ms) const {
  if (key_id.empty() || timestamp_ms.empty() || signature.empty()) {
    return absl::UnauthenticatedError("missing KALSHI-ACCESS-* headers");
  }
  auto it = keys_.find(ToAbsl(key_id));
  if (it == keys_.end()) return absl::UnauthenticatedError("unknown API key");
  int64_t ts = 0;
  if (!absl::SimpleAtoi(ToAbsl(timestamp_ms), &ts)) {
    return absl::UnauthenticatedError("KALSHI-ACCESS-TIMESTAMP is not a decimal millisecond time");
  }
  const int64_t skew = ts > now_ms ? ts - now_ms : now_ms - ts;
  if (skew > options_.max_timestamp_skew_ms) {
    return absl::UnauthenticatedError(
        absl::StrCat("stale KALSHI-ACCESS-TIMESTAMP: ", skew, " ms from server time"));
  }
  absl::Status s = it->second.Verify(kalshi::SigningMessage(ts, method, path), signature);
  if (!s.ok()) return absl::UnauthenticatedError("invalid KALSHI-ACCESS-SIGNATURE");
  return AccountOf(key_id);
}

absl::StatusOr<std::string> KalshiTrading::Authorize(const HttpRequest& r, HttpReply* reply) const {
  absl::StatusOr<std::string> account =
      Authenticate(r.Header("kalshi-access-key"), r.Header("kalshi-access-timestamp"),
                   r.Header("kalshi-access-signature"), r.method, r.path, NowMs());
  if (!account.ok()) *reply = KalshiError(401, "unauthorized", account.status().message());
  return account;
}

void KalshiTrading::Attach(HttpServer& kalshi) {
  const std::string api(kApi);
  kalshi.Route("GET", api + "/markets", [this](const HttpRequest& r) { return GetMarkets(r); });
  kalshi.RoutePrefix("GET", api + "/markets/",
                     [this](const HttpRequest& r) { return GetMarketPath(r); });
  kalshi.Route("GET", api + "/events", [this](const HttpRequest& r) { return GetEvents(r); });
  kalshi.RoutePrefix("GET", api + "/events/",
                     [this](const HttpRequest& r) { return GetEventPath(r); });
  kalshi.Route("POST", api + "/portfolio/orders",
               [this](const HttpRequest& r) { return CreateOrder(r); });
  kalshi.Route("GET", api + "/portfolio/orders",
               [this](const HttpRequest& r) { return GetOrders(r); });
  for (const char* method : {"GET", "DELETE"}) {
    kalshi.RoutePrefix(method, api + "/portfolio/orders/",
                       [this](const HttpRequest& r) { return OrderPath(r); });
  }
  kalshi.Route("GET", api + "/portfolio/fills",
               [this](const HttpRequest& r) { return GetFills(r); });
  kalshi.Route("GET", api + "/portfolio/positions",
               [this](const HttpRequest& r) { return GetPositions(r); });
  kalshi.Route("GET", api + "/portfolio/balance",
               [this](const HttpRequest& r) { return GetBalance(r); });
}

// ---- market data -------------------------------------------------------------------------

std::string KalshiTrading::MarketJson(int twin) const {
  const KalshiTwin& t = exchange_.universe().kalshi[static_cast<size_t>(twin)];
  const SimMarket& m = exchange_.universe().markets[static_cast<size_t>(t.polymarket_market)];
  const MarketEngine& e = exchange_.kalshi_engine(twin);
  const auto [yes_bid, yes_bid_size] = BestBid(e, 0);
  const auto [no_bid, no_bid_size] = BestBid(e, 1);
  // An empty opposite ladder leaves no ask: Kalshi shows 1.00 then.
  const Price yes_ask = no_bid_size.IsZero() ? kPriceOne : Complement(no_bid);
  const Price no_ask = yes_bid_size.IsZero() ? kPriceOne : Complement(yes_bid);
  const std::string close = Rfc3339(m.end_unix_s * 1000);
  // A resolved market reports the venue's "determined" status with its result.
  const bool determined = t.status == MarketStatus::kResolved;
  JsonWriter w;
  w.BeginObject()
      .Key("ticker")
      .String(t.ticker)
      .Key("market_id")
      .String(t.market_id)
      .Key("event_ticker")
      .String(t.event_ticker)
      .Key("market_type")
      .String("binary")
      .Key("title")
      .String(m.question)
      .Key("status")
      .String(determined ? "determined" : "active")
      .Key("yes_bid_dollars")
      .String(yes_bid.ToFixedString(4))
      .Key("yes_ask_dollars")
      .String(yes_ask.ToFixedString(4))
      .Key("no_bid_dollars")
      .String(no_bid.ToFixedString(4))
      .Key("no_ask_dollars")
      .String(no_ask.ToFixedString(4))
      .Key("yes_bid_size_fp")
      .String(yes_bid_size.ToFixedString(2))
      .Key("yes_ask_size_fp")
      .String(no_bid_size.ToFixedString(2))
      .Key("last_price_dollars")
      .String(Price().ToFixedString(4))
      .Key("volume_fp")
      .String("0.00")
      .Key("volume_24h_fp")
      .String("0.00")
      .Key("open_interest_fp")
      .String("0.00")
      .Key("liquidity_dollars")
      .String("0.0000")
      .Key("notional_value_dollars")
      .String("1.0000")
      .Key("open_time")
      .String(Rfc3339(0))
      .Key("close_time")
      .String(close)
      .Key("latest_expiration_time")
      .String(close)
      .Key("price_level_structure")
      .String("linear_cent")
      .Key("price_ranges")
      .BeginArray()
      .BeginObject()
      .Key("start")
      .String("0.0000")
      .Key("end")
      .String("1.0000")
      .Key("step")
      .String(e.config().tick.ToFixedString(4))
      .EndObject()
      .EndArray()
      .Key("fractional_trading_enabled")
      .Bool(false)
      .Key("result")
      .String(determined ? (t.winning_outcome == 0 ? "yes" : "no") : "")
      .Key("rules_primary")
      .String(m.question)
      .EndObject();
  return w.Take();
}

HttpReply KalshiTrading::GetMarkets(const HttpRequest& r) const {
  absl::StatusOr<Page> page = ParsePage(r, options_);
  if (!page.ok()) return BadRequest(page.status().message());
  const std::string_view status = r.Query("status");
  if (!status.empty() && status != "open" && status != "active" && status != "unopened" &&
      status != "closed" && status != "settled") {
    return BadRequest(absl::StrCat("unknown status filter '", ToAbsl(status), "'"));
  }
  // open/active = open markets, closed = determined ones; nothing is unopened or settled.
  const bool want_open = status.empty() || status == "open" || status == "active";
  const bool want_closed = status.empty() || status == "closed";
  const std::string_view event = r.Query("event_ticker");
  std::vector<std::string> tickers;
  if (!r.Query("tickers").empty()) {
    tickers = absl::StrSplit(ToAbsl(r.Query("tickers")), ',', absl::SkipEmpty());
  }
  std::vector<int> matches;
  const auto& twins = exchange_.universe().kalshi;
  for (size_t i = 0; i < twins.size(); ++i) {
    if (twins[i].status == MarketStatus::kUnlisted) continue;
    if (!(twins[i].status == MarketStatus::kOpen ? want_open : want_closed)) continue;
    if (!event.empty() && twins[i].event_ticker != event) continue;
    if (!tickers.empty() &&
        std::find(tickers.begin(), tickers.end(), twins[i].ticker) == tickers.end()) {
      continue;
    }
    matches.push_back(static_cast<int>(i));
  }
  const size_t end = std::min(matches.size(), page->start + page->limit);
  JsonWriter w;
  w.BeginObject().Key("markets").BeginArray();
  for (size_t i = page->start; i < end; ++i) w.Raw(MarketJson(matches[i]));
  w.EndArray().Key("cursor").String(NextCursor(end, matches.size())).EndObject();
  return HttpReply::Json(200, w.Take());
}

HttpReply KalshiTrading::GetMarketPath(const HttpRequest& r) const {
  constexpr std::string_view kSuffix = "/orderbook";
  std::string_view rest = std::string_view(r.path).substr(kApi.size() + 9);  // after /markets/
  const bool orderbook =
      rest.size() > kSuffix.size() && rest.substr(rest.size() - kSuffix.size()) == kSuffix;
  if (orderbook) rest.remove_suffix(kSuffix.size());
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return KalshiError(404, "not_found", "not found");
  }
  const int twin = exchange_.KalshiTwinOfTicker(rest);
  if (twin < 0) {
    return KalshiError(404, "not_found", absl::StrCat("market ", ToAbsl(rest), " not found"));
  }
  if (orderbook)
    return HttpReply::Json(200, KalshiRestOrderbookJson(exchange_.kalshi_engine(twin)));
  return HttpReply::Json(200, absl::StrCat("{\"market\":", MarketJson(twin), "}"));
}

bool KalshiTrading::EventListed(std::string_view event_ticker) const {
  for (const KalshiTwin& t : exchange_.universe().kalshi) {
    if (t.event_ticker == event_ticker && t.status != MarketStatus::kUnlisted) return true;
  }
  return false;
}

std::string KalshiTrading::EventJson(std::string_view event_ticker) const {
  std::string title;
  std::string category;
  for (const KalshiTwin& t : exchange_.universe().kalshi) {
    if (t.event_ticker != event_ticker) continue;
    const SimMarket& m = exchange_.universe().markets[static_cast<size_t>(t.polymarket_market)];
    title = m.question;
    category = m.category;
    break;
  }
  JsonWriter w;
  w.BeginObject()
      .Key("event_ticker")
      .String(event_ticker)
      .Key("series_ticker")
      .String(event_ticker.substr(0, event_ticker.find('-')))
      .Key("title")
      .String(title)
      .Key("sub_title")
      .String("")
      .Key("category")
      .String(category)
      .Key("mutually_exclusive")
      .Bool(false)
      .EndObject();
  return w.Take();
}

HttpReply KalshiTrading::GetEvents(const HttpRequest& r) const {
  absl::StatusOr<Page> page = ParsePage(r, options_);
  if (!page.ok()) return BadRequest(page.status().message());
  std::set<std::string_view> listed;  // events with a listed market
  for (const KalshiTwin& t : exchange_.universe().kalshi) {
    if (t.status != MarketStatus::kUnlisted) listed.insert(t.event_ticker);
  }
  std::vector<std::string_view> visible;
  for (const std::string& e : event_tickers_) {
    if (listed.contains(e)) visible.push_back(e);
  }
  const size_t end = std::min(visible.size(), page->start + page->limit);
  JsonWriter w;
  w.BeginObject().Key("events").BeginArray();
  for (size_t i = page->start; i < end; ++i) w.Raw(EventJson(visible[i]));
  w.EndArray().Key("cursor").String(NextCursor(end, visible.size())).EndObject();
  return HttpReply::Json(200, w.Take());
}

HttpReply KalshiTrading::GetEventPath(const HttpRequest& r) const {
  const std::string_view ticker = std::string_view(r.path).substr(kApi.size() + 8);  // /events/
  if (!EventListed(ticker)) {
    return KalshiError(404, "not_found", absl::StrCat("event ", ToAbsl(ticker), " not found"));
  }
  JsonWriter w;
  w.BeginObject().Key("event").Raw(EventJson(ticker)).Key("markets").BeginArray();
  const auto& twins = exchange_.universe().kalshi;
  for (size_t i = 0; i < twins.size(); ++i) {
    if (twins[i].event_ticker == ticker && twins[i].status != MarketStatus::kUnlisted) {
      w.Raw(MarketJson(static_cast<int>(i)));
    }
  }
  w.EndArray().EndObject();
  return HttpReply::Json(200, w.Take());
}

// ---- orders ------------------------------------------------------------------------------

std::string KalshiTrading::OrderStatus(const OrderRecord& order) const {
  const Order* o = exchange_.kalshi_engine(order.twin).Find(order.engine_id);
  if (o == nullptr || o->state == OrderState::kCanceled || o->state == OrderState::kExpired) {
    return "canceled";
  }
  return o->state == OrderState::kFilled ? "executed" : "resting";
}

std::string KalshiTrading::OrderJson(const OrderRecord& order) const {
  const std::string status = OrderStatus(order);
  const Price yes_price = order.outcome == 0 ? order.price : Complement(order.price);
  const Quantity remaining =
      status == "resting" ? order.initial_count - order.fill_count : Quantity();
  const KalshiTwin& t = exchange_.universe().kalshi[static_cast<size_t>(order.twin)];
  JsonWriter w;
  w.BeginObject()
      .Key("order_id")
      .String(order.order_id)
      .Key("user_id")
      .String(order.account)
      .Key("client_order_id")
      .String(order.client_order_id)
      .Key("ticker")
      .String(t.ticker)
      .Key("side")
      .String(OutcomeName(order.outcome))
      .Key("action")
      .String(ActionName(order.action))
      .Key("type")
      .String("limit")
      .Key("time_in_force")
      .String(order.time_in_force)
      .Key("status")
      .String(status)
      .Key("yes_price")
      .Int(Cents(yes_price))
      .Key("no_price")
      .Int(Cents(Complement(yes_price)))
      .Key("yes_price_dollars")
      .String(yes_price.ToFixedString(4))
      .Key("no_price_dollars")
      .String(Complement(yes_price).ToFixedString(4))
      .Key("initial_count")
      .Int(Contracts(order.initial_count))
      .Key("initial_count_fp")
      .String(order.initial_count.ToFixedString(2))
      .Key("fill_count")
      .Int(Contracts(order.fill_count))
      .Key("fill_count_fp")
      .String(order.fill_count.ToFixedString(2))
      .Key("remaining_count")
      .Int(Contracts(remaining))
      .Key("remaining_count_fp")
      .String(remaining.ToFixedString(2))
      .Key("taker_fees")
      .Int(MoneyCents(order.taker_fees))
      .Key("maker_fees")
      .Int(MoneyCents(order.maker_fees))
      .Key("taker_fees_dollars")
      .String(order.taker_fees.ToFixedString(4))
      .Key("maker_fees_dollars")
      .String(order.maker_fees.ToFixedString(4))
      .Key("taker_fill_cost_dollars")
      .String(order.taker_fill_cost.ToFixedString(4))
      .Key("maker_fill_cost_dollars")
      .String(order.maker_fill_cost.ToFixedString(4))
      .Key("created_time")
      .String(Rfc3339(order.created_ms))
      .Key("last_update_time")
      .String(Rfc3339(order.updated_ms))
      .EndObject();
  return w.Take();
}

HttpReply KalshiTrading::CreateOrder(const HttpRequest& r) {
  HttpReply reply;
  absl::StatusOr<std::string> account = Authorize(r, &reply);
  if (!account.ok()) return reply;
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (parser.parse(r.body).get(body) != simdjson::SUCCESS) {
    return BadRequest("request body is not a JSON object");
  }
  std::string_view ticker, side, action, type = "limit", tif = "good_till_canceled", coid;
  for (auto [key, out] : {std::pair<std::string_view, std::string_view*>{"ticker", &ticker},
                          {"side", &side},
                          {"action", &action},
                          {"type", &type},
                          {"time_in_force", &tif},
                          {"client_order_id", &coid}}) {
    absl::Status s = OptString(body, key, out);
    if (!s.ok()) return BadRequest(s.message());
  }
  if (ticker.empty() || side.empty() || action.empty()) {
    return KalshiError(400, "missing_parameters", "ticker, side and action are required");
  }
  const int twin = exchange_.KalshiTwinOfTicker(ticker);
  if (twin < 0) {
    return KalshiError(404, "not_found", absl::StrCat("market ", ToAbsl(ticker), " not found"));
  }
  if (exchange_.kalshi_status(twin) != MarketStatus::kOpen) {
    return KalshiError(400, "market_closed", absl::StrCat("market ", ToAbsl(ticker), " is closed"));
  }
  if (side != "yes" && side != "no") return BadRequest("side must be 'yes' or 'no'");
  if (action != "buy" && action != "sell") return BadRequest("action must be 'buy' or 'sell'");
  if (type != "limit") return BadRequest("only type 'limit' is supported");
  TimeInForce engine_tif = TimeInForce::kGtc;
  if (tif == "immediate_or_cancel") {
    engine_tif = TimeInForce::kFak;
  } else if (tif == "fill_or_kill") {
    engine_tif = TimeInForce::kFok;
  } else if (tif != "good_till_canceled") {
    return BadRequest(absl::StrCat("unknown time_in_force '", ToAbsl(tif), "'"));
  }
  // Count: count_fp (string) or legacy count (integer contracts).
  Quantity count;
  std::string_view count_fp;
  if (absl::Status s = OptString(body, "count_fp", &count_fp); !s.ok())
    return BadRequest(s.message());
  if (!count_fp.empty()) {
    absl::StatusOr<Quantity> q = Quantity::Parse(count_fp);
    if (!q.ok()) return BadRequest(absl::StrCat("field 'count_fp': ", q.status().message()));
    count = *q;
  } else {
    int64_t n = 0;
    absl::StatusOr<bool> present = OptInt(body, "count", &n);
    if (!present.ok()) return BadRequest(present.status().message());
    if (*present) count = Quantity::FromUnits(n);
  }
  if (!count.IsPositive()) return KalshiError(400, "missing_parameters", "count must be positive");
  // Price in the order's side; the other side's price is accepted as its complement.
  const int outcome = side == "yes" ? 0 : 1;
  absl::StatusOr<Price> own = ReadOrderPrice(body, side);
  absl::StatusOr<Price> other = ReadOrderPrice(body, outcome == 0 ? "no" : "yes");
  if (!own.ok()) return BadRequest(own.status().message());
  if (!other.ok()) return BadRequest(other.status().message());
  Price price = *own;
  if (price.IsZero() && other->IsPositive()) price = Complement(*other);
  if (!price.IsPositive() || price >= kPriceOne) {
    return KalshiError(400, "missing_parameters",
                       "a price in (0, 1) is required: yes_price[_dollars] or no_price[_dollars]");
  }
  AccountState& state = accounts_[*account];
  if (!coid.empty() && state.client_order_ids.contains(ToAbsl(coid))) {
    return KalshiError(
        409, "order_already_exists",
        absl::StrCat("an order with client_order_id '", ToAbsl(coid), "' already exists"));
  }
  const Side engine_side = action == "buy" ? Side::kBuy : Side::kSell;
  MarketEngine& engine = exchange_.kalshi_engine(twin);
  if (engine_side == Side::kBuy) {
    // The engine locks price x count; the taker fee comes on top, so check for it here.
    absl::StatusOr<Money> fee =
        kalshi::QuadraticFee(kalshi::FeeRole::kTaker, price, count,
                             kalshi::Multiplier::FromUnits(1), kalshi::FeeRounding::kCent);
    if (fee.ok() &&
        exchange_.ledger().AvailableCash(*account) < Notional(price, count, Rounding::kUp) + *fee) {
      return KalshiError(400, "insufficient_balance", "insufficient balance for this order");
    }
  }
  const int64_t now = NowMs();
  OrderRecord record;
  record.twin = twin;
  record.account = *account;
  record.client_order_id = std::string(coid);
  record.outcome = outcome;
  record.action = engine_side;
  record.time_in_force = std::string(tif);
  record.price = price;
  record.initial_count = count;
  record.created_ms = now;
  record.updated_ms = now;
  OrderRequest request{*account, outcome, engine_side, price, count, engine_tif, 0};
  placing_ = &record;
  absl::StatusOr<PlaceResult> placed = engine.Place(request, now);
  placing_ = nullptr;
  if (!placed.ok()) {
    if (placed.status().code() == absl::StatusCode::kFailedPrecondition) {
      return KalshiError(400, "insufficient_balance", placed.status().message());
    }
    return BadRequest(placed.status().message());
  }
  char id[40];
  std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(placed->order_id));
  record.order_id = id;
  record.engine_id = placed->order_id;
  // Fills recorded while placing carried no order id yet.
  for (FillRecord& f : state.fills) {
    if (f.order_id.empty()) f.order_id = record.order_id;
  }
  const std::string order_id = record.order_id;
  state.order_ids.push_back(order_id);
  if (!coid.empty()) state.client_order_ids[ToAbsl(coid)] = order_id;
  order_of_engine_id_[record.engine_id] = order_id;
  const OrderRecord& stored = orders_.emplace(order_id, std::move(record)).first->second;
  return HttpReply::Json(201, absl::StrCat("{\"order\":", OrderJson(stored), "}"));
}

HttpReply KalshiTrading::OrderPath(const HttpRequest& r) {
  HttpReply reply;
  absl::StatusOr<std::string> account = Authorize(r, &reply);
  if (!account.ok()) return reply;
  const std::string_view id = std::string_view(r.path).substr(kApi.size() + 18);  // orders/
  auto it = orders_.find(ToAbsl(id));
  if (it == orders_.end() || it->second.account != *account) {
    return KalshiError(404, "not_found", absl::StrCat("order ", ToAbsl(id), " not found"));
  }
  OrderRecord& order = it->second;
  if (r.method == "GET")
    return HttpReply::Json(200, absl::StrCat("{\"order\":", OrderJson(order), "}"));
  const Quantity before = order.initial_count - order.fill_count;
  absl::Status s = exchange_.kalshi_engine(order.twin).Cancel(*account, order.engine_id);
  if (!s.ok()) {
    return KalshiError(404, "not_found",
                       absl::StrCat("order ", ToAbsl(id), " is not resting: ", s.message()));
  }
  order.updated_ms = NowMs();
  JsonWriter w;
  w.BeginObject()
      .Key("order")
      .Raw(OrderJson(order))
      .Key("reduced_by")
      .Int(Contracts(before))
      .Key("reduced_by_fp")
      .String(before.ToFixedString(2))
      .EndObject();
  return HttpReply::Json(200, w.Take());
}

HttpReply KalshiTrading::GetOrders(const HttpRequest& r) const {
  HttpReply reply;
  absl::StatusOr<std::string> account = Authorize(r, &reply);
  if (!account.ok()) return reply;
  absl::StatusOr<Page> page = ParsePage(r, options_);
  if (!page.ok()) return BadRequest(page.status().message());
  const std::string_view status = r.Query("status");
  const std::string_view ticker = r.Query("ticker");
  std::vector<const OrderRecord*> matches;
  auto acc = accounts_.find(*account);
  if (acc != accounts_.end()) {
    for (const std::string& id : acc->second.order_ids) {
      const OrderRecord& o = orders_.at(id);
      if (!status.empty() && OrderStatus(o) != status) continue;
      if (!ticker.empty() &&
          exchange_.universe().kalshi[static_cast<size_t>(o.twin)].ticker != ticker) {
        continue;
      }
      matches.push_back(&o);
    }
  }
  const size_t end = std::min(matches.size(), page->start + page->limit);
  JsonWriter w;
  w.BeginObject().Key("orders").BeginArray();
  for (size_t i = page->start; i < end; ++i) w.Raw(OrderJson(*matches[i]));
  w.EndArray().Key("cursor").String(NextCursor(end, matches.size())).EndObject();
  return HttpReply::Json(200, w.Take());
}

// ---- fills, positions, balance ------------------------------------------------------------

void KalshiTrading::OnTrade(const MarketEngine& engine, const Trade& trade) {
  if (exchange_.KalshiTwinOfTicker(engine.config().condition_id) < 0) return;
  if (placing_ != nullptr && trade.taker_account == placing_->account) {
    RecordFill(*placing_, trade, true);
  }
  auto maker = order_of_engine_id_.find(trade.maker_order_id);
  if (maker != order_of_engine_id_.end()) RecordFill(orders_.at(maker->second), trade, false);
}

void KalshiTrading::RecordFill(OrderRecord& order, const Trade& trade, bool is_taker) {
  const int outcome = is_taker ? trade.taker_outcome : trade.maker_outcome;
  const Price own_price = is_taker ? trade.taker_price : trade.maker_price;
  Money fee;
  if (is_taker) {
    absl::StatusOr<Money> f =
        kalshi::QuadraticFee(kalshi::FeeRole::kTaker, own_price, trade.size,
                             kalshi::Multiplier::FromUnits(1), kalshi::FeeRounding::kCent);
    if (f.ok()) fee = *f;
    exchange_.ledger().AddCash(order.account, -fee);
    order.taker_fees += fee;
    order.taker_fill_cost += trade.taker_cash;
  } else {
    order.maker_fill_cost += trade.maker_cash;
  }
  order.fill_count += trade.size;
  order.updated_ms = NowMs();
  AccountState& state = accounts_[order.account];
  FillRecord fill;
  fill.fill_id = absl::StrCat("fill-", next_fill_++);
  fill.trade_id = trade.trade_id;
  fill.order_id = order.order_id;  // empty while the taker order is being placed
  fill.client_order_id = order.client_order_id;
  fill.twin = order.twin;
  fill.outcome = outcome;
  fill.action = order.action;
  fill.count = trade.size;
  fill.yes_price = outcome == 0 ? own_price : Complement(own_price);
  fill.is_taker = is_taker;
  fill.fee = fee;
  fill.ts_ms = order.updated_ms;
  state.fills.push_back(std::move(fill));
  PositionStats& pos = state.positions[order.twin];
  pos.fees_paid += fee;
  pos.total_traded += is_taker ? trade.taker_cash : trade.maker_cash;
}

std::string KalshiTrading::FillJson(const FillRecord& f) const {
  const KalshiTwin& t = exchange_.universe().kalshi[static_cast<size_t>(f.twin)];
  JsonWriter w;
  w.BeginObject()
      .Key("fill_id")
      .String(f.fill_id)
      .Key("trade_id")
      .String(std::to_string(f.trade_id))
      .Key("order_id")
      .String(f.order_id)
      .Key("client_order_id")
      .String(f.client_order_id)
      .Key("ticker")
      .String(t.ticker)
      .Key("market_ticker")
      .String(t.ticker)
      .Key("side")
      .String(OutcomeName(f.outcome))
      .Key("action")
      .String(ActionName(f.action))
      .Key("count")
      .Int(Contracts(f.count))
      .Key("count_fp")
      .String(f.count.ToFixedString(2))
      .Key("yes_price")
      .Int(Cents(f.yes_price))
      .Key("no_price")
      .Int(Cents(Complement(f.yes_price)))
      .Key("yes_price_dollars")
      .String(f.yes_price.ToFixedString(4))
      .Key("no_price_dollars")
      .String(Complement(f.yes_price).ToFixedString(4))
      .Key("is_taker")
      .Bool(f.is_taker)
      .Key("fee_cost")
      .String(f.fee.ToFixedString(4))
      .Key("created_time")
      .String(Rfc3339(f.ts_ms))
      .Key("ts")
      .Int(f.ts_ms / 1000)
      .EndObject();
  return w.Take();
}

HttpReply KalshiTrading::GetFills(const HttpRequest& r) const {
  HttpReply reply;
  absl::StatusOr<std::string> account = Authorize(r, &reply);
  if (!account.ok()) return reply;
  absl::StatusOr<Page> page = ParsePage(r, options_);
  if (!page.ok()) return BadRequest(page.status().message());
  const std::string_view ticker = r.Query("ticker");
  const std::string_view order_id = r.Query("order_id");
  std::vector<const FillRecord*> matches;
  auto acc = accounts_.find(*account);
  if (acc != accounts_.end()) {
    for (const FillRecord& f : acc->second.fills) {
      if (!ticker.empty() &&
          exchange_.universe().kalshi[static_cast<size_t>(f.twin)].ticker != ticker) {
        continue;
      }
      if (!order_id.empty() && f.order_id != order_id) continue;
      matches.push_back(&f);
    }
  }
  const size_t end = std::min(matches.size(), page->start + page->limit);
  JsonWriter w;
  w.BeginObject().Key("fills").BeginArray();
  for (size_t i = page->start; i < end; ++i) w.Raw(FillJson(*matches[i]));
  w.EndArray().Key("cursor").String(NextCursor(end, matches.size())).EndObject();
  return HttpReply::Json(200, w.Take());
}

HttpReply KalshiTrading::GetPositions(const HttpRequest& r) const {
  HttpReply reply;
  absl::StatusOr<std::string> account = Authorize(r, &reply);
  if (!account.ok()) return reply;
  absl::StatusOr<Page> page = ParsePage(r, options_);
  if (!page.ok()) return BadRequest(page.status().message());
  const Ledger& ledger = exchange_.ledger();
  const auto& twins = exchange_.universe().kalshi;
  // Every twin where the account holds contracts, has traded or has resting orders.
  std::vector<int> held;
  auto acc = accounts_.find(*account);
  for (size_t i = 0; i < twins.size(); ++i) {
    const MarketEngine& e = exchange_.kalshi_engine(static_cast<int>(i));
    const bool traded =
        acc != accounts_.end() && acc->second.positions.contains(static_cast<int>(i));
    if (traded || !ledger.Position(*account, e.token(0)).IsZero() ||
        !ledger.Position(*account, e.token(1)).IsZero() || !e.OpenOrders(*account).empty()) {
      held.push_back(static_cast<int>(i));
    }
  }
  const size_t end = std::min(held.size(), page->start + page->limit);
  JsonWriter w;
  w.BeginObject().Key("market_positions").BeginArray();
  for (size_t k = page->start; k < end; ++k) {
    const int twin = held[k];
    const MarketEngine& e = exchange_.kalshi_engine(twin);
    // Kalshi nets the two outcomes: positive = YES contracts, negative = NO contracts.
    const Quantity position =
        ledger.Position(*account, e.token(0)) - ledger.Position(*account, e.token(1));
    PositionStats stats;
    if (acc != accounts_.end()) {
      auto p = acc->second.positions.find(twin);
      if (p != acc->second.positions.end()) stats = p->second;
    }
    w.BeginObject()
        .Key("ticker")
        .String(twins[static_cast<size_t>(twin)].ticker)
        .Key("position")
        .Int(Contracts(position))
        .Key("position_fp")
        .String(position.ToFixedString(2))
        .Key("fees_paid")
        .Int(MoneyCents(stats.fees_paid))
        .Key("fees_paid_dollars")
        .String(stats.fees_paid.ToFixedString(4))
        .Key("total_traded_dollars")
        .String(stats.total_traded.ToFixedString(4))
        .Key("resting_orders_count")
        .Int(static_cast<int64_t>(e.OpenOrders(*account).size()))
        .EndObject();
  }
  w.EndArray()
      .Key("event_positions")
      .BeginArray()
      .EndArray()
      .Key("cursor")
      .String(NextCursor(end, held.size()))
      .EndObject();
  return HttpReply::Json(200, w.Take());
}

HttpReply KalshiTrading::GetBalance(const HttpRequest& r) const {
  HttpReply reply;
  absl::StatusOr<std::string> account = Authorize(r, &reply);
  if (!account.ok()) return reply;
  // Available cash: what resting buy orders hold is not part of the balance.
  const Money available = exchange_.ledger().AvailableCash(*account);
  JsonWriter w;
  w.BeginObject()
      .Key("balance")
      .Int(MoneyCents(available))
      .Key("balance_dollars")
      .String(available.ToFixedString(4))
      .Key("portfolio_value")
      .Int(0)
      .Key("updated_ts")
      .Int(NowMs() / 1000)
      .EndObject();
  return HttpReply::Json(200, w.Take());
}

std::optional<KalshiTrading::ApiOrderNames> KalshiTrading::NamesOfEngineOrder(
    uint64_t engine_order_id) const {
  auto id = order_of_engine_id_.find(engine_order_id);
  if (id == order_of_engine_id_.end()) return std::nullopt;
  auto order = orders_.find(id->second);
  if (order == orders_.end()) return std::nullopt;
  return ApiOrderNames{order->second.order_id, order->second.client_order_id};
}

}  // namespace arbor::sim
