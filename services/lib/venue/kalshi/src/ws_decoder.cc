#include "arbor/venue/kalshi/ws_decoder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "json_util.h"
#include "simdjson.h"

namespace arbor::venue::kalshi {
namespace {

namespace od = simdjson::ondemand;
using internal::ConsumeNull;
using internal::FieldError;
using internal::FieldPath;
using internal::JsonCtx;
using internal::JsonError;
using internal::Location;

// A value that can arrive in more than one representation. The highest rank wins whatever the
// field order; a lower-ranked duplicate is skipped without being validated, which is what lets
// old recordings carry junk in fields that newer ones supersede.
template <typename T>
struct Ranked {
  T value{};
  int rank = 0;  // 0 = not present
};

constexpr int kRankLegacyCents = 1;
constexpr int kRankLegacyDollars = 2;
constexpr int kRankFixedPoint = 3;
// Legacy/deprecated seconds timestamps beyond this would overflow when converted to ms.
constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000;

template <typename T>
std::optional<T> Resolve(const Ranked<T>& slot) {
  if (slot.rank == 0) return std::nullopt;
  return slot.value;
}

template <typename T, typename ReadFn>
absl::Status ReadRanked(od::value& v, const JsonCtx& ctx, const FieldPath& path, int rank,
                        ReadFn read, Ranked<T>* slot) {
  if (rank < slot->rank) return absl::OkStatus();
  bool is_null = false;
  ARBOR_RETURN_IF_ERROR(ConsumeNull(v, ctx, path, &is_null));
  if (is_null) return absl::OkStatus();
  T value{};
  ARBOR_RETURN_IF_ERROR(read(v, ctx, path, &value));
  slot->value = value;
  slot->rank = rank;
  return absl::OkStatus();
}

template <typename T, typename ReadFn>
absl::Status ReadOpt(od::value& v, const JsonCtx& ctx, std::string_view path, ReadFn read,
                     std::optional<T>* out) {
  return internal::ReadOptional<T>(v, ctx, FieldPath{path}, read, out);
}

absl::Status ReadCount(od::value& v, const JsonCtx& ctx, const FieldPath& path, Quantity* out) {
  return internal::ReadQuantity(v, ctx, path, /*allow_negative=*/false, out);
}

absl::Status ReadSignedCount(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                             Quantity* out) {
  return internal::ReadQuantity(v, ctx, path, /*allow_negative=*/true, out);
}

absl::Status ReadTsMs(od::value& v, const JsonCtx& ctx, const FieldPath& path, int64_t* out) {
  return internal::ReadInt64(v, ctx, path, out);
}

// Deprecated `ts` in seconds (ticker, trade, fill): used as ts_ms * 1000 only when ts_ms is
// absent and `ts` is an integer; other shapes (the RFC 3339 string on orderbook_delta) are
// ignored because deprecated fields must not fail a frame.
absl::Status ReadDeprecatedSeconds(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                   Ranked<int64_t>* ts_ms) {
  if (ts_ms->rank >= kRankFixedPoint) return absl::OkStatus();
  od::json_type type;
  const simdjson::error_code error = v.type().get(type);
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  if (type != od::json_type::number) return absl::OkStatus();
  int64_t seconds = 0;
  ARBOR_RETURN_IF_ERROR(internal::ReadInt64(v, ctx, path, &seconds));
  if (seconds < 0 || seconds > kMaxSeconds) {
    return FieldError(ctx, path, Location(v), "timestamp out of range");
  }
  ts_ms->value = seconds * 1000;
  ts_ms->rank = kRankLegacyCents;
  return absl::OkStatus();
}

// Deprecated side fields (`side`, `taker_side`, `purchased_side`): used only when they hold
// "yes"/"no" and the current field is absent; anything else is ignored.
absl::Status ReadDeprecatedSide(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                Ranked<Side>* slot) {
  if (slot->rank >= kRankFixedPoint) return absl::OkStatus();
  std::string_view text;
  const simdjson::error_code error = v.get_string().get(text);
  if (error == simdjson::INCORRECT_TYPE) return absl::OkStatus();
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  if (text == "yes" || text == "no") {
    slot->value = text == "yes" ? Side::kYes : Side::kNo;
    slot->rank = kRankLegacyCents;
  }
  return absl::OkStatus();
}

absl::Status Missing(const JsonCtx& ctx, std::string_view path) {
  return FieldError(ctx, FieldPath{path}, nullptr, "missing required field");
}

// Advances an object iteration: the field and its unescaped key.
absl::Status NextField(simdjson::simdjson_result<od::field> result, const JsonCtx& ctx,
                       std::string_view where, od::field* field, std::string_view* key) {
  simdjson::error_code error = std::move(result).get(*field);
  if (error != simdjson::SUCCESS) return JsonError(ctx, FieldPath{where}, Location(ctx), error);
  error = field->unescaped_key().get(*key);
  if (error != simdjson::SUCCESS) return JsonError(ctx, FieldPath{where}, Location(ctx), error);
  return absl::OkStatus();
}

absl::Status GetObject(od::value& v, const JsonCtx& ctx, std::string_view path, od::object* out) {
  const simdjson::error_code error = v.get_object().get(*out);
  if (error == simdjson::INCORRECT_TYPE) {
    return internal::TypeError(v, ctx, FieldPath{path}, "an object");
  }
  if (error != simdjson::SUCCESS) return JsonError(ctx, FieldPath{path}, Location(v), error);
  return absl::OkStatus();
}

// Reads a snapshot side if `rank` beats what was read so far for that side.
absl::Status ReadSide(od::value& v, const JsonCtx& ctx, std::string_view path, int rank,
                      int* side_rank, std::vector<PriceLevel>* levels) {
  if (rank < *side_rank) return absl::OkStatus();
  bool is_null = false;
  ARBOR_RETURN_IF_ERROR(ConsumeNull(v, ctx, FieldPath{path}, &is_null));
  if (is_null) return absl::OkStatus();
  ARBOR_RETURN_IF_ERROR(
      internal::ReadLevels(v, ctx, path, /*cents=*/rank == kRankLegacyCents, levels));
  *side_rank = rank;
  return absl::OkStatus();
}

FieldSchema SchemaForRank(int rank) {
  switch (rank) {
    case kRankLegacyCents:
      return FieldSchema::kLegacyCents;
    case kRankLegacyDollars:
      return FieldSchema::kLegacyDollars;
    default:
      return FieldSchema::kFixedPoint;
  }
}

absl::Status DecodeSnapshot(od::object& obj, const JsonCtx& ctx, OrderbookSnapshot* out) {
  out->market_ticker = {};
  out->market_id = {};
  out->yes.clear();
  out->no.clear();
  bool have_ticker = false;
  int yes_rank = 0;
  int no_rank = 0;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "market_ticker") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadString(v, ctx, {"msg.market_ticker"}, &out->market_ticker));
      have_ticker = true;
    } else if (key == "market_id") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadOptionalString(v, ctx, {"msg.market_id"}, &out->market_id));
    } else if (key == "yes_dollars_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadSide(v, ctx, "msg.yes_dollars_fp", kRankFixedPoint, &yes_rank, &out->yes));
    } else if (key == "yes_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadSide(v, ctx, "msg.yes_dollars", kRankLegacyDollars, &yes_rank, &out->yes));
    } else if (key == "yes") {
      ARBOR_RETURN_IF_ERROR(ReadSide(v, ctx, "msg.yes", kRankLegacyCents, &yes_rank, &out->yes));
    } else if (key == "no_dollars_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadSide(v, ctx, "msg.no_dollars_fp", kRankFixedPoint, &no_rank, &out->no));
    } else if (key == "no_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadSide(v, ctx, "msg.no_dollars", kRankLegacyDollars, &no_rank, &out->no));
    } else if (key == "no") {
      ARBOR_RETURN_IF_ERROR(ReadSide(v, ctx, "msg.no", kRankLegacyCents, &no_rank, &out->no));
    }
  }
  if (!have_ticker) return Missing(ctx, "msg.market_ticker");
  // An absent side is empty (Kalshi omits the key), so it does not lower the schema.
  int lowest = kRankFixedPoint;
  if (yes_rank != 0) lowest = std::min(lowest, yes_rank);
  if (no_rank != 0) lowest = std::min(lowest, no_rank);
  out->schema = SchemaForRank(lowest);
  return absl::OkStatus();
}

