#include "arbor/sim/universe.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "arbor/core/json_writer.h"

namespace arbor::sim {
namespace {

struct Category {
  const char* name;
  const char* fee_type;
  int64_t rate_micros;  // NautilusTrader's 2026 category table (POLYMARKET.md §10.1)
};

constexpr Category kCategories[] = {
    {"crypto", "crypto_fees", 72'000},
    {"sports", "sports_fees_v2", 30'000},
    {"politics", "politics_fees", 40'000},
    {"economics", "economics_fees", 50'000},
    {"geopolitics", "", 0},
};

constexpr const char* kSubjects[] = {"Bitcoin", "Ethereum", "the Fed", "Lakers", "Arsenal",
                                     "Senate",  "CPI",      "OPEC",    "Solana", "Real Madrid"};
constexpr const char* kVerbs[] = {"close above", "win", "announce", "exceed", "reach"};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  uint64_t Next() { return rng_(); }
  int Uniform(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  std::string Digits(int n) {
    std::string s;
    s.push_back(static_cast<char>('1' + rng_() % 9));
    while (static_cast<int>(s.size()) < n) s.push_back(static_cast<char>('0' + rng_() % 10));
    return s;
  }
  std::string Hex32() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s = "0x";
    for (int i = 0; i < 64; ++i) s.push_back(kHex[rng_() % 16]);
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

Price PickTick(Gen& g, const Category& c) {
  // Sports books are finer (0.001); a few markets use the 2026 ticks 0.005 / 0.0025.
  const int r = g.Uniform(0, 99);
  if (r < 3) return Price::FromMicros(5'000);
  if (r < 5) return Price::FromMicros(2'500);
  if (std::string_view(c.name) == "sports") return Price::FromMicros(1'000);
  return Price::FromMicros(10'000);
}

// A price on `tick`'s grid in [lo, 1 - lo].
Price OnGrid(int64_t micros, Price tick) {
  const int64_t t = tick.micros();
  int64_t p = (micros / t) * t;
  if (p < t) p = t;
  if (p > kFixedScale - t) p = kFixedScale - t;
  return Price::FromMicros(p);
}

SimMarket NewMarket(Gen& g, int index, const Category& c, int64_t start) {
  SimMarket m;
  m.gamma_id = absl::StrCat(500'000 + index);
  m.condition_id = g.Hex32();
  m.question_id = g.Hex32();
  m.yes_token = g.Digits(77);
  m.no_token = g.Digits(77);
  m.category = c.name;
  m.fee_type = c.fee_type;
  m.tick = PickTick(g, c);
  m.fees.rate_micros = c.rate_micros;
  m.fees.exponent = 1;
  m.fees.rebate_rate_micros = c.rate_micros > 0 ? 250'000 : 0;
  m.fees.taker_only = true;
  m.end_unix_s = start + g.Uniform(3'600, 120 * 86'400);
  return m;
}

void WriteFeeSchedule(JsonWriter& w, const venue::polymarket::FeeSchedule& f) {
  w.BeginObject()
      .Key("exponent")
      .Int(f.exponent)
      .Key("rate")
      .Raw(Price::FromMicros(f.rate_micros).ToString())
      .Key("rebateRate")
      .Raw(Price::FromMicros(f.rebate_rate_micros).ToString())
      .Key("takerOnly")
      .Bool(f.taker_only)
      .EndObject();
}

// Gamma encodes these lists as JSON text inside a string ("[\"Yes\", \"No\"]").
std::string EncodedList(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += ", ";
    s += "\"";
    AppendJsonEscaped(&s, items[i]);
    s += "\"";
  }
  s += "]";
  return s;
}

void WriteMarket(JsonWriter& w, const Universe& u, const SimMarket& m) {
  const SimEvent* e = m.event_index >= 0 ? &u.events[static_cast<size_t>(m.event_index)] : nullptr;
  const bool resolved = m.status == MarketStatus::kResolved;
  std::vector<std::string> prices = {m.fair_yes.ToString(), Complement(m.fair_yes).ToString()};
  if (resolved) prices = {m.winning_outcome == 0 ? "1" : "0", m.winning_outcome == 0 ? "0" : "1"};
  w.BeginObject()
      .Key("id")
      .String(m.gamma_id)
      .Key("question")
      .String(m.question)
      .Key("conditionId")
      .String(m.condition_id)
      .Key("questionID")
      .String(m.question_id)
      .Key("slug")
      .String(m.slug)
      .Key("resolutionSource")
      .String("")
      .Key("endDate")
      .String(IsoTime(m.end_unix_s))
      .Key("endDateIso")
      .String(IsoTime(m.end_unix_s).substr(0, 10))
      .Key("outcomes")
      .String(EncodedList({"Yes", "No"}))
      .Key("outcomePrices")
      .String(EncodedList(prices))
      .Key("clobTokenIds")
      .String(EncodedList({m.yes_token, m.no_token}))
      .Key("active")
      .Bool(!resolved)
      .Key("closed")
      .Bool(resolved)
      .Key("archived")
      .Bool(false)
      .Key("acceptingOrders")
      .Bool(m.status == MarketStatus::kOpen)
      .Key("enableOrderBook")
      .Bool(true)
      .Key("orderPriceMinTickSize")
      .Raw(m.tick.ToString())
      .Key("orderMinSize")
      .Int(5)
      .Key("negRisk")
      .Bool(e != nullptr && e->neg_risk)
      .Key("feesEnabled")
      .Bool(m.fees.rate_micros > 0);
  if (e != nullptr && e->neg_risk) w.Key("negRiskMarketID").String(e->neg_risk_market_id);
  if (!m.group_item_title.empty()) w.Key("groupItemTitle").String(m.group_item_title);
  if (!m.fee_type.empty()) w.Key("feeType").String(m.fee_type);
  if (m.fees.rate_micros > 0) {
    w.Key("feeSchedule");
    WriteFeeSchedule(w, m.fees);
  }
  w.Key("liquidity").String("25000").Key("volume").String("100000");
  if (e != nullptr) {
    w.Key("events")
        .BeginArray()
        .BeginObject()
        .Key("id")
        .String(e->gamma_id)
        .Key("ticker")
        .String(e->ticker)
        .Key("slug")
        .String(e->slug)
        .Key("title")
        .String(e->title)
        .EndObject()
        .EndArray();
  }
  w.EndObject();
}

// Turns some standalone binary markets into related pairs (see UniverseSpec::relation_every).
// The sibling A takes B's category, fees and tick (one question family) and a fair value that
// satisfies the relation on that shared grid. Uses no randomness, so every other market keeps
// the values the seed gave it.
void AddRelations(const UniverseSpec& spec, Universe& u) {
  for (int base = 0; base + 16 < spec.binary_markets; base += spec.relation_every) {
    for (const auto& [kind, bi] : {std::pair{RelationKind::kImplies, base + 5},
                                   std::pair{RelationKind::kExcludes, base + 15}}) {
      const SimMarket& b = u.markets[static_cast<size_t>(bi)];
      SimMarket& a = u.markets[static_cast<size_t>(bi + 1)];
      a.category = b.category;
      a.fee_type = b.fee_type;
      a.fees = b.fees;
      a.tick = b.tick;
      const int64_t t = a.tick.micros();
      int64_t fa = a.fair_yes.micros() / t * t;
      if (kind == RelationKind::kImplies) {
        // The earlier deadline: half-way between the start and B's end date.
        a.end_unix_s = spec.start_unix_s + (b.end_unix_s - spec.start_unix_s) / 2;
        a.question = absl::StrCat("Will it happen by ", IsoTime(a.end_unix_s).substr(0, 10),
                                  "? (earlier deadline of #", bi, ", #", bi + 1, ")");
        fa = std::min(fa, b.fair_yes.micros());
      } else {
        a.end_unix_s = b.end_unix_s;
        a.question =
            absl::StrCat("Will the other finalist win? (rival of #", bi, ", #", bi + 1, ")");
        fa = std::min(fa, kFixedScale - b.fair_yes.micros());
      }
      a.fair_yes = Price::FromMicros(std::max(fa, t));
      u.relations.push_back(Relation{kind, bi + 1, bi});
    }
  }
}

void WriteRelationSide(JsonWriter& w, const Universe& u, int market) {
  const SimMarket& m = u.markets[static_cast<size_t>(market)];
  w.BeginObject()
      .Key("market")
      .Int(market)
      .Key("condition_id")
      .String(m.condition_id)
      .Key("question")
      .String(m.question)
      .Key("fair_yes")
      .String(m.fair_yes.ToString())
      .EndObject();
}

}  // namespace

const char* MarketStatusName(MarketStatus status) {
  switch (status) {
    case MarketStatus::kUnlisted:
      return "unlisted";
    case MarketStatus::kOpen:
      return "open";
    case MarketStatus::kResolved:
      return "resolved";
  }
  return "?";
}

const char* RelationKindName(RelationKind kind) {
  return kind == RelationKind::kImplies ? "implies" : "excludes";
}

bool RelationHolds(RelationKind kind, Price a, Price b) {
  return kind == RelationKind::kImplies ? a <= b : a.micros() + b.micros() <= kFixedScale;
}

std::string RelationsJson(const Universe& universe) {
  JsonWriter w;
  w.BeginArray();
  for (size_t i = 0; i < universe.relations.size(); ++i) {
    const Relation& r = universe.relations[i];
    w.BeginObject()
        .Key("index")
        .Int(static_cast<int64_t>(i))
        .Key("kind")
        .String(RelationKindName(r.kind))
        .Key("a");
    WriteRelationSide(w, universe, r.a);
    w.Key("b");
    WriteRelationSide(w, universe, r.b);
    w.EndObject();
  }
  w.EndArray();
  return w.Take();
}

std::string IsoTime(int64_t unix_s) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_s), absl::UTCTimeZone());
}

absl::StatusOr<Universe> GenerateUniverse(const UniverseSpec& spec) {
  if (spec.binary_markets < 0 || spec.negrisk_events < 0) {
    return absl::InvalidArgumentError("market and event counts must be >= 0");
  }
  if (spec.kalshi_twin_every < 0)
    return absl::InvalidArgumentError("kalshi_twin_every must be >= 0");
  if (spec.relation_every < 0 || (spec.relation_every > 0 && spec.relation_every < 20)) {
    return absl::InvalidArgumentError("relation_every must be 0 or >= 20");
  }
  if (spec.min_outcomes < 2 || spec.max_outcomes > 64 || spec.min_outcomes > spec.max_outcomes) {
    return absl::InvalidArgumentError("NegRisk outcome range must lie within [2, 64]");
  }
  Gen g(spec.seed);
  Universe u;
  constexpr int kCategoryCount = static_cast<int>(sizeof(kCategories) / sizeof(kCategories[0]));
  for (int i = 0; i < spec.binary_markets; ++i) {
    const Category& c = kCategories[g.Uniform(0, kCategoryCount - 1)];
    SimMarket m = NewMarket(g, static_cast<int>(u.markets.size()), c, spec.start_unix_s);
    const char* subject = kSubjects[g.Uniform(0, 9)];
    const char* verb = kVerbs[g.Uniform(0, 4)];
    m.question = absl::StrCat("Will ", subject, " ", verb, " by ",
                              IsoTime(m.end_unix_s).substr(0, 10), "? (#", i, ")");
    m.slug = absl::StrCat("sim-binary-", i);
    m.fair_yes = OnGrid(g.Uniform(30'000, 970'000), m.tick);
    u.markets.push_back(std::move(m));
    if (spec.kalshi_twin_every > 0 && i % spec.kalshi_twin_every == 0) {
      KalshiTwin k;
      k.ticker = absl::StrFormat("SIM-%05d", i);
      k.event_ticker = absl::StrFormat("SIMEV-%05d", i);
      k.market_id = g.Hex32().substr(2, 32);
      k.polymarket_market = static_cast<int>(u.markets.size()) - 1;
      u.kalshi.push_back(std::move(k));
    }
  }
  if (spec.relation_every > 0) AddRelations(spec, u);
  for (int e = 0; e < spec.negrisk_events; ++e) {
    const Category& c = kCategories[g.Uniform(0, kCategoryCount - 1)];
    SimEvent ev;
    ev.gamma_id = absl::StrCat(90'000 + e);
    ev.ticker = absl::StrCat("sim-event-", e);
    ev.slug = ev.ticker;
    ev.title = absl::StrCat("Who will win sim contest #", e, "?");
    ev.category = c.name;
    ev.neg_risk = true;
    ev.neg_risk_market_id = g.Hex32();
    ev.end_unix_s = spec.start_unix_s + g.Uniform(86'400, 120 * 86'400);
    const int n = g.Uniform(spec.min_outcomes, spec.max_outcomes);
    // Fair values: random weights normalised to sum to exactly 1 on the members' tick grid
    // (event members use 0.01, or 0.001 for sports).
    std::vector<int64_t> weights(static_cast<size_t>(n));
    int64_t total = 0;
    for (int64_t& w : weights) total += (w = g.Uniform(1, 100));
    const Price tick = Price::FromMicros(std::string_view(c.name) == "sports" ? 1'000 : 10'000);
    std::vector<int64_t> fair(static_cast<size_t>(n));
    int64_t assigned = 0;
    for (int k = 0; k < n; ++k) {
      const int64_t raw = weights[static_cast<size_t>(k)] * kFixedScale / total;
      fair[static_cast<size_t>(k)] = std::max(tick.micros(), (raw / tick.micros()) * tick.micros());
      assigned += fair[static_cast<size_t>(k)];
    }
    // The largest outcome absorbs the rounding so the event sums to exactly one dollar.
    size_t largest = 0;
    for (size_t k = 1; k < fair.size(); ++k) {
      if (fair[k] > fair[largest]) largest = k;
    }
    fair[largest] += kFixedScale - assigned;
    for (int k = 0; k < n; ++k) {
      SimMarket m = NewMarket(g, static_cast<int>(u.markets.size()), c, spec.start_unix_s);
      m.tick = tick;
      m.end_unix_s = ev.end_unix_s;
      m.event_index = e;
      m.group_item_title = absl::StrCat("Candidate ", k + 1);
      m.question = absl::StrCat("Will Candidate ", k + 1, " win sim contest #", e, "?");
      m.slug = absl::StrCat(ev.slug, "-candidate-", k + 1);
      m.fair_yes = Price::FromMicros(fair[static_cast<size_t>(k)]);
      ev.markets.push_back(static_cast<int>(u.markets.size()));
      u.markets.push_back(std::move(m));
    }
    u.events.push_back(std::move(ev));
  }
  return u;
}

std::string GammaMarketJson(const Universe& universe, const SimMarket& market) {
  JsonWriter w;
  WriteMarket(w, universe, market);
  return w.Take();
}

std::string GammaEventJson(const Universe& universe, const SimEvent& event) {
  JsonWriter w;
  w.BeginObject()
      .Key("id")
      .String(event.gamma_id)
      .Key("ticker")
      .String(event.ticker)
      .Key("slug")
      .String(event.slug)
      .Key("title")
      .String(event.title)
      .Key("endDate")
      .String(IsoTime(event.end_unix_s))
      .Key("active")
      .Bool(true)
      .Key("closed")
      .Bool(false)
      .Key("negRisk")
      .Bool(event.neg_risk)
      .Key("enableNegRisk")
      .Bool(event.neg_risk);
  if (event.neg_risk) w.Key("negRiskMarketID").String(event.neg_risk_market_id);
  w.Key("markets").BeginArray();
  for (int i : event.markets) WriteMarket(w, universe, universe.markets[static_cast<size_t>(i)]);
  w.EndArray()
      .Key("tags")
      .BeginArray()
      .BeginObject()
      .Key("id")
      .String(event.category)
      .Key("label")
      .String(event.category)
      .Key("slug")
      .String(event.category)
      .EndObject()
      .EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace arbor::sim
