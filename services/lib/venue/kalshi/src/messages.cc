#include "arbor/venue/kalshi/messages.h"

#include <array>
#include <utility>

namespace arbor::venue::kalshi {
namespace {

constexpr std::array<std::pair<MessageType, std::string_view>, 12> kMessageTypeNames = {{
    {MessageType::kOrderbookSnapshot, "orderbook_snapshot"},
    {MessageType::kOrderbookDelta, "orderbook_delta"},
    {MessageType::kTicker, "ticker"},
    {MessageType::kTrade, "trade"},
    {MessageType::kFill, "fill"},
    {MessageType::kUserOrder, "user_order"},
    {MessageType::kMarketLifecycleV2, "market_lifecycle_v2"},
    {MessageType::kEventFeeUpdate, "event_fee_update"},
    {MessageType::kSubscribed, "subscribed"},
    {MessageType::kUnsubscribed, "unsubscribed"},
    {MessageType::kOk, "ok"},
    {MessageType::kError, "error"},
}};

}  // namespace

std::string_view SideName(Side side) { return side == Side::kYes ? "yes" : "no"; }

std::string_view MessageTypeName(MessageType type) {
  for (const auto& [t, name] : kMessageTypeNames) {
    if (t == type) return name;
  }
  return "unknown";
}

std::optional<MessageType> ParseMessageType(std::string_view name) {
  for (const auto& [t, text] : kMessageTypeNames) {
    if (text == name) return t;
  }
  return std::nullopt;
}

ErrorCode ErrorCodeFromWire(int64_t code) {
  switch (code) {
    case 2:
      return ErrorCode::kParamsRequired;
    case 5:
      return ErrorCode::kUnknownCommand;
    case 7:
      return ErrorCode::kUnknownSid;
    case 8:
      return ErrorCode::kUnknownChannel;
    case 9:
      return ErrorCode::kAuthRequired;
    case 10:
      return ErrorCode::kChannelError;
    case 14:
      return ErrorCode::kMarketTickerRequired;
    case 25:
      return ErrorCode::kSubscriptionBufferOverflow;
    case 26:
      return ErrorCode::kMarketLimitExceeded;
    case 27:
      return ErrorCode::kTooManyRequests;
    default:
      return ErrorCode::kUnknown;
  }
}

ErrorAction ActionForError(ErrorCode code) {
  switch (code) {
    case ErrorCode::kParamsRequired:
    case ErrorCode::kUnknownCommand:
    case ErrorCode::kUnknownChannel:
    case ErrorCode::kMarketTickerRequired:
      return ErrorAction::kFixRequest;
    case ErrorCode::kUnknownSid:
      return ErrorAction::kDropSidState;
    case ErrorCode::kAuthRequired:
      return ErrorAction::kAuthenticate;
    case ErrorCode::kChannelError:
    case ErrorCode::kSubscriptionBufferOverflow:
      return ErrorAction::kResubscribe;
    case ErrorCode::kMarketLimitExceeded:
      return ErrorAction::kSplitSubscription;
    case ErrorCode::kTooManyRequests:
      return ErrorAction::kBackOff;
    case ErrorCode::kUnknown:
      return ErrorAction::kUnknown;
  }
  return ErrorAction::kUnknown;
}

}  // namespace arbor::venue::kalshi
