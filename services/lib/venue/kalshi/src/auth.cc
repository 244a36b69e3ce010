#include "arbor/venue/kalshi/auth.h"

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::venue::kalshi {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// Drains OpenSSL's thread-local error queue into a short reason. OpenSSL reasons describe the
// failure ("bad base64 decode", "no start line"), never the key bytes.
std::string OpenSslReason() {
  std::string out;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
  }
  return out.empty() ? std::string("no OpenSSL reason") : out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Configures `pctx` for RSA-PSS / MGF1-SHA-256 with `salt_length`.
bool ConfigurePss(EVP_PKEY_CTX* pctx, int salt_length) {
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_length) > 0 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
}

absl::StatusOr<PkeyPtr> ReadRsaKey(std::string_view pem, bool is_private) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::InternalError("kalshi auth: BIO_new_mem_buf failed");
  PkeyPtr key;
  if (is_private) {
    // PEM_read_bio_PrivateKey accepts both PKCS#1 ("RSA PRIVATE KEY") and PKCS#8.
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  } else {
    // The decoder accepts SubjectPublicKeyInfo ("PUBLIC KEY") and PKCS#1 ("RSA PUBLIC KEY").
    EVP_PKEY* raw = nullptr;
    OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, "RSA",
                                                           EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
    if (dctx == nullptr) return absl::InternalError("kalshi auth: OSSL_DECODER_CTX_new failed");
    const bool decoded = OSSL_DECODER_from_bio(dctx, bio.get()) == 1;
    OSSL_DECODER_CTX_free(dctx);
    if (decoded) key.reset(raw);
  }
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("kalshi auth: cannot parse RSA ",
                                                   is_private ? "private" : "public", " key PEM (",
                                                   pem.size(), " bytes): ", OpenSslReason()));
  }
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi auth: key type ", EVP_PKEY_base_id(key.get()), " is not RSA"));
  }
  return key;
}

}  // namespace

struct RequestSigner::Key {
  PkeyPtr pkey;
};

struct SignatureVerifier::Key {
  PkeyPtr pkey;
};

std::string SigningMessage(int64_t timestamp_ms, std::string_view method, std::string_view path) {
  const size_t query = path.find('?');
  if (query != std::string_view::npos) path = path.substr(0, query);
  std::string out = std::to_string(timestamp_ms);
  out.reserve(out.size() + method.size() + path.size());
  for (char c : method) {
    out.push_back((c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c);
  }
  out.append(path);
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16) |
                       (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8) |
                       static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 2]));
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("base64: length ", text.size(), " is not a multiple of 4"));
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 2 && (j == 3 || text[i + 3] == '=')) {
        ++pad;
        v <<= 6;
        continue;
      }
      const int d = Base64Value(c);
      if (d < 0 || pad > 0) {
        return absl::InvalidArgumentError(absl::StrCat("base64: invalid byte at offset ", i + j));
      }
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
  }
  return out;
}

RequestSigner::RequestSigner(std::string key_id, std::shared_ptr<const Key> key)
    : key_id_(std::move(key_id)), key_(std::move(key)) {}

absl::StatusOr<RequestSigner> RequestSigner::FromPemString(std::string key_id,
                                                           std::string_view pem) {
  if (key_id.empty()) return absl::InvalidArgumentError("kalshi auth: empty key id");
  auto key = ReadRsaKey(pem, /*is_private=*/true);
  if (!key.ok()) return key.status();
  auto holder = std::make_shared<Key>();
  holder->pkey = std::move(key).value();
  return RequestSigner(std::move(key_id), std::move(holder));
}

absl::StatusOr<RequestSigner> RequestSigner::FromPemFile(std::string key_id,
                                                         const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string reason =
        absl::StrCat("kalshi auth: cannot open key file '", path, "': ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(reason);
    if (err == EACCES) return absl::PermissionDeniedError(reason);
    return absl::InternalError(reason);
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    return absl::InternalError(absl::StrCat("kalshi auth: error reading key file '", path, "'"));
  }
  const std::string pem = buf.str();
  auto signer = FromPemString(std::move(key_id), pem);
  if (!signer.ok()) {
    return absl::Status(signer.status().code(),
                        absl::StrCat(signer.status().message(), " (file '", path, "')"));
  }
  return signer;
}

absl::StatusOr<std::string> RequestSigner::Sign(std::string_view message) const {
  ERR_clear_error();
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return absl::InternalError("kalshi auth: EVP_MD_CTX_new failed");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key_->pkey.get()) != 1 ||
      !ConfigurePss(pctx, kPssSaltLength)) {
    return absl::InternalError(absl::StrCat("kalshi auth: sign init: ", OpenSslReason()));
  }
  size_t sig_len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &sig_len, data, message.size()) != 1) {
    return absl::InternalError(absl::StrCat("kalshi auth: sign size: ", OpenSslReason()));
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len, data,
                     message.size()) != 1) {
    return absl::InternalError(absl::StrCat("kalshi auth: sign: ", OpenSslReason()));
  }
  sig.resize(sig_len);
  return Base64Encode(sig);
}

absl::StatusOr<AuthHeaders> RequestSigner::Headers(int64_t timestamp_ms, std::string_view method,
                                                   std::string_view path) const {
  auto sig = Sign(SigningMessage(timestamp_ms, method, path));
  if (!sig.ok()) return sig.status();
  return AuthHeaders{key_id_, std::to_string(timestamp_ms), std::move(sig).value()};
}

absl::StatusOr<AuthHeaders> RequestSigner::WsHeaders(int64_t timestamp_ms) const {
  return Headers(timestamp_ms, "GET", kWsSignPath);
}

SignatureVerifier::SignatureVerifier(std::shared_ptr<const Key> key) : key_(std::move(key)) {}

absl::StatusOr<SignatureVerifier> SignatureVerifier::FromPublicKeyPem(std::string_view pem) {
  auto key = ReadRsaKey(pem, /*is_private=*/false);
  if (!key.ok()) return key.status();
  auto holder = std::make_shared<Key>();
  holder->pkey = std::move(key).value();
  return SignatureVerifier(std::move(holder));
}

absl::Status SignatureVerifier::Verify(std::string_view message, std::string_view signature_b64,
                                       int salt_length) const {
  auto sig = Base64Decode(signature_b64);
  if (!sig.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi auth: signature: ", sig.status().message()));
  }
  ERR_clear_error();
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return absl::InternalError("kalshi auth: EVP_MD_CTX_new failed");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key_->pkey.get()) != 1 ||
      !ConfigurePss(pctx, salt_length)) {
    return absl::InternalError(absl::StrCat("kalshi auth: verify init: ", OpenSslReason()));
  }
  const int rc =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  if (rc != 1) return absl::UnauthenticatedError("kalshi auth: signature does not verify");
  return absl::OkStatus();
}

}  // namespace arbor::venue::kalshi
