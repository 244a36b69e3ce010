#include "json_util.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::venue::kalshi::internal {
namespace {

std::string PathString(const FieldPath& path) {
  std::string out(path.name);
  if (path.index1 >= 0) absl::StrAppend(&out, "[", path.index1, "]");
  if (path.index2 >= 0) absl::StrAppend(&out, "[", path.index2, "]");
  if (!path.member.empty()) absl::StrAppend(&out, ".", ToAbsl(path.member));
  return out;
}

std::string OffsetSuffix(const JsonCtx& ctx, const char* at) {
  if (at == nullptr || ctx.base == nullptr) return "";
  // Compared as integers: `at` may point into simdjson's string buffer, not the input.
  const auto pos = reinterpret_cast<uintptr_t>(at);
  const auto begin = reinterpret_cast<uintptr_t>(ctx.base);
  if (pos < begin || pos > begin + ctx.size) return "";
  return absl::StrCat(" (byte ", pos - begin, ")");
}

std::string_view JsonTypeName(od::value& v) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return "an invalid token";
  switch (type) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "an unknown JSON type";
}

// simdjson's stage 1 does not validate number tokens; the JSON grammar is checked here before
// the raw text is parsed as an exact decimal.
bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  const size_t n = t.size();
  auto digit = [&](size_t k) { return k < n && t[k] >= '0' && t[k] <= '9'; };
  if (i < n && t[i] == '-') ++i;
  if (!digit(i)) return false;
  if (t[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

absl::Status FieldError(const JsonCtx& ctx, const FieldPath& path, const char* at,
                        std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("kalshi ", ToAbsl(ctx.what), ": field '",
                                                 PathString(path), "': ", ToAbsl(why),
                                                 OffsetSuffix(ctx, at)));
}

absl::Status JsonError(const JsonCtx& ctx, const FieldPath& path, const char* at,
                       simdjson::error_code error) {
  return FieldError(ctx, path, at,
                    absl::StrCat("malformed JSON: ", simdjson::error_message(error)));
}

absl::Status FrameError(const JsonCtx& ctx, const char* at, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("kalshi ", ToAbsl(ctx.what), ": ", ToAbsl(why), OffsetSuffix(ctx, at)));
}

absl::Status TypeError(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                       std::string_view expected) {
  return FieldError(ctx, path, Location(v),
                    absl::StrCat("expected ", ToAbsl(expected), ", got ", ToAbsl(JsonTypeName(v))));
}

const char* Location(od::value& v) { return v.raw_json_token().data(); }

const char* Location(const JsonCtx& ctx) {
  if (ctx.doc == nullptr) return nullptr;
  const char* at = nullptr;
  if (ctx.doc->current_location().get(at) != simdjson::SUCCESS) return nullptr;
  return at;
}

bool AtDocumentEnd(od::document& doc) {
  // simdjson 3.0.1's document has no at_end(); current_location() reports OUT_OF_BOUNDS once
  // every token has been consumed.
  const char* at = nullptr;
  return doc.current_location().get(at) == simdjson::OUT_OF_BOUNDS;
}

absl::Status ConsumeNull(od::value& v, const JsonCtx& ctx, const FieldPath& path, bool* is_null) {
  const simdjson::error_code error = v.is_null().get(*is_null);
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  return absl::OkStatus();
}

absl::Status ReadDecimalMicros(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                               int64_t* micros) {
  od::json_type type;
  simdjson::error_code error = v.type().get(type);
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  std::string_view text;
  if (type == od::json_type::string) {
    error = v.get_string().get(text);
    if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  } else if (type == od::json_type::number) {
    // The raw token, never a double: "0.07" must stay exactly 70000 micro-units.
    text = TrimTrailingSpace(v.raw_json_token());
    if (!IsJsonNumber(text)) {
      return FieldError(ctx, path, Location(v),
                        absl::StrCat("malformed JSON number \"", Abbreviate(text), "\""));
    }
  } else {
    return TypeError(v, ctx, path, "a decimal string or number");
  }
  absl::StatusOr<int64_t> raw = arbor::internal::ParseScaledDecimal(text, kFixedDecimals);
  if (!raw.ok()) return FieldError(ctx, path, Location(v), FromAbsl(raw.status().message()));
  *micros = *raw;
  return absl::OkStatus();
}

