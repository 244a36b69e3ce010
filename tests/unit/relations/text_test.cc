// Question normalisation, date phrases and numeric thresholds: the building blocks the ladder
// rules compare.
#include "arbor/relations/text.h"

#include <string>
#include <vector>

#include "arbor/relations/deadline.h"
#include "arbor/relations/threshold.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::relations {
namespace {

using ::testing::ElementsAre;

TEST(TextTest, Tokenizes) {
  EXPECT_THAT(TokenizeQuestion("Will BTC be above $100k on Dec 31, 2026? (#123)"),
              ElementsAre("will", "btc", "be", "above", "$", "100k", "on", "dec", "31", "2026"));
  EXPECT_THAT(
      TokenizeQuestion("Trump’s 64,000 3.5% 2026-12-31 12/31 5:20AM-5:25AM"),
      ElementsAre("trumps", "64,000", "3.5", "%", "2026-12-31", "12/31", "5:20am", "5:25am"));
  EXPECT_THAT(TokenizeQuestion("≥ 3.5% or ≤2; a>=b <c >d 270+ votes"),
              ElementsAre(">=", "3.5", "%", "or", "<=", "2", "a", ">=", "b", "<", "c", ">", "d",
                          "270", "+", "votes"));
  EXPECT_THAT(TokenizeQuestion("“Quoted” — 30°F, end."), ElementsAre("quoted", "30f", "end"));
  EXPECT_THAT(TokenizeQuestion("Zürich wins?"), ElementsAre("zürich", "wins"));
  EXPECT_TRUE(TokenizeQuestion("?!").empty());
}

TEST(TextTest, StripsIdSuffixOnly) {
  EXPECT_EQ(StripIdSuffix("Will X win? (#123)"), "Will X win");
  EXPECT_EQ(StripIdSuffix("Will X win [#ab-12] "), "Will X win");
  EXPECT_EQ(StripIdSuffix("Will X win (2026)?"), "Will X win (2026)");  // not an id
  EXPECT_EQ(StripIdSuffix("Will X win (# 1)"), "Will X win (# 1)");
  EXPECT_EQ(StripIdSuffix("Will X win?"), "Will X win");
}

TEST(TextTest, Months) {
  EXPECT_EQ(MonthFromName("january"), 1);
  EXPECT_EQ(MonthFromName("sept"), 9);
  EXPECT_EQ(MonthFromName("sep"), 9);
  EXPECT_EQ(MonthFromName("dec"), 12);
  EXPECT_EQ(MonthFromName("decem"), 0);
  EXPECT_EQ(MonthFromName("March"), 0);  // tokens are lower case
}

// The date at the start of `text` (tokenised), or nullopt.
std::optional<DateSpec> Date(const std::string& text, size_t* consumed = nullptr) {
  const std::vector<std::string> t = TokenizeQuestion(text);
  size_t end = 0;
  std::optional<DateSpec> d = ParseDate(t, 0, &end);
  if (consumed != nullptr) *consumed = end;
  return d;
}

TEST(DeadlineTest, ParsesDateForms) {
  EXPECT_EQ(Date("2026-12-31"), (DateSpec{2026, 12, 31, 12, 31}));
  EXPECT_EQ(Date("December 31, 2026"), (DateSpec{2026, 12, 31, 12, 31}));
  EXPECT_EQ(Date("Dec 31"), (DateSpec{0, 12, 31, 12, 31}));
  EXPECT_EQ(Date("31st of December 2026"), (DateSpec{2026, 12, 31, 12, 31}));
  EXPECT_EQ(Date("March"), (DateSpec{0, 3, 1, 3, 31}));
  EXPECT_EQ(Date("March 2026"), (DateSpec{2026, 3, 1, 3, 31}));
  EXPECT_EQ(Date("end of 2026"), (DateSpec{2026, 12, 31, 12, 31}));
  EXPECT_EQ(Date("the end of March"), (DateSpec{0, 3, 31, 3, 31}));
  EXPECT_EQ(Date("end of the year"), (DateSpec{0, 12, 31, 12, 31}));
  EXPECT_EQ(Date("start of 2027"), (DateSpec{2027, 1, 1, 1, 1}));
  EXPECT_EQ(Date("Q1 2026"), (DateSpec{2026, 1, 1, 3, 31}));
  EXPECT_EQ(Date("Q4"), (DateSpec{0, 10, 1, 12, 31}));
  EXPECT_EQ(Date("H2 2026"), (DateSpec{2026, 7, 1, 12, 31}));
  EXPECT_EQ(Date("12/31/2026"), (DateSpec{2026, 12, 31, 12, 31}));
  EXPECT_EQ(Date("6/30/26"), (DateSpec{2026, 6, 30, 6, 30}));
  EXPECT_EQ(Date("2028"), (DateSpec{2028, 1, 1, 12, 31}));
  size_t consumed = 0;
  ASSERT_TRUE(Date("June 30, 2026 at noon", &consumed).has_value());
  EXPECT_EQ(consumed, 3u);
}

TEST(DeadlineTest, RejectsNonDates) {
  EXPECT_FALSE(Date("February 30, 2026").has_value());
  EXPECT_FALSE(Date("2026-02-30").has_value());
  EXPECT_FALSE(Date("5 points").has_value());
  EXPECT_FALSE(Date("270 electoral votes").has_value());
  EXPECT_FALSE(Date("Q5 2026").has_value());
  EXPECT_FALSE(Date("the election").has_value());
  EXPECT_FALSE(Date("end of day").has_value());
  EXPECT_FALSE(Date("13/01/2026").has_value());
  EXPECT_TRUE(Date("Feb 29").has_value());  // no year: could be a leap year
}

TEST(DeadlineTest, DaysInClampsMonthEnds) {
  const auto [first, last] = DaysIn(DateSpec{0, 2, 1, 2, 31}, 2026);
  EXPECT_EQ(first, absl::CivilDay(2026, 2, 1));
  EXPECT_EQ(last, absl::CivilDay(2026, 2, 28));
  const auto [f2, l2] = DaysIn(DateSpec{2024, 2, 29, 2, 29}, 1999);  // the stated year wins
  EXPECT_EQ(f2, absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(l2, absl::CivilDay(2024, 2, 29));
}

TEST(DeadlineTest, FindsTriggersAndCumulativeSemantics) {
  struct Case {
    const char* question;
    const char* trigger;
    bool cumulative;
    bool exclusive;
  };
  const Case cases[] = {
      {"Will X happen by June 30, 2026?", "by", true, false},
      {"Will X happen before the end of 2026?", "before", true, true},
      {"Will X happen prior to Q3 2026?", "prior to", true, true},
      {"Will X happen no later than March 2026?", "no later than", true, false},
      {"Will X happen on June 30?", "on", false, false},
      {"Will X happen in March 2026?", "in", false, false},
      {"Will X happen in the week of March 2?", "in the week of", false, false},
      {"Will X happen during Q2?", "during", false, false},
      {"Will X happen after June 30?", "after", false, false},
  };
  for (const Case& c : cases) {
    const std::vector<DatePhrase> p = FindDatePhrases(TokenizeQuestion(c.question));
    ASSERT_EQ(p.size(), 1u) << c.question;
    EXPECT_EQ(p[0].trigger, c.trigger) << c.question;
    EXPECT_EQ(p[0].cumulative, c.cumulative) << c.question;
    EXPECT_EQ(p[0].exclusive, c.exclusive) << c.question;
  }
  // The phrase span covers trigger and date.
  const std::vector<std::string> t = TokenizeQuestion("By the end of 2026, will X happen?");
  const std::vector<DatePhrase> p = FindDatePhrases(t);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].begin, 0u);
  EXPECT_EQ(p[0].end, 5u);
  // "by" + a margin is no date; a bare date has no trigger.
  EXPECT_TRUE(FindDatePhrases(TokenizeQuestion("Will X win by 5+ points?")).empty());
  EXPECT_TRUE(FindDatePhrases(TokenizeQuestion("Bitcoin Up or Down - March 12")).empty());
}

