// File: src/json_util.h (private to arbor::venue_polymarket)
//
// Thin helpers over simdjson's On-Demand API (error codes only, never exceptions) shared by the
// market, user, REST and Gamma parsers: reading one scalar token without copying, strict
// literal/number checks that On-Demand leaves to the caller, exact decimal conversion, and
// error messages that name the field path and the byte offset.
//
// Field paths are built lazily from a chain of PathNode on the stack, so the success path never
// allocates. Not thread-safe per document (neither is simdjson).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/decimal.h"
#include "arbor/venue/polymarket/market_events.h"
#include "simdjson.h"

namespace arbor::venue::polymarket::internal {

namespace od = simdjson::ondemand;

// The JSON type of a token, decided from its first byte (and validated for literals/numbers).
enum class JsonKind : uint8_t { kString, kNumber, kTrue, kFalse, kNull, kObject, kArray };

const char* JsonKindName(JsonKind kind);

// One scalar token. For strings `text` is the unescaped content (a view into the input buffer
// when it has no escapes, else into the parser's string buffer); for numbers the raw number
// text; empty otherwise. Valid until the parser is reused.
struct Scalar {
  JsonKind kind = JsonKind::kNull;
  std::string_view text;
  uint32_t offset = 0;  // byte offset of the token in the input
};

// A link in a lazily rendered field path such as `price_changes[1].price`.
struct PathNode {
  const PathNode* parent = nullptr;
  std::string_view name;  // empty for a pure array index
  int index = -1;         // >= 0: element index appended as [index]
};

// "a.b[2].c" for the chain ending at `node` plus `leaf` (leaf may be empty).
std::string RenderPath(const PathNode* node, std::string_view leaf);

// Per-document state needed to report errors: the input base and the document (for the
// iterator's location when simdjson reports an error).
class JsonContext {
 public:
  JsonContext(const char* base, size_t size, od::document* doc)
      : base_(base), size_(size), doc_(doc) {}

  uint32_t OffsetOf(const char* p) const {
    if (p < base_ || p > base_ + size_) return static_cast<uint32_t>(size_);
    return static_cast<uint32_t>(p - base_);
  }
  // The iterator's position, or the input size when it is past the end.
  uint32_t CurrentOffset() const;
  size_t size() const { return size_; }

  // InvalidArgument: `malformed JSON at byte N in field "path": <simdjson message>`.
  absl::Status JsonError(simdjson::error_code error, const PathNode* path,
                         std::string_view leaf) const;

