// EIP-712 encoding. Every struct is hashed as keccak256(typeHash ‖ enc(field)...) where static
// values are 32-byte words and string/bytes values are replaced by their keccak256; the words
// are fed to one Keccak instance so hashing an order does not allocate.
#include "arbor/venue/polymarket/eip712.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::venue::polymarket {
namespace {

Bytes32 AddressWord(const Address& a) {
  Bytes32 w{};
  std::memcpy(w.data() + 12, a.data(), a.size());
  return w;
}

Bytes32 U8Word(uint8_t v) {
  Bytes32 w{};
  w[31] = v;
  return w;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status HexError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": ", ToAbsl(what)));
}

// Decodes exactly out.size() bytes from "0x"-prefixed hex.
absl::Status DecodePrefixedHex(std::string_view text, std::string_view field,
                               std::span<uint8_t> out) {
  if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return HexError(field, "expected 0x-prefixed hex");
  }
  text.remove_prefix(2);
  if (text.size() != out.size() * 2) {
    return HexError(field,
                    absl::StrCat("expected ", out.size() * 2, " hex digits, got ", text.size()));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(text[2 * i]);
    const int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return HexError(field, absl::StrCat("non-hex character at offset ", 2 + 2 * i));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return absl::OkStatus();
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

const Bytes32& OrderV2TypeHash() {
  static const Bytes32 h = Keccak256(kOrderV2Type);
  return h;
}
const Bytes32& OrderV1TypeHash() {
  static const Bytes32 h = Keccak256(kOrderV1Type);
  return h;
}
const Bytes32& ClobAuthTypeHash() {
  static const Bytes32 h = Keccak256(kClobAuthType);
  return h;
}
const Bytes32& TypedDataSignTypeHash() {
  // ERC-7739: the primary type followed by the referenced types in alphabetical order.
  static const Bytes32 h = [] {
    const std::span<const uint8_t> parts[] = {
        {reinterpret_cast<const uint8_t*>(kTypedDataSignHeadType.data()),
         kTypedDataSignHeadType.size()},
        {reinterpret_cast<const uint8_t*>(kOrderV2Type.data()), kOrderV2Type.size()}};
    return Keccak256Concat(parts);
  }();
  return h;
}

Bytes32 Uint256FromU64(uint64_t v) {
  Bytes32 w{};
  for (int i = 0; i < 8; ++i) w[31 - i] = static_cast<uint8_t>(v >> (8 * i));
  return w;
}

absl::StatusOr<Bytes32> ParseUint256Decimal(std::string_view text, std::string_view field) {
  if (text.empty()) return HexError(field, "empty integer");
  if (text.size() > 1 && text[0] == '0') return HexError(field, "leading zero in integer");
  if (text.size() > 78) return HexError(field, "integer exceeds uint256");
  Bytes32 w{};
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') {
      return HexError(field, absl::StrCat("non-digit at offset ", i));
    }
    // w = w * 10 + digit over big-endian bytes.
    uint32_t carry = static_cast<uint32_t>(c - '0');
    for (int b = 31; b >= 0; --b) {
      const uint32_t v = static_cast<uint32_t>(w[b]) * 10 + carry;
      w[b] = static_cast<uint8_t>(v);
      carry = v >> 8;
    }
    if (carry != 0) return HexError(field, "integer exceeds uint256");
  }
  return w;
}

absl::StatusOr<Address> ParseAddress(std::string_view text, std::string_view field) {
  Address a;
  if (absl::Status s = DecodePrefixedHex(text, field, a); !s.ok()) return s;
  bool has_lower = false;
  bool has_upper = false;
  for (size_t i = 2; i < text.size(); ++i) {
    has_lower |= (text[i] >= 'a' && text[i] <= 'f');
    has_upper |= (text[i] >= 'A' && text[i] <= 'F');
  }
  if (has_lower && has_upper && std::string_view(ChecksumAddress(a)).substr(2) != text.substr(2)) {
    return HexError(field, "mixed-case address fails the EIP-55 checksum");
  }
  return a;
}

absl::StatusOr<Bytes32> ParseBytes32Hex(std::string_view text, std::string_view field) {
  Bytes32 w;
  if (absl::Status s = DecodePrefixedHex(text, field, w); !s.ok()) return s;
  return w;
}

std::string ChecksumAddress(const Address& address) {
  char lower[40];
  for (size_t i = 0; i < address.size(); ++i) {
    lower[2 * i] = kHexDigits[address[i] >> 4];
    lower[2 * i + 1] = kHexDigits[address[i] & 0xf];
  }
  const Bytes32 h = Keccak256(std::string_view(lower, sizeof(lower)));
  std::string out = "0x";
  out.reserve(42);
  for (size_t i = 0; i < 40; ++i) {
    const int nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0xf);
    char c = lower[i];
    if (c >= 'a' && nibble >= 8) c = static_cast<char>(c - 'a' + 'A');
    out.push_back(c);
  }
  return out;
}

