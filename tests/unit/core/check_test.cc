#include "arbor/core/check.h"

#include <string>
#include <vector>

#include "arbor/core/log.h"
#include "gtest/gtest.h"

namespace arbor {
namespace {

class NullSink final : public LogSink {
 public:
  void Write(std::string_view line) override { last = std::string(line); }
  std::string last;
};

TEST(CheckTest, CheckPassesSilentlyWhenTrue) {
  ARBOR_CHECK(1 + 1 == 2, "arithmetic");
  SUCCEED();
}

TEST(CheckDeathTest, CheckAbortsWithConditionInLog) {
  EXPECT_DEATH(ARBOR_CHECK(2 < 1, "impossible ordering"), "impossible ordering");
}

TEST(CheckTest, BugLogsAndCountsUnderLogAndCountPolicy) {
  NullSink sink;
  Logger::Global().SetSink(&sink);
  const BugPolicy saved = GetBugPolicy();
  SetBugPolicyForTest(BugPolicy::kLogAndCount);
  std::vector<std::string> observed;
  SetBugObserver([&](std::string_view site) { observed.emplace_back(site); });
  const uint64_t before = TotalBugCount();
  ARBOR_BUG("check_test.site_a", "first");
  ARBOR_BUG("check_test.site_a", "second");
  ARBOR_BUG("check_test.site_b", "third");
  EXPECT_EQ(BugCount("check_test.site_a"), 2u);
  EXPECT_EQ(BugCount("check_test.site_b"), 1u);
  EXPECT_EQ(BugCount("check_test.never"), 0u);
  EXPECT_EQ(TotalBugCount(), before + 3);
  EXPECT_EQ(observed, (std::vector<std::string>{"check_test.site_a", "check_test.site_a",
                                                "check_test.site_b"}));
  EXPECT_NE(sink.last.find(R"("site":"check_test.site_b")"), std::string::npos);
  SetBugObserver(nullptr);
  SetBugPolicyForTest(saved);
  Logger::Global().SetSink(nullptr);
}

TEST(CheckDeathTest, BugAbortsUnderAbortPolicy) {
  EXPECT_DEATH(
      {
        SetBugPolicyForTest(BugPolicy::kAbort);
        ARBOR_BUG("check_test.fatal", "debug builds stop here");
      },
      "debug builds stop here");
}

TEST(CheckTest, DcheckIsActiveOnlyInDebugBuilds) {
#ifdef NDEBUG
  int evaluated = 0;
  ARBOR_DCHECK(++evaluated > 100, "not evaluated in release");
  EXPECT_EQ(evaluated, 0);
#else
  EXPECT_DEATH(ARBOR_DCHECK(false, "debug check"), "debug check");
#endif
}

}  // namespace
}  // namespace arbor
