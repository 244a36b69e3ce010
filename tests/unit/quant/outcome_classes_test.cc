// ClassifyOutcomes: binary blocks and equivalence rows collapse into columns with the right
// signs; other rows are left alone; contradictions are reported.
#include "arbor/quant/outcome_classes.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "arbor/quant/polytope_model.h"

namespace arbor::quant {
namespace {

TEST(OutcomeClassesTest, BinaryBlocksAndEquivalencesShareColumns) {
  PolytopeModel m;
  ASSERT_TRUE(m.AddBlock("A", {"a_yes", "a_no"}, {0.5, 0.5}).ok());
  ASSERT_TRUE(m.AddBlock("B", {"b_yes", "b_no"}, {0.5, 0.5}).ok());
  ASSERT_TRUE(m.AddBlock("E", {"e1", "e2", "e3"}, {0.3, 0.3, 0.4}).ok());
  ASSERT_TRUE(m.AddEquivalent("a_yes", "e2").ok());  // encoded
  ASSERT_TRUE(m.AddImplies("b_yes", "e1").ok());     // not an equality: left to the oracle
  const OutcomeClasses c = ClassifyOutcomes(m);
  EXPECT_TRUE(c.contradiction.empty());
  // {a_yes, a_no, e2}, {b_yes, b_no}, {e1}, {e3}.
  EXPECT_EQ(c.columns, 4);
  EXPECT_EQ(c.column[0], c.column[1]);
  EXPECT_NE(c.negated[0], c.negated[1]);
  EXPECT_EQ(c.column[0], c.column[5]);  // e2
  EXPECT_EQ(c.negated[0], c.negated[5]);
  EXPECT_EQ(c.column[2], c.column[3]);
  EXPECT_NE(c.column[4], c.column[6]);
  ASSERT_EQ(c.encoded.size(), 2u);
  EXPECT_EQ(c.encoded[0], 1);
  EXPECT_EQ(c.encoded[1], 0);
  // Each representative is a plain (non-negated) member of its column.
  ASSERT_EQ(c.representative.size(), 4u);
  for (int col = 0; col < c.columns; ++col) {
    const int rep = c.representative[col];
    EXPECT_EQ(c.column[rep], col);
    EXPECT_EQ(c.negated[rep], 0);
  }
}

TEST(OutcomeClassesTest, ComplementRowNegates) {
  PolytopeModel m;
  ASSERT_TRUE(m.AddBlock("A", {"a1", "a2", "a3"}, {0.3, 0.3, 0.4}).ok());
  ASSERT_TRUE(m.AddBlock("B", {"b1", "b2", "b3"}, {0.3, 0.3, 0.4}).ok());
  // z_a1 + z_b1 = 1: b1 is the complement of a1.
  const std::vector<std::pair<std::string, double>> terms{{"a1", 2.0}, {"b1", 2.0}};
  ASSERT_TRUE(m.AddLinear(terms, Relation::kEqual, 2.0).ok());
  const OutcomeClasses c = ClassifyOutcomes(m);
  EXPECT_EQ(c.columns, 5);
  EXPECT_EQ(c.column[0], c.column[3]);
  EXPECT_NE(c.negated[0], c.negated[3]);
  EXPECT_EQ(c.encoded[0], 1);
}

TEST(OutcomeClassesTest, ContradictoryEquivalencesAreReported) {
  PolytopeModel m;
  ASSERT_TRUE(m.AddBlock("A", {"a_yes", "a_no"}, {0.5, 0.5}).ok());
  ASSERT_TRUE(m.AddEquivalent("a_yes", "a_no").ok());
  EXPECT_EQ(ClassifyOutcomes(m).contradiction, "contradictory equivalences");
}

}  // namespace
}  // namespace arbor::quant
