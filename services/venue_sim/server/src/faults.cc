#include "arbor/sim/faults.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "boost/beast/http/status.hpp"
#include "simdjson.h"

namespace arbor::sim {
namespace {

namespace dom = simdjson::dom;

constexpr std::array<std::string_view, kFaultKinds> kKindNames = {
    "status",        "rate_limit", "latency",      "drop",
    "ws_disconnect", "ws_stall",   "ws_malformed", "ws_seq_gap"};

bool IsWsKind(FaultKind kind) {
  return kind == FaultKind::kWsDisconnect || kind == FaultKind::kWsStall ||
         kind == FaultKind::kWsMalformed || kind == FaultKind::kWsSeqGap;
}

absl::Status RuleError(size_t index, std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("rules[", index, "].", ToAbsl(field), ": ", ToAbsl(what)));
}

absl::Status GetInt(dom::element v, size_t index, std::string_view field, int64_t lo, int64_t hi,
                    int64_t* out) {
  int64_t x = 0;
  if (v.get_int64().get(x) != simdjson::SUCCESS) return RuleError(index, field, "not an integer");
  if (x < lo || x > hi) {
    return RuleError(index, field, absl::StrCat("out of range [", lo, ", ", hi, "]: ", x));
  }
  *out = x;
  return absl::OkStatus();
}

absl::Status GetString(dom::element v, size_t index, std::string_view field, std::string* out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return RuleError(index, field, "not a string");
  *out = std::string(s);
  return absl::OkStatus();
}

absl::Status Validate(const FaultRule& r, size_t index) {
  if (!r.server.empty() && r.server != "clob" && r.server != "gamma" && r.server != "kalshi") {
    return RuleError(index, "server",
                     absl::StrCat("unknown server \"", ToAbsl(r.server),
                                  "\" (clob | gamma | kalshi; admin cannot be targeted)"));
  }
  if (!(r.probability > 0.0 && r.probability <= 1.0)) {
    return RuleError(index, "probability", "must be in (0, 1]");
  }
  if (r.max_count < 0) return RuleError(index, "count", "must be >= 0");
  if (r.duration_ms < 0) return RuleError(index, "duration_ms", "must be >= 0");
  switch (r.kind) {
    case FaultKind::kStatus:
      if (r.status < 400 || r.status > 599) return RuleError(index, "status", "must be 400-599");
      break;
    case FaultKind::kRateLimit:
      if (r.retry_after_s < 0) return RuleError(index, "retry_after_s", "must be >= 0");
      break;
    case FaultKind::kLatency:
      if (r.latency_ms <= 0) return RuleError(index, "latency_ms", "must be > 0");
      break;
    case FaultKind::kDrop:
      break;
    case FaultKind::kWsDisconnect:
      if (r.close_code != 0 && (r.close_code < 1000 || r.close_code > 4999 ||
                                r.close_code == 1005 || r.close_code == 1006)) {
        return RuleError(index, "close_code", "must be 0 (abrupt) or a sendable code 1000-4999");
      }
      break;
    case FaultKind::kWsStall:
      if (r.stall_ms <= 0) return RuleError(index, "stall_ms", "must be > 0");
      break;
    case FaultKind::kWsMalformed:
      if (r.frames < 1 || r.frames > 100) return RuleError(index, "frames", "must be 1-100");
      break;
    case FaultKind::kWsSeqGap:
      if (r.server != "kalshi") {
        return RuleError(index, "server",
                         "ws_seq_gap needs server \"kalshi\" (only Kalshi messages carry seq)");
      }
      break;
  }
  if (IsWsKind(r.kind) && (!r.method.empty() || !r.path_prefix.empty())) {
    return RuleError(index, r.method.empty() ? "path_prefix" : "method",
                     "not allowed for WebSocket kinds (they target a whole server)");
  }
  return absl::OkStatus();
}

absl::StatusOr<FaultRule> ParseRule(dom::element e, size_t index) {
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return RuleError(index, "", "not an object");
  FaultRule r;
  bool have_kind = false;
  bool have_status = false;
  for (dom::key_value_pair field : obj) {
    const std::string_view key = field.key;
    const dom::element v = field.value;
    int64_t n = 0;
    if (key == "kind") {
      std::string kind;
      ARBOR_RETURN_IF_ERROR(GetString(v, index, key, &kind));
      bool found = false;
      for (int k = 0; k < kFaultKinds; ++k) {
        if (kKindNames[static_cast<size_t>(k)] == kind) {
          r.kind = static_cast<FaultKind>(k);
          found = true;
        }
      }
      if (!found) return RuleError(index, key, absl::StrCat("unknown kind \"", kind, "\""));
      have_kind = true;
    } else if (key == "server") {
      ARBOR_RETURN_IF_ERROR(GetString(v, index, key, &r.server));
    } else if (key == "method") {
      ARBOR_RETURN_IF_ERROR(GetString(v, index, key, &r.method));
    } else if (key == "path_prefix") {
      ARBOR_RETURN_IF_ERROR(GetString(v, index, key, &r.path_prefix));
    } else if (key == "probability") {
      if (v.get_double().get(r.probability) != simdjson::SUCCESS) {
        return RuleError(index, key, "not a number");
      }
    } else if (key == "count") {
      ARBOR_RETURN_IF_ERROR(GetInt(v, index, key, 0, INT64_MAX, &r.max_count));
    } else if (key == "duration_ms") {
      ARBOR_RETURN_IF_ERROR(GetInt(v, index, key, 0, INT64_MAX, &r.duration_ms));
    } else if (key == "status") {
      ARBOR_RETURN_IF_ERROR(GetInt(v, index, key, 400, 599, &n));
      r.status = static_cast<int>(n);
      have_status = true;
    } else if (key == "message") {
      ARBOR_RETURN_IF_ERROR(GetString(v, index, key, &r.message));
    } else if (key == "retry_after_s") {
      ARBOR_RETURN_IF_ERROR(GetInt(v, index, key, 0, 86400, &r.retry_after_s));
    } else if (key == "latency_ms") {
      ARBOR_RETURN_IF_ERROR(GetInt(v, index, key, 1, 600000, &r.latency_ms));
    } else if (key == "close_code") {
      ARBOR_RETURN_IF_ERROR(GetInt(v, index, key, 0, 4999, &n));
      r.close_code = static_cast<int>(n);
    } else if (key == "stall_ms") {
      ARBOR_RETURN_IF_ERROR(GetInt(v, index, key, 1, 600000, &r.stall_ms));
    } else if (key == "frames") {
      ARBOR_RETURN_IF_ERROR(GetInt(v, index, key, 1, 100, &n));
      r.frames = static_cast<int>(n);
    } else {
      return RuleError(index, key, "unknown key");
    }
  }
  if (!have_kind) return RuleError(index, "kind", "missing");
  if (r.kind == FaultKind::kStatus && !have_status) return RuleError(index, "status", "missing");
  ARBOR_RETURN_IF_ERROR(Validate(r, index));
  return r;
}

// The error body a venue sends: Kalshi nests {"error":{"code","message"}}, Polymarket's CLOB
// and Gamma answer {"error":"<message>"}.
HttpReply VenueError(std::string_view server, int status, std::string_view message) {
  if (server != "kalshi") return HttpReply::Error(status, message);
  JsonWriter w;
  w.BeginObject()
      .Key("error")
      .BeginObject()
      .Key("code")
      .String(status == 429 ? "too_many_requests" : "internal_server_error")
      .Key("message")
      .String(message)
      .EndObject()
      .EndObject();
  return HttpReply::Json(status, w.Take());
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

std::string MalformedFrame(std::string_view server, int i) {
  static constexpr std::array<std::string_view, 4> kPolymarket = {
      // Truncated JSON.
      R"({"event_type":"book","asset_id":")",
      // Not JSON at all.
      "<<sim: not json>> ~~~",
      // A known event with wrong field types (strings expected).
      R"({"event_type":"book","asset_id":{"id":1},"market":7,"bids":"none",)"
      R"("asks":[{"price":{"v":"0.5"},"size":true}],"timestamp":[]})",
      // An event type no client knows.
      R"({"event_type":"sim_unknown_event","asset_id":"0","market":"0x00"})",
  };
  static constexpr std::array<std::string_view, 4> kKalshi = {
      R"({"type":"orderbook_delta","sid":1,"seq":)",
      "<<sim: not json>> ~~~",
      R"({"type":"orderbook_delta","sid":"one","seq":{"n":1},)"
      R"("msg":{"market_ticker":5,"price":{"v":1},"delta":"x","side":9}})",
      R"({"type":"sim_unknown_type","sid":1,"msg":{}})",
  };
  const auto k = static_cast<size_t>(i % 4);
  return std::string(server == "kalshi" ? kKalshi[k] : kPolymarket[k]);
}

absl::StatusOr<std::vector<FaultRule>> ParseFaultRules(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto e = parser.parse(json.data(), json.size()).get(root); e != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("faults: invalid JSON: ", simdjson::error_message(e)));
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("faults: top level must be an object {\"rules\":[...]}");
  }
  std::vector<FaultRule> rules;
  bool have_rules = false;
  for (dom::key_value_pair field : obj) {
    if (field.key != "rules") {
      return absl::InvalidArgumentError(
          absl::StrCat("faults: unknown key \"", ToAbsl(field.key), "\""));
    }
    dom::array arr;
    if (field.value.get_array().get(arr) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("faults: rules: not an array");
    }
    for (dom::element item : arr) {
      ARBOR_ASSIGN_OR_RETURN(FaultRule rule, ParseRule(item, rules.size()));
      rules.push_back(std::move(rule));
    }
    have_rules = true;
  }
  if (!have_rules) return absl::InvalidArgumentError("faults: rules: missing");
  return rules;
}

