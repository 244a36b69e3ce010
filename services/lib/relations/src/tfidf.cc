#include "arbor/relations/tfidf.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "arbor/relations/text.h"

namespace arbor::relations {
namespace {

const absl::flat_hash_set<std::string_view>& Stopwords() {
  static const absl::flat_hash_set<std::string_view> kWords = {
      "a",      "about",     "above",   "after",    "again",   "against",   "all",      "am",
      "an",     "and",       "any",     "are",      "as",      "at",        "be",       "been",
      "before", "being",     "below",   "between",  "both",    "but",       "by",       "can",
      "could",  "did",       "do",      "does",     "doing",   "during",    "each",     "end",
      "few",    "for",       "from",    "further",  "had",     "has",       "have",     "having",
      "he",     "her",       "here",    "hers",     "him",     "his",       "how",      "i",
      "if",     "in",        "into",    "is",       "it",      "its",       "itself",   "least",
      "less",   "more",      "most",    "my",       "no",      "nor",       "not",      "of",
      "off",    "on",        "once",    "only",     "or",      "other",     "our",      "ours",
      "out",    "over",      "own",     "same",     "she",     "should",    "so",       "some",
      "such",   "than",      "that",    "the",      "their",   "theirs",    "them",     "then",
      "there",  "these",     "they",    "this",     "those",   "through",   "to",       "too",
      "under",  "until",     "very",    "was",      "we",      "were",      "what",     "when",
      "where",  "which",     "while",   "who",      "whom",    "why",       "will",     "with",
      "would",  "yes",       "you",     "your",     "prior",   "later",     "week",     "start",
      "close",  "beginning", "at",      "exceed",   "exceeds", "exceeding", "greater",  "higher",
      "lower",  "fewer",     "percent", "thousand", "million", "billion",   "trillion",
  };
  return kWords;
}

bool IsTerm(const std::string& t) {
  if (t.empty() || HasDigit(t)) return false;
  const unsigned char c = static_cast<unsigned char>(t[0]);
  const bool word = (c >= 'a' && c <= 'z') || c >= 0x80;
  if (!word) return false;  // "$", "%", "+", ">", ...
  if (t.size() == 1 && c < 0x80) return false;
  if (MonthFromName(t) > 0) return false;
  return !Stopwords().contains(t);
}

}  // namespace

std::vector<std::string> TfIdfTerms(std::string_view text) {
  std::vector<std::string> out;
  for (std::string& t : TokenizeQuestion(text)) {
    if (IsTerm(t)) out.push_back(std::move(t));
  }
  return out;
}

TfIdfIndex TfIdfIndex::Build(const std::vector<std::string>& texts, TfIdfOptions options) {
  TfIdfIndex index;
  absl::flat_hash_map<std::string, uint32_t> vocabulary;
  std::vector<size_t> df;
  // Term counts per document.
  std::vector<std::vector<std::pair<uint32_t, int>>> counts(texts.size());
  for (size_t d = 0; d < texts.size(); ++d) {
    absl::flat_hash_map<uint32_t, int> tf;
    for (std::string& term : TfIdfTerms(texts[d])) {
      auto [it, inserted] = vocabulary.emplace(std::move(term), static_cast<uint32_t>(df.size()));
      if (inserted) df.push_back(0);
      ++tf[it->second];
    }
    counts[d].assign(tf.begin(), tf.end());
    std::sort(counts[d].begin(), counts[d].end());
    for (const auto& [term, n] : counts[d]) ++df[term];
  }
  const double n_docs = static_cast<double>(texts.size());
  index.docs_.resize(texts.size());
  index.postings_.resize(df.size());
  for (size_t d = 0; d < texts.size(); ++d) {
    std::vector<Entry>& entries = index.docs_[d];
    double norm = 0;
    for (const auto& [term, n] : counts[d]) {
      const double idf = std::log((1 + n_docs) / (1 + static_cast<double>(df[term]))) + 1;
      const double w = (1 + std::log(static_cast<double>(n))) * idf;
      entries.push_back({term, w});
      norm += w * w;
    }
    norm = std::sqrt(norm);
    for (Entry& e : entries) {
      e.weight /= norm;
      index.postings_[e.term].push_back({static_cast<uint32_t>(d), e.weight});
    }
  }
  index.max_df_ = std::max<size_t>(
      options.min_proposing_df, static_cast<size_t>(std::floor(options.max_df_fraction * n_docs)));
  return index;
}

double TfIdfIndex::Similarity(size_t i, size_t j) const {
  const std::vector<Entry>& x = docs_[i];
  const std::vector<Entry>& y = docs_[j];
  double dot = 0;
  size_t p = 0;
  size_t q = 0;
  while (p < x.size() && q < y.size()) {
    if (x[p].term < y[q].term) {
      ++p;
    } else if (y[q].term < x[p].term) {
      ++q;
    } else {
      dot += x[p].weight * y[q].weight;
      ++p;
      ++q;
    }
  }
  return std::min(1.0, dot);
}

std::vector<std::pair<size_t, double>> TfIdfIndex::Neighbours(size_t i, size_t k,
                                                              double min_similarity) const {
  std::vector<double> acc(docs_.size(), 0.0);
  return NeighboursWith(i, k, min_similarity, acc);
}

std::vector<std::pair<size_t, double>> TfIdfIndex::NeighboursWith(size_t i, size_t k,
                                                                  double min_similarity,
                                                                  std::vector<double>& acc) const {
  std::vector<uint32_t> touched;
  std::vector<uint32_t> skipped_terms;
  for (const Entry& e : docs_[i]) {
    const std::vector<Posting>& list = postings_[e.term];
    if (list.size() > max_df_) {
      skipped_terms.push_back(e.term);
      continue;
    }
    for (const Posting& p : list) {
      if (p.doc == i) continue;
      if (acc[p.doc] == 0) touched.push_back(p.doc);
      acc[p.doc] += e.weight * p.weight;
    }
  }
  std::vector<std::pair<size_t, double>> out;
  for (uint32_t j : touched) {
    double sim = acc[j];
    acc[j] = 0;
    // Add back what the common terms contribute (they only stopped proposing j).
    for (uint32_t term : skipped_terms) {
      const std::vector<Entry>& y = docs_[j];
      auto it = std::lower_bound(y.begin(), y.end(), term,
                                 [](const Entry& e, uint32_t t) { return e.term < t; });
      if (it == y.end() || it->term != term) continue;
      for (const Entry& e : docs_[i]) {
        if (e.term == term) sim += e.weight * it->weight;
      }
    }
    sim = std::min(1.0, sim);
    if (sim > 0 && sim >= min_similarity) out.emplace_back(j, sim);
  }
  auto better = [](const std::pair<size_t, double>& x, const std::pair<size_t, double>& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  };
  if (out.size() > k) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), better);
    out.resize(k);
  } else {
    std::sort(out.begin(), out.end(), better);
  }
  return out;
}

std::vector<CandidatePair> TfIdfIndex::TopPairs(size_t k, double min_similarity) const {
  absl::flat_hash_map<uint64_t, double> pairs;
  std::vector<double> acc(docs_.size(), 0.0);
  for (size_t i = 0; i < docs_.size(); ++i) {
    for (const auto& [j, sim] : NeighboursWith(i, k, min_similarity, acc)) {
      const uint64_t lo = std::min(i, j);
      const uint64_t hi = std::max(i, j);
      pairs.emplace((lo << 32) | hi, sim);
    }
  }
  std::vector<CandidatePair> out;
  out.reserve(pairs.size());
  for (const auto& [key, sim] : pairs) {
    out.push_back({static_cast<size_t>(key >> 32), static_cast<size_t>(key & 0xffffffffu), sim});
  }
  std::sort(out.begin(), out.end(), [](const CandidatePair& x, const CandidatePair& y) {
    if (x.similarity != y.similarity) return x.similarity > y.similarity;
    return x.i != y.i ? x.i < y.i : x.j < y.j;
  });
  return out;
}

}  // namespace arbor::relations
