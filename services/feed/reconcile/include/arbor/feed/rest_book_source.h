// File: arbor/feed/rest_book_source.h
//
// RestBookSource: a venue-neutral way to fetch full order books over REST, for the feed shard's
// reconciler (compare with the published books) and poller (POLL / HYBRID modes). Books are in
// the instrument's own terms (Polymarket: the token's book; Kalshi: the market's YES book),
// bids best (highest) first, asks best (lowest) first, sizes > 0.
//
// Implementations:
//   PolymarketRestSource  POST /books through venue::polymarket::PublicClient::GetBooks, at most
//                         max_batch ids per request (default 100; the venue and the simulator
//                         refuse more than 500 with "Payload exceeds the limit").
//   KalshiRestSource      GET /markets/{ticker}/orderbook through venue::kalshi::RestClient, one
//                         request per ticker, converted to the YES book the way
//                         venue::kalshi::BookSet does (YES bids = bids; a NO bid q at p = a YES
//                         ask q at 1 - p).
//
// Errors: a FetchBooks call either returns every book it could find (unknown instruments are
// simply absent) or an error for the whole call; it never returns a partially parsed book.
// ClassifyRestError() buckets errors for counters and backoff; RetryAfter() reads the
// Retry-After carried by a 429 status (payload kRetryAfterPayload, seconds as text, or the one
// either venue client attaches).
//
// Thread-safety: the sources are as thread-safe as their clients (both are); the reconciler and
// the poller may share one source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/core/ids.h"
#include "arbor/venue/kalshi/rest_client.h"
#include "arbor/venue/kalshi/rest_orderbook.h"
#include "arbor/venue/polymarket/public_client.h"

namespace arbor::feed {

// One REST book.
struct RestBook {
  InstrumentId id;
  std::vector<book::Level> bids;          // best (highest) first, sizes > 0
  std::vector<book::Level> asks;          // best (lowest) first, sizes > 0
  std::optional<std::string> venue_hash;  // Polymarket book hash
  std::optional<int64_t> timestamp_ms;    // venue timestamp (Polymarket)
  std::optional<Price> tick_size;         // the book's tick as the venue reports it (Polymarket)

  friend bool operator==(const RestBook&, const RestBook&) = default;
};

class RestBookSource {
 public:
  virtual ~RestBookSource() = default;

  // FetchBooks
  //
  // The current REST books of `ids` (any number; implementations split into requests of at most
  // max_batch() ids). Unknown instruments are absent from the result. Errors: the first failed
  // request's status (HTTP mapping of arbor/net/http_client.h; 429 = kResourceExhausted with
  // an optional Retry-After payload), nothing returned.
  [[nodiscard]] virtual absl::StatusOr<std::vector<RestBook>> FetchBooks(
      absl::Span<const InstrumentId> ids) = 0;

  // Ids per request; callers that budget requests call FetchBooks with at most this many ids.
  virtual size_t max_batch() const = 0;
};

// Error buckets for counters and backoff.
enum class RestErrorKind {
  kThrottled,  // 429 (kResourceExhausted)
  kServer,     // 5xx or transport (kUnavailable, kInternal, kDeadlineExceeded, kUnknown)
  kOther,      // everything else (4xx, parse errors)
};
RestErrorKind ClassifyRestError(const absl::Status& status);
// "throttled", "server", "other" (metric label values).
const char* RestErrorKindName(RestErrorKind kind);

// Payload key of the Retry-After delay (decimal seconds) on a 429 status.
inline constexpr char kRetryAfterPayload[] = "type.arbor/feed.RetryAfterSeconds";
// `status` with a Retry-After of `delay` (rounded down to seconds) attached.
absl::Status WithRetryAfter(absl::Status status, absl::Duration delay);
// The Retry-After carried by a kResourceExhausted status (this file's payload, the Kalshi
// RestClient's or the Polymarket PublicClient's), if any.
std::optional<absl::Duration> RetryAfter(const absl::Status& status);

// Sorts and cleans levels into the RestBook convention: zero sizes dropped, bids descending,
// asks ascending.
void NormalizeRestBook(RestBook& book);

// The YES book of a Kalshi REST order book (NO terms, as the REST API sends it).
RestBook KalshiYesBook(const InstrumentId& id, const venue::kalshi::RestOrderbook& orderbook);

class PolymarketRestSource final : public RestBookSource {
 public:
  // `client` must outlive the source. `max_batch` in [1, 500].
  explicit PolymarketRestSource(venue::polymarket::PublicClient* client, size_t max_batch = 100);
  [[nodiscard]] absl::StatusOr<std::vector<RestBook>> FetchBooks(
      absl::Span<const InstrumentId> ids) override;
  size_t max_batch() const override { return max_batch_; }

 private:
  venue::polymarket::PublicClient* client_;
  size_t max_batch_;
};

class KalshiRestSource final : public RestBookSource {
 public:
  // `client` must outlive the source. Instrument ids are market tickers. `max_batch` (>= 1) is
  // how many tickers a caller should pass per call (each is one request).
  explicit KalshiRestSource(const venue::kalshi::RestClient* client, size_t max_batch = 1);
  [[nodiscard]] absl::StatusOr<std::vector<RestBook>> FetchBooks(
      absl::Span<const InstrumentId> ids) override;
  size_t max_batch() const override { return max_batch_; }

 private:
  const venue::kalshi::RestClient* client_;
  size_t max_batch_;
};

}  // namespace arbor::feed
