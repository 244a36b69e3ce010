#include "scan_command.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "arbor/lanes/lanes.h"
#include "arbor/scanner/scan_engine.h"
#include "google/protobuf/util/json_util.h"
#include "scan_input.h"

namespace arbor::arborctl {
namespace {

namespace v1 = ::arbor::v1;

constexpr char kScanUsage[] =
    "usage: arborctl scan [--books FILE|-] [--lanes LIST] [--mapping FILE] [--min-edge D]\n"
    "                     [--min-profit D] [--max-edge D] [--output json|table] [FILE]\n"
    "\n"
    "Runs the scanner lanes (the arbor-scanner code) once over a JSON file of books and\n"
    "catalog entries and prints the opportunities. Input (stdin when no FILE or '-'):\n"
    "  {\"books\":{\"polymarket\":{<book replay output>},\"kalshi\":{<book replay output>}},\n"
    "   \"markets\":[<arbor.v1.Market proto3 JSON>...],\"events\":[<arbor.v1.Event>...],\n"
    "   \"now_unix_nanos\":<evaluation time; default: now>}\n"
    "Options:\n"
    "  --lanes LIST       lanes to run, of binary,negrisk,cross_venue (default: binary and\n"
    "                     negrisk, plus cross_venue when --mapping is given)\n"
    "  --mapping FILE     cross-venue mapping file (docs/lanes.md, \"Cross-venue lane\")\n"
    "  --min-edge D       minimum edge per set after fees (default 0.005)\n"
    "  --min-profit D     minimum guaranteed profit in USD (default 0.50)\n"
    "  --max-edge D       edge per set above which the data is taken as bad (default 0.20;\n"
    "                     cross_venue 0.10)\n"
    "  --output FORMAT    json (default) or table\n"
    "Exit codes: 0 done (with or without opportunities), 2 bad flags or input, 1 internal "
    "error.\n";

// The lanes ScanEngineOptions can enable, in the engine's order.
constexpr const char* kLaneNames[] = {"binary", "negrisk", "cross_venue"};

std::string StripPrefix(const std::string& name, std::string_view prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

std::string LegText(const v1::OpportunityLeg& leg) {
  const std::string action = StripPrefix(v1::LegAction_Name(leg.action()), "LEG_ACTION_");
  const std::string size = Quantity::FromMicros(leg.size_micros()).ToString();
  if (leg.action() == v1::LEG_ACTION_ORDER) {
    return absl::StrCat(
        StripPrefix(v1::Side_Name(leg.side()), "SIDE_"), " ",
        absl::AsciiStrToLower(StripPrefix(v1::Venue_Name(leg.instrument_id().venue()), "VENUE_")),
        ":", leg.instrument_id().symbol(), " ", size, " @",
        Price::FromMicros(leg.limit_price_micros()).ToString());
  }
  std::string text = absl::StrCat(action, " ", leg.market_id(), " ", size);
  if (leg.convert_question_indices_size() > 0) {
    absl::StrAppend(&text, " q[", absl::StrJoin(leg.convert_question_indices(), ","), "]");
  }
  return text;
}

std::string MoneyText(int64_t micros) { return Money::FromMicros(micros).ToString(); }

std::string FormatTable(const scanner::ScanResult& result) {
  std::string out = absl::StrFormat("%-3s %-11s %10s %10s %8s %10s %9s  %s\n", "#", "LANE", "SETS",
                                    "COST", "FEES", "PROFIT", "EDGE/SET", "LEGS");
  for (size_t i = 0; i < result.opportunities.size(); ++i) {
    const v1::Opportunity& o = result.opportunities[i];
    std::vector<std::string> legs;
    for (const v1::OpportunityLeg& leg : o.legs()) legs.push_back(LegText(leg));
    absl::StrAppendFormat(
        &out, "%-3d %-11s %10s %10s %8s %10s %9s  %s\n", i + 1, scanner::LaneName(o.lane()),
        Quantity::FromMicros(o.size_sets_micros()).ToString(), MoneyText(o.total_cost_micros()),
        MoneyText(o.total_fees_micros()), MoneyText(o.guaranteed_profit_micros()),
        Price::FromMicros(o.edge_per_set_micros()).ToString(), absl::StrJoin(legs, " | "));
  }
  absl::StrAppend(&out, result.opportunities.size(), " opportunities\n");
  for (const scanner::LaneResult& lane : result.lanes) {
    absl::StrAppend(&out, scanner::LaneName(lane.lane), ": ", lane.counters.units_evaluated,
                    " units, ", lane.counters.bundles_quoted, " bundles quoted, ",
                    lane.counters.emitted, " emitted");
    std::vector<std::string> drops;
    for (int r = 0; r < lanes::kDropReasonCount; ++r) {
      if (lane.counters.drops[r] == 0) continue;
      drops.push_back(absl::StrCat(lanes::DropReasonName(static_cast<lanes::DropReason>(r)), "=",
                                   lane.counters.drops[r]));
    }
    if (!drops.empty()) absl::StrAppend(&out, "; drops: ", absl::StrJoin(drops, " "));
    out += "\n";
  }
  return out;
}

absl::StatusOr<std::string> FormatJson(const scanner::ScanResult& result,
                                       const scanner::CatalogLoadReport& catalog, size_t books,
                                       size_t books_without_market) {
  google::protobuf::util::JsonPrintOptions print;
  // Proto field names (guaranteed_profit_micros) match the .proto, docs/lanes.md and the
  // snake_case counters next to them; readers accept both spellings.
  print.preserve_proto_field_names = true;
  JsonWriter json;
  json.BeginObject().Key("opportunities").BeginArray();
  for (const v1::Opportunity& o : result.opportunities) {
    std::string text;
    const auto status = google::protobuf::util::MessageToJsonString(o, &text, print);
    if (!status.ok()) {
      return absl::InternalError(
          absl::StrCat("serialising opportunity ", o.opportunity_id(), ": ", status.ToString()));
    }
    json.Raw(text);
  }
  json.EndArray().Key("counters").BeginObject();
  for (const scanner::LaneResult& lane : result.lanes) {
    json.Key(scanner::LaneName(lane.lane)).BeginObject();
    json.Key("units_evaluated").Uint(lane.counters.units_evaluated);
    json.Key("bundles_quoted").Uint(lane.counters.bundles_quoted);
    json.Key("emitted").Uint(lane.counters.emitted);
    json.Key("drops").BeginObject();
    for (int r = 0; r < lanes::kDropReasonCount; ++r) {
      if (lane.counters.drops[r] == 0) continue;
      json.Key(lanes::DropReasonName(static_cast<lanes::DropReason>(r)))
          .Uint(lane.counters.drops[r]);
    }
    json.EndObject().EndObject();
  }
  json.EndObject().Key("catalog").BeginObject();
  json.Key("markets").Uint(catalog.markets);
  json.Key("events").Uint(catalog.events);
  json.Key("unknown_fees").Uint(catalog.unknown_fees);
  json.Key("books").Uint(books);
  json.Key("books_without_market").Uint(books_without_market);
  json.EndObject().EndObject();
  return json.Take() + "\n";
}

// Parses a decimal flag value into T, >= 0 (or > 0 with `positive`).
template <typename T>
absl::StatusOr<T> ParseAmount(std::string_view flag, std::string_view text, bool positive) {
  absl::StatusOr<T> v = T::Parse(text);
  if (!v.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(flag), ": '", ToAbsl(text), "': ", v.status().message()));
  }
  if (v->IsNegative() || (positive && v->IsZero())) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(flag), ": '", ToAbsl(text), "' must be ", positive ? "> 0" : ">= 0"));
  }
  return v;
}

}  // namespace

