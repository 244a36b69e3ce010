#include "arbor/report/session.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_path.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::report {
namespace {

namespace dom = simdjson::dom;

// Bound on any sum of money or counts: with sum |x| <= INT64_MAX / 2 every prefix sum, peak and
// drawdown (peak - equity) of the report fits in int64.
constexpr int64_t kMaxSum = std::numeric_limits<int64_t>::max() / 2;

using json::Index;
using json::Member;
using json::PathError;

const char* TypeName(dom::element e) { return json::TypeName(e.type()); }

// An object key in a path: plain when it is an identifier, else ["key"].
std::string KeyMember(std::string_view parent, std::string_view key) {
  bool plain = !key.empty();
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == ':';
    if (!ok) plain = false;
  }
  if (plain) return Member(parent, key);
  std::string out(parent);
  out += "[\"";
  for (char c : key) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out += "\"]";
  return out;
}

template <typename F>
absl::Status ForEachMember(dom::element e, std::string_view path, F&& f) {
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    return PathError(path, absl::StrCat("not an object (got ", TypeName(e), ")"));
  }
  absl::flat_hash_set<std::string> seen;
  for (dom::key_value_pair member : obj) {
    std::string key(member.key);
    if (!seen.insert(key).second) return PathError(KeyMember(path, key), "key given twice");
    ARBOR_RETURN_IF_ERROR(f(std::string_view(key), member.value));
  }
  return absl::OkStatus();
}

template <typename F>
absl::Status ForEachElement(dom::element e, std::string_view path, F&& f) {
  dom::array array;
  if (e.get_array().get(array) != simdjson::SUCCESS) {
    return PathError(path, absl::StrCat("not an array (got ", TypeName(e), ")"));
  }
  size_t i = 0;
  for (dom::element item : array) {
    ARBOR_RETURN_IF_ERROR(f(i, item, Index(path, i)));
    ++i;
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> GetInt(dom::element e, std::string_view path) {
  int64_t v = 0;
  if (e.type() == dom::element_type::UINT64) return PathError(path, "integer out of int64 range");
  if (e.get_int64().get(v) != simdjson::SUCCESS) {
    return PathError(path, absl::StrCat("not an integer (got ", TypeName(e), ")"));
  }
  return v;
}

absl::StatusOr<int64_t> GetNonNegative(dom::element e, std::string_view path) {
  ARBOR_ASSIGN_OR_RETURN(int64_t v, GetInt(e, path));
  if (v < 0) return PathError(path, absl::StrCat("must be >= 0, got ", v));
  return v;
}

// A money amount: |v| <= kMaxSum so that later sums can be checked without overflow.
absl::StatusOr<int64_t> GetMoney(dom::element e, std::string_view path) {
  ARBOR_ASSIGN_OR_RETURN(int64_t v, GetInt(e, path));
  if (v > kMaxSum || v < -kMaxSum) return PathError(path, "amount out of range");
  return v;
}

absl::StatusOr<std::string> GetString(dom::element e, std::string_view path) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    return PathError(path, absl::StrCat("not a string (got ", TypeName(e), ")"));
  }
  return std::string(s);
}

absl::StatusOr<std::string> GetNonEmptyString(dom::element e, std::string_view path) {
  ARBOR_ASSIGN_OR_RETURN(std::string s, GetString(e, path));
  if (s.empty()) return PathError(path, "must not be empty");
  return s;
}

// Adds |v| to a running bound; error when the bound passes kMaxSum.
absl::Status AddBounded(int64_t* total, int64_t v, std::string_view path) {
  const int64_t mag = v < 0 ? -v : v;  // callers bound |v| <= kMaxSum first
  if (mag > kMaxSum - *total) {
    return PathError(path, "the session's total overflows the report's int64 sums");
  }
  *total += mag;
  return absl::OkStatus();
}

absl::Status UnknownKey(std::string_view path, std::string_view key, std::string_view expected) {
  return PathError(KeyMember(path, key),
                   absl::StrCat("unknown key (expected ", ToAbsl(expected), ")"));
}

