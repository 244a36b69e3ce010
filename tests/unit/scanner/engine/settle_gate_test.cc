// SettleGate: opportunities on books that changed less than `settle` ago are held and their books
// scheduled for a recheck; settled, unknown or disabled cases pass at once.
#include "arbor/scanner/settle_gate.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

lanes::InstrumentKey Key(const std::string& s) {
  return lanes::InstrumentKey{Venue::kPolymarket, InstrumentId(s)};
}

v1::Opportunity Opp(const std::string& id, std::vector<std::string> sources) {
  v1::Opportunity o;
  o.set_opportunity_id(id);
  for (const std::string& s : sources) {
    v1::SourceBook* b = o.add_source_books();
    b->mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
    b->mutable_instrument_id()->set_symbol(s);
  }
  return o;
}

class SettleGateTest : public ::testing::Test {
 protected:
  SettleGate::LastChangeFn LastChange() {
    return [this](const lanes::InstrumentKey& k) -> int64_t {
      auto it = changed_.find(k.instrument.view());
      return it == changed_.end() ? 0 : it->second;
    };
  }
  std::map<std::string, int64_t, std::less<>> changed_;
};

TEST_F(SettleGateTest, HoldsFreshBooksUntilTheyAreQuiet) {
  SettleGate gate(absl::Nanoseconds(25), LastChange());
  changed_ = {{"yes", 100}, {"no", 90}, {"old-a", 10}, {"old-b", 20}};
  SettleGate::Split s =
      gate.Filter({Opp("fresh", {"yes", "no"}), Opp("settled", {"old-a", "old-b"}),
                   Opp("unknown", {"never-seen"})},
                  /*now_mono=*/110);
  ASSERT_EQ(s.ready.size(), 2u);
  EXPECT_EQ(s.ready[0].opportunity_id(), "settled");
  EXPECT_EQ(s.ready[1].opportunity_id(), "unknown");
  EXPECT_EQ(s.held, 1u);
  EXPECT_EQ(s.held_sources, (std::vector<lanes::InstrumentKey>{Key("no"), Key("yes")}));
  EXPECT_EQ(gate.held_total(), 1u);

  // Due when the newest source (100) is 25 old: at 125.
  EXPECT_EQ(gate.UntilNext(110), absl::Nanoseconds(15));
  EXPECT_TRUE(gate.TakeDue(124).empty());
  EXPECT_EQ(gate.TakeDue(125), (std::vector<lanes::InstrumentKey>{Key("no"), Key("yes")}));
  EXPECT_EQ(gate.scheduled(), 0u);
  EXPECT_EQ(gate.UntilNext(125), absl::InfiniteDuration());

  // Re-evaluated at 125 with the books unchanged, the same opportunity is now ready.
  s = gate.Filter({Opp("fresh", {"yes", "no"})}, 125);
  ASSERT_EQ(s.ready.size(), 1u);
  EXPECT_TRUE(s.held_sources.empty());
}

TEST_F(SettleGateTest, ABookThatMovesAgainPushesTheRecheckOut) {
  SettleGate gate(absl::Nanoseconds(25), LastChange());
  changed_ = {{"yes", 100}};
  gate.Filter({Opp("a", {"yes"})}, 101);
  changed_["yes"] = 120;
  gate.Filter({Opp("b", {"yes"})}, 121);
  EXPECT_TRUE(gate.TakeDue(125).empty());  // the later due time (145) won
  EXPECT_EQ(gate.TakeDue(145).size(), 1u);
}

TEST_F(SettleGateTest, ZeroSettleIsOff) {
  SettleGate gate(absl::ZeroDuration(), LastChange());
  changed_ = {{"yes", 100}};
  SettleGate::Split s = gate.Filter({Opp("a", {"yes"})}, 100);
  EXPECT_EQ(s.ready.size(), 1u);
  EXPECT_EQ(s.held, 0u);
  EXPECT_EQ(gate.scheduled(), 0u);
}

}  // namespace
}  // namespace arbor::scanner
