// Sanity of the scale-benchmark generators (tests/bench/quant/instance_generators.h): brute-force
// vertex counts equal the number of valid brackets / elections counted independently, sampled
// joint outcomes satisfy every generated constraint, sizes of the benchmark instances, and the
// CBC oracle (warm LP, presolve, branch and bound) agrees with brute force on generator
// instances over long sequences of objectives.
#include "instance_generators.h"

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "arbor/quant/frank_wolfe.h"
#include "arbor/quant/ip_oracle.h"
#include "arbor/quant/polytope_model.h"
#include "gtest/gtest.h"

namespace arbor::quant::bench {
namespace {

// Number of assignments of a winning party to each state in which some party has a majority
// (floor(total / 2) + 1) of the electoral votes, by direct enumeration.
int64_t MajorityAssignments(const std::vector<int>& ev, int parties) {
  int total = 0;
  for (int v : ev) total += v;
  const int majority = total / 2 + 1;
  int64_t count = 0;
  std::vector<int> winner(ev.size(), 0);
  for (;;) {
    std::vector<int> votes(parties, 0);
    for (size_t s = 0; s < ev.size(); ++s) votes[winner[s]] += ev[s];
    for (int v : votes) {
      if (v >= majority) {
        ++count;
        break;
      }
    }
    size_t s = 0;
    while (s < ev.size() && ++winner[s] == parties) winner[s++] = 0;
    if (s == ev.size()) break;
  }
  return count;
}

int64_t Pow(int64_t base, int exp) {
  int64_t r = 1;
  for (int k = 0; k < exp; ++k) r *= base;
  return r;
}

TEST(InstanceGeneratorsTest, BracketVertexCountIsTheNumberOfBrackets) {
  // A bracket of T teams has T − 1 games, each with two possible winners: 2^(T−1) outcomes;
  // the binary markets are determined by the game results.
  struct Case {
    int teams;
    bool binary;
  };
  for (const Case c : {Case{2, true}, Case{4, false}, Case{4, true}, Case{8, false}}) {
    auto m = MakeBracket({.teams = c.teams, .binary_markets = c.binary});
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->num_outcomes(), BracketOutcomes({.teams = c.teams, .binary_markets = c.binary}));
    auto brute = BruteForceOracle::Create(*m);
    ASSERT_TRUE(brute.ok()) << brute.status();
    EXPECT_EQ(static_cast<int64_t>((*brute)->vertices().size()), Pow(2, c.teams - 1))
        << c.teams << " teams, binary " << c.binary;
  }
}

TEST(InstanceGeneratorsTest, ElectionVertexCountMatchesIndependentCount) {
  // Valid joint outcomes: a nominee per party (C^P) × state winners giving some party a
  // majority × (margin markets) a margin bucket per state (4^S); everything else is determined.
  const std::vector<ElectionOptions> cases = {
      {.states = 3,
       .parties = 2,
       .candidates = 2,
       .margin_markets = false,
       .electoral_votes = {2, 2, 4}},  // the 4–4 splits have no majority: 6 of 8 assignments
      {.states = 2,
       .parties = 2,
       .candidates = 1,
       .margin_markets = true,
       .electoral_votes = {1, 1}},
      {.states = 3,
       .parties = 2,
       .candidates = 2,
       .margin_markets = false,
       .state_candidate_markets = true,
       .electoral_votes = {2, 2, 4}},
      {.states = 2,
       .parties = 3,
       .candidates = 1,
       .margin_markets = false,
       .electoral_votes = {3, 5}},
  };
  for (const ElectionOptions& o : cases) {
    auto m = MakeElection(o);
    ASSERT_TRUE(m.ok()) << m.status();
    auto brute = BruteForceOracle::Create(*m);
    ASSERT_TRUE(brute.ok()) << brute.status();
    const int64_t expected = Pow(o.candidates, o.parties) *
                             MajorityAssignments(o.electoral_votes, o.parties) *
                             (o.margin_markets ? Pow(4, o.states) : 1);
    EXPECT_EQ(static_cast<int64_t>((*brute)->vertices().size()), expected)
        << o.states << " states, " << o.parties << " parties, margins " << o.margin_markets
        << ", state candidates " << o.state_candidate_markets;
  }
  EXPECT_EQ(MajorityAssignments({2, 2, 4}, 2), 6);
}

TEST(InstanceGeneratorsTest, SampledOutcomesSatisfyEveryConstraint) {
  std::mt19937_64 rng(17);
  const BracketOptions bracket{.teams = 64};
  auto bm = MakeBracket(bracket);
  ASSERT_TRUE(bm.ok()) << bm.status();
  for (int k = 0; k < 50; ++k) {
    auto z = SampleBracket(bracket, rng);
    ASSERT_TRUE(z.ok()) << z.status();
    ASSERT_TRUE(bm->IsValid(*z)) << "bracket sample " << k;
  }
  for (const ElectionOptions& election :
       {ElectionOptions{}, ElectionOptions{.states = 10, .state_candidate_markets = true}}) {
    auto em = MakeElection(election);
    ASSERT_TRUE(em.ok()) << em.status();
    for (int k = 0; k < 50; ++k) {
      auto z = SampleElection(election, rng);
      ASSERT_TRUE(z.ok()) << z.status();
      ASSERT_TRUE(em->IsValid(*z)) << "election sample " << k;
    }
  }
}

TEST(InstanceGeneratorsTest, BenchmarkInstanceSizes) {
  auto bracket = MakeBracket({.teams = 64, .samples = 200});
  ASSERT_TRUE(bracket.ok());
  EXPECT_EQ(bracket->num_outcomes(), 1152);  // 6 rounds × 64 teams × (token + YES + NO)
  EXPECT_EQ(bracket->num_blocks(), 63 + 384);
  EXPECT_EQ(bracket->constraints().size(), 320u + 384u);  // implications + equivalences
  auto games = MakeBracket({.teams = 64, .binary_markets = false, .samples = 200});
  ASSERT_TRUE(games.ok());
  EXPECT_EQ(games->num_outcomes(), 384);
  auto election = MakeElection({.samples = 200});
  ASSERT_TRUE(election.ok());
  // 51 states × (3 winners + 12 margin buckets + 3 × 2 lead markets) + 12 nominees + 3 + 12.
  EXPECT_EQ(election->num_outcomes(), 51 * 21 + 27);
  for (const PolytopeModel* m : {&*bracket, &*games, &*election}) {
    for (double p : m->prices()) {
      EXPECT_GT(p, 0.0);
      EXPECT_LT(p, 1.0);
    }
  }
  // Deterministic for a seed.
  auto again = MakeBracket({.teams = 64, .samples = 200});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->prices(), bracket->prices());
}

