// File: arbor/venue/polymarket/order_signer.h
//
// Builds and signs Polymarket CLOB V2/V3 orders: exchange selection per chain/version/neg-risk,
// the EIP-712 Order digest (the order hash the venue uses as order id), the ECDSA signature for
// signature types 0-2 and the ERC-7739 wrapped signature for type 3 (POLY_1271 deposit wallets),
// and the `order` object of the POST /order body. Salt and timestamp are chosen by the caller so
// signing is deterministic. An OrderSigner only reads its key and is safe to share across threads;
// Sign and AppendOrderJson do not allocate once `out` has capacity.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/keccak.h"
#include "arbor/venue/polymarket/order_amounts.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"

namespace arbor::venue::polymarket {

inline constexpr std::string_view kExchangeDomainName = "Polymarket CTF Exchange";
inline constexpr uint64_t kPolygonChainId = 137;
inline constexpr uint64_t kAmoyChainId = 80002;

enum class SignatureType : uint8_t {
  kEoa = 0,
  kPolyProxy = 1,
  kPolyGnosisSafe = 2,
  kPoly1271 = 3,
};

// An exchange EIP-712 domain with its separator precomputed.
struct ExchangeDomain {
  uint64_t chain_id = 0;
  int version = 0;  // 2 or 3
  Address contract{};
  Bytes32 separator{};
};

// ExchangeContract
//
// The verifying contract for (chain, version, neg_risk): V2 standard
// 0xE111180000d2663C0091e4f400237545B87B996B / neg-risk 0xe2222d279d744050d28e00520010520000310F59
// (both chains); V3 single contract 0xe3333700cA9d93003F00f0F71f8515005F6c00Aa (137) or
// 0x9fE6e61422AdB6F610d8597F9684b16912D50C3D (80002), for which neg_risk is irrelevant.
// Errors: InvalidArgument for a chain other than 137/80002 or a version other than 2/3.
[[nodiscard]] absl::StatusOr<Address> ExchangeContract(uint64_t chain_id, int version,
                                                       bool neg_risk);

// MakeExchangeDomain: ExchangeContract + the domain separator. Errors: as ExchangeContract.
[[nodiscard]] absl::StatusOr<ExchangeDomain> MakeExchangeDomain(uint64_t chain_id, int version,
                                                                bool neg_risk);

// An unsigned V2/V3 order. Amounts are 1e-6 units (see order_amounts.h).
struct OrderV2 {
  uint64_t salt = 0;
  Address maker{};
  Address signer{};
  std::string token_id;  // canonical decimal uint256
  int64_t maker_amount = 0;
  int64_t taker_amount = 0;
  OrderSide side = OrderSide::kBuy;
  SignatureType signature_type = SignatureType::kEoa;
  uint64_t timestamp_ms = 0;
  Bytes32 metadata{};
  Bytes32 builder{};
  uint64_t expiration = 0;  // unix seconds; sent in the body, not signed
};

// The POLY_1271 signature is 65 + 32 + 32 + 186 + 2 bytes; plain ECDSA is 65.
inline constexpr size_t kPoly1271SignatureSize = 317;

struct SignedOrderV2 {
  Bytes32 hash{};  // EIP-712 Order digest
  std::array<uint8_t, kPoly1271SignatureSize> signature_bytes{};
  size_t signature_size = 0;

  std::span<const uint8_t> signature() const { return {signature_bytes.data(), signature_size}; }
};

// ToOrderStruct
//
// The typed struct that is hashed. Errors: InvalidArgument for a token_id that is not a
// canonical decimal uint256 or negative amounts.
[[nodiscard]] absl::StatusOr<OrderV2Struct> ToOrderStruct(const OrderV2& order);

class OrderSigner {
 public:
  // `key` must outlive the OrderSigner.
  explicit OrderSigner(const Secp256k1Signer* key) : key_(key) {}

  // Sign
  //
  // Hashes `order` under `domain` and signs it with the key. For signature types 0-2 the order's
  // signer must be the key's address; for type 3 the signer is the deposit wallet (= maker) and
  // the key is its owner. Errors: InvalidArgument for a signer mismatch (types 0-2), a type-3
  // order whose signer differs from maker, or a bad token_id/amount (see ToOrderStruct).
  [[nodiscard]] absl::Status Sign(const ExchangeDomain& domain, const OrderV2& order,
                                  SignedOrderV2* out) const;

 private:
  const Secp256k1Signer* key_;
};

// AppendOrderJson
//
// Appends the POST /order body's `order` object, compact, with the official client's key order
// (clob-client-v2 orderToJsonV2): salt (JSON number), maker, signer (EIP-55), tokenId,
// makerAmount, takerAmount (strings), side ("BUY"/"SELL"), signatureType (number), timestamp,
// expiration (strings), metadata, builder, signature (0x hex).
void AppendOrderJson(const OrderV2& order, const SignedOrderV2& signed_order, std::string* out);

}  // namespace arbor::venue::polymarket