absl::Status DecodeDelta(od::object& obj, const JsonCtx& ctx, OrderbookDelta* out) {
  *out = OrderbookDelta{};
  bool have_ticker = false;
  bool have_side = false;
  Ranked<Price> price;
  Ranked<Quantity> delta;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "market_ticker") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadString(v, ctx, {"msg.market_ticker"}, &out->market_ticker));
      have_ticker = true;
    } else if (key == "price_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.price_dollars"}, kRankFixedPoint, internal::ReadPrice, &price));
    } else if (key == "delta_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.delta_fp"}, kRankFixedPoint, ReadSignedCount, &delta));
    } else if (key == "side") {
      ARBOR_RETURN_IF_ERROR(internal::ReadSide(v, ctx, {"msg.side"}, &out->side));
      have_side = true;
    } else if (key == "market_id") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadOptionalString(v, ctx, {"msg.market_id"}, &out->market_id));
    } else if (key == "ts_ms") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.ts_ms", ReadTsMs, &out->ts_ms));
    } else if (key == "client_order_id") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadOptionalString(v, ctx, {"msg.client_order_id"}, &out->client_order_id));
    } else if (key == "subaccount") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.subaccount", internal::ReadInt64, &out->subaccount));
    } else if (key == "price") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.price"}, kRankLegacyCents, internal::ReadCentsPrice, &price));
    } else if (key == "delta") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.delta"}, kRankLegacyCents, ReadSignedCount, &delta));
    }
  }
  if (!have_ticker) return Missing(ctx, "msg.market_ticker");
  if (price.rank == 0) return Missing(ctx, "msg.price_dollars");
  if (delta.rank == 0) return Missing(ctx, "msg.delta_fp");
  if (!have_side) return Missing(ctx, "msg.side");
  out->price = price.value;
  out->delta = delta.value;
  out->schema = SchemaForRank(std::min(price.rank, delta.rank));
  return absl::OkStatus();
}

