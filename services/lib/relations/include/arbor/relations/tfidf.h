// File: arbor/relations/tfidf.h
//
// TF-IDF candidate generation: which pairs of markets are worth running the inference rules on
// (relations/inference.h) or sending to the LLM curator (relations/curator.h). Market questions
// become sparse term vectors; pairs are ranked by cosine similarity.
//
// Terms: TokenizeQuestion (text.h) minus English stopwords, minus every token with a digit
// (numbers, dates, years), month names and symbols ("$", "%", ...), so the rungs of a ladder
// ("X by March" / "X by June", "above $100k" / "above $120k") have the same vector. Weights:
// (1 + ln tf) * idf with idf = ln((1 + N) / (1 + df)) + 1, then L2-normalised.
//
// Search goes through an inverted index (term -> documents), so a document only meets documents
// that share a term with it. Terms present in more than `max_df_fraction` of the documents and in
// more than `min_proposing_df` documents are not used to *find* neighbours, only to score them: a
// pair that shares nothing but such terms is not proposed (this bounds the work on large
// catalogs; small ones are searched exhaustively). 10k questions index and rank in well under a
// second.
//
//   TfIdfIndex index = TfIdfIndex::Build(questions);
//   for (const CandidatePair& p : index.TopPairs(/*k=*/10, /*min_similarity=*/0.5)) ...
//
// Immutable after Build: const methods are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace arbor::relations {

// The TF-IDF terms of one text, in order (repeats kept).
std::vector<std::string> TfIdfTerms(std::string_view text);

struct CandidatePair {
  size_t i = 0;  // document indices, i < j
  size_t j = 0;
  double similarity = 0;  // cosine, [0, 1]

  friend bool operator==(const CandidatePair&, const CandidatePair&) = default;
};

struct TfIdfOptions {
  // Terms in more than this share of the documents, and in more than min_proposing_df documents,
  // do not propose neighbours (see above).
  double max_df_fraction = 0.5;
  size_t min_proposing_df = 1000;
};

class TfIdfIndex {
 public:
  // Build
  //
  // Indexes `texts` (document i = texts[i]).
  static TfIdfIndex Build(const std::vector<std::string>& texts, TfIdfOptions options = {});

  size_t size() const { return docs_.size(); }
  size_t vocabulary_size() const { return postings_.size(); }

  // Similarity
  //
  // Cosine similarity of documents i and j (0 when either has no term). Precondition: i, j <
  // size().
  double Similarity(size_t i, size_t j) const;

  // Neighbours
  //
  // Up to `k` other documents with similarity >= `min_similarity` (and > 0), most similar first,
  // ties by ascending index.
  std::vector<std::pair<size_t, double>> Neighbours(size_t i, size_t k,
                                                    double min_similarity) const;

  // TopPairs
  //
  // The union over documents of their Neighbours(i, k, min_similarity), each pair once with i <
  // j, most similar first, ties by (i, j).
  std::vector<CandidatePair> TopPairs(size_t k, double min_similarity) const;

 private:
  struct Entry {
    uint32_t term;
    double weight;
  };
  struct Posting {
    uint32_t doc;
    double weight;
  };
  // Neighbours with caller-owned scratch: `acc` has size() zeros and is left zeroed.
  std::vector<std::pair<size_t, double>> NeighboursWith(size_t i, size_t k, double min_similarity,
                                                        std::vector<double>& acc) const;

  std::vector<std::vector<Entry>> docs_;        // sorted by term
  std::vector<std::vector<Posting>> postings_;  // by term id, ascending doc
  size_t max_df_ = 0;                           // postings longer than this do not propose
};

}  // namespace arbor::relations
