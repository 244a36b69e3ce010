#include "replay_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/lanes/venue_mapping.h"
#include "arbor/report/html.h"
#include "arbor/report/report.h"
#include "arbor/report/session.h"
#include "arbor/report/summary.h"
#include "file_io.h"
#include "google/protobuf/util/json_util.h"
#include "pqxx/pqxx"
#include "replay_runner.h"

namespace arbor::arborctl {
namespace {

constexpr char kUsage[] =
    "usage: arborctl replay --capture PATH --pg CONNINFO [options]\n"
    "\n"
    "Replays a feed capture (a capture-*.jsonl file or a directory of them, with the\n"
    "catalog-*.json snapshots arbor-feed writes beside them) through the scanner and executor\n"
    "code in paper mode, deterministically, and writes the session report (docs/replay.md).\n"
    "\n"
    "Input and output:\n"
    "  --capture PATH        capture file or directory (required)\n"
    "  --catalog DIR         directory of the catalog snapshots (default: the capture's)\n"
    "  --mapping FILE        cross-venue mapping (default: mapping.json beside the capture if\n"
    "                        present; the cross_venue lane needs one)\n"
    "  --pg CONNINFO         PostgreSQL server (libpq string) on which a fresh database per run\n"
    "                        is created and dropped afterwards (required)\n"
    "  --db-prefix NAME      database name prefix (default arbor_replay)\n"
    "  --keep-db             keep the run databases\n"
    "  --out DIR             where session.json, report.json, report.html go (default\n"
    "                        replay-out); an A/B run writes DIR/a, DIR/b and DIR/compare.json\n"
    "  --name NAME           the session's name in the report (default: the capture's)\n"
    "  --git-commit SHA      recorded in the report\n"
    "Configuration (side A; each has a --b-... twin that makes the run an A/B comparison):\n"
    "  --lanes LIST          binary,negrisk[,cross_venue] (default: binary,negrisk, plus\n"
    "                        cross_venue when a mapping is known)\n"
    "  --min-edge D          minimum edge per set (USD per set, e.g. 0.01)\n"
    "  --min-profit D        minimum expected profit per opportunity (USD)\n"
    "  --max-edge D          sanity cap on edge per set\n"
    "  --limits FILE         risk limits, arbor.v1.PolicyLimits JSON (required)\n"
    "  --seed N              paper fill model seed (default 1)\n"
    "  --fill-probability P  paper fill model: chance the best level is still there (0.9)\n"
    "  --max-unwind-loss D   unwind bound per unit, USD (default 0.03)\n"
    "Speed:\n"
    "  --speed S             max (default: as fast as possible), recorded (capture time), or a\n"
    "                        factor (2 = twice recorded speed); the result does not depend on it\n"
    "  --progress MODE       auto (default: bar when stderr is a terminal, else lines), bar (a\n"
    "                        redrawn bar with ETA), lines (a line every 10%), never\n"
    "  --output FORMAT       table (default) or json: the summary (A/B: both side by side)\n"
    "Exit codes: 0 ok, 1 usage error, 2 bad input or failed run.\n";

struct Side {
  std::string lanes;
  std::optional<std::string> min_edge, min_profit, max_edge, limits, seed, fill_probability,
      max_unwind_loss;
};

struct Flags {
  std::string capture, catalog, mapping, pg, db_prefix = "arbor_replay", out = "replay-out", name,
                                             git_commit, speed = "max", progress = "auto",
                                             output = "table";
  bool keep_db = false;
  Side a, b;
  bool ab = false;
};

absl::Status MakeDirectory(const std::string& path) {
  std::string partial;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    absl::StrAppend(&partial, part, "/");
    if (part.empty()) continue;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::UnavailableError(absl::StrCat("cannot create directory '", partial, "'"));
    }
  }
  return absl::OkStatus();
}

// Side A's value, overridden by side B's when given.
std::optional<std::string> Pick(const std::optional<std::string>& base,
                                const std::optional<std::string>& override) {
  return override.has_value() ? override : base;
}