absl::Status DecodeTicker(od::object& obj, const JsonCtx& ctx, Ticker* out) {
  *out = Ticker{};
  bool have_ticker = false;
  Ranked<Price> price, yes_bid, yes_ask;
  Ranked<Quantity> volume, open_interest;
  Ranked<int64_t> ts_ms;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "market_ticker") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadString(v, ctx, {"msg.market_ticker"}, &out->market_ticker));
      have_ticker = true;
    } else if (key == "market_id") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadOptionalString(v, ctx, {"msg.market_id"}, &out->market_id));
    } else if (key == "price_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.price_dollars"}, kRankFixedPoint, internal::ReadPrice, &price));
    } else if (key == "price") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.price"}, kRankLegacyCents, internal::ReadCentsPrice, &price));
    } else if (key == "yes_bid_dollars") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.yes_bid_dollars"}, kRankFixedPoint,
                                       internal::ReadPrice, &yes_bid));
    } else if (key == "yes_bid") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.yes_bid"}, kRankLegacyCents,
                                       internal::ReadCentsPrice, &yes_bid));
    } else if (key == "yes_ask_dollars") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.yes_ask_dollars"}, kRankFixedPoint,
                                       internal::ReadPrice, &yes_ask));
    } else if (key == "yes_ask") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.yes_ask"}, kRankLegacyCents,
                                       internal::ReadCentsPrice, &yes_ask));
    } else if (key == "volume_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.volume_fp"}, kRankFixedPoint, ReadCount, &volume));
    } else if (key == "volume") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.volume"}, kRankLegacyCents, ReadCount, &volume));
    } else if (key == "open_interest_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.open_interest_fp"}, kRankFixedPoint, ReadCount, &open_interest));
    } else if (key == "open_interest") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.open_interest"}, kRankLegacyCents, ReadCount, &open_interest));
    } else if (key == "yes_bid_size_fp") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.yes_bid_size_fp", ReadCount, &out->yes_bid_size));
    } else if (key == "yes_ask_size_fp") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.yes_ask_size_fp", ReadCount, &out->yes_ask_size));
    } else if (key == "last_trade_size_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.last_trade_size_fp", ReadCount, &out->last_trade_size));
    } else if (key == "dollar_volume") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.dollar_volume", internal::ReadInt64, &out->dollar_volume));
    } else if (key == "dollar_open_interest") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.dollar_open_interest", internal::ReadInt64,
                                    &out->dollar_open_interest));
    } else if (key == "ts_ms") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.ts_ms"}, kRankFixedPoint, ReadTsMs, &ts_ms));
    } else if (key == "ts") {
      ARBOR_RETURN_IF_ERROR(ReadDeprecatedSeconds(v, ctx, {"msg.ts"}, &ts_ms));
    }
  }
  if (!have_ticker) return Missing(ctx, "msg.market_ticker");
  out->price = Resolve(price);
  out->yes_bid = Resolve(yes_bid);
  out->yes_ask = Resolve(yes_ask);
  out->volume = Resolve(volume);
  out->open_interest = Resolve(open_interest);
  out->ts_ms = Resolve(ts_ms);
  return absl::OkStatus();
}

