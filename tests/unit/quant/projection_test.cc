// Marginal-polytope projection: model validation, CBC vs brute-force oracle, Barrier
// Frank-Wolfe on reference cases 1-4 (encoded here from ../shared/quant/REFERENCE_CASES.md,
// which is prose, not machine-readable), and seeded property tests on random small instances.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "arbor/quant/arbitrage_trade.h"
#include "arbor/quant/frank_wolfe.h"
#include "arbor/quant/ip_oracle.h"
#include "arbor/quant/polytope_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::quant {
namespace {

using ::testing::HasSubstr;

double Logit(double p) { return std::log(p / (1 - p)); }
double Logistic(double x) { return 1 / (1 + std::exp(-x)); }

PolytopeModel Binary2(double pa, double pb) {
  PolytopeModel m;
  EXPECT_TRUE(m.AddBlock("A", {"A_yes", "A_no"}, {pa, 1 - pa}).ok());
  EXPECT_TRUE(m.AddBlock("B", {"B_yes", "B_no"}, {pb, 1 - pb}).ok());
  return m;
}

struct Solved {
  ProjectionResult projection;
  ArbitrageTrade trade;
};

Solved Solve(const PolytopeModel& m, const char* label) {
  auto oracle = CbcOracle::Create(m);
  EXPECT_TRUE(oracle.ok()) << oracle.status();
  BarrierFrankWolfe fw(m, **oracle);
  auto r = fw.Project(m.prices());
  EXPECT_TRUE(r.ok()) << r.status();
  auto t = ExtractTrade(m, m.prices(), *r, **oracle);
  EXPECT_TRUE(t.ok()) << t.status();
  std::printf(
      "[figures] %s: outcomes=%d iterations=%d lazy=%d oracle_calls=%lld gap=%.3g eps=%.3g "
      "D=%.10f\n",
      label, m.num_outcomes(), r->iterations, r->lazy_steps,
      static_cast<long long>(r->oracle_calls), r->gap, r->epsilon, r->divergence);
  return {*r, *t};
}

void ExpectLegs(const ArbitrageTrade& t,
                const std::vector<std::pair<std::string, TradeSide>>& expected) {
  ASSERT_EQ(t.legs.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(t.legs[k].name, expected[k].first);
    EXPECT_EQ(t.legs[k].side, expected[k].second);
    EXPECT_DOUBLE_EQ(t.legs[k].quantity, 1.0);
  }
}

// ---------------------------------------------------------------------------------------------
// Model validation

TEST(PolytopeModelTest, RejectsBadBlocksAndNames) {
  PolytopeModel m;
  EXPECT_EQ(m.AddBlock("A", {}, {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.AddBlock("A", {"x"}, {0.5, 0.5}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.AddBlock("A", {"x", "y"}, {0.5, 0.0}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.AddBlock("A", {"x", "y"}, {0.5, NAN}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.AddBlock("A", {"x", "x"}, {0.5, 0.5}).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(m.AddBlock("A", {"x", "y"}, {0.5, 0.5}).ok());
  absl::Status dup = m.AddBlock("B", {"y", "z"}, {0.5, 0.5});
  EXPECT_THAT(std::string(dup.message()), HasSubstr("duplicate outcome name 'y'"));
  EXPECT_EQ(m.AddBlock("A", {"u", "v"}, {0.5, 0.5}).code(), absl::StatusCode::kInvalidArgument);
  absl::Status unknown = m.AddImplies("x", "nope");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("unknown outcome 'nope'"));
  EXPECT_EQ(m.AddLinear({}, Relation::kEqual, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.num_outcomes(), 2);
}

TEST(PolytopeModelTest, InfeasibleConstraintSetIsReportedByBothOracles) {
  PolytopeModel m = Binary2(0.5, 0.5);
  ASSERT_TRUE(m.AddImplies("A_yes", "B_yes").ok());
  ASSERT_TRUE(m.AddImplies("A_no", "B_yes").ok());
  ASSERT_TRUE(m.AddExcludes("B_yes", "B_yes").ok());  // B_yes impossible, but A forces it
  auto brute = BruteForceOracle::Create(m);
  EXPECT_EQ(brute.status().code(), absl::StatusCode::kFailedPrecondition);
  auto cbc = CbcOracle::Create(m);
  ASSERT_TRUE(cbc.ok());
  BarrierFrankWolfe fw(m, **cbc);
  auto r = fw.Project(m.prices());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("infeasible"));
}

TEST(PolytopeModelTest, ConstraintKindsDefineTheValidOutcomes) {
  PolytopeModel m;
  ASSERT_TRUE(m.AddBlock("E", {"a", "b", "c"}, {0.3, 0.3, 0.3}).ok());
  ASSERT_TRUE(m.AddBlock("F", {"d", "e"}, {0.5, 0.5}).ok());
  ASSERT_TRUE(m.AddEquivalent("a", "d").ok());
  ASSERT_TRUE(m.AddLinear({{"b", 2.0}, {"e", 1.0}}, Relation::kGreaterEqual, 1).ok());
  auto brute = BruteForceOracle::Create(m);
  ASSERT_TRUE(brute.ok());
  // a <-> d rules out (a,e), (b,d), (c,d); 2b + e >= 1 rules out (a,d): Z = {(b,e), (c,e)}.
  EXPECT_EQ((*brute)->vertices().size(), 2u);
  EXPECT_TRUE(m.IsValid(Vertex{0, 0, 1, 0, 1}));
  EXPECT_FALSE(m.IsValid(Vertex{0, 0, 1, 1, 0}));
}

// ---------------------------------------------------------------------------------------------
// Reference cases (REFERENCE_CASES.md, summary table and closed forms; b = 1)

TEST(ProjectionReferenceTest, Case1SingleBinaryBlock) {
  PolytopeModel m;
  ASSERT_TRUE(m.AddBlock("M", {"YES", "NO"}, {0.62, 0.33}).ok());
  Solved s = Solve(m, "case1");
  EXPECT_NEAR(s.projection.mu[0], 0.62 / 0.95, 1e-6);
  EXPECT_NEAR(s.projection.mu[1], 0.33 / 0.95, 1e-6);
  EXPECT_NEAR(s.projection.divergence, 0.95 - 1 - std::log(0.95), 1e-8);  // D_gen 0.001293
  EXPECT_NEAR(s.projection.divergence_plain, -std::log(0.95), 1e-8);      // D_plain 0.051293
  EXPECT_LE(s.projection.gap, 1e-9);
  ExpectLegs(s.trade, {{"YES", TradeSide::kBuy}, {"NO", TradeSide::kBuy}});
  EXPECT_NEAR(s.trade.guaranteed_profit_per_set, 0.05, 1e-12);
  EXPECT_TRUE(s.trade.arbitrage);
}

TEST(ProjectionReferenceTest, Case2NegRiskYesSide) {
  PolytopeModel m;
  ASSERT_TRUE(m.AddBlock("E", {"o1", "o2", "o3", "o4"}, {0.30, 0.25, 0.20, 0.15}).ok());
  Solved s = Solve(m, "case2");
  const double expected[] = {0.30 / 0.9, 0.25 / 0.9, 0.20 / 0.9, 0.15 / 0.9};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(s.projection.mu[i], expected[i], 1e-6);
  EXPECT_NEAR(s.projection.divergence, 0.9 - 1 - std::log(0.9), 1e-8);  // 0.005361
  EXPECT_NEAR(s.projection.divergence_plain, -std::log(0.9), 1e-8);
  EXPECT_LE(s.projection.gap, 1e-9);
  ExpectLegs(s.trade, {{"o1", TradeSide::kBuy},
                       {"o2", TradeSide::kBuy},
                       {"o3", TradeSide::kBuy},
                       {"o4", TradeSide::kBuy}});
  EXPECT_NEAR(s.trade.guaranteed_profit_per_set, 0.10, 1e-12);
}

TEST(ProjectionReferenceTest, Case2bNegRiskNoSideInYesBidTerms) {
  // NO asks .68 .73 .78 .79 = YES bids .32 .27 .22 .21 (Σ 1.02): selling all YES = buying all NO.
  PolytopeModel m;
  ASSERT_TRUE(m.AddBlock("E", {"o1", "o2", "o3", "o4"}, {0.32, 0.27, 0.22, 0.21}).ok());
  Solved s = Solve(m, "case2b");
  const double expected[] = {0.313725, 0.264706, 0.215686, 0.205882};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(s.projection.mu[i], expected[i], 1e-6);
  EXPECT_NEAR(s.projection.divergence, 0.02 - std::log(1.02), 1e-8);  // D_gen 0.000197
  EXPECT_NEAR(s.projection.divergence_plain, -std::log(1.02), 1e-8);  // −0.019803
  EXPECT_LE(s.projection.gap, 1e-9);
  ExpectLegs(s.trade, {{"o1", TradeSide::kSell},
                       {"o2", TradeSide::kSell},
                       {"o3", TradeSide::kSell},
                       {"o4", TradeSide::kSell}});
  EXPECT_NEAR(s.trade.guaranteed_profit_per_set, 0.02, 1e-12);
}

TEST(ProjectionReferenceTest, Case3Implication) {
  PolytopeModel m = Binary2(0.55, 0.48);
  ASSERT_TRUE(m.AddImplies("A_yes", "B_yes").ok());
  Solved s = Solve(m, "case3");
  // Closed form: logit(m) = ½(logit p_A + logit p_B).
  const double mm = Logistic(0.5 * (Logit(0.55) + Logit(0.48)));
  EXPECT_NEAR(mm, 0.515074, 1e-6);
  EXPECT_NEAR(s.projection.mu[0], mm, 1e-6);
  EXPECT_NEAR(s.projection.mu[2], mm, 1e-6);
  const double d = mm * std::log(mm / 0.55) + (1 - mm) * std::log((1 - mm) / 0.45) +
                   mm * std::log(mm / 0.48) + (1 - mm) * std::log((1 - mm) / 0.52);
  EXPECT_NEAR(d, 0.004917, 1e-6);
  EXPECT_NEAR(s.projection.divergence, d, 1e-8);
  EXPECT_LE(s.projection.gap, 1e-9);
  // Joint weights λ(0,0) = 0.484926, λ(1,1) = 0.515074, λ(1,0)... = 0.
  for (const WeightedVertex& v : s.projection.active_set) {
    if (v.z[0] == 1 && v.z[2] == 1) {
      EXPECT_NEAR(v.weight, 0.515074, 1e-6);
    } else if (v.z[0] == 0 && v.z[2] == 0) {
      EXPECT_NEAR(v.weight, 0.484926, 1e-6);
    } else {
      EXPECT_LT(v.weight, 1e-6);  // (A, B) = (0, 1)
    }
  }
  // LMSR trade: δ(A-YES) = −0.065608, δ(A-NO) = +0.074749, δ(B-YES) = +0.070524,
  // δ(B-NO) = −0.069832; worst case = D.
  EXPECT_NEAR(s.trade.lmsr_trade[0], -0.065608, 1e-6);
  EXPECT_NEAR(s.trade.lmsr_trade[1], 0.074749, 1e-6);
  EXPECT_NEAR(s.trade.lmsr_trade[2], 0.070524, 1e-6);
  EXPECT_NEAR(s.trade.lmsr_trade[3], -0.069832, 1e-6);
  EXPECT_NEAR(s.trade.lmsr_worst_case, d, 1e-8);
  ExpectLegs(s.trade, {{"A_no", TradeSide::kBuy}, {"B_yes", TradeSide::kBuy}});
  EXPECT_NEAR(s.trade.cost_per_set, 0.93, 1e-12);
  EXPECT_NEAR(s.trade.guaranteed_profit_per_set, 0.07, 1e-12);
}

TEST(ProjectionReferenceTest, Case3NoArbitrageWhenImplicationHolds) {
  PolytopeModel m = Binary2(0.40, 0.48);  // p_A <= p_B: μ* = p, D = 0
  ASSERT_TRUE(m.AddImplies("A_yes", "B_yes").ok());
  Solved s = Solve(m, "case3-inside");
  EXPECT_NEAR(s.projection.mu[0], 0.40, 1e-6);
  EXPECT_NEAR(s.projection.mu[2], 0.48, 1e-6);
  EXPECT_NEAR(s.projection.divergence, 0.0, 1e-8);
  EXPECT_LE(s.projection.gap, 1e-9);
  EXPECT_FALSE(s.trade.arbitrage);
}

TEST(ProjectionReferenceTest, Case4MutualExclusion) {
  PolytopeModel m = Binary2(0.60, 0.50);
  ASSERT_TRUE(m.AddExcludes("A_yes", "B_yes").ok());
  Solved s = Solve(m, "case4");
  // Closed form: odds(μ_A) = √(odds(p_A) / odds(p_B)) = √1.5.
  const double ma = Logistic(0.5 * (Logit(0.60) - Logit(0.50)));
  EXPECT_NEAR(ma, 0.550510, 1e-6);
  EXPECT_NEAR(s.projection.mu[0], ma, 1e-6);
  EXPECT_NEAR(s.projection.mu[2], 1 - ma, 1e-6);  // 0.449490
  const double d = ma * std::log(ma / 0.6) + (1 - ma) * std::log((1 - ma) / 0.4) +
                   (1 - ma) * std::log((1 - ma) / 0.5) + ma * std::log(ma / 0.5);
  EXPECT_NEAR(d, 0.010153, 1e-6);
  EXPECT_NEAR(s.projection.divergence, d, 1e-8);
  EXPECT_LE(s.projection.gap, 1e-9);
  ExpectLegs(s.trade, {{"A_no", TradeSide::kBuy}, {"B_no", TradeSide::kBuy}});
  EXPECT_NEAR(s.trade.guaranteed_profit_per_set, 0.10, 1e-12);
}

TEST(ProjectionReferenceTest, WarmStartFromActiveSetReusesVertices) {
  PolytopeModel m = Binary2(0.55, 0.48);
  ASSERT_TRUE(m.AddImplies("A_yes", "B_yes").ok());
  auto oracle = CbcOracle::Create(m);
  ASSERT_TRUE(oracle.ok());
  BarrierFrankWolfe fw(m, **oracle);
  auto first = fw.Project(m.prices());
  ASSERT_TRUE(first.ok());
  std::vector<Vertex> warm;
  for (const WeightedVertex& v : first->active_set) warm.push_back(v.z);
  const std::vector<double> moved = {0.56, 0.44, 0.47, 0.53};
  auto second = fw.Project(moved, warm);
  ASSERT_TRUE(second.ok());
  const double mm = Logistic(0.5 * (Logit(0.56) + Logit(0.47)));
  EXPECT_NEAR(second->mu[0], mm, 1e-6);
  EXPECT_LE(second->gap, 1e-9);
  EXPECT_LT(second->oracle_calls, first->oracle_calls);  // no InitFW the second time
  EXPECT_EQ(fw.Project(moved, {Vertex{1, 0, 0, 1}}).status().code(),
            absl::StatusCode::kInvalidArgument);  // A without B is not a valid outcome
}

// ---------------------------------------------------------------------------------------------
// Random small instances (seeded), brute-force Z

PolytopeModel RandomModel(std::mt19937_64& rng) {
  PolytopeModel m;
  std::uniform_int_distribution<int> nblocks(1, 4), bsize(2, 3), kind(0, 4);
  std::uniform_real_distribution<double> price(0.05, 0.95);
  std::vector<std::string> names;
  const int blocks = nblocks(rng);
  for (int b = 0; b < blocks; ++b) {
    const int size = bsize(rng);
    std::vector<std::string> outcomes;
    std::vector<double> prices;
    for (int k = 0; k < size; ++k) {
      outcomes.push_back("b" + std::to_string(b) + "o" + std::to_string(k));
      prices.push_back(price(rng));
    }
    names.insert(names.end(), outcomes.begin(), outcomes.end());
    EXPECT_TRUE(m.AddBlock("b" + std::to_string(b), outcomes, prices).ok());
  }
  std::uniform_int_distribution<int> pick(0, static_cast<int>(names.size()) - 1);
  std::uniform_int_distribution<int> nconstraints(0, 3);
  const int count = nconstraints(rng);
  for (int c = 0; c < count; ++c) {
    const std::string& a = names[pick(rng)];
    const std::string& b = names[pick(rng)];
    absl::Status s;
    switch (kind(rng)) {
      case 0:
        s = m.AddImplies(a, b);
        break;
      case 1:
        s = m.AddExcludes(a, b);
        break;
      case 2:
        s = m.AddEquivalent(a, b);
        break;
      case 3:
        s = m.AddAtMostOne({a, b, names[pick(rng)]});
        break;
      default:
        s = m.AddLinear({{a, 1.0}, {b, 1.0}}, Relation::kGreaterEqual, 1.0);
        break;
    }
    EXPECT_TRUE(s.ok()) << s;
  }
  return m;
}

double MinOver(const std::vector<Vertex>& z, const std::vector<double>& c) {
  double best = std::numeric_limits<double>::infinity();
  for (const Vertex& v : z) best = std::min(best, Dot(c, v));
  return best;
}

TEST(IpOracleTest, CbcMatchesBruteForceOnRandomInstances) {
  std::mt19937_64 rng(20261206);
  std::normal_distribution<double> gauss;
  int feasible = 0;
  for (int inst = 0; inst < 60; ++inst) {
    PolytopeModel m = RandomModel(rng);
    auto brute = BruteForceOracle::Create(m);
    auto cbc = CbcOracle::Create(m);
    ASSERT_TRUE(cbc.ok());
    std::vector<double> c(m.num_outcomes());
    for (double& v : c) v = gauss(rng);
    auto zc = (*cbc)->Minimize(c);
    if (!brute.ok()) {
      EXPECT_EQ(brute.status().code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_EQ(zc.status().code(), absl::StatusCode::kFailedPrecondition) << inst;
      continue;
    }
    ++feasible;
    for (int k = 0; k < 5; ++k) {
      for (double& v : c) v = gauss(rng);
      auto zb = (*brute)->Minimize(c);
      zc = (*cbc)->Minimize(c);
      ASSERT_TRUE(zb.ok() && zc.ok()) << zc.status();
      EXPECT_TRUE(m.IsValid(*zc));
      EXPECT_NEAR(Dot(c, *zc), Dot(c, *zb), 1e-9) << "instance " << inst;
    }
  }
  EXPECT_GT(feasible, 30);
}

TEST(ProjectionPropertyTest, RandomInstancesCertificateAndTrade) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int tested = 0;
  for (int inst = 0; inst < 40; ++inst) {
    PolytopeModel m = RandomModel(rng);
    auto brute = BruteForceOracle::Create(m);
    if (!brute.ok()) continue;
    const std::vector<Vertex>& z = (*brute)->vertices();
    BarrierFrankWolfe fw(m, **brute);
    auto r = fw.Project(m.prices());
    ASSERT_TRUE(r.ok()) << r.status();
    ++tested;
    const int n = m.num_outcomes();
    // μ is the convex combination of its active set, and every active vertex is in Z.
    double total = 0;
    std::vector<double> mix(n, 0.0);
    for (const WeightedVertex& v : r->active_set) {
      EXPECT_TRUE(m.IsValid(v.z));
      EXPECT_GT(v.weight, 0);
      total += v.weight;
      for (int i = 0; i < n; ++i) mix[i] += v.weight * v.z[i];
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(mix[i], r->mu[i], 1e-12);
    // Gap certificate: the reported gap is the brute-force FW gap, and no point of M (random
    // mixtures of Z) has a divergence below D(μ) − gap.
    std::vector<double> grad(n);
    for (int i = 0; i < n; ++i) {
      grad[i] = r->mu[i] > 0 ? std::log(r->mu[i] / m.prices()[i]) : 0.0;
    }
    double gmu = 0;
    for (int i = 0; i < n; ++i) gmu += grad[i] * r->mu[i];
    EXPECT_NEAR(r->gap, std::max(0.0, gmu - MinOver(z, grad)), 1e-9);
    EXPECT_LE(r->gap, 1e-9) << "instance " << inst;
    for (int k = 0; k < 20; ++k) {
      std::vector<double> w(z.size());
      double ws = 0;
      for (double& x : w) ws += (x = -std::log(unit(rng) + 1e-300));
      std::vector<double> nu(n, 0.0);
      for (size_t j = 0; j < z.size(); ++j) {
        for (int i = 0; i < n; ++i) nu[i] += w[j] / ws * z[j][i];
      }
      EXPECT_GE(GeneralizedKl(nu, m.prices()), r->divergence - r->gap - 1e-12);
    }
    // Trades: guaranteed profits equal the worst case over Z of the extracted trades.
    auto t = ExtractTrade(m, m.prices(), *r, **brute);
    ASSERT_TRUE(t.ok()) << t.status();
    std::vector<double> q(n, 0.0);
    double cost = 0;
    for (const TradeLeg& leg : t->legs) {
      const double sign = leg.side == TradeSide::kBuy ? 1.0 : -1.0;
      q[leg.outcome] += sign * leg.quantity;
      cost += sign * leg.quantity * leg.price;
    }
    if (!t->legs.empty()) {
      EXPECT_NEAR(t->guaranteed_profit_per_set, MinOver(z, q) - cost, 1e-12);
    }
    EXPECT_NEAR(t->lmsr_worst_case, MinOver(z, t->lmsr_trade), 1e-12);
    EXPECT_NEAR(t->lmsr_worst_case, r->divergence_plain - r->gap, 1e-9);
  }
  EXPECT_GT(tested, 20);
}

TEST(ProjectionPropertyTest, NoArbitrageWhenPricesAreInsideM) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int tested = 0;
  for (int inst = 0; inst < 60; ++inst) {
    PolytopeModel m = RandomModel(rng);
    auto brute = BruteForceOracle::Create(m);
    if (!brute.ok()) continue;
    const std::vector<Vertex>& z = (*brute)->vertices();
    const int n = m.num_outcomes();
    std::vector<double> p(n, 0.0);
    double ws = 0;
    std::vector<double> w(z.size());
    for (double& x : w) ws += (x = 0.2 + unit(rng));  // every vertex weighted: p interior
    for (size_t j = 0; j < z.size(); ++j) {
      for (int i = 0; i < n; ++i) p[i] += w[j] / ws * z[j][i];
    }
    // Outcomes impossible in every valid outcome have price 0, which the model rejects.
    if (*std::min_element(p.begin(), p.end()) <= 0) continue;
    BarrierFrankWolfe fw(m, **brute);
    auto r = fw.Project(p);
    ASSERT_TRUE(r.ok()) << r.status();
    ++tested;
    EXPECT_NEAR(r->divergence, 0.0, 1e-9);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(r->mu[i], p[i], 1e-5);
    auto t = ExtractTrade(m, p, *r, **brute);
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE(t->arbitrage) << "instance " << inst;
  }
  EXPECT_GT(tested, 10);
}

// Single-elimination bracket of 2^rounds teams: one block per game (the teams that can win it),
// "t wins a game of round r" implies "t won its game of round r − 1". Random prices.
PolytopeModel Bracket(int rounds, std::mt19937_64& rng) {
  PolytopeModel m;
  std::uniform_real_distribution<double> price(0.05, 0.95);
  for (int r = 1; r <= rounds; ++r) {
    const int span = 1 << r;
    for (int g = 0; g < (1 << rounds) / span; ++g) {
      std::vector<std::string> outcomes;
      std::vector<double> prices;
      for (int t = g * span; t < (g + 1) * span; ++t) {
        outcomes.push_back("r" + std::to_string(r) + "t" + std::to_string(t));
        prices.push_back(price(rng) * 2.0 / span);
      }
      EXPECT_TRUE(
          m.AddBlock("r" + std::to_string(r) + "g" + std::to_string(g), outcomes, prices).ok());
      if (r == 1) continue;
      for (int t = g * span; t < (g + 1) * span; ++t) {
        EXPECT_TRUE(m.AddImplies("r" + std::to_string(r) + "t" + std::to_string(t),
                                 "r" + std::to_string(r - 1) + "t" + std::to_string(t))
                        .ok());
      }
    }
  }
  return m;
}

TEST(ProjectionScaleTest, EightTeamBracketCbcAgreesWithBruteForce) {
  std::mt19937_64 rng(3);
  PolytopeModel m = Bracket(3, rng);
  auto brute = BruteForceOracle::Create(m);
  ASSERT_TRUE(brute.ok());
  EXPECT_EQ((*brute)->vertices().size(), 128u);
  BarrierFrankWolfe fw_brute(m, **brute);
  auto rb = fw_brute.Project(m.prices());
  Solved s = Solve(m, "bracket8");
  ASSERT_TRUE(rb.ok());
  EXPECT_LE(s.projection.gap, 1e-9);
  EXPECT_NEAR(s.projection.divergence, rb->divergence, 1e-9);
  for (int i = 0; i < m.num_outcomes(); ++i) EXPECT_NEAR(s.projection.mu[i], rb->mu[i], 1e-5);
  EXPECT_TRUE(s.trade.arbitrage);
}

TEST(ProjectionScaleTest, SixteenTeamBracketConverges) {
  std::mt19937_64 rng(5);
  PolytopeModel m = Bracket(4, rng);
  EXPECT_EQ(m.num_outcomes(), 64);
  Solved s = Solve(m, "bracket16");
  EXPECT_LE(s.projection.gap, 1e-9);
  EXPECT_EQ(s.projection.stop, ProjectionStop::kGap);
}

TEST(ProjectionScaleTest, IterationLimitReturnsACertifiedIterate) {
  std::mt19937_64 rng(5);
  PolytopeModel m = Bracket(3, rng);
  auto brute = BruteForceOracle::Create(m);
  ASSERT_TRUE(brute.ok());
  FrankWolfeOptions options;
  options.max_iterations = 3;
  BarrierFrankWolfe fw(m, **brute, options);
  auto r = fw.Project(m.prices());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stop, ProjectionStop::kIterationLimit);
  std::vector<double> grad(m.num_outcomes());
  double gmu = 0;
  for (int i = 0; i < m.num_outcomes(); ++i) {
    grad[i] = std::log(r->mu[i] / m.prices()[i]);
    gmu += grad[i] * r->mu[i];
  }
  EXPECT_NEAR(r->gap, gmu - MinOver((*brute)->vertices(), grad), 1e-12);
  EXPECT_GT(r->gap, 1e-9);
}

}  // namespace
}  // namespace arbor::quant
