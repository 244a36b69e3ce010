#include "arbor/sim/admin_routes.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

constexpr size_t kDefaultTradeLimit = 1000;
constexpr size_t kMaxTradeLimit = 10000;

std::optional<uint64_t> ParseUint(std::string_view s) {
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

void PriceOrNull(JsonWriter& w, std::optional<Price> p) {
  if (p) {
    w.String(p->ToString());
  } else {
    w.Null();
  }
}

// {"bid":"0.52","ask":"0.54"} for one token of `engine`.
void Top(JsonWriter& w, const MarketEngine& engine, int outcome) {
  w.BeginObject().Key("bid");
  PriceOrNull(w, engine.BestPrice(outcome, Side::kBuy));
  w.Key("ask");
  PriceOrNull(w, engine.BestPrice(outcome, Side::kSell));
  w.EndObject();
}

void Levels(JsonWriter& w, const MarketEngine& engine, int outcome, Side side) {
  w.BeginArray();
  for (const auto& [price, size] : engine.Levels(outcome, side)) {
    w.BeginObject().Key("price").String(price.ToString()).Key("size").String(size.ToString());
    w.EndObject();
  }
  w.EndArray();
}

void Mispricing(JsonWriter& w, const Exchange& ex, const ActiveMispricing& m) {
  w.BeginObject()
      .Key("kind")
      .String(MispricingKindName(m.spec.kind))
      .Key("target")
      .Int(m.spec.target)
      .Key("edge")
      .String(m.spec.edge.ToString())
      .Key("started_step")
      .Int(m.started_step)
      .Key("duration_steps")
      .Int(m.spec.duration_steps)
      .Key("markets")
      .BeginArray();
  for (int market : m.markets)
    w.String(ex.universe().markets[static_cast<size_t>(market)].condition_id);
  w.EndArray().EndObject();
}

// The engines to look at for an account: every Polymarket market and Kalshi twin.
template <typename Fn>
void ForEachEngine(Exchange& ex, Fn fn) {
  for (int m = 0; m < ex.markets(); ++m) fn(ex.engine(m));
  for (int t = 0; t < ex.kalshi_twins(); ++t) fn(ex.kalshi_engine(t));
}

class Admin {
 public:
  explicit Admin(AdminDeps deps) : d_(std::move(deps)) {
    funded_.insert(std::string(Exchange::kMakerAccount));
    funded_.insert(std::string(Exchange::kNoiseAccount));
  }

  HttpReply Truth(const HttpRequest& req) {
    Exchange& ex = *d_.exchange;
    const std::string_view only = req.Query("market");
    JsonWriter w;
    w.BeginObject().Key("step").Int(ex.step()).Key("markets").BeginArray();
    bool found = only.empty();
    for (int m = 0; m < ex.markets(); ++m) {
      const MarketEngine& e = ex.engine(m);
      if (!only.empty() && e.config().condition_id != only) continue;
      found = true;
      w.BeginObject()
          .Key("index")
          .Int(m)
          .Key("condition_id")
          .String(e.config().condition_id)
          .Key("status")
          .String(MarketStatusName(ex.status(m)))
          .Key("fair_yes")
          .String(ex.fair(m).ToString())
          .Key("yes");
      Top(w, e, 0);
      w.Key("no");
      Top(w, e, 1);
      if (!only.empty()) {
        w.Key("levels").BeginObject();
        for (int outcome : {0, 1}) {
          w.Key(outcome == 0 ? "yes" : "no").BeginObject().Key("bids");
          Levels(w, e, outcome, Side::kBuy);
          w.Key("asks");
          Levels(w, e, outcome, Side::kSell);
          w.EndObject();
        }
        w.EndObject();
      }
      w.EndObject();
    }
    if (!found) return HttpReply::Error(404, absl::StrCat("unknown market ", ToAbsl(only)));
    w.EndArray();
    size_t live = 0;
    for (const std::string& account : Accounts()) {
      ForEachEngine(ex, [&](MarketEngine& e) { live += e.OpenOrders(account).size(); });
    }
    w.Key("live_orders").Uint(live).Key("mispricings").BeginObject().Key("active").BeginArray();
    for (const ActiveMispricing& m : ex.active_mispricings()) Mispricing(w, ex, m);
    w.EndArray().Key("history").BeginArray();
    for (const ActiveMispricing& m : ex.mispricing_history()) Mispricing(w, ex, m);
    w.EndArray()
        .EndObject()
        .Key("skipped_mispricings")
        .Uint(ex.skipped_mispricings())
        .Key("noise_trades")
        .Uint(ex.noise_trades())
        .Key("trades_recorded")
        .Uint(d_.trades->total())
        .Key("faults")
        .BeginObject();
    for (int k = 0; k < kFaultKinds; ++k) {
      w.Key(FaultKindName(static_cast<FaultKind>(k)))
          .Uint(d_.faults->counter(static_cast<FaultKind>(k)));
    }
    w.EndObject().EndObject();
    return HttpReply::Json(200, w.Take());
  }

  HttpReply Trades(const HttpRequest& req) {
    uint64_t since = 0;
    size_t limit = kDefaultTradeLimit;
    if (!req.Query("since").empty()) {
      const std::optional<uint64_t> v = ParseUint(req.Query("since"));
      if (!v) return HttpReply::Error(400, "since: not a trade id");
      since = *v;
    }
    if (!req.Query("limit").empty()) {
      const std::optional<uint64_t> v = ParseUint(req.Query("limit"));
      if (!v || *v == 0 || *v > kMaxTradeLimit) {
        return HttpReply::Error(400, absl::StrCat("limit: must be 1-", kMaxTradeLimit));
      }
      limit = static_cast<size_t>(*v);
    }
    const std::vector<const TradeRecorder::Record*> page = d_.trades->Since(since, limit);
    JsonWriter w;
    w.BeginObject().Key("trades").BeginArray();
    for (const TradeRecorder::Record* r : page) {
      w.BeginObject()
          .Key("trade_id")
          .Uint(r->trade_id)
          .Key("step")
          .Int(r->step)
          .Key("market")
          .String(r->market)
          .Key("token")
          .String(r->token)
          .Key("side")
          .String(r->taker_side)
          .Key("price")
          .String(r->price.ToString())
          .Key("size")
          .String(r->size.ToString())
          .Key("taker")
          .String(r->taker_account)
          .Key("maker")
          .String(r->maker_account)
          .Key("kind")
          .String(r->kind)
          .EndObject();
    }
    w.EndArray().Key("next_since");
    if (page.empty()) {
      w.Uint(since);
    } else {
      w.Uint(page.back()->trade_id);
    }
    w.Key("total").Uint(d_.trades->total()).EndObject();
    return HttpReply::Json(200, w.Take());
  }

  HttpReply Orders(const HttpRequest& req) {
    const std::string_view account = req.Query("account");
    if (account.empty()) return HttpReply::Error(400, "account: missing");
    JsonWriter w;
    w.BeginObject().Key("account").String(account).Key("orders").BeginArray();
    ForEachEngine(*d_.exchange, [&](MarketEngine& e) {
      for (const Order* o : e.OpenOrders(account)) {
        w.BeginObject()
            .Key("id")
            .Uint(o->id)
            .Key("market")
            .String(e.config().condition_id)
            .Key("token")
            .String(e.token(o->request.outcome))
            .Key("side")
            .String(SideName(o->request.side))
            .Key("price")
            .String(o->request.price.ToString())
            .Key("size")
            .String(o->request.size.ToString())
            .Key("filled")
            .String(o->filled.ToString())
            .EndObject();
      }
    });
    w.EndArray().EndObject();
    return HttpReply::Json(200, w.Take());
  }

  HttpReply Balances(const HttpRequest& req) {
    const std::string_view account = req.Query("account");
    if (account.empty()) return HttpReply::Error(400, "account: missing");
    const Ledger& ledger = d_.exchange->ledger();
    JsonWriter w;
    w.BeginObject()
        .Key("account")
        .String(account)
        .Key("cash")
        .String(ledger.Cash(account).ToString())
        .Key("locked_cash")
        .String(ledger.LockedCash(account).ToString())
        .Key("positions")
        .BeginObject();
    ForEachEngine(*d_.exchange, [&](MarketEngine& e) {
      for (int outcome : {0, 1}) {
        const std::string& token = e.token(outcome);
        const Quantity q = ledger.Position(account, token);
        if (q != Quantity()) w.Key(token).String(q.ToString());
      }
    });
    w.EndObject().EndObject();
    return HttpReply::Json(200, w.Take());
  }

  HttpReply AddFaults(const HttpRequest& req) {
    absl::StatusOr<std::vector<FaultRule>> rules = ParseFaultRules(req.body);
    if (!rules.ok()) return HttpReply::Error(400, FromAbsl(rules.status().message()));
    for (FaultRule& rule : *rules) {
      if (absl::Status st = d_.faults->AddRule(std::move(rule)); !st.ok()) {
        return HttpReply::Error(400, FromAbsl(st.message()));
      }
    }
    return HttpReply::Json(200, d_.faults->ToJson());
  }

  HttpReply Step() {
    if (!d_.step_once) return HttpReply::Error(501, "stepping is not wired");
    if (absl::Status st = d_.step_once(); !st.ok()) {
      return HttpReply::Error(500, FromAbsl(st.message()));
    }
    JsonWriter w;
    w.BeginObject().Key("step").Int(d_.exchange->step()).EndObject();
    return HttpReply::Json(200, w.Take());
  }

  HttpReply Fund(const HttpRequest& req) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(req.body.data(), req.body.size()).get(obj) != simdjson::SUCCESS) {
      return HttpReply::Error(400, "body: not a JSON object");
    }
    std::string_view account;
    std::string_view cash_text;
    for (simdjson::dom::key_value_pair f : obj) {
      std::string_view* dst = f.key == "account" ? &account
                              : f.key == "cash"  ? &cash_text
                                                 : nullptr;
      if (dst == nullptr) {
        return HttpReply::Error(400, absl::StrCat(ToAbsl(f.key), ": unknown key"));
      }
      if (f.value.get_string().get(*dst) != simdjson::SUCCESS) {
        return HttpReply::Error(400, absl::StrCat(ToAbsl(f.key), ": not a string"));
      }
    }
    if (account.empty()) return HttpReply::Error(400, "account: missing");
    absl::StatusOr<Money> cash = Money::Parse(cash_text);
    if (!cash.ok()) {
      return HttpReply::Error(400, absl::StrCat("cash: ", cash.status().message()));
    }
    if (*cash <= Money()) return HttpReply::Error(400, "cash: must be positive");
    d_.exchange->ledger().Deposit(account, *cash);
    funded_.insert(std::string(account));
    JsonWriter w;
    w.BeginObject()
        .Key("account")
        .String(account)
        .Key("cash")
        .String(d_.exchange->ledger().Cash(account).ToString())
        .EndObject();
    return HttpReply::Json(200, w.Take());
  }

  // POST /admin/tick {"condition_id":"0x..","tick":"0.001"|null}: pins (or un-pins) a
  // standalone market's tick from the next step (Exchange::PinTick).
  HttpReply Tick(const HttpRequest& req) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(req.body.data(), req.body.size()).get(obj) != simdjson::SUCCESS) {
      return HttpReply::Error(400, "body: not a JSON object");
    }
    std::string_view condition_id;
    std::optional<Price> tick;
    bool tick_given = false;
    for (simdjson::dom::key_value_pair f : obj) {
      if (f.key == "condition_id") {
        if (f.value.get_string().get(condition_id) != simdjson::SUCCESS) {
          return HttpReply::Error(400, "condition_id: not a string");
        }
      } else if (f.key == "tick") {
        tick_given = true;
        if (f.value.is_null()) continue;
        std::string_view text;
        if (f.value.get_string().get(text) != simdjson::SUCCESS) {
          return HttpReply::Error(400, "tick: not a string or null");
        }
        absl::StatusOr<Price> p = Price::Parse(text);
        if (!p.ok()) return HttpReply::Error(400, absl::StrCat("tick: ", p.status().message()));
        tick = *p;
      } else {
        return HttpReply::Error(400, absl::StrCat(ToAbsl(f.key), ": unknown key"));
      }
    }
    if (!tick_given) return HttpReply::Error(400, "tick: missing");
    const Universe& u = d_.exchange->universe();
    int market = -1;
    for (size_t i = 0; i < u.markets.size(); ++i) {
      if (u.markets[i].condition_id == condition_id) market = static_cast<int>(i);
    }
    if (market < 0) return HttpReply::Error(404, "condition_id: unknown market");
    if (absl::Status st = d_.exchange->PinTick(market, tick); !st.ok()) {
      return HttpReply::Error(400, FromAbsl(st.message()));
    }
    JsonWriter w;
    w.BeginObject().Key("market").Int(market).Key("condition_id").String(condition_id);
    w.Key("tick");
    if (tick.has_value()) {
      w.String(tick->ToString());
    } else {
      w.Null();
    }
    w.EndObject();
    return HttpReply::Json(200, w.Take());
  }

  // GET /admin/mapping: the cross-venue mapping file (arbor/lanes/venue_mapping.h format) of
  // every Kalshi twin, unlisted and resolved ones included: which twin mirrors which market is
  // fixed when the universe is generated, so the mapping is the same for the whole run.
  HttpReply Mapping() const {
    const Universe& u = d_.exchange->universe();
    JsonWriter w;
    w.BeginObject().Key("version").Int(1).Key("pairs").BeginArray();
    for (const KalshiTwin& twin : u.kalshi) {
      const SimMarket& m = u.markets[static_cast<size_t>(twin.polymarket_market)];
      w.BeginObject()
          .Key("id")
          .String(absl::StrCat("sim-", twin.ticker))
          .Key("polymarket_market_id")
          .String(m.condition_id)
          .Key("kalshi_market_id")
          .String(twin.ticker)
          .Key("equivalence")
          .String("identical")
          .Key("confidence")
          .Double(1.0)
          // The twin's Kalshi close_time is the market's Gamma endDate by construction.
          .Key("max_horizon_gap_seconds")
          .Int(0)
          .Key("polymarket_outcome_of_kalshi_yes")
          .Int(0)
          .Key("reviewed_by")
          .String("venue_sim")
          .Key("note")
          .String(absl::StrCat("Kalshi twin of Polymarket market ", twin.polymarket_market))
          .EndObject();
    }
    w.EndArray().EndObject();
    return HttpReply::Json(200, w.Take());
  }

  // GET /admin/relations: the universe's logical relations as a relations file (relations/
  // relation_file.h format) for the combinatorial lane, as a reviewer would write it.
  HttpReply Relations() const {
    const Universe& u = d_.exchange->universe();
    JsonWriter w;
    w.BeginObject().Key("version").Int(1).Key("relations").BeginArray();
    for (size_t i = 0; i < u.relations.size(); ++i) {
      const Relation& r = u.relations[i];
      const SimMarket& a = u.markets[static_cast<size_t>(r.a)];
      const SimMarket& b = u.markets[static_cast<size_t>(r.b)];
      w.BeginObject()
          .Key("id")
          .String(absl::StrCat("sim-rel-", i))
          .Key("kind")
          .String(RelationKindName(r.kind))
          .Key("a")
          .BeginObject()
          .Key("market_id")
          .String(a.condition_id)
          .Key("outcome")
          .Int(0)
          .EndObject()
          .Key("b")
          .BeginObject()
          .Key("market_id")
          .String(b.condition_id)
          .Key("outcome")
          .Int(0)
          .EndObject()
          .Key("confidence")
          .Double(1.0)
          .Key("provenance")
          .String("curated")
          .Key("rule")
          .String("curated")
          .Key("evidence")
          .String(absl::StrCat(a.question, " / ", b.question))
          .Key("reviewed_by")
          .String("venue_sim")
          .EndObject();
    }
    w.EndArray().EndObject();
    return HttpReply::Json(200, w.Take());
  }

  // POST /admin/list and /admin/resolve (see admin_routes.h).
  HttpReply Lifecycle(const HttpRequest& req, bool resolve) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(req.body.data(), req.body.size()).get(obj) != simdjson::SUCCESS) {
      return HttpReply::Error(400, "body: not a JSON object");
    }
    std::string_view condition_id;
    std::string_view ticker;
    std::string_view outcome;
    bool has_condition = false, has_ticker = false, has_outcome = false;
    const char* outcome_key = nullptr;
    for (simdjson::dom::key_value_pair f : obj) {
      std::string_view* dst = nullptr;
      if (f.key == "condition_id") {
        dst = &condition_id;
        has_condition = true;
      } else if (f.key == "ticker") {
        dst = &ticker;
        has_ticker = true;
      } else if (resolve && (f.key == "winning_outcome" || f.key == "result")) {
        if (has_outcome) return HttpReply::Error(400, "winning_outcome / result: given twice");
        dst = &outcome;
        has_outcome = true;
        outcome_key = f.key == "result" ? "result" : "winning_outcome";
      } else {
        return HttpReply::Error(400, absl::StrCat(ToAbsl(f.key), ": unknown key"));
      }
      if (f.value.get_string().get(*dst) != simdjson::SUCCESS) {
        return HttpReply::Error(400, absl::StrCat(ToAbsl(f.key), ": not a string"));
      }
    }
    if (has_condition == has_ticker) {
      return HttpReply::Error(400, "body: give exactly one of condition_id, ticker");
    }
    const bool kalshi = has_ticker;
    int winner = -1;
    if (resolve) {
      const char* want_key = kalshi ? "result" : "winning_outcome";
      if (!has_outcome) return HttpReply::Error(400, absl::StrCat(want_key, ": missing"));
      if (std::string_view(outcome_key) != want_key) {
        return HttpReply::Error(400, absl::StrCat(outcome_key, ": use ", want_key, " for ",
                                                  kalshi ? "a Kalshi" : "a Polymarket", " market"));
      }
      const char* yes = kalshi ? "yes" : "Yes";
      const char* no = kalshi ? "no" : "No";
      if (outcome == yes) {
        winner = 0;
      } else if (outcome == no) {
        winner = 1;
      } else {
        return HttpReply::Error(400, absl::StrCat(want_key, ": must be \"", yes, "\" or \"", no,
                                                  "\", not \"", ToAbsl(outcome), "\""));
      }
    }
    Exchange& ex = *d_.exchange;
    const int64_t now_ms =
        absl::ToUnixMillis((d_.clock != nullptr ? *d_.clock : SystemClock::Get()).Now());
    const int index = kalshi ? ex.FindKalshiTwin(ticker) : ex.FindMarket(condition_id);
    if (index < 0) {
      return HttpReply::Error(
          400, kalshi ? absl::StrCat("ticker: unknown Kalshi market ", ToAbsl(ticker))
                      : absl::StrCat("condition_id: unknown market ", ToAbsl(condition_id)));
    }
    size_t canceled = 0;
    if (!resolve) {
      absl::Status st = kalshi ? ex.ListKalshiMarket(index, now_ms) : ex.ListMarket(index, now_ms);
      if (!st.ok()) return HttpReply::Error(400, FromAbsl(st.message()));
    } else {
      absl::StatusOr<std::vector<uint64_t>> ids =
          kalshi ? ex.ResolveKalshiMarket(index, winner, now_ms)
                 : ex.ResolveMarket(index, winner, now_ms);
      if (!ids.ok()) return HttpReply::Error(400, FromAbsl(ids.status().message()));
      canceled = ids->size();
    }
    JsonWriter w;
    w.BeginObject().Key("venue").String(kalshi ? "kalshi" : "polymarket");
    if (kalshi) {
      w.Key("twin").Int(index).Key("ticker").String(ticker);
      w.Key("status").String(resolve ? "determined" : "open");
      if (resolve) w.Key("result").String(winner == 0 ? "yes" : "no");
    } else {
      const SimMarket& m = ex.universe().markets[static_cast<size_t>(index)];
      w.Key("market").Int(index).Key("condition_id").String(condition_id);
      w.Key("status").String(resolve ? "resolved" : "open");
      if (resolve) {
        w.Key("winning_outcome")
            .String(winner == 0 ? "Yes" : "No")
            .Key("winning_asset_id")
            .String(winner == 0 ? m.yes_token : m.no_token);
      }
    }
    if (resolve) w.Key("canceled_orders").Uint(canceled);
    w.EndObject();
    return HttpReply::Json(200, w.Take());
  }

  AdminDeps& deps() { return d_; }

 private:
  std::vector<std::string> Accounts() const {
    std::vector<std::string> out(funded_.begin(), funded_.end());
    for (const std::string& a : d_.trades->accounts()) {
      if (!funded_.contains(a)) out.push_back(a);
    }
    return out;
  }

  AdminDeps d_;
  absl::flat_hash_set<std::string> funded_;
};

}  // namespace

