#include "arbor/venue/kalshi/commands.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"

namespace arbor::venue::kalshi {
namespace {

absl::Status CheckNonEmpty(absl::Span<const std::string_view> items, std::string_view command,
                           std::string_view field) {
  if (items.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("kalshi ", std::string(command), ": ",
                                                   std::string(field), " must not be empty"));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("kalshi ", std::string(command), ": ",
                                                     std::string(field), "[", i, "] is empty"));
    }
  }
  return absl::OkStatus();
}

void WriteStrings(JsonWriter& w, std::string_view key, absl::Span<const std::string_view> items) {
  w.Key(key).BeginArray();
  for (std::string_view item : items) w.String(item);
  w.EndArray();
}

}  // namespace

std::string_view UpdateActionName(UpdateAction action) {
  switch (action) {
    case UpdateAction::kAddMarkets:
      return "add_markets";
    case UpdateAction::kDeleteMarkets:
      return "delete_markets";
    case UpdateAction::kGetSnapshot:
      return "get_snapshot";
  }
  return "get_snapshot";
}

absl::StatusOr<std::string> SubscribeCommand(uint64_t id,
                                             absl::Span<const std::string_view> channels,
                                             absl::Span<const std::string_view> market_tickers,
                                             bool use_yes_price) {
  absl::Status s = CheckNonEmpty(channels, "subscribe", "channels");
  if (!s.ok()) return s;
  for (size_t i = 0; i < market_tickers.size(); ++i) {
    if (market_tickers[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("kalshi subscribe: market_tickers[", i, "] is empty"));
    }
  }
  JsonWriter w;
  w.BeginObject().Key("id").Uint(id).Key("cmd").String("subscribe").Key("params").BeginObject();
  WriteStrings(w, "channels", channels);
  if (!market_tickers.empty()) WriteStrings(w, "market_tickers", market_tickers);
  w.Key("use_yes_price").Bool(use_yes_price).EndObject().EndObject();
  return w.Take();
}

absl::StatusOr<std::string> UnsubscribeCommand(uint64_t id, absl::Span<const uint64_t> sids) {
  if (sids.empty()) return absl::InvalidArgumentError("kalshi unsubscribe: sids must not be empty");
  JsonWriter w;
  w.BeginObject().Key("id").Uint(id).Key("cmd").String("unsubscribe").Key("params").BeginObject();
  w.Key("sids").BeginArray();
  for (uint64_t sid : sids) w.Uint(sid);
  w.EndArray().EndObject().EndObject();
  return w.Take();
}

absl::StatusOr<std::string> UpdateSubscriptionCommand(
    uint64_t id, uint64_t sid, absl::Span<const std::string_view> market_tickers,
    UpdateAction action) {
  absl::Status s = CheckNonEmpty(market_tickers, "update_subscription", "market_tickers");
  if (!s.ok()) return s;
  JsonWriter w;
  w.BeginObject().Key("id").Uint(id).Key("cmd").String("update_subscription").Key("params");
  w.BeginObject().Key("sids").BeginArray().Uint(sid).EndArray();
  WriteStrings(w, "market_tickers", market_tickers);
  w.Key("action").String(UpdateActionName(action)).EndObject().EndObject();
  return w.Take();
}

}  // namespace arbor::venue::kalshi
