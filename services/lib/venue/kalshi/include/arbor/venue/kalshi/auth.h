// File: arbor/venue/kalshi/auth.h
//
// Kalshi request signing (KALSHI.md §2.2, TEST_VECTORS.md §10). Every REST request and the
// WebSocket upgrade carry KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP (ms) and
// KALSHI-ACCESS-SIGNATURE = base64(RSA-PSS-SHA256(timestamp_ms + METHOD + path)), with MGF1-SHA-256
// and a 32-byte salt; `path` excludes the query string. SignatureVerifier checks such a
// signature with the public key (used by the venue simulator and by tests).
//
// Thread safety: RequestSigner and SignatureVerifier are immutable after construction; their
// const methods may be called from any thread concurrently (each call uses its own EVP context).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace arbor::venue::kalshi {

inline constexpr std::string_view kAccessKeyHeader = "KALSHI-ACCESS-KEY";
inline constexpr std::string_view kAccessTimestampHeader = "KALSHI-ACCESS-TIMESTAMP";
inline constexpr std::string_view kAccessSignatureHeader = "KALSHI-ACCESS-SIGNATURE";
// The path signed for the WebSocket upgrade (method "GET").
inline constexpr std::string_view kWsSignPath = "/trade-api/ws/v2";
// RSA-PSS salt length Kalshi uses: the SHA-256 digest length.
inline constexpr int kPssSaltLength = 32;

// The three authentication headers of one request.
struct AuthHeaders {
  std::string access_key;  // KALSHI-ACCESS-KEY
  std::string timestamp;   // KALSHI-ACCESS-TIMESTAMP, decimal milliseconds since the epoch
  std::string signature;   // KALSHI-ACCESS-SIGNATURE, padded standard base64
};

// SigningMessage
//
// Returns the exact bytes that are signed: decimal `timestamp_ms`, then `method` upper-cased
// (ASCII), then `path` cut at the first '?' (the query string is not signed). `path` must
// include the "/trade-api/v2" prefix; it is used verbatim otherwise.
std::string SigningMessage(int64_t timestamp_ms, std::string_view method, std::string_view path);

// Base64Encode
//
// Standard alphabet, padded (RFC 4648 §4).
std::string Base64Encode(std::string_view bytes);

// Base64Decode
//
// Inverse of Base64Encode; requires padded standard base64 with no whitespace.
// Errors: kInvalidArgument naming the offending byte offset.
[[nodiscard]] absl::StatusOr<std::string> Base64Decode(std::string_view text);

class RequestSigner {
 public:
  // FromPemString
  //
  // Loads an RSA private key in PEM form ("BEGIN RSA PRIVATE KEY" = PKCS#1 or "BEGIN PRIVATE
  // KEY" = PKCS#8, unencrypted). `key_id` is the API key id sent as KALSHI-ACCESS-KEY.
  // Errors: kInvalidArgument if the PEM does not parse or the key is not RSA, or `key_id` is
  // empty. Error messages never contain key material.
  [[nodiscard]] static absl::StatusOr<RequestSigner> FromPemString(std::string key_id,
                                                                   std::string_view pem);

  // FromPemFile
  //
  // As FromPemString, reading the PEM from `path`. Errors: kNotFound / kPermissionDenied /
  // kInternal if the file cannot be read (the message names the path, never its content).
  [[nodiscard]] static absl::StatusOr<RequestSigner> FromPemFile(std::string key_id,
                                                                 const std::string& path);

  // Sign
  //
  // Returns base64(RSA-PSS-SHA256(message)) with MGF1-SHA-256 and a 32-byte salt. PSS is
  // randomised: two calls give different signatures that both verify.
  // Errors: kInternal if OpenSSL fails (the OpenSSL reason is included).
  [[nodiscard]] absl::StatusOr<std::string> Sign(std::string_view message) const;

  // Headers
  //
  // Builds the three headers for `method` `path` (query string allowed; it is not signed) at
  // `timestamp_ms`. Errors: as Sign.
  [[nodiscard]] absl::StatusOr<AuthHeaders> Headers(int64_t timestamp_ms, std::string_view method,
                                                    std::string_view path) const;

  // WsHeaders
  //
  // Headers for the WebSocket upgrade: signs "GET" + "/trade-api/ws/v2". Errors: as Sign.
  [[nodiscard]] absl::StatusOr<AuthHeaders> WsHeaders(int64_t timestamp_ms) const;

  const std::string& key_id() const { return key_id_; }

 private:
  struct Key;
  RequestSigner(std::string key_id, std::shared_ptr<const Key> key);

  std::string key_id_;
  std::shared_ptr<const Key> key_;
};

class SignatureVerifier {
 public:
  // FromPublicKeyPem
  //
  // Loads an RSA public key ("BEGIN PUBLIC KEY" = SubjectPublicKeyInfo, or "BEGIN RSA PUBLIC
  // KEY" = PKCS#1). Errors: kInvalidArgument if it does not parse or is not RSA.
  [[nodiscard]] static absl::StatusOr<SignatureVerifier> FromPublicKeyPem(std::string_view pem);

  // Verify
  //
  // Checks `signature_b64` over `message` with RSA-PSS-SHA256, MGF1-SHA-256 and exactly
  // `salt_length` bytes of salt (a signature made with another salt length is rejected).
  // Errors: kInvalidArgument for bad base64; kUnauthenticated if the signature does not match.
  [[nodiscard]] absl::Status Verify(std::string_view message, std::string_view signature_b64,
                                    int salt_length = kPssSaltLength) const;

 private:
  struct Key;
  explicit SignatureVerifier(std::shared_ptr<const Key> key);

  std::shared_ptr<const Key> key_;
};

}  // namespace arbor::venue::kalshi