absl::Status DecodeTrade(od::object& obj, const JsonCtx& ctx, Trade* out) {
  *out = Trade{};
  bool have_ticker = false;
  bool have_trade_id = false;
  Ranked<Price> yes_price, no_price;
  Ranked<Quantity> count;
  Ranked<Side> taker_side;
  Ranked<int64_t> ts_ms;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "trade_id") {
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"msg.trade_id"}, &out->trade_id));
      have_trade_id = true;
    } else if (key == "market_ticker") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadString(v, ctx, {"msg.market_ticker"}, &out->market_ticker));
      have_ticker = true;
    } else if (key == "yes_price_dollars") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.yes_price_dollars"}, kRankFixedPoint,
                                       internal::ReadPrice, &yes_price));
    } else if (key == "yes_price") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.yes_price"}, kRankLegacyCents,
                                       internal::ReadCentsPrice, &yes_price));
    } else if (key == "no_price_dollars") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.no_price_dollars"}, kRankFixedPoint,
                                       internal::ReadPrice, &no_price));
    } else if (key == "no_price") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.no_price"}, kRankLegacyCents,
                                       internal::ReadCentsPrice, &no_price));
    } else if (key == "count_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.count_fp"}, kRankFixedPoint, ReadCount, &count));
    } else if (key == "count") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.count"}, kRankLegacyCents, ReadCount, &count));
    } else if (key == "taker_outcome_side") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.taker_outcome_side"}, kRankFixedPoint,
                                       internal::ReadSide, &taker_side));
    } else if (key == "taker_side") {
      ARBOR_RETURN_IF_ERROR(ReadDeprecatedSide(v, ctx, {"msg.taker_side"}, &taker_side));
    } else if (key == "taker_book_side") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.taker_book_side", internal::ReadBookSide, &out->taker_book_side));
    } else if (key == "is_block_trade") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.is_block_trade", internal::ReadBool, &out->is_block_trade));
    } else if (key == "ts_ms") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.ts_ms"}, kRankFixedPoint, ReadTsMs, &ts_ms));
    } else if (key == "ts") {
      ARBOR_RETURN_IF_ERROR(ReadDeprecatedSeconds(v, ctx, {"msg.ts"}, &ts_ms));
    }
  }
  if (!have_trade_id) return Missing(ctx, "msg.trade_id");
  if (!have_ticker) return Missing(ctx, "msg.market_ticker");
  if (yes_price.rank == 0) return Missing(ctx, "msg.yes_price_dollars");
  if (count.rank == 0) return Missing(ctx, "msg.count_fp");
  out->yes_price = yes_price.value;
  out->no_price = Resolve(no_price);
  out->count = count.value;
  out->taker_outcome_side = Resolve(taker_side);
  out->ts_ms = Resolve(ts_ms);
  return absl::OkStatus();
}

absl::Status DecodeFill(od::object& obj, const JsonCtx& ctx, Fill* out) {
  *out = Fill{};
  bool have_ticker = false;
  bool have_trade_id = false;
  bool have_order_id = false;
  Ranked<Price> yes_price;
  Ranked<Quantity> count, post_position;
  Ranked<Side> outcome_side;
  Ranked<int64_t> ts_ms;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "trade_id") {
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"msg.trade_id"}, &out->trade_id));
      have_trade_id = true;
    } else if (key == "order_id") {
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"msg.order_id"}, &out->order_id));
      have_order_id = true;
    } else if (key == "client_order_id") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadOptionalString(v, ctx, {"msg.client_order_id"}, &out->client_order_id));
    } else if (key == "market_ticker") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadString(v, ctx, {"msg.market_ticker"}, &out->market_ticker));
      have_ticker = true;
    } else if (key == "exchange_index") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.exchange_index", internal::ReadInt64, &out->exchange_index));
    } else if (key == "is_taker") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.is_taker", internal::ReadBool, &out->is_taker));
    } else if (key == "yes_price_dollars") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.yes_price_dollars"}, kRankFixedPoint,
                                       internal::ReadPrice, &yes_price));
    } else if (key == "yes_price") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.yes_price"}, kRankLegacyCents,
                                       internal::ReadCentsPrice, &yes_price));
    } else if (key == "count_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadRanked(v, ctx, {"msg.count_fp"}, kRankFixedPoint, ReadCount, &count));
    } else if (key == "count") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.count"}, kRankLegacyCents, ReadCount, &count));
    } else if (key == "fee_cost") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.fee_cost", internal::ReadMoney, &out->fee_cost));
    } else if (key == "post_position_fp") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.post_position_fp"}, kRankFixedPoint,
                                       ReadSignedCount, &post_position));
    } else if (key == "post_position") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.post_position"}, kRankLegacyCents,
                                       ReadSignedCount, &post_position));
    } else if (key == "outcome_side") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.outcome_side"}, kRankFixedPoint,
                                       internal::ReadSide, &outcome_side));
    } else if (key == "side") {
      ARBOR_RETURN_IF_ERROR(ReadDeprecatedSide(v, ctx, {"msg.side"}, &outcome_side));
    } else if (key == "book_side") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.book_side", internal::ReadBookSide, &out->book_side));
    } else if (key == "action") {
      // Deprecated; kept as text only when it is a string.
      std::string_view action;
      if (v.get_string().get(action) == simdjson::SUCCESS) out->action = action;
    } else if (key == "subaccount") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.subaccount", internal::ReadInt64, &out->subaccount));
    } else if (key == "ts_ms") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.ts_ms"}, kRankFixedPoint, ReadTsMs, &ts_ms));
    } else if (key == "ts") {
      ARBOR_RETURN_IF_ERROR(ReadDeprecatedSeconds(v, ctx, {"msg.ts"}, &ts_ms));
    }
  }
  if (!have_trade_id) return Missing(ctx, "msg.trade_id");
  if (!have_order_id) return Missing(ctx, "msg.order_id");
  if (!have_ticker) return Missing(ctx, "msg.market_ticker");
  if (yes_price.rank == 0) return Missing(ctx, "msg.yes_price_dollars");
  if (count.rank == 0) return Missing(ctx, "msg.count_fp");
  out->yes_price = yes_price.value;
  out->count = count.value;
  out->post_position = Resolve(post_position);
  out->outcome_side = Resolve(outcome_side);
  out->ts_ms = Resolve(ts_ms);
  return absl::OkStatus();
}

