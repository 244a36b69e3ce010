// libFuzzer target: the market-channel decoder and BookSet. The input is split at NUL bytes
// into a sequence of frames (so tick changes, snapshots and deltas interact); each frame is
// decoded with Decode and, by its length, also with DecodeAs, and applied to one BookSet.
// Decoded values are checked against the decoder's guarantees; a violation traps.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/market_decoder.h"

namespace {

using arbor::kPriceOne;
using arbor::venue::polymarket::BookSet;
using arbor::venue::polymarket::MarketEventType;
using arbor::venue::polymarket::MarketFrame;
using arbor::venue::polymarket::MarketFrameDecoder;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckFrame(const MarketFrame& frame) {
  for (const auto& book : frame.books()) {
    Check(!book.asset_id.empty());
    for (const auto& level : book.bids) {
      Check(!level.price.IsNegative() && level.price <= kPriceOne && !level.size.IsNegative());
    }
    for (const auto& level : book.asks) {
      Check(!level.price.IsNegative() && level.price <= kPriceOne && !level.size.IsNegative());
    }
  }
  for (const auto& change : frame.price_changes()) {
    for (const auto& e : change.entries) {
      Check(!e.asset_id.empty());
      Check(!e.price.IsNegative() && e.price <= kPriceOne && !e.size.IsNegative());
    }
  }
  for (const auto& tick : frame.tick_size_changes()) {
    Check(tick.new_tick_size.IsPositive() && tick.new_tick_size <= kPriceOne);
  }
  Check(frame.events().size() ==
        frame.books().size() + frame.price_changes().size() + frame.last_trade_prices().size() +
            frame.tick_size_changes().size() + frame.best_bid_asks().size() +
            frame.new_markets().size() + frame.market_resolutions().size());
}

// Applies a decoded frame and queries every book it touched.
void ApplyAndQuery(BookSet& books, const MarketFrame& frame) {
  CheckFrame(frame);
  (void)books.Apply(frame);
  for (const auto& book : frame.books()) {
    if (const arbor::book::OrderBook* ob = books.Find(book.asset_id)) {
      const auto bid = ob->BestBid();
      const auto ask = ob->BestAsk();
      Check(!bid.has_value() || bid->size.IsPositive());
      Check(!ask.has_value() || ask->size.IsPositive());
      (void)ob->cross_state();
    }
  }
}

void Consume(MarketFrameDecoder& decoder, BookSet& books, std::string_view frame) {
  absl::StatusOr<const MarketFrame*> decoded = decoder.Decode(frame);
  if (decoded.ok()) {
    ApplyAndQuery(books, **decoded);
  } else {
    Check(!decoded.status().message().empty());
  }
  const auto assumed = static_cast<MarketEventType>(frame.size() % 7);
  absl::StatusOr<const MarketFrame*> lenient = decoder.DecodeAs(frame, assumed);
  if (lenient.ok()) ApplyAndQuery(books, **lenient);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One decoder for the whole run, as in production (buffers are reused across frames).
  static MarketFrameDecoder* decoder = new MarketFrameDecoder();
  BookSet books;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (true) {
    const size_t nul = input.find('\0');
    Consume(*decoder, books, input.substr(0, nul));
    if (nul == std::string_view::npos) break;
    input.remove_prefix(nul + 1);
  }
  // Every live book must be internally consistent enough to answer queries.
  const auto& stats = books.stats();
  Check(stats.quarantines <= stats.errors);
  return 0;
}