void AppendHex(std::span<const uint8_t> bytes, std::string* out) {
  const size_t start = out->size();
  out->resize(start + 2 + 2 * bytes.size());
  char* p = out->data() + start;
  *p++ = '0';
  *p++ = 'x';
  for (uint8_t b : bytes) {
    *p++ = kHexDigits[b >> 4];
    *p++ = kHexDigits[b & 0xf];
  }
}

std::string ToHex(std::span<const uint8_t> bytes) {
  std::string out;
  AppendHex(bytes, &out);
  return out;
}

Bytes32 ExchangeDomainSeparator(std::string_view name, std::string_view version, uint64_t chain_id,
                                const Address& verifying_contract) {
  static const Bytes32 type_hash = Keccak256(kEip712DomainType);
  const Bytes32 name_hash = Keccak256(name);
  const Bytes32 version_hash = Keccak256(version);
  const Bytes32 chain = Uint256FromU64(chain_id);
  const Bytes32 contract = AddressWord(verifying_contract);
  const std::span<const uint8_t> parts[] = {type_hash, name_hash, version_hash, chain, contract};
  return Keccak256Concat(parts);
}

Bytes32 ClobAuthDomainSeparator(uint64_t chain_id) {
  static const Bytes32 type_hash = Keccak256(kClobAuthDomainType);
  static const Bytes32 name_hash = Keccak256(std::string_view("ClobAuthDomain"));
  static const Bytes32 version_hash = Keccak256(std::string_view("1"));
  const Bytes32 chain = Uint256FromU64(chain_id);
  const std::span<const uint8_t> parts[] = {type_hash, name_hash, version_hash, chain};
  return Keccak256Concat(parts);
}

Bytes32 HashOrderV2(const OrderV2Struct& o) {
  const Bytes32 maker = AddressWord(o.maker);
  const Bytes32 signer = AddressWord(o.signer);
  const Bytes32 side = U8Word(o.side);
  const Bytes32 sig_type = U8Word(o.signature_type);
  const std::span<const uint8_t> parts[] = {
      OrderV2TypeHash(), o.salt, maker,    signer,      o.token_id, o.maker_amount,
      o.taker_amount,    side,   sig_type, o.timestamp, o.metadata, o.builder};
  return Keccak256Concat(parts);
}

Bytes32 HashOrderV1(const OrderV1Struct& o) {
  const Bytes32 maker = AddressWord(o.maker);
  const Bytes32 signer = AddressWord(o.signer);
  const Bytes32 taker = AddressWord(o.taker);
  const Bytes32 side = U8Word(o.side);
  const Bytes32 sig_type = U8Word(o.signature_type);
  const std::span<const uint8_t> parts[] = {
      OrderV1TypeHash(), o.salt,       maker,   signer,         taker, o.token_id, o.maker_amount,
      o.taker_amount,    o.expiration, o.nonce, o.fee_rate_bps, side,  sig_type};
  return Keccak256Concat(parts);
}

Bytes32 HashClobAuth(const Address& address, std::string_view timestamp, uint64_t nonce,
                     std::string_view message) {
  const Bytes32 addr = AddressWord(address);
  const Bytes32 ts_hash = Keccak256(timestamp);
  const Bytes32 nonce_word = Uint256FromU64(nonce);
  const Bytes32 msg_hash = Keccak256(message);
  const std::span<const uint8_t> parts[] = {ClobAuthTypeHash(), addr, ts_hash, nonce_word,
                                            msg_hash};
  return Keccak256Concat(parts);
}

Bytes32 HashTypedDataSign(const Bytes32& contents_hash, std::string_view name,
                          std::string_view version, uint64_t chain_id,
                          const Address& verifying_contract, const Bytes32& salt) {
  const Bytes32 name_hash = Keccak256(name);
  const Bytes32 version_hash = Keccak256(version);
  const Bytes32 chain = Uint256FromU64(chain_id);
  const Bytes32 contract = AddressWord(verifying_contract);
  const std::span<const uint8_t> parts[] = {
      TypedDataSignTypeHash(), contents_hash, name_hash, version_hash, chain, contract, salt};
  return Keccak256Concat(parts);
}

Bytes32 TypedDataDigest(const Bytes32& domain_separator, const Bytes32& struct_hash) {
  static constexpr uint8_t kPrefix[2] = {0x19, 0x01};
  const std::span<const uint8_t> parts[] = {kPrefix, domain_separator, struct_hash};
  return Keccak256Concat(parts);
}

}  // namespace arbor::venue::polymarket