TradeRecorder::TradeRecorder(Exchange* exchange, size_t capacity)
    : exchange_(exchange), capacity_(capacity) {
  exchange_->AddTradeListener([this](const MarketEngine& engine, const Trade& t) {
    Record r;
    r.trade_id = t.trade_id;
    r.step = exchange_->step();
    r.market = engine.config().condition_id;
    r.token = engine.token(t.taker_outcome);
    r.taker_account = t.taker_account;
    r.maker_account = t.maker_account;
    r.taker_side = SideName(t.taker_side);
    r.kind = MatchKindName(t.kind);
    r.price = t.taker_price;
    r.size = t.size;
    accounts_.insert(r.taker_account);
    accounts_.insert(r.maker_account);
    records_.push_back(std::move(r));
    if (records_.size() > capacity_) records_.pop_front();
    ++total_;
  });
}

std::vector<const TradeRecorder::Record*> TradeRecorder::Since(uint64_t after, size_t limit) const {
  auto it = std::upper_bound(records_.begin(), records_.end(), after,
                             [](uint64_t id, const Record& r) { return id < r.trade_id; });
  std::vector<const Record*> out;
  for (; it != records_.end() && out.size() < limit; ++it) out.push_back(&*it);
  return out;
}

void AddAdminRoutes(HttpServer& server, AdminDeps deps) {
  auto admin = std::make_shared<Admin>(std::move(deps));
  server.Route("GET", "/admin/truth", [admin](const HttpRequest& r) { return admin->Truth(r); });
  server.Route("GET", "/admin/trades", [admin](const HttpRequest& r) { return admin->Trades(r); });
  server.Route("GET", "/admin/orders", [admin](const HttpRequest& r) { return admin->Orders(r); });
  server.Route("GET", "/admin/balances",
               [admin](const HttpRequest& r) { return admin->Balances(r); });
  server.Route("GET", "/admin/faults", [admin](const HttpRequest&) {
    return HttpReply::Json(200, admin->deps().faults->ToJson());
  });
  server.Route("POST", "/admin/faults",
               [admin](const HttpRequest& r) { return admin->AddFaults(r); });
  server.Route("DELETE", "/admin/faults", [admin](const HttpRequest&) {
    admin->deps().faults->Clear();
    return HttpReply::Json(200, admin->deps().faults->ToJson());
  });
  server.Route("POST", "/admin/step", [admin](const HttpRequest&) { return admin->Step(); });
  server.Route("POST", "/admin/fund", [admin](const HttpRequest& r) { return admin->Fund(r); });
  server.Route("POST", "/admin/tick", [admin](const HttpRequest& r) { return admin->Tick(r); });
  server.Route("GET", "/admin/mapping", [admin](const HttpRequest&) { return admin->Mapping(); });
  server.Route("GET", "/admin/relations",
               [admin](const HttpRequest&) { return admin->Relations(); });
  server.Route("POST", "/admin/list",
               [admin](const HttpRequest& r) { return admin->Lifecycle(r, false); });
  server.Route("POST", "/admin/resolve",
               [admin](const HttpRequest& r) { return admin->Lifecycle(r, true); });
}

}  // namespace arbor::sim