 private:
  const char* base_;
  size_t size_;
  od::document* doc_;
};

// InvalidArgument: `field "path" at byte N: why`.
absl::Status FieldError(const PathNode* path, std::string_view leaf, uint32_t offset,
                        std::string_view why);
// InvalidArgument: `missing field "path"`.
absl::Status MissingField(const PathNode* path, std::string_view leaf);

// Reads the token at `value` without consuming containers. Strings with escapes are unescaped
// (consuming the value); other scalars are left for On-Demand to skip. Literals must be exactly
// true/false/null and numbers must follow the JSON grammar.
[[nodiscard]] absl::Status ReadToken(JsonContext& ctx, od::value& value, const PathNode* path,
                                     std::string_view leaf, Scalar* out);

// Typed views of a Scalar. `leaf` names the field (under `path`) in error messages.
// A string (required, may be empty).
[[nodiscard]] absl::StatusOr<std::string_view> AsString(const Scalar& s, const PathNode* path,
                                                        std::string_view leaf);
// A string or null (null -> empty).
[[nodiscard]] absl::StatusOr<std::string_view> AsStringOrNull(const Scalar& s, const PathNode* path,
                                                              std::string_view leaf);
[[nodiscard]] absl::StatusOr<bool> AsBool(const Scalar& s, const PathNode* path,
                                          std::string_view leaf);
// An integer written as a JSON integer or a decimal-digit string ("1729084877448").
[[nodiscard]] absl::StatusOr<int64_t> AsInt64(const Scalar& s, const PathNode* path,
                                              std::string_view leaf);
// Exact micro-units from a decimal string or JSON number (no more than 6 decimals).
[[nodiscard]] absl::StatusOr<int64_t> AsMicros(const Scalar& s, const PathNode* path,
                                               std::string_view leaf);
// Micro-units rounded half-up from a decimal string or JSON number of any precision.
[[nodiscard]] absl::StatusOr<int64_t> AsMicrosRounded(const Scalar& s, const PathNode* path,
                                                      std::string_view leaf);
// A probability price in [0, 1].
[[nodiscard]] absl::StatusOr<Price> AsPrice(const Scalar& s, const PathNode* path,
                                            std::string_view leaf);
// A size >= 0.
[[nodiscard]] absl::StatusOr<Quantity> AsSize(const Scalar& s, const PathNode* path,
                                              std::string_view leaf);
// A tick size in (0, 1].
[[nodiscard]] absl::StatusOr<Price> AsTick(const Scalar& s, const PathNode* path,
                                           std::string_view leaf);
// Null or "" -> nullopt, else AsPrice.
[[nodiscard]] absl::StatusOr<std::optional<Price>> AsOptionalPrice(const Scalar& s,
                                                                   const PathNode* path,
                                                                   std::string_view leaf);
// Null or "" -> nullopt, else AsSize.
[[nodiscard]] absl::StatusOr<std::optional<Quantity>> AsOptionalSize(const Scalar& s,
                                                                     const PathNode* path,
                                                                     std::string_view leaf);

// Fast paths for the plain decimal strings market data consists of ("0.514", "21574.08").
// They return false for anything else (numbers, exponents, signs, errors), and the caller then
// uses AsPrice / AsSize, which accept more and produce the error message.
inline bool FastPrice(const Scalar& s, Price* out) {
  int64_t micros = 0;
  if (s.kind != JsonKind::kString || !ParsePlainDecimalMicros(s.text, &micros) ||
      micros > kFixedScale) {
    return false;
  }
  *out = Price::FromMicros(micros);
  return true;
}
inline bool FastSize(const Scalar& s, Quantity* out) {
  int64_t micros = 0;
  if (s.kind != JsonKind::kString || !ParsePlainDecimalMicros(s.text, &micros)) return false;
  *out = Quantity::FromMicros(micros);  // the plain form has no sign: never negative
  return true;
}

// BUY / SELL (exact, case-sensitive).
[[nodiscard]] absl::StatusOr<Side> AsSide(const Scalar& s, const PathNode* path,
                                          std::string_view leaf);

// `s` without leading/trailing JSON whitespace (space, tab, CR, LF).
std::string_view TrimJsonSpace(std::string_view s);

// Whether the token is null or the empty string.
inline bool IsNullOrEmpty(const Scalar& s) {
  return s.kind == JsonKind::kNull || (s.kind == JsonKind::kString && s.text.empty());
}

// Copies `frame` into `buffer` followed by SIMDJSON_PADDING zero bytes, growing the buffer
// only when it is too small. Returns the padded capacity to pass to parser.iterate().
size_t CopyPadded(std::string_view frame, std::string* buffer);

// The key as a view into the (padded) input when it has no escapes: the common case, which
// avoids copying every key into the parser's string buffer. Returns false for keys with a
// backslash; those go through simdjson's unescaper.
inline bool RawKey(od::raw_json_string key, std::string_view* out) {
  const char* const begin = key.raw();
  const char* p = begin;
  // Stage 1 guarantees the closing quote exists, and the padding keeps the scan in bounds.
  while (*p != '"') {
    if (*p == '\\') return false;
    ++p;
  }
  *out = std::string_view(begin, static_cast<size_t>(p - begin));
  return true;
}

// Calls fn(std::string_view key, od::value& value) for each field of `object`; stops at the
// first error fn returns. simdjson errors become JsonError.
template <typename Fn>
[[nodiscard]] absl::Status ForEachField(JsonContext& ctx, od::object& object, const PathNode* path,
                                        Fn&& fn) {
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return ctx.JsonError(error, path, "");
    std::string_view key;
    if (!RawKey(field.key(), &key)) {
      if (auto error = field.unescaped_key().get(key)) return ctx.JsonError(error, path, "");
    }
    absl::Status status = fn(key, field.value());
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// Calls fn(int index, od::value& element) for each element of `array`.
template <typename Fn>
[[nodiscard]] absl::Status ForEachElement(JsonContext& ctx, od::array& array, const PathNode* path,
                                          std::string_view leaf, Fn&& fn) {
  int index = 0;
  for (auto element_result : array) {
    od::value element;
    if (auto error = std::move(element_result).get(element)) {
      return ctx.JsonError(error, path, leaf);
    }
    absl::Status status = fn(index, element);
    if (!status.ok()) return status;
    ++index;
  }
  return absl::OkStatus();
}

// Reads the token at `value` (see ReadToken).
[[nodiscard]] absl::StatusOr<Scalar> Token(JsonContext& ctx, od::value& value, const PathNode* path,
                                           std::string_view leaf);
// A string or null (-> "") copied into *out.
[[nodiscard]] absl::Status ReadString(JsonContext& ctx, od::value& value, const PathNode* path,
                                      std::string_view leaf, std::string* out);
// An array of strings, or null (-> empty), copied into *out.
[[nodiscard]] absl::Status ReadStringArray(JsonContext& ctx, od::value& value, const PathNode* path,
                                           std::string_view leaf, std::vector<std::string>* out);
// Index of `key` in `names`, or -1.
int FindKey(const std::string_view* names, int count, std::string_view key);

// Bookkeeping for objects read field by field: duplicate detection and required fields.
class SeenFields {
 public:
  // Marks field `index`; InvalidArgument "duplicate field" if already seen.
  [[nodiscard]] absl::Status Mark(int index, const PathNode* path, std::string_view leaf,
                                  uint32_t offset);
  bool Has(int index) const { return (mask_ >> index) & 1u; }
  // MissingField for the first index in `required` not seen.
  [[nodiscard]] absl::Status Require(std::initializer_list<int> required,
                                     const std::string_view* names, const PathNode* path) const;

 private:
  uint64_t mask_ = 0;
};

// Gets `value` as an object / array, with a typed error naming the field otherwise.
[[nodiscard]] absl::Status GetObject(JsonContext& ctx, od::value& value, const PathNode* path,
                                     std::string_view leaf, od::object* out);
[[nodiscard]] absl::Status GetArray(JsonContext& ctx, od::value& value, const PathNode* path,
                                    std::string_view leaf, od::array* out);

// Field readers for owned REST/Gamma structs: each reads the token at `v` (named `key` under
// `path` in errors) and stores it. "Opt" readers leave nullopt for null (and "" where noted).
class FieldReader {
 public:
  FieldReader(JsonContext& ctx, const PathNode* path) : ctx_(ctx), path_(path) {}

  const PathNode* path() const { return path_; }
  JsonContext& ctx() const { return ctx_; }

  // String or null (-> "").
  [[nodiscard]] absl::Status String(od::value& v, std::string_view key, std::string* out);
  // A scalar kept as text: string content or number text; null -> "".
  [[nodiscard]] absl::Status Text(od::value& v, std::string_view key, std::string* out);
  // Boolean; null -> false.
  [[nodiscard]] absl::Status Bool(od::value& v, std::string_view key, bool* out);
  // Integer (number or digit string); null/"" -> nullopt.
  [[nodiscard]] absl::Status OptInt(od::value& v, std::string_view key,
                                    std::optional<int64_t>* out);
  // Tick size in (0, 1], exact; null/"" -> nullopt.
  [[nodiscard]] absl::Status OptTick(od::value& v, std::string_view key, std::optional<Price>* out);
  // Size >= 0, exact; null/"" -> nullopt.
  [[nodiscard]] absl::Status OptSize(od::value& v, std::string_view key,
                                     std::optional<Quantity>* out);
  // Price in [0, 1], exact; null/"" -> nullopt.
  [[nodiscard]] absl::Status OptPrice(od::value& v, std::string_view key,
                                      std::optional<Price>* out);
  // Price in [0, 1] rounded half-up to 1e-6 (informational prices); null/"" -> nullopt.
  [[nodiscard]] absl::Status OptPriceRounded(od::value& v, std::string_view key,
                                             std::optional<Price>* out);
  // Money (string or number of any precision) rounded half-up to 1e-6; null/"" -> nullopt.
  [[nodiscard]] absl::Status OptMoneyRounded(od::value& v, std::string_view key,
                                             std::optional<Money>* out);
  // Array of strings; null -> empty.
  [[nodiscard]] absl::Status StringArray(od::value& v, std::string_view key,
                                         std::vector<std::string>* out);

 private:
  JsonContext& ctx_;
  const PathNode* path_;
};

// Error for input left after the root value, or OK when the document was fully consumed.
[[nodiscard]] absl::Status CheckTrailing(JsonContext& ctx, od::document& doc);

// Parses one JSON document (root object or array) held in `json` with `parser`, copying it into
// `buffer` with padding, and calls fn(JsonContext&, od::value& root) -> absl::Status. Checks
// for trailing content afterwards.
template <typename Fn>
[[nodiscard]] absl::Status ParseDocument(std::string_view json, od::parser& parser,
                                         std::string& buffer, Fn&& fn) {
  const size_t capacity = CopyPadded(json, &buffer);
  od::document doc;
  if (auto error = parser.iterate(buffer.data(), json.size(), capacity).get(doc)) {
    return absl::InvalidArgumentError(std::string("malformed JSON: ") +
                                      simdjson::error_message(error));
  }
  JsonContext ctx(buffer.data(), json.size(), &doc);
  od::value root;
  if (auto error = doc.get_value().get(root)) return ctx.JsonError(error, nullptr, "");
  absl::Status status = fn(ctx, root);
  if (!status.ok()) return status;
  return CheckTrailing(ctx, doc);
}

// ParseDocument with a parser and buffer of its own (for one-off REST/Gamma responses).
template <typename Fn>
[[nodiscard]] absl::Status ParseDocument(std::string_view json, Fn&& fn) {
  od::parser parser;
  std::string buffer;
  return ParseDocument(json, parser, buffer, std::forward<Fn>(fn));
}

}  // namespace arbor::venue::polymarket::internal
