#include "arbor/venue/polymarket/market_decoder.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "json_util.h"

namespace arbor::venue::polymarket {

using internal::AsInt64;
using internal::AsOptionalPrice;
using internal::AsPrice;
using internal::AsSize;
using internal::AsString;
using internal::AsStringOrNull;
using internal::AsTick;
using internal::FieldError;
using internal::JsonContext;
using internal::JsonKind;
using internal::MissingField;
using internal::PathNode;
using internal::ReadToken;
using internal::Scalar;
namespace od = simdjson::ondemand;

std::string_view SideName(Side side) { return side == Side::kBuy ? "BUY" : "SELL"; }

std::string_view MarketEventTypeName(MarketEventType type) {
  switch (type) {
    case MarketEventType::kBook:
      return "book";
    case MarketEventType::kPriceChange:
      return "price_change";
    case MarketEventType::kLastTradePrice:
      return "last_trade_price";
    case MarketEventType::kTickSizeChange:
      return "tick_size_change";
    case MarketEventType::kBestBidAsk:
      return "best_bid_ask";
    case MarketEventType::kNewMarket:
      return "new_market";
    case MarketEventType::kMarketResolved:
      return "market_resolved";
  }
  return "?";
}

namespace {

// Top-level event fields. Scalars first (read lazily as tokens), then containers (parsed as
// they are met, whatever the event type, because event_type may come last).
enum Field : uint8_t {
  kEventType,
  kAssetId,
  kMarket,
  kTimestamp,
  kHash,
  kPrice,
  kSize,
  kSide,
  kBestBid,
  kBestAsk,
  kSpread,
  kFeeRateBps,
  kOldTickSize,
  kNewTickSize,
  kId,
  kQuestion,
  kSlug,
  kDescription,
  kConditionId,
  kActive,
  kOrderPriceMinTickSize,
  kGroupItemTitle,
  kSportsMarketType,
  kLine,
  kGameStartTime,
  kWinningAssetId,
  kWinningOutcome,
  kNumScalars,
  kBids = kNumScalars,
  kAsks,
  kPriceChanges,
  kAssetsIds,
  kOutcomes,
  kClobTokenIds,
  kTags,
  kEventMessage,
  kNumFields,
  kUnknownField = kNumFields,
};

constexpr int kNumContainers = kNumFields - kNumScalars;

constexpr std::string_view kFieldNames[kNumFields] = {
    "event_type",
    "asset_id",
    "market",
    "timestamp",
    "hash",
    "price",
    "size",
    "side",
    "best_bid",
    "best_ask",
    "spread",
    "fee_rate_bps",
    "old_tick_size",
    "new_tick_size",
    "id",
    "question",
    "slug",
    "description",
    "condition_id",
    "active",
    "order_price_min_tick_size",
    "group_item_title",
    "sports_market_type",
    "line",
    "game_start_time",
    "winning_asset_id",
    "winning_outcome",
    "bids",
    "asks",
    "price_changes",
    "assets_ids",
    "outcomes",
    "clob_token_ids",
    "tags",
    "event_message",
};

Field LookupEventField(std::string_view key) {
  switch (key.size()) {
    case 2:
      if (key == "id") return kId;
      break;
    case 4:
      if (key == "hash") return kHash;
      if (key == "side") return kSide;
      if (key == "size") return kSize;
      if (key == "bids") return kBids;
      if (key == "asks") return kAsks;
      if (key == "line") return kLine;
      if (key == "tags") return kTags;
      if (key == "slug") return kSlug;
      break;
    case 5:
      if (key == "price") return kPrice;
      break;
    case 6:
      if (key == "market") return kMarket;
      if (key == "active") return kActive;
      if (key == "spread") return kSpread;
      break;
    case 8:
      if (key == "asset_id") return kAssetId;
      if (key == "best_bid") return kBestBid;
      if (key == "best_ask") return kBestAsk;
      if (key == "question") return kQuestion;
      if (key == "outcomes") return kOutcomes;
      break;
    case 9:
      if (key == "timestamp") return kTimestamp;
      break;
    case 10:
      if (key == "event_type") return kEventType;
      if (key == "assets_ids") return kAssetsIds;
      break;
    case 11:
      if (key == "description") return kDescription;
      break;
    case 12:
      if (key == "fee_rate_bps") return kFeeRateBps;
      if (key == "condition_id") return kConditionId;
      break;
    case 13:
      if (key == "price_changes") return kPriceChanges;
      if (key == "new_tick_size") return kNewTickSize;
      if (key == "old_tick_size") return kOldTickSize;
      if (key == "event_message") return kEventMessage;
      break;
    case 14:
      if (key == "clob_token_ids") return kClobTokenIds;
      break;
    case 15:
      if (key == "winning_outcome") return kWinningOutcome;
      if (key == "game_start_time") return kGameStartTime;
      break;
    case 16:
      if (key == "group_item_title") return kGroupItemTitle;
      if (key == "winning_asset_id") return kWinningAssetId;
      break;
    case 18:
      if (key == "sports_market_type") return kSportsMarketType;
      break;
    case 25:
      if (key == "order_price_min_tick_size") return kOrderPriceMinTickSize;
      break;
    default:
      break;
  }
  return kUnknownField;
}

std::optional<MarketEventType> LookupEventType(std::string_view name) {
  if (name == "price_change") return MarketEventType::kPriceChange;
  if (name == "book") return MarketEventType::kBook;
  if (name == "last_trade_price") return MarketEventType::kLastTradePrice;
  if (name == "tick_size_change") return MarketEventType::kTickSizeChange;
  if (name == "best_bid_ask") return MarketEventType::kBestBidAsk;
  if (name == "new_market") return MarketEventType::kNewMarket;
  if (name == "market_resolved") return MarketEventType::kMarketResolved;
  return std::nullopt;
}

// A required identifier: a non-empty string.
absl::StatusOr<std::string_view> AsId(const Scalar& s, const PathNode* path,
                                      std::string_view leaf) {
  absl::StatusOr<std::string_view> text = AsString(s, path, leaf);
  if (!text.ok()) return text.status();
  if (text->empty()) return FieldError(path, leaf, s.offset, "empty");
  return *text;
}

// Prefixes a status message, keeping the code.
absl::Status Prefixed(const absl::Status& status, std::string_view prefix) {
  return absl::Status(status.code(), absl::StrCat(ToAbsl(prefix), status.message()));
}

}  // namespace

// Decodes one event object into the decoder's storage. One instance per event (cheap: the
// field table is not cleared, only the `seen_` mask).
class MarketFrameDecoder::EventParser {
 public:
  EventParser(MarketFrameDecoder* decoder, JsonContext* ctx) : d_(decoder), ctx_(ctx) {}

