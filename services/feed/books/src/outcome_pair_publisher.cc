#include "arbor/feed/outcome_pair_publisher.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::feed {
namespace {

InstrumentId Yes(const InstrumentId& ticker) { return OutcomeInstrumentId(ticker.value(), true); }
InstrumentId No(const InstrumentId& ticker) { return OutcomeInstrumentId(ticker.value(), false); }

// Both calls run; the first error (YES side first) is returned.
absl::Status Both(absl::Status yes, absl::Status no) { return yes.ok() ? no : yes; }

}  // namespace

InstrumentId OutcomeInstrumentId(std::string_view ticker, bool yes) {
  return InstrumentId(absl::StrCat(ToAbsl(ticker), yes ? ":YES" : ":NO"));
}

void OutcomePairPublisher::AddInstrument(const InstrumentKey& key, std::optional<Price> tick) {
  InstrumentKey yes = key;
  yes.instrument_id = Yes(key.instrument_id);
  if (yes.market_id.empty()) yes.market_id = key.instrument_id.value();
  InstrumentKey no = yes;
  no.instrument_id = No(key.instrument_id);
  publisher_->AddInstrument(yes, tick);
  publisher_->AddInstrument(no, tick);
}

absl::Status OutcomePairPublisher::SetTick(const InstrumentId& ticker, Price tick) {
  return Both(publisher_->SetTick(Yes(ticker), tick), publisher_->SetTick(No(ticker), tick));
}

absl::Status OutcomePairPublisher::CloseInstrument(const InstrumentId& ticker,
                                                   std::string_view reason,
                                                   std::optional<int64_t> yes_settlement_micros) {
  std::optional<int64_t> no_settlement_micros;
  if (yes_settlement_micros.has_value()) no_settlement_micros = 1'000'000 - *yes_settlement_micros;
  return Both(publisher_->CloseInstrument(Yes(ticker), reason, yes_settlement_micros),
              publisher_->CloseInstrument(No(ticker), reason, no_settlement_micros));
}

absl::Status OutcomePairPublisher::PublishSnapshot(const InstrumentId& ticker,
                                                   absl::Span<const book::Level> bids,
                                                   absl::Span<const book::Level> asks,
                                                   SnapshotSource source, int64_t receive_nanos) {
  return PublishSnapshot(ticker, bids, asks, source, publisher_->TimesFromMonotonic(receive_nanos));
}

absl::Status OutcomePairPublisher::PublishSnapshot(const InstrumentId& ticker,
                                                   absl::Span<const book::Level> bids,
                                                   absl::Span<const book::Level> asks,
                                                   SnapshotSource source, const EventTimes& times) {
  std::vector<book::Level> no_bids;
  std::vector<book::Level> no_asks;
  no_bids.reserve(asks.size());
  no_asks.reserve(bids.size());
  for (const book::Level& l : asks) no_bids.push_back({Complement(l.price), l.size});
  for (const book::Level& l : bids) no_asks.push_back({Complement(l.price), l.size});
  return Both(publisher_->PublishSnapshot(Yes(ticker), bids, asks, source, times),
              publisher_->PublishSnapshot(No(ticker), no_bids, no_asks, source, times));
}

absl::Status OutcomePairPublisher::PublishChanges(const InstrumentId& ticker,
                                                  absl::Span<const LevelChange> changes,
                                                  int64_t receive_nanos) {
  return PublishChanges(ticker, changes, publisher_->TimesFromMonotonic(receive_nanos));
}

absl::Status OutcomePairPublisher::PublishChanges(const InstrumentId& ticker,
                                                  absl::Span<const LevelChange> changes,
                                                  const EventTimes& times) {
  std::vector<LevelChange> no;
  no.reserve(changes.size());
  for (const LevelChange& c : changes) {
    no.push_back({book::Opposite(c.side), Complement(c.price), c.total});
  }
  return Both(publisher_->PublishChanges(Yes(ticker), changes, times),
              publisher_->PublishChanges(No(ticker), no, times));
}

absl::Status OutcomePairPublisher::PublishTrade(const InstrumentId& ticker,
                                                std::optional<bool> taker_bought_yes,
                                                Price yes_price, Quantity count,
                                                std::string_view venue_trade_id,
                                                const EventTimes& times) {
  TradePrint trade;
  trade.size = count;
  trade.venue_trade_id = std::string(venue_trade_id);
  trade.times = times;
  if (taker_bought_yes.has_value() && !*taker_bought_yes) {
    trade.price = Complement(yes_price);
    trade.aggressor = TradeSide::kBuy;
    return publisher_->PublishTrade(No(ticker), trade);
  }
  trade.price = yes_price;
  trade.aggressor = taker_bought_yes.has_value() ? TradeSide::kBuy : TradeSide::kUnspecified;
  return publisher_->PublishTrade(Yes(ticker), trade);
}

absl::Status OutcomePairPublisher::MarkStale(const InstrumentId& ticker, std::string_view reason) {
  return Both(publisher_->MarkStale(Yes(ticker), reason),
              publisher_->MarkStale(No(ticker), reason));
}

absl::Status OutcomePairPublisher::MarkLive(const InstrumentId& ticker) {
  return Both(publisher_->MarkLive(Yes(ticker)), publisher_->MarkLive(No(ticker)));
}

absl::Status OutcomePairPublisher::Quarantine(const InstrumentId& ticker, std::string_view reason) {
  return Both(publisher_->Quarantine(Yes(ticker), reason),
              publisher_->Quarantine(No(ticker), reason));
}

absl::Status OutcomePairPublisher::ExpectSnapshot(const InstrumentId& ticker,
                                                  std::string_view reason) {
  return Both(publisher_->ExpectSnapshot(Yes(ticker), reason),
              publisher_->ExpectSnapshot(No(ticker), reason));
}

std::optional<PublishState> OutcomePairPublisher::State(const InstrumentId& ticker) const {
  return publisher_->State(Yes(ticker));
}

}  // namespace arbor::feed