absl::Status ParseMeta(dom::element e, SessionMeta& meta) {
  constexpr std::string_view kPath = "meta";
  ARBOR_RETURN_IF_ERROR(ForEachMember(e, kPath, [&](std::string_view key, dom::element v) {
    const std::string p = Member(kPath, key);
    if (key == "mode" || key == "scenario" || key == "git_commit") {
      ARBOR_ASSIGN_OR_RETURN(std::string s, GetString(v, p));
      (key == "mode"       ? meta.mode
       : key == "scenario" ? meta.scenario
                           : meta.git_commit) = std::move(s);
      return absl::OkStatus();
    }
    if (key == "seed") {
      // A string by the schema; an integer is accepted and kept as its decimal text.
      if (v.type() == dom::element_type::INT64 || v.type() == dom::element_type::UINT64) {
        meta.seed = simdjson::to_string(v);
        return absl::OkStatus();
      }
      ARBOR_ASSIGN_OR_RETURN(meta.seed, GetString(v, p));
      return absl::OkStatus();
    }
    if (key == "started_unix_nanos") {
      ARBOR_ASSIGN_OR_RETURN(meta.started_unix_nanos, GetNonNegative(v, p));
      return absl::OkStatus();
    }
    if (key == "ended_unix_nanos") {
      ARBOR_ASSIGN_OR_RETURN(meta.ended_unix_nanos, GetNonNegative(v, p));
      return absl::OkStatus();
    }
    return UnknownKey(kPath, key,
                      "mode, scenario, seed, git_commit, started_unix_nanos, ended_unix_nanos");
  }));
  if (meta.started_unix_nanos > 0 && meta.ended_unix_nanos > 0 &&
      meta.ended_unix_nanos < meta.started_unix_nanos) {
    return PathError("meta.ended_unix_nanos", "before meta.started_unix_nanos");
  }
  return absl::OkStatus();
}

absl::StatusOr<Execution> ParseExecution(dom::element e, const std::string& path) {
  Execution x;
  bool has_id = false, has_lane = false, has_venues = false, has_opened = false, has_closed = false,
       has_reason = false, has_pnl = false, has_expected = false, has_submitted = false,
       has_filled = false;
  ARBOR_RETURN_IF_ERROR(ForEachMember(e, path, [&](std::string_view key, dom::element v) {
    const std::string p = Member(path, key);
    if (key == "execution_id") {
      ARBOR_ASSIGN_OR_RETURN(x.execution_id, GetNonEmptyString(v, p));
      has_id = true;
    } else if (key == "lane") {
      ARBOR_ASSIGN_OR_RETURN(x.lane, GetNonEmptyString(v, p));
      has_lane = true;
    } else if (key == "venues") {
      absl::flat_hash_set<std::string> seen;
      ARBOR_RETURN_IF_ERROR(
          ForEachElement(v, p, [&](size_t, dom::element item, const std::string& ip) {
            ARBOR_ASSIGN_OR_RETURN(std::string venue, GetNonEmptyString(item, ip));
            if (venue.find('+') != std::string::npos) {
              return PathError(ip, "a venue name must not contain '+'");
            }
            if (!seen.insert(venue).second) return PathError(ip, "venue listed twice");
            x.venues.push_back(std::move(venue));
            return absl::OkStatus();
          }));
      if (x.venues.empty()) return PathError(p, "must list at least one venue");
      has_venues = true;
    } else if (key == "opened_unix_nanos") {
      ARBOR_ASSIGN_OR_RETURN(x.opened_unix_nanos, GetNonNegative(v, p));
      has_opened = true;
    } else if (key == "closed_unix_nanos") {
      ARBOR_ASSIGN_OR_RETURN(x.closed_unix_nanos, GetNonNegative(v, p));
      has_closed = true;
    } else if (key == "close_reason") {
      ARBOR_ASSIGN_OR_RETURN(x.close_reason, GetNonEmptyString(v, p));
      has_reason = true;
    } else if (key == "realized_pnl_micros") {
      ARBOR_ASSIGN_OR_RETURN(x.realized_pnl_micros, GetMoney(v, p));
      has_pnl = true;
    } else if (key == "expected_profit_micros") {
      ARBOR_ASSIGN_OR_RETURN(x.expected_profit_micros, GetMoney(v, p));
      has_expected = true;
    } else if (key == "legs_submitted") {
      ARBOR_ASSIGN_OR_RETURN(x.legs_submitted, GetNonNegative(v, p));
      has_submitted = true;
    } else if (key == "legs_filled") {
      ARBOR_ASSIGN_OR_RETURN(x.legs_filled, GetNonNegative(v, p));
      has_filled = true;
    } else if (key == "slippage_micros") {
      if (v.is_null()) return absl::OkStatus();  // explicit "unknown"
      ARBOR_ASSIGN_OR_RETURN(int64_t s, GetMoney(v, p));
      x.slippage_micros = s;
    } else {
      return UnknownKey(path, key,
                        "execution_id, lane, venues, opened_unix_nanos, closed_unix_nanos, "
                        "close_reason, realized_pnl_micros, expected_profit_micros, "
                        "legs_submitted, legs_filled, slippage_micros");
    }
    return absl::OkStatus();
  }));
  const std::pair<bool, const char*> required[] = {
      {has_id, "execution_id"},
      {has_lane, "lane"},
      {has_venues, "venues"},
      {has_opened, "opened_unix_nanos"},
      {has_closed, "closed_unix_nanos"},
      {has_reason, "close_reason"},
      {has_pnl, "realized_pnl_micros"},
      {has_expected, "expected_profit_micros"},
      {has_submitted, "legs_submitted"},
      {has_filled, "legs_filled"},
  };
  for (const auto& [present, name] : required) {
    if (!present) return PathError(Member(path, name), "missing");
  }
  if (x.closed_unix_nanos < x.opened_unix_nanos) {
    return PathError(Member(path, "closed_unix_nanos"), "before opened_unix_nanos");
  }
  if (x.legs_filled > x.legs_submitted) {
    return PathError(
        Member(path, "legs_filled"),
        absl::StrCat("greater than legs_submitted (", x.legs_filled, " > ", x.legs_submitted, ")"));
  }
  return x;
}

