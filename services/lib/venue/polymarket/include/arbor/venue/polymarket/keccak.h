// File: arbor/venue/polymarket/keccak.h
//
// Keccak-256 as used by Ethereum (the original Keccak padding 0x01, NOT FIPS-202 SHA3-256 whose
// padding is 0x06), plus the fixed-size byte types shared by the EIP-712 / secp256k1 code.
// Backed by Crypto++ Keccak_256. Pure functions; thread-safe; no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace arbor::venue::polymarket {

// A 32-byte word: a hash, an ABI-encoded uint256 (big-endian) or a bytes32.
using Bytes32 = std::array<uint8_t, 32>;
// A 20-byte Ethereum address.
using Address = std::array<uint8_t, 20>;

// Keccak256
//
// Ethereum Keccak-256 of `data`. Keccak256("") is
// c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470.
Bytes32 Keccak256(std::span<const uint8_t> data);

// Keccak256 of the bytes of a string (type strings, UTF-8 message fields).
Bytes32 Keccak256(std::string_view data);

// Keccak256Concat
//
// Keccak-256 of the concatenation of `parts` without materialising it (EIP-712 struct encoding
// is a concatenation of 32-byte words).
Bytes32 Keccak256Concat(std::span<const std::span<const uint8_t>> parts);

}  // namespace arbor::venue::polymarket
