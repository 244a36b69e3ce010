// File: arbor/venue/polymarket/public_client.h
//
// PublicClient: Polymarket's public (unauthenticated) REST surface over arbor::net's HttpClient:
// CLOB books, tick size, NegRisk flag, version, fee rate, CLOB markets (one or a cursor page),
// and Gamma market / event pages. Responses are
// parsed with this library's parsers; HTTP errors become statuses through net::StatusFromHttp
// (404 NotFound, 429 ResourceExhausted, 5xx Unavailable, ...) with the venue's message. A 429
// keeps the venue's Retry-After (see RetryAfterSeconds()) so callers can honour it.
//
// Thread-safe if the HttpClient is (it is). Blocking: call from I/O threads, not hot paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/net/http_client.h"
#include "arbor/venue/polymarket/gamma.h"
#include "arbor/venue/polymarket/rest_parsers.h"
#include "arbor/venue/polymarket/retry_after.h"

namespace arbor::venue::polymarket {

// A 429's Retry-After: RetryAfterSeconds() in retry_after.h.

class PublicClient {
 public:
  // `http` and `clock` must outlive the client. `clob` and `gamma` are the two hosts (the
  // venue's are clob.polymarket.com and gamma-api.polymarket.com on 443 with TLS). `clock` only
  // turns an HTTP-date Retry-After into a delay (nullptr = SystemClock).
  PublicClient(net::HttpClient* http, net::Origin clob, net::Origin gamma,
               const Clock* clock = nullptr);

  // GET /book?token_id=
  [[nodiscard]] absl::StatusOr<BookSummary> GetBook(std::string_view token_id);
  // POST /books in batches of `batch` ids (the venue rejects large payloads); unknown tokens are
  // simply absent from the result.
  [[nodiscard]] absl::StatusOr<std::vector<BookSummary>> GetBooks(
      absl::Span<const std::string> token_ids, size_t batch = 100);
  // GET /tick-size?token_id=
  [[nodiscard]] absl::StatusOr<Price> GetTickSize(std::string_view token_id);
  // GET /neg-risk?token_id=
  [[nodiscard]] absl::StatusOr<bool> GetNegRisk(std::string_view token_id);
  // GET /version: the CLOB order version (2 or 3) that selects the EIP-712 domain.
  [[nodiscard]] absl::StatusOr<int> GetVersion();
  // GET /fee-rate?token_id=: the token's base fee in basis points.
  [[nodiscard]] absl::StatusOr<int64_t> GetFeeRate(std::string_view token_id);
  // GET /markets/{condition_id}: one CLOB market (full shape, see ParseClobMarket).
  // `condition_id` must be 0x-hex. Errors: NotFound for an unknown market (404).
  [[nodiscard]] absl::StatusOr<ClobMarket> GetClobMarket(std::string_view condition_id);
  // GET /markets?next_cursor=: one page of CLOB markets. Start with kClobFirstCursor ("MA==");
  // the last page has next_cursor "LTE=" (ClobMarketsPage::IsLastPage).
  [[nodiscard]] absl::StatusOr<ClobMarketsPage> GetMarketsPage(std::string_view cursor = "MA==");

  // GET /markets?limit=&offset= on Gamma (one page).
  [[nodiscard]] absl::StatusOr<std::vector<GammaMarket>> GetGammaMarkets(size_t offset,
                                                                         size_t limit);
  // Every Gamma market, paging `page_size` at a time until a short page; at most `max_pages`.
  [[nodiscard]] absl::StatusOr<std::vector<GammaMarket>> GetAllGammaMarkets(
      size_t page_size = 500, size_t max_pages = 1000);
  // GET /events?limit=&offset= on Gamma (one page).
  [[nodiscard]] absl::StatusOr<std::vector<GammaEvent>> GetGammaEvents(size_t offset, size_t limit);

 private:
  absl::StatusOr<std::string> Call(const net::Origin& origin, std::string method,
                                   std::string target, std::string body = {});

  net::HttpClient* http_;
  const Clock* clock_;
  net::Origin clob_;
  net::Origin gamma_;
};

}  // namespace arbor::venue::polymarket
