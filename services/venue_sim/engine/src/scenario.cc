#include "arbor/sim/scenario.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

namespace od = simdjson::ondemand;

absl::Status FieldError(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("scenario: field \"", ToAbsl(field), "\": ", ToAbsl(why)));
}

absl::Status JsonError(std::string_view field, simdjson::error_code e) {
  return FieldError(field, simdjson::error_message(e));
}

absl::StatusOr<int64_t> Int(od::value v, std::string_view field) {
  int64_t out = 0;
  if (auto e = v.get_int64().get(out); e != simdjson::SUCCESS) return JsonError(field, e);
  return out;
}

absl::StatusOr<double> Number(od::value v, std::string_view field) {
  double out = 0;
  if (auto e = v.get_double().get(out); e != simdjson::SUCCESS) return JsonError(field, e);
  return out;
}

template <typename T>
absl::StatusOr<T> Decimal(od::value v, std::string_view field) {
  std::string_view text;
  if (auto e = v.get_string().get(text); e != simdjson::SUCCESS) {
    return FieldError(field, "expected a decimal string");
  }
  absl::StatusOr<T> parsed = T::Parse(text);
  if (!parsed.ok()) return FieldError(field, FromAbsl(parsed.status().message()));
  return parsed;
}

absl::StatusOr<std::string> String(od::value v, std::string_view field) {
  std::string_view text;
  if (auto e = v.get_string().get(text); e != simdjson::SUCCESS) return JsonError(field, e);
  return std::string(text);
}

absl::StatusOr<MispricingKind> Kind(std::string_view name) {
  for (MispricingKind k : {MispricingKind::kBinaryUnderpriced, MispricingKind::kBinaryOverpriced,
                           MispricingKind::kNegRiskYesUnder, MispricingKind::kNegRiskNoUnder,
                           MispricingKind::kCrossVenueGap, MispricingKind::kImpliesViolation,
                           MispricingKind::kExcludesViolation}) {
    if (name == MispricingKindName(k)) return k;
  }
  return FieldError("mispricings[].kind", absl::StrCat("unknown kind \"", ToAbsl(name), "\""));
}

// Iterates an object's fields, handing each (key, value) to `fn`; unknown keys are `fn`'s job.
template <typename Fn>
absl::Status ForEachField(od::value v, std::string_view where, Fn&& fn) {
  od::object obj;
  if (auto e = v.get_object().get(obj); e != simdjson::SUCCESS) return JsonError(where, e);
  for (auto field_result : obj) {
    od::field field;
    if (auto e = std::move(field_result).get(field); e != simdjson::SUCCESS)
      return JsonError(where, e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e != simdjson::SUCCESS) return JsonError(where, e);
    ARBOR_RETURN_IF_ERROR(fn(std::string(key), field.value()));
  }
  return absl::OkStatus();
}

