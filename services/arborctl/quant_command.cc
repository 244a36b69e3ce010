#include "quant_command.h"

#include <algorithm>
#include <cmath>
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
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "arbor/quant/arbitrage_trade.h"
#include "arbor/quant/frank_wolfe.h"
#include "arbor/quant/ip_oracle.h"
#include "arbor/quant/polytope_model.h"
#include "quant_input.h"

namespace arbor::arborctl {
namespace {

using quant::ArbitrageTrade;
using quant::PolytopeModel;
using quant::ProjectionResult;

constexpr char kQuantUsage[] =
    "usage: arborctl quant project [--input FILE|-] [--gap D] [--max-iterations N]\n"
    "                              [--output json|table]\n"
    "\n"
    "Projects the prices of a cluster of related markets onto the arbitrage-free set (the\n"
    "marginal polytope of the valid joint outcomes; KL divergence, Barrier Frank-Wolfe over a\n"
    "CBC integer-programming oracle) and prints the arbitrage-free prices, the divergence, its\n"
    "certificate (the Frank-Wolfe gap) and the per-set arbitrage trade (docs/quant.md).\n"
    "Input (stdin when --input is omitted or '-'):\n"
    "  "
    "{\"blocks\":[{\"name\":\"A\",\"outcomes\":[\"A_yes\",\"A_no\"],\"prices\":[0.55,0.45]},...],\n"
    "   \"constraints\":[{\"implies\":[\"A_yes\",\"B_yes\"]} | {\"excludes\":[a,b]} |\n"
    "                  {\"equivalent\":[a,b]} | {\"at_most_one\":[names]} |\n"
    "                  {\"linear\":{\"terms\":{name:coef,...},\"op\":\"<=|>=|=\",\"rhs\":b}}, "
    "...]}\n"
    "  A block's outcomes are mutually exclusive and exhaustive (exactly one pays); every\n"
    "  constraint names block outcomes.\n"
    "Options:\n"
    "  --input FILE          the cluster (default: stdin)\n"
    "  --gap D               stop when the certified gap is <= D (default 1e-10)\n"
    "  --max-iterations N    Frank-Wolfe iterations before giving up (default 5000); the last\n"
    "                        iterate is printed with its gap and a warning\n"
    "  --output FORMAT       json (default) or table\n"
    "Exit codes: 0 done (with or without arbitrage), 2 bad flags or input, or a constraint\n"
    "set no joint outcome satisfies, 1 internal error.\n";

const char* StopName(quant::ProjectionStop r) {
  switch (r) {
    case quant::ProjectionStop::kGap:
      return "gap";
    case quant::ProjectionStop::kAlphaExtraction:
      return "alpha_extraction";
    case quant::ProjectionStop::kDivergenceFloor:
      return "divergence_floor";
    case quant::ProjectionStop::kIterationLimit:
      return "iteration_limit";
  }
  return "unknown";
}

const char* SideName(quant::TradeSide s) { return s == quant::TradeSide::kBuy ? "buy" : "sell"; }

std::string FormatJson(const PolytopeModel& m, const ProjectionResult& r, const ArbitrageTrade& t) {
  JsonWriter w;
  w.BeginObject().Key("mu").BeginObject();
  for (int i = 0; i < m.num_outcomes(); ++i) w.Key(m.outcome_name(i)).Double(r.mu[i]);
  w.EndObject();
  w.Key("divergence").Double(r.divergence);
  w.Key("divergence_plain").Double(r.divergence_plain);
  w.Key("gap").Double(r.gap);
  w.Key("iterations").Int(r.iterations);
  w.Key("lazy_steps").Int(r.lazy_steps);
  w.Key("search_steps").Int(r.search_steps);
  w.Key("oracle_calls").Int(r.oracle_calls);
  w.Key("stop").String(StopName(r.stop));
  w.Key("epsilon").Double(r.epsilon);
  w.Key("settled").BeginObject();
  for (int i = 0; i < m.num_outcomes(); ++i) {
    if (i < static_cast<int>(r.settled.size()) && r.settled[i] >= 0) {
      w.Key(m.outcome_name(i)).Int(r.settled[i]);
    }
  }
  w.EndObject();
  w.Key("arbitrage").Bool(t.arbitrage);
  w.Key("guaranteed_profit_per_set").Double(t.guaranteed_profit_per_set);
  w.Key("trade").BeginObject().Key("legs").BeginArray();
  for (const quant::TradeLeg& leg : t.legs) {
    w.BeginObject();
    w.Key("outcome").String(leg.name);
    w.Key("side").String(SideName(leg.side));
    w.Key("quantity").Double(leg.quantity);
    w.Key("price").Double(leg.price);
    w.EndObject();
  }
  w.EndArray();
  w.Key("cost_per_set").Double(t.cost_per_set);
  w.Key("worst_case_payoff_per_set").Double(t.worst_case_payoff_per_set);
  w.EndObject();
  w.Key("lmsr_worst_case").Double(t.lmsr_worst_case);
  w.EndObject();
  return w.Take() + "\n";
}

std::string FormatTable(const PolytopeModel& m, const ProjectionResult& r,
                        const ArbitrageTrade& t) {
  std::vector<std::string> leg_text(m.num_outcomes());
  for (const quant::TradeLeg& leg : t.legs) {
    leg_text[leg.outcome] =
        absl::StrCat(leg.side == quant::TradeSide::kBuy ? "BUY " : "SELL ", leg.quantity);
  }
  int name_width = 7, block_width = 5;
  for (int i = 0; i < m.num_outcomes(); ++i) {
    name_width = std::max(name_width, static_cast<int>(m.outcome_name(i).size()));
    block_width = std::max(block_width, static_cast<int>(m.block(m.block_of(i)).name.size()));
  }
  std::string out = absl::StrFormat("%-*s  %-*s  %10s  %10s  %10s  %s\n", name_width, "OUTCOME",
                                    block_width, "BLOCK", "PRICE", "MU", "MU-PRICE", "LEG");
  for (int i = 0; i < m.num_outcomes(); ++i) {
    const double p = m.prices()[i];
    absl::StrAppendFormat(&out, "%-*s  %-*s  %10.6f  %10.6f  %+10.6f  %s\n", name_width,
                          m.outcome_name(i), block_width, m.block(m.block_of(i)).name, p, r.mu[i],
                          r.mu[i] - p, leg_text[i]);
  }
  absl::StrAppendFormat(&out,
                        "divergence %.10f (plain %.10f), gap %.3g, %d iterations (%d lazy), "
                        "%d oracle calls, stop: %s\n",
                        r.divergence, r.divergence_plain, r.gap, r.iterations, r.lazy_steps,
                        r.oracle_calls, StopName(r.stop));
  if (t.arbitrage) {
    absl::StrAppendFormat(&out,
                          "arbitrage: guaranteed profit %.6f per set (cost %.6f, worst-case "
                          "payoff %.6f)\n",
                          t.guaranteed_profit_per_set, t.cost_per_set, t.worst_case_payoff_per_set);
  } else {
    out += "no arbitrage\n";
  }
  return out;
}

}  // namespace

absl::StatusOr<QuantRun> RunQuantProject(std::string_view input,
                                         const QuantProjectOptions& options) {
  if (!(options.gap_tolerance > 0) || !std::isfinite(options.gap_tolerance)) {
    return absl::InvalidArgumentError("gap tolerance must be a finite number > 0");
  }
  if (options.max_iterations < 1) {
    return absl::InvalidArgumentError("max iterations must be >= 1");
  }
  absl::StatusOr<PolytopeModel> model = ParseQuantInput(input);
  if (!model.ok()) return model.status();
  absl::StatusOr<std::unique_ptr<quant::CbcOracle>> oracle = quant::CbcOracle::Create(*model);
  if (!oracle.ok()) return oracle.status();
  quant::FrankWolfeOptions fw_options;
  fw_options.gap_tolerance = options.gap_tolerance;
  fw_options.max_iterations = options.max_iterations;
  quant::BarrierFrankWolfe fw(*model, **oracle, fw_options);
  absl::StatusOr<ProjectionResult> r = fw.Project(model->prices());
  if (!r.ok()) return r.status();
  absl::StatusOr<ArbitrageTrade> t = quant::ExtractTrade(*model, model->prices(), *r, **oracle);
  if (!t.ok()) return t.status();

  QuantRun run;
  if (r->stop == quant::ProjectionStop::kIterationLimit) {
    run.warnings.push_back(absl::StrFormat(
        "stopped at the iteration limit (%d) with gap %.3g > %.3g; the prices are not certified "
        "to the requested accuracy (raise --max-iterations or --gap)",
        options.max_iterations, r->gap, options.gap_tolerance));
  }
  run.output = options.output == QuantOutput::kTable ? FormatTable(*model, *r, *t)
                                                     : FormatJson(*model, *r, *t);
  return run;
}

int RunQuantCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  auto usage_error = [&err](std::string_view message) {
    err << "arborctl quant: " << message << "\n(arborctl quant --help for usage)\n";
    return kQuantExitBadInput;
  };
  if (args.empty()) return usage_error("missing subcommand (project)");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kQuantUsage;
    return kQuantExitOk;
  }
  if (args[0] != "project") return usage_error("unknown subcommand '" + args[0] + "'");

  QuantProjectOptions options;
  std::optional<std::string> path;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (flag.rfind("--", 0) == 0) {
      if (const size_t eq = flag.find('='); eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag.resize(eq);
      }
    }
    if (flag == "--help" || flag == "-h") {
      out << kQuantUsage;
      return kQuantExitOk;
    }
    const bool takes_value =
        flag == "--input" || flag == "--gap" || flag == "--max-iterations" || flag == "--output";
    if (!takes_value) return usage_error("unknown argument '" + args[i] + "'");
    std::string v;
    if (inline_value) {
      v = *inline_value;
    } else if (i + 1 < args.size()) {
      v = args[++i];
    } else {
      return usage_error(flag + " needs a value");
    }
    if (flag == "--input") {
      if (path) return usage_error("--input given twice");
      if (v.empty()) return usage_error("--input: empty path");
      path = v;
    } else if (flag == "--gap") {
      double gap = 0;
      if (!absl::SimpleAtod(v, &gap) || !std::isfinite(gap) || !(gap > 0)) {
        return usage_error("--gap: expected a number > 0, got '" + v + "'");
      }
      options.gap_tolerance = gap;
    } else if (flag == "--max-iterations") {
      int n = 0;
      if (!absl::SimpleAtoi(v, &n) || n < 1 || n > 10'000'000) {
        return usage_error("--max-iterations: expected an integer in [1, 10000000], got '" + v +
                           "'");
      }
      options.max_iterations = n;
    } else {  // --output
      if (v == "json") {
        options.output = QuantOutput::kJson;
      } else if (v == "table") {
        options.output = QuantOutput::kTable;
      } else {
        return usage_error("--output: expected json or table, got '" + v + "'");
      }
    }
  }

  std::string text;
  if (!path || *path == "-") {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    std::ifstream file(*path, std::ios::binary);
    if (!file) return usage_error("--input: cannot open '" + *path + "'");
    std::ostringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }

  absl::StatusOr<QuantRun> run = RunQuantProject(text, options);
  if (!run.ok()) {
    err << "arborctl quant project: " << run.status().message() << "\n";
    const absl::StatusCode code = run.status().code();
    return code == absl::StatusCode::kInvalidArgument ||
                   code == absl::StatusCode::kFailedPrecondition
               ? kQuantExitBadInput
               : kQuantExitInternal;
  }
  for (const std::string& w : run->warnings)
    err << "arborctl quant project: warning: " << w << "\n";
  out << run->output;
  out.flush();
  return out ? kQuantExitOk : kQuantExitInternal;
}

int QuantMain(const std::vector<std::string>& args) {
  return RunQuantCommand(args, std::cin, std::cout, std::cerr);
}

}  // namespace arbor::arborctl