absl::Status ReadPrice(od::value& v, const JsonCtx& ctx, const FieldPath& path, Price* out) {
  int64_t micros = 0;
  absl::Status s = ReadDecimalMicros(v, ctx, path, &micros);
  if (!s.ok()) return s;
  if (micros < 0 || micros > kPriceOne.micros()) {
    return FieldError(
        ctx, path, Location(v),
        absl::StrCat("price ", Price::FromMicros(micros).ToString(), " outside [0, 1]"));
  }
  *out = Price::FromMicros(micros);
  return absl::OkStatus();
}

absl::Status ReadCentsPrice(od::value& v, const JsonCtx& ctx, const FieldPath& path, Price* out) {
  int64_t cents = 0;
  const simdjson::error_code error = v.get_int64().get(cents);
  if (error == simdjson::INCORRECT_TYPE) return TypeError(v, ctx, path, "integer cents");
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  if (cents < 0 || cents > 100) {
    return FieldError(ctx, path, Location(v),
                      absl::StrCat("cent price ", cents, " outside [0, 100]"));
  }
  // 1 cent = 10'000 micro-dollars: exact.
  *out = Price::FromMicros(cents * (kFixedScale / 100));
  return absl::OkStatus();
}

absl::Status ReadQuantity(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                          bool allow_negative, Quantity* out) {
  int64_t micros = 0;
  absl::Status s = ReadDecimalMicros(v, ctx, path, &micros);
  if (!s.ok()) return s;
  if (!allow_negative && micros < 0) {
    return FieldError(ctx, path, Location(v),
                      absl::StrCat("negative count ", Quantity::FromMicros(micros).ToString()));
  }
  *out = Quantity::FromMicros(micros);
  return absl::OkStatus();
}

absl::Status ReadMoney(od::value& v, const JsonCtx& ctx, const FieldPath& path, Money* out) {
  int64_t micros = 0;
  absl::Status s = ReadDecimalMicros(v, ctx, path, &micros);
  if (!s.ok()) return s;
  *out = Money::FromMicros(micros);
  return absl::OkStatus();
}

absl::Status ReadMultiplier(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                            Multiplier* out) {
  int64_t micros = 0;
  absl::Status s = ReadDecimalMicros(v, ctx, path, &micros);
  if (!s.ok()) return s;
  if (micros < 0) return FieldError(ctx, path, Location(v), "negative multiplier");
  *out = Multiplier::FromMicros(micros);
  return absl::OkStatus();
}

absl::Status ReadInt64(od::value& v, const JsonCtx& ctx, const FieldPath& path, int64_t* out) {
  const simdjson::error_code error = v.get_int64().get(*out);
  if (error == simdjson::INCORRECT_TYPE) return TypeError(v, ctx, path, "an integer");
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  return absl::OkStatus();
}

absl::Status ReadUint64(od::value& v, const JsonCtx& ctx, const FieldPath& path, uint64_t* out) {
  const simdjson::error_code error = v.get_uint64().get(*out);
  if (error == simdjson::INCORRECT_TYPE) return TypeError(v, ctx, path, "a non-negative integer");
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  return absl::OkStatus();
}

absl::Status ReadBool(od::value& v, const JsonCtx& ctx, const FieldPath& path, bool* out) {
  const simdjson::error_code error = v.get_bool().get(*out);
  if (error == simdjson::INCORRECT_TYPE) return TypeError(v, ctx, path, "a boolean");
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  return absl::OkStatus();
}