  // Reads every field of `object`, then builds the event. On success appends to the frame.
  // *type_name receives the event_type text as soon as it is read (so errors in later fields
  // can name the event type). Returns Unimplemented when the type is not one we decode.
  [[nodiscard]] absl::Status Parse(od::object& object, std::optional<MarketEventType> assumed,
                                   std::string_view* type_name) {
    seen_ = 0;
    type_name_ = type_name;
    absl::Status status = internal::ForEachField(
        *ctx_, object, nullptr,
        [&](std::string_view key, od::value& v) { return ReadField(key, v); });
    if (!status.ok()) return status;

    MarketEventType type;
    if (Has(kEventType)) {
      absl::StatusOr<std::string_view> name = AsString(scalars_[kEventType], nullptr, "event_type");
      if (!name.ok()) return name.status();
      *type_name = *name;
      std::optional<MarketEventType> known = LookupEventType(*name);
      if (!known.has_value()) {
        return absl::UnimplementedError(absl::StrCat("unknown event_type \"", Abbreviate(*name),
                                                     "\" at byte ", scalars_[kEventType].offset));
      }
      if (assumed.has_value() && *assumed != *known) {
        return FieldError(nullptr, "event_type", scalars_[kEventType].offset,
                          absl::StrCat("expected \"", ToAbsl(MarketEventTypeName(*assumed)),
                                       "\", got \"", Abbreviate(*name), "\""));
      }
      type = *known;
    } else if (assumed.has_value()) {
      type = *assumed;
      *type_name = MarketEventTypeName(type);
    } else {
      return MissingField(nullptr, "event_type");
    }
    switch (type) {
      case MarketEventType::kBook:
        return BuildBook();
      case MarketEventType::kPriceChange:
        return BuildPriceChange();
      case MarketEventType::kLastTradePrice:
        return BuildLastTrade();
      case MarketEventType::kTickSizeChange:
        return BuildTickSizeChange();
      case MarketEventType::kBestBidAsk:
        return BuildBestBidAsk();
      case MarketEventType::kNewMarket:
        return BuildNewMarket();
      case MarketEventType::kMarketResolved:
        return BuildMarketResolved();
    }
    return absl::InternalError("unhandled event type");
  }

 private:
  bool Has(Field f) const { return (seen_ >> f) & 1u; }