TEST(InstanceGeneratorsTest, RejectsBadOptions) {
  EXPECT_EQ(MakeBracket({.teams = 12}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeBracket({.teams = 1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeBracket({.teams = 8, .samples = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeElection({.states = 3, .electoral_votes = {1, 2}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeElection({.parties = 1}).status().code(), absl::StatusCode::kInvalidArgument);
}

// CbcOracle keeps one LP warm across calls and presolves binary blocks and equivalences; check
// it against brute force over long objective sequences (slowly drifting, like Frank-Wolfe
// gradients, and independent ones) on instances where the LP is integral (brackets) and where
// branch and bound is needed (elections).
TEST(InstanceGeneratorsTest, CbcOracleMatchesBruteForceOnGeneratedInstances) {
  std::vector<PolytopeModel> models;
  for (auto m : {MakeBracket({.teams = 4}), MakeBracket({.teams = 8, .binary_markets = false}),
                 MakeElection({.states = 3,
                 .parties = 2,
                 .candidates = 2,
                 .margin_markets = false,
                 .state_candidate_markets = true,
                 .electoral_votes = {2, 2, 4}}),
                 MakeElection({.states = 2,
                 .parties = 2,
                 .candidates = 1,
                 .margin_markets = true,
                 .electoral_votes = {1, 1}})}) {
    ASSERT_TRUE(m.ok()) << m.status();
    models.push_back(*std::move(m));
  }
  // Both search stages: the default (bare branch and bound within its node budget, CbcMain
  // above it) and a zero budget, which sends every call the LP cannot answer to CbcMain.
  for (const int budget : {CbcOracleOptions{}.bare_search_nodes, 0}) {
    std::mt19937_64 rng(23);
    std::normal_distribution<double> gauss;
    int64_t bare = 0, full = 0;
    for (size_t k = 0; k < models.size(); ++k) {
      const PolytopeModel& m = models[k];
      auto brute = BruteForceOracle::Create(m);
      auto cbc = CbcOracle::Create(m, {.bare_search_nodes = budget});
      ASSERT_TRUE(brute.ok() && cbc.ok());
      std::vector<double> c(m.num_outcomes());
      for (double& v : c) v = gauss(rng);
      for (int call = 0; call < 60; ++call) {
        if (call % 3 == 2) {
          for (double& v : c) v = gauss(rng);
        } else {
          for (double& v : c) v += 0.05 * gauss(rng);
        }
        auto zb = (*brute)->Minimize(c);
        auto zc = (*cbc)->Minimize(c);
        ASSERT_TRUE(zb.ok() && zc.ok()) << zc.status();
        ASSERT_TRUE(m.IsValid(*zc));
        ASSERT_NEAR(Dot(c, *zc), Dot(c, *zb), 1e-9)
            << "budget " << budget << ", model " << k << ", call " << call;
      }
      bare += (*cbc)->bare_searches();
      full += (*cbc)->full_searches();
    }
    // The elections need branching: each budget must have used the stage it is meant to test.
    if (budget > 0) {
      EXPECT_GT(bare, 0) << "no call reached the bare branch and bound";
    } else {
      EXPECT_EQ(bare, 0);
      EXPECT_GT(full, 0) << "no call reached CbcMain";
    }
  }
}

TEST(InstanceGeneratorsTest, ProjectionWithCbcMatchesBruteForce) {
  for (auto m : {MakeBracket({.teams = 4, .noise = 0.3}), MakeElection({.states = 2,
                                                          .parties = 2,
                                                          .candidates = 1,
                                                          .margin_markets = true,
                                                          .electoral_votes = {1, 1},
                                                          .noise = 0.3})}) {
    ASSERT_TRUE(m.ok()) << m.status();
    auto brute = BruteForceOracle::Create(*m);
    auto cbc = CbcOracle::Create(*m);
    ASSERT_TRUE(brute.ok() && cbc.ok());
    BarrierFrankWolfe fb(*m, **brute), fc(*m, **cbc);
    auto rb = fb.Project(m->prices());
    auto rc = fc.Project(m->prices());
    ASSERT_TRUE(rb.ok() && rc.ok()) << rc.status();
    EXPECT_LE(rc->gap, 1e-9);
    EXPECT_NEAR(rc->divergence, rb->divergence, 1e-9);
    for (int i = 0; i < m->num_outcomes(); ++i) EXPECT_NEAR(rc->mu[i], rb->mu[i], 1e-5);
  }
}

// The neighbourhood search of lazy steps changes how the projection gets there, not where: with
// and without it the certified μ and divergence agree, and on an election (whose majority rows
// make every CBC call a branch and bound) it replaces oracle calls with search steps.
TEST(InstanceGeneratorsTest, NeighbourhoodSearchSavesOracleCallsWithoutChangingTheProjection) {
  auto m = MakeElection({.states = 6, .parties = 3, .candidates = 2, .samples = 500});
  ASSERT_TRUE(m.ok()) << m.status();
  ProjectionResult results[2];
  for (int with_search = 0; with_search < 2; ++with_search) {
    auto cbc = CbcOracle::Create(*m);
    ASSERT_TRUE(cbc.ok());
    BarrierFrankWolfe fw(
        *m, **cbc,
        {.gap_tolerance = 1e-6, .max_iterations = 5000, .neighbourhood_search = with_search == 1});
    auto r = fw.Project(m->prices());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->stop, ProjectionStop::kGap);
    EXPECT_LE(r->gap, 1e-6);
    for (const WeightedVertex& v : r->active_set) EXPECT_TRUE(m->IsValid(v.z));
    results[with_search] = *r;
  }
  const ProjectionResult& off = results[0];
  const ProjectionResult& on = results[1];
  EXPECT_EQ(off.search_steps, 0);
  EXPECT_GT(on.search_steps, 0);
  EXPECT_LT(on.oracle_calls, off.oracle_calls);
  EXPECT_NEAR(on.divergence, off.divergence, 2e-6);
  std::printf("oracle calls %lld -> %lld, search steps %d\n",
              static_cast<long long>(off.oracle_calls), static_cast<long long>(on.oracle_calls),
              on.search_steps);
  for (int i = 0; i < m->num_outcomes(); ++i) EXPECT_NEAR(on.mu[i], off.mu[i], 3e-3);
}

}  // namespace
}  // namespace arbor::quant::bench
