#include "json_util.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"
#include "arbor/venue/polymarket/decimal.h"

namespace arbor::venue::polymarket::internal {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (IsDigit(s[i])) {
    while (i < n && IsDigit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  return i == n;
}

// The text of a decimal value: a string's content or a number's text.
absl::StatusOr<std::string_view> DecimalText(const Scalar& s, const PathNode* path,
                                             std::string_view leaf) {
  if (s.kind == JsonKind::kString || s.kind == JsonKind::kNumber) return s.text;
  return FieldError(
      path, leaf, s.offset,
      absl::StrCat("expected a decimal string or number, got ", JsonKindName(s.kind)));
}

}  // namespace

const char* JsonKindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kString:
      return "string";
    case JsonKind::kNumber:
      return "number";
    case JsonKind::kTrue:
    case JsonKind::kFalse:
      return "boolean";
    case JsonKind::kNull:
      return "null";
    case JsonKind::kObject:
      return "object";
    case JsonKind::kArray:
      return "array";
  }
  return "?";
}

std::string RenderPath(const PathNode* node, std::string_view leaf) {
  // Collect the chain root-first without allocating a container for it: the depth is tiny.
  const PathNode* chain[16];
  int depth = 0;
  for (const PathNode* n = node; n != nullptr && depth < 16; n = n->parent) chain[depth++] = n;
  std::string out;
  for (int k = depth - 1; k >= 0; --k) {
    const PathNode* n = chain[k];
    if (!n->name.empty()) {
      if (!out.empty()) out.push_back('.');
      out.append(n->name);
    }
    if (n->index >= 0) absl::StrAppend(&out, "[", n->index, "]");
  }
  if (!leaf.empty()) {
    if (!out.empty()) out.push_back('.');
    out.append(leaf);
  }
  return out;
}

uint32_t JsonContext::CurrentOffset() const {
  const char* location = nullptr;
  if (doc_ == nullptr || doc_->current_location().get(location) != simdjson::SUCCESS) {
    return static_cast<uint32_t>(size_);
  }
  return OffsetOf(location);
}

absl::Status JsonContext::JsonError(simdjson::error_code error, const PathNode* path,
                                    std::string_view leaf) const {
  const std::string where = RenderPath(path, leaf);
  return absl::InvalidArgumentError(
      absl::StrCat("malformed JSON at byte ", CurrentOffset(), where.empty() ? "" : " in field \"",
                   where, where.empty() ? "" : "\"", ": ", simdjson::error_message(error)));
}

absl::Status FieldError(const PathNode* path, std::string_view leaf, uint32_t offset,
                        std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("field \"", RenderPath(path, leaf), "\" at byte ", offset, ": ", ToAbsl(why)));
}

absl::Status MissingField(const PathNode* path, std::string_view leaf) {
  return absl::InvalidArgumentError(absl::StrCat("missing field \"", RenderPath(path, leaf), "\""));
}

