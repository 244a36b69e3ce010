// L1/L2 auth. Base64 is handled here (OpenSSL's EVP base64 only speaks the standard alphabet
// and rejects missing padding, while API secrets arrive URL-safe).
#include "arbor/venue/polymarket/clob_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "absl/status/status.h"
#include "arbor/core/check.h"
#include "arbor/venue/polymarket/eip712.h"

namespace arbor::venue::polymarket {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

bool Base64Decode(std::string_view text, std::vector<uint8_t>* out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = Base64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return true;
}

std::string Base64UrlEncode(const uint8_t* data, size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8 | data[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (n - i == 1) {
    const uint32_t v = uint32_t{data[i]} << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (n - i == 2) {
    const uint32_t v = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

}  // namespace

absl::StatusOr<L1Headers> BuildL1Headers(const Secp256k1Signer& key, uint64_t chain_id,
                                         std::string_view timestamp, uint64_t nonce) {
  if (timestamp.empty()) return absl::InvalidArgumentError("timestamp: empty");
  const Bytes32 digest =
      TypedDataDigest(ClobAuthDomainSeparator(chain_id),
                      HashClobAuth(key.address(), timestamp, nonce, kClobAuthMessage));
  const EcdsaSignature sig = key.Sign(digest);
  L1Headers h;
  h.poly_address = key.address_checksummed();
  h.poly_signature = ToHex(sig);
  h.poly_timestamp = std::string(timestamp);
  h.poly_nonce = std::to_string(nonce);
  return h;
}

absl::StatusOr<std::unique_ptr<L2Signer>> L2Signer::Create(std::string_view address,
                                                           std::string_view api_key,
                                                           std::string_view secret,
                                                           std::string_view passphrase) {
  std::unique_ptr<L2Signer> s(new L2Signer());
  if (secret.empty() || !Base64Decode(secret, &s->secret_) || s->secret_.empty()) {
    return absl::InvalidArgumentError("api secret: not valid base64/base64url");
  }
  s->address_ = std::string(address);
  s->api_key_ = std::string(api_key);
  s->passphrase_ = std::string(passphrase);
  return s;
}

L2Signer::~L2Signer() {
  OPENSSL_cleanse(secret_.data(), secret_.size());
  OPENSSL_cleanse(passphrase_.data(), passphrase_.size());
}

std::string L2Signer::Signature(std::string_view timestamp, std::string_view method,
                                std::string_view path, std::string_view body) const {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  ARBOR_CHECK(mac != nullptr, "EVP_MAC_fetch(HMAC) failed");
  EVP_MAC_CTX* mctx = EVP_MAC_CTX_new(mac);
  ARBOR_CHECK(mctx != nullptr, "EVP_MAC_CTX_new failed");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
                               OSSL_PARAM_construct_end()};
  ARBOR_CHECK(EVP_MAC_init(mctx, secret_.data(), secret_.size(), params) == 1, "HMAC init failed");
  auto update = [&](std::string_view part) {
    ARBOR_CHECK(
        EVP_MAC_update(mctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1,
        "HMAC update failed");
  };
  update(timestamp);
  update(method);
  update(path);
  update(body);
  unsigned char out[32];
  size_t out_len = 0;
  ARBOR_CHECK(EVP_MAC_final(mctx, out, &out_len, sizeof(out)) == 1 && out_len == 32,
              "HMAC final failed");
  EVP_MAC_CTX_free(mctx);
  EVP_MAC_free(mac);
  return Base64UrlEncode(out, out_len);
}

L2Headers L2Signer::Headers(std::string_view timestamp, std::string_view method,
                            std::string_view path, std::string_view body) const {
  L2Headers h;
  h.poly_address = address_;
  h.poly_signature = Signature(timestamp, method, path, body);
  h.poly_timestamp = std::string(timestamp);
  h.poly_api_key = api_key_;
  h.poly_passphrase = passphrase_;
  return h;
}

}  // namespace arbor::venue::polymarket
