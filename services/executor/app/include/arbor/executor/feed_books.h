// File: arbor/executor/feed_books.h
//
// FeedBooks: the executor's own view of the books as an exec::BookSource — the scanner's
// BookCache fed by the feed shards (arbor-executor --feeds), or by a replay. The paper fill model
// and the pre-trade price / staleness checks read it. Only tradeable (trusted, live) books are
// offered; an unknown or unhealthy book is empty, which the risk engine treats as stale.
//
// Thread-safe (the cache is).
#pragma once

#include <string_view>

#include "arbor/exec/paper_gateway.h"
#include "arbor/scanner/book_cache.h"

namespace arbor::executor {

class FeedBooks final : public exec::BookSource {
 public:
  // `cache` (not owned) must outlive this.
  explicit FeedBooks(const scanner::BookCache* cache) : cache_(cache) {}
  exec::BookSide OppositeSide(Venue venue, std::string_view symbol, bool buy) const override;

 private:
  const scanner::BookCache* cache_;
};

}  // namespace arbor::executor
