// NeighbourhoodSearch: neighbourhoods from the small rows, moves that keep every row (large
// ones included) satisfied, and exactness when every neighbourhood is a whole component
// (checked against brute-force Z on random instances).
#include "arbor/quant/neighbourhood_search.h"

#include <random>
#include <string>
#include <vector>

#include "arbor/quant/ip_oracle.h"
#include "gtest/gtest.h"

namespace arbor::quant {
namespace {

PolytopeModel Binaries(int count) {
  PolytopeModel m;
  for (int b = 0; b < count; ++b) {
    const std::string name = "X" + std::to_string(b);
    EXPECT_TRUE(m.AddBlock(name, {name + ".yes", name + ".no"}, {0.5, 0.5}).ok());
  }
  return m;
}

std::vector<std::pair<std::string, double>> AllYes(int count) {
  std::vector<std::pair<std::string, double>> terms;
  for (int b = 0; b < count; ++b) terms.emplace_back("X" + std::to_string(b) + ".yes", 1.0);
  return terms;
}

TEST(NeighbourhoodSearchTest, NeighbourhoodsFollowSmallRowsAndSplitLargeComponents) {
  PolytopeModel m = Binaries(4);
  ASSERT_TRUE(m.AddBlock("E", {"e0", "e1", "e2"}, {0.3, 0.3, 0.4}).ok());
  ASSERT_TRUE(m.AddImplies("X0.yes", "X1.yes").ok());
  auto all = AllYes(4);
  all.emplace_back("e0", 1.0);
  ASSERT_TRUE(m.AddLinear(all, Relation::kLessEqual, 4).ok());  // touches all 5 blocks

  NeighbourhoodSearch search(m, {.max_row_blocks = 3});
  EXPECT_EQ(search.neighbourhoods(), (std::vector<std::vector<int>>{{0, 1}, {2}, {3}, {4}}));
  // The 5-block row links everything when it counts as small.
  NeighbourhoodSearch linked(m, {.max_row_blocks = 5});
  EXPECT_EQ(linked.neighbourhoods(), (std::vector<std::vector<int>>{{0, 1, 2, 3, 4}}));
  // A component with more joint assignments than allowed is searched block by block.
  NeighbourhoodSearch split(m, {.max_row_blocks = 3, .max_assignments = 3});
  EXPECT_EQ(split.neighbourhoods(), (std::vector<std::vector<int>>{{0}, {1}, {2}, {3}, {4}}));
}

TEST(NeighbourhoodSearchTest, NeverTakesAMoveThatBreaksALargeRow) {
  // At most two of four YES; the row is "large" (4 blocks > 3), so it links nothing and every
  // neighbourhood is one block. The best vertex is {X0, X2}; from {X0, X1} no single-block move
  // reaches it without a third YES (dropping X1 alone gains nothing).
  PolytopeModel m = Binaries(4);
  ASSERT_TRUE(m.AddLinear(AllYes(4), Relation::kLessEqual, 2).ok());
  NeighbourhoodSearch search(m, {.max_row_blocks = 3});
  const std::vector<double> c = {-1, 0, 0, 0, -5, 0, 0, 0};
  Vertex z = {1, 0, 1, 0, 0, 1, 0, 1};
  EXPECT_FALSE(search.Improve(c, z));
  EXPECT_EQ(z, (Vertex{1, 0, 1, 0, 0, 1, 0, 1}));

  // From {X0} the move to X2 fits, and the search takes it.
  z = {1, 0, 0, 1, 0, 1, 0, 1};
  EXPECT_TRUE(search.Improve(c, z));
  EXPECT_TRUE(m.IsValid(z));
  EXPECT_DOUBLE_EQ(Dot(c, z), -6);
}

PolytopeModel RandomModel(std::mt19937_64& rng) {
  PolytopeModel m;
  std::uniform_int_distribution<int> nblocks(2, 5), bsize(2, 3), kind(0, 3), nrows(0, 4);
  std::vector<std::string> names;
  const int blocks = nblocks(rng);
  for (int b = 0; b < blocks; ++b) {
    std::vector<std::string> outcomes;
    const int size = bsize(rng);
    for (int k = 0; k < size; ++k) {
      outcomes.push_back("b" + std::to_string(b) + "o" + std::to_string(k));
    }
    names.insert(names.end(), outcomes.begin(), outcomes.end());
    EXPECT_TRUE(
        m.AddBlock("b" + std::to_string(b), outcomes, std::vector<double>(outcomes.size(), 0.5))
            .ok());
  }
  std::uniform_int_distribution<int> pick(0, static_cast<int>(names.size()) - 1);
  const int rows = nrows(rng);
  for (int r = 0; r < rows; ++r) {
    const std::string& a = names[pick(rng)];
    const std::string& b = names[pick(rng)];
    switch (kind(rng)) {
      case 0:
        EXPECT_TRUE(m.AddImplies(a, b).ok());
        break;
      case 1:
        EXPECT_TRUE(m.AddExcludes(a, b).ok());
        break;
      case 2:
        EXPECT_TRUE(m.AddAtMostOne({a, b, names[pick(rng)]}).ok());
        break;
      default:
        EXPECT_TRUE(
            m.AddLinear({{a, 2.0}, {b, 1.0}, {names[pick(rng)], 1.0}}, Relation::kGreaterEqual, 1.0)
                .ok());
        break;
    }
  }
  return m;
}

TEST(NeighbourhoodSearchTest, RandomInstancesStayValidAndAreExactOnWholeComponents) {
  std::mt19937_64 rng(20261207);
  std::normal_distribution<double> gauss;
  int exact_checked = 0, local_checked = 0;
  for (int inst = 0; inst < 200; ++inst) {
    PolytopeModel m = RandomModel(rng);
    auto brute = BruteForceOracle::Create(m);
    if (!brute.ok()) continue;  // contradictory rows
    const std::vector<Vertex>& z_all = (*brute)->vertices();
    std::uniform_int_distribution<size_t> start(0, z_all.size() - 1);
    // Default options: every row is small and every component fits, so a sweep is exact.
    NeighbourhoodSearch whole(m);
    // Every multi-block row large: one block at a time, a local optimum only.
    NeighbourhoodSearch single(m, {.max_row_blocks = 1});
    for (int k = 0; k < 4; ++k) {
      std::vector<double> c(m.num_outcomes());
      for (double& v : c) v = gauss(rng);
      auto best = (*brute)->Minimize(c);
      ASSERT_TRUE(best.ok());

      Vertex z = z_all[start(rng)];
      const double before = Dot(c, z);
      const bool changed = whole.Improve(c, z);
      EXPECT_TRUE(m.IsValid(z)) << inst;
      EXPECT_NEAR(Dot(c, z), Dot(c, *best), 1e-12) << inst;
      EXPECT_EQ(changed, Dot(c, z) < before) << inst;
      ++exact_checked;

      z = z_all[start(rng)];
      const double before_local = Dot(c, z);
      const bool changed_local = single.Improve(c, z);
      EXPECT_TRUE(m.IsValid(z)) << inst;
      EXPECT_LE(Dot(c, z), before_local) << inst;
      EXPECT_EQ(changed_local, Dot(c, z) < before_local) << inst;
      ++local_checked;
    }
  }
  EXPECT_GT(exact_checked, 400);
  EXPECT_GT(local_checked, 400);
}

}  // namespace
}  // namespace arbor::quant
