// Marginal-polytope projection at scale (issue 9, "Scale"; docs/quant.md "Scale figures"): cold
// projections (new CbcOracle + BarrierFrankWolfe, InitFW included) of generated instances —
// a 64-team bracket with and without the per-(team, round) binary markets, and an election
// (51 states × 3 parties × 4 candidates with margin markets) — to a FW gap <= 1e-6.
//
//   projection_bench                      Google Benchmark (scripts/bench.sh); counters per
//                                         instance: outcomes, constraints, iterations,
//                                         oracle_calls, gap, divergence
//   projection_bench --table [--gap D] [--repeat N] [--instance NAME] [--no-search]
//                                         one line per instance, wall time = min over N runs;
//                                         --no-search turns off the neighbourhood search of
//                                         lazy steps (FrankWolfeOptions::neighbourhood_search)
//   projection_bench --emit-json NAME     the instance in `arborctl quant project` input form
//   projection_bench --list               instance names
//
// Single-threaded (CBC and the FW loop run on the calling thread).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "arbor/quant/frank_wolfe.h"
#include "arbor/quant/ip_oracle.h"
#include "arbor/quant/polytope_model.h"
#include "instance_generators.h"

namespace {

using arbor::quant::BarrierFrankWolfe;
using arbor::quant::CbcOracle;
using arbor::quant::FrankWolfeOptions;
using arbor::quant::IpOracle;
using arbor::quant::PolytopeModel;
using arbor::quant::ProjectionResult;
using arbor::quant::Vertex;
namespace gen = arbor::quant::bench;

struct InstanceDef {
  const char* name;
  bool benchmarked;  // part of the scale table / Google Benchmark run (else: --emit-json only)
  std::function<absl::StatusOr<PolytopeModel>()> make;
};

const std::vector<InstanceDef>& Instances() {
  static const std::vector<InstanceDef> kInstances = {
      {"bracket64", true, [] { return gen::MakeBracket({.teams = 64}); }},
      {"bracket64-games", true,
       [] { return gen::MakeBracket({.teams = 64, .binary_markets = false}); }},
      {"bracket64-noisy", true,
       [] { return gen::MakeBracket({.teams = 64, .noise = 0.5, .seed = 2}); }},
      // Not in the default run: the 51-state election takes minutes, nearly all of it in CBC
      // (docs/quant.md, "Scale figures"); `--table --instance election` runs one.
      {"election", false, [] { return gen::MakeElection({}); }},
      // The same model on 12 states (about 7 s, nearly all of it CBC branch and bound).
      {"election12", false, [] { return gen::MakeElection({.states = 12}); }},
      {"election-noisy", false, [] { return gen::MakeElection({.noise = 0.5, .seed = 2}); }},
      {"bracket16", true, [] { return gen::MakeBracket({.teams = 16}); }},
      // Small instances for the SLSQP cross-check (Z enumerable by brute force).
      {"bracket4", false, [] { return gen::MakeBracket({.teams = 4, .noise = 0.2, .seed = 3}); }},
      {"bracket8", false, [] { return gen::MakeBracket({.teams = 8, .noise = 0.2, .seed = 4}); }},
      {"bracket8-games", false,
       [] { return gen::MakeBracket({.teams = 8, .binary_markets = false, .noise = 0.3}); }},
      {"election-tiny", false,
       [] {
         return gen::MakeElection({.states = 3,
                                   .parties = 2,
                                   .candidates = 2,
                                   .margin_markets = false,
                                   .electoral_votes = {3, 4, 5},
                                   .noise = 0.2,
                                   .seed = 5});
       }},
      {"election-margins-tiny", false,
       [] {
         return gen::MakeElection({.states = 2,
                                   .parties = 2,
                                   .candidates = 1,
                                   .margin_markets = true,
                                   .electoral_votes = {1, 1},
                                   .noise = 0.2,
                                   .seed = 6});
       }},
      {"election-cand-tiny", false,
       [] {
         return gen::MakeElection({.states = 3,
                                   .parties = 2,
                                   .candidates = 2,
                                   .margin_markets = false,
                                   .state_candidate_markets = true,
                                   .electoral_votes = {2, 2, 4},
                                   .noise = 0.2,
                                   .seed = 7});
       }},
  };
  return kInstances;
}

// Counts the wall time spent inside the wrapped oracle.
class TimedOracle final : public IpOracle {
 public:
  explicit TimedOracle(IpOracle& inner) : inner_(inner) {}
  absl::StatusOr<Vertex> Minimize(absl::Span<const double> c) override {
    const auto start = std::chrono::steady_clock::now();
    auto z = inner_.Minimize(c);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return z;
  }
  int64_t calls() const override { return inner_.calls(); }
  double seconds() const { return seconds_; }

