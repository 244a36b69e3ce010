// File: services/arborctl/quant_command.h
//
// `arborctl quant project`: the marginal-polytope KL projection of a cluster of related markets
// (arbor::quant: PolytopeModel, CbcOracle, BarrierFrankWolfe, ExtractTrade) run once on a JSON
// description of the cluster (quant_input.h), printing the arbitrage-free prices μ, the
// divergence and its certificate, and the per-set arbitrage trade. docs/quant.md ("arborctl quant
// project") has an example.
//
//   absl::StatusOr<QuantRun> run = RunQuantProject(text, QuantProjectOptions{});
//   if (run.ok()) std::cout << run->output;
//
// JSON output (one line):
//   {"mu":{"<outcome>":μ,...},            outcome order of the input
//    "divergence":D, "divergence_plain":Σ μ ln(μ/p), "gap":g, "iterations":N, "lazy_steps":N,
//    "search_steps":N (of the lazy steps, those found by the neighbourhood search),
//    "oracle_calls":N, "stop":"gap"|"iteration_limit", "epsilon":ε,
//    "settled":{"<outcome>":0|1,...},      outcomes every valid joint outcome fixes
//    "arbitrage":bool, "guaranteed_profit_per_set":x,
//    "trade":{"legs":[{"outcome":"A_no","side":"buy","quantity":1,"price":0.45},...],
//             "cost_per_set":x, "worst_case_payoff_per_set":x},
//    "lmsr_worst_case":x}
// D is the generalised KL D(μ‖p) = Σ μ ln(μ/p) − μ + p; g ≥ D(μ) − D(μ*) is the Frank-Wolfe gap
// certified by the integer-programming oracle.
//
// Thread-compatible: every call builds its own model, oracle and solver.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace arbor::arborctl {

enum class QuantOutput { kJson, kTable };

struct QuantProjectOptions {
  double gap_tolerance = 1e-10;  // stop when the certified FW gap is <= this (--gap)
  int max_iterations = 5000;     // outer Frank-Wolfe iterations (--max-iterations)
  QuantOutput output = QuantOutput::kJson;
};

struct QuantRun {
  std::string output;                 // for stdout, newline-terminated
  std::vector<std::string> warnings;  // for stderr (e.g. stopped at the iteration limit)
};

// RunQuantProject
//
// Parses `input` (quant_input.h), projects the prices and extracts the trade. Errors:
// InvalidArgument for bad input (message names the JSON path) or options; FailedPrecondition when
// the constraint set admits no joint outcome ("constraint set is infeasible ..."); Internal when
// the solver fails.
[[nodiscard]] absl::StatusOr<QuantRun> RunQuantProject(std::string_view input,
                                                       const QuantProjectOptions& options);

// Exit codes of `arborctl quant`.
inline constexpr int kQuantExitOk = 0;
inline constexpr int kQuantExitInternal = 1;  // solver failure, or output could not be written
inline constexpr int kQuantExitBadInput = 2;  // bad flags, bad input, infeasible constraints

// Parses `arborctl quant` arguments (after "quant": the subcommand "project" and its flags),
// reads the input (--input FILE, or stdin when omitted or "-"), runs the projection and writes
// to `out` / `err`. `in` is the stdin stand-in, injected for tests. Returns the exit code.
int RunQuantCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err);

// The command as main() runs it: stdin, stdout, stderr.
int QuantMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
