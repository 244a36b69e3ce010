#include "arbor/venue/polymarket/user_decoder.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "json_util.h"

namespace arbor::venue::polymarket {

using internal::FieldError;
using internal::JsonContext;
using internal::JsonKind;
using internal::PathNode;
using internal::Scalar;
using internal::SeenFields;
namespace od = simdjson::ondemand;

std::string_view OrderEventTypeName(OrderEventType type) {
  switch (type) {
    case OrderEventType::kPlacement:
      return "PLACEMENT";
    case OrderEventType::kUpdate:
      return "UPDATE";
    case OrderEventType::kCancellation:
      return "CANCELLATION";
  }
  return "?";
}

std::string_view OrderStatusName(OrderStatus status) {
  switch (status) {
    case OrderStatus::kLive:
      return "LIVE";
    case OrderStatus::kMatched:
      return "MATCHED";
    case OrderStatus::kCanceled:
      return "CANCELED";
    case OrderStatus::kInvalid:
      return "INVALID";
    case OrderStatus::kCanceledWithReason:
      return "CANCELED_<reason>";
    case OrderStatus::kUnknown:
      return "UNKNOWN";
  }
  return "?";
}

std::string_view TradeStatusName(TradeStatus status) {
  switch (status) {
    case TradeStatus::kMatched:
      return "MATCHED";
    case TradeStatus::kMined:
      return "MINED";
    case TradeStatus::kConfirmed:
      return "CONFIRMED";
    case TradeStatus::kRetrying:
      return "RETRYING";
    case TradeStatus::kFailed:
      return "FAILED";
    case TradeStatus::kMatchedNotBroadcasted:
      return "MATCHED_NOT_BROADCASTED";
    case TradeStatus::kUnknown:
      return "UNKNOWN";
  }
  return "?";
}

OrderStatus ParseOrderStatus(std::string_view text, std::string_view* reason) {
  if (text == "LIVE") return OrderStatus::kLive;
  if (text == "MATCHED") return OrderStatus::kMatched;
  if (text == "CANCELED") return OrderStatus::kCanceled;
  if (text == "INVALID") return OrderStatus::kInvalid;
  constexpr std::string_view kCanceledPrefix = "CANCELED_";
  if (text.substr(0, kCanceledPrefix.size()) == kCanceledPrefix) {
    if (reason != nullptr) *reason = text.substr(kCanceledPrefix.size());
    return OrderStatus::kCanceledWithReason;
  }
  return OrderStatus::kUnknown;
}

TradeStatus ParseTradeStatus(std::string_view text) {
  if (text == "MATCHED") return TradeStatus::kMatched;
  if (text == "MINED") return TradeStatus::kMined;
  if (text == "CONFIRMED") return TradeStatus::kConfirmed;
  if (text == "RETRYING") return TradeStatus::kRetrying;
  if (text == "FAILED") return TradeStatus::kFailed;
  if (text == "MATCHED_NOT_BROADCASTED") return TradeStatus::kMatchedNotBroadcasted;
  return TradeStatus::kUnknown;
}

namespace {

// An integer that may be sent as "", null, a digit string or a JSON integer.
absl::StatusOr<std::optional<int64_t>> OptionalInt(const Scalar& s, const PathNode* path,
                                                   std::string_view leaf) {
  if (internal::IsNullOrEmpty(s)) return std::optional<int64_t>();
  ARBOR_ASSIGN_OR_RETURN(const int64_t v, internal::AsInt64(s, path, leaf));
  return std::optional<int64_t>(v);
}

// A string field that may arrive as a string, a number (bucket ids, unix times) or null; kept
// as text.
absl::StatusOr<std::string> TextOf(const Scalar& s, const PathNode* path, std::string_view leaf) {
  if (s.kind == JsonKind::kString || s.kind == JsonKind::kNumber) return std::string(s.text);
  if (s.kind == JsonKind::kNull) return std::string();
  return FieldError(path, leaf, s.offset,
                    absl::StrCat("expected string, got ", internal::JsonKindName(s.kind)));
}

enum OrderKey {
  kOEventType,
  kOType,
  kOId,
  kOAssetId,
  kOMarket,
  kOOwner,
  kOOrderOwner,
  kOMakerAddress,
  kOOutcome,
  kOOrderType,
  kOStatus,
  kOSide,
  kOPrice,
  kOOriginalSize,
  kOSizeMatched,
  kOExpiration,
  kOCreatedAt,
  kOAssociateTrades,
  kOTimestamp,
  kOrderKeyCount,
};
constexpr std::string_view kOrderKeys[kOrderKeyCount] = {
    "event_type",  "type",          "id",           "asset_id",   "market",     "owner",
    "order_owner", "maker_address", "outcome",      "order_type", "status",     "side",
    "price",       "original_size", "size_matched", "expiration", "created_at", "associate_trades",
    "timestamp",
};

enum TradeKey {
  kTEventType,
  kTType,
  kTId,
  kTTakerOrderId,
  kTAssetId,
  kTMarket,
  kTOutcome,
  kTOwner,
  kTTradeOwner,
  kTMakerAddress,
  kTTransactionHash,
  kTStatus,
  kTSide,
  kTSize,
  kTPrice,
  kTFeeRateBps,
  kTMatchTime,
  kTLastUpdate,
  kTBucketIndex,
  kTTraderSide,
  kTMakerOrders,
  kTTimestamp,
  kTradeKeyCount,
};
constexpr std::string_view kTradeKeys[kTradeKeyCount] = {
    "event_type",       "type",       "id",          "taker_order_id", "asset_id",
    "market",           "outcome",    "owner",       "trade_owner",    "maker_address",
    "transaction_hash", "status",     "side",        "size",           "price",
    "fee_rate_bps",     "match_time", "last_update", "bucket_index",   "trader_side",
    "maker_orders",     "timestamp",
};

enum MakerKey {
  kMOrderId,
  kMOwner,
  kMMakerAddress,
  kMAssetId,
  kMOutcome,
  kMMatchedAmount,
  kMPrice,
  kMFeeRateBps,
  kMSide,
  kMakerKeyCount,
};
constexpr std::string_view kMakerKeys[kMakerKeyCount] = {
    "order_id",       "owner", "maker_address", "asset_id", "outcome",
    "matched_amount", "price", "fee_rate_bps",  "side",
};

enum class EventKind { kOrder, kTrade };

// Reads user-channel / REST rows. Holds the document context for one parse.
class UserParser {
 public:
  explicit UserParser(JsonContext* ctx) : ctx_(ctx) {}

