// libFuzzer target: the user-channel decoder and the REST order/trade row parsers that share
// its code. Decoded values are checked against the parsers' guarantees; a violation traps.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/user_decoder.h"

namespace {

using arbor::kPriceOne;
namespace pm = arbor::venue::polymarket;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckOrder(const pm::OrderEvent& o) {
  Check(!o.id.empty() && !o.asset_id.empty() && !o.market.empty());
  Check(!o.price.IsNegative() && o.price <= kPriceOne && !o.original_size.IsNegative());
  Check(!o.size_matched.has_value() || !o.size_matched->IsNegative());
  Check((o.status == pm::OrderStatus::kCanceledWithReason) ==
        (o.status_text.rfind("CANCELED_", 0) == 0));
}

void CheckTrade(const pm::TradeEvent& t) {
  Check(!t.id.empty() && !t.asset_id.empty());
  Check(!t.price.IsNegative() && t.price <= kPriceOne && !t.size.IsNegative());
  for (const pm::MakerOrderFill& m : t.maker_orders) {
    Check(!m.price.IsNegative() && m.price <= kPriceOne && !m.matched_amount.IsNegative());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static pm::UserFrameDecoder* decoder = new pm::UserFrameDecoder();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pm::UserFrame> frame = decoder->Decode(input);
  if (frame.ok()) {
    for (const pm::UserEvent& event : frame->events) {
      if (const auto* order = std::get_if<pm::OrderEvent>(&event)) CheckOrder(*order);
      if (const auto* trade = std::get_if<pm::TradeEvent>(&event)) CheckTrade(*trade);
    }
  } else {
    Check(!frame.status().message().empty());
  }
  if (absl::StatusOr<pm::OrderEvent> order = pm::ParseOpenOrder(input); order.ok()) {
    CheckOrder(*order);
  }
  if (absl::StatusOr<pm::TradeEvent> trade = pm::ParseTradeReport(input); trade.ok()) {
    CheckTrade(*trade);
  }
  if (absl::StatusOr<pm::OpenOrdersPage> page = pm::ParseOpenOrdersPage(input); page.ok()) {
    for (const pm::OrderEvent& order : page->data) CheckOrder(order);
  }
  if (absl::StatusOr<pm::TradesPage> page = pm::ParseTradesPage(input); page.ok()) {
    for (const pm::TradeEvent& trade : page->data) CheckTrade(trade);
  }
  return 0;
}