absl::Status ReadString(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                        std::string_view* out) {
  const simdjson::error_code error = v.get_string().get(*out);
  if (error == simdjson::INCORRECT_TYPE) return TypeError(v, ctx, path, "a string");
  if (error != simdjson::SUCCESS) return JsonError(ctx, path, Location(v), error);
  return absl::OkStatus();
}

absl::Status ReadOptionalString(od::value& v, const JsonCtx& ctx, const FieldPath& path,
                                std::string_view* out) {
  bool is_null = false;
  absl::Status s = ConsumeNull(v, ctx, path, &is_null);
  if (!s.ok()) return s;
  if (is_null) {
    *out = std::string_view();
    return absl::OkStatus();
  }
  return ReadString(v, ctx, path, out);
}

absl::Status ReadSide(od::value& v, const JsonCtx& ctx, const FieldPath& path, Side* out) {
  std::string_view text;
  absl::Status s = ReadString(v, ctx, path, &text);
  if (!s.ok()) return s;
  if (text == "yes") {
    *out = Side::kYes;
  } else if (text == "no") {
    *out = Side::kNo;
  } else {
    return FieldError(ctx, path, Location(v),
                      absl::StrCat("expected \"yes\" or \"no\", got \"", Abbreviate(text), "\""));
  }
  return absl::OkStatus();
}

absl::Status ReadBookSide(od::value& v, const JsonCtx& ctx, const FieldPath& path, BookSide* out) {
  std::string_view text;
  absl::Status s = ReadString(v, ctx, path, &text);
  if (!s.ok()) return s;
  if (text == "bid") {
    *out = BookSide::kBid;
  } else if (text == "ask") {
    *out = BookSide::kAsk;
  } else {
    return FieldError(ctx, path, Location(v),
                      absl::StrCat("expected \"bid\" or \"ask\", got \"", Abbreviate(text), "\""));
  }
  return absl::OkStatus();
}

absl::Status ReadLevels(od::value& v, const JsonCtx& ctx, std::string_view field, bool cents,
                        std::vector<PriceLevel>* out) {
  out->clear();
  od::array levels;
  simdjson::error_code error = v.get_array().get(levels);
  if (error == simdjson::INCORRECT_TYPE) {
    return TypeError(v, ctx, {field}, "an array of [price, count] levels");
  }
  if (error != simdjson::SUCCESS) return JsonError(ctx, {field}, Location(v), error);
  int i = 0;
  for (auto level_result : levels) {
    od::value level;
    error = std::move(level_result).get(level);
    if (error != simdjson::SUCCESS) return JsonError(ctx, {field, i}, Location(ctx), error);
    od::array pair;
    error = level.get_array().get(pair);
    if (error == simdjson::INCORRECT_TYPE) {
      return TypeError(level, ctx, {field, i}, "a [price, count] array");
    }
    if (error != simdjson::SUCCESS) return JsonError(ctx, {field, i}, Location(level), error);
    PriceLevel parsed;
    int j = 0;
    for (auto item_result : pair) {
      od::value item;
      error = std::move(item_result).get(item);
      if (error != simdjson::SUCCESS) return JsonError(ctx, {field, i, j}, Location(ctx), error);
      absl::Status s;
      if (j == 0) {
        s = cents ? ReadCentsPrice(item, ctx, {field, i, 0}, &parsed.price)
                  : ReadPrice(item, ctx, {field, i, 0}, &parsed.price);
      } else if (j == 1) {
        s = ReadQuantity(item, ctx, {field, i, 1}, /*allow_negative=*/false, &parsed.count);
      } else {
        return FieldError(ctx, {field, i}, Location(level), "a level has more than 2 elements");
      }
      if (!s.ok()) return s;
      ++j;
    }
    if (j != 2) {
      return FieldError(ctx, {field, i}, Location(level), "a level must be [price, count]");
    }
    out->push_back(parsed);
    ++i;
  }
  return absl::OkStatus();
}

}  // namespace arbor::venue::kalshi::internal