  absl::Status ReadField(std::string_view key, od::value& value) {
    const Field f = LookupEventField(key);
    if (f == kUnknownField) return absl::OkStatus();  // forward compatible: skip
    Scalar token;
    ARBOR_RETURN_IF_ERROR(ReadToken(*ctx_, value, nullptr, kFieldNames[f], &token));
    if (Has(f)) return FieldError(nullptr, kFieldNames[f], token.offset, "duplicate field");
    seen_ |= uint64_t{1} << f;
    if (f < kNumScalars) {
      scalars_[f] = token;
      if (f == kEventType && token.kind == JsonKind::kString) *type_name_ = token.text;
      return absl::OkStatus();
    }
    Range& range = ranges_[f - kNumScalars];
    range = Range{};
    switch (f) {
      case kBids:
      case kAsks:
        return ParseLevels(value, token, kFieldNames[f], &range);
      case kPriceChanges:
        return ParseEntries(value, token, &range);
      case kAssetsIds:
      case kOutcomes:
      case kClobTokenIds:
      case kTags:
        return ParseStrings(value, token, kFieldNames[f], &range);
      case kEventMessage:
        return ParseEventMessage(value, token);
      default:
        return absl::InternalError("unhandled field");
    }
  }

  absl::Status ParseLevels(od::value& value, const Scalar& token, std::string_view name,
                           Range* range) {
    if (token.kind != JsonKind::kArray) {
      return FieldError(nullptr, name, token.offset,
                        absl::StrCat("expected array, got ", internal::JsonKindName(token.kind)));
    }
    od::array array;
    ARBOR_RETURN_IF_ERROR(internal::GetArray(*ctx_, value, nullptr, name, &array));
    range->begin = static_cast<uint32_t>(d_->levels_.size());
    absl::Status status =
        internal::ForEachElement(*ctx_, array, nullptr, name, [&](int index, od::value& element) {
          return ParseLevel(element, {nullptr, name, index});
        });
    range->count = static_cast<uint32_t>(d_->levels_.size()) - range->begin;
    return status;
  }