absl::Status Unknown(std::string_view where, const std::string& key) {
  return FieldError(absl::StrCat(ToAbsl(where), ".", key), "unknown key");
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(std::string_view json) {
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc); e != simdjson::SUCCESS) return JsonError("", e);
  od::value root;
  if (auto e = doc.get_value().get(root); e != simdjson::SUCCESS) return JsonError("", e);
  Scenario s;
  ARBOR_RETURN_IF_ERROR(
      ForEachField(root, "scenario", [&](const std::string& key, od::value v) -> absl::Status {
        if (key == "name") {
          ARBOR_ASSIGN_OR_RETURN(s.name, String(v, "name"));
        } else if (key == "seed") {
          ARBOR_ASSIGN_OR_RETURN(int64_t seed, Int(v, "seed"));
          s.seed = static_cast<uint64_t>(seed);
        } else if (key == "universe") {
          UniverseSpec& u = s.universe;
          return ForEachField(v, "universe",
                              [&](const std::string& k, od::value x) -> absl::Status {
                                const std::string f = "universe." + k;
                                if (k == "binary_markets") {
                                  ARBOR_ASSIGN_OR_RETURN(int64_t n, Int(x, f));
                                  u.binary_markets = static_cast<int>(n);
                                } else if (k == "negrisk_events") {
                                  ARBOR_ASSIGN_OR_RETURN(int64_t n, Int(x, f));
                                  u.negrisk_events = static_cast<int>(n);
                                } else if (k == "min_outcomes") {
                                  ARBOR_ASSIGN_OR_RETURN(int64_t n, Int(x, f));
                                  u.min_outcomes = static_cast<int>(n);
                                } else if (k == "max_outcomes") {
                                  ARBOR_ASSIGN_OR_RETURN(int64_t n, Int(x, f));
                                  u.max_outcomes = static_cast<int>(n);
                                } else if (k == "start_unix_s") {
                                  ARBOR_ASSIGN_OR_RETURN(u.start_unix_s, Int(x, f));
                                } else if (k == "kalshi_twin_every") {
                                  ARBOR_ASSIGN_OR_RETURN(int64_t n, Int(x, f));
                                  u.kalshi_twin_every = static_cast<int>(n);
                                } else if (k == "relation_every") {
                                  ARBOR_ASSIGN_OR_RETURN(int64_t n, Int(x, f));
                                  u.relation_every = static_cast<int>(n);
                                } else {
                                  return Unknown("universe", k);
                                }
                                return absl::OkStatus();
                              });
        } else if (key == "dynamics") {
          DynamicsSpec& d = s.dynamics;
          return ForEachField(v, "dynamics",
                              [&](const std::string& k, od::value x) -> absl::Status {
                                const std::string f = "dynamics." + k;
                                if (k == "log_odds_volatility") {
                                  ARBOR_ASSIGN_OR_RETURN(d.log_odds_volatility, Number(x, f));
                                } else if (k == "half_spread") {
                                  ARBOR_ASSIGN_OR_RETURN(d.half_spread, Decimal<Price>(x, f));
                                } else if (k == "quote_size") {
                                  ARBOR_ASSIGN_OR_RETURN(d.quote_size, Decimal<Quantity>(x, f));
                                } else if (k == "noise_orders_per_market") {
                                  ARBOR_ASSIGN_OR_RETURN(d.noise_orders_per_market, Number(x, f));
                                } else if (k == "noise_size") {
                                  ARBOR_ASSIGN_OR_RETURN(d.noise_size, Decimal<Quantity>(x, f));
                                } else {
                                  return Unknown("dynamics", k);
                                }
                                return absl::OkStatus();
                              });
        } else if (key == "mispricings") {
          od::array arr;
          if (auto e = v.get_array().get(arr); e != simdjson::SUCCESS)
            return JsonError("mispricings", e);
          for (auto item : arr) {
            od::value x;
            if (auto e = item.get(x); e != simdjson::SUCCESS) return JsonError("mispricings[]", e);
            MispricingSpec m;
            ARBOR_RETURN_IF_ERROR(ForEachField(
                x, "mispricings[]", [&](const std::string& k, od::value y) -> absl::Status {
                  const std::string f = "mispricings[]." + k;
                  if (k == "kind") {
                    ARBOR_ASSIGN_OR_RETURN(std::string name, String(y, f));
                    ARBOR_ASSIGN_OR_RETURN(m.kind, Kind(name));
                  } else if (k == "at_step") {
                    ARBOR_ASSIGN_OR_RETURN(m.at_step, Int(y, f));
                  } else if (k == "target") {
                    ARBOR_ASSIGN_OR_RETURN(int64_t t, Int(y, f));
                    m.target = static_cast<int>(t);
                  } else if (k == "edge") {
                    ARBOR_ASSIGN_OR_RETURN(m.edge, Decimal<Price>(y, f));
                  } else if (k == "duration_steps") {
                    ARBOR_ASSIGN_OR_RETURN(m.duration_steps, Int(y, f));
                  } else {
                    return Unknown("mispricings[]", k);
                  }
                  return absl::OkStatus();
                }));
            s.mispricings.push_back(m);
          }
        } else if (key == "markets" || key == "kalshi_markets") {
          const bool kalshi = key == "kalshi_markets";
          const std::string where = key + "[]";
          od::array arr;
          if (auto e = v.get_array().get(arr); e != simdjson::SUCCESS) return JsonError(key, e);
          for (auto item : arr) {
            od::value x;
            if (auto e = item.get(x); e != simdjson::SUCCESS) return JsonError(where, e);
            Scenario::MarketOverride o;
            ARBOR_RETURN_IF_ERROR(
                ForEachField(x, where, [&](const std::string& k, od::value y) -> absl::Status {
                  const std::string f = where + "." + k;
                  if (k == "index" && !kalshi) {
                    ARBOR_ASSIGN_OR_RETURN(int64_t i, Int(y, f));
                    o.index = static_cast<int>(i);
                  } else if (k == "ticker" && kalshi) {
                    ARBOR_ASSIGN_OR_RETURN(o.ticker, String(y, f));
                  } else if (k == "listed") {
                    bool listed = true;
                    if (auto e = y.get_bool().get(listed); e != simdjson::SUCCESS) {
                      return JsonError(f, e);
                    }
                    o.listed = listed;
                  } else {
                    return Unknown(where, k);
                  }
                  return absl::OkStatus();
                }));
            if (kalshi ? o.ticker.empty() : o.index < 0) {
              return FieldError(where, kalshi ? "missing \"ticker\"" : "missing \"index\"");
            }
            (kalshi ? s.kalshi_markets : s.markets).push_back(std::move(o));
          }
        } else {
          return Unknown("scenario", key);
        }
        return absl::OkStatus();
      }));
  // simdjson 3.0.1's document has no at_end(); current_location() reports OUT_OF_BOUNDS once
  // every token has been consumed.
  const char* at = nullptr;
  if (doc.current_location().get(at) != simdjson::OUT_OF_BOUNDS) {
    return FieldError("", "trailing content after the scenario object");
  }
  return s;
}

absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("scenario file not found: ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<Scenario> s = ParseScenario(ss.str());
  if (!s.ok())
    return absl::Status(s.status().code(), absl::StrCat(path, ": ", s.status().message()));
  return s;
}

absl::StatusOr<std::unique_ptr<Exchange>> BuildExchange(const Scenario& scenario) {
  UniverseSpec spec = scenario.universe;
  spec.seed = scenario.seed;
  ARBOR_ASSIGN_OR_RETURN(Universe universe, GenerateUniverse(spec));
  for (const Scenario::MarketOverride& o : scenario.markets) {
    if (o.index < 0 || static_cast<size_t>(o.index) >= universe.markets.size()) {
      return FieldError("markets[].index", absl::StrCat("no market ", o.index));
    }
    universe.markets[static_cast<size_t>(o.index)].status =
        o.listed ? MarketStatus::kOpen : MarketStatus::kUnlisted;
  }
  for (const Scenario::MarketOverride& o : scenario.kalshi_markets) {
    auto it = std::find_if(universe.kalshi.begin(), universe.kalshi.end(),
                           [&](const KalshiTwin& k) { return k.ticker == o.ticker; });
    if (it == universe.kalshi.end()) {
      return FieldError("kalshi_markets[].ticker", absl::StrCat("no Kalshi market ", o.ticker));
    }
    it->status = o.listed ? MarketStatus::kOpen : MarketStatus::kUnlisted;
  }
  return Exchange::Create(std::move(universe), scenario.dynamics, scenario.mispricings,
                          scenario.seed);
}

}  // namespace arbor::sim