absl::Status ParseExecutions(dom::element e, Session& session) {
  absl::flat_hash_set<std::string> ids;
  int64_t pnl_total = 0, expected_total = 0, slippage_total = 0, legs_total = 0;
  return ForEachElement(e, "executions", [&](size_t, dom::element item, const std::string& p) {
    ARBOR_ASSIGN_OR_RETURN(Execution x, ParseExecution(item, p));
    if (!ids.insert(x.execution_id).second) {
      return PathError(Member(p, "execution_id"),
                       absl::StrCat("duplicate execution id '", Abbreviate(x.execution_id), "'"));
    }
    ARBOR_RETURN_IF_ERROR(
        AddBounded(&pnl_total, x.realized_pnl_micros, Member(p, "realized_pnl_micros")));
    ARBOR_RETURN_IF_ERROR(
        AddBounded(&expected_total, x.expected_profit_micros, Member(p, "expected_profit_micros")));
    if (x.slippage_micros) {
      ARBOR_RETURN_IF_ERROR(
          AddBounded(&slippage_total, *x.slippage_micros, Member(p, "slippage_micros")));
    }
    if (x.legs_submitted > kMaxSum) return PathError(Member(p, "legs_submitted"), "too large");
    ARBOR_RETURN_IF_ERROR(AddBounded(&legs_total, x.legs_submitted, Member(p, "legs_submitted")));
    session.executions.push_back(std::move(x));
    return absl::OkStatus();
  });
}

// An object of name -> count (opportunities by lane, skips by reason, denials by reason).
absl::Status ParseCounts(dom::element e, std::string_view path,
                         std::vector<std::pair<std::string, int64_t>>& out) {
  int64_t total = 0;
  return ForEachMember(e, path, [&](std::string_view key, dom::element v) {
    const std::string p = KeyMember(path, key);
    if (key.empty()) return PathError(p, "empty name");
    ARBOR_ASSIGN_OR_RETURN(int64_t n, GetNonNegative(v, p));
    if (n > kMaxSum) return PathError(p, "count too large");
    ARBOR_RETURN_IF_ERROR(AddBounded(&total, n, p));
    out.emplace_back(std::string(key), n);
    return absl::OkStatus();
  });
}

