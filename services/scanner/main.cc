// arbor-scanner: a stateless scanner replica (issue 5). Subscribes to every feed shard's book
// stream, loads the market catalog from the shards, runs the strategy lanes and serves sized
// opportunities over gRPC (arbor.v1.Scanner). Every flag is listed by --help; docs/scanner.md
// describes the process.
//
// On start it prints one JSON line on stdout once the gRPC and ops servers listen:
//   {"grpc_port":50061,"ops_port":9091,"shards":2,"scanner_id":"scanner-0"}
// and runs until SIGTERM/SIGINT, then stops: streams end with UNAVAILABLE, threads join.
// Exit codes: 0 clean stop, 1 bad flags, 2 a server cannot listen.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/log.h"
#include "arbor/core/process.h"
#include "arbor/relations/relation_file.h"
#include "arbor/scanner/scanner_app.h"

ABSL_FLAG(std::vector<std::string>, feeds, {},
          "Comma list of feed shard gRPC addresses (host:port), in shard order. Required.");
ABSL_FLAG(std::string, scanner_id, "",
          "Instance id (pod name) put on opportunities and used as the stream subscriber id; "
          "empty = the host name.");
ABSL_FLAG(std::vector<std::string>, lanes, std::vector<std::string>({"binary", "negrisk"}),
          "Lanes to run: binary, negrisk, cross_venue (needs --venue_mapping), combinatorial "
          "(needs --relations), expiry_edge.");
ABSL_FLAG(std::string, venue_mapping, "",
          "Polymarket <-> Kalshi mapping file (JSON, docs/lanes.md) for the cross_venue lane.");
ABSL_FLAG(double, min_mapping_confidence, 0.90,
          "cross_venue: pairs whose mapping confidence is below this are not traded.");
ABSL_FLAG(std::string, cross_venue_max_edge, "0.10",
          "cross_venue: edges per set above this are taken as mapping errors (USD).");
ABSL_FLAG(std::string, relations, "",
          "Relations file (JSON, docs/relations.md) linking markets for the combinatorial lane.");
ABSL_FLAG(absl::Duration, relations_reload, absl::Seconds(10),
          "combinatorial: how often the relations file is checked for changes (a changed file "
          "that parses replaces the relations; one that does not is logged and the old stay). "
          "0 = never.");
ABSL_FLAG(double, min_relation_confidence, 0.90,
          "combinatorial: relations whose confidence is below this are not traded.");
ABSL_FLAG(std::string, combinatorial_max_edge, "0.15",
          "combinatorial: edges per set above this are taken as relation errors (USD).");
ABSL_FLAG(std::string, calibration_file, "",
          "expiry_edge: calibration table (JSON); created if missing, saved as markets resolve.");
ABSL_FLAG(absl::Duration, expiry_window, absl::Hours(4),
          "expiry_edge: only markets whose end time is within this window.");
ABSL_FLAG(std::string, expiry_threshold, "0.70",
          "expiry_edge: a side is dominant when its best ask is at least this.");
ABSL_FLAG(std::string, min_edge, "0.005", "Minimum edge per set net of fees (USD).");
ABSL_FLAG(std::string, min_profit, "0.50", "Minimum guaranteed profit per opportunity (USD).");
ABSL_FLAG(std::string, max_edge, "0.20",
          "Edges per set above this are taken as bad data, not arbitrage (USD).");
ABSL_FLAG(std::string, max_sets, "0", "Cap on an opportunity's size in sets (0 = depth only).");
ABSL_FLAG(std::string, kelly_bankroll, "10000",
          "Capital the execution-risk-aware Kelly size applies to (USD); 0 = size by depth only.");
ABSL_FLAG(double, kelly_fraction, 0.25, "Fractional Kelly multiplier in (0, 1].");
ABSL_FLAG(double, fill_probability, 0.95, "Kelly p: probability that every leg fills.");
ABSL_FLAG(double, unwind_loss, 0.02,
          "Kelly L: loss per USD committed when a leg fails and the others are unwound.");
ABSL_FLAG(double, depth_share, 1.0, "Largest share of the priced depth one opportunity takes.");
ABSL_FLAG(std::string, max_stake, "0",
          "Stake cap per opportunity (USD; the lane budget / per-event cap); 0 = none.");
ABSL_FLAG(int32_t, max_per_event, 3, "At most this many opportunities per event per pass.");
ABSL_FLAG(std::string, event_cap, "0",
          "Capital (USD) one event's opportunities of a pass may commit together; also caps each "
          "opportunity's stake. 0 = none.");
