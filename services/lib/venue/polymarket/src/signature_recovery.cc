// libsecp256k1 recovery: parse the compact recoverable signature, refuse high-S (a malleated
// signature of the same key would otherwise be accepted), recover the public key and hash it to
// an address exactly as Secp256k1Signer derives its own address.
#include "arbor/venue/polymarket/signature_recovery.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/strings.h"

namespace arbor::venue::polymarket {
namespace {

// Verification needs no precomputed tables or randomisation, so a separate context from the
// signer's is created once and shared read-only.
const secp256k1_context* Context() {
  static const secp256k1_context* const ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    ARBOR_CHECK(c != nullptr, "secp256k1_context_create failed");
    return c;
  }();
  return ctx;
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<EcdsaSignature> ParseSignatureHex(std::string_view text, std::string_view field) {
  if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": expected 0x-prefixed hex"));
  }
  text.remove_prefix(2);
  EcdsaSignature out{};
  if (text.size() != 2 * out.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(field), ": expected 130 hex digits (65 bytes), got ", text.size()));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexNibble(text[2 * i]);
    const int lo = HexNibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(field), ": non-hex character at offset ", 2 + 2 * i));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

absl::StatusOr<Address> RecoverSigner(const Bytes32& digest, std::span<const uint8_t> signature) {
  if (signature.size() != 65) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature: expected 65 bytes, got ", signature.size()));
  }
  int recid = signature[64];
  if (recid >= 27) recid -= 27;
  if (recid != 0 && recid != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature: bad v ", static_cast<int>(signature[64])));
  }
  const secp256k1_context* ctx = Context();
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, signature.data(), recid) !=
      1) {
    return absl::InvalidArgumentError("signature: r or s out of range");
  }
  secp256k1_ecdsa_signature plain;
  secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rsig);
  // normalize returns 1 when the input was high-S.
  if (secp256k1_ecdsa_signature_normalize(ctx, nullptr, &plain) == 1) {
    return absl::InvalidArgumentError("signature: high-S value (not canonical)");
  }
  secp256k1_pubkey pubkey;
  if (secp256k1_ecdsa_recover(ctx, &pubkey, &rsig, digest.data()) != 1) {
    return absl::InvalidArgumentError("signature: no public key recovers from it");
  }
  uint8_t serialized[65];
  size_t len = sizeof(serialized);
  secp256k1_ec_pubkey_serialize(ctx, serialized, &len, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  const Bytes32 h = Keccak256(std::span<const uint8_t>(serialized + 1, 64));
  Address out{};
  std::copy(h.begin() + 12, h.end(), out.begin());
  return out;
}

}  // namespace arbor::venue::polymarket