absl::Status ReadToken(JsonContext& ctx, od::value& value, const PathNode* path,
                       std::string_view leaf, Scalar* out) {
  std::string_view raw = value.raw_json_token();
  if (raw.empty()) return ctx.JsonError(simdjson::TAPE_ERROR, path, leaf);
  out->offset = ctx.OffsetOf(raw.data());
  out->text = {};
  switch (raw.front()) {
    case '"': {
      raw = TrimTrailingSpace(raw);
      if (raw.size() < 2 || raw.back() != '"') {
        return ctx.JsonError(simdjson::UNCLOSED_STRING, path, leaf);
      }
      std::string_view content = raw.substr(1, raw.size() - 2);
      if (std::memchr(content.data(), '\\', content.size()) != nullptr) {
        // Escapes need simdjson's unescaper (it validates them); the result lives in the
        // parser's string buffer.
        if (auto error = value.get_string().get(content)) return ctx.JsonError(error, path, leaf);
      }
      out->kind = JsonKind::kString;
      out->text = content;
      return absl::OkStatus();
    }
    case '{':
      out->kind = JsonKind::kObject;
      return absl::OkStatus();
    case '[':
      out->kind = JsonKind::kArray;
      return absl::OkStatus();
    case 't':
    case 'f':
    case 'n': {
      raw = TrimTrailingSpace(raw);
      if (raw == "true") {
        out->kind = JsonKind::kTrue;
      } else if (raw == "false") {
        out->kind = JsonKind::kFalse;
      } else if (raw == "null") {
        out->kind = JsonKind::kNull;
      } else {
        return FieldError(path, leaf, out->offset,
                          absl::StrCat("invalid literal \"", Abbreviate(raw, 16), "\""));
      }
      return absl::OkStatus();
    }
    default: {
      raw = TrimTrailingSpace(raw);
      if (!IsJsonNumber(raw)) {
        return FieldError(path, leaf, out->offset,
                          absl::StrCat("invalid JSON token \"", Abbreviate(raw, 24), "\""));
      }
      out->kind = JsonKind::kNumber;
      out->text = raw;
      return absl::OkStatus();
    }
  }
}

absl::StatusOr<std::string_view> AsString(const Scalar& s, const PathNode* path,
                                          std::string_view leaf) {
  if (s.kind != JsonKind::kString) {
    return FieldError(path, leaf, s.offset,
                      absl::StrCat("expected string, got ", JsonKindName(s.kind)));
  }
  return s.text;
}

absl::StatusOr<std::string_view> AsStringOrNull(const Scalar& s, const PathNode* path,
                                                std::string_view leaf) {
  if (s.kind == JsonKind::kNull) return std::string_view();
  return AsString(s, path, leaf);
}

absl::StatusOr<bool> AsBool(const Scalar& s, const PathNode* path, std::string_view leaf) {
  if (s.kind == JsonKind::kTrue) return true;
  if (s.kind == JsonKind::kFalse) return false;
  return FieldError(path, leaf, s.offset,
                    absl::StrCat("expected boolean, got ", JsonKindName(s.kind)));
}

