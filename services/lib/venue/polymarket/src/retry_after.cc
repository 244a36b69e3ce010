#include "arbor/venue/polymarket/retry_after.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/net/rate_governor.h"

namespace arbor::venue::polymarket {
namespace {

constexpr char kRetryAfterPayload[] = "type.arbor/polymarket.RetryAfterSeconds";

}  // namespace

std::optional<int64_t> RetryAfterSeconds(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kResourceExhausted) return std::nullopt;
  const auto payload = status.GetPayload(kRetryAfterPayload);
  if (!payload) return std::nullopt;
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &seconds) || seconds < 0) return std::nullopt;
  return seconds;
}

std::optional<int64_t> ParseRetryAfterSeconds(std::string_view header, absl::Time now) {
  if (header.empty()) return std::nullopt;
  absl::StatusOr<absl::Duration> delay = net::ParseRetryAfter(header, now);
  if (!delay.ok()) return std::nullopt;
  return absl::ToInt64Seconds(absl::Ceil(*delay, absl::Seconds(1)));
}

void SetRetryAfterSeconds(absl::Status& status, int64_t seconds) {
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(seconds)));
}

}  // namespace arbor::venue::polymarket