ABSL_FLAG(std::vector<std::string>, lane_budgets, {},
          "Per-lane capital, e.g. binary=4000,negrisk=4000,cross_venue=1000,expiry_edge=500 "
          "(USD): the lane's Kelly bankroll and the cap on one opportunity's stake in it. A lane "
          "not listed uses --kelly_bankroll (expiry_edge: its own defaults).");
ABSL_FLAG(absl::Duration, max_book_age, absl::Seconds(5),
          "A book not heard of (nor its shard) for this long is stale.");
ABSL_FLAG(absl::Duration, ttl, absl::Seconds(10), "Opportunity time to live.");
ABSL_FLAG(absl::Duration, settle, absl::Milliseconds(25),
          "Publish an opportunity only once its books have been unchanged this long (phantom "
          "edges between the two updates of one venue event); 0 = at once.");
ABSL_FLAG(absl::Duration, catalog_refresh, absl::Minutes(1), "Catalog reload period.");
ABSL_FLAG(absl::Duration, full_rescan_interval, absl::Seconds(30), "Full rescan period.");
ABSL_FLAG(absl::Duration, stall_timeout, absl::Seconds(5),
          "A feed stream silent (no heartbeat either) for this long is restarted.");
ABSL_FLAG(std::string, grpc_listen, "0.0.0.0:50061", "gRPC Scanner address (port 0 = any).");
ABSL_FLAG(int32_t, ops_port, 9091, "Port of /metrics, /healthz, /readyz (0 = any).");
ABSL_FLAG(std::string, ops_address, "0.0.0.0", "Address of the ops HTTP server.");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");