absl::Status DecodeUserOrder(od::object& obj, const JsonCtx& ctx, UserOrder* out) {
  *out = UserOrder{};
  bool have_order_id = false;
  bool have_ticker = false;
  bool have_status = false;
  Ranked<Side> outcome_side;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "order_id") {
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"msg.order_id"}, &out->order_id));
      have_order_id = true;
    } else if (key == "ticker") {
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"msg.ticker"}, &out->ticker));
      have_ticker = true;
    } else if (key == "status") {
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"msg.status"}, &out->status));
      have_status = true;
    } else if (key == "client_order_id") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadOptionalString(v, ctx, {"msg.client_order_id"}, &out->client_order_id));
    } else if (key == "outcome_side") {
      ARBOR_RETURN_IF_ERROR(ReadRanked(v, ctx, {"msg.outcome_side"}, kRankFixedPoint,
                                       internal::ReadSide, &outcome_side));
    } else if (key == "side") {
      ARBOR_RETURN_IF_ERROR(ReadDeprecatedSide(v, ctx, {"msg.side"}, &outcome_side));
    } else if (key == "book_side") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.book_side", internal::ReadBookSide, &out->book_side));
    } else if (key == "yes_price_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.yes_price_dollars", internal::ReadPrice, &out->yes_price));
    } else if (key == "fill_count_fp") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.fill_count_fp", ReadCount, &out->fill_count));
    } else if (key == "remaining_count_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.remaining_count_fp", ReadCount, &out->remaining_count));
    } else if (key == "initial_count_fp") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.initial_count_fp", ReadCount, &out->initial_count));
    } else if (key == "taker_fill_cost_dollars") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.taker_fill_cost_dollars", internal::ReadMoney,
                                    &out->taker_fill_cost));
    } else if (key == "maker_fill_cost_dollars") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.maker_fill_cost_dollars", internal::ReadMoney,
                                    &out->maker_fill_cost));
    } else if (key == "taker_fees_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.taker_fees_dollars", internal::ReadMoney, &out->taker_fees));
    } else if (key == "maker_fees_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.maker_fees_dollars", internal::ReadMoney, &out->maker_fees));
    } else if (key == "created_ts_ms") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.created_ts_ms", ReadTsMs, &out->created_ts_ms));
    } else if (key == "expiration_ts_ms") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.expiration_ts_ms", ReadTsMs, &out->expiration_ts_ms));
    }
  }
  if (!have_order_id) return Missing(ctx, "msg.order_id");
  if (!have_ticker) return Missing(ctx, "msg.ticker");
  if (!have_status) return Missing(ctx, "msg.status");
  out->outcome_side = Resolve(outcome_side);
  return absl::OkStatus();
}

LifecycleEvent ParseLifecycleEvent(std::string_view text) {
  static constexpr std::pair<std::string_view, LifecycleEvent> kEvents[] = {
      {"created", LifecycleEvent::kCreated},
      {"activated", LifecycleEvent::kActivated},
      {"deactivated", LifecycleEvent::kDeactivated},
      {"close_date_updated", LifecycleEvent::kCloseDateUpdated},
      {"determined", LifecycleEvent::kDetermined},
      {"settled", LifecycleEvent::kSettled},
      {"price_level_structure_updated", LifecycleEvent::kPriceLevelStructureUpdated},
      {"metadata_updated", LifecycleEvent::kMetadataUpdated},
  };
  for (const auto& [name, event] : kEvents) {
    if (name == text) return event;
  }
  return LifecycleEvent::kUnknown;
}

absl::Status ReadPriceRanges(od::value& v, const JsonCtx& ctx, std::vector<PriceRange>* out) {
  constexpr std::string_view kPath = "msg.price_ranges";
  out->clear();
  od::array ranges;
  simdjson::error_code error = v.get_array().get(ranges);
  if (error == simdjson::INCORRECT_TYPE) {
    return internal::TypeError(v, ctx, FieldPath{kPath}, "an array of {start, end, step}");
  }
  if (error != simdjson::SUCCESS) return JsonError(ctx, FieldPath{kPath}, Location(v), error);
  int i = 0;
  for (auto element : ranges) {
    od::value range_value;
    error = std::move(element).get(range_value);
    if (error != simdjson::SUCCESS) return JsonError(ctx, {kPath, i}, Location(ctx), error);
    od::object range_object;
    error = range_value.get_object().get(range_object);
    if (error == simdjson::INCORRECT_TYPE) {
      return internal::TypeError(range_value, ctx, {kPath, i}, "an object");
    }
    if (error != simdjson::SUCCESS) return JsonError(ctx, {kPath, i}, Location(range_value), error);
    PriceRange range;
    bool have_start = false, have_end = false, have_step = false;
    for (auto result : range_object) {
      od::field field;
      std::string_view key;
      ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, kPath, &field, &key));
      od::value& item = field.value();
      if (key == "start") {
        ARBOR_RETURN_IF_ERROR(
            internal::ReadPrice(item, ctx, {kPath, i, -1, "start"}, &range.start));
        have_start = true;
      } else if (key == "end") {
        ARBOR_RETURN_IF_ERROR(internal::ReadPrice(item, ctx, {kPath, i, -1, "end"}, &range.end));
        have_end = true;
      } else if (key == "step") {
        ARBOR_RETURN_IF_ERROR(internal::ReadPrice(item, ctx, {kPath, i, -1, "step"}, &range.step));
        have_step = true;
      }
    }
    if (!have_start || !have_end || !have_step) {
      return FieldError(ctx, {kPath, i}, Location(range_value),
                        "a range needs start, end and step");
    }
    if (range.step.micros() <= 0) {
      return FieldError(ctx, {kPath, i, -1, "step"}, Location(range_value), "step must be > 0");
    }
    if (range.end < range.start) {
      return FieldError(ctx, {kPath, i}, Location(range_value), "end is below start");
    }
    out->push_back(range);
    ++i;
  }
  return absl::OkStatus();
}

