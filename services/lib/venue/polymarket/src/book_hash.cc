#include "arbor/venue/polymarket/book_hash.h"

#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace arbor::venue::polymarket {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendU16Escape(std::string* out, uint32_t unit) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(unit >> shift) & 0xF]);
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(i);
  size_t len = 0;
  uint32_t value = 0;
  uint32_t min = 0;
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    value = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    value = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    value = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return len;
}

void AppendRaw(std::string* out, const RawScalar& raw) {
  if (raw.quoted) {
    AppendPythonJsonString(out, raw.text);
  } else {
    out->append(raw.text);
  }
}

void AppendRaw(std::string* out, const std::optional<RawScalar>& raw) {
  if (raw.has_value()) {
    AppendRaw(out, *raw);
  } else {
    out->append("null");
  }
}

void AppendLevels(std::string* out, const std::vector<SummaryLevel>& levels) {
  out->push_back('[');
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append("{\"price\":");
    AppendPythonJsonString(out, levels[i].price_text);
    out->append(",\"size\":");
    AppendPythonJsonString(out, levels[i].size_text);
    out->push_back('}');
  }
  out->push_back(']');
}

}  // namespace

void AppendPythonJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    switch (c) {
      case '"':
        out->append("\\\"");
        ++i;
        continue;
      case '\\':
        out->append("\\\\");
        ++i;
        continue;
      case '\n':
        out->append("\\n");
        ++i;
        continue;
      case '\r':
        out->append("\\r");
        ++i;
        continue;
      case '\t':
        out->append("\\t");
        ++i;
        continue;
      case '\b':
        out->append("\\b");
        ++i;
        continue;
      case '\f':
        out->append("\\f");
        ++i;
        continue;
      default:
        break;
    }
    const uint8_t b = static_cast<uint8_t>(c);
    if (b < 0x20) {
      AppendU16Escape(out, b);
      ++i;
      continue;
    }
    if (b < 0x80) {
      out->push_back(c);
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      AppendU16Escape(out, b);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      AppendU16Escape(out, 0xD800 + (v >> 10));
      AppendU16Escape(out, 0xDC00 + (v & 0x3FF));
    } else {
      AppendU16Escape(out, cp);
    }
    i += len;
  }
  out->push_back('"');
}

std::string OrderBookSummaryJson(const BookSummary& summary) {
  std::string out;
  out.reserve(256 + 48 * (summary.bids.size() + summary.asks.size()));
  out.append("{\"market\":");
  AppendPythonJsonString(&out, summary.market);
  out.append(",\"asset_id\":");
  AppendPythonJsonString(&out, summary.asset_id);
  out.append(",\"timestamp\":");
  AppendRaw(&out, summary.timestamp);
  out.append(",\"hash\":\"\",\"bids\":");
  AppendLevels(&out, summary.bids);
  out.append(",\"asks\":");
  AppendLevels(&out, summary.asks);
  out.append(",\"min_order_size\":");
  AppendRaw(&out, summary.min_order_size_text);
  out.append(",\"tick_size\":");
  AppendRaw(&out, summary.tick_size_text);
  out.append(",\"neg_risk\":");
  out.append(!summary.neg_risk.has_value() ? "null" : *summary.neg_risk ? "true" : "false");
  out.append(",\"last_trade_price\":");
  AppendRaw(&out, summary.last_trade_price_text);
  out.push_back('}');
  return out;
}

absl::StatusOr<std::string> OrderBookSummaryHash(const BookSummary& summary) {
  const std::string json = OrderBookSummaryJson(summary);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(json.data(), json.size(), digest, &digest_len, EVP_sha1(), nullptr) != 1) {
    return absl::InternalError("OpenSSL EVP_Digest(SHA-1) failed");
  }
  std::string hex;
  hex.reserve(size_t{2} * digest_len);
  for (unsigned int i = 0; i < digest_len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xF]);
  }
  return hex;
}

}  // namespace arbor::venue::polymarket
