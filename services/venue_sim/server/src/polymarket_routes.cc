#include "arbor/sim/polymarket_routes.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "arbor/sim/polymarket_feed.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

constexpr char kNoBook[] = "No orderbook exists for the requested token id";

int64_t NowMs(const Clock& clock) { return absl::ToUnixMillis(clock.Now()); }

// The market's taker fee rate in basis points (rate 0.03 -> 300), as GET /fee-rate reports it.
int64_t FeeRateBps(const SimMarket& m) { return m.fees.rate_micros / 100; }

// The markets the venue shows (listed: open or resolved), in universe order. Pages run over
// this list so that unlisted markets leave no holes in them.
std::vector<const SimMarket*> ListedMarkets(const Universe& u) {
  std::vector<const SimMarket*> out;
  out.reserve(u.markets.size());
  for (const SimMarket& m : u.markets) {
    if (m.status != MarketStatus::kUnlisted) out.push_back(&m);
  }
  return out;
}

// GET /markets cursors: base64 of the decimal offset ("MA==" = 0), "LTE=" past the end.
std::string OffsetCursor(size_t offset) {
  std::string out;
  absl::Base64Escape(absl::StrCat(offset), &out);
  return out;
}
bool ParseOffsetCursor(std::string_view cursor, size_t* offset) {
  if (cursor.empty()) {
    *offset = 0;
    return true;
  }
  std::string decoded;
  uint64_t v = 0;
  if (!absl::Base64Unescape(ToAbsl(cursor), &decoded) || !absl::SimpleAtoi(decoded, &v)) {
    return false;
  }
  *offset = v;
  return true;
}

// Parses limit/offset (Gamma paging). Defaults: limit 100 (max 500), offset 0.
bool Paging(const HttpRequest& r, size_t* limit, size_t* offset) {
  *limit = 100;
  *offset = 0;
  uint64_t v = 0;
  if (std::string_view s = r.Query("limit"); !s.empty()) {
    if (!absl::SimpleAtoi(ToAbsl(s), &v) || v == 0) return false;
    *limit = std::min<uint64_t>(v, 500);
  }
  if (std::string_view s = r.Query("offset"); !s.empty()) {
    if (!absl::SimpleAtoi(ToAbsl(s), &v)) return false;
    *offset = v;
  }
  return true;
}

// CLOB market object (GET /markets/{condition_id} and each element of a GET /markets page) in
// the shape of samples/polymarket/clob_rest/nt_py_clob_market.json. Token prices are omitted:
// the simulator keeps no last-trade price per market (and must not leak fair values).
// A resolved market shows active:false, closed:true, accepting_orders:false and its winner.
std::string ClobMarketJson(const Universe& u, const SimMarket& m) {
  const bool neg_risk = m.event_index >= 0 && u.events[static_cast<size_t>(m.event_index)].neg_risk;
  const bool resolved = m.status == MarketStatus::kResolved;
  JsonWriter w;
  w.BeginObject()
      .Key("enable_order_book")
      .Bool(true)
      .Key("active")
      .Bool(!resolved)
      .Key("closed")
      .Bool(resolved)
      .Key("archived")
      .Bool(false)
      .Key("accepting_orders")
      .Bool(m.status == MarketStatus::kOpen)
      .Key("accepting_order_timestamp")
      .Raw("null")
      .Key("minimum_order_size")
      .Int(5)
      .Key("minimum_tick_size")
      .Raw(m.tick.ToString())
      .Key("condition_id")
      .String(m.condition_id)
      .Key("question_id")
      .String(m.question_id)
      .Key("question")
      .String(m.question)
      .Key("description")
      .String("")
      .Key("market_slug")
      .String(m.slug)
      .Key("end_date_iso")
      .String(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(m.end_unix_s),
                               absl::UTCTimeZone()))
      .Key("game_start_time")
      .Raw("null")
      .Key("seconds_delay")
      .Int(0)
      .Key("fpmm")
      .String("")
      .Key("maker_base_fee")
      .Int(0)
      .Key("taker_base_fee")
      .Int(FeeRateBps(m))
      .Key("neg_risk")
      .Bool(neg_risk)
      .Key("neg_risk_market_id")
      .String(neg_risk ? u.events[static_cast<size_t>(m.event_index)].neg_risk_market_id : "")
      .Key("neg_risk_request_id")
      .String("")
      .Key("is_50_50_outcome")
      .Bool(false)
      .Key("tokens")
      .BeginArray();
  w.BeginObject().Key("token_id").String(m.yes_token).Key("outcome").String("Yes");
  w.Key("winner").Bool(resolved && m.winning_outcome == 0).EndObject();
  w.BeginObject().Key("token_id").String(m.no_token).Key("outcome").String("No");
  w.Key("winner").Bool(resolved && m.winning_outcome == 1).EndObject();
  w.EndArray().Key("tags").BeginArray().String(m.category).EndArray().EndObject();
  return w.Take();
}

}  // namespace

