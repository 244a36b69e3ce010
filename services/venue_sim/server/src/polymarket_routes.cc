#include "arbor/sim/polymarket_routes.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "arbor/sim/kalshi_feed.h"
#include "arbor/sim/polymarket_feed.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

constexpr char kNoBook[] = "No orderbook exists for the requested token id";

int64_t NowMs(const Clock& clock) { return absl::ToUnixMillis(clock.Now()); }

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
  server.RoutePrefix("GET", "/clob-markets/", [&exchange](const HttpRequest& r) {
    const std::string condition = r.path.substr(std::string_view("/clob-markets/").size());
    for (size_t i = 0; i < exchange.universe().markets.size(); ++i) {
      const SimMarket& m = exchange.universe().markets[i];
      if (m.condition_id != condition) continue;
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
    std::string out = "[";
    for (size_t i = offset; i < u.markets.size() && i < offset + limit; ++i) {
      if (i > offset) out += ",";
      out += GammaMarketJson(u, u.markets[i]);
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

void AddKalshiRoutes(HttpServer& server, const Exchange& exchange) {
  server.RoutePrefix("GET", "/trade-api/v2/markets/", [&exchange](const HttpRequest& r) {
    constexpr std::string_view kPrefix = "/trade-api/v2/markets/";
    constexpr std::string_view kSuffix = "/orderbook";
    const std::string_view path = r.path;
    if (r.method == "GET" && path.rfind(kPrefix, 0) == 0 &&
        path.size() > kPrefix.size() + kSuffix.size() &&
        path.substr(path.size() - kSuffix.size()) == kSuffix) {
      const std::string_view ticker =
          path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
      const int twin = exchange.KalshiTwinOfTicker(ticker);
      if (twin >= 0)
        return HttpReply::Json(200, KalshiRestOrderbookJson(exchange.kalshi_engine(twin)));
      JsonWriter w;
      w.BeginObject()
          .Key("error")
          .BeginObject()
          .Key("code")
          .String("not_found")
          .Key("message")
          .String(absl::StrCat("market ", ToAbsl(ticker), " not found"))
          .EndObject()
          .EndObject();
      return HttpReply::Json(404, w.Take());
    }
    return HttpReply::Error(404, "not found");
  });
}

}  // namespace arbor::sim