absl::StatusOr<std::vector<FaultRule>> LoadFaultFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open faults file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<std::vector<FaultRule>> rules = ParseFaultRules(ss.str());
  if (!rules.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", rules.status().message()));
  }
  return rules;
}

FaultInjector::FaultInjector(uint64_t seed, const Clock& clock) : clock_(clock), rng_(seed) {}

int64_t FaultInjector::NowMs() const { return absl::ToUnixMillis(clock_.Now()); }

absl::Status FaultInjector::AddRule(FaultRule rule) {
  ARBOR_RETURN_IF_ERROR(Validate(rule, rules_.size()));
  rules_.push_back(Rule{std::move(rule), NowMs(), 0});
  return absl::OkStatus();
}

void FaultInjector::Clear() { rules_.clear(); }

void FaultInjector::AttachSeqGap(std::string server, std::function<void()> skip) {
  seq_gap_targets_.emplace_back(std::move(server), std::move(skip));
}

void FaultInjector::AttachWs(std::string server, std::shared_ptr<WsRegistry> registry) {
  ws_targets_.emplace_back(std::move(server), std::move(registry));
}

bool FaultInjector::Live(const Rule& rule, int64_t now_ms) const {
  if (rule.spec.max_count > 0 && rule.hits >= rule.spec.max_count) return false;
  if (rule.spec.duration_ms > 0 && now_ms - rule.added_ms >= rule.spec.duration_ms) return false;
  return true;
}

