// File: arbor/feed/outcome_pair_publisher.h
//
// OutcomePairPublisher: presents one venue book (a Kalshi market: YES bids and NO bids in one
// book, kept by the venue adapter in YES terms) as the two instruments the API promises,
// "<ticker>:YES" and "<ticker>:NO" (arbor.v1.InstrumentId), each priced in its own terms. Every
// call names the venue book by its ticker and is forwarded to both instruments; the NO side is
// the complement of the YES side: a YES bid of q at p is a NO ask of q at 1 - p and a YES ask
// of q at p is a NO bid of q at 1 - p.
//
// Trades (PublishTrade): a Kalshi trade is one print of the market; it is published on the
// instrument the taker BOUGHT, as an aggressor BUY in that instrument's terms: taker bought YES
// (taker_outcome_side yes, or taker_book_side bid) -> "<ticker>:YES" at yes_price; taker bought
// NO -> "<ticker>:NO" at 1 - yes_price. Unknown taker side -> "<ticker>:YES" at yes_price with
// aggressor UNSPECIFIED. (Buying NO at q is selling YES at 1 - q, so one print per trade is
// enough; a consumer wanting the YES view of a NO print takes the complement.)
//
// It has the BookPublisher methods the Kalshi connection uses, so the connection is written
// against one book per market while subscribers see two. Thread-safety: as BookPublisher;
// PublishChanges keeps a per-call scratch vector (no shared state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/ids.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"

namespace arbor::feed {

// "<ticker>:YES" / "<ticker>:NO".
InstrumentId OutcomeInstrumentId(std::string_view ticker, bool yes);

class OutcomePairPublisher {
 public:
  explicit OutcomePairPublisher(BookPublisher* publisher) : publisher_(publisher) {}

  // `key.instrument_id` is the venue book (ticker); both outcome instruments are registered
  // with the same market and event ids.
  void AddInstrument(const InstrumentKey& key, std::optional<Price> tick = std::nullopt);
  [[nodiscard]] absl::Status SetTick(const InstrumentId& ticker, Price tick);
  // `yes_settlement_micros`: what a YES share settled at when the market resolved (the NO
  // instrument gets 1_000_000 minus it); nullopt for a close without a result.
  [[nodiscard]] absl::Status CloseInstrument(
      const InstrumentId& ticker, std::string_view reason,
      std::optional<int64_t> yes_settlement_micros = std::nullopt);
  // `bids` / `asks` of the YES book.
  [[nodiscard]] absl::Status PublishSnapshot(const InstrumentId& ticker,
                                             absl::Span<const book::Level> bids,
                                             absl::Span<const book::Level> asks,
                                             SnapshotSource source, int64_t receive_nanos = 0);
  [[nodiscard]] absl::Status PublishSnapshot(const InstrumentId& ticker,
                                             absl::Span<const book::Level> bids,
                                             absl::Span<const book::Level> asks,
                                             SnapshotSource source, const EventTimes& times);
  // Changes of the YES book.
  [[nodiscard]] absl::Status PublishChanges(const InstrumentId& ticker,
                                            absl::Span<const LevelChange> changes,
                                            int64_t receive_nanos = 0);
  [[nodiscard]] absl::Status PublishChanges(const InstrumentId& ticker,
                                            absl::Span<const LevelChange> changes,
                                            const EventTimes& times);
  // One trade of the market (see the file comment for the instrument / side rule).
  // `taker_bought_yes`: nullopt when the venue did not say. Errors as BookPublisher::PublishTrade.
  [[nodiscard]] absl::Status PublishTrade(const InstrumentId& ticker,
                                          std::optional<bool> taker_bought_yes, Price yes_price,
                                          Quantity count, std::string_view venue_trade_id,
                                          const EventTimes& times);
  [[nodiscard]] absl::Status MarkStale(const InstrumentId& ticker, std::string_view reason);
  [[nodiscard]] absl::Status MarkLive(const InstrumentId& ticker);
  [[nodiscard]] absl::Status Quarantine(const InstrumentId& ticker, std::string_view reason);
  [[nodiscard]] absl::Status ExpectSnapshot(const InstrumentId& ticker, std::string_view reason);
  // State of the YES instrument (both sides always move together).
  std::optional<PublishState> State(const InstrumentId& ticker) const;

  BookPublisher* publisher() const { return publisher_; }

 private:
  BookPublisher* publisher_;
};

}  // namespace arbor::feed