absl::StatusOr<Injection> ParseInjection(dom::element item, const std::string& p) {
  Injection injection;
  bool has_kind = false, has_lane = false, has_detected = false;
  ARBOR_RETURN_IF_ERROR(ForEachMember(item, p, [&](std::string_view key, dom::element v) {
    const std::string kp = Member(p, key);
    if (key == "kind") {
      ARBOR_ASSIGN_OR_RETURN(injection.kind, GetNonEmptyString(v, kp));
      has_kind = true;
    } else if (key == "expected_lane") {
      ARBOR_ASSIGN_OR_RETURN(injection.expected_lane, GetString(v, kp));
      has_lane = true;
    } else if (key == "detected") {
      if (v.type() != dom::element_type::BOOL) {
        return PathError(kp, absl::StrCat("not a boolean (got ", TypeName(v), ")"));
      }
      injection.detected = v.get_bool().value();
      has_detected = true;
    } else if (key == "detected_by") {
      return ForEachElement(v, kp, [&](size_t, dom::element lane, const std::string& lp) {
        ARBOR_ASSIGN_OR_RETURN(std::string name, GetNonEmptyString(lane, lp));
        injection.detected_by.push_back(std::move(name));
        return absl::OkStatus();
      });
    } else {
      return UnknownKey(p, key, "kind, expected_lane, detected, detected_by");
    }
    return absl::OkStatus();
  }));
  if (!has_kind) return PathError(Member(p, "kind"), "missing");
  if (!has_lane) return PathError(Member(p, "expected_lane"), "missing (\"\" when no lane can)");
  if (!has_detected) return PathError(Member(p, "detected"), "missing");
  if (injection.detected && injection.detected_by.empty()) {
    return PathError(Member(p, "detected_by"), "empty although detected is true");
  }
  return injection;
}

absl::Status ParseSkips(dom::element e, Session& session) {
  constexpr std::string_view kPath = "skips";
  if (e.type() == dom::element_type::OBJECT) {
    std::vector<std::pair<std::string, int64_t>> counts;
    ARBOR_RETURN_IF_ERROR(ParseCounts(e, kPath, counts));
    for (auto& [reason, count] : counts) {
      session.skips.push_back(SkipCount{.reason = std::move(reason), .count = count});
    }
    return absl::OkStatus();
  }
  if (e.type() != dom::element_type::ARRAY) {
    return PathError(kPath, absl::StrCat("not an array or object (got ", TypeName(e), ")"));
  }
  int64_t total = 0;
  return ForEachElement(e, kPath, [&](size_t, dom::element item, const std::string& p) {
    SkipCount skip;
    bool has_reason = false, has_count = false;
    ARBOR_RETURN_IF_ERROR(ForEachMember(item, p, [&](std::string_view key, dom::element v) {
      const std::string kp = Member(p, key);
      if (key == "lane") {
        ARBOR_ASSIGN_OR_RETURN(skip.lane, GetNonEmptyString(v, kp));
      } else if (key == "reason") {
        ARBOR_ASSIGN_OR_RETURN(skip.reason, GetNonEmptyString(v, kp));
        has_reason = true;
      } else if (key == "count") {
        ARBOR_ASSIGN_OR_RETURN(skip.count, GetNonNegative(v, kp));
        if (skip.count > kMaxSum) return PathError(kp, "count too large");
        ARBOR_RETURN_IF_ERROR(AddBounded(&total, skip.count, kp));
        has_count = true;
      } else {
        return UnknownKey(p, key, "lane, reason, count");
      }
      return absl::OkStatus();
    }));
    if (!has_reason) return PathError(Member(p, "reason"), "missing");
    if (!has_count) return PathError(Member(p, "count"), "missing");
    session.skips.push_back(std::move(skip));
    return absl::OkStatus();
  });
}

absl::StatusOr<LatencyBucket> ParseBucket(dom::element e, const std::string& path) {
  dom::array pair;
  if (e.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2) {
    return PathError(
        path, absl::StrCat("expected a [le, cumulative_count] pair (got ", TypeName(e), ")"));
  }
  LatencyBucket b;
  const dom::element le = pair.at(0).value_unsafe();
  const std::string le_path = Index(path, 0);
  if (le.type() == dom::element_type::STRING) {
    std::string_view text;
    if (le.get_string().get(text) != simdjson::SUCCESS) return PathError(le_path, "unreadable");
    if (text == "+Inf" || text == "Inf" || text == "inf" || text == "+inf") {
      b.le_seconds = std::numeric_limits<double>::infinity();
    } else if (!absl::SimpleAtod(ToAbsl(text), &b.le_seconds)) {
      return PathError(le_path, "not a number or \"+Inf\"");
    }
  } else if (le.get_double().get(b.le_seconds) != simdjson::SUCCESS) {
    return PathError(le_path, absl::StrCat("not a number or \"+Inf\" (got ", TypeName(le), ")"));
  }
  if (std::isnan(b.le_seconds) || b.le_seconds < 0) {
    return PathError(le_path, "must be a bound >= 0 seconds");
  }
  ARBOR_ASSIGN_OR_RETURN(b.cumulative_count,
                         GetNonNegative(pair.at(1).value_unsafe(), Index(path, 1)));
  return b;
}

