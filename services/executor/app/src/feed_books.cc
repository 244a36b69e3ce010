#include "arbor/executor/feed_books.h"

#include <optional>
#include <string>
#include <vector>

namespace arbor::executor {

exec::BookSide FeedBooks::OppositeSide(Venue venue, std::string_view symbol, bool buy) const {
  exec::BookSide side;
  scanner::BookKey key{.venue = venue, .instrument = InstrumentId(std::string(symbol))};
  scanner::BookViewPtr book = cache_->Find(key);
  const std::optional<int64_t> age = cache_->ConfirmedAgeNanos(key);
  if (book == nullptr || !age.has_value()) return side;
  const std::vector<book::Level>& levels = buy ? book->asks : book->bids;
  for (const book::Level& l : levels) {
    side.levels.push_back({.price_micros = l.price.micros(), .size_micros = l.size.micros()});
  }
  // A quiet book on a live stream is current: the age is since the shard last confirmed it.
  side.age_nanos = *age;
  return side;
}

}  // namespace arbor::executor