namespace {

// Parses a decimal flag into fixed point, or explains which flag is wrong.
template <typename T>
bool ParseDecimal(const char* name, const std::string& text, T* out) {
  absl::StatusOr<T> v = T::Parse(text);
  if (!v.ok() || v->micros() < 0) {
    std::cerr << "arbor-scanner: --" << name << "=" << text << " is not a non-negative decimal\n";
    return false;
  }
  *out = *v;
  return true;
}

// Lane name -> budget from --lane_budgets. False (and a message) on a malformed entry.
bool ParseLaneBudgets(const std::vector<std::string>& entries,
                      std::map<std::string, arbor::Money>* out) {
  for (const std::string& entry : entries) {
    std::vector<std::string> kv = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || (kv[0] != "binary" && kv[0] != "negrisk" && kv[0] != "cross_venue" &&
                           kv[0] != "combinatorial" && kv[0] != "expiry_edge")) {
      std::cerr << "arbor-scanner: --lane_budgets: \"" << entry
                << "\" is not <binary|negrisk|cross_venue|combinatorial|expiry_edge>=<USD>\n";
      return false;
    }
    arbor::Money budget;
    if (!ParseDecimal("lane_budgets", kv[1], &budget)) return false;
    if (!out->emplace(kv[0], budget).second) {
      std::cerr << "arbor-scanner: --lane_budgets: lane " << kv[0] << " given twice\n";
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "arbor-scanner: strategy lanes over every feed shard's books; serves opportunities.\n"
      "Usage: arbor-scanner --feeds=host:port[,host:port...] [--flag=value]...");
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "services/scanner/main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  const sigset_t stop_signals = arbor::BlockStopSignals();

  if (absl::Status s = arbor::SetLogLevel(absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    std::cerr << "arbor-scanner: --log_level: " << s.message() << "\n";
    return 1;
  }

  arbor::scanner::ScannerOptions options;
  options.feed_addresses = absl::GetFlag(FLAGS_feeds);
  if (options.feed_addresses.empty()) {
    std::cerr << "arbor-scanner: --feeds is required\n";
    return 1;
  }
  options.scanner_id = absl::GetFlag(FLAGS_scanner_id);
  if (options.scanner_id.empty()) {
    char host[256] = {};
    options.scanner_id = gethostname(host, sizeof(host) - 1) == 0 ? host : "scanner";
  }
  arbor::lanes::LaneConfig lane;
  if (!ParseDecimal("min_edge", absl::GetFlag(FLAGS_min_edge), &lane.min_edge_per_set) ||
      !ParseDecimal("min_profit", absl::GetFlag(FLAGS_min_profit), &lane.min_profit) ||
      !ParseDecimal("max_edge", absl::GetFlag(FLAGS_max_edge), &lane.max_edge_per_set) ||
      !ParseDecimal("max_sets", absl::GetFlag(FLAGS_max_sets), &lane.max_sets)) {
    return 1;
  }
  arbor::Money max_stake;
  if (!ParseDecimal("kelly_bankroll", absl::GetFlag(FLAGS_kelly_bankroll), &lane.kelly.bankroll) ||
      !ParseDecimal("max_stake", absl::GetFlag(FLAGS_max_stake), &max_stake)) {
    return 1;
  }
  if (max_stake.micros() > 0) lane.kelly.max_stake = max_stake;
  lane.kelly.multiplier = absl::GetFlag(FLAGS_kelly_fraction);
  lane.kelly.fill_probability = absl::GetFlag(FLAGS_fill_probability);
  lane.kelly.unwind_loss = absl::GetFlag(FLAGS_unwind_loss);
  lane.kelly.depth_share = absl::GetFlag(FLAGS_depth_share);
  if (!(lane.kelly.multiplier > 0 && lane.kelly.multiplier <= 1) ||
      !(lane.kelly.fill_probability >= 0 && lane.kelly.fill_probability <= 1) ||
      !(lane.kelly.unwind_loss >= 0) ||
      !(lane.kelly.depth_share > 0 && lane.kelly.depth_share <= 1)) {
    std::cerr << "arbor-scanner: --kelly_fraction and --depth_share must be in (0, 1], "
                 "--fill_probability in [0, 1], --unwind_loss >= 0\n";
    return 1;
  }
  arbor::Money event_cap;
  if (!ParseDecimal("event_cap", absl::GetFlag(FLAGS_event_cap), &event_cap)) return 1;
  if (event_cap.micros() > 0) {
    lane.event_cap = event_cap;
    lane.kelly.max_stake = std::min(lane.kelly.max_stake, event_cap);
  }
  std::map<std::string, arbor::Money> budgets;
  if (!ParseLaneBudgets(absl::GetFlag(FLAGS_lane_budgets), &budgets)) return 1;
  // A lane's budget is its Kelly bankroll and caps one opportunity's stake.
  auto with_budget = [&budgets](arbor::lanes::LaneConfig config, const std::string& name) {
    auto it = budgets.find(name);
    if (it != budgets.end()) {
      config.kelly.bankroll = it->second;
      config.kelly.max_stake = std::min(config.kelly.max_stake, it->second);
    }
    return config;
  };
  lane.max_per_event = absl::GetFlag(FLAGS_max_per_event);
  lane.max_book_age = absl::GetFlag(FLAGS_max_book_age);
  lane.ttl = absl::GetFlag(FLAGS_ttl);
  if (lane.max_per_event < 1 || lane.max_book_age <= absl::ZeroDuration() ||
      lane.ttl <= absl::ZeroDuration()) {
    std::cerr << "arbor-scanner: --max_per_event, --max_book_age and --ttl must be positive\n";
    return 1;
  }
  options.engine.binary = with_budget(lane, "binary");
  options.engine.negrisk = with_budget(lane, "negrisk");
  options.engine.binary_enabled = false;
  options.engine.negrisk_enabled = false;
  for (const std::string& name : absl::GetFlag(FLAGS_lanes)) {
    if (name == "binary") {
      options.engine.binary_enabled = true;
    } else if (name == "negrisk") {
      options.engine.negrisk_enabled = true;
    } else if (name == "cross_venue") {
      options.engine.cross_venue_enabled = true;
    } else if (name == "combinatorial") {
      options.engine.combinatorial_enabled = true;
    } else if (name == "expiry_edge") {
      options.engine.expiry_edge_enabled = true;
    } else {
      std::cerr << "arbor-scanner: --lanes: unknown lane \"" << name << "\"\n";
      return 1;
    }
  }
  if (options.engine.cross_venue_enabled) {
    if (absl::GetFlag(FLAGS_venue_mapping).empty()) {
      std::cerr << "arbor-scanner: the cross_venue lane needs --venue_mapping\n";
      return 1;
    }
    absl::StatusOr<arbor::lanes::VenueMapping> mapping =
        arbor::lanes::ReadVenueMappingFile(absl::GetFlag(FLAGS_venue_mapping));
    if (!mapping.ok()) {
      std::cerr << "arbor-scanner: --venue_mapping: " << mapping.status().message() << "\n";
      return 1;
    }
    options.engine.mapping = *std::move(mapping);
    options.engine.cross_venue = with_budget(lane, "cross_venue");
    options.engine.cross_venue_gates.min_confidence = absl::GetFlag(FLAGS_min_mapping_confidence);
    if (!ParseDecimal("cross_venue_max_edge", absl::GetFlag(FLAGS_cross_venue_max_edge),
                      &options.engine.cross_venue_gates.max_edge_per_set)) {
      return 1;
    }
  }
  if (options.engine.combinatorial_enabled) {
    if (absl::GetFlag(FLAGS_relations).empty()) {
      std::cerr << "arbor-scanner: the combinatorial lane needs --relations\n";
      return 1;
    }
    absl::StatusOr<std::vector<arbor::relations::Relation>> relations =
        arbor::relations::ReadRelationsFile(absl::GetFlag(FLAGS_relations));
    if (!relations.ok()) {
      std::cerr << "arbor-scanner: --relations: " << relations.status().message() << "\n";
      return 1;
    }
    options.engine.relations = *std::move(relations);
    options.relations_file = absl::GetFlag(FLAGS_relations);
    options.relations_reload = absl::GetFlag(FLAGS_relations_reload);
    if (options.relations_reload < absl::ZeroDuration()) {
      std::cerr << "arbor-scanner: --relations_reload must not be negative\n";
      return 1;
    }
    options.engine.combinatorial = with_budget(lane, "combinatorial");
    const double floor = absl::GetFlag(FLAGS_min_relation_confidence);
    if (!(floor >= 0 && floor <= 1)) {
      std::cerr << "arbor-scanner: --min_relation_confidence must be in [0, 1]\n";
      return 1;
    }
    options.engine.combinatorial_gates.min_confidence = floor;
    if (!ParseDecimal("combinatorial_max_edge", absl::GetFlag(FLAGS_combinatorial_max_edge),
                      &options.engine.combinatorial_gates.max_edge_per_set)) {
      return 1;
    }
  }
  if (options.engine.expiry_edge_enabled) {
    arbor::lanes::ExpiryEdgeConfig& ee = options.engine.expiry_edge;
    ee.lane.max_book_age = lane.max_book_age;
    ee.lane.ttl = lane.ttl;
    ee.lane.max_per_event = lane.max_per_event;
    ee.lane.event_cap = lane.event_cap;
    if (event_cap.micros() > 0) ee.max_stake = std::min(ee.max_stake, event_cap);
    if (auto it = budgets.find("expiry_edge"); it != budgets.end()) {
      ee.bankroll = it->second;
      ee.max_stake = std::min(ee.max_stake, it->second);
    }
    ee.window = absl::GetFlag(FLAGS_expiry_window);
    if (!ParseDecimal("expiry_threshold", absl::GetFlag(FLAGS_expiry_threshold),
                      &ee.dominance_threshold)) {
      return 1;
    }
    const std::string path = absl::GetFlag(FLAGS_calibration_file);
    if (!path.empty()) {
      absl::StatusOr<arbor::quant::CalibrationTable> table =
          arbor::quant::CalibrationTable::Load(path);
      if (absl::IsNotFound(table.status())) table = arbor::quant::CalibrationTable::Create();
      if (!table.ok()) {
        std::cerr << "arbor-scanner: --calibration_file: " << table.status().message() << "\n";
        return 1;
      }
      options.engine.calibration =
          std::make_shared<arbor::quant::CalibrationTable>(*std::move(table));
      ee.calibration_path = path;
    }
  }
  options.settle = absl::GetFlag(FLAGS_settle);
  if (options.settle < absl::ZeroDuration()) {
    std::cerr << "arbor-scanner: --settle must be >= 0\n";
    return 1;
  }
  options.catalog_refresh = absl::GetFlag(FLAGS_catalog_refresh);
  options.full_rescan_interval = absl::GetFlag(FLAGS_full_rescan_interval);
  options.subscriber.stall_timeout = absl::GetFlag(FLAGS_stall_timeout);
  options.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  options.ops_port = absl::GetFlag(FLAGS_ops_port);
  options.ops_address = absl::GetFlag(FLAGS_ops_address);

  absl::StatusOr<std::unique_ptr<arbor::scanner::ScannerApp>> app =
      arbor::scanner::ScannerApp::Create(std::move(options));
  if (!app.ok()) {
    std::cerr << "arbor-scanner: " << app.status().message() << "\n";
    return 1;
  }
  if (absl::Status started = (*app)->Start(); !started.ok()) {
    std::cerr << "arbor-scanner: " << started.message() << "\n";
    return started.code() == absl::StatusCode::kUnavailable ? 2 : 1;
  }
  std::cout << (*app)->ReadyLine() << std::endl;

  const int signal_number = arbor::WaitForStopSignal(stop_signals);
  ARBOR_LOG(kInfo, "scanner", "stopping").Field("signal", signal_number);
  (*app)->Stop();
  return 0;
}