absl::StatusOr<LatencySeries> ParseLatency(dom::element e, const std::string& path) {
  LatencySeries series;
  bool has_name = false, has_samples = false;
  ARBOR_RETURN_IF_ERROR(ForEachMember(e, path, [&](std::string_view key, dom::element v) {
    const std::string p = Member(path, key);
    if (key == "name") {
      ARBOR_ASSIGN_OR_RETURN(series.name, GetNonEmptyString(v, p));
      has_name = true;
    } else if (key == "samples_nanos") {
      has_samples = true;
      ARBOR_RETURN_IF_ERROR(
          ForEachElement(v, p, [&](size_t, dom::element item, const std::string& ip) {
            ARBOR_ASSIGN_OR_RETURN(int64_t ns, GetNonNegative(item, ip));
            series.samples_nanos.push_back(ns);
            return absl::OkStatus();
          }));
    } else if (key == "buckets") {
      series.from_buckets = true;
      ARBOR_RETURN_IF_ERROR(
          ForEachElement(v, p, [&](size_t i, dom::element item, const std::string& ip) {
            ARBOR_ASSIGN_OR_RETURN(LatencyBucket b, ParseBucket(item, ip));
            if (i > 0) {
              const LatencyBucket& prev = series.buckets.back();
              if (!(b.le_seconds > prev.le_seconds)) {
                return PathError(Index(ip, 0), "bucket bounds must increase strictly");
              }
              if (b.cumulative_count < prev.cumulative_count) {
                return PathError(Index(ip, 1), "cumulative counts must not decrease");
              }
            }
            series.buckets.push_back(b);
            return absl::OkStatus();
          }));
      if (series.buckets.empty() || !std::isinf(series.buckets.back().le_seconds)) {
        return PathError(p, "the last bucket must be [\"+Inf\", total]");
      }
    } else {
      return UnknownKey(path, key, "name, samples_nanos, buckets");
    }
    return absl::OkStatus();
  }));
  if (!has_name) return PathError(Member(path, "name"), "missing");
  if (has_samples == series.from_buckets) {
    return PathError(path, "give exactly one of samples_nanos and buckets");
  }
  return series;
}