void AddPolymarketClobRoutes(HttpServer& server, Exchange& exchange, const Clock& clock) {
  server.Route("GET", "/ok", [](const HttpRequest&) { return HttpReply::Json(200, "\"OK\""); });
  server.Route("GET", "/time", [&clock](const HttpRequest&) {
    return HttpReply::Json(200, absl::StrCat(absl::ToUnixSeconds(clock.Now())));
  });
  server.Route("GET", "/version",
               [](const HttpRequest&) { return HttpReply::Json(200, R"({"version":2})"); });
  server.Route("GET", "/book", [&exchange, &clock](const HttpRequest& r) {
    const int market = exchange.MarketOfToken(r.Query("token_id"));
    if (market < 0) return HttpReply::Error(404, kNoBook);
    const MarketEngine& e = exchange.engine(market);
    const int outcome = e.token(0) == r.Query("token_id") ? 0 : 1;
    absl::StatusOr<venue::polymarket::BookSummary> s =
        PolymarketBookSummary(e, outcome, NowMs(clock));
    if (!s.ok()) return HttpReply::Error(500, FromAbsl(s.status().message()));
    return HttpReply::Json(200, PolymarketRestBookJson(*s));
  });
  server.Route("POST", "/books", [&exchange, &clock](const HttpRequest& r) {
    simdjson::padded_string body(r.body);
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    simdjson::ondemand::array items;
    if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
        doc.get_array().get(items) != simdjson::SUCCESS) {
      return HttpReply::Error(400, "Invalid payload: expected [{\"token_id\": ...}]");
    }
    std::vector<std::string> tokens;
    for (auto item : items) {
      std::string_view token;
      if (item["token_id"].get_string().get(token) != simdjson::SUCCESS) {
        return HttpReply::Error(400, "Invalid payload: expected [{\"token_id\": ...}]");
      }
      tokens.emplace_back(token);
      if (tokens.size() > kMaxBooksPerRequest)
        return HttpReply::Error(400, "Payload exceeds the limit");
    }
    std::string out = "[";
    bool first = true;
    for (const std::string& token : tokens) {
      const int market = exchange.MarketOfToken(token);
      if (market < 0) continue;  // the venue omits unknown tokens
      const MarketEngine& e = exchange.engine(market);
      absl::StatusOr<venue::polymarket::BookSummary> s =
          PolymarketBookSummary(e, e.token(0) == token ? 0 : 1, NowMs(clock));
      if (!s.ok()) return HttpReply::Error(500, FromAbsl(s.status().message()));
      if (!first) out += ",";
      first = false;
      out += PolymarketRestBookJson(*s);
    }
    out += "]";
    return HttpReply::Json(200, std::move(out));
  });
  server.Route("GET", "/tick-size", [&exchange](const HttpRequest& r) {
    const int market = exchange.MarketOfToken(r.Query("token_id"));
    if (market < 0) return HttpReply::Error(404, kNoBook);
    return HttpReply::Json(200,
                           absl::StrCat(R"({"minimum_tick_size":)",
                                        exchange.engine(market).config().tick.ToString(), "}"));
  });
  server.Route("GET", "/neg-risk", [&exchange](const HttpRequest& r) {
    const int market = exchange.MarketOfToken(r.Query("token_id"));
    if (market < 0) return HttpReply::Error(404, kNoBook);
    const bool neg_risk = exchange.universe().markets[static_cast<size_t>(market)].event_index >= 0;
    return HttpReply::Json(200, absl::StrCat(R"({"neg_risk":)", neg_risk ? "true" : "false", "}"));
  });
  server.Route("GET", "/fee-rate", [&exchange](const HttpRequest& r) {
    const int market = exchange.MarketOfToken(r.Query("token_id"));
    if (market < 0) return HttpReply::Error(404, "market not found");
    return HttpReply::Json(
        200,
        absl::StrCat(R"({"base_fee":)",
                     FeeRateBps(exchange.universe().markets[static_cast<size_t>(market)]), "}"));
  });
  server.Route("GET", "/markets", [&exchange](const HttpRequest& r) {
    size_t offset = 0;
    const std::string_view cursor = r.Query("next_cursor");
    if (cursor == "LTE=" || !ParseOffsetCursor(cursor, &offset)) {
      return HttpReply::Error(400, "invalid next_cursor");
    }
    const Universe& u = exchange.universe();
    const std::vector<const SimMarket*> listed = ListedMarkets(u);
    const size_t end = std::min(listed.size(), offset + kClobMarketsPageSize);
    std::string out = R"({"data":[)";
    for (size_t i = offset; i < end; ++i) {
      if (i > offset) out += ",";
      out += ClobMarketJson(u, *listed[i]);
    }
    absl::StrAppend(&out, R"(],"next_cursor":")",
                    end >= listed.size() ? std::string("LTE=") : OffsetCursor(end), R"(","limit":)",
                    kClobMarketsPageSize, R"(,"count":)", end > offset ? end - offset : 0, "}");
    return HttpReply::Json(200, std::move(out));
  });
  server.RoutePrefix("GET", "/markets/", [&exchange](const HttpRequest& r) {
    const std::string_view condition =
        std::string_view(r.path).substr(std::string_view("/markets/").size());
    const Universe& u = exchange.universe();
    for (const SimMarket& m : u.markets) {
      if (m.condition_id == condition && m.status != MarketStatus::kUnlisted) {
        return HttpReply::Json(200, ClobMarketJson(u, m));
      }
    }
    return HttpReply::Error(404, "market not found");
  });
  server.RoutePrefix("GET", "/clob-markets/", [&exchange](const HttpRequest& r) {
    const std::string condition = r.path.substr(std::string_view("/clob-markets/").size());
    for (size_t i = 0; i < exchange.universe().markets.size(); ++i) {
      const SimMarket& m = exchange.universe().markets[i];
      if (m.condition_id != condition || m.status == MarketStatus::kUnlisted) continue;
      JsonWriter w;
      w.BeginObject().Key("t").BeginArray();
      w.BeginObject().Key("t").String(m.yes_token).Key("o").String("Yes").EndObject();
      w.BeginObject().Key("t").String(m.no_token).Key("o").String("No").EndObject();
      w.EndArray()
          .Key("mts")
          .Raw(m.tick.ToString())
          .Key("nr")
          .Bool(m.event_index >= 0)
          .Key("fd")
          .BeginObject()
          .Key("r")
          .Raw(Price::FromMicros(m.fees.rate_micros).ToString())
          .Key("e")
          .Int(m.fees.exponent)
          .EndObject()
          .EndObject();
      return HttpReply::Json(200, w.Take());
    }
    return HttpReply::Error(404, "market not found");
  });
}

