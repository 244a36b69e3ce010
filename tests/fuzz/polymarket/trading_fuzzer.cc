// libFuzzer target: the trading response parsers (trading_parsers.h) and the REST rows the
// TradingClient reads through user_decoder.h. Checks invariants the client relies on.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "arbor/venue/polymarket/trading_parsers.h"
#include "arbor/venue/polymarket/user_decoder.h"

namespace {

namespace pm = arbor::venue::polymarket;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (absl::StatusOr<pm::OrderResponse> r = pm::ParseOrderResponse(input); r.ok()) {
    // Accepted() is exactly "success and a non-empty orderID".
    Check(r->Accepted() == (r->success && !r->order_id.empty()));
  }
  if (absl::StatusOr<std::vector<pm::OrderResponse>> b = pm::ParseBatchOrderResponse(input);
      b.ok()) {
    for (const pm::OrderResponse& r : *b) Check(!r.Accepted() || !r.order_id.empty());
  }
  (void)pm::ParseCancelResponse(input);
  if (absl::StatusOr<pm::BalanceAllowance> b = pm::ParseBalanceAllowance(input); b.ok()) {
    if (b->balance_base_units) Check(*b->balance_base_units >= 0);
  }
  if (absl::StatusOr<pm::ApiCredentials> c = pm::ParseApiCredentials(input); c.ok()) {
    Check(!c->api_key.empty() && !c->secret.empty() && !c->passphrase.empty());
  }
  (void)pm::ParseHeartbeatResponse(input);
  (void)pm::ParseErrorBody(input);
  (void)pm::ParseOpenOrdersPage(input);
  (void)pm::ParseTradesPage(input);
  return 0;
}
