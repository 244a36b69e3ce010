#include "arbor/trading_policy/status.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "arbor/core/status_macros.h"

namespace arbor::trading_policy {
namespace {

using nlohmann::json;

// Seconds, like metav1.Time: a sub-second part would not survive the API server anyway.
absl::Time Truncate(absl::Time t) { return absl::FromUnixSeconds(absl::ToUnixSeconds(t)); }

class Reader {
 public:
  Reader(const json& object, std::string path) : o_(object), path_(std::move(path)) {}

  const json* Find(const char* field) const {
    if (!o_.is_object()) return nullptr;
    auto it = o_.find(field);
    return it == o_.end() || it->is_null() ? nullptr : &*it;
  }
  absl::Status Error(const char* field, const char* what) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ".", field, " ", what));
  }
  template <typename T>
  absl::Status Int(const char* field, T* out) const {
    const json* v = Find(field);
    if (!v) return absl::OkStatus();
    if (!v->is_number_integer()) return Error(field, "must be an integer");
    *out = static_cast<T>(v->get<int64_t>());
    return absl::OkStatus();
  }
  absl::Status Bool(const char* field, bool* out) const {
    const json* v = Find(field);
    if (!v) return absl::OkStatus();
    if (!v->is_boolean()) return Error(field, "must be a boolean");
    *out = v->get<bool>();
    return absl::OkStatus();
  }
  absl::Status String(const char* field, std::string* out) const {
    const json* v = Find(field);
    if (!v) return absl::OkStatus();
    if (!v->is_string()) return Error(field, "must be a string");
    *out = v->get<std::string>();
    return absl::OkStatus();
  }
  absl::Status Time(const char* field, absl::Time* out) const {
    std::optional<absl::Time> t;
    ARBOR_RETURN_IF_ERROR(OptionalTime(field, &t));
    if (t) *out = *t;
    return absl::OkStatus();
  }
  absl::Status OptionalTime(const char* field, std::optional<absl::Time>* out) const {
    std::string text;
    ARBOR_RETURN_IF_ERROR(String(field, &text));
    if (text.empty()) return absl::OkStatus();
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
      return Error(field, "must be an RFC 3339 time");
    }
    *out = t;
    return absl::OkStatus();
  }

 private:
  const json& o_;
  std::string path_;
};

const char* kGateNames[] = {"Pass", "Fail", "Insufficient", "NoData"};

absl::StatusOr<GateResult> GateResultFromName(const std::string& name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kGateNames[i]) return static_cast<GateResult>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown gate result \"", name, "\""));
}

}  // namespace

const char* GateResultName(GateResult r) { return kGateNames[static_cast<int>(r)]; }

const char* ConditionStatusName(ConditionStatus s) {
  switch (s) {
    case ConditionStatus::kTrue:
      return "True";
    case ConditionStatus::kFalse:
      return "False";
    case ConditionStatus::kUnknown:
      break;
  }
  return "Unknown";
}

std::string TimeString(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", Truncate(t), absl::UTCTimeZone());
}

std::string FormatUsdCents(int64_t cents) {
  const bool negative = cents < 0;
  const uint64_t magnitude = negative ? 0ull - static_cast<uint64_t>(cents) : cents;
  return absl::StrFormat("%s%d.%02d", negative ? "-" : "", magnitude / 100, magnitude % 100);
}