absl::Status DecodeLifecycle(od::object& obj, const JsonCtx& ctx, MarketLifecycle* out) {
  out->market_ticker = {};
  out->event_type = LifecycleEvent::kUnknown;
  out->event_type_text = {};
  out->open_ts.reset();
  out->close_ts.reset();
  out->determination_ts.reset();
  out->settled_ts.reset();
  out->result = {};
  out->is_deactivated.reset();
  out->price_level_structure = {};
  out->has_price_ranges = false;
  out->price_ranges.clear();
  bool have_ticker = false;
  bool have_event_type = false;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "market_ticker") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadString(v, ctx, {"msg.market_ticker"}, &out->market_ticker));
      have_ticker = true;
    } else if (key == "event_type") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadString(v, ctx, {"msg.event_type"}, &out->event_type_text));
      // Unknown event types are kept as text: new lifecycle events must not fail the feed.
      out->event_type = ParseLifecycleEvent(out->event_type_text);
      have_event_type = true;
    } else if (key == "open_ts") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.open_ts", internal::ReadInt64, &out->open_ts));
    } else if (key == "close_ts") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.close_ts", internal::ReadInt64, &out->close_ts));
    } else if (key == "determination_ts") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.determination_ts", internal::ReadInt64, &out->determination_ts));
    } else if (key == "settled_ts") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.settled_ts", internal::ReadInt64, &out->settled_ts));
    } else if (key == "result") {
      ARBOR_RETURN_IF_ERROR(internal::ReadOptionalString(v, ctx, {"msg.result"}, &out->result));
    } else if (key == "is_deactivated") {
      ARBOR_RETURN_IF_ERROR(
          ReadOpt(v, ctx, "msg.is_deactivated", internal::ReadBool, &out->is_deactivated));
    } else if (key == "price_level_structure") {
      ARBOR_RETURN_IF_ERROR(internal::ReadOptionalString(v, ctx, {"msg.price_level_structure"},
                                                         &out->price_level_structure));
    } else if (key == "price_ranges") {
      bool is_null = false;
      ARBOR_RETURN_IF_ERROR(ConsumeNull(v, ctx, {"msg.price_ranges"}, &is_null));
      if (!is_null) {
        ARBOR_RETURN_IF_ERROR(ReadPriceRanges(v, ctx, &out->price_ranges));
        out->has_price_ranges = true;
      }
    }
  }
  if (!have_ticker) return Missing(ctx, "msg.market_ticker");
  if (!have_event_type) return Missing(ctx, "msg.event_type");
  return absl::OkStatus();
}

absl::Status DecodeFeeUpdate(od::object& obj, const JsonCtx& ctx, EventFeeUpdate* out) {
  *out = EventFeeUpdate{};
  bool have_event = false;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "event_ticker") {
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"msg.event_ticker"}, &out->event_ticker));
      have_event = true;
    } else if (key == "fee_type_override") {
      ARBOR_RETURN_IF_ERROR(
          internal::ReadOptionalString(v, ctx, {"msg.fee_type_override"}, &out->fee_type_override));
    } else if (key == "fee_multiplier_override") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "msg.fee_multiplier_override", internal::ReadMultiplier,
                                    &out->fee_multiplier_override));
    }
  }
  if (!have_event) return Missing(ctx, "msg.event_ticker");
  return absl::OkStatus();
}

absl::Status DecodeSubscribed(od::object& obj, const JsonCtx& ctx, Subscribed* out) {
  *out = Subscribed{};
  bool have_channel = false;
  bool have_sid = false;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "channel") {
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"msg.channel"}, &out->channel));
      have_channel = true;
    } else if (key == "sid") {
      ARBOR_RETURN_IF_ERROR(internal::ReadUint64(v, ctx, {"msg.sid"}, &out->sid));
      have_sid = true;
    }
  }
  if (!have_channel) return Missing(ctx, "msg.channel");
  if (!have_sid) return Missing(ctx, "msg.sid");
  return absl::OkStatus();
}