void AddGammaRoutes(HttpServer& server, const Exchange& exchange) {
  server.Route("GET", "/markets", [&exchange](const HttpRequest& r) {
    size_t limit = 0, offset = 0;
    if (!Paging(r, &limit, &offset)) return HttpReply::Error(400, "invalid limit or offset");
    const Universe& u = exchange.universe();
    const std::vector<const SimMarket*> listed = ListedMarkets(u);
    std::string out = "[";
    for (size_t i = offset; i < listed.size() && i < offset + limit; ++i) {
      if (i > offset) out += ",";
      out += GammaMarketJson(u, *listed[i]);
    }
    out += "]";
    return HttpReply::Json(200, std::move(out));
  });
  server.Route("GET", "/events", [&exchange](const HttpRequest& r) {
    size_t limit = 0, offset = 0;
    if (!Paging(r, &limit, &offset)) return HttpReply::Error(400, "invalid limit or offset");
    const Universe& u = exchange.universe();
    std::string out = "[";
    for (size_t i = offset; i < u.events.size() && i < offset + limit; ++i) {
      if (i > offset) out += ",";
      out += GammaEventJson(u, u.events[i]);
    }
    out += "]";
    return HttpReply::Json(200, std::move(out));
  });
}

}  // namespace arbor::sim
