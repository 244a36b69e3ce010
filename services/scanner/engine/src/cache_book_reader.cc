#include "arbor/scanner/cache_book_reader.h"

#include <memory>
#include <optional>

namespace arbor::scanner {
namespace {

lanes::BookStatus ToLaneStatus(BookStatus s) {
  switch (s) {
    case BookStatus::kLive:
      return lanes::BookStatus::kLive;
    case BookStatus::kStale:
      return lanes::BookStatus::kStale;
    case BookStatus::kQuarantined:
      return lanes::BookStatus::kQuarantined;
    case BookStatus::kClosed:
      return lanes::BookStatus::kClosed;
  }
  return lanes::BookStatus::kQuarantined;
}

}  // namespace

std::optional<lanes::LaneBook> CacheBookReader::Read(const lanes::InstrumentKey& key,
                                                     absl::Duration max_age) const {
  const BookKey book_key = ToBookKey(key);
  BookViewPtr view = cache_->Find(book_key);
  if (view == nullptr) return std::nullopt;
  lanes::LaneBook b;
  b.bids = view->bids;
  b.asks = view->asks;
  b.status = ToLaneStatus(view->status);
  b.trusted = view->trusted;
  // IsFresh takes the cache lock again; a view published in between is newer, never older, so
  // judging the older view fresh is at worst one message late.
  b.fresh = cache_->IsFresh(book_key, max_age);
  b.sequence = view->sequence;
  b.epoch = view->epoch;
  b.ts_event_unix_nanos = view->ts_event_unix_nanos;
  b.ts_receipt_unix_nanos = view->ts_receipt_unix_nanos;
  b.owner = std::move(view);
  return b;
}

}  // namespace arbor::scanner