absl::Status DecodeOk(od::object& obj, const JsonCtx& ctx, OkResponse* out) {
  out->market_tickers.clear();
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key != "market_tickers") continue;
    constexpr std::string_view kPath = "msg.market_tickers";
    out->market_tickers.clear();
    od::array tickers;
    simdjson::error_code error = v.get_array().get(tickers);
    if (error == simdjson::INCORRECT_TYPE) {
      return internal::TypeError(v, ctx, FieldPath{kPath}, "an array of strings");
    }
    if (error != simdjson::SUCCESS) return JsonError(ctx, FieldPath{kPath}, Location(v), error);
    int i = 0;
    for (auto element : tickers) {
      od::value item;
      error = std::move(element).get(item);
      if (error != simdjson::SUCCESS) return JsonError(ctx, {kPath, i}, Location(ctx), error);
      std::string_view ticker;
      ARBOR_RETURN_IF_ERROR(internal::ReadString(item, ctx, {kPath, i}, &ticker));
      out->market_tickers.push_back(ticker);
      ++i;
    }
  }
  return absl::OkStatus();
}

absl::Status DecodeError(od::object& obj, const JsonCtx& ctx, ErrorResponse* out) {
  *out = ErrorResponse{};
  bool have_code = false;
  for (auto result : obj) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "msg", &field, &key));
    od::value& v = field.value();
    if (key == "code") {
      ARBOR_RETURN_IF_ERROR(internal::ReadInt64(v, ctx, {"msg.code"}, &out->code));
      have_code = true;
    } else if (key == "msg") {
      ARBOR_RETURN_IF_ERROR(internal::ReadOptionalString(v, ctx, {"msg.msg"}, &out->msg));
    }
  }
  if (!have_code) return Missing(ctx, "msg.code");
  out->kind = ErrorCodeFromWire(out->code);
  return absl::OkStatus();
}

absl::Status DecodeBody(MessageType type, od::value& body, const JsonCtx& ctx, WsMessage* out) {
  if (type == MessageType::kUnsubscribed) return absl::OkStatus();  // no body is defined
  od::object obj;
  ARBOR_RETURN_IF_ERROR(GetObject(body, ctx, "msg", &obj));
  switch (type) {
    case MessageType::kOrderbookSnapshot:
      return DecodeSnapshot(obj, ctx, &out->snapshot);
    case MessageType::kOrderbookDelta:
      return DecodeDelta(obj, ctx, &out->delta);
    case MessageType::kTicker:
      return DecodeTicker(obj, ctx, &out->ticker);
    case MessageType::kTrade:
      return DecodeTrade(obj, ctx, &out->trade);
    case MessageType::kFill:
      return DecodeFill(obj, ctx, &out->fill);
    case MessageType::kUserOrder:
      return DecodeUserOrder(obj, ctx, &out->user_order);
    case MessageType::kMarketLifecycleV2:
      return DecodeLifecycle(obj, ctx, &out->lifecycle);
    case MessageType::kEventFeeUpdate:
      return DecodeFeeUpdate(obj, ctx, &out->fee_update);
    case MessageType::kSubscribed:
      return DecodeSubscribed(obj, ctx, &out->subscribed);
    case MessageType::kOk:
      return DecodeOk(obj, ctx, &out->ok);
    case MessageType::kError:
      return DecodeError(obj, ctx, &out->error);
    case MessageType::kUnsubscribed:
      break;
  }
  return absl::OkStatus();
}

// Whether a frame of this type is malformed without a `msg` object.
bool RequiresBody(MessageType type) {
  return type != MessageType::kUnsubscribed && type != MessageType::kOk;
}

}  // namespace

struct WsFrameDecoder::Impl {
  simdjson::ondemand::parser parser;
  // Frame copy with simdjson's required zeroed tail padding; grows, never shrinks.
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;
  // Text of an unrecognised `type`, copied before the parser's string buffer is reused.
  std::string unknown_type;

  // Grows the frame buffer and the parser to hold `size` bytes (geometrically, so a slowly
  // growing frame size does not reallocate every time).
  absl::Status Reserve(size_t size);
  absl::Status Decode(std::string_view frame, WsMessage* out);
};

absl::Status WsFrameDecoder::Impl::Reserve(size_t size) {
  if (capacity < size + simdjson::SIMDJSON_PADDING) {
    const size_t wanted = std::max(size + simdjson::SIMDJSON_PADDING, 2 * capacity);
    buffer = std::make_unique<char[]>(wanted);  // value-initialised: the padding is zero
    capacity = wanted;
  }
  if (parser.capacity() < size) {
    const simdjson::error_code error = parser.allocate(std::max(size, 2 * parser.capacity()));
    if (error != simdjson::SUCCESS) {
      return absl::ResourceExhaustedError(absl::StrCat("kalshi ws: cannot size the parser for ",
                                                       size,
                                                       " bytes: ", simdjson::error_message(error)));
    }
  }
  return absl::OkStatus();
}