  // One {price, size} element of bids/asks.
  absl::Status ParseLevel(od::value& element, const PathNode node) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, element, &node, "", &object));
    Scalar fields[2];  // price, size
    uint32_t seen = 0;
    ARBOR_RETURN_IF_ERROR(
        internal::ForEachField(*ctx_, object, &node, [&](std::string_view key, od::value& v) {
          const int f = key == "price" ? 0 : key == "size" ? 1 : -1;
          return f < 0 ? absl::OkStatus() : ReadOnce(v, &node, key, f, &seen, &fields[f]);
        }));
    if ((seen & 1u) == 0) return MissingField(&node, "price");
    if ((seen & 2u) == 0) return MissingField(&node, "size");
    book::Level level;
    if (!internal::FastPrice(fields[0], &level.price)) {
      ARBOR_ASSIGN_OR_RETURN(level.price, AsPrice(fields[0], &node, "price"));
    }
    if (!internal::FastSize(fields[1], &level.size)) {
      ARBOR_ASSIGN_OR_RETURN(level.size, AsSize(fields[1], &node, "size"));
    }
    d_->levels_.push_back(level);
    return absl::OkStatus();
  }

  // Reads a nested field's token, rejecting a second occurrence of the same key.
  absl::Status ReadOnce(od::value& v, const PathNode* node, std::string_view key, int f,
                        uint32_t* seen, Scalar* out) {
    ARBOR_RETURN_IF_ERROR(ReadToken(*ctx_, v, node, key, out));
    if ((*seen >> f) & 1u) return FieldError(node, key, out->offset, "duplicate field");
    *seen |= 1u << f;
    return absl::OkStatus();
  }

  absl::Status ParseEntries(od::value& value, const Scalar& token, Range* range) {
    constexpr std::string_view kName = "price_changes";
    if (token.kind != JsonKind::kArray) {
      return FieldError(nullptr, kName, token.offset,
                        absl::StrCat("expected array, got ", internal::JsonKindName(token.kind)));
    }
    od::array array;
    ARBOR_RETURN_IF_ERROR(internal::GetArray(*ctx_, value, nullptr, kName, &array));
    range->begin = static_cast<uint32_t>(d_->entries_.size());
    absl::Status status =
        internal::ForEachElement(*ctx_, array, nullptr, kName, [&](int index, od::value& element) {
          return ParseEntry(element, {nullptr, kName, index});
        });
    range->count = static_cast<uint32_t>(d_->entries_.size()) - range->begin;
    return status;
  }

  // One new-schema price_changes[] element.
  absl::Status ParseEntry(od::value& element, const PathNode node) {
    enum EntryField : uint8_t {
      kEAsset,
      kEPrice,
      kESize,
      kESide,
      kEHash,
      kEBestBid,
      kEBestAsk,
      kECount,
    };
    static constexpr std::string_view kNames[kECount] = {"asset_id", "price",    "size",    "side",
                                                         "hash",     "best_bid", "best_ask"};
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, element, &node, "", &object));
    Scalar fields[kECount];
    uint32_t seen = 0;
    ARBOR_RETURN_IF_ERROR(
        internal::ForEachField(*ctx_, object, &node, [&](std::string_view key, od::value& v) {
          int f = -1;
          switch (key.size()) {
            case 4:
              f = key == "size" ? kESize : key == "side" ? kESide : key == "hash" ? kEHash : -1;
              break;
            case 5:
              f = key == "price" ? kEPrice : -1;
              break;
            case 8:
              f = key == "asset_id"   ? kEAsset
                  : key == "best_bid" ? kEBestBid
                  : key == "best_ask" ? kEBestAsk
                                      : -1;
              break;
            default:
              break;
          }
          return f < 0 ? absl::OkStatus() : ReadOnce(v, &node, key, f, &seen, &fields[f]);
        }));
    for (int f : {kEAsset, kEPrice, kESize, kESide}) {
      if (((seen >> f) & 1u) == 0) return MissingField(&node, kNames[f]);
    }
    PriceChangeEntry entry;
    ARBOR_ASSIGN_OR_RETURN(entry.asset_id, AsId(fields[kEAsset], &node, "asset_id"));
    if (!internal::FastPrice(fields[kEPrice], &entry.price)) {
      ARBOR_ASSIGN_OR_RETURN(entry.price, AsPrice(fields[kEPrice], &node, "price"));
    }
    if (!internal::FastSize(fields[kESize], &entry.size)) {
      ARBOR_ASSIGN_OR_RETURN(entry.size, AsSize(fields[kESize], &node, "size"));
    }
    ARBOR_ASSIGN_OR_RETURN(entry.side, internal::AsSide(fields[kESide], &node, "side"));
    if ((seen >> kEHash) & 1u) {
      ARBOR_ASSIGN_OR_RETURN(entry.hash, AsStringOrNull(fields[kEHash], &node, "hash"));
    }
    Price best;
    if ((seen >> kEBestBid) & 1u) {
      if (internal::FastPrice(fields[kEBestBid], &best)) {
        entry.best_bid = best;
      } else {
        ARBOR_ASSIGN_OR_RETURN(entry.best_bid,
                               AsOptionalPrice(fields[kEBestBid], &node, "best_bid"));
      }
    }
    if ((seen >> kEBestAsk) & 1u) {
      if (internal::FastPrice(fields[kEBestAsk], &best)) {
        entry.best_ask = best;
      } else {
        ARBOR_ASSIGN_OR_RETURN(entry.best_ask,
                               AsOptionalPrice(fields[kEBestAsk], &node, "best_ask"));
      }
    }
    d_->entries_.push_back(entry);
    return absl::OkStatus();
  }

  absl::Status ParseStrings(od::value& value, const Scalar& token, std::string_view name,
                            Range* range) {
    range->begin = static_cast<uint32_t>(d_->strings_.size());
    if (token.kind == JsonKind::kNull) return absl::OkStatus();  // treated as empty
    if (token.kind != JsonKind::kArray) {
      return FieldError(nullptr, name, token.offset,
                        absl::StrCat("expected array, got ", internal::JsonKindName(token.kind)));
    }
    od::array array;
    ARBOR_RETURN_IF_ERROR(internal::GetArray(*ctx_, value, nullptr, name, &array));
    absl::Status status =
        internal::ForEachElement(*ctx_, array, nullptr, name, [&](int index, od::value& element) {
          return ParseString(element, {nullptr, name, index});
        });
    range->count = static_cast<uint32_t>(d_->strings_.size()) - range->begin;
    return status;
  }

  absl::Status ParseString(od::value& element, const PathNode node) {
    Scalar s;
    ARBOR_RETURN_IF_ERROR(ReadToken(*ctx_, element, &node, "", &s));
    ARBOR_ASSIGN_OR_RETURN(const std::string_view text, AsString(s, &node, ""));
    d_->strings_.push_back(text);
    return absl::OkStatus();
  }

  absl::Status ParseEventMessage(od::value& value, const Scalar& token) {
    message_ = EventMessage{};
    if (token.kind == JsonKind::kNull) return absl::OkStatus();
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, nullptr, "event_message", &object));
    static constexpr PathNode kNode{nullptr, "event_message", -1};
    return internal::ForEachField(*ctx_, object, &kNode, [&](std::string_view key, od::value& v) {
      return ReadMessageField(key, v);
    });
  }

  absl::Status ReadMessageField(std::string_view key, od::value& v) {
    static constexpr PathNode kNode{nullptr, "event_message", -1};
    std::string_view* target = key == "id"            ? &message_.id
                               : key == "ticker"      ? &message_.ticker
                               : key == "slug"        ? &message_.slug
                               : key == "title"       ? &message_.title
                               : key == "description" ? &message_.description
                                                      : nullptr;
    if (target == nullptr) return absl::OkStatus();
    Scalar s;
    ARBOR_RETURN_IF_ERROR(ReadToken(*ctx_, v, &kNode, key, &s));
    ARBOR_ASSIGN_OR_RETURN(*target, AsStringOrNull(s, &kNode, key));
    return absl::OkStatus();
  }

  // Required-field accessors.
  absl::StatusOr<const Scalar*> Required(Field f) const {
    if (!Has(f)) return MissingField(nullptr, kFieldNames[f]);
    return &scalars_[f];
  }
  absl::StatusOr<std::string_view> RequiredId(Field f) const {
    ARBOR_ASSIGN_OR_RETURN(const Scalar* s, Required(f));
    return AsId(*s, nullptr, kFieldNames[f]);
  }
  absl::StatusOr<std::string_view> OptionalString(Field f) const {
    if (!Has(f)) return std::string_view();
    return AsStringOrNull(scalars_[f], nullptr, kFieldNames[f]);
  }
  absl::StatusOr<int64_t> Timestamp() const {
    ARBOR_ASSIGN_OR_RETURN(const Scalar* s, Required(kTimestamp));
    return AsInt64(*s, nullptr, "timestamp");
  }
  absl::StatusOr<std::optional<Price>> OptionalPrice(Field f) const {
    if (!Has(f)) return std::optional<Price>();
    return AsOptionalPrice(scalars_[f], nullptr, kFieldNames[f]);
  }
  absl::Status RequireContainer(Field f) const {
    if (!Has(f)) return MissingField(nullptr, kFieldNames[f]);
    return absl::OkStatus();
  }
  Range ContainerRange(Field f) const { return Has(f) ? ranges_[f - kNumScalars] : Range{}; }

  absl::Status BuildBook() {
    BookEvent e;
    ARBOR_ASSIGN_OR_RETURN(e.asset_id, RequiredId(kAssetId));
    ARBOR_ASSIGN_OR_RETURN(e.market, RequiredId(kMarket));
    ARBOR_ASSIGN_OR_RETURN(e.hash, OptionalString(kHash));
    ARBOR_ASSIGN_OR_RETURN(e.timestamp_ms, Timestamp());
    ARBOR_RETURN_IF_ERROR(RequireContainer(kBids));
    ARBOR_RETURN_IF_ERROR(RequireContainer(kAsks));
    d_->book_bid_ranges_.push_back(ContainerRange(kBids));
    d_->book_ask_ranges_.push_back(ContainerRange(kAsks));
    Append(MarketEventType::kBook, d_->frame_.books_, e);
    return absl::OkStatus();
  }

  absl::Status BuildPriceChange() {
    PriceChangeEvent e;
    ARBOR_ASSIGN_OR_RETURN(e.market, RequiredId(kMarket));
    ARBOR_ASSIGN_OR_RETURN(e.timestamp_ms, Timestamp());
    if (Has(kPriceChanges)) {
      d_->change_ranges_.push_back(ContainerRange(kPriceChanges));
    } else {
      // Legacy flat schema: one level update at the top level.
      e.legacy_schema = true;
      PriceChangeEntry entry;
      ARBOR_ASSIGN_OR_RETURN(entry.asset_id, RequiredId(kAssetId));
      ARBOR_ASSIGN_OR_RETURN(const Scalar* price, Required(kPrice));
      ARBOR_ASSIGN_OR_RETURN(entry.price, AsPrice(*price, nullptr, "price"));
      ARBOR_ASSIGN_OR_RETURN(const Scalar* size, Required(kSize));
      ARBOR_ASSIGN_OR_RETURN(entry.size, AsSize(*size, nullptr, "size"));
      ARBOR_ASSIGN_OR_RETURN(const Scalar* side, Required(kSide));
      ARBOR_ASSIGN_OR_RETURN(entry.side, internal::AsSide(*side, nullptr, "side"));
      ARBOR_ASSIGN_OR_RETURN(entry.hash, OptionalString(kHash));
      ARBOR_ASSIGN_OR_RETURN(entry.best_bid, OptionalPrice(kBestBid));
      ARBOR_ASSIGN_OR_RETURN(entry.best_ask, OptionalPrice(kBestAsk));
      d_->change_ranges_.push_back(Range{static_cast<uint32_t>(d_->entries_.size()), 1});
      d_->entries_.push_back(entry);
    }
    Append(MarketEventType::kPriceChange, d_->frame_.price_changes_, e);
    return absl::OkStatus();
  }

  absl::Status BuildLastTrade() {
    LastTradePriceEvent e;
    ARBOR_ASSIGN_OR_RETURN(e.asset_id, RequiredId(kAssetId));
    ARBOR_ASSIGN_OR_RETURN(e.market, RequiredId(kMarket));
    ARBOR_ASSIGN_OR_RETURN(const Scalar* price, Required(kPrice));
    ARBOR_ASSIGN_OR_RETURN(e.price, AsPrice(*price, nullptr, "price"));
    ARBOR_ASSIGN_OR_RETURN(const Scalar* size, Required(kSize));
    ARBOR_ASSIGN_OR_RETURN(e.size, AsSize(*size, nullptr, "size"));
    ARBOR_ASSIGN_OR_RETURN(const Scalar* side, Required(kSide));
    ARBOR_ASSIGN_OR_RETURN(e.side, internal::AsSide(*side, nullptr, "side"));
    if (Has(kFeeRateBps) && !internal::IsNullOrEmpty(scalars_[kFeeRateBps])) {
      ARBOR_ASSIGN_OR_RETURN(e.fee_rate_bps,
                             AsInt64(scalars_[kFeeRateBps], nullptr, "fee_rate_bps"));
    }
    ARBOR_ASSIGN_OR_RETURN(e.timestamp_ms, Timestamp());
    Append(MarketEventType::kLastTradePrice, d_->frame_.last_trades_, e);
    return absl::OkStatus();
  }

  absl::Status BuildTickSizeChange() {
    TickSizeChangeEvent e;
    ARBOR_ASSIGN_OR_RETURN(e.asset_id, RequiredId(kAssetId));
    ARBOR_ASSIGN_OR_RETURN(e.market, RequiredId(kMarket));
    ARBOR_ASSIGN_OR_RETURN(const Scalar* tick, Required(kNewTickSize));
    ARBOR_ASSIGN_OR_RETURN(e.new_tick_size, AsTick(*tick, nullptr, "new_tick_size"));
    if (Has(kOldTickSize) && !internal::IsNullOrEmpty(scalars_[kOldTickSize])) {
      ARBOR_ASSIGN_OR_RETURN(e.old_tick_size,
                             AsTick(scalars_[kOldTickSize], nullptr, "old_tick_size"));
    }
    ARBOR_ASSIGN_OR_RETURN(e.timestamp_ms, Timestamp());
    Append(MarketEventType::kTickSizeChange, d_->frame_.tick_changes_, e);
    return absl::OkStatus();
  }

  absl::Status BuildBestBidAsk() {
    BestBidAskEvent e;
    ARBOR_ASSIGN_OR_RETURN(e.asset_id, RequiredId(kAssetId));
    ARBOR_ASSIGN_OR_RETURN(e.market, RequiredId(kMarket));
    ARBOR_ASSIGN_OR_RETURN(e.best_bid, OptionalPrice(kBestBid));
    ARBOR_ASSIGN_OR_RETURN(e.best_ask, OptionalPrice(kBestAsk));
    ARBOR_ASSIGN_OR_RETURN(e.spread, OptionalPrice(kSpread));
    ARBOR_ASSIGN_OR_RETURN(e.timestamp_ms, Timestamp());
    Append(MarketEventType::kBestBidAsk, d_->frame_.best_bid_asks_, e);
    return absl::OkStatus();
  }

  absl::Status BuildNewMarket() {
    NewMarketEvent e;
    ARBOR_ASSIGN_OR_RETURN(e.market, RequiredId(kMarket));
    ARBOR_ASSIGN_OR_RETURN(e.id, OptionalString(kId));
    ARBOR_ASSIGN_OR_RETURN(e.question, OptionalString(kQuestion));
    ARBOR_ASSIGN_OR_RETURN(e.slug, OptionalString(kSlug));
    ARBOR_ASSIGN_OR_RETURN(e.description, OptionalString(kDescription));
    ARBOR_ASSIGN_OR_RETURN(e.condition_id, OptionalString(kConditionId));
    ARBOR_ASSIGN_OR_RETURN(e.group_item_title, OptionalString(kGroupItemTitle));
    ARBOR_ASSIGN_OR_RETURN(e.sports_market_type, OptionalString(kSportsMarketType));
    ARBOR_ASSIGN_OR_RETURN(e.line, OptionalString(kLine));
    ARBOR_ASSIGN_OR_RETURN(e.game_start_time, OptionalString(kGameStartTime));
    if (Has(kActive) && scalars_[kActive].kind != JsonKind::kNull) {
      ARBOR_ASSIGN_OR_RETURN(e.active, internal::AsBool(scalars_[kActive], nullptr, "active"));
    }
    if (Has(kOrderPriceMinTickSize) && !internal::IsNullOrEmpty(scalars_[kOrderPriceMinTickSize])) {
      ARBOR_ASSIGN_OR_RETURN(
          e.order_price_min_tick_size,
          AsTick(scalars_[kOrderPriceMinTickSize], nullptr, "order_price_min_tick_size"));
    }
    if (Has(kEventMessage)) e.event_message = message_;
    ARBOR_ASSIGN_OR_RETURN(e.timestamp_ms, Timestamp());
    d_->new_market_ranges_.push_back(ContainerRange(kAssetsIds));
    d_->new_market_ranges_.push_back(ContainerRange(kOutcomes));
    d_->new_market_ranges_.push_back(ContainerRange(kClobTokenIds));
    d_->new_market_ranges_.push_back(ContainerRange(kTags));
    Append(MarketEventType::kNewMarket, d_->frame_.new_markets_, e);
    return absl::OkStatus();
  }

  absl::Status BuildMarketResolved() {
    MarketResolvedEvent e;
    ARBOR_ASSIGN_OR_RETURN(e.market, RequiredId(kMarket));
    ARBOR_ASSIGN_OR_RETURN(e.id, OptionalString(kId));
    ARBOR_ASSIGN_OR_RETURN(e.winning_asset_id, OptionalString(kWinningAssetId));
    ARBOR_ASSIGN_OR_RETURN(e.winning_outcome, OptionalString(kWinningOutcome));
    ARBOR_ASSIGN_OR_RETURN(e.timestamp_ms, Timestamp());
    d_->resolution_ranges_.push_back(ContainerRange(kAssetsIds));
    d_->resolution_ranges_.push_back(ContainerRange(kTags));
    Append(MarketEventType::kMarketResolved, d_->frame_.resolutions_, e);
    return absl::OkStatus();
  }

  template <typename Event>
  void Append(MarketEventType type, std::vector<Event>& list, const Event& e) {
    d_->frame_.events_.push_back(MarketEventRef{type, static_cast<uint32_t>(list.size())});
    list.push_back(e);
  }

  MarketFrameDecoder* d_;
  JsonContext* ctx_;
  std::string_view* type_name_ = nullptr;
  uint64_t seen_ = 0;
  Scalar scalars_[kNumScalars];
  Range ranges_[kNumContainers];
  EventMessage message_;
};