absl::StatusOr<int64_t> AsInt64(const Scalar& s, const PathNode* path, std::string_view leaf) {
  if (s.kind != JsonKind::kString && s.kind != JsonKind::kNumber) {
    return FieldError(path, leaf, s.offset,
                      absl::StrCat("expected an integer, got ", JsonKindName(s.kind)));
  }
  std::string_view t = s.text;
  bool negative = false;
  if (!t.empty() && t.front() == '-') {
    negative = true;
    t.remove_prefix(1);
  }
  if (t.empty() || t.size() > 18) {
    return FieldError(path, leaf, s.offset,
                      absl::StrCat("invalid integer \"", Abbreviate(s.text, 24), "\""));
  }
  int64_t v = 0;
  for (char c : t) {
    if (!IsDigit(c)) {
      return FieldError(path, leaf, s.offset,
                        absl::StrCat("invalid integer \"", Abbreviate(s.text, 24), "\""));
    }
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

absl::StatusOr<int64_t> AsMicros(const Scalar& s, const PathNode* path, std::string_view leaf) {
  absl::StatusOr<std::string_view> text = DecimalText(s, path, leaf);
  if (!text.ok()) return text.status();
  int64_t micros = 0;
  if (ParsePlainDecimalMicros(*text, &micros)) return micros;
  absl::StatusOr<int64_t> parsed = ParseDecimalMicros(*text);
  if (!parsed.ok()) return FieldError(path, leaf, s.offset, FromAbsl(parsed.status().message()));
  return *parsed;
}

absl::StatusOr<int64_t> AsMicrosRounded(const Scalar& s, const PathNode* path,
                                        std::string_view leaf) {
  absl::StatusOr<std::string_view> text = DecimalText(s, path, leaf);
  if (!text.ok()) return text.status();
  absl::StatusOr<int64_t> parsed = ParseDecimalMicrosRounded(*text, Rounding::kHalfUp);
  if (!parsed.ok()) return FieldError(path, leaf, s.offset, FromAbsl(parsed.status().message()));
  return *parsed;
}

absl::StatusOr<Price> AsPrice(const Scalar& s, const PathNode* path, std::string_view leaf) {
  absl::StatusOr<int64_t> micros = AsMicros(s, path, leaf);
  if (!micros.ok()) return micros.status();
  if (*micros < 0 || *micros > kFixedScale) {
    return FieldError(path, leaf, s.offset,
                      absl::StrCat("price ", Abbreviate(s.text, 24), " outside [0, 1]"));
  }
  return Price::FromMicros(*micros);
}

absl::StatusOr<Quantity> AsSize(const Scalar& s, const PathNode* path, std::string_view leaf) {
  absl::StatusOr<int64_t> micros = AsMicros(s, path, leaf);
  if (!micros.ok()) return micros.status();
  if (*micros < 0) {
    return FieldError(path, leaf, s.offset, absl::StrCat("negative size ", Abbreviate(s.text, 24)));
  }
  return Quantity::FromMicros(*micros);
}

absl::StatusOr<Price> AsTick(const Scalar& s, const PathNode* path, std::string_view leaf) {
  absl::StatusOr<int64_t> micros = AsMicros(s, path, leaf);
  if (!micros.ok()) return micros.status();
  if (*micros <= 0 || *micros > kFixedScale) {
    return FieldError(path, leaf, s.offset,
                      absl::StrCat("tick size ", Abbreviate(s.text, 24), " outside (0, 1]"));
  }
  return Price::FromMicros(*micros);
}

absl::StatusOr<Side> AsSide(const Scalar& s, const PathNode* path, std::string_view leaf) {
  if (s.kind == JsonKind::kString) {
    if (s.text == "BUY") return Side::kBuy;
    if (s.text == "SELL") return Side::kSell;
    return FieldError(
        path, leaf, s.offset,
        absl::StrCat("side must be \"BUY\" or \"SELL\", got \"", Abbreviate(s.text, 24), "\""));
  }
  return FieldError(path, leaf, s.offset,
                    absl::StrCat("side must be \"BUY\" or \"SELL\", got ", JsonKindName(s.kind)));
}

std::string_view TrimJsonSpace(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

absl::StatusOr<std::optional<Price>> AsOptionalPrice(const Scalar& s, const PathNode* path,
                                                     std::string_view leaf) {
  if (IsNullOrEmpty(s)) return std::optional<Price>();
  absl::StatusOr<Price> p = AsPrice(s, path, leaf);
  if (!p.ok()) return p.status();
  return std::optional<Price>(*p);
}

absl::StatusOr<std::optional<Quantity>> AsOptionalSize(const Scalar& s, const PathNode* path,
                                                       std::string_view leaf) {
  if (IsNullOrEmpty(s)) return std::optional<Quantity>();
  absl::StatusOr<Quantity> q = AsSize(s, path, leaf);
  if (!q.ok()) return q.status();
  return std::optional<Quantity>(*q);
}

absl::StatusOr<Scalar> Token(JsonContext& ctx, od::value& value, const PathNode* path,
                             std::string_view leaf) {
  Scalar s;
  absl::Status status = ReadToken(ctx, value, path, leaf, &s);
  if (!status.ok()) return status;
  return s;
}

absl::Status ReadString(JsonContext& ctx, od::value& value, const PathNode* path,
                        std::string_view leaf, std::string* out) {
  absl::StatusOr<Scalar> s = Token(ctx, value, path, leaf);
  if (!s.ok()) return s.status();
  absl::StatusOr<std::string_view> text = AsStringOrNull(*s, path, leaf);
  if (!text.ok()) return text.status();
  out->assign(text->data(), text->size());
  return absl::OkStatus();
}

absl::Status ReadStringArray(JsonContext& ctx, od::value& value, const PathNode* path,
                             std::string_view leaf, std::vector<std::string>* out) {
  out->clear();
  absl::StatusOr<Scalar> s = Token(ctx, value, path, leaf);
  if (!s.ok()) return s.status();
  if (s->kind == JsonKind::kNull) return absl::OkStatus();
  od::array array;
  absl::Status status = GetArray(ctx, value, path, leaf, &array);
  if (!status.ok()) return status;
  return ForEachElement(ctx, array, path, leaf, [&](int index, od::value& element) {
    const PathNode item{path, leaf, index};
    out->emplace_back();
    return ReadString(ctx, element, &item, "", &out->back());
  });
}

int FindKey(const std::string_view* names, int count, std::string_view key) {
  for (int i = 0; i < count; ++i) {
    if (names[i] == key) return i;
  }
  return -1;
}

absl::Status SeenFields::Mark(int index, const PathNode* path, std::string_view leaf,
                              uint32_t offset) {
  if (Has(index)) return FieldError(path, leaf, offset, "duplicate field");
  mask_ |= uint64_t{1} << index;
  return absl::OkStatus();
}

absl::Status SeenFields::Require(std::initializer_list<int> required, const std::string_view* names,
                                 const PathNode* path) const {
  for (int index : required) {
    if (!Has(index)) return MissingField(path, names[index]);
  }
  return absl::OkStatus();
}

absl::Status FieldReader::String(od::value& v, std::string_view key, std::string* out) {
  return ReadString(ctx_, v, path_, key, out);
}

absl::Status FieldReader::Text(od::value& v, std::string_view key, std::string* out) {
  absl::StatusOr<Scalar> s = Token(ctx_, v, path_, key);
  if (!s.ok()) return s.status();
  if (s->kind == JsonKind::kString || s->kind == JsonKind::kNumber) {
    out->assign(s->text.data(), s->text.size());
    return absl::OkStatus();
  }
  if (s->kind == JsonKind::kNull) {
    out->clear();
    return absl::OkStatus();
  }
  return FieldError(path_, key, s->offset,
                    absl::StrCat("expected string or number, got ", JsonKindName(s->kind)));
}

absl::Status FieldReader::Bool(od::value& v, std::string_view key, bool* out) {
  absl::StatusOr<Scalar> s = Token(ctx_, v, path_, key);
  if (!s.ok()) return s.status();
  if (s->kind == JsonKind::kNull) {
    *out = false;
    return absl::OkStatus();
  }
  absl::StatusOr<bool> b = AsBool(*s, path_, key);
  if (!b.ok()) return b.status();
  *out = *b;
  return absl::OkStatus();
}

absl::Status FieldReader::OptInt(od::value& v, std::string_view key, std::optional<int64_t>* out) {
  absl::StatusOr<Scalar> s = Token(ctx_, v, path_, key);
  if (!s.ok()) return s.status();
  out->reset();
  if (IsNullOrEmpty(*s)) return absl::OkStatus();
  absl::StatusOr<int64_t> i = AsInt64(*s, path_, key);
  if (!i.ok()) return i.status();
  *out = *i;
  return absl::OkStatus();
}

absl::Status FieldReader::OptTick(od::value& v, std::string_view key, std::optional<Price>* out) {
  absl::StatusOr<Scalar> s = Token(ctx_, v, path_, key);
  if (!s.ok()) return s.status();
  out->reset();
  if (IsNullOrEmpty(*s)) return absl::OkStatus();
  absl::StatusOr<Price> p = AsTick(*s, path_, key);
  if (!p.ok()) return p.status();
  *out = *p;
  return absl::OkStatus();
}

absl::Status FieldReader::OptSize(od::value& v, std::string_view key,
                                  std::optional<Quantity>* out) {
  absl::StatusOr<Scalar> s = Token(ctx_, v, path_, key);
  if (!s.ok()) return s.status();
  absl::StatusOr<std::optional<Quantity>> q = AsOptionalSize(*s, path_, key);
  if (!q.ok()) return q.status();
  *out = *q;
  return absl::OkStatus();
}

absl::Status FieldReader::OptPrice(od::value& v, std::string_view key, std::optional<Price>* out) {
  absl::StatusOr<Scalar> s = Token(ctx_, v, path_, key);
  if (!s.ok()) return s.status();
  absl::StatusOr<std::optional<Price>> p = AsOptionalPrice(*s, path_, key);
  if (!p.ok()) return p.status();
  *out = *p;
  return absl::OkStatus();
}

absl::Status FieldReader::OptPriceRounded(od::value& v, std::string_view key,
                                          std::optional<Price>* out) {
  absl::StatusOr<Scalar> s = Token(ctx_, v, path_, key);
  if (!s.ok()) return s.status();
  out->reset();
  if (IsNullOrEmpty(*s)) return absl::OkStatus();
  absl::StatusOr<int64_t> micros = AsMicrosRounded(*s, path_, key);
  if (!micros.ok()) return micros.status();
  if (*micros < 0 || *micros > kFixedScale) {
    return FieldError(path_, key, s->offset,
                      absl::StrCat("price ", Abbreviate(s->text, 24), " outside [0, 1]"));
  }
  *out = Price::FromMicros(*micros);
  return absl::OkStatus();
}

absl::Status FieldReader::OptMoneyRounded(od::value& v, std::string_view key,
                                          std::optional<Money>* out) {
  absl::StatusOr<Scalar> s = Token(ctx_, v, path_, key);
  if (!s.ok()) return s.status();
  out->reset();
  if (IsNullOrEmpty(*s)) return absl::OkStatus();
  absl::StatusOr<int64_t> micros = AsMicrosRounded(*s, path_, key);
  if (!micros.ok()) return micros.status();
  *out = Money::FromMicros(*micros);
  return absl::OkStatus();
}

absl::Status FieldReader::StringArray(od::value& v, std::string_view key,
                                      std::vector<std::string>* out) {
  return ReadStringArray(ctx_, v, path_, key, out);
}

absl::Status CheckTrailing(JsonContext& ctx, od::document& doc) {
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("trailing content at byte ", ctx.OffsetOf(rest)));
  }
  return absl::OkStatus();
}

size_t CopyPadded(std::string_view frame, std::string* buffer) {
  const size_t needed = frame.size() + simdjson::SIMDJSON_PADDING;
  if (buffer->size() < needed) {
    // Grow geometrically so a slowly increasing frame size does not reallocate every time.
    size_t grown = buffer->size() * 2;
    buffer->resize(grown > needed ? grown : needed);
  }
  std::memcpy(buffer->data(), frame.data(), frame.size());
  std::memset(buffer->data() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
  return buffer->size();
}

absl::Status GetObject(JsonContext& ctx, od::value& value, const PathNode* path,
                       std::string_view leaf, od::object* out) {
  const simdjson::error_code error = value.get_object().get(*out);
  if (error == simdjson::INCORRECT_TYPE) {
    Scalar s;
    absl::Status status = ReadToken(ctx, value, path, leaf, &s);
    if (!status.ok()) return status;
    return FieldError(path, leaf, s.offset,
                      absl::StrCat("expected object, got ", JsonKindName(s.kind)));
  }
  if (error) return ctx.JsonError(error, path, leaf);
  return absl::OkStatus();
}

absl::Status GetArray(JsonContext& ctx, od::value& value, const PathNode* path,
                      std::string_view leaf, od::array* out) {
  const simdjson::error_code error = value.get_array().get(*out);
  if (error == simdjson::INCORRECT_TYPE) {
    Scalar s;
    absl::Status status = ReadToken(ctx, value, path, leaf, &s);
    if (!status.ok()) return status;
    return FieldError(path, leaf, s.offset,
                      absl::StrCat("expected array, got ", JsonKindName(s.kind)));
  }
  if (error) return ctx.JsonError(error, path, leaf);
  return absl::OkStatus();
}

}  // namespace arbor::venue::polymarket::internal