 private:
  IpOracle& inner_;
  double seconds_ = 0;
};

struct Run {
  ProjectionResult result;
  double seconds = 0;
  double oracle_seconds = 0;
};

absl::StatusOr<Run> ProjectOnce(const PolytopeModel& m, double gap, bool search = true) {
  const auto start = std::chrono::steady_clock::now();
  auto cbc = CbcOracle::Create(m);
  if (!cbc.ok()) return cbc.status();
  TimedOracle oracle(**cbc);
  FrankWolfeOptions options;
  options.gap_tolerance = gap;
  options.max_iterations = 5000;
  options.neighbourhood_search = search;
  BarrierFrankWolfe fw(m, oracle, options);
  auto r = fw.Project(m.prices());
  if (!r.ok()) return r.status();
  Run run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.oracle_seconds = oracle.seconds();
  run.result = *std::move(r);
  return run;
}

constexpr double kDefaultGap = 1e-6;

void BM_Project(benchmark::State& state, const InstanceDef* def) {
  auto m = def->make();
  if (!m.ok()) {
    state.SkipWithError(std::string(m.status().message()).c_str());
    return;
  }
  Run last;
  for (auto _ : state) {
    auto run = ProjectOnce(*m, kDefaultGap);
    if (!run.ok()) {
      state.SkipWithError(std::string(run.status().message()).c_str());
      return;
    }
    last = *std::move(run);
  }
  state.counters["outcomes"] = m->num_outcomes();
  state.counters["constraints"] = static_cast<double>(m->constraints().size());
  state.counters["iterations"] = last.result.iterations;
  state.counters["oracle_calls"] = static_cast<double>(last.result.oracle_calls);
  state.counters["gap"] = last.result.gap;
  state.counters["divergence"] = last.result.divergence;
  state.counters["oracle_share"] = last.oracle_seconds / last.seconds;
}

int Table(double gap, int repeat, const std::string& only, bool search) {
  std::printf("%-16s %8s %6s %11s %6s %5s %6s %7s %9s %14s %9s %9s\n", "instance", "outcomes",
              "blocks", "constraints", "iters", "lazy", "search", "oracle", "gap", "divergence",
              "wall_ms", "oracle_ms");
  for (const InstanceDef& def : Instances()) {
    if (only.empty() ? !def.benchmarked : only != def.name) continue;
    auto m = def.make();
    if (!m.ok()) {
      std::fprintf(stderr, "%s: %s\n", def.name, std::string(m.status().message()).c_str());
      return 1;
    }
    Run best;
    best.seconds = 1e300;
    for (int k = 0; k < repeat; ++k) {
      auto run = ProjectOnce(*m, gap, search);
      if (!run.ok()) {
        std::fprintf(stderr, "%s: %s\n", def.name, std::string(run.status().message()).c_str());
        return 1;
      }
      if (run->seconds < best.seconds) best = *std::move(run);
    }
    const ProjectionResult& r = best.result;
    std::printf("%-16s %8d %6d %11zu %6d %5d %6d %7lld %9.2e %14.10f %9.1f %9.1f\n", def.name,
                m->num_outcomes(), m->num_blocks(), m->constraints().size(), r.iterations,
                r.lazy_steps, r.search_steps, static_cast<long long>(r.oracle_calls), r.gap,
                r.divergence, best.seconds * 1e3, best.oracle_seconds * 1e3);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool table = false;
  double gap = kDefaultGap;
  int repeat = 3;
  std::string only;
  bool search = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--list") {
      for (const InstanceDef& def : Instances()) std::printf("%s\n", def.name);
      return 0;
    }
    if (arg == "--emit-json" && has_value) {
      const std::string name = argv[++i];
      for (const InstanceDef& def : Instances()) {
        if (name != def.name) continue;
        auto m = def.make();
        if (!m.ok()) {
          std::fprintf(stderr, "%s\n", std::string(m.status().message()).c_str());
          return 1;
        }
        std::fputs(gen::ModelToJson(*m).c_str(), stdout);
        return 0;
      }
      std::fprintf(stderr, "unknown instance '%s' (--list)\n", name.c_str());
      return 2;
    }
    if (arg == "--table") {
      table = true;
    } else if (arg == "--gap" && has_value) {
      if (!absl::SimpleAtod(argv[++i], &gap) || !(gap > 0)) {
        std::fprintf(stderr, "--gap: expected a number > 0\n");
        return 2;
      }
    } else if (arg == "--repeat" && has_value) {
      if (!absl::SimpleAtoi(argv[++i], &repeat) || repeat < 1) {
        std::fprintf(stderr, "--repeat: expected an integer >= 1\n");
        return 2;
      }
    } else if (arg == "--instance" && has_value) {
      only = argv[++i];
    } else if (arg == "--no-search") {
      search = false;
    } else if (table) {
      std::fprintf(stderr, "unknown argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  if (table) return Table(gap, repeat, only, search);
  for (const InstanceDef& def : Instances()) {
    if (!def.benchmarked) continue;
    benchmark::RegisterBenchmark(def.name, BM_Project, &def)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
