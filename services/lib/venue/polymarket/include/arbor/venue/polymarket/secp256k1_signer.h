// File: arbor/venue/polymarket/secp256k1_signer.h
//
// An Ethereum signing key: RFC 6979 deterministic recoverable ECDSA over secp256k1 (libsecp256k1,
// always low-S), 65-byte r ‖ s ‖ v signatures with v = 27/28, and the key's address
// (keccak256(uncompressed pubkey)[12:]). One process-wide libsecp256k1 context is created once.
// The private key is a secret: it is never logged or put in a Status, and it is cleansed on
// destruction. A Secp256k1Signer is immutable after construction and safe to share across threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/venue/polymarket/keccak.h"

namespace arbor::venue::polymarket {

// r(32) ‖ s(32) ‖ v(1), v ∈ {27, 28}.
using EcdsaSignature = std::array<uint8_t, 65>;

class Secp256k1Signer {
 public:
  // FromHex
  //
  // Builds a signer from a 32-byte private key as 64 hex digits, with or without "0x";
  // surrounding ASCII whitespace (a trailing newline from a key file) is ignored.
  // Errors: InvalidArgument "private key: ..." for bad length/characters or a key outside
  // [1, n-1]. The message never contains key material.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Secp256k1Signer>> FromHex(
      std::string_view hex);

  Secp256k1Signer(const Secp256k1Signer&) = delete;
  Secp256k1Signer& operator=(const Secp256k1Signer&) = delete;
  ~Secp256k1Signer();

  // Sign: deterministic (RFC 6979) low-S recoverable signature of a 32-byte digest.
  EcdsaSignature Sign(const Bytes32& digest) const;

  // The key's Ethereum address.
  const Address& address() const { return address_; }
  // The address as an EIP-55 checksummed string.
  const std::string& address_checksummed() const { return address_text_; }

 private:
  Secp256k1Signer() = default;

  std::array<uint8_t, 32> key_{};
  Address address_{};
  std::string address_text_;
};

}  // namespace arbor::venue::polymarket