const Condition* PolicyStatus::FindCondition(std::string_view type) const {
  for (const Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

void SetCondition(std::vector<Condition>& conditions, Condition c) {
  c.last_transition_time = Truncate(c.last_transition_time);
  for (Condition& existing : conditions) {
    if (existing.type != c.type) continue;
    if (existing.status == c.status) c.last_transition_time = existing.last_transition_time;
    existing = std::move(c);
    return;
  }
  conditions.push_back(std::move(c));
}

json StatusToJson(const PolicyStatus& s) {
  json out = json::object();
  out["observedGeneration"] = s.observed_generation;
  out["phase"] = s.phase;
  out["message"] = s.message;
  out["currentStage"] = s.current_stage;
  out["currentStageName"] = s.current_stage_name;
  if (s.stage_started_at) out["stageStartedAt"] = TimeString(*s.stage_started_at);
  // Merge-patch semantics: null deletes a field that no longer applies.
  out["stageEndsAt"] = s.stage_ends_at ? json(TimeString(*s.stage_ends_at)) : json(nullptr);
  out["stagesHash"] = s.stages_hash;
  out["abortedGeneration"] = s.aborted_generation;
  if (s.evidence) {
    const Evidence& e = *s.evidence;
    json ev = {{"observedAt", TimeString(e.observed_at)},
               {"windowStart", TimeString(e.window_start)},
               {"dataComplete", e.data_complete},
               {"sampleCount", e.sample_count},
               {"realizedPnlCents", e.realized_pnl_cents},
               {"realizedPnl", FormatUsdCents(e.realized_pnl_cents)},
               {"maxDrawdownCents", e.max_drawdown_cents},
               {"maxDrawdown", FormatUsdCents(e.max_drawdown_cents)},
               {"fillReliabilityBps", e.fill_reliability_bps},
               {"unhedgedExecutions", e.unhedged_executions},
               {"errorRateBps", e.error_rate_bps}};
    json gates = json::array();
    for (const GateEvidence& g : e.gates) {
      gates.push_back({{"name", g.name},
                       {"result", GateResultName(g.result)},
                       {"value", g.value},
                       {"threshold", g.threshold},
                       {"samples", g.samples}});
    }
    ev["gates"] = std::move(gates);
    out["evidence"] = std::move(ev);
  } else {
    out["evidence"] = nullptr;
  }
  json pauses = json::array();
  for (const PauseCondition& p : s.pause_conditions) {
    pauses.push_back({{"reason", p.reason}, {"startTime", TimeString(p.start_time)}});
  }
  out["pauseConditions"] = std::move(pauses);
  out["appliedLimits"] = {{"generation", s.applied_limits.generation},
                          {"stage", s.applied_limits.stage},
                          {"appliedAt", TimeString(s.applied_limits.applied_at)}};
  json ex = {{"reachable", s.executor.reachable},
             {"healthy", s.executor.healthy},
             {"killSwitchEngaged", s.executor.kill_switch_engaged}};
  ex["lastContact"] =
      s.executor.last_contact ? json(TimeString(*s.executor.last_contact)) : json(nullptr);
  ex["unhealthySince"] =
      s.executor.unhealthy_since ? json(TimeString(*s.executor.unhealthy_since)) : json(nullptr);
  out["executor"] = std::move(ex);
  out["feeds"] = {{"applied", s.feeds_applied}, {"total", s.feeds_total}};
  json conditions = json::array();
  for (const Condition& c : s.conditions) {
    conditions.push_back({{"type", c.type},
                          {"status", ConditionStatusName(c.status)},
                          {"reason", c.reason},
                          {"message", c.message},
                          {"lastTransitionTime", TimeString(c.last_transition_time)},
                          {"observedGeneration", c.observed_generation}});
  }
  out["conditions"] = std::move(conditions);
  return out;
}

absl::StatusOr<PolicyStatus> StatusFromJson(const json& status) {
  PolicyStatus s;
  if (status.is_null()) return s;
  if (!status.is_object()) return absl::InvalidArgumentError("status must be an object");
  Reader r(status, "status");
  ARBOR_RETURN_IF_ERROR(r.Int("observedGeneration", &s.observed_generation));
  ARBOR_RETURN_IF_ERROR(r.String("phase", &s.phase));
  ARBOR_RETURN_IF_ERROR(r.String("message", &s.message));
  ARBOR_RETURN_IF_ERROR(r.Int("currentStage", &s.current_stage));
  ARBOR_RETURN_IF_ERROR(r.String("currentStageName", &s.current_stage_name));
  ARBOR_RETURN_IF_ERROR(r.OptionalTime("stageStartedAt", &s.stage_started_at));
  ARBOR_RETURN_IF_ERROR(r.OptionalTime("stageEndsAt", &s.stage_ends_at));
  ARBOR_RETURN_IF_ERROR(r.String("stagesHash", &s.stages_hash));
  ARBOR_RETURN_IF_ERROR(r.Int("abortedGeneration", &s.aborted_generation));
  if (const json* ev = r.Find("evidence")) {
    Reader e(*ev, "status.evidence");
    Evidence out;
    ARBOR_RETURN_IF_ERROR(e.Time("observedAt", &out.observed_at));
    ARBOR_RETURN_IF_ERROR(e.Time("windowStart", &out.window_start));
    ARBOR_RETURN_IF_ERROR(e.Bool("dataComplete", &out.data_complete));
    ARBOR_RETURN_IF_ERROR(e.Int("sampleCount", &out.sample_count));
    ARBOR_RETURN_IF_ERROR(e.Int("realizedPnlCents", &out.realized_pnl_cents));
    ARBOR_RETURN_IF_ERROR(e.Int("maxDrawdownCents", &out.max_drawdown_cents));
    ARBOR_RETURN_IF_ERROR(e.Int("fillReliabilityBps", &out.fill_reliability_bps));
    ARBOR_RETURN_IF_ERROR(e.Int("unhedgedExecutions", &out.unhedged_executions));
    ARBOR_RETURN_IF_ERROR(e.Int("errorRateBps", &out.error_rate_bps));
    if (const json* gates = e.Find("gates"); gates && gates->is_array()) {
      for (const json& g : *gates) {
        Reader gr(g, "status.evidence.gates[]");
        GateEvidence ge;
        std::string result;
        ARBOR_RETURN_IF_ERROR(gr.String("name", &ge.name));
        ARBOR_RETURN_IF_ERROR(gr.String("result", &result));
        ARBOR_ASSIGN_OR_RETURN(ge.result, GateResultFromName(result));
        ARBOR_RETURN_IF_ERROR(gr.String("value", &ge.value));
        ARBOR_RETURN_IF_ERROR(gr.String("threshold", &ge.threshold));
        ARBOR_RETURN_IF_ERROR(gr.Int("samples", &ge.samples));
        out.gates.push_back(std::move(ge));
      }
    }
    s.evidence = std::move(out);
  }
  if (const json* pauses = r.Find("pauseConditions"); pauses && pauses->is_array()) {
    for (const json& p : *pauses) {
      Reader pr(p, "status.pauseConditions[]");
      PauseCondition pc;
      ARBOR_RETURN_IF_ERROR(pr.String("reason", &pc.reason));
      ARBOR_RETURN_IF_ERROR(pr.Time("startTime", &pc.start_time));
      s.pause_conditions.push_back(std::move(pc));
    }
  }
  if (const json* al = r.Find("appliedLimits")) {
    Reader ar(*al, "status.appliedLimits");
    ARBOR_RETURN_IF_ERROR(ar.Int("generation", &s.applied_limits.generation));
    ARBOR_RETURN_IF_ERROR(ar.Int("stage", &s.applied_limits.stage));
    ARBOR_RETURN_IF_ERROR(ar.Time("appliedAt", &s.applied_limits.applied_at));
  }
  if (const json* ex = r.Find("executor")) {
    Reader er(*ex, "status.executor");
    ARBOR_RETURN_IF_ERROR(er.Bool("reachable", &s.executor.reachable));
    ARBOR_RETURN_IF_ERROR(er.Bool("healthy", &s.executor.healthy));
    ARBOR_RETURN_IF_ERROR(er.Bool("killSwitchEngaged", &s.executor.kill_switch_engaged));
    ARBOR_RETURN_IF_ERROR(er.OptionalTime("lastContact", &s.executor.last_contact));
    ARBOR_RETURN_IF_ERROR(er.OptionalTime("unhealthySince", &s.executor.unhealthy_since));
  }
  if (const json* feeds = r.Find("feeds")) {
    Reader fr(*feeds, "status.feeds");
    ARBOR_RETURN_IF_ERROR(fr.Int("applied", &s.feeds_applied));
    ARBOR_RETURN_IF_ERROR(fr.Int("total", &s.feeds_total));
  }
  if (const json* conditions = r.Find("conditions"); conditions && conditions->is_array()) {
    for (const json& c : *conditions) {
      Reader cr(c, "status.conditions[]");
      Condition out;
      std::string st;
      ARBOR_RETURN_IF_ERROR(cr.String("type", &out.type));
      ARBOR_RETURN_IF_ERROR(cr.String("status", &st));
      out.status = st == "True"    ? ConditionStatus::kTrue
                   : st == "False" ? ConditionStatus::kFalse
                                   : ConditionStatus::kUnknown;
      ARBOR_RETURN_IF_ERROR(cr.String("reason", &out.reason));
      ARBOR_RETURN_IF_ERROR(cr.String("message", &out.message));
      ARBOR_RETURN_IF_ERROR(cr.Time("lastTransitionTime", &out.last_transition_time));
      ARBOR_RETURN_IF_ERROR(cr.Int("observedGeneration", &out.observed_generation));
      s.conditions.push_back(std::move(out));
    }
  }
  return s;
}

}  // namespace arbor::trading_policy
