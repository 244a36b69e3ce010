// libsecp256k1 wrapper. The context is created once with SECP256K1_CONTEXT_NONE (sufficient for
// signing since libsecp256k1 0.2) and randomised at creation so signing uses blinded scalar
// multiplication; randomisation does not change the deterministic RFC 6979 output.
#include "arbor/venue/polymarket/secp256k1_signer.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>

#include "absl/status/status.h"
#include "arbor/core/check.h"
#include "arbor/venue/polymarket/eip712.h"

namespace arbor::venue::polymarket {
namespace {

const secp256k1_context* Context() {
  static const secp256k1_context* const ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    ARBOR_CHECK(c != nullptr, "secp256k1_context_create failed");
    unsigned char seed[32];
    if (RAND_bytes(seed, sizeof(seed)) == 1) {
      ARBOR_CHECK(secp256k1_context_randomize(c, seed) == 1, "secp256k1_context_randomize failed");
    }
    OPENSSL_cleanse(seed, sizeof(seed));
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

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

absl::StatusOr<std::unique_ptr<Secp256k1Signer>> Secp256k1Signer::FromHex(std::string_view hex) {
  while (!hex.empty() && IsSpace(hex.front())) hex.remove_prefix(1);
  while (!hex.empty() && IsSpace(hex.back())) hex.remove_suffix(1);
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() != 64) {
    return absl::InvalidArgumentError("private key: expected 64 hex digits (32 bytes)");
  }
  std::unique_ptr<Secp256k1Signer> signer(new Secp256k1Signer());
  for (size_t i = 0; i < 32; ++i) {
    const int hi = HexNibble(hex[2 * i]);
    const int lo = HexNibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError("private key: non-hex character");
    }
    signer->key_[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (secp256k1_ec_seckey_verify(Context(), signer->key_.data()) != 1) {
    return absl::InvalidArgumentError("private key: not in [1, n-1]");
  }
  secp256k1_pubkey pubkey;
  ARBOR_CHECK(secp256k1_ec_pubkey_create(Context(), &pubkey, signer->key_.data()) == 1,
              "secp256k1_ec_pubkey_create failed on a verified key");
  uint8_t serialized[65];
  size_t len = sizeof(serialized);
  secp256k1_ec_pubkey_serialize(Context(), serialized, &len, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  // Address = last 20 bytes of keccak256(X ‖ Y), skipping the 0x04 prefix.
  const Bytes32 h = Keccak256(std::span<const uint8_t>(serialized + 1, 64));
  std::copy(h.begin() + 12, h.end(), signer->address_.begin());
  signer->address_text_ = ChecksumAddress(signer->address_);
  return signer;
}

Secp256k1Signer::~Secp256k1Signer() { OPENSSL_cleanse(key_.data(), key_.size()); }

EcdsaSignature Secp256k1Signer::Sign(const Bytes32& digest) const {
  secp256k1_ecdsa_recoverable_signature sig;
  // A NULL nonce function selects secp256k1_nonce_function_rfc6979 (deterministic).
  ARBOR_CHECK(secp256k1_ecdsa_sign_recoverable(Context(), &sig, digest.data(), key_.data(), nullptr,
                                               nullptr) == 1,
              "secp256k1_ecdsa_sign_recoverable failed on a verified key");
  EcdsaSignature out;
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(Context(), out.data(), &recid, &sig);
  out[64] = static_cast<uint8_t>(27 + recid);
  return out;
}

}  // namespace arbor::venue::polymarket
