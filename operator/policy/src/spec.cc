#include "arbor/trading_policy/spec.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <regex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arbor/core/status_macros.h"

namespace arbor::trading_policy {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<const char*, v1::Lane>, 6> kLaneNames = {{
    {"binary", v1::LANE_BINARY},
    {"negrisk", v1::LANE_NEGRISK},
    {"cross_venue", v1::LANE_CROSS_VENUE},
    {"combinatorial", v1::LANE_COMBINATORIAL},
    {"expiry_edge", v1::LANE_EXPIRY_EDGE},
    {"fair_value", v1::LANE_FAIR_VALUE},
}};

absl::Status Invalid(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

// Reads optional typed fields of one JSON object, remembering the object's path for messages.
class Fields {
 public:
  Fields(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string Path(absl::string_view field) const { return absl::StrCat(path_, ".", field); }
  bool Has(const char* field) const { return object_.contains(field) && !object_[field].is_null(); }

  absl::Status Int(const char* field, int64_t min, int64_t max, int64_t* out) const {
    if (!Has(field)) return absl::OkStatus();
    const json& v = object_[field];
    if (!v.is_number_integer()) return Invalid(Path(field), "must be an integer");
    const int64_t x = v.get<int64_t>();
    if (x < min || x > max) {
      return Invalid(Path(field), absl::StrCat("must be in [", min, ", ", max, "], got ", x));
    }
    *out = x;
    return absl::OkStatus();
  }
  absl::Status Int32(const char* field, int64_t min, int64_t max, int32_t* out) const {
    int64_t x = *out;
    ARBOR_RETURN_IF_ERROR(Int(field, min, max, &x));
    *out = static_cast<int32_t>(x);
    return absl::OkStatus();
  }
  absl::Status OptionalInt(const char* field, int64_t min, int64_t max,
                           std::optional<int64_t>* out) const {
    if (!Has(field)) return absl::OkStatus();
    int64_t x = 0;
    ARBOR_RETURN_IF_ERROR(Int(field, min, max, &x));
    *out = x;
    return absl::OkStatus();
  }
  absl::Status OptionalInt32(const char* field, int64_t min, int64_t max,
                             std::optional<int32_t>* out) const {
    if (!Has(field)) return absl::OkStatus();
    int64_t x = 0;
    ARBOR_RETURN_IF_ERROR(Int(field, min, max, &x));
    *out = static_cast<int32_t>(x);
    return absl::OkStatus();
  }
  absl::Status Bool(const char* field, bool* out) const {
    if (!Has(field)) return absl::OkStatus();
    if (!object_[field].is_boolean()) return Invalid(Path(field), "must be a boolean");
    *out = object_[field].get<bool>();
    return absl::OkStatus();
  }
  absl::Status String(const char* field, std::string* out) const {
    if (!Has(field)) return absl::OkStatus();
    if (!object_[field].is_string()) return Invalid(Path(field), "must be a string");
    *out = object_[field].get<std::string>();
    return absl::OkStatus();
  }
  absl::Status Duration(const char* field, absl::Duration* out) const {
    if (!Has(field)) return absl::OkStatus();
    std::string text;
    ARBOR_RETURN_IF_ERROR(String(field, &text));
    auto d = ParseGoDuration(text);
    if (!d.ok()) return Invalid(Path(field), d.status().message());
    *out = *d;
    return absl::OkStatus();
  }
  absl::Status Required(const char* field) const {
    if (!Has(field)) return Invalid(Path(field), "is required");
    return absl::OkStatus();
  }
  const json& Get(const char* field) const { return object_[field]; }

 private:
  const json& object_;
  std::string path_;
};

constexpr int64_t kMaxCents = 100'000'000'000;  // 1e9 USD: the CRD's capital ceiling
constexpr int64_t kMaxInt32 = 2'147'483'647;
constexpr int64_t kMaxInt64 = INT64_MAX;

absl::StatusOr<LaneSpec> ParseLane(const json& item, const std::string& path) {
  if (!item.is_object()) return Invalid(path, "must be an object");
  Fields f(item, path);
  LaneSpec lane;
  ARBOR_RETURN_IF_ERROR(f.Required("name"));
  ARBOR_RETURN_IF_ERROR(f.Required("weightBps"));
  ARBOR_RETURN_IF_ERROR(f.String("name", &lane.name));
  auto id = LaneFromName(lane.name);
  if (!id) return Invalid(f.Path("name"), absl::StrCat("unknown lane \"", lane.name, "\""));
  lane.lane = *id;
  ARBOR_RETURN_IF_ERROR(f.Bool("enabled", &lane.enabled));
  ARBOR_RETURN_IF_ERROR(f.Int32("weightBps", 0, 10000, &lane.weight_bps));
  ARBOR_RETURN_IF_ERROR(
      f.Int("maxOrderNotionalCents", 0, kMaxCents, &lane.max_order_notional_cents));
  ARBOR_RETURN_IF_ERROR(f.Int32("maxOpenExecutions", 0, kMaxInt32, &lane.max_open_executions));
  ARBOR_RETURN_IF_ERROR(f.Int("minEdgePerSetMicros", 0, 1'000'000, &lane.min_edge_per_set_micros));
  ARBOR_RETURN_IF_ERROR(f.Int32("minConfidenceBps", 0, 10000, &lane.min_confidence_bps));
  ARBOR_RETURN_IF_ERROR(f.Int("dailyLossCapCents", 0, kMaxCents, &lane.daily_loss_cap_cents));
  return lane;
}

absl::StatusOr<StageSpec> ParseStage(const json& item, const std::string& path) {
  if (!item.is_object()) return Invalid(path, "must be an object");
  Fields f(item, path);
  StageSpec stage;
  ARBOR_RETURN_IF_ERROR(f.Required("name"));
  ARBOR_RETURN_IF_ERROR(f.Required("capitalCapCents"));
  ARBOR_RETURN_IF_ERROR(f.Required("minDuration"));
  ARBOR_RETURN_IF_ERROR(f.String("name", &stage.name));
  static const std::regex kName("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  if (stage.name.size() > 63 || !std::regex_match(stage.name, kName)) {
    return Invalid(f.Path("name"), "must be a DNS label (lower-case letters, digits, '-')");
  }
  ARBOR_RETURN_IF_ERROR(f.Int("capitalCapCents", 0, kMaxCents, &stage.capital_cap_cents));
  if (f.Has("lanes")) {
    const json& lanes = f.Get("lanes");
    if (!lanes.is_array() || lanes.size() > 6) {
      return Invalid(f.Path("lanes"), "must be a list of at most 6 lane names");
    }
    for (size_t i = 0; i < lanes.size(); ++i) {
      auto id = lanes[i].is_string() ? LaneFromName(lanes[i].get<std::string>()) : std::nullopt;
      if (!id) return Invalid(absl::StrCat(f.Path("lanes"), "[", i, "]"), "unknown lane");
      stage.lanes.push_back(*id);
    }
  }
  ARBOR_RETURN_IF_ERROR(f.Duration("minDuration", &stage.min_duration));
  if (stage.min_duration > absl::Hours(720)) {
    return Invalid(path, "minDuration must be a duration of at most 720h");
  }
  ARBOR_RETURN_IF_ERROR(f.Int("minSamples", 0, kMaxInt64, &stage.min_samples));
  ARBOR_RETURN_IF_ERROR(f.Bool("requiresApproval", &stage.requires_approval));
  if (f.Has("gates")) {
    const json& gates = f.Get("gates");
    if (!gates.is_object()) return Invalid(f.Path("gates"), "must be an object");
    Fields g(gates, f.Path("gates"));
    ARBOR_RETURN_IF_ERROR(g.OptionalInt("minRealizedPnlCents", -kMaxCents, kMaxCents,
                                        &stage.gates.min_realized_pnl_cents));
    ARBOR_RETURN_IF_ERROR(
        g.OptionalInt("maxDrawdownCents", 0, kMaxCents, &stage.gates.max_drawdown_cents));
    ARBOR_RETURN_IF_ERROR(
        g.OptionalInt32("minFillReliabilityBps", 0, 10000, &stage.gates.min_fill_reliability_bps));
    ARBOR_RETURN_IF_ERROR(
        g.OptionalInt("maxUnhedgedExecutions", 0, kMaxInt64, &stage.gates.max_unhedged_executions));
    ARBOR_RETURN_IF_ERROR(
        g.OptionalInt32("maxErrorRateBps", 0, 10000, &stage.gates.max_error_rate_bps));
  }
  return stage;
}

absl::StatusOr<RiskSpec> ParseRisk(const json& risk) {
  if (!risk.is_object()) return Invalid("spec.risk", "must be an object");
  Fields f(risk, "spec.risk");
  RiskSpec r;
  for (const char* req : {"maxOrderNotionalCents", "dailyLossCapCents", "maxDrawdownCents"}) {
    ARBOR_RETURN_IF_ERROR(f.Required(req));
  }
  ARBOR_RETURN_IF_ERROR(f.Int("maxOrderNotionalCents", 1, kMaxCents, &r.max_order_notional_cents));
  ARBOR_RETURN_IF_ERROR(f.Int("maxOrderSizeShares", 0, kMaxCents, &r.max_order_size_shares));
  ARBOR_RETURN_IF_ERROR(f.Int32("priceToleranceBps", 0, 10000, &r.price_tolerance_bps));
  ARBOR_RETURN_IF_ERROR(
      f.Int("maxPositionPerVenueCents", 0, kMaxCents, &r.max_position_per_venue_cents));
  ARBOR_RETURN_IF_ERROR(
      f.Int("maxPositionPerEventCents", 0, kMaxCents, &r.max_position_per_event_cents));
  ARBOR_RETURN_IF_ERROR(
      f.Int("maxExposurePerClusterCents", 0, kMaxCents, &r.max_exposure_per_cluster_cents));
  ARBOR_RETURN_IF_ERROR(f.Int("dailyLossCapCents", 0, kMaxCents, &r.daily_loss_cap_cents));
  ARBOR_RETURN_IF_ERROR(f.Int("reduceDrawdownCents", 0, kMaxCents, &r.reduce_drawdown_cents));
  ARBOR_RETURN_IF_ERROR(f.Int("maxDrawdownCents", 0, kMaxCents, &r.max_drawdown_cents));
  ARBOR_RETURN_IF_ERROR(
      f.Int("maxUnhedgedExposureCents", 0, kMaxCents, &r.max_unhedged_exposure_cents));
  ARBOR_RETURN_IF_ERROR(f.Int32("maxOrdersPerSecond", 0, kMaxInt32, &r.max_orders_per_second));
  ARBOR_RETURN_IF_ERROR(f.Int32("maxOpenOrders", 0, kMaxInt32, &r.max_open_orders));
  ARBOR_RETURN_IF_ERROR(f.Duration("legTimeout", &r.leg_timeout));
  ARBOR_RETURN_IF_ERROR(f.Duration("maxBookAge", &r.max_book_age));
  std::string policy = "Unwind";
  ARBOR_RETURN_IF_ERROR(f.String("legFailurePolicy", &policy));
  if (policy == "Cancel") {
    r.leg_failure = LegFailure::kCancel;
  } else if (policy == "Unwind") {
    r.leg_failure = LegFailure::kUnwind;
  } else if (policy == "Hedge") {
    r.leg_failure = LegFailure::kHedge;
  } else {
    return Invalid(f.Path("legFailurePolicy"), "must be Cancel, Unwind or Hedge");
  }
  if (r.reduce_drawdown_cents > r.max_drawdown_cents) {
    return Invalid(f.Path("reduceDrawdownCents"),
                   "reduceDrawdownCents must not exceed maxDrawdownCents");
  }
  return r;
}

absl::StatusOr<FeedSpec> ParseFeed(const json& feed) {
  if (!feed.is_object()) return Invalid("spec.feed", "must be an object");
  Fields f(feed, "spec.feed");
  FeedSpec s;
  std::string mode = "Stream";
  ARBOR_RETURN_IF_ERROR(f.String("preferredMode", &mode));
  if (mode == "Stream") {
    s.preferred_mode = FeedModeSpec::kStream;
  } else if (mode == "Hybrid") {
    s.preferred_mode = FeedModeSpec::kHybrid;
  } else if (mode == "Poll") {
    s.preferred_mode = FeedModeSpec::kPoll;
  } else {
    return Invalid(f.Path("preferredMode"), "must be Stream, Hybrid or Poll");
  }
  ARBOR_RETURN_IF_ERROR(f.Duration("staleAfter", &s.stale_after));
  ARBOR_RETURN_IF_ERROR(f.Duration("connectionSilence", &s.connection_silence));
  ARBOR_RETURN_IF_ERROR(
      f.Int32("maxReconnectsPerMinute", 1, kMaxInt32, &s.max_reconnects_per_minute));
  ARBOR_RETURN_IF_ERROR(f.Int32("maxGapsPerMinute", 1, kMaxInt32, &s.max_gaps_per_minute));
  ARBOR_RETURN_IF_ERROR(f.Duration("recoverAfter", &s.recover_after));
  ARBOR_RETURN_IF_ERROR(f.Duration("pollInterval", &s.poll_interval));
  ARBOR_RETURN_IF_ERROR(f.Int32("maxAssetsPerConnection", 1, 500, &s.max_assets_per_connection));
  ARBOR_RETURN_IF_ERROR(f.Int32("subscriberQueueLimit", 1, kMaxInt32, &s.subscriber_queue_limit));
  return s;
}

}  // namespace

std::optional<v1::Lane> LaneFromName(const std::string& name) {
  for (const auto& [n, lane] : kLaneNames) {
    if (name == n) return lane;
  }
  return std::nullopt;
}

std::string LaneName(v1::Lane lane) {
  for (const auto& [n, l] : kLaneNames) {
    if (l == lane) return n;
  }
  return "unspecified";
}

absl::StatusOr<absl::Duration> ParseGoDuration(const std::string& text) {
  static const std::regex kPattern("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$");
  absl::Duration d;
  if (text.size() > 32 || !std::regex_match(text, kPattern) || !absl::ParseDuration(text, &d) ||
      d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a duration like 30s, 15m, 1h30m"));
  }
  return d;
}

absl::StatusOr<PolicySpec> ParsePolicySpec(const json& spec) {
  if (!spec.is_object()) return Invalid("spec", "must be an object");
  Fields f(spec, "spec");
  PolicySpec p;
  for (const char* req : {"lanes", "stages", "risk"}) ARBOR_RETURN_IF_ERROR(f.Required(req));
  ARBOR_RETURN_IF_ERROR(f.Bool("suspend", &p.suspend));
  ARBOR_RETURN_IF_ERROR(f.Bool("abort", &p.abort));
  ARBOR_RETURN_IF_ERROR(f.Int32("approvedStage", 0, kMaxInt32, &p.approved_stage));
  ARBOR_RETURN_IF_ERROR(f.Int32("safeStage", 0, kMaxInt32, &p.safe_stage));
  std::string on_failure = "Abort";
  ARBOR_RETURN_IF_ERROR(f.String("onGateFailure", &on_failure));
  if (on_failure == "Abort") {
    p.on_gate_failure = GateFailureAction::kAbort;
  } else if (on_failure == "Hold") {
    p.on_gate_failure = GateFailureAction::kHold;
  } else {
    return Invalid(f.Path("onGateFailure"), "must be Abort or Hold");
  }

  const json& lanes = f.Get("lanes");
  if (!lanes.is_array() || lanes.empty() || lanes.size() > 6) {
    return Invalid("spec.lanes", "must list 1 to 6 lanes");
  }
  int64_t weight_sum = 0;
  for (size_t i = 0; i < lanes.size(); ++i) {
    ARBOR_ASSIGN_OR_RETURN(LaneSpec lane, ParseLane(lanes[i], absl::StrCat("spec.lanes[", i, "]")));
    for (const LaneSpec& other : p.lanes) {
      if (other.lane == lane.lane) {
        return Invalid(absl::StrCat("spec.lanes[", i, "]"),
                       absl::StrCat("duplicate lane \"", lane.name, "\""));
      }
    }
    weight_sum += lane.weight_bps;
    p.lanes.push_back(std::move(lane));
  }
  if (weight_sum != 10000) {
    return Invalid("spec.lanes", absl::StrCat("lane weights (weightBps) must sum to 10000 (100 %), "
                                              "got ",
                                              weight_sum));
  }

  const json& stages = f.Get("stages");
  if (!stages.is_array() || stages.empty() || stages.size() > 10) {
    return Invalid("spec.stages", "must list 1 to 10 stages");
  }
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string path = absl::StrCat("spec.stages[", i, "]");
    ARBOR_ASSIGN_OR_RETURN(StageSpec stage, ParseStage(stages[i], path));
    for (const StageSpec& other : p.stages) {
      if (other.name == stage.name) {
        return Invalid(path, absl::StrCat("duplicate stage name \"", stage.name, "\""));
      }
    }
    if (!p.stages.empty() && stage.capital_cap_cents < p.stages.back().capital_cap_cents) {
      return Invalid("spec.stages", "stage capital caps (capitalCapCents) must be non-decreasing");
    }
    for (v1::Lane lane : stage.lanes) {
      const bool declared = std::any_of(p.lanes.begin(), p.lanes.end(),
                                        [&](const LaneSpec& l) { return l.lane == lane; });
      if (!declared) {
        return Invalid("spec.stages", "every lane a stage allows must be declared in spec.lanes");
      }
    }
    p.stages.push_back(std::move(stage));
  }
  if (p.safe_stage >= static_cast<int32_t>(p.stages.size())) {
    return Invalid("spec.safeStage", "safeStage must be the index of a stage");
  }
  if (p.approved_stage >= static_cast<int32_t>(p.stages.size())) {
    return Invalid("spec.approvedStage", "approvedStage must be the index of a stage");
  }

  ARBOR_ASSIGN_OR_RETURN(p.risk, ParseRisk(f.Get("risk")));
  if (f.Has("feed")) {
    ARBOR_ASSIGN_OR_RETURN(p.feed, ParseFeed(f.Get("feed")));
  }
  if (f.Has("failover")) {
    const json& failover = f.Get("failover");
    if (!failover.is_object()) return Invalid("spec.failover", "must be an object");
    Fields fo(failover, "spec.failover");
    ARBOR_RETURN_IF_ERROR(
        fo.Duration("executorUnhealthyAfter", &p.failover.executor_unhealthy_after));
    ARBOR_RETURN_IF_ERROR(
        fo.Bool("killSwitchOnExecutorLoss", &p.failover.kill_switch_on_executor_loss));
  }
  return p;
}

absl::StatusOr<PolicyMeta> ParsePolicyMeta(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return Invalid("metadata", "missing");
  }
  const json& m = object["metadata"];
  PolicyMeta meta;
  auto str = [&](const char* field) -> std::string {
    auto it = m.find(field);
    return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  meta.name = str("name");
  meta.namespace_name = str("namespace");
  meta.uid = str("uid");
  meta.resource_version = str("resourceVersion");
  if (meta.name.empty() || meta.uid.empty()) return Invalid("metadata", "name and uid required");
  if (auto it = m.find("generation"); it != m.end() && it->is_number_integer()) {
    meta.generation = it->get<int64_t>();
  }
  std::string err;
  if (const std::string t = str("creationTimestamp"); !t.empty()) {
    absl::ParseTime(absl::RFC3339_full, t, &meta.created, &err);
  }
  if (const std::string t = str("deletionTimestamp"); !t.empty()) {
    absl::Time when;
    if (absl::ParseTime(absl::RFC3339_full, t, &when, &err)) meta.deletion = when;
  }
  if (auto it = m.find("finalizers"); it != m.end() && it->is_array()) {
    for (const json& f : *it) {
      if (f.is_string()) meta.finalizers.push_back(f.get<std::string>());
    }
  }
  return meta;
}

std::string StagesHash(const json& spec) {
  json subject = json::object();
  subject["stages"] = spec.is_object() && spec.contains("stages") ? spec["stages"] : json();
  subject["lanes"] = spec.is_object() && spec.contains("lanes") ? spec["lanes"] : json();
  // nlohmann::json keeps object keys sorted, so dump() is canonical for equal content.
  const std::string text = subject.dump();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace arbor::trading_policy
