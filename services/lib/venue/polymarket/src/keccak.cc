// Keccak-256 via Crypto++. Crypto++'s Keccak_256 implements the pre-standard padding Ethereum
// uses; SHA3_256 in the same library would give different digests.
#include "arbor/venue/polymarket/keccak.h"

#include <cryptopp/keccak.h>

namespace arbor::venue::polymarket {

Bytes32 Keccak256(std::span<const uint8_t> data) {
  CryptoPP::Keccak_256 hash;
  hash.Update(data.data(), data.size());
  Bytes32 out;
  hash.Final(out.data());
  return out;
}

Bytes32 Keccak256(std::string_view data) {
  return Keccak256(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

Bytes32 Keccak256Concat(std::span<const std::span<const uint8_t>> parts) {
  CryptoPP::Keccak_256 hash;
  for (const std::span<const uint8_t>& part : parts) hash.Update(part.data(), part.size());
  Bytes32 out;
  hash.Final(out.data());
  return out;
}

}  // namespace arbor::venue::polymarket
