#include "table_format.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/strings.h"

namespace arbor::arborctl::cli {

std::string Usd(int64_t micros) { return Money::FromMicros(micros).ToFixedString(kFixedDecimals); }
std::string Px(int64_t micros) { return Price::FromMicros(micros).ToFixedString(kFixedDecimals); }
std::string Qty(int64_t micros) { return Quantity::FromMicros(micros).ToString(); }

std::string Ts(int64_t unix_nanos) {
  if (unix_nanos == 0) return "-";
  // RFC 3339 in UTC with a "Z" (absl::RFC3339_full would print "+00:00"); fractional seconds
  // only when non-zero.
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixNanos(unix_nanos),
                          absl::UTCTimeZone());
}

std::string Dur(int64_t nanos) { return absl::FormatDuration(absl::Nanoseconds(nanos)); }

std::string YesNo(bool b) { return b ? "yes" : "no"; }

std::string Text(const std::string& s) { return s.empty() ? "-" : s; }

std::string Bps(uint32_t bps) {
  const std::string frac = absl::StrCat(bps % 100);
  return absl::StrCat(bps / 100, ".", frac.size() == 1 ? "0" : "", frac, "%");
}

std::string Ratio(double value) { return absl::StrFormat("%.3f", value); }

std::string EnumText(const google::protobuf::EnumDescriptor* descriptor, int value, bool lower) {
  if (value == 0) return "-";
  const google::protobuf::EnumValueDescriptor* v = descriptor->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat("unknown(", value, ")");
  std::string name = v->name();
  const google::protobuf::EnumValueDescriptor* zero = descriptor->FindValueByNumber(0);
  constexpr absl::string_view kUnspecified = "UNSPECIFIED";
  if (zero != nullptr && absl::EndsWith(zero->name(), kUnspecified)) {
    const std::string prefix = zero->name().substr(0, zero->name().size() - kUnspecified.size());
    if (absl::StartsWith(name, prefix) && name.size() > prefix.size()) {
      name = name.substr(prefix.size());
    }
  }
  return lower ? absl::AsciiStrToLower(name) : name;
}

std::string VenueText(int v) { return EnumText(v1::Venue_descriptor(), v, true); }
std::string LaneText(int v) { return EnumText(v1::Lane_descriptor(), v, true); }
std::string SideText(int v) { return EnumText(v1::Side_descriptor(), v); }
std::string ModeText(int v) { return EnumText(v1::TradingMode_descriptor(), v); }

std::string InstrumentText(const v1::InstrumentId& id) {
  if (id.venue() == v1::VENUE_UNSPECIFIED && id.symbol().empty()) return "-";
  return absl::StrCat(VenueText(id.venue()), ":", id.symbol());
}

std::string LegText(const v1::OpportunityLeg& leg) {
  if (leg.action() == v1::LEG_ACTION_ORDER) {
    return absl::StrCat(SideText(leg.side()), " ", InstrumentText(leg.instrument_id()), " ",
                        Qty(leg.size_micros()), " @", Px(leg.limit_price_micros()));
  }
  std::string text = absl::StrCat(EnumText(v1::LegAction_descriptor(), leg.action()), " ",
                                  Text(leg.market_id()), " ", Qty(leg.size_micros()));
  if (leg.convert_question_indices_size() > 0) {
    absl::StrAppend(&text, " q[", absl::StrJoin(leg.convert_question_indices(), ","), "]");
  }
  return text;
}

Table::Table(std::string_view spec) {
  for (absl::string_view name : absl::StrSplit(ToAbsl(spec), ' ', absl::SkipEmpty())) {
    const bool right = absl::ConsumePrefix(&name, ">");
    columns_.push_back({std::string(name.data(), name.size()), right});
  }
}

void Table::Add(std::vector<std::string> row) {
  row.resize(columns_.size());
  rows_.push_back(std::move(row));
}

std::string Table::Render() const {
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) widths[c] = columns_[c].name.size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) text += "  ";
      const std::string pad(widths[c] - cells[c].size(), ' ');
      text += columns_[c].right ? pad + cells[c] : cells[c] + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  std::vector<std::string> header;
  for (const Column& c : columns_) header.push_back(c.name);
  line(header);
  for (const auto& row : rows_) line(row);
  return out;
}

KeyValues& KeyValues::Add(std::string key, std::string value) {
  pairs_.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::string KeyValues::Render() const {
  size_t width = 0;
  for (const auto& [k, v] : pairs_) width = std::max(width, k.size());
  std::string out;
  for (const auto& [k, v] : pairs_) {
    std::string text = absl::StrCat(k, std::string(width - k.size() + 2, ' '), v);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

std::string Sections(const std::vector<std::string>& sections) {
  std::vector<std::string> non_empty;
  for (const std::string& s : sections) {
    if (!s.empty()) non_empty.push_back(s);
  }
  return absl::StrJoin(non_empty, "\n");
}

void AddHealth(const v1::ComponentHealth& h, KeyValues* kv) {
  kv->Add("component", Text(h.component()));
  kv->Add("instance", Text(h.instance()));
  kv->Add("status", EnumText(v1::ServingStatus_descriptor(), h.status()));
  kv->Add("live", YesNo(h.live()));
  kv->Add("ready", YesNo(h.ready()));
  kv->Add("version", Text(h.version()));
  kv->Add("run_mode", EnumText(v1::RunMode_descriptor(), h.run_mode()));
  kv->Add("started", Ts(h.started_unix_nanos()));
  kv->Add("reported", Ts(h.reported_unix_nanos()));
}

std::string ChecksTable(const v1::ComponentHealth& h) {
  if (h.checks_size() == 0) return "";
  Table t("CHECK OK SINCE MESSAGE");
  for (const v1::HealthCheck& c : h.checks()) {
    t.Add({c.name(), YesNo(c.ok()), Ts(c.since_unix_nanos()), Text(c.message())});
  }
  return t.Render();
}

void AddPolicyRef(const v1::PolicyRef& p, KeyValues* kv) {
  kv->Add("policy_name", Text(p.policy_name()));
  kv->Add("policy_uid", Text(p.policy_uid()));
  kv->Add("policy_generation", absl::StrCat(p.policy_generation()));
  kv->Add("stage_index", absl::StrCat(p.stage_index()));
  kv->Add("stage_name", Text(p.stage_name()));
  kv->Add("stages_hash", Text(p.stages_hash()));
}

std::string CountLine(size_t n, const char* noun, const std::string& next_page_token) {
  std::string line = absl::StrCat(n, " ", noun);
  if (!next_page_token.empty()) absl::StrAppend(&line, " (more available; raise --limit)");
  return line + "\n";
}

std::string HeartbeatLine(const v1::StreamHeartbeat& h) {
  std::string line = absl::StrCat("heartbeat  at=", Ts(h.ts_unix_nanos()),
                                  "  coalesced_total=", h.coalesced_total());
  if (h.initial_snapshot_complete()) line += "  initial_snapshot_complete";
  return line;
}

}  // namespace arbor::arborctl::cli
