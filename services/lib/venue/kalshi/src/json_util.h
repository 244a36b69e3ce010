// File: services/lib/venue/kalshi/src/json_util.h
//
// Private helpers shared by the Kalshi WebSocket and REST decoders: typed reads of simdjson
// on-demand values (error-code API only) into exact fixed-point values, with error messages that
// name the field and the byte offset. Error strings are built only on failure; the success paths
// do not allocate.
//
// Thread-compatible (stateless functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/kalshi/messages.h"
#include "simdjson.h"

namespace arbor::venue::kalshi::internal {

namespace od = simdjson::ondemand;

// Where a value sits, for error messages: `what` names the message (e.g. "orderbook_delta"),
// `base` is the start of the input buffer (byte offsets are relative to it) and `doc` locates
// errors that have no value to point at (iteration errors).
struct JsonCtx {
  std::string_view what;
  const char* base = nullptr;
  size_t size = 0;
  od::document* doc = nullptr;
};

// A field path such as msg.yes_dollars_fp[3][0] or msg.price_ranges[1].step; indices < 0 and an
// empty member are omitted.
struct FieldPath {
  std::string_view name;
  int index1 = -1;
  int index2 = -1;
  std::string_view member;
};

// InvalidArgument "kalshi <what>: field '<path>': <why> (byte N)"; the offset is omitted when
// `at` is null.
absl::Status FieldError(const JsonCtx& ctx, const FieldPath& path, const char* at,
                        std::string_view why);
// Wraps a simdjson error code for `path`.
absl::Status JsonError(const JsonCtx& ctx, const FieldPath& path, const char* at,
                       simdjson::error_code error);
// "expected <expected>, got <JSON type of v>" for `path`.
absl::Status TypeError(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                       std::string_view expected);
// A frame-level error (not tied to a field): "kalshi <what>: <why> (byte N)".
absl::Status FrameError(const JsonCtx& ctx, const char* at, std::string_view why);

// Start of the value's token in the input buffer, or null if it cannot be located.
const char* Location(od::value& v);
// The document's current position, or null (used for iteration errors).
const char* Location(const JsonCtx& ctx);

// Whether every token of `doc` has been consumed (no trailing content after the root value).
bool AtDocumentEnd(od::document& doc);

// If `v` is JSON null, consumes it and returns true. Errors on a malformed literal ("nul").
[[nodiscard]] absl::Status ConsumeNull(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                       bool* is_null);

// A decimal given as a JSON string ("0.5600") or a JSON number (taken from its raw text, never
// through double), scaled to micro-units. Errors: wrong JSON type, NaN/junk, > 6 decimals, out of
// int64 range.
[[nodiscard]] absl::Status ReadDecimalMicros(od::value& v, const JsonCtx& ctx,
                                             const FieldPath& path, int64_t* micros);
// A price in dollars within [0, 1].
[[nodiscard]] absl::Status ReadPrice(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                     Price* out);
// A legacy integer-cent price within [0, 100] -> dollars (cents / 100, exact).
[[nodiscard]] absl::Status ReadCentsPrice(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                          Price* out);
// A contract count; negative values are an error unless `allow_negative`.
[[nodiscard]] absl::Status ReadQuantity(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                        bool allow_negative, Quantity* out);
// A dollar amount (may be negative).
[[nodiscard]] absl::Status ReadMoney(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                     Money* out);
// A dimensionless decimal factor (must be >= 0).
[[nodiscard]] absl::Status ReadMultiplier(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                          Multiplier* out);
[[nodiscard]] absl::Status ReadInt64(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                     int64_t* out);
[[nodiscard]] absl::Status ReadUint64(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                      uint64_t* out);
[[nodiscard]] absl::Status ReadBool(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                    bool* out);
// An unescaped string; the view lives in the parser's string buffer until the next parse.
[[nodiscard]] absl::Status ReadString(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                      std::string_view* out);
// "yes" | "no".
[[nodiscard]] absl::Status ReadSide(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                    Side* out);
// "bid" | "ask".
[[nodiscard]] absl::Status ReadBookSide(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                        BookSide* out);

// Reads an optional field: JSON null leaves `out` empty; otherwise `read(v, ctx, path, &value)`.
template <typename T, typename ReadFn>
[[nodiscard]] absl::Status ReadOptional(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                        ReadFn read, std::optional<T>* out) {
  bool is_null = false;
  absl::Status s = ConsumeNull(v, ctx, path, &is_null);
  if (!s.ok()) return s;
  if (is_null) {
    out->reset();
    return absl::OkStatus();
  }
  T value{};
  s = read(v, ctx, path, &value);
  if (!s.ok()) return s;
  *out = value;
  return absl::OkStatus();
}

// An optional string: JSON null leaves `out` empty (string fields use "empty = absent").
[[nodiscard]] absl::Status ReadOptionalString(od::value& v, const JsonCtx& ctx,
                                              const FieldPath& path, std::string_view* out);

// Reads `[[price, count], ...]` bid levels into `out` (cleared first). Prices are dollar decimals
// (string or number) unless `cents`, then integers in [0,100]. Counts must be >= 0.
[[nodiscard]] absl::Status ReadLevels(od::value& v, const JsonCtx& ctx, std::string_view field,
                                      bool cents, std::vector<PriceLevel>* out);

}  // namespace arbor::venue::kalshi::internal