absl::Status ParseRiskEvents(dom::element e, RiskEvents& risk) {
  constexpr std::string_view kPath = "risk_events";
  return ForEachMember(e, kPath, [&](std::string_view key, dom::element v) {
    const std::string p = Member(kPath, key);
    if (key == "denials") return ParseCounts(v, p, risk.denials);
    if (key == "kill_switch") {
      return ForEachElement(v, p, [&](size_t, dom::element item, const std::string& ip) {
        KillSwitchEvent ev;
        bool has_reason = false, has_time = false;
        ARBOR_RETURN_IF_ERROR(ForEachMember(item, ip, [&](std::string_view k, dom::element f) {
          const std::string fp = Member(ip, k);
          if (k == "reason") {
            ARBOR_ASSIGN_OR_RETURN(ev.reason, GetNonEmptyString(f, fp));
            has_reason = true;
          } else if (k == "scope") {
            ARBOR_ASSIGN_OR_RETURN(ev.scope, GetString(f, fp));
          } else if (k == "unix_nanos") {
            ARBOR_ASSIGN_OR_RETURN(ev.unix_nanos, GetNonNegative(f, fp));
            has_time = true;
          } else {
            return UnknownKey(ip, k, "reason, scope, unix_nanos");
          }
          return absl::OkStatus();
        }));
        if (!has_reason) return PathError(Member(ip, "reason"), "missing");
        if (!has_time) return PathError(Member(ip, "unix_nanos"), "missing");
        risk.kill_switch.push_back(std::move(ev));
        return absl::OkStatus();
      });
    }
    if (key == "safe_mode") {
      return ForEachElement(v, p, [&](size_t, dom::element item, const std::string& ip) {
        SafeModeEpisode ep;
        bool has_reason = false, has_time = false;
        ARBOR_RETURN_IF_ERROR(ForEachMember(item, ip, [&](std::string_view k, dom::element f) {
          const std::string fp = Member(ip, k);
          if (k == "reason") {
            ARBOR_ASSIGN_OR_RETURN(ep.reason, GetNonEmptyString(f, fp));
            has_reason = true;
          } else if (k == "started_unix_nanos") {
            ARBOR_ASSIGN_OR_RETURN(ep.started_unix_nanos, GetNonNegative(f, fp));
            has_time = true;
          } else if (k == "ended_unix_nanos") {
            if (f.is_null()) return absl::OkStatus();
            ARBOR_ASSIGN_OR_RETURN(int64_t end, GetNonNegative(f, fp));
            ep.ended_unix_nanos = end;
          } else {
            return UnknownKey(ip, k, "reason, started_unix_nanos, ended_unix_nanos");
          }
          return absl::OkStatus();
        }));
        if (!has_reason) return PathError(Member(ip, "reason"), "missing");
        if (!has_time) return PathError(Member(ip, "started_unix_nanos"), "missing");
        if (ep.ended_unix_nanos && *ep.ended_unix_nanos < ep.started_unix_nanos) {
          return PathError(Member(ip, "ended_unix_nanos"), "before started_unix_nanos");
        }
        risk.safe_mode.push_back(std::move(ep));
        return absl::OkStatus();
      });
    }
    return UnknownKey(kPath, key, "denials, kill_switch, safe_mode");
  });
}

}  // namespace

absl::StatusOr<Session> ParseSession(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (const simdjson::error_code error = parser.parse(json.data(), json.size()).get(root);
      error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("session input: not valid JSON (", simdjson::error_message(error), ")"));
  }
  if (root.type() != dom::element_type::OBJECT) {
    return absl::InvalidArgumentError(
        absl::StrCat("session input: not an object (got ", TypeName(root), ")"));
  }
  Session session;
  bool has_version = false, has_executions = false;
  ARBOR_RETURN_IF_ERROR(ForEachMember(root, "", [&](std::string_view key, dom::element v) {
    const std::string p(key);
    if (key == "arbor_session") {
      ARBOR_ASSIGN_OR_RETURN(int64_t version, GetInt(v, p));
      if (version != kSessionSchemaVersion) {
        return PathError(p, absl::StrCat("unsupported version ", version, " (this arborctl reads ",
                                         kSessionSchemaVersion, ")"));
      }
      has_version = true;
      return absl::OkStatus();
    }
    if (key == "meta") return ParseMeta(v, session.meta);
    if (key == "executions") {
      has_executions = true;
      return ParseExecutions(v, session);
    }
    if (key == "opportunities") return ParseCounts(v, p, session.opportunities);
    if (key == "skips") return ParseSkips(v, session);
    if (key == "latencies") {
      absl::flat_hash_set<std::string> names;
      return ForEachElement(v, p, [&](size_t, dom::element item, const std::string& ip) {
        ARBOR_ASSIGN_OR_RETURN(LatencySeries series, ParseLatency(item, ip));
        if (!names.insert(series.name).second) {
          return PathError(Member(ip, "name"), "name used twice");
        }
        session.latencies.push_back(std::move(series));
        return absl::OkStatus();
      });
    }
    if (key == "risk_events") return ParseRiskEvents(v, session.risk_events);
    if (key == "injections") {
      session.injections.emplace();
      return ForEachElement(v, p, [&](size_t, dom::element item, const std::string& ip) {
        ARBOR_ASSIGN_OR_RETURN(Injection injection, ParseInjection(item, ip));
        session.injections->push_back(std::move(injection));
        return absl::OkStatus();
      });
    }
    return UnknownKey("", key,
                      "arbor_session, meta, executions, opportunities, skips, latencies, "
                      "risk_events, injections");
  }));
  if (!has_version) return PathError("arbor_session", "missing (expected 1)");
  if (!has_executions) return PathError("executions", "missing (give [] for none)");
  return session;
}

}  // namespace arbor::report