  // Decides order vs trade for one event object by scanning its keys once: event_type wins,
  // else `type`. The object is then rewound and read as that kind.
  absl::Status ParseEvent(od::object& object, const PathNode* path, UserEvent* out) {
    std::optional<EventKind> kind;
    std::string_view event_type;
    std::string_view type;
    uint32_t event_type_offset = 0;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, path, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key != "event_type" && key != "type") return absl::OkStatus();
          absl::StatusOr<Scalar> s = internal::Token(*ctx_, v, path, key);
          if (!s.ok()) return s.status();
          absl::StatusOr<std::string_view> text = internal::AsString(*s, path, key);
          if (!text.ok()) return text.status();
          if (key == "event_type") {
            event_type = *text;
            event_type_offset = s->offset;
          } else {
            type = *text;
          }
          return absl::OkStatus();
        }));
    std::optional<EventKind> by_type;
    if (type == "PLACEMENT" || type == "UPDATE" || type == "CANCELLATION") {
      by_type = EventKind::kOrder;
    } else if (type == "TRADE") {
      by_type = EventKind::kTrade;
    }
    if (!event_type.empty()) {
      if (event_type == "order") {
        kind = EventKind::kOrder;
      } else if (event_type == "trade") {
        kind = EventKind::kTrade;
      } else {
        return absl::UnimplementedError(absl::StrCat(
            "unknown event_type \"", Abbreviate(event_type), "\" at byte ", event_type_offset));
      }
      if (by_type.has_value() && *by_type != *kind) {
        return FieldError(path, "type", event_type_offset,
                          absl::StrCat("type \"", Abbreviate(type), "\" contradicts event_type \"",
                                       Abbreviate(event_type), "\""));
      }
    } else if (by_type.has_value()) {
      kind = by_type;
    } else {
      return internal::MissingField(path, "event_type");
    }
    if (auto error = object.reset().error()) return ctx_->JsonError(error, path, "");
    if (*kind == EventKind::kOrder) {
      OrderEvent order;
      ARBOR_RETURN_IF_ERROR(ParseOrder(object, path, /*ws=*/true, &order));
      *out = std::move(order);
    } else {
      TradeEvent trade;
      ARBOR_RETURN_IF_ERROR(ParseTrade(object, path, &trade));
      *out = std::move(trade);
    }
    return absl::OkStatus();
  }

  absl::Status ParseOrder(od::object& object, const PathNode* path, bool ws, OrderEvent* out) {
    SeenFields seen;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, path,
        [&](std::string_view key, od::value& v) { return OrderField(key, v, path, &seen, out); }));
    ARBOR_RETURN_IF_ERROR(seen.Require(
        {kOId, kOAssetId, kOMarket, kOSide, kOPrice, kOOriginalSize, kOStatus}, kOrderKeys, path));
    if (ws) ARBOR_RETURN_IF_ERROR(seen.Require({kOType}, kOrderKeys, path));
    return absl::OkStatus();
  }

  absl::Status ParseTrade(od::object& object, const PathNode* path, TradeEvent* out) {
    SeenFields seen;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, path,
        [&](std::string_view key, od::value& v) { return TradeField(key, v, path, &seen, out); }));
    return seen.Require({kTId, kTAssetId, kTMarket, kTSide, kTSize, kTPrice, kTStatus}, kTradeKeys,
                        path);
  }

 private:
  absl::Status OrderField(std::string_view key, od::value& v, const PathNode* path,
                          SeenFields* seen, OrderEvent* out) {
    const int f = internal::FindKey(kOrderKeys, kOrderKeyCount, key);
    if (f < 0 || f == kOEventType) return absl::OkStatus();
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, key));
    ARBOR_RETURN_IF_ERROR(seen->Mark(f, path, key, s.offset));
    switch (f) {
      case kOType: {
        ARBOR_ASSIGN_OR_RETURN(const std::string_view t, internal::AsString(s, path, key));
        if (t == "PLACEMENT") {
          out->type = OrderEventType::kPlacement;
        } else if (t == "UPDATE") {
          out->type = OrderEventType::kUpdate;
        } else if (t == "CANCELLATION") {
          out->type = OrderEventType::kCancellation;
        } else {
          return FieldError(path, key, s.offset,
                            absl::StrCat("unknown order event type \"", Abbreviate(t), "\""));
        }
        return absl::OkStatus();
      }
      case kOId:
        return Id(s, path, key, &out->id);
      case kOAssetId:
        return Id(s, path, key, &out->asset_id);
      case kOMarket:
        return Id(s, path, key, &out->market);
      case kOOwner:
        return Str(s, path, key, &out->owner);
      case kOOrderOwner:
        return Str(s, path, key, &out->order_owner);
      case kOMakerAddress:
        return Str(s, path, key, &out->maker_address);
      case kOOutcome:
        return Str(s, path, key, &out->outcome);
      case kOOrderType:
        return Str(s, path, key, &out->order_type);
      case kOStatus: {
        ARBOR_RETURN_IF_ERROR(Id(s, path, key, &out->status_text));
        std::string_view reason;
        out->status = ParseOrderStatus(out->status_text, &reason);
        out->status_reason.assign(reason.data(), reason.size());
        return absl::OkStatus();
      }
      case kOSide: {
        ARBOR_ASSIGN_OR_RETURN(out->side, internal::AsSide(s, path, key));
        return absl::OkStatus();
      }
      case kOPrice: {
        ARBOR_ASSIGN_OR_RETURN(out->price, internal::AsPrice(s, path, key));
        return absl::OkStatus();
      }
      case kOOriginalSize: {
        ARBOR_ASSIGN_OR_RETURN(out->original_size, internal::AsSize(s, path, key));
        return absl::OkStatus();
      }
      case kOSizeMatched: {
        ARBOR_ASSIGN_OR_RETURN(out->size_matched, internal::AsOptionalSize(s, path, key));
        return absl::OkStatus();
      }
      case kOExpiration: {
        ARBOR_ASSIGN_OR_RETURN(out->expiration, OptionalInt(s, path, key));
        return absl::OkStatus();
      }
      case kOCreatedAt: {
        ARBOR_ASSIGN_OR_RETURN(out->created_at, OptionalInt(s, path, key));
        return absl::OkStatus();
      }
      case kOAssociateTrades:
        return internal::ReadStringArray(*ctx_, v, path, key, &out->associate_trades);
      case kOTimestamp: {
        ARBOR_ASSIGN_OR_RETURN(out->timestamp_ms, OptionalInt(s, path, key));
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  absl::Status TradeField(std::string_view key, od::value& v, const PathNode* path,
                          SeenFields* seen, TradeEvent* out) {
    const int f = internal::FindKey(kTradeKeys, kTradeKeyCount, key);
    if (f < 0 || f == kTEventType) return absl::OkStatus();
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, key));
    ARBOR_RETURN_IF_ERROR(seen->Mark(f, path, key, s.offset));
    switch (f) {
      case kTType: {
        ARBOR_ASSIGN_OR_RETURN(const std::string_view t, internal::AsString(s, path, key));
        if (t != "TRADE") {
          return FieldError(path, key, s.offset,
                            absl::StrCat("expected \"TRADE\", got \"", Abbreviate(t), "\""));
        }
        return absl::OkStatus();
      }
      case kTId:
        return Id(s, path, key, &out->id);
      case kTTakerOrderId:
        return Str(s, path, key, &out->taker_order_id);
      case kTAssetId:
        return Id(s, path, key, &out->asset_id);
      case kTMarket:
        return Id(s, path, key, &out->market);
      case kTOutcome:
        return Str(s, path, key, &out->outcome);
      case kTOwner:
        return Str(s, path, key, &out->owner);
      case kTTradeOwner:
        return Str(s, path, key, &out->trade_owner);
      case kTMakerAddress:
        return Str(s, path, key, &out->maker_address);
      case kTTransactionHash:
        return Str(s, path, key, &out->transaction_hash);
      case kTStatus: {
        ARBOR_RETURN_IF_ERROR(Id(s, path, key, &out->status_text));
        out->status = ParseTradeStatus(out->status_text);
        return absl::OkStatus();
      }
      case kTSide: {
        ARBOR_ASSIGN_OR_RETURN(out->side, internal::AsSide(s, path, key));
        return absl::OkStatus();
      }
      case kTSize: {
        ARBOR_ASSIGN_OR_RETURN(out->size, internal::AsSize(s, path, key));
        return absl::OkStatus();
      }
      case kTPrice: {
        ARBOR_ASSIGN_OR_RETURN(out->price, internal::AsPrice(s, path, key));
        return absl::OkStatus();
      }
      case kTFeeRateBps: {
        ARBOR_ASSIGN_OR_RETURN(out->fee_rate_bps, OptionalInt(s, path, key));
        return absl::OkStatus();
      }
      case kTMatchTime: {
        ARBOR_ASSIGN_OR_RETURN(out->match_time, TextOf(s, path, key));
        return absl::OkStatus();
      }
      case kTLastUpdate: {
        ARBOR_ASSIGN_OR_RETURN(out->last_update, TextOf(s, path, key));
        return absl::OkStatus();
      }
      case kTBucketIndex: {
        ARBOR_ASSIGN_OR_RETURN(out->bucket_index, OptionalInt(s, path, key));
        return absl::OkStatus();
      }
      case kTTraderSide: {
        if (internal::IsNullOrEmpty(s)) return absl::OkStatus();
        ARBOR_ASSIGN_OR_RETURN(const std::string_view t, internal::AsString(s, path, key));
        if (t == "TAKER") {
          out->trader_side = TraderSide::kTaker;
        } else if (t == "MAKER") {
          out->trader_side = TraderSide::kMaker;
        } else {
          return FieldError(
              path, key, s.offset,
              absl::StrCat("trader_side must be TAKER or MAKER, got \"", Abbreviate(t), "\""));
        }
        return absl::OkStatus();
      }
      case kTMakerOrders:
        return MakerOrders(v, s, path, &out->maker_orders);
      case kTTimestamp: {
        ARBOR_ASSIGN_OR_RETURN(out->timestamp_ms, OptionalInt(s, path, key));
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  absl::Status MakerOrders(od::value& v, const Scalar& token, const PathNode* path,
                           std::vector<MakerOrderFill>* out) {
    out->clear();
    if (token.kind == JsonKind::kNull) return absl::OkStatus();
    od::array array;
    ARBOR_RETURN_IF_ERROR(internal::GetArray(*ctx_, v, path, "maker_orders", &array));
    return internal::ForEachElement(*ctx_, array, path, "maker_orders",
                                    [&](int index, od::value& element) {
                                      const PathNode node{path, "maker_orders", index};
                                      out->emplace_back();
                                      return MakerOrder(element, &node, &out->back());
                                    });
  }

  absl::Status MakerOrder(od::value& element, const PathNode* node, MakerOrderFill* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, element, node, "", &object));
    SeenFields seen;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, node,
        [&](std::string_view key, od::value& v) { return MakerField(key, v, node, &seen, out); }));
    return seen.Require({kMOrderId, kMAssetId, kMMatchedAmount, kMPrice}, kMakerKeys, node);
  }

  absl::Status MakerField(std::string_view key, od::value& v, const PathNode* path,
                          SeenFields* seen, MakerOrderFill* out) {
    const int f = internal::FindKey(kMakerKeys, kMakerKeyCount, key);
    if (f < 0) return absl::OkStatus();
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, key));
    ARBOR_RETURN_IF_ERROR(seen->Mark(f, path, key, s.offset));
    switch (f) {
      case kMOrderId:
        return Id(s, path, key, &out->order_id);
      case kMOwner:
        return Str(s, path, key, &out->owner);
      case kMMakerAddress:
        return Str(s, path, key, &out->maker_address);
      case kMAssetId:
        return Id(s, path, key, &out->asset_id);
      case kMOutcome:
        return Str(s, path, key, &out->outcome);
      case kMMatchedAmount: {
        ARBOR_ASSIGN_OR_RETURN(out->matched_amount, internal::AsSize(s, path, key));
        return absl::OkStatus();
      }
      case kMPrice: {
        ARBOR_ASSIGN_OR_RETURN(out->price, internal::AsPrice(s, path, key));
        return absl::OkStatus();
      }
      case kMFeeRateBps: {
        ARBOR_ASSIGN_OR_RETURN(out->fee_rate_bps, OptionalInt(s, path, key));
        return absl::OkStatus();
      }
      case kMSide: {
        if (internal::IsNullOrEmpty(s)) return absl::OkStatus();
        ARBOR_ASSIGN_OR_RETURN(out->side, internal::AsSide(s, path, key));
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  // A string or null copied into *out.
  static absl::Status Str(const Scalar& s, const PathNode* path, std::string_view key,
                          std::string* out) {
    ARBOR_ASSIGN_OR_RETURN(const std::string_view text, internal::AsStringOrNull(s, path, key));
    out->assign(text.data(), text.size());
    return absl::OkStatus();
  }
  // A required non-empty string.
  static absl::Status Id(const Scalar& s, const PathNode* path, std::string_view key,
                         std::string* out) {
    ARBOR_ASSIGN_OR_RETURN(const std::string_view text, internal::AsString(s, path, key));
    if (text.empty()) return FieldError(path, key, s.offset, "empty");
    out->assign(text.data(), text.size());
    return absl::OkStatus();
  }

  JsonContext* ctx_;
};

absl::Status PrefixEvent(const absl::Status& status, int index) {
  return absl::Status(status.code(), absl::StrCat("event[", index, "]: ", status.message()));
}

// A {data: [row...], next_cursor} page, rows read with row(parser, object, path, out).
template <typename Row, typename Fn>
class PageParser {
 public:
  PageParser(JsonContext* ctx, std::vector<Row>* data, std::string* cursor, Fn* row)
      : ctx_(ctx), parser_(ctx), data_(data), cursor_(cursor), row_(row) {}

  absl::Status Parse(od::value& root) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, root, nullptr, "", &object));
    bool has_data = false;
    ARBOR_RETURN_IF_ERROR(
        internal::ForEachField(*ctx_, object, nullptr, [&](std::string_view key, od::value& v) {
          if (key == "next_cursor") return internal::ReadString(*ctx_, v, nullptr, key, cursor_);
          if (key != "data") return absl::OkStatus();
          has_data = true;
          return Rows(v);
        }));
    if (!has_data) return internal::MissingField(nullptr, "data");
    return absl::OkStatus();
  }

 private:
  absl::Status Rows(od::value& v) {
    od::array array;
    ARBOR_RETURN_IF_ERROR(internal::GetArray(*ctx_, v, nullptr, "data", &array));
    return internal::ForEachElement(*ctx_, array, nullptr, "data",
                                    [&](int index, od::value& element) {
                                      return Row1(element, PathNode{nullptr, "data", index});
                                    });
  }

  absl::Status Row1(od::value& element, const PathNode node) {
    od::object item;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, element, &node, "", &item));
    data_->emplace_back();
    return (*row_)(parser_, item, &node, &data_->back());
  }

  JsonContext* ctx_;
  UserParser parser_;
  std::vector<Row>* data_;
  std::string* cursor_;
  Fn* row_;
};