ThresholdPhrase Only(const std::string& question) {
  const std::vector<ThresholdPhrase> t = FindThresholds(TokenizeQuestion(question));
  EXPECT_EQ(t.size(), 1u) << question;
  return t.empty() ? ThresholdPhrase{} : t[0];
}

TEST(ThresholdTest, ParsesComparatorsNumbersAndUnits) {
  ThresholdPhrase t = Only("Will BTC be above $100k?");
  EXPECT_EQ(t.direction, +1);
  EXPECT_DOUBLE_EQ(t.value, 100'000);
  EXPECT_EQ(t.unit, "$");
  EXPECT_EQ(t.Placeholder(), "<above:$>");
  t = Only("Will BTC be over $1.5 million?");
  EXPECT_DOUBLE_EQ(t.value, 1'500'000);
  EXPECT_EQ(t.unit, "$");
  t = Only("Will turnout be over 50%?");
  EXPECT_DOUBLE_EQ(t.value, 50);
  EXPECT_EQ(t.unit, "%");
  t = Only("Will X get at least 270 electoral votes?");
  EXPECT_EQ(t.direction, +1);
  EXPECT_DOUBLE_EQ(t.value, 270);
  EXPECT_EQ(t.unit, "");
  t = Only("Will inflation be ≥ 3.5%?");
  EXPECT_EQ(t.direction, +1);
  EXPECT_DOUBLE_EQ(t.value, 3.5);
  t = Only("Will they win more than 10 seats?");
  EXPECT_DOUBLE_EQ(t.value, 10);
  t = Only("Will the high be 25F or below?");
  EXPECT_EQ(t.direction, -1);
  EXPECT_DOUBLE_EQ(t.value, 25);
  EXPECT_EQ(t.unit, "f");
  t = Only("Will X win by 5+ points?");
  EXPECT_EQ(t.direction, +1);
  EXPECT_DOUBLE_EQ(t.value, 5);
  t = Only("Will unemployment be under 4.2 percent?");
  EXPECT_EQ(t.direction, -1);
  EXPECT_EQ(t.unit, "%");
  t = Only("No more than 3 cuts?");
  EXPECT_EQ(t.direction, -1);
  t = Only("Will GDP exceed $30 trillion?");
  EXPECT_DOUBLE_EQ(t.value, 30e12);
  t = Only("Will the price be less than $64,000.50?");
  EXPECT_DOUBLE_EQ(t.value, 64000.5);
  EXPECT_EQ(t.direction, -1);
}

TEST(ThresholdTest, IgnoresNonThresholdNumbers) {
  EXPECT_TRUE(FindThresholds(TokenizeQuestion("Will the high be between 26-27F?")).empty());
  EXPECT_TRUE(FindThresholds(TokenizeQuestion("Will X finish over 3rd place?")).empty());
  EXPECT_TRUE(FindThresholds(TokenizeQuestion("Will X happen by 2026?")).empty());
  EXPECT_TRUE(FindThresholds(TokenizeQuestion("Will X win over the weekend?")).empty());
  EXPECT_TRUE(FindThresholds(TokenizeQuestion("Up or Down 5:20AM-5:25AM")).empty());
  EXPECT_EQ(FindThresholds(TokenizeQuestion("Above 3% and below 5%?")).size(), 2u);
}

}  // namespace
}  // namespace arbor::relations