MarketFrameDecoder::MarketFrameDecoder(MarketDecoderOptions options) : options_(options) {}

absl::StatusOr<const MarketFrame*> MarketFrameDecoder::Decode(std::string_view frame) {
  return DecodeImpl(frame, std::nullopt);
}

absl::StatusOr<const MarketFrame*> MarketFrameDecoder::DecodeAs(std::string_view frame,
                                                                MarketEventType assumed) {
  return DecodeImpl(frame, assumed);
}

absl::StatusOr<const MarketFrame*> MarketFrameDecoder::DecodeImpl(
    std::string_view frame, std::optional<MarketEventType> assumed) {
  frame_.Clear();
  levels_.clear();
  entries_.clear();
  strings_.clear();
  book_bid_ranges_.clear();
  book_ask_ranges_.clear();
  change_ranges_.clear();
  new_market_ranges_.clear();
  resolution_ranges_.clear();

  const std::string_view trimmed = internal::TrimJsonSpace(frame);
  if (trimmed.empty()) return absl::InvalidArgumentError("empty frame");
  if (trimmed.front() != '{' && trimmed.front() != '[') {
    if (trimmed == "PONG") {
      frame_.kind_ = FrameKind::kPong;
    } else if (trimmed == "NO NEW ASSETS") {
      frame_.kind_ = FrameKind::kNoNewAssets;
    } else if (trimmed == "INVALID OPERATION") {
      frame_.kind_ = FrameKind::kInvalidOperation;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unrecognised text frame \"", Abbreviate(trimmed, 32), "\""));
    }
    return &frame_;
  }
  if (frame.size() > options_.max_frame_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "frame of ", frame.size(), " bytes exceeds the limit of ", options_.max_frame_bytes));
  }
  const size_t capacity = internal::CopyPadded(frame, &buffer_);
  od::document doc;
  if (auto error = parser_.iterate(buffer_.data(), frame.size(), capacity).get(doc)) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", simdjson::error_message(error)));
  }
  JsonContext ctx(buffer_.data(), frame.size(), &doc);
  od::json_type root_type;
  if (auto error = doc.type().get(root_type)) return ctx.JsonError(error, nullptr, "");

  EventParser parser(this, &ctx);
  size_t unknown = 0;
  absl::Status first_unknown;
  if (root_type == od::json_type::object) {
    od::object object;
    if (auto error = doc.get_object().get(object)) return ctx.JsonError(error, nullptr, "");
    std::string_view type_name;
    absl::Status status = parser.Parse(object, assumed, &type_name);
    if (!status.ok()) {
      if (type_name.empty() || status.code() == absl::StatusCode::kUnimplemented) return status;
      return Prefixed(status, absl::StrCat(ToAbsl(type_name), " event: "));
    }
  } else {
    od::array array;
    if (auto error = doc.get_array().get(array)) return ctx.JsonError(error, nullptr, "");
    int index = 0;
    for (auto element_result : array) {
      od::value element;
      if (auto error = std::move(element_result).get(element)) {
        return Prefixed(ctx.JsonError(error, nullptr, ""), absl::StrCat("event[", index, "]: "));
      }
      od::object object;
      const PathNode node{nullptr, "", index};
      absl::Status status = internal::GetObject(ctx, element, &node, "", &object);
      if (status.ok()) {
        std::string_view type_name;
        status = parser.Parse(object, assumed, &type_name);
        if (status.code() == absl::StatusCode::kUnimplemented) {
          // A new venue event type inside an array must not cost us the known events next to
          // it; the caller can still see and count it.
          frame_.skipped_unknown_.push_back(type_name);
          if (unknown++ == 0) first_unknown = status;
          status = absl::OkStatus();
        } else if (!status.ok()) {
          status = Prefixed(status, absl::StrCat(ToAbsl(type_name), type_name.empty() ? "" : " ",
                                                 "event[", index, "]: "));
        }
      }
      if (!status.ok()) return status;
      ++index;
    }
  }
  // On-Demand stops at the end of the root value; anything after it is an error.
  ARBOR_RETURN_IF_ERROR(internal::CheckTrailing(ctx, doc));
  if (unknown > 0 && frame_.events_.empty()) {
    return Prefixed(first_unknown, absl::StrCat(unknown, " event(s) of unknown type; first: "));
  }
  FixUpSpans();
  return &frame_;
}

