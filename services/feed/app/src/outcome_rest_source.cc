#include "arbor/feed/outcome_rest_source.h"

#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "arbor/core/fixed_point.h"
#include "arbor/feed/outcome_pair_publisher.h"

namespace arbor::feed {
namespace {

// Splits "T:YES" / "T:NO" into (ticker, yes); false for any other id.
bool SplitOutcome(std::string_view id, std::string_view* ticker, bool* yes) {
  if (id.size() > 4 && id.substr(id.size() - 4) == ":YES") {
    *ticker = id.substr(0, id.size() - 4);
    *yes = true;
    return true;
  }
  if (id.size() > 3 && id.substr(id.size() - 3) == ":NO") {
    *ticker = id.substr(0, id.size() - 3);
    *yes = false;
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<RestBook>> OutcomeRestSource::FetchBooks(
    absl::Span<const InstrumentId> ids) {
  std::vector<InstrumentId> tickers;
  absl::flat_hash_map<std::string, std::pair<bool, bool>> wanted;  // ticker → (yes, no)
  for (const InstrumentId& id : ids) {
    std::string_view ticker;
    bool yes = false;
    if (!SplitOutcome(id.value(), &ticker, &yes)) continue;
    auto [it, inserted] = wanted.try_emplace(std::string(ticker), false, false);
    if (inserted) tickers.emplace_back(std::string(ticker));
    (yes ? it->second.first : it->second.second) = true;
  }
  std::vector<RestBook> out;
  if (tickers.empty()) return out;
  absl::StatusOr<std::vector<RestBook>> books = tickers_->FetchBooks(tickers);
  if (!books.ok()) return books.status();
  for (RestBook& yes_book : *books) {
    auto it = wanted.find(yes_book.id.value());
    if (it == wanted.end()) continue;
    const auto [want_yes, want_no] = it->second;
    if (want_no) {
      RestBook no;
      no.id = OutcomeInstrumentId(yes_book.id.value(), false);
      for (const book::Level& l : yes_book.asks) no.bids.push_back({Complement(l.price), l.size});
      for (const book::Level& l : yes_book.bids) no.asks.push_back({Complement(l.price), l.size});
      no.timestamp_ms = yes_book.timestamp_ms;
      NormalizeRestBook(no);
      out.push_back(std::move(no));
    }
    if (want_yes) {
      yes_book.id = OutcomeInstrumentId(yes_book.id.value(), true);
      out.push_back(std::move(yes_book));
    }
  }
  return out;
}

}  // namespace arbor::feed