absl::StatusOr<ScanRun> RunScan(std::string_view input, const ScanOptions& options) {
  if (options.cross_venue && !options.mapping.has_value()) {
    return absl::InvalidArgumentError("the cross_venue lane needs a mapping (--mapping FILE)");
  }
  absl::StatusOr<ScanInput> parsed = ParseScanInput(input);
  if (!parsed.ok()) return parsed.status();
  const int64_t now = parsed->now_unix_nanos.value_or(options.default_now_unix_nanos);
  if (now <= 0) {
    return absl::InvalidArgumentError("input: no evaluation time (give now_unix_nanos)");
  }

  // The lanes stamp created/expires from this clock; nothing else reads time, so a fixed clock
  // makes the output a function of the input alone.
  SimulatedClock clock(absl::FromUnixNanos(now));
  const size_t book_count = parsed->books.size();
  StaticBookReader reader(parsed->books);

  scanner::ScanEngineOptions engine_options;
  engine_options.scanner_id = "arborctl";
  engine_options.binary_enabled = options.binary;
  engine_options.negrisk_enabled = options.negrisk;
  engine_options.cross_venue_enabled = options.cross_venue;
  if (options.cross_venue) engine_options.mapping = *options.mapping;
  for (lanes::LaneConfig* config :
       {&engine_options.binary, &engine_options.negrisk, &engine_options.cross_venue}) {
    if (options.min_edge) config->min_edge_per_set = *options.min_edge;
    if (options.min_profit) config->min_profit = *options.min_profit;
    if (options.max_edge) config->max_edge_per_set = *options.max_edge;
  }
  // The cross-venue lane has its own (tighter) sanity gate, which replaces the LaneConfig one.
  if (options.max_edge) engine_options.cross_venue_gates.max_edge_per_set = *options.max_edge;
  scanner::ScanEngine engine(&reader, &clock, std::move(engine_options));
  const scanner::CatalogLoadReport catalog = engine.ReplaceCatalog(parsed->markets, parsed->events);
  if (catalog.rejected > 0) {
    // ParseScanInput converts every entry the way the engine does, so this means the two
    // disagree: a bug, not bad input.
    return absl::InternalError(
        absl::StrCat("the engine rejected ", catalog.rejected,
                     " catalog entries: ", absl::StrJoin(catalog.errors, "; ")));
  }

  ScanRun run;
  for (const v1::Market& m : parsed->markets) {
    std::shared_ptr<const lanes::LaneMarket> lm = engine.catalog()->FindMarket(m.market_id());
    if (lm != nullptr && !lm->fees.has_value()) {
      run.warnings.push_back(absl::StrCat("market ", m.market_id(), ": fee model unknown (",
                                          lm->fee_problem, "); the lanes do not trade it"));
    }
  }
  std::vector<std::string> orphans;
  for (const auto& [key, book] : parsed->books) {
    if (!engine.KnowsInstrument(key)) orphans.push_back(key.ToString());
  }
  std::sort(orphans.begin(), orphans.end());
  if (!orphans.empty()) {
    constexpr size_t kShown = 5;
    std::vector<std::string> shown(orphans.begin(),
                                   orphans.begin() + std::min(orphans.size(), kShown));
    run.warnings.push_back(absl::StrCat(
        orphans.size(), " books match no catalog instrument: ", absl::StrJoin(shown, ", "),
        orphans.size() > kShown ? ", ..." : ""));
  }

  const scanner::ScanResult result = engine.EvaluateAll();
  if (options.output == ScanOutput::kTable) {
    run.output = FormatTable(result);
    return run;
  }
  absl::StatusOr<std::string> json = FormatJson(result, catalog, book_count, orphans.size());
  if (!json.ok()) return json.status();
  run.output = *std::move(json);
  return run;
}

int RunScanCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                   std::ostream& err, int64_t now_unix_nanos) {
  ScanOptions options;
  options.default_now_unix_nanos = now_unix_nanos;
  std::string path;
  bool have_path = false;
  bool have_lanes = false;
  std::string mapping_path;
  auto usage_error = [&err](std::string_view message) {
    err << "arborctl scan: " << message << "\n(arborctl scan --help for usage)\n";
    return kScanExitBadInput;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (flag.rfind("--", 0) == 0) {
      if (const size_t eq = flag.find('='); eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag.resize(eq);
      }
    }
    auto value = [&](std::string* v) {
      if (inline_value) {
        *v = *inline_value;
        return true;
      }
      if (i + 1 >= args.size()) return false;
      *v = args[++i];
      return true;
    };
    std::string v;
    if (flag == "--help" || flag == "-h") {
      out << kScanUsage;
      return kScanExitOk;
    }
    const bool takes_value = flag == "--books" || flag == "--lanes" || flag == "--mapping" ||
                             flag == "--min-edge" || flag == "--min-profit" ||
                             flag == "--max-edge" || flag == "--output";
    if (takes_value && !value(&v)) return usage_error(flag + " needs a value");
    if (flag == "--books") {
      if (have_path) return usage_error("more than one input file");
      path = v;
      have_path = true;
    } else if (flag == "--mapping") {
      mapping_path = v;
    } else if (flag == "--lanes") {
      have_lanes = true;
      options.binary = false;
      options.negrisk = false;
      options.cross_venue = false;
      for (absl::string_view name : absl::StrSplit(v, ',')) {
        if (name == "binary") {
          options.binary = true;
        } else if (name == "negrisk") {
          options.negrisk = true;
        } else if (name == "cross_venue") {
          options.cross_venue = true;
        } else {
          return usage_error(absl::StrCat("--lanes: unknown lane '", name, "' (the engine runs: ",
                                          absl::StrJoin(kLaneNames, ","), ")"));
        }
      }
    } else if (flag == "--min-edge" || flag == "--max-edge") {
      absl::StatusOr<Price> p = ParseAmount<Price>(flag, v, flag == "--max-edge");
      if (!p.ok()) return usage_error(FromAbsl(p.status().message()));
      (flag == "--min-edge" ? options.min_edge : options.max_edge) = *p;
    } else if (flag == "--min-profit") {
      absl::StatusOr<Money> m = ParseAmount<Money>(flag, v, false);
      if (!m.ok()) return usage_error(FromAbsl(m.status().message()));
      options.min_profit = *m;
    } else if (flag == "--output") {
      if (v == "json") {
        options.output = ScanOutput::kJson;
      } else if (v == "table") {
        options.output = ScanOutput::kTable;
      } else {
        return usage_error("--output: expected json or table, got '" + v + "'");
      }
    } else if (!flag.empty() && flag[0] == '-' && flag != "-") {
      return usage_error("unknown flag '" + args[i] + "'");
    } else {
      if (have_path) return usage_error("more than one input file");
      path = flag;
      have_path = true;
    }
  }

  if (!mapping_path.empty()) {
    absl::StatusOr<lanes::VenueMapping> mapping = lanes::ReadVenueMappingFile(mapping_path);
    if (!mapping.ok()) return usage_error(absl::StrCat("--mapping: ", mapping.status().message()));
    options.mapping = *std::move(mapping);
    if (!have_lanes) options.cross_venue = true;
  } else if (options.cross_venue) {
    return usage_error("--lanes cross_venue needs --mapping FILE");
  }

  std::string text;
  if (!have_path || path == "-") {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return usage_error("cannot open '" + path + "'");
    std::ostringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }

  absl::StatusOr<ScanRun> run = RunScan(text, options);
  if (!run.ok()) {
    err << "arborctl scan: " << run.status().message() << "\n";
    return run.status().code() == absl::StatusCode::kInvalidArgument ? kScanExitBadInput
                                                                     : kScanExitInternal;
  }
  for (const std::string& w : run->warnings) err << "arborctl scan: warning: " << w << "\n";
  out << run->output;
  out.flush();
  return out ? kScanExitOk : kScanExitInternal;
}

int ScanMain(const std::vector<std::string>& args) {
  return RunScanCommand(args, std::cin, std::cout, std::cerr,
                        absl::ToUnixNanos(SystemClock::Get().Now()));
}

}  // namespace arbor::arborctl