template <typename Row, typename Fn>
absl::Status ParsePage(std::string_view json, std::vector<Row>* data, std::string* cursor, Fn row) {
  return internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    return PageParser<Row, Fn>(&ctx, data, cursor, &row).Parse(root);
  });
}

// Reads a single root object with read(parser, object).
template <typename Fn>
absl::Status ParseSingle(std::string_view json, Fn read) {
  return internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    od::object object;
    absl::Status status = internal::GetObject(ctx, root, nullptr, "", &object);
    if (!status.ok()) return status;
    UserParser parser(&ctx);
    return read(parser, object);
  });
}

}  // namespace

UserFrameDecoder::UserFrameDecoder() = default;

absl::StatusOr<UserFrame> UserFrameDecoder::Decode(std::string_view frame) {
  UserFrame out;
  const std::string_view trimmed = internal::TrimJsonSpace(frame);
  if (trimmed.empty()) return absl::InvalidArgumentError("empty frame");
  if (trimmed.front() != '{' && trimmed.front() != '[') {
    if (trimmed == "PONG") {
      out.kind = FrameKind::kPong;
      return out;
    }
    if (trimmed == "INVALID OPERATION") {
      out.kind = FrameKind::kInvalidOperation;
      return out;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unrecognised text frame \"", Abbreviate(trimmed, 32), "\""));
  }
  absl::Status status = internal::ParseDocument(
      frame, parser_, buffer_, [&](JsonContext& ctx, od::value& root) -> absl::Status {
        UserParser parser(&ctx);
        od::json_type type;
        if (auto error = root.type().get(type)) return ctx.JsonError(error, nullptr, "");
        if (type == od::json_type::object) {
          od::object object;
          ARBOR_RETURN_IF_ERROR(internal::GetObject(ctx, root, nullptr, "", &object));
          out.events.emplace_back();
          return parser.ParseEvent(object, nullptr, &out.events.back());
        }
        od::array array;
        ARBOR_RETURN_IF_ERROR(internal::GetArray(ctx, root, nullptr, "", &array));
        return internal::ForEachElement(
            ctx, array, nullptr, "", [&](int index, od::value& element) -> absl::Status {
              od::object object;
              absl::Status s = internal::GetObject(ctx, element, nullptr, "", &object);
              if (s.ok()) {
                out.events.emplace_back();
                s = parser.ParseEvent(object, nullptr, &out.events.back());
              }
              return s.ok() ? s : PrefixEvent(s, index);
            });
      });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<OrderEvent> ParseOpenOrder(std::string_view json) {
  OrderEvent order;
  ARBOR_RETURN_IF_ERROR(ParseSingle(json, [&](UserParser& parser, od::object& object) {
    return parser.ParseOrder(object, nullptr, /*ws=*/false, &order);
  }));
  return order;
}

absl::StatusOr<OpenOrdersPage> ParseOpenOrdersPage(std::string_view json) {
  OpenOrdersPage page;
  ARBOR_RETURN_IF_ERROR(
      ParsePage(json, &page.data, &page.next_cursor,
                [](UserParser& parser, od::object& item, const PathNode* node, OrderEvent* out) {
                  return parser.ParseOrder(item, node, /*ws=*/false, out);
                }));
  return page;
}

absl::StatusOr<TradeEvent> ParseTradeReport(std::string_view json) {
  TradeEvent trade;
  ARBOR_RETURN_IF_ERROR(ParseSingle(json, [&](UserParser& parser, od::object& object) {
    return parser.ParseTrade(object, nullptr, &trade);
  }));
  return trade;
}

absl::StatusOr<TradesPage> ParseTradesPage(std::string_view json) {
  TradesPage page;
  ARBOR_RETURN_IF_ERROR(
      ParsePage(json, &page.data, &page.next_cursor,
                [](UserParser& parser, od::object& item, const PathNode* node, TradeEvent* out) {
                  return parser.ParseTrade(item, node, out);
                }));
  return page;
}

}  // namespace arbor::venue::polymarket
