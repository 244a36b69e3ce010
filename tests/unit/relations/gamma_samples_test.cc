// Inference on real market text: the Polymarket Gamma samples in ../shared (read in place,
// parsed with the production Gamma parsers), plus ladders made by changing only the date /
// threshold of a real question. Real questions must not produce spurious relations.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "arbor/relations/inference.h"
#include "arbor/relations/market_text.h"
#include "arbor/venue/polymarket/gamma.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::relations {
namespace {

namespace pm = venue::polymarket;
using ::testing::HasSubstr;

std::filesystem::path GammaDir() {
  return std::filesystem::path(ARBOR_SHARED_DIR) / "protocols" / "samples" / "polymarket" / "gamma";
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int64_t EndNanos(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  if (rfc3339.empty() || !absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) return 0;
  return absl::ToUnixNanos(t);
}

// A Gamma market as inference sees it; `event` is the parent event when nested in one.
MarketText FromGamma(const pm::GammaMarket& g, const pm::GammaEvent* event) {
  MarketText m;
  m.market_id = !g.condition_id.empty() ? g.condition_id : g.id;
  m.event_id = event != nullptr ? event->id : (g.events.empty() ? "" : g.events[0].id);
  m.question = g.question;
  m.slug = g.slug;
  m.end_unix_nanos =
      EndNanos(!g.end_date.empty() ? g.end_date : (event != nullptr ? event->end_date : ""));
  m.neg_risk = g.neg_risk || (event != nullptr && event->neg_risk);
  m.neg_risk_market_id = !g.neg_risk_market_id.empty()
                             ? g.neg_risk_market_id
                             : (event != nullptr ? event->neg_risk_market_id : "");
  m.outcomes = g.outcomes;
  return m;
}

std::vector<MarketText> LoadSamples() {
  std::vector<MarketText> out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(GammaDir())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const std::filesystem::path& f : files) {
    const std::string name = f.filename().string();
    const std::string text = ReadFile(f);
    std::vector<pm::GammaEvent> events;
    if (name.find("search") != std::string::npos) {
      absl::StatusOr<pm::GammaSearchResult> s = pm::ParseGammaSearch(text);
      EXPECT_TRUE(s.ok()) << name << ": " << s.status();
      if (s.ok()) events = s->events;
    } else if (name.find("event") != std::string::npos) {
      if (text.find_first_not_of(" \n\t") != std::string::npos &&
          text[text.find_first_not_of(" \n\t")] == '[') {
        absl::StatusOr<std::vector<pm::GammaEvent>> e = pm::ParseGammaEvents(text);
        EXPECT_TRUE(e.ok()) << name << ": " << e.status();
        if (e.ok()) events = *e;
      } else {
        absl::StatusOr<pm::GammaEvent> e = pm::ParseGammaEvent(text);
        EXPECT_TRUE(e.ok()) << name << ": " << e.status();
        if (e.ok()) events.push_back(*e);
      }
    } else if (name.find("market") != std::string::npos) {
      absl::StatusOr<pm::GammaMarket> m = pm::ParseGammaMarket(text);
      EXPECT_TRUE(m.ok()) << name << ": " << m.status();
      if (m.ok()) out.push_back(FromGamma(*m, nullptr));
    }
    for (const pm::GammaEvent& e : events) {
      for (const pm::GammaMarket& m : e.markets) out.push_back(FromGamma(m, &e));
    }
  }
  return out;
}

const MarketText* Find(const std::vector<MarketText>& markets, const std::string& prefix) {
  for (const MarketText& m : markets) {
    if (m.question.rfind(prefix, 0) == 0) return &m;
  }
  return nullptr;
}

TEST(GammaSamplesTest, RealQuestionsGiveOnlyTheNegRiskExclusion) {
  if (!std::filesystem::exists(GammaDir())) GTEST_SKIP() << "no samples at " << GammaDir();
  const std::vector<MarketText> markets = LoadSamples();
  ASSERT_GE(markets.size(), 10u);
  InferenceOptions options;
  options.emit_negrisk_exclusions = true;
  options.min_similarity = 0.1;  // propose generously: the rules must still say no
  const InferenceResult r = InferRelations(markets, options);
  // The two members of the "Democratic Presidential Nominee 2028" NegRisk event exclude each
  // other; the temperature buckets ("25F or below", "between 26-27F" on January 26), the BTC
  // strike, "Up or Down" and the sports markets relate to nothing.
  if (r.relations.size() != 1) {
    for (const Relation& x : r.relations) ADD_FAILURE() << "relation: " << x.evidence;
  }
  ASSERT_EQ(r.relations.size(), 1u);
  const Relation& x = r.relations[0];
  EXPECT_EQ(x.kind, RelationKind::kExcludes);
  EXPECT_EQ(x.rule, "negrisk_equivalence");
  EXPECT_THAT(x.evidence, HasSubstr("Stephen A. Smith"));
  EXPECT_THAT(x.evidence, HasSubstr("Gretchen Whitmer"));
  EXPECT_GT(r.stats.pairs_checked, 0u);
  // Without the option the negrisk lane's exclusions are not repeated.
  options.emit_negrisk_exclusions = false;
  EXPECT_TRUE(InferRelations(markets, options).relations.empty());
}

TEST(GammaSamplesTest, LaddersBuiltFromRealQuestions) {
  if (!std::filesystem::exists(GammaDir())) GTEST_SKIP() << "no samples at " << GammaDir();
  std::vector<MarketText> markets = LoadSamples();
  const MarketText* ceasefire = Find(markets, "Russia x Ukraine ceasefire by end of 2027");
  const MarketText* btc = Find(markets, "Will the price of Bitcoin be above $64,000 on March 11");
  const MarketText* divorce = Find(markets, "Kamala Harris divorce in 2025");
  const MarketText* temperature =
      Find(markets, "Will the highest temperature in New York City be 25F");
  ASSERT_NE(ceasefire, nullptr);
  ASSERT_NE(btc, nullptr);
  ASSERT_NE(divorce, nullptr);
  ASSERT_NE(temperature, nullptr);

  MarketText earlier = *ceasefire;
  earlier.market_id = "ceasefire-2026";
  earlier.question = "Russia x Ukraine ceasefire by end of 2026?";
  earlier.end_unix_nanos = ceasefire->end_unix_nanos - 365LL * 86'400'000'000'000;
  MarketText higher = *btc;
  higher.market_id = "btc-66k";
  higher.question = "Will the price of Bitcoin be above $66,000 on March 11?";
  MarketText later_year = *divorce;
  later_year.market_id = "divorce-2026";
  later_year.question = "Kamala Harris divorce in 2026?";
  MarketText colder = *temperature;
  colder.market_id = "nyc-23f";
  colder.question = "Will the highest temperature in New York City be 23F or below on January 26?";
  // Copies: the pointers above die with the insert.
  const std::string ceasefire_id = ceasefire->market_id;
  const std::string btc_id = btc->market_id;
  const std::string temperature_id = temperature->market_id;
  markets.insert(markets.end(), {earlier, higher, later_year, colder});

  const InferenceResult r = InferRelations(markets);
  std::set<std::string> ids;
  for (const Relation& x : r.relations) ids.insert(x.id);
  EXPECT_EQ(ids, (std::set<std::string>{
                     "implies:ceasefire-2026#0->" + ceasefire_id + "#0",
                     "implies:btc-66k#0->" + btc_id + "#0",
                     "implies:nyc-23f#0->" + temperature_id + "#0",
                 }));
  for (const Relation& x : r.relations) EXPECT_GE(x.confidence, kDefaultTradableFloor) << x.id;
}

}  // namespace
}  // namespace arbor::relations
