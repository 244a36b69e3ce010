#include "replay_session.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string>

#include "absl/numeric/int128.h"

namespace arbor::arborctl {
namespace {

// floor(a * b / 1e6) exactly (a price difference times a size, both in micros).
int64_t FloorMulMicros(int64_t a, int64_t b) {
  const absl::int128 p = absl::int128(a) * b;
  absl::int128 q = p / 1'000'000;
  if (p % 1'000'000 != 0 && p < 0) q -= 1;
  return static_cast<int64_t>(q);
}

}  // namespace

std::string EnumSuffix(const std::string& name, const std::string& prefix) {
  std::string out = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void WriteSessionExecution(const v1::Execution& e, JsonWriter& out) {
  std::set<std::string> venues;
  int64_t submitted = 0;
  int64_t filled = 0;
  int64_t slippage = 0;
  for (const v1::ExecutionLeg& leg : e.legs()) {
    const v1::OpportunityLeg& planned = leg.planned();
    venues.insert(EnumSuffix(v1::Venue_Name(planned.instrument_id().venue()), "VENUE_"));
    if (leg.client_order_ids_size() > 0) ++submitted;
    const int64_t size = std::llabs(leg.filled_size_micros());
    if (size > 0 && size >= planned.size_micros()) ++filled;
    if (size > 0 && leg.avg_fill_price_micros() != 0) {
      int64_t diff = leg.avg_fill_price_micros() - planned.expected_vwap_micros();
      if (planned.side() == v1::SIDE_SELL) diff = -diff;
      slippage += FloorMulMicros(diff, size);
    }
  }
  out.BeginObject();
  out.Key("execution_id").String(e.execution_id());
  out.Key("lane").String(EnumSuffix(v1::Lane_Name(e.lane()), "LANE_"));
  out.Key("venues").BeginArray();
  if (venues.empty()) out.String("unknown");
  for (const std::string& v : venues) out.String(v);
  out.EndArray();
  out.Key("opened_unix_nanos").Int(e.created_unix_nanos());
  out.Key("closed_unix_nanos").Int(std::max(e.closed_unix_nanos(), e.created_unix_nanos()));
  out.Key("close_reason")
      .String(EnumSuffix(v1::CloseReason_Name(e.close_reason()), "CLOSE_REASON_"));
  out.Key("realized_pnl_micros").Int(e.realized_pnl_micros());
  out.Key("expected_profit_micros").Int(e.expected_profit_micros());
  out.Key("legs_submitted").Int(submitted);
  out.Key("legs_filled").Int(std::min(filled, submitted));
  out.Key("slippage_micros").Int(slippage);
  out.EndObject();
}

std::string SessionJson(const ReplaySessionInput& in) {
  JsonWriter out;
  out.BeginObject();
  out.Key("arbor_session").Int(1);
  out.Key("meta").BeginObject();
  out.Key("mode").String(in.mode);
  out.Key("scenario").String(in.scenario);
  out.Key("seed").String(in.seed);
  out.Key("git_commit").String(in.git_commit);
  out.Key("started_unix_nanos").Int(in.started_unix_nanos);
  out.Key("ended_unix_nanos").Int(std::max(in.ended_unix_nanos, in.started_unix_nanos));
  out.EndObject();
  out.Key("executions").BeginArray();
  for (const v1::Execution& e : in.executions) {
    if (e.state() == v1::EXECUTION_STATE_CLOSED) WriteSessionExecution(e, out);
  }
  out.EndArray();
  out.Key("opportunities").BeginObject();
  for (const auto& [lane, n] : in.opportunities) out.Key(lane).Int(n);
  out.EndObject();
  out.Key("skips").BeginArray();
  for (const SessionSkip& s : in.skips) {
    out.BeginObject();
    if (!s.lane.empty()) out.Key("lane").String(s.lane);
    out.Key("reason").String(s.reason).Key("count").Int(s.count);
    out.EndObject();
  }
  out.EndArray();
  out.Key("risk_events").BeginObject();
  out.Key("denials").BeginObject();
  for (const auto& [reason, n] : in.denials) out.Key(reason).Int(n);
  out.EndObject();
  out.Key("kill_switch").BeginArray().EndArray();
  out.Key("safe_mode").BeginArray();
  for (const SessionSafeMode& s : in.safe_mode) {
    out.BeginObject();
    out.Key("reason").String(s.reason).Key("started_unix_nanos").Int(s.started_unix_nanos);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  out.EndObject();
  return out.Take() + "\n";
}

}  // namespace arbor::arborctl
