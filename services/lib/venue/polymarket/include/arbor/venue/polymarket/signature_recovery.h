// File: arbor/venue/polymarket/signature_recovery.h
//
// The verifying side of Polymarket's ECDSA signatures: recovers the Ethereum address that signed
// a 32-byte digest from a 65-byte r ‖ s ‖ v signature (libsecp256k1 recovery module), as the
// venue does for ClobAuth (L1) and Order signatures. High-S signatures are rejected (the
// exchange contracts and every SDK produce low-S). One process-wide libsecp256k1 context is
// created once; the functions are pure otherwise and thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/venue/polymarket/keccak.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"

namespace arbor::venue::polymarket {

// ParseSignatureHex
//
// Parses "0x" + 130 hex digits (65 bytes) into a signature. Errors: InvalidArgument naming
// `field` for a missing 0x, a wrong length or a non-hex character.
[[nodiscard]] absl::StatusOr<EcdsaSignature> ParseSignatureHex(std::string_view text,
                                                               std::string_view field);

// RecoverSigner
//
// The address whose key produced `signature` (r ‖ s ‖ v, v ∈ {27, 28} or {0, 1}) over
// `digest`. Errors: InvalidArgument for a signature that is not 65 bytes, a bad v, r or s out
// of range, a high-S value, or a signature from which no public key can be recovered. A
// signature over a different digest recovers a different (unrelated) address, not an error:
// callers compare the result with the claimed signer.
[[nodiscard]] absl::StatusOr<Address> RecoverSigner(const Bytes32& digest,
                                                    std::span<const uint8_t> signature);

}  // namespace arbor::venue::polymarket
