// File: arbor/venue/polymarket/retry_after.h
//
// The one place the Polymarket clients (PublicClient, TradingClient) keep a 429's Retry-After:
// as a payload on the kResourceExhausted status, in whole seconds, under
// "type.arbor/polymarket.RetryAfterSeconds" (Kalshi's client uses
// "type.arbor/kalshi.RetryAfterSeconds").
//
//   absl::Status s = ...;                       // a 429 from either client
//   if (std::optional<int64_t> secs = RetryAfterSeconds(s)) WaitAtLeast(absl::Seconds(*secs));
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace arbor::venue::polymarket {

// RetryAfterSeconds
//
// The Retry-After the venue sent with a 429, in whole seconds, if any (nullopt for any other
// status). Both forms of the header are kept: delta-seconds as sent, an HTTP-date as the seconds
// from the client's clock to that date (rounded up, zero if past). An unparsable header is
// dropped (the caller then falls back on its own backoff).
std::optional<int64_t> RetryAfterSeconds(const absl::Status& status);

// ParseRetryAfterSeconds
//
// A Retry-After header value (delta-seconds or HTTP-date, net::ParseRetryAfter relative to
// `now`) in whole seconds, rounded up; nullopt when empty or unparsable.
std::optional<int64_t> ParseRetryAfterSeconds(std::string_view header, absl::Time now);

// SetRetryAfterSeconds
//
// Stores `seconds` on `status` for RetryAfterSeconds.
void SetRetryAfterSeconds(absl::Status& status, int64_t seconds);

}  // namespace arbor::venue::polymarket
