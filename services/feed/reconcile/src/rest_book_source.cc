#include "arbor/feed/rest_book_source.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/fixed_point.h"

namespace arbor::feed {

RestErrorKind ClassifyRestError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted:
      return RestErrorKind::kThrottled;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnknown:
      return RestErrorKind::kServer;
    default:
      return RestErrorKind::kOther;
  }
}

const char* RestErrorKindName(RestErrorKind kind) {
  switch (kind) {
    case RestErrorKind::kThrottled:
      return "throttled";
    case RestErrorKind::kServer:
      return "server";
    case RestErrorKind::kOther:
      return "other";
  }
  return "other";
}

absl::Status WithRetryAfter(absl::Status status, absl::Duration delay) {
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(absl::ToInt64Seconds(delay))));
  return status;
}

std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kResourceExhausted) return std::nullopt;
  if (auto p = status.GetPayload(kRetryAfterPayload); p.has_value()) {
    int64_t seconds = 0;
    if (absl::SimpleAtoi(std::string(*p), &seconds) && seconds >= 0) {
      return absl::Seconds(seconds);
    }
  }
  if (std::optional<int64_t> s = venue::kalshi::RetryAfterSeconds(status)) {
    return absl::Seconds(*s);
  }
  if (std::optional<int64_t> s = venue::polymarket::RetryAfterSeconds(status)) {
    return absl::Seconds(*s);
  }
  return std::nullopt;
}

void NormalizeRestBook(RestBook& book) {
  auto zero = [](const book::Level& l) { return l.size <= Quantity(); };
  book.bids.erase(std::remove_if(book.bids.begin(), book.bids.end(), zero), book.bids.end());
  book.asks.erase(std::remove_if(book.asks.begin(), book.asks.end(), zero), book.asks.end());
  std::sort(book.bids.begin(), book.bids.end(),
            [](const book::Level& a, const book::Level& b) { return a.price > b.price; });
  std::sort(book.asks.begin(), book.asks.end(),
            [](const book::Level& a, const book::Level& b) { return a.price < b.price; });
}

RestBook KalshiYesBook(const InstrumentId& id, const venue::kalshi::RestOrderbook& orderbook) {
  RestBook out;
  out.id = id;
  out.bids.reserve(orderbook.yes.size());
  out.asks.reserve(orderbook.no.size());
  // Same mapping as venue::kalshi::BookSet (REST prices NO levels in NO terms): a NO bid at p is
  // a YES ask at 1 - p.
  for (const venue::kalshi::PriceLevel& l : orderbook.yes) {
    out.bids.push_back(book::Level{l.price, l.count});
  }
  for (const venue::kalshi::PriceLevel& l : orderbook.no) {
    out.asks.push_back(book::Level{Complement(l.price), l.count});
  }
  NormalizeRestBook(out);
  return out;
}

PolymarketRestSource::PolymarketRestSource(venue::polymarket::PublicClient* client,
                                           size_t max_batch)
    : client_(client), max_batch_(std::clamp<size_t>(max_batch, 1, 500)) {}

absl::StatusOr<std::vector<RestBook>> PolymarketRestSource::FetchBooks(
    absl::Span<const InstrumentId> ids) {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const InstrumentId& id : ids) tokens.push_back(id.value());
  absl::StatusOr<std::vector<venue::polymarket::BookSummary>> books =
      client_->GetBooks(tokens, max_batch_);
  if (!books.ok()) return books.status();
  std::vector<RestBook> out;
  out.reserve(books->size());
  for (const venue::polymarket::BookSummary& b : *books) {
    // Only what was asked for (a venue answering with other tokens is ignored).
    if (std::find(tokens.begin(), tokens.end(), b.asset_id) == tokens.end()) continue;
    RestBook rb;
    rb.id = InstrumentId(b.asset_id);
    rb.bids = b.BidLevels();
    rb.asks = b.AskLevels();
    if (!b.hash.empty()) rb.venue_hash = b.hash;
    if (b.timestamp_ms > 0) rb.timestamp_ms = b.timestamp_ms;
    rb.tick_size = b.tick_size;
    NormalizeRestBook(rb);
    out.push_back(std::move(rb));
  }
  return out;
}

KalshiRestSource::KalshiRestSource(const venue::kalshi::RestClient* client, size_t max_batch)
    : client_(client), max_batch_(std::max<size_t>(max_batch, 1)) {}

absl::StatusOr<std::vector<RestBook>> KalshiRestSource::FetchBooks(
    absl::Span<const InstrumentId> ids) {
  std::vector<RestBook> out;
  out.reserve(ids.size());
  for (const InstrumentId& id : ids) {
    absl::StatusOr<venue::kalshi::RestOrderbook> ob = client_->GetOrderbook(id.value());
    if (absl::IsNotFound(ob.status())) continue;
    if (!ob.ok()) return ob.status();
    out.push_back(KalshiYesBook(id, *ob));
  }
  return out;
}

}  // namespace arbor::feed
