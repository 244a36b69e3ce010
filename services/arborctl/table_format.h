// File: services/arborctl/table_format.h
//
// Text formatting shared by arborctl's gRPC client commands' `--output table` (docs/arborctl.md,
// "Output"): aligned tables, `key  value` blocks, and the value conventions — money in USD and
// prices with exactly six decimals from integer micros (never through a double), quantities in
// their shortest exact form, RFC 3339 UTC times, enums without their type prefix, venues and
// lanes in lower case, instruments as "<venue>:<symbol>", "-" for unset values.
//
//   cli::Table t("INSTRUMENT >SIZE");          // '>' right-aligns a column
//   t.Add({cli::InstrumentText(id), cli::Qty(size_micros)});
//   std::cout << t.Render();
//
// Pure functions; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arbor/v1/common.pb.h"
#include "arbor/v1/control.pb.h"
#include "arbor/v1/opportunity.pb.h"
#include "google/protobuf/descriptor.h"

namespace arbor::arborctl::cli {

// Money micros as USD with exactly six decimals: 1234567 -> "1.234567", -5 -> "-0.000005".
std::string Usd(int64_t micros);
// Price micros with exactly six decimals.
std::string Px(int64_t micros);
// Quantity micros in the shortest exact form: 12500000 -> "12.5".
std::string Qty(int64_t micros);
// Unix ns as RFC 3339 UTC with a "Z" (fractional seconds only when non-zero); "-" for 0.
std::string Ts(int64_t unix_nanos);
// Nanoseconds as an absl duration: 1500000000 -> "1.5s".
std::string Dur(int64_t nanos);
std::string YesNo(bool b);
// `s`, or "-" when empty.
std::string Text(const std::string& s);
// Basis points as a percentage with two decimals: 9500 -> "95.00%".
std::string Bps(uint32_t bps);
// A model output (probability, confidence) with three decimals.
std::string Ratio(double value);

// An enum value without its type prefix ("ORDER_STATUS_FILLED" -> "FILLED"); "-" for the zero
// ("not set") value; "unknown(N)" for values this build does not know.
std::string EnumText(const google::protobuf::EnumDescriptor* descriptor, int value,
                     bool lower = false);
std::string VenueText(int v);  // "polymarket"
std::string LaneText(int v);   // "cross_venue"
std::string SideText(int v);   // "BUY"
std::string ModeText(int v);   // TradingMode: "PAPER"

// Canonical instrument text: "<venue>:<symbol>"; "-" when unset.
std::string InstrumentText(const v1::InstrumentId& id);
// "BUY polymarket:111 20 @0.480000" for an order leg; "SPLIT <market> 20" otherwise.
std::string LegText(const v1::OpportunityLeg& leg);

// Aligned columns separated by two spaces; right-aligned columns for numbers. Trailing spaces
// are trimmed.
class Table {
 public:
  struct Column {
    std::string name;
    bool right = false;
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  // Space-separated column names; a leading '>' right-aligns the column ("NAME >SIZE").
  explicit Table(std::string_view spec);

  // Cells beyond the columns are dropped; missing cells are empty.
  void Add(std::vector<std::string> row);
  size_t size() const { return rows_.size(); }
  // The header line and one line per row.
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "key  value" lines with the keys padded to one width.
class KeyValues {
 public:
  KeyValues& Add(std::string key, std::string value);
  std::string Render() const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Joins the non-empty rendered sections with one blank line.
std::string Sections(const std::vector<std::string>& sections);

// component, instance, status, live, ready, version, run_mode, started, reported.
void AddHealth(const v1::ComponentHealth& h, KeyValues* kv);
// CHECK OK SINCE MESSAGE, or "" when there are no checks.
std::string ChecksTable(const v1::ComponentHealth& h);
// policy_name, policy_uid, policy_generation, stage_index, stage_name, stages_hash.
void AddPolicyRef(const v1::PolicyRef& p, KeyValues* kv);
// "5 executions\n", with " (more available; raise --limit)" when next_page_token is set.
std::string CountLine(size_t n, const char* noun, const std::string& next_page_token);
// One line for a stream heartbeat: "heartbeat  at=...  coalesced_total=N[
// initial_snapshot_complete]".
std::string HeartbeatLine(const v1::StreamHeartbeat& h);

}  // namespace arbor::arborctl::cli
