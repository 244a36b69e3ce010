// libFuzzer target for the Kalshi WebSocket codec and book building. The input is a sequence of
// frames separated by '\n' (so one input can drive snapshot -> deltas -> gap -> resnapshot),
// applied to a fresh BookSet per input for reproducibility. The whole input is also parsed as a
// REST orderbook body. Invariants checked beyond "no crash":
//   * errors are InvalidArgument or Unimplemented (never anything else, never a crash);
//   * decoded prices are within [0, 1] and snapshot counts are non-negative;
//   * every level of a touched book is positive and on the book's grid;
//   * the decoder stays usable after an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "arbor/book/level.h"
#include "arbor/venue/kalshi/book_builder.h"
#include "arbor/venue/kalshi/fees.h"
#include "arbor/venue/kalshi/rest_orderbook.h"
#include "arbor/venue/kalshi/ws_decoder.h"

namespace {

using arbor::kPriceOne;
using arbor::Price;
using arbor::Quantity;
namespace kalshi = arbor::venue::kalshi;

void Require(bool condition) {
  if (!condition) std::abort();
}

bool PriceOk(Price p) { return !p.IsNegative() && p <= kPriceOne; }

void CheckLevels(const std::vector<kalshi::PriceLevel>& levels) {
  for (const kalshi::PriceLevel& l : levels) {
    Require(PriceOk(l.price));
    Require(!l.count.IsNegative());
  }
}

void CheckBook(const kalshi::BookSet& books, std::string_view ticker) {
  const arbor::book::OrderBook* book = books.Find(ticker);
  if (book == nullptr) return;
  for (arbor::book::BookSide side : {arbor::book::BookSide::kBid, arbor::book::BookSide::kAsk}) {
    book->ForEachLevel(side, [&](const arbor::book::Level& l) {
      Require(l.size.IsPositive());
      Require(book->grid().IsOnGrid(l.price));
    });
  }
}

void CheckMessage(const kalshi::WsMessage& m, kalshi::BookSet& books) {
  switch (m.type) {
    case kalshi::MessageType::kOrderbookSnapshot:
      CheckLevels(m.snapshot.yes);
      CheckLevels(m.snapshot.no);
      break;
    case kalshi::MessageType::kOrderbookDelta:
      Require(PriceOk(m.delta.price));
      break;
    case kalshi::MessageType::kTrade: {
      Require(PriceOk(m.trade.yes_price));
      Require(!m.trade.count.IsNegative());
      // Fees must succeed (or report overflow) for any decoded trade.
      absl::StatusOr<arbor::Money> fee =
          kalshi::QuadraticFee(kalshi::FeeRole::kTaker, m.trade.yes_price, m.trade.count,
                               kalshi::Multiplier::FromUnits(1), kalshi::FeeRounding::kCent);
      Require(fee.ok() || absl::IsOutOfRange(fee.status()));
      if (fee.ok()) Require(!fee->IsNegative());
      break;
    }
    case kalshi::MessageType::kMarketLifecycleV2:
      for (const kalshi::PriceRange& r : m.lifecycle.price_ranges) {
        Require(r.step.IsPositive() && r.start <= r.end);
      }
      break;
    default:
      break;
  }
  const kalshi::ApplyResult r = books.Apply(m);
  Require(r.error.ok() == (r.outcome != kalshi::ApplyOutcome::kRejected));
  if (m.type == kalshi::MessageType::kOrderbookSnapshot) CheckBook(books, m.snapshot.market_ticker);
  if (m.type == kalshi::MessageType::kOrderbookDelta) CheckBook(books, m.delta.market_ticker);
  if (m.type == kalshi::MessageType::kMarketLifecycleV2) {
    CheckBook(books, m.lifecycle.market_ticker);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  kalshi::WsFrameDecoder decoder(256);  // small, so growth paths are exercised too
  kalshi::BookSet books(kalshi::BookSetOptions{.use_yes_price = size % 7 == 3});
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const absl::Status s = decoder.Decode(input.substr(start, end - start));
    if (s.ok()) {
      CheckMessage(decoder.message(), books);
    } else {
      Require(absl::IsInvalidArgument(s) || absl::IsUnimplemented(s));
      Require(!s.message().empty());
    }
    start = end + 1;
  }
  const absl::StatusOr<kalshi::RestOrderbook> rest = kalshi::ParseRestOrderbook(input);
  if (rest.ok()) {
    CheckLevels(rest->yes);
    CheckLevels(rest->no);
    for (size_t i = 1; i < rest->yes.size(); ++i)
      Require(rest->yes[i - 1].price > rest->yes[i].price);
  } else {
    Require(absl::IsInvalidArgument(rest.status()));
  }
  return 0;
}