// The runner's configuration for one side.
absl::StatusOr<ReplayConfig> ConfigFor(const Flags& f, const Side& side) {
  ReplayConfig c;
  c.capture = f.capture;
  c.catalog_dir = f.catalog;
  c.git_commit = f.git_commit;
  std::string mapping = f.mapping;
  if (mapping.empty()) {
    const std::string beside = CaptureDirectory(f.capture) + "/mapping.json";
    if (ReadWholeFile(beside).has_value()) mapping = beside;
  }
  if (!mapping.empty()) {
    absl::StatusOr<lanes::VenueMapping> parsed = lanes::ReadVenueMappingFile(mapping);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--mapping: ", parsed.status().message()));
    }
    c.mapping = *std::move(parsed);
  }
  const std::string lanes = !side.lanes.empty()
                                ? side.lanes
                                : (c.mapping ? "binary,negrisk,cross_venue" : "binary,negrisk");
  c.binary = c.negrisk = c.cross_venue = false;
  for (absl::string_view lane : absl::StrSplit(lanes, ',')) {
    if (lane == "binary") {
      c.binary = true;
    } else if (lane == "negrisk") {
      c.negrisk = true;
    } else if (lane == "cross_venue") {
      c.cross_venue = true;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--lanes: unknown lane '", lane, "' (binary, negrisk, cross_venue)"));
    }
  }
  auto decimal = [](const std::optional<std::string>& v, const char* flag,
                    auto* out) -> absl::Status {
    using Value = typename std::decay_t<decltype(*out)>::value_type;
    if (!v) return absl::OkStatus();
    absl::StatusOr<Value> p = Value::Parse(*v);
    if (!p.ok() || p->micros() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": '", *v, "' is not a decimal >= 0"));
    }
    *out = *p;
    return absl::OkStatus();
  };
  ARBOR_RETURN_IF_ERROR(decimal(side.min_edge, "--min-edge", &c.min_edge));
  ARBOR_RETURN_IF_ERROR(decimal(side.min_profit, "--min-profit", &c.min_profit));
  ARBOR_RETURN_IF_ERROR(decimal(side.max_edge, "--max-edge", &c.max_edge));
  std::optional<Money> unwind;
  ARBOR_RETURN_IF_ERROR(decimal(side.max_unwind_loss, "--max-unwind-loss", &unwind));
  if (unwind) c.max_unwind_loss_micros = unwind->micros();
  if (side.seed && !absl::SimpleAtoi(*side.seed, &c.seed)) {
    return absl::InvalidArgumentError(absl::StrCat("--seed: '", *side.seed, "' is not a number"));
  }
  if (side.fill_probability) {
    double p = 0;
    if (!absl::SimpleAtod(*side.fill_probability, &p) || !(p >= 0 && p <= 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--fill-probability: '", *side.fill_probability, "' is not in [0, 1]"));
    }
    c.paper.fill_probability = p;
  }
  if (f.speed == "max") {
    c.speed = 0;
  } else if (f.speed == "recorded") {
    c.speed = 1;
  } else if (!absl::SimpleAtod(f.speed, &c.speed) || !(c.speed > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--speed: '", f.speed, "' is not max, recorded or a factor > 0"));
  }
  if (!side.limits) return absl::InvalidArgumentError("--limits FILE is required");
  std::optional<std::string> limits = ReadWholeFile(*side.limits);
  if (!limits)
    return absl::InvalidArgumentError(absl::StrCat("cannot read --limits ", *side.limits));
  if (auto s = google::protobuf::util::JsonStringToMessage(*limits, &c.limits); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--limits ", *side.limits, ": ", s.ToString()));
  }
  c.name = f.name;
  if (c.name.empty()) {
    const std::string trimmed =
        f.capture.back() == '/' ? f.capture.substr(0, f.capture.size() - 1) : f.capture;
    c.name = trimmed.substr(trimmed.find_last_of('/') + 1);
  }
  return c;
}

// A fresh database `name` on the server of `conninfo`; returns the run's connection string.
absl::StatusOr<std::string> CreateDatabase(const std::string& conninfo, const std::string& name) {
  try {
    pqxx::connection admin(conninfo);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", tx.quote_name(name), " WITH (FORCE)"));
    tx.exec(absl::StrCat("CREATE DATABASE ", tx.quote_name(name)));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot create database ", name, ": ", e.what()));
  }
  // libpq uses the last value of a repeated keyword.
  return absl::StrCat(conninfo, " dbname=", name);
}

void DropDatabase(const std::string& conninfo, const std::string& name) {
  try {
    pqxx::connection admin(conninfo);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", tx.quote_name(name), " WITH (FORCE)"));
  } catch (const std::exception& e) {
    std::cerr << "arborctl replay: could not drop database " << name << ": " << e.what() << "\n";
  }
}

// Progress on stderr: a redrawn bar on a terminal, else a line per 10%.
class ProgressPrinter {
 public:
  ProgressPrinter(std::string label, bool bar, bool enabled)
      : label_(std::move(label)), bar_(bar), enabled_(enabled), start_(absl::Now()) {}

  void operator()(const ReplayProgress& p) {
    if (!enabled_ || p.records_total <= 0) return;
    const double fraction = static_cast<double>(p.records_done) / p.records_total;
    const absl::Duration elapsed = absl::Now() - start_;
    const absl::Duration eta =
        fraction > 0 ? elapsed * ((1 - fraction) / fraction) : absl::InfiniteDuration();
    const absl::Duration capture =
        absl::Nanoseconds(p.capture_now_unix_nanos - p.capture_start_unix_nanos);
    const absl::Duration total =
        absl::Nanoseconds(p.capture_end_unix_nanos - p.capture_start_unix_nanos);
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    const std::string line =
        absl::StrFormat("%s[%s%s] %3d%% %d/%d records  capture %s/%s  opps %d  execs %d  ETA %s",
                        label_, std::string(filled, '#'), std::string(kWidth - filled, '.'),
                        static_cast<int>(fraction * 100), p.records_done, p.records_total,
                        Clock(capture), Clock(total), p.opportunities, p.executions,
                        eta == absl::InfiniteDuration() ? std::string("--:--") : Clock(eta));
    if (bar_) {
      std::cerr << "\r" << line << (p.records_done == p.records_total ? "\n" : "") << std::flush;
      return;
    }
    const int decile = static_cast<int>(fraction * 10);
    if (decile > last_decile_ || p.records_done == p.records_total) {
      last_decile_ = decile;
      if (p.records_done != p.records_total || !printed_end_) std::cerr << line << "\n";
      printed_end_ = printed_end_ || p.records_done == p.records_total;
    }
  }

 private:
  static std::string Clock(absl::Duration d) {
    const int64_t s = absl::ToInt64Seconds(d);
    return absl::StrFormat("%d:%02d", s / 60, s % 60);
  }
  std::string label_;
  bool bar_;
  bool enabled_;
  absl::Time start_;
  int last_decile_ = -1;
  bool printed_end_ = false;
};

struct SideOutcome {
  ReplayResult result;
  report::ReportSummary summary;
};

// One run: fresh database, replay, report files in `dir`.
absl::StatusOr<SideOutcome> RunSide(const Flags& f, const ReplayConfig& config,
                                    const std::string& db, const std::string& dir,
                                    const std::string& label) {
  ARBOR_RETURN_IF_ERROR(MakeDirectory(dir));
  ARBOR_ASSIGN_OR_RETURN(std::string conninfo, CreateDatabase(f.pg, db));
  ReplayConfig c = config;
  c.pg_conninfo = conninfo;
  const bool bar = f.progress == "bar" || (f.progress == "auto" && ::isatty(STDERR_FILENO) == 1);
  ProgressPrinter printer(label, bar, f.progress != "never");
  absl::StatusOr<ReplayResult> result =
      RunReplay(c, [&printer](const ReplayProgress& p) { printer(p); });
  if (!f.keep_db) DropDatabase(f.pg, db);
  if (!result.ok()) return result.status();
  ARBOR_ASSIGN_OR_RETURN(report::Session session, report::ParseSession(result->session_json));
  ARBOR_ASSIGN_OR_RETURN(report::Report built, report::BuildReport(session, {}));
  ARBOR_RETURN_IF_ERROR(WriteFileAtomically(dir + "/session.json", result->session_json));
  ARBOR_RETURN_IF_ERROR(WriteFileAtomically(dir + "/report.json", report::ReportToJson(built)));
  ARBOR_RETURN_IF_ERROR(WriteFileAtomically(dir + "/report.html", report::RenderHtml(built)));
  return SideOutcome{*std::move(result), report::SummarizeReport(built)};
}

void WriteSideJson(const std::string& name, const Side& side, const SideOutcome& o,
                   const std::string& dir, JsonWriter& out) {
  out.Key(name).BeginObject();
  out.Key("config").BeginObject();
  auto opt = [&out](const char* key, const std::optional<std::string>& v) {
    if (v) out.Key(key).String(*v);
  };
  if (!side.lanes.empty()) out.Key("lanes").String(side.lanes);
  opt("min_edge", side.min_edge);
  opt("min_profit", side.min_profit);
  opt("max_edge", side.max_edge);
  opt("limits", side.limits);
  opt("seed", side.seed);
  opt("fill_probability", side.fill_probability);
  opt("max_unwind_loss", side.max_unwind_loss);
  out.EndObject();
  out.Key("report").String(dir + "/report.json");
  out.Key("records").Int(o.result.records);
  out.Key("opportunities").Int(o.result.opportunities);
  out.Key("accepted").Int(o.result.accepted);
  out.Key("denied").Int(o.result.denied);
  out.Key("submit_errors").Int(o.result.submit_errors);
  out.Key("open_at_end").Int(o.result.open_at_end);
  out.Key("summary");
  report::WriteSummaryJson(o.summary, out);
  out.EndObject();
}

int Usage(std::ostream& err, const std::string& message) {
  err << "arborctl replay: " << message << "\n(arborctl replay --help for usage)\n";
  return kReplayExitUsage;
}

}  // namespace

