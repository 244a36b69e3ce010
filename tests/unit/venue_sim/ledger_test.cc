#include "arbor/sim/ledger.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

using ::testing::HasSubstr;

Quantity Shares(int64_t n) { return Quantity::FromUnits(n); }

TEST(LedgerTest, LocksLimitWhatIsAvailable) {
  Ledger ledger;
  ledger.Deposit("a", Money::FromUnits(10));
  ASSERT_TRUE(ledger.LockCash("a", Money::FromUnits(7)).ok());
  EXPECT_EQ(ledger.AvailableCash("a"), Money::FromUnits(3));
  const absl::Status s = ledger.LockCash("a", Money::FromUnits(4));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("not enough balance / allowance"));
  EXPECT_EQ(ledger.LockedCash("a"), Money::FromUnits(7));  // unchanged by the refusal
  ledger.UnlockCash("a", Money::FromUnits(100));           // never below zero
  EXPECT_EQ(ledger.LockedCash("a"), Money::Zero());
  ledger.GrantPosition("a", "tok", Shares(5));
  EXPECT_FALSE(ledger.LockPosition("a", "tok", Shares(6)).ok());
  ASSERT_TRUE(ledger.LockPosition("a", "tok", Shares(5)).ok());
  EXPECT_EQ(ledger.AvailablePosition("a", "tok"), Quantity::Zero());
}

// Payoff of a holding if market `winner` of the event resolves YES (all others NO).
Money Payoff(const Ledger& ledger, const std::string& account, const std::vector<std::string>& yes,
             const std::vector<std::string>& no, int winner) {
  Money total = ledger.Cash(account);
  for (size_t i = 0; i < yes.size(); ++i) {
    const Quantity q = static_cast<int>(i) == winner ? ledger.Position(account, yes[i])
                                                     : ledger.Position(account, no[i]);
    total += Money::FromMicros(q.micros());
  }
  return total;
}

TEST(LedgerTest, NegRiskConversionPaysKMinusOneAndMintsComplementYes) {
  const std::vector<std::string> yes = {"y0", "y1", "y2", "y3"};
  const std::vector<std::string> no = {"n0", "n1", "n2", "n3"};
  Ledger ledger;
  ledger.GrantPosition("a", "n0", Shares(5));
  ledger.GrantPosition("a", "n1", Shares(5));
  ledger.GrantPosition("a", "n2", Shares(7));
  std::vector<Money> before;
  for (int w = 0; w < 4; ++w) before.push_back(Payoff(ledger, "a", yes, no, w));

  ASSERT_TRUE(ledger.ConvertNegRisk("a", yes, no, {0, 1, 2}, Shares(5)).ok());
  EXPECT_EQ(ledger.Cash("a"), Money::FromUnits(10));  // (k - 1) = 2 dollars per set
  EXPECT_EQ(ledger.Position("a", "n0"), Quantity::Zero());
  EXPECT_EQ(ledger.Position("a", "n2"), Shares(2));
  EXPECT_EQ(ledger.Position("a", "y3"), Shares(5));  // the one market not converted
  EXPECT_EQ(ledger.Position("a", "y0"), Quantity::Zero());
  // Conversion never changes what the holding pays, whichever market wins.
  for (int w = 0; w < 4; ++w) EXPECT_EQ(Payoff(ledger, "a", yes, no, w), before[w]) << w;
}

TEST(LedgerTest, NegRiskConversionRejectsBadRequestsAtomically) {
  const std::vector<std::string> yes = {"y0", "y1", "y2"};
  const std::vector<std::string> no = {"n0", "n1", "n2"};
  Ledger ledger;
  ledger.GrantPosition("a", "n0", Shares(5));
  ledger.GrantPosition("a", "n1", Shares(1));
  EXPECT_EQ(ledger.ConvertNegRisk("a", yes, no, {0, 1}, Shares(2)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ledger.Position("a", "n0"), Shares(5));  // nothing moved
  EXPECT_EQ(ledger.ConvertNegRisk("a", yes, no, {0, 3}, Shares(1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger.ConvertNegRisk("a", yes, no, {0, 0}, Shares(1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger.ConvertNegRisk("a", yes, no, {}, Shares(1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger.ConvertNegRisk("a", yes, no, {0}, Quantity::Zero()).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace arbor::sim
