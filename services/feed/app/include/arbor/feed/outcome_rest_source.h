// File: arbor/feed/outcome_rest_source.h
//
// OutcomeRestSource: the REST books of Kalshi outcome instruments ("<ticker>:YES" /
// "<ticker>:NO", see outcome_pair_publisher.h) from a source keyed by market ticker
// (KalshiRestSource). Each ticker is fetched once per call whichever sides are asked; the NO
// book is the complement of the YES book (YES ask q at p = NO bid q at 1 - p).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/core/ids.h"
#include "arbor/feed/rest_book_source.h"

namespace arbor::feed {

class OutcomeRestSource final : public RestBookSource {
 public:
  // `tickers` must outlive this source.
  explicit OutcomeRestSource(RestBookSource* tickers) : tickers_(tickers) {}

  // Ids without a ":YES" / ":NO" suffix are ignored (absent from the result).
  [[nodiscard]] absl::StatusOr<std::vector<RestBook>> FetchBooks(
      absl::Span<const InstrumentId> ids) override;
  // Both sides of one market cost one request.
  size_t max_batch() const override { return 2 * tickers_->max_batch(); }

 private:
  RestBookSource* tickers_;
};

}  // namespace arbor::feed
