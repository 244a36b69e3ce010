// Order signing. The plain Order digest is the order hash for every signature type; a POLY_1271
// order additionally signs the ERC-7739 TypedDataSign envelope (DepositWallet fields nested
// inside, the exchange as app domain) and ships the envelope parts after the inner signature so
// the deposit wallet's isValidSignature can rebuild the digest.
#include "arbor/venue/polymarket/order_signer.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"

namespace arbor::venue::polymarket {
namespace {

constexpr Address MakeAddress(std::string_view hex) {
  Address a{};
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    return static_cast<uint8_t>(c - 'A' + 10);
  };
  for (size_t i = 0; i < 20; ++i) {
    a[i] = static_cast<uint8_t>(nibble(hex[2 + 2 * i]) << 4 | nibble(hex[3 + 2 * i]));
  }
  return a;
}

constexpr Address kV2Standard = MakeAddress("0xE111180000d2663C0091e4f400237545B87B996B");
constexpr Address kV2NegRisk = MakeAddress("0xe2222d279d744050d28e00520010520000310F59");
constexpr Address kV3Polygon = MakeAddress("0xe3333700cA9d93003F00f0F71f8515005F6c00Aa");
constexpr Address kV3Amoy = MakeAddress("0x9fE6e61422AdB6F610d8597F9684b16912D50C3D");

void AppendU64(uint64_t v, std::string* out) {
  char buf[20];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out->push_back(buf[--n]);
}

void AppendQuotedU64(uint64_t v, std::string* out) {
  out->push_back('"');
  AppendU64(v, out);
  out->push_back('"');
}

// EIP-55 without allocating: hash the lower-case hex, upper-case letters whose nibble >= 8.
void AppendChecksumAddress(const Address& a, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char lower[40];
  for (size_t i = 0; i < a.size(); ++i) {
    lower[2 * i] = kHex[a[i] >> 4];
    lower[2 * i + 1] = kHex[a[i] & 0xf];
  }
  const Bytes32 h = Keccak256(std::string_view(lower, sizeof(lower)));
  out->append("\"0x");
  for (size_t i = 0; i < 40; ++i) {
    const int nib = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0xf);
    char c = lower[i];
    if (c >= 'a' && nib >= 8) c = static_cast<char>(c - 'a' + 'A');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendQuotedHex(std::span<const uint8_t> bytes, std::string* out) {
  out->push_back('"');
  AppendHex(bytes, out);
  out->push_back('"');
}

}  // namespace

absl::StatusOr<Address> ExchangeContract(uint64_t chain_id, int version, bool neg_risk) {
  if (chain_id != kPolygonChainId && chain_id != kAmoyChainId) {
    return absl::InvalidArgumentError(
        absl::StrCat("chain_id: ", chain_id, " is not 137 (Polygon) or 80002 (Amoy)"));
  }
  if (version == 2) return neg_risk ? kV2NegRisk : kV2Standard;
  if (version == 3) return chain_id == kPolygonChainId ? kV3Polygon : kV3Amoy;
  return absl::InvalidArgumentError(absl::StrCat("version: ", version, " is not 2 or 3"));
}

absl::StatusOr<ExchangeDomain> MakeExchangeDomain(uint64_t chain_id, int version, bool neg_risk) {
  ARBOR_ASSIGN_OR_RETURN(const Address contract, ExchangeContract(chain_id, version, neg_risk));
  ExchangeDomain d;
  d.chain_id = chain_id;
  d.version = version;
  d.contract = contract;
  d.separator =
      ExchangeDomainSeparator(kExchangeDomainName, version == 2 ? "2" : "3", chain_id, contract);
  return d;
}

absl::StatusOr<OrderV2Struct> ToOrderStruct(const OrderV2& order) {
  if (order.maker_amount < 0 || order.taker_amount < 0) {
    return absl::InvalidArgumentError("makerAmount/takerAmount: must not be negative");
  }
  OrderV2Struct s;
  ARBOR_ASSIGN_OR_RETURN(s.token_id, ParseUint256Decimal(order.token_id, "token_id"));
  s.salt = Uint256FromU64(order.salt);
  s.maker = order.maker;
  s.signer = order.signer;
  s.maker_amount = Uint256FromU64(static_cast<uint64_t>(order.maker_amount));
  s.taker_amount = Uint256FromU64(static_cast<uint64_t>(order.taker_amount));
  s.side = static_cast<uint8_t>(order.side);
  s.signature_type = static_cast<uint8_t>(order.signature_type);
  s.timestamp = Uint256FromU64(order.timestamp_ms);
  s.metadata = order.metadata;
  s.builder = order.builder;
  return s;
}

absl::Status OrderSigner::Sign(const ExchangeDomain& domain, const OrderV2& order,
                               SignedOrderV2* out) const {
  if (order.signature_type == SignatureType::kPoly1271) {
    if (order.signer != order.maker) {
      return absl::InvalidArgumentError(
          "signer: a POLY_1271 order's signer must be the deposit wallet (= maker)");
    }
  } else if (order.signer != key_->address()) {
    return absl::InvalidArgumentError("signer: does not match the signing key's address");
  }
  ARBOR_ASSIGN_OR_RETURN(const OrderV2Struct s, ToOrderStruct(order));
  const Bytes32 contents = HashOrderV2(s);
  out->hash = TypedDataDigest(domain.separator, contents);
  if (order.signature_type != SignatureType::kPoly1271) {
    const EcdsaSignature sig = key_->Sign(out->hash);
    std::memcpy(out->signature_bytes.data(), sig.data(), sig.size());
    out->signature_size = sig.size();
    return absl::OkStatus();
  }
  static const Bytes32 kZero{};
  const Bytes32 envelope =
      HashTypedDataSign(contents, "DepositWallet", "1", domain.chain_id, order.signer, kZero);
  const EcdsaSignature inner = key_->Sign(TypedDataDigest(domain.separator, envelope));
  uint8_t* p = out->signature_bytes.data();
  std::memcpy(p, inner.data(), inner.size());
  p += inner.size();
  std::memcpy(p, domain.separator.data(), 32);
  p += 32;
  std::memcpy(p, contents.data(), 32);
  p += 32;
  std::memcpy(p, kOrderV2Type.data(), kOrderV2Type.size());
  p += kOrderV2Type.size();
  *p++ = static_cast<uint8_t>(kOrderV2Type.size() >> 8);
  *p++ = static_cast<uint8_t>(kOrderV2Type.size() & 0xff);
  out->signature_size = static_cast<size_t>(p - out->signature_bytes.data());
  return absl::OkStatus();
}

void AppendOrderJson(const OrderV2& order, const SignedOrderV2& signed_order, std::string* out) {
  out->append("{\"salt\":");
  AppendU64(order.salt, out);
  out->append(",\"maker\":");
  AppendChecksumAddress(order.maker, out);
  out->append(",\"signer\":");
  AppendChecksumAddress(order.signer, out);
  out->append(",\"tokenId\":\"");
  out->append(order.token_id);
  out->append("\",\"makerAmount\":");
  AppendQuotedU64(static_cast<uint64_t>(order.maker_amount), out);
  out->append(",\"takerAmount\":");
  AppendQuotedU64(static_cast<uint64_t>(order.taker_amount), out);
  out->append(order.side == OrderSide::kBuy ? ",\"side\":\"BUY\"" : ",\"side\":\"SELL\"");
  out->append(",\"signatureType\":");
  AppendU64(static_cast<uint64_t>(order.signature_type), out);
  out->append(",\"timestamp\":");
  AppendQuotedU64(order.timestamp_ms, out);
  out->append(",\"expiration\":");
  AppendQuotedU64(order.expiration, out);
  out->append(",\"metadata\":");
  AppendQuotedHex(order.metadata, out);
  out->append(",\"builder\":");
  AppendQuotedHex(order.builder, out);
  out->append(",\"signature\":");
  AppendQuotedHex(signed_order.signature(), out);
  out->push_back('}');
}

}  // namespace arbor::venue::polymarket