bool FaultInjector::Fires(const Rule& rule) {
  // "Every request" rules draw nothing, so they do not shift other rules' random streams.
  if (rule.spec.probability >= 1.0) return true;
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  return u < rule.spec.probability;
}

HttpFault FaultInjector::OnRequest(std::string_view server, std::string_view method,
                                   std::string_view path) {
  HttpFault out;
  if (rules_.empty() || server == "admin") return out;
  const int64_t now_ms = NowMs();
  for (Rule& rule : rules_) {
    const FaultRule& r = rule.spec;
    if (IsWsKind(r.kind) || !Live(rule, now_ms)) continue;
    if (!r.server.empty() && r.server != server) continue;
    if (!r.method.empty() && r.method != method) continue;
    if (path.substr(0, r.path_prefix.size()) != r.path_prefix) continue;
    if (!Fires(rule)) continue;
    ++rule.hits;
    ++counters_[static_cast<int>(r.kind)];
    switch (r.kind) {
      case FaultKind::kStatus: {
        out.action = HttpFault::Action::kReply;
        const auto phrase =
            boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(r.status));
        const std::string_view reason(phrase.data(), phrase.size());
        out.reply = VenueError(server, r.status, r.message.empty() ? reason : r.message);
        break;
      }
      case FaultKind::kRateLimit:
        out.action = HttpFault::Action::kReply;
        out.reply = VenueError(server, 429, "Too Many Requests");
        out.reply.headers.emplace_back("Retry-After", absl::StrCat(r.retry_after_s));
        break;
      case FaultKind::kLatency:
        out.action = HttpFault::Action::kDelay;
        out.delay_ms = r.latency_ms;
        break;
      case FaultKind::kDrop:
        out.action = HttpFault::Action::kDrop;
        break;
      case FaultKind::kWsDisconnect:
      case FaultKind::kWsStall:
      case FaultKind::kWsMalformed:
      case FaultKind::kWsSeqGap:
        break;  // skipped above
    }
    return out;
  }
  return out;
}

