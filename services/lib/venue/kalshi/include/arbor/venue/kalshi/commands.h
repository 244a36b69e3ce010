// File: arbor/venue/kalshi/commands.h
//
// Builders for the Kalshi WebSocket client commands (subscribe, unsubscribe,
// update_subscription) as exact, compact JSON text ready to send as one text frame. subscribe
// always states use_yes_price explicitly: Kalshi will flip its default (KALSHI.md §1 #5), and
// BookSet must be configured with the same value.
//
//   ARBOR_ASSIGN_OR_RETURN(std::string cmd,
//       SubscribeCommand(1, {kChannelOrderbookDelta}, {"FED-23DEC-T3.00"}, false));
//   // {"id":1,"cmd":"subscribe","params":{"channels":["orderbook_delta"],
//   //  "market_tickers":["FED-23DEC-T3.00"],"use_yes_price":false}}
//
// Stateless functions; thread-safe. They allocate (control path, not a hot path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace arbor::venue::kalshi {

inline constexpr std::string_view kChannelOrderbookDelta = "orderbook_delta";
inline constexpr std::string_view kChannelTicker = "ticker";
inline constexpr std::string_view kChannelTrade = "trade";
inline constexpr std::string_view kChannelFill = "fill";
inline constexpr std::string_view kChannelUserOrders = "user_orders";
inline constexpr std::string_view kChannelMarketLifecycleV2 = "market_lifecycle_v2";
inline constexpr std::string_view kChannelMarketPositions = "market_positions";

enum class UpdateAction : uint8_t {
  kAddMarkets,     // "add_markets"
  kDeleteMarkets,  // "delete_markets"
  kGetSnapshot,    // "get_snapshot": fresh snapshots without changing the subscription (resync)
};

// "add_markets" / "delete_markets" / "get_snapshot".
std::string_view UpdateActionName(UpdateAction action);

// SubscribeCommand
//
// {"id":id,"cmd":"subscribe","params":{"channels":[...],"market_tickers":[...],
// "use_yes_price":b}}. market_tickers is omitted when empty (channel-wide subscriptions such as
// fill). Errors: InvalidArgument if `channels` is empty or a channel/ticker is empty.
[[nodiscard]] absl::StatusOr<std::string> SubscribeCommand(
    uint64_t id, absl::Span<const std::string_view> channels,
    absl::Span<const std::string_view> market_tickers, bool use_yes_price);

// UnsubscribeCommand
//
// {"id":id,"cmd":"unsubscribe","params":{"sids":[...]}}. Errors: InvalidArgument if `sids` is
// empty.
[[nodiscard]] absl::StatusOr<std::string> UnsubscribeCommand(uint64_t id,
                                                             absl::Span<const uint64_t> sids);

// UpdateSubscriptionCommand
//
// {"id":id,"cmd":"update_subscription","params":{"sids":[sid],"market_tickers":[...],
// "action":"..."}} (the `sids` one-element form, as in Kalshi's examples). Errors:
// InvalidArgument if `market_tickers` is empty or contains an empty ticker.
[[nodiscard]] absl::StatusOr<std::string> UpdateSubscriptionCommand(
    uint64_t id, uint64_t sid, absl::Span<const std::string_view> market_tickers,
    UpdateAction action);

}  // namespace arbor::venue::kalshi
