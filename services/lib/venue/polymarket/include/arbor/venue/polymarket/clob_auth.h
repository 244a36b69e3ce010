// File: arbor/venue/polymarket/clob_auth.h
//
// CLOB API authentication (POLYMARKET.md §7). L1: an EIP-712 ClobAuth signature by the wallet
// key (used to create/derive API keys). L2: HMAC-SHA256 over timestamp + METHOD + path + body
// keyed by the base64url-decoded API secret, encoded as URL-safe base64 with padding kept.
// L2Signer holds the decoded secret and cleanses it on destruction; it is immutable after
// construction and safe to share across threads. Secrets never appear in Status messages.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"

namespace arbor::venue::polymarket {

inline constexpr std::string_view kClobAuthMessage =
    "This message attests that I control the given wallet";

struct L1Headers {
  std::string poly_address;    // signer EOA, EIP-55
  std::string poly_signature;  // 0x + 65-byte hex
  std::string poly_timestamp;  // exactly the signed string
  std::string poly_nonce;      // decimal
};

// BuildL1Headers
//
// Signs ClobAuth{address: key address, timestamp, nonce, message: kClobAuthMessage} under the
// domain {name:"ClobAuthDomain", version:"1", chainId}. `timestamp` is signed as a string
// (unix seconds as text). Errors: InvalidArgument for an empty timestamp.
[[nodiscard]] absl::StatusOr<L1Headers> BuildL1Headers(const Secp256k1Signer& key,
                                                       uint64_t chain_id,
                                                       std::string_view timestamp, uint64_t nonce);

struct L2Headers {
  std::string poly_address;
  std::string poly_signature;
  std::string poly_timestamp;
  std::string poly_api_key;
  std::string poly_passphrase;
};

class L2Signer {
 public:
  // Create
  //
  // `secret` is the API secret as base64 (URL-safe or standard alphabet, padding optional).
  // Errors: InvalidArgument "api secret: ..." for an empty or undecodable secret (the message
  // never contains the secret).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<L2Signer>> Create(
      std::string_view address, std::string_view api_key, std::string_view secret,
      std::string_view passphrase);

  L2Signer(const L2Signer&) = delete;
  L2Signer& operator=(const L2Signer&) = delete;
  ~L2Signer();

  // Signature
  //
  // base64url(HMAC-SHA256(secret, timestamp + method + path + body)), '=' padding kept. `path`
  // must exclude the query string; `body` must be byte-identical to what is sent (empty = none).
  std::string Signature(std::string_view timestamp, std::string_view method, std::string_view path,
                        std::string_view body) const;

  // Headers: the five L2 headers for one request (timestamp in unix seconds as text).
  L2Headers Headers(std::string_view timestamp, std::string_view method, std::string_view path,
                    std::string_view body) const;

 private:
  L2Signer() = default;

  std::vector<uint8_t> secret_;
  std::string address_;
  std::string api_key_;
  std::string passphrase_;
};

}  // namespace arbor::venue::polymarket
