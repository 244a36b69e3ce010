// TF-IDF candidate generation: term filtering, cosine ranking, top-k, thresholds, common-term
// handling and a 10k-document index (exact agreement with brute force on a sample).
#include "arbor/relations/tfidf.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::relations {
namespace {

using ::testing::ElementsAre;

TEST(TfIdfTest, TermsDropStopwordsNumbersDatesAndSymbols) {
  EXPECT_THAT(TfIdfTerms("Will the Fed cut rates by March 31, 2026? (#12)"),
              ElementsAre("fed", "cut", "rates"));
  EXPECT_THAT(TfIdfTerms("Will Bitcoin be above $100k on Dec 31?"), ElementsAre("bitcoin"));
  EXPECT_THAT(TfIdfTerms("Russia x Ukraine ceasefire in Q1 2026"),
              ElementsAre("russia", "ukraine", "ceasefire"));
  EXPECT_TRUE(TfIdfTerms("Will it be?").empty());
}

TEST(TfIdfTest, RanksLadderRungsFirst) {
  const std::vector<std::string> docs = {
      "Will the Fed cut rates by March 31, 2026?",    // 0
      "Will the Fed cut rates by June 30, 2026?",     // 1: same terms as 0
      "Will the ECB cut rates by June 30, 2026?",     // 2: shares "cut rates"
      "Will Bitcoin be above $100k on December 31?",  // 3
      "Will Bitcoin be above $120k on December 31?",  // 4: same terms as 3
      "Will Ethereum flip Bitcoin in market cap?",    // 5: shares "bitcoin"
      "Who will win the 2026 World Cup?",             // 6
      "Will it be?",                                  // 7: no term at all
  };
  const TfIdfIndex index = TfIdfIndex::Build(docs);
  EXPECT_EQ(index.size(), docs.size());
  EXPECT_NEAR(index.Similarity(0, 1), 1.0, 1e-12);
  EXPECT_NEAR(index.Similarity(3, 4), 1.0, 1e-12);
  EXPECT_GT(index.Similarity(0, 2), 0.3);
  EXPECT_LT(index.Similarity(0, 2), 1.0);
  EXPECT_DOUBLE_EQ(index.Similarity(0, 6), 0.0);
  EXPECT_DOUBLE_EQ(index.Similarity(7, 0), 0.0);
  EXPECT_NEAR(index.Similarity(2, 0), index.Similarity(0, 2), 1e-15);

  const std::vector<std::pair<size_t, double>> n = index.Neighbours(0, 5, 0.0);
  ASSERT_EQ(n.size(), 2u);  // documents sharing a term
  EXPECT_EQ(n[0].first, 1u);
  EXPECT_EQ(n[1].first, 2u);
  EXPECT_GT(n[0].second, n[1].second);
  EXPECT_THAT(index.Neighbours(0, 1, 0.0), ElementsAre(::testing::Pair(1u, ::testing::_)));
  EXPECT_TRUE(index.Neighbours(7, 5, 0.0).empty());
  EXPECT_TRUE(index.Neighbours(6, 5, 0.0).empty());

  const std::vector<CandidatePair> top = index.TopPairs(3, 0.99);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_THAT(top, ::testing::UnorderedElementsAre(
                       ::testing::AllOf(::testing::Field(&CandidatePair::i, 0u),
                                        ::testing::Field(&CandidatePair::j, 1u)),
                       ::testing::AllOf(::testing::Field(&CandidatePair::i, 3u),
                                        ::testing::Field(&CandidatePair::j, 4u))));
  const std::vector<CandidatePair> all = index.TopPairs(10, 0.0);
  for (size_t k = 1; k < all.size(); ++k) EXPECT_GE(all[k - 1].similarity, all[k].similarity);
  for (const CandidatePair& p : all) EXPECT_LT(p.i, p.j);
}

TEST(TfIdfTest, CommonTermsScoreButDoNotPropose) {
  // "election" is in every document: with max_df_fraction 0.5 (and no absolute minimum) it does
  // not propose neighbours, but it still counts in the similarity of pairs found through rarer
  // terms.
  std::vector<std::string> docs;
  for (int i = 0; i < 10; ++i) docs.push_back(absl::StrCat("election candidate", i));
  docs.push_back("election turnout record");
  docs.push_back("election turnout record");
  const TfIdfIndex index =
      TfIdfIndex::Build(docs, TfIdfOptions{.max_df_fraction = 0.5, .min_proposing_df = 0});
  EXPECT_TRUE(index.Neighbours(0, 5, 0.0).empty());  // shares only "election"
  const std::vector<std::pair<size_t, double>> n = index.Neighbours(10, 5, 0.0);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].first, 11u);
  EXPECT_NEAR(n[0].second, 1.0, 1e-12);
  EXPECT_NEAR(n[0].second, index.Similarity(10, 11), 1e-12);
  // With every term allowed to propose (the default on small catalogs), the common term links
  // everything.
  EXPECT_EQ(TfIdfIndex::Build(docs).Neighbours(0, 20, 0.0).size(), 11u);
}

TEST(TfIdfTest, TenThousandDocumentsAgreeWithBruteForce) {
  const std::vector<std::string> a = {"alpha",   "bravo", "charlie", "delta", "echo",
                                      "foxtrot", "golf",  "hotel",   "india", "juliet"};
  const std::vector<std::string> b = {"kilo", "lima",   "mike",  "november", "oscar",
                                      "papa", "quebec", "romeo", "sierra",   "tango"};
  const std::vector<std::string> c = {"uniform", "victor", "whiskey", "xray",  "yankee",
                                      "zulu",    "amber",  "basil",   "cedar", "dune"};
  std::vector<std::string> docs;
  for (int i = 0; i < 10'000; ++i) {
    docs.push_back(absl::StrCat("Will ", a[i % 10], " ", b[(i / 10) % 10], " ", c[(i / 100) % 10],
                                " group", i / 1000, " happen by June ", 1 + i % 28, "?"));
  }
  const TfIdfIndex index = TfIdfIndex::Build(docs);
  EXPECT_EQ(index.size(), 10'000u);
  const std::vector<CandidatePair> pairs = index.TopPairs(5, 0.9);
  // "groupN" has a digit and is no term: documents i and i + 1000 have the same vector.
  EXPECT_FALSE(pairs.empty());
  for (const CandidatePair& p : pairs) EXPECT_EQ(p.i % 1000, p.j % 1000);
  // Brute force on a sample of documents: the inverted index finds exactly the same top-5.
  for (size_t i : {0u, 17u, 999u, 5'432u, 9'999u}) {
    std::vector<std::pair<size_t, double>> brute;
    for (size_t j = 0; j < docs.size(); ++j) {
      if (j == i) continue;
      const double s = index.Similarity(i, j);
      if (s > 0 && s >= 0.3) brute.emplace_back(j, s);
    }
    std::sort(brute.begin(), brute.end(), [](const auto& x, const auto& y) {
      return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    brute.resize(std::min<size_t>(brute.size(), 5));
    const std::vector<std::pair<size_t, double>> got = index.Neighbours(i, 5, 0.3);
    ASSERT_EQ(got.size(), brute.size()) << i;
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(got[k].first, brute[k].first) << i;
      EXPECT_NEAR(got[k].second, brute[k].second, 1e-12) << i;
    }
  }
}

}  // namespace
}  // namespace arbor::relations