void FaultInjector::Tick() {
  const int64_t now_ms = NowMs();
  for (Rule& rule : rules_) {
    const FaultRule& r = rule.spec;
    if (!IsWsKind(r.kind) || !Live(rule, now_ms) || !Fires(rule)) continue;
    ++rule.hits;
    ++counters_[static_cast<int>(r.kind)];
    if (r.kind == FaultKind::kWsSeqGap) {
      for (auto& [name, skip] : seq_gap_targets_) {
        if (r.server == name) skip();
      }
      continue;
    }
    for (auto& [name, registry] : ws_targets_) {
      if (!r.server.empty() && r.server != name) continue;
      registry->ForEach([&r, server = std::string_view(name)](WsSession& s) {
        if (r.kind == FaultKind::kWsMalformed) {
          for (int i = 0; i < r.frames; ++i) s.Send(MalformedFrame(server, i));
        } else if (r.kind == FaultKind::kWsStall) {
          s.Stall(r.stall_ms);
        } else if (r.close_code == 0) {
          s.Abort();
        } else {
          s.Close(static_cast<uint16_t>(r.close_code), "fault injected");
        }
      });
    }
  }
}

std::string FaultInjector::ToJson() const {
  const int64_t now_ms = NowMs();
  JsonWriter w;
  w.BeginObject().Key("rules").BeginArray();
  for (const Rule& rule : rules_) {
    const FaultRule& r = rule.spec;
    w.BeginObject().Key("kind").String(FaultKindName(r.kind));
    if (!r.server.empty()) w.Key("server").String(r.server);
    if (!r.method.empty()) w.Key("method").String(r.method);
    if (!r.path_prefix.empty()) w.Key("path_prefix").String(r.path_prefix);
    w.Key("probability").Double(r.probability);
    if (r.max_count > 0) w.Key("count").Int(r.max_count);
    if (r.duration_ms > 0) w.Key("duration_ms").Int(r.duration_ms);
    switch (r.kind) {
      case FaultKind::kStatus:
        w.Key("status").Int(r.status);
        if (!r.message.empty()) w.Key("message").String(r.message);
        break;
      case FaultKind::kRateLimit:
        w.Key("retry_after_s").Int(r.retry_after_s);
        break;
      case FaultKind::kLatency:
        w.Key("latency_ms").Int(r.latency_ms);
        break;
      case FaultKind::kDrop:
        break;
      case FaultKind::kWsDisconnect:
        w.Key("close_code").Int(r.close_code);
        break;
      case FaultKind::kWsStall:
        w.Key("stall_ms").Int(r.stall_ms);
        break;
      case FaultKind::kWsMalformed:
        w.Key("frames").Int(r.frames);
        break;
      case FaultKind::kWsSeqGap:
        break;
    }
    w.Key("hits").Int(rule.hits).Key("expired").Bool(!Live(rule, now_ms)).EndObject();
  }
  w.EndArray().Key("counters").BeginObject();
  for (int k = 0; k < kFaultKinds; ++k) {
    w.Key(kKindNames[static_cast<size_t>(k)]).Uint(counters_[static_cast<size_t>(k)]);
  }
  w.EndObject().EndObject();
  return w.Take();
}

}  // namespace arbor::sim