void MarketFrameDecoder::FixUpSpans() {
  auto span = [](const auto& storage, Range r) {
    return absl::MakeConstSpan(storage.data() + r.begin, r.count);
  };
  for (size_t i = 0; i < frame_.books_.size(); ++i) {
    frame_.books_[i].bids = span(levels_, book_bid_ranges_[i]);
    frame_.books_[i].asks = span(levels_, book_ask_ranges_[i]);
  }
  for (size_t i = 0; i < frame_.price_changes_.size(); ++i) {
    frame_.price_changes_[i].entries = span(entries_, change_ranges_[i]);
  }
  for (size_t i = 0; i < frame_.new_markets_.size(); ++i) {
    NewMarketEvent& e = frame_.new_markets_[i];
    e.assets_ids = span(strings_, new_market_ranges_[4 * i]);
    e.outcomes = span(strings_, new_market_ranges_[4 * i + 1]);
    e.clob_token_ids = span(strings_, new_market_ranges_[4 * i + 2]);
    e.tags = span(strings_, new_market_ranges_[4 * i + 3]);
  }
  for (size_t i = 0; i < frame_.resolutions_.size(); ++i) {
    MarketResolvedEvent& e = frame_.resolutions_[i];
    e.assets_ids = span(strings_, resolution_ranges_[2 * i]);
    e.tags = span(strings_, resolution_ranges_[2 * i + 1]);
  }
}

}  // namespace arbor::venue::polymarket
