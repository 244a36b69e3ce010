// File: arbor/venue/polymarket/eip712.h
//
// EIP-712 typed-data hashing for Polymarket: the exchange and ClobAuth domain separators, the
// Order struct hash (CLOB V2/V3, and V1 kept for regression vectors), the ClobAuth struct hash,
// the ERC-7739 TypedDataSign hash used by POLY_1271 deposit wallets, and the ABI value parsers
// (address, uint256 decimal, bytes32 hex) with hex output helpers.
// Pure functions over fixed-size values; thread-safe; the hashing functions never allocate.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/venue/polymarket/keccak.h"

namespace arbor::venue::polymarket {

// Canonical EIP-712 type strings (checked against the published typehashes in the tests).
inline constexpr std::string_view kEip712DomainType =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
inline constexpr std::string_view kClobAuthDomainType =
    "EIP712Domain(string name,string version,uint256 chainId)";
inline constexpr std::string_view kClobAuthType =
    "ClobAuth(address address,string timestamp,uint256 nonce,string message)";
inline constexpr std::string_view kOrderV2Type =
    "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,"
    "uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,"
    "bytes32 builder)";
inline constexpr std::string_view kOrderV1Type =
    "Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,"
    "uint256 makerAmount,uint256 takerAmount,uint256 expiration,uint256 nonce,"
    "uint256 feeRateBps,uint8 side,uint8 signatureType)";
// ERC-7739 nested type: the TypedDataSign head followed by the referenced Order V2 type.
inline constexpr std::string_view kTypedDataSignHeadType =
    "TypedDataSign(Order contents,string name,string version,uint256 chainId,"
    "address verifyingContract,bytes32 salt)";

// Typehashes (keccak256 of the type strings), computed once on first use.
const Bytes32& OrderV2TypeHash();
const Bytes32& OrderV1TypeHash();
const Bytes32& ClobAuthTypeHash();
const Bytes32& TypedDataSignTypeHash();

// ---- ABI values --------------------------------------------------------------------------

// Uint256FromU64: big-endian 32-byte encoding of a uint64.
Bytes32 Uint256FromU64(uint64_t v);

// ParseUint256Decimal
//
// Parses a canonical decimal uint256 ("0" or digits without a leading zero, at most 78 digits).
// Errors: InvalidArgument naming `field` for empty text, non-digits, leading zeros or a value
// >= 2^256.
[[nodiscard]] absl::StatusOr<Bytes32> ParseUint256Decimal(std::string_view text,
                                                          std::string_view field);

// ParseAddress
//
// Parses "0x" + 40 hex digits. All-lower or all-upper hex is accepted as is; mixed case must be
// a valid EIP-55 checksum. Errors: InvalidArgument naming `field` (wrong length, missing 0x,
// non-hex, bad checksum).
[[nodiscard]] absl::StatusOr<Address> ParseAddress(std::string_view text, std::string_view field);

// ParseBytes32Hex: "0x" + 64 hex digits. Errors: InvalidArgument naming `field`.
[[nodiscard]] absl::StatusOr<Bytes32> ParseBytes32Hex(std::string_view text,
                                                      std::string_view field);

// ChecksumAddress: "0x" + EIP-55 mixed-case hex.
std::string ChecksumAddress(const Address& address);

// AppendHex: appends "0x" + lower-case hex of `bytes` to *out.
void AppendHex(std::span<const uint8_t> bytes, std::string* out);
std::string ToHex(std::span<const uint8_t> bytes);

// ---- Domains and structs -----------------------------------------------------------------

// ExchangeDomainSeparator
//
// hashStruct(EIP712Domain{name, version, chainId, verifyingContract}).
Bytes32 ExchangeDomainSeparator(std::string_view name, std::string_view version, uint64_t chain_id,
                                const Address& verifying_contract);

// ClobAuthDomainSeparator: domain {name:"ClobAuthDomain", version:"1", chainId} (no contract).
Bytes32 ClobAuthDomainSeparator(uint64_t chain_id);

// The CLOB V2/V3 order as signed (expiration is not part of the signed struct).
struct OrderV2Struct {
  Bytes32 salt{};
  Address maker{};
  Address signer{};
  Bytes32 token_id{};
  Bytes32 maker_amount{};
  Bytes32 taker_amount{};
  uint8_t side = 0;            // 0 = BUY, 1 = SELL
  uint8_t signature_type = 0;  // 0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271
  Bytes32 timestamp{};         // milliseconds
  Bytes32 metadata{};
  Bytes32 builder{};
};

// The legacy CLOB V1 order (regression vectors only; rejected on production).
struct OrderV1Struct {
  Bytes32 salt{};
  Address maker{};
  Address signer{};
  Address taker{};
  Bytes32 token_id{};
  Bytes32 maker_amount{};
  Bytes32 taker_amount{};
  Bytes32 expiration{};
  Bytes32 nonce{};
  Bytes32 fee_rate_bps{};
  uint8_t side = 0;
  uint8_t signature_type = 0;
};

Bytes32 HashOrderV2(const OrderV2Struct& order);
Bytes32 HashOrderV1(const OrderV1Struct& order);

// HashClobAuth: hashStruct(ClobAuth{address, timestamp (string), nonce, message}).
Bytes32 HashClobAuth(const Address& address, std::string_view timestamp, uint64_t nonce,
                     std::string_view message);

// HashTypedDataSign
//
// ERC-7739 hashStruct(TypedDataSign{contents, name, version, chainId, verifyingContract, salt})
// where `contents_hash` = hashStruct(order).
Bytes32 HashTypedDataSign(const Bytes32& contents_hash, std::string_view name,
                          std::string_view version, uint64_t chain_id,
                          const Address& verifying_contract, const Bytes32& salt);

// TypedDataDigest: keccak256(0x19 0x01 ‖ domainSeparator ‖ structHash), the value signed.
Bytes32 TypedDataDigest(const Bytes32& domain_separator, const Bytes32& struct_hash);

}  // namespace arbor::venue::polymarket