absl::Status WsFrameDecoder::Impl::Decode(std::string_view frame, WsMessage* out) {
  ARBOR_RETURN_IF_ERROR(Reserve(frame.size()));
  if (!frame.empty()) std::memcpy(buffer.get(), frame.data(), frame.size());
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; keep them deterministic.
  std::memset(buffer.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);

  JsonCtx ctx{"ws frame", buffer.get(), frame.size(), nullptr};
  od::document doc;
  simdjson::error_code error = parser.iterate(buffer.get(), frame.size(), capacity).get(doc);
  if (error != simdjson::SUCCESS) {
    return internal::FrameError(ctx, nullptr,
                                absl::StrCat("malformed JSON: ", simdjson::error_message(error)));
  }
  ctx.doc = &doc;
  od::object root;
  error = doc.get_object().get(root);
  if (error == simdjson::INCORRECT_TYPE) {
    return internal::FrameError(ctx, buffer.get(), "frame is not a JSON object");
  }
  if (error != simdjson::SUCCESS) {
    return internal::FrameError(ctx, Location(ctx),
                                absl::StrCat("malformed JSON: ", simdjson::error_message(error)));
  }

  out->id.reset();
  out->sid.reset();
  out->seq.reset();
  std::optional<MessageType> type;
  bool have_type = false;
  bool body_seen = false;
  bool body_decoded = false;
  for (auto result : root) {
    od::field field;
    std::string_view key;
    ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "frame", &field, &key));
    od::value& v = field.value();
    if (key == "type") {
      // A second `type` could contradict the one `msg` was already decoded as.
      if (have_type) return FieldError(ctx, {"type"}, Location(v), "duplicate field");
      std::string_view text;
      ARBOR_RETURN_IF_ERROR(internal::ReadString(v, ctx, {"type"}, &text));
      have_type = true;
      type = ParseMessageType(text);
      if (type.has_value()) {
        ctx.what = MessageTypeName(*type);  // static storage: survives a rewind
      } else {
        unknown_type.assign(text);
      }
    } else if (key == "id") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "id", internal::ReadUint64, &out->id));
    } else if (key == "sid") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "sid", internal::ReadUint64, &out->sid));
    } else if (key == "seq") {
      ARBOR_RETURN_IF_ERROR(ReadOpt(v, ctx, "seq", internal::ReadUint64, &out->seq));
    } else if (key == "msg") {
      body_seen = true;
      body_decoded = false;
      if (type.has_value()) {
        ARBOR_RETURN_IF_ERROR(DecodeBody(*type, v, ctx, out));
        body_decoded = true;
      }
    }
  }
  if (!internal::AtDocumentEnd(doc)) {
    return internal::FrameError(ctx, Location(ctx), "trailing content after the JSON object");
  }
  if (!have_type) return Missing(ctx, "type");
  if (!type.has_value()) {
    return absl::UnimplementedError(
        absl::StrCat("kalshi ws: unknown message type \"", Abbreviate(unknown_type), "\""));
  }
  if (body_seen && !body_decoded) {
    // `msg` came before `type`: decode it in a second pass. Rewinding invalidates strings read
    // so far, which is why only enums and integers are kept from the first pass.
    doc.rewind();
    error = doc.get_object().get(root);
    if (error != simdjson::SUCCESS) return JsonError(ctx, FieldPath{"frame"}, Location(ctx), error);
    for (auto result : root) {
      od::field field;
      std::string_view key;
      ARBOR_RETURN_IF_ERROR(NextField(std::move(result), ctx, "frame", &field, &key));
      if (key == "msg") {
        ARBOR_RETURN_IF_ERROR(DecodeBody(*type, field.value(), ctx, out));
        body_decoded = true;
      }
    }
  }
  if (!body_decoded) {
    if (RequiresBody(*type)) return Missing(ctx, "msg");
    if (*type == MessageType::kOk) out->ok.market_tickers.clear();
  }
  if (*type == MessageType::kOrderbookSnapshot || *type == MessageType::kOrderbookDelta) {
    // Book messages are sequenced per sid; without both they cannot be applied safely.
    if (!out->sid.has_value()) return Missing(ctx, "sid");
    if (!out->seq.has_value()) return Missing(ctx, "seq");
  }
  out->type = *type;
  return absl::OkStatus();
}

WsFrameDecoder::WsFrameDecoder(size_t initial_capacity) : impl_(std::make_unique<Impl>()) {
  // Only out-of-memory or a capacity beyond simdjson's 4 GiB limit can fail here.
  const absl::Status reserved = impl_->Reserve(initial_capacity);
  ARBOR_CHECK(reserved.ok(), FromAbsl(reserved.message()));
}

WsFrameDecoder::~WsFrameDecoder() = default;

absl::Status WsFrameDecoder::Decode(std::string_view frame) {
  return impl_->Decode(frame, &message_);
}

}  // namespace arbor::venue::kalshi