int ReplayMain(const std::vector<std::string>& args) {
  Flags f;
  std::map<std::string, std::optional<std::string>*> values = {
      {"--min-edge", &f.a.min_edge},
      {"--min-profit", &f.a.min_profit},
      {"--max-edge", &f.a.max_edge},
      {"--limits", &f.a.limits},
      {"--seed", &f.a.seed},
      {"--fill-probability", &f.a.fill_probability},
      {"--max-unwind-loss", &f.a.max_unwind_loss},
      {"--b-min-edge", &f.b.min_edge},
      {"--b-min-profit", &f.b.min_profit},
      {"--b-max-edge", &f.b.max_edge},
      {"--b-limits", &f.b.limits},
      {"--b-seed", &f.b.seed},
      {"--b-fill-probability", &f.b.fill_probability},
      {"--b-max-unwind-loss", &f.b.max_unwind_loss}};
  std::map<std::string, std::string*> strings = {
      {"--capture", &f.capture},     {"--catalog", &f.catalog},
      {"--mapping", &f.mapping},     {"--pg", &f.pg},
      {"--db-prefix", &f.db_prefix}, {"--out", &f.out},
      {"--name", &f.name},           {"--git-commit", &f.git_commit},
      {"--speed", &f.speed},         {"--progress", &f.progress},
      {"--output", &f.output},       {"--lanes", &f.a.lanes},
      {"--b-lanes", &f.b.lanes}};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return kReplayExitOk;
    }
    if (flag == "--keep-db") {
      f.keep_db = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (const size_t eq = flag.find('='); eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    const bool known = values.count(flag) > 0 || strings.count(flag) > 0;
    if (!known) return Usage(std::cerr, absl::StrCat("unknown flag ", flag));
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Usage(std::cerr, absl::StrCat(flag, " needs a value"));
    }
    if (auto it = values.find(flag); it != values.end()) {
      *it->second = value;
      if (flag.rfind("--b-", 0) == 0) f.ab = true;
    } else {
      *strings[flag] = value;
      if (flag == "--b-lanes") f.ab = true;
    }
  }
  if (f.capture.empty()) return Usage(std::cerr, "--capture PATH is required");
  if (f.pg.empty()) return Usage(std::cerr, "--pg CONNINFO is required");
  if (f.output != "table" && f.output != "json") {
    return Usage(std::cerr, "--output must be table or json");
  }
  if (f.progress != "auto" && f.progress != "bar" && f.progress != "lines" &&
      f.progress != "never") {
    return Usage(std::cerr, "--progress must be auto, bar, lines or never");
  }
  Side b = f.b;
  b.lanes = f.b.lanes.empty() ? f.a.lanes : f.b.lanes;
  for (auto [base, over] :
       std::vector<std::pair<const std::optional<std::string>*, std::optional<std::string>*>>{
           {&f.a.min_edge, &b.min_edge},
           {&f.a.min_profit, &b.min_profit},
           {&f.a.max_edge, &b.max_edge},
           {&f.a.limits, &b.limits},
           {&f.a.seed, &b.seed},
           {&f.a.fill_probability, &b.fill_probability},
           {&f.a.max_unwind_loss, &b.max_unwind_loss}}) {
    *over = Pick(*base, *over);
  }
  absl::StatusOr<ReplayConfig> config_a = ConfigFor(f, f.a);
  if (!config_a.ok()) return Usage(std::cerr, std::string(config_a.status().message()));
  absl::StatusOr<ReplayConfig> config_b = f.ab ? ConfigFor(f, b) : config_a;
  if (!config_b.ok()) return Usage(std::cerr, std::string(config_b.status().message()));

  if (!f.ab) {
    absl::StatusOr<SideOutcome> o = RunSide(f, *config_a, f.db_prefix, f.out, "");
    if (!o.ok()) {
      std::cerr << "arborctl replay: " << o.status().message() << "\n";
      return kReplayExitFailed;
    }
    std::cerr << "arborctl replay: " << o->result.records << " records, " << o->result.opportunities
              << " opportunities, " << o->result.accepted << " executions; report " << f.out
              << "/report.html\n";
    std::cout << (f.output == "json" ? report::SummaryToJson(o->summary)
                                     : report::FormatSummaryTable(o->summary));
    return kReplayExitOk;
  }
  absl::StatusOr<SideOutcome> a = RunSide(f, *config_a, f.db_prefix + "_a", f.out + "/a", "A ");
  if (!a.ok()) {
    std::cerr << "arborctl replay: side A: " << a.status().message() << "\n";
    return kReplayExitFailed;
  }
  absl::StatusOr<SideOutcome> bo = RunSide(f, *config_b, f.db_prefix + "_b", f.out + "/b", "B ");
  if (!bo.ok()) {
    std::cerr << "arborctl replay: side B: " << bo.status().message() << "\n";
    return kReplayExitFailed;
  }
  JsonWriter json;
  json.BeginObject();
  json.Key("arbor_compare").Int(1);
  json.Key("capture").String(f.capture);
  WriteSideJson("a", f.a, *a, f.out + "/a", json);
  WriteSideJson("b", b, *bo, f.out + "/b", json);
  json.EndObject();
  const std::string compare = json.Take() + "\n";
  if (absl::Status s = WriteFileAtomically(f.out + "/compare.json", compare); !s.ok()) {
    std::cerr << "arborctl replay: " << s.message() << "\n";
    return kReplayExitFailed;
  }
  if (f.output == "json") {
    std::cout << compare;
    return kReplayExitOk;
  }
  const auto rows_a = report::SummaryRows(a->summary);
  const auto rows_b = report::SummaryRows(bo->summary);
  size_t width = 0;
  size_t width_a = 1;
  for (const auto& [name, value] : rows_a) {
    width = std::max(width, name.size());
    width_a = std::max(width_a, value.size());
  }
  std::cout << absl::StrFormat("%-*s  %-*s  %s\n", width, "", width_a, "A", "B");
  for (size_t i = 0; i < rows_a.size(); ++i) {
    const std::string& vb = i < rows_b.size() ? rows_b[i].second : std::string();
    std::cout << absl::StrFormat("%-*s  %-*s  %s%s\n", width, rows_a[i].first, width_a,
                                 rows_a[i].second, vb, vb == rows_a[i].second ? "" : "   *");
  }
  return kReplayExitOk;
}

}  // namespace arbor::arborctl
