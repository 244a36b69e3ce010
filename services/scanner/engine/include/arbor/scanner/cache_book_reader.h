// File: arbor/scanner/cache_book_reader.h
//
// CacheBookReader: the lanes' BookReader over the scanner's BookCache. A lane read is one cache
// lookup (an immutable BookView shared_ptr, kept alive by LaneBook::owner for the evaluation) plus
// the cache's freshness judgement; nothing is copied.
//
//   BookCache cache;
//   CacheBookReader reader(&cache);
//   lanes::BinaryLane lane(&catalog, &reader, &clock);
//
// Thread-safe (BookCache is).
#pragma once

#include <optional>

#include "absl/time/time.h"
#include "arbor/lanes/inputs.h"
#include "arbor/scanner/book_cache.h"

namespace arbor::scanner {

// Conversions between the cache's and the lanes' instrument keys (the same value, two types:
// the lanes library does not depend on the cache).
inline lanes::InstrumentKey ToInstrumentKey(const BookKey& k) {
  return lanes::InstrumentKey{k.venue, k.instrument};
}
inline BookKey ToBookKey(const lanes::InstrumentKey& k) { return BookKey{k.venue, k.instrument}; }

class CacheBookReader final : public lanes::BookReader {
 public:
  // `cache` (not owned) must outlive the reader.
  explicit CacheBookReader(const BookCache* cache) : cache_(cache) {}

  // The cached view as a LaneBook: status and trust as the cache holds them, `fresh` from
  // BookCache::IsFresh(max_age). nullopt for a book the cache never had.
  std::optional<lanes::LaneBook> Read(const lanes::InstrumentKey& key,
                                      absl::Duration max_age) const override;

 private:
  const BookCache* const cache_;
};

}  // namespace arbor::scanner
