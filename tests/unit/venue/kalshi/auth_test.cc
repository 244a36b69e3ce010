#include "arbor/venue/kalshi/auth.h"

#include <openssl/bio.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::kalshi {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

// One 2048-bit key generated per process (never written to the repository).
struct TestKey {
  PkeyPtr pkey;
  std::string pkcs8_pem;
  std::string pkcs1_pem;
  std::string spki_pem;
  std::string pkcs1_public_pem;
};

TestKey MakeKey() {
  TestKey k;
  k.pkey.reset(EVP_RSA_gen(2048));
  EXPECT_NE(k.pkey, nullptr);
  BIO* b = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(b, k.pkey.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  k.pkcs8_pem = BioToString(b);
  b = BIO_new(BIO_s_mem());
  EXPECT_EQ(
      PEM_write_bio_PrivateKey_traditional(b, k.pkey.get(), nullptr, nullptr, 0, nullptr, nullptr),
      1);
  k.pkcs1_pem = BioToString(b);
  b = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PUBKEY(b, k.pkey.get()), 1);
  k.spki_pem = BioToString(b);
  b = BIO_new(BIO_s_mem());
  OSSL_ENCODER_CTX* ectx = OSSL_ENCODER_CTX_new_for_pkey(k.pkey.get(), EVP_PKEY_PUBLIC_KEY, "PEM",
                                                         "type-specific", nullptr);
  EXPECT_NE(ectx, nullptr);
  EXPECT_EQ(OSSL_ENCODER_to_bio(ectx, b), 1);
  OSSL_ENCODER_CTX_free(ectx);
  k.pkcs1_public_pem = BioToString(b);
  return k;
}

const TestKey& Key() {
  static const TestKey* key = new TestKey(MakeKey());
  return *key;
}

const TestKey& OtherKey() {
  static const TestKey* key = new TestKey(MakeKey());
  return *key;
}

// Signs with an arbitrary PSS salt length, to check the verifier pins it to 32.
std::string SignWithSalt(EVP_PKEY* pkey, const std::string& msg, int salt) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, pkey), 1);
  EXPECT_GT(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 0);
  EXPECT_GT(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt), 0);
  EXPECT_GT(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 0);
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(msg.data());
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len, data, msg.size()), 1);
  std::string sig(len, '\0');
  EXPECT_EQ(
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, data, msg.size()), 1);
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return Base64Encode(sig);
}

TEST(KalshiAuthTest, SigningMessageBytes) {
  struct Case {
    int64_t ts;
    const char* method;
    const char* path;
    const char* want;
  };
  const Case kCases[] = {
      {1703123456789, "GET", "/trade-api/v2/portfolio/balance",
       "1703123456789GET/trade-api/v2/portfolio/balance"},
      {1703123456789, "post", "/trade-api/v2/portfolio/orders",
       "1703123456789POST/trade-api/v2/portfolio/orders"},
      {1, "GET", "/trade-api/v2/markets/KX-1/orderbook?depth=10",
       "1GET/trade-api/v2/markets/KX-1/orderbook"},
      {1700000000000, "GET", "/trade-api/v2/markets?limit=5&cursor=a?b",
       "1700000000000GET/trade-api/v2/markets"},
      {1700000000000, "DELETE", "/trade-api/v2/portfolio/orders/abc?",
       "1700000000000DELETE/trade-api/v2/portfolio/orders/abc"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(SigningMessage(c.ts, c.method, c.path), c.want) << c.path;
  }
}

TEST(KalshiAuthTest, Base64RoundTripAndPadding) {
  const std::pair<std::string, std::string> kCases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
      {std::string("\xff\xfe\x00", 3), "//4A"},
  };
  for (const auto& [raw, enc] : kCases) {
    EXPECT_EQ(Base64Encode(raw), enc);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok()) << enc;
    EXPECT_EQ(*dec, raw);
  }
  for (const char* bad : {"Zg=", "Z===", "Zg=a", "Z!==", "=Zg="}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
}

TEST(KalshiAuthTest, SignVerifyRoundTripPkcs8AndPkcs1) {
  auto verifier = SignatureVerifier::FromPublicKeyPem(Key().spki_pem);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  for (const std::string* pem : {&Key().pkcs8_pem, &Key().pkcs1_pem}) {
    auto signer = RequestSigner::FromPemString("key-id-1", *pem);
    ASSERT_TRUE(signer.ok()) << signer.status();
    auto h = signer->Headers(1703123456789, "GET", "/trade-api/v2/portfolio/balance?x=1");
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->access_key, "key-id-1");
    EXPECT_EQ(h->timestamp, "1703123456789");
    // 2048-bit RSA: 256 signature bytes, 344 padded base64 characters.
    EXPECT_EQ(h->signature.size(), 344u);
    EXPECT_EQ(h->signature.back(), '=');
    EXPECT_TRUE(
        verifier->Verify("1703123456789GET/trade-api/v2/portfolio/balance", h->signature).ok());
    // The query string is not part of the signed message.
    EXPECT_FALSE(
        verifier->Verify("1703123456789GET/trade-api/v2/portfolio/balance?x=1", h->signature).ok());
  }
}

TEST(KalshiAuthTest, PssIsRandomisedButBothVerify) {
  auto signer = RequestSigner::FromPemString("k", Key().pkcs8_pem);
  auto verifier = SignatureVerifier::FromPublicKeyPem(Key().spki_pem);
  ASSERT_TRUE(signer.ok() && verifier.ok());
  auto a = signer->Sign("msg");
  auto b = signer->Sign("msg");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verifier->Verify("msg", *a).ok());
  EXPECT_TRUE(verifier->Verify("msg", *b).ok());
}

TEST(KalshiAuthTest, WsHandshakeSignsGetAndWsPath) {
  auto signer = RequestSigner::FromPemString("ws-key", Key().pkcs8_pem);
  auto verifier = SignatureVerifier::FromPublicKeyPem(Key().pkcs1_public_pem);
  ASSERT_TRUE(signer.ok()) << signer.status();
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  auto h = signer->WsHeaders(1700000000123);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->timestamp, "1700000000123");
  EXPECT_TRUE(verifier->Verify("1700000000123GET/trade-api/ws/v2", h->signature).ok());
}

TEST(KalshiAuthTest, VerificationFailures) {
  auto signer = RequestSigner::FromPemString("k", Key().pkcs8_pem);
  auto verifier = SignatureVerifier::FromPublicKeyPem(Key().spki_pem);
  auto other = SignatureVerifier::FromPublicKeyPem(OtherKey().spki_pem);
  ASSERT_TRUE(signer.ok() && verifier.ok() && other.ok());
  const std::string msg = "1700000000000POST/trade-api/v2/portfolio/orders";
  auto sig = signer->Sign(msg);
  ASSERT_TRUE(sig.ok());
  ASSERT_TRUE(verifier->Verify(msg, *sig).ok());

  // Tampered message.
  std::string tampered = msg;
  tampered[0] = '2';
  EXPECT_EQ(verifier->Verify(tampered, *sig).code(), absl::StatusCode::kUnauthenticated);
  // Tampered signature.
  std::string bad_sig = *sig;
  bad_sig[10] = bad_sig[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifier->Verify(msg, bad_sig).code(), absl::StatusCode::kUnauthenticated);
  // Wrong key.
  EXPECT_EQ(other->Verify(msg, *sig).code(), absl::StatusCode::kUnauthenticated);
  // Not base64.
  EXPECT_EQ(verifier->Verify(msg, "not base64!").code(), absl::StatusCode::kInvalidArgument);

  // Wrong salt length: a salt-20 signature fails the salt-32 check and passes a salt-20 one,
  // so the failure is due to the salt length alone.
  const std::string salt20 = SignWithSalt(Key().pkey.get(), msg, 20);
  EXPECT_EQ(verifier->Verify(msg, salt20).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(verifier->Verify(msg, salt20, 20).ok());
  EXPECT_TRUE(verifier->Verify(msg, SignWithSalt(Key().pkey.get(), msg, 32)).ok());
}

TEST(KalshiAuthTest, BadPemErrorsNeverEchoKeyMaterial) {
  const std::string& pem = Key().pkcs8_pem;
  // Corrupt the body of a real key: the error must not contain any line of it.
  std::string corrupt = pem;
  corrupt[40] = '!';
  corrupt[41] = '!';
  const std::string body_line = pem.substr(pem.find('\n') + 1, 60);
  const std::string inputs[] = {corrupt, "not a pem at all SECRETSECRET",
                                pem.substr(0, pem.size() / 2), Key().spki_pem};
  for (const std::string& in : inputs) {
    auto s = RequestSigner::FromPemString("k", in);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string text(s.status().message());
    EXPECT_THAT(text, Not(HasSubstr(body_line.substr(0, 16))));
    EXPECT_THAT(text, Not(HasSubstr("SECRETSECRET")));
    EXPECT_THAT(text, HasSubstr("cannot parse RSA private key"));
  }
  EXPECT_FALSE(RequestSigner::FromPemString("", pem).ok());
  auto pub = SignatureVerifier::FromPublicKeyPem("garbage PUBLICSECRET");
  ASSERT_FALSE(pub.ok());
  EXPECT_THAT(std::string(pub.status().message()), Not(HasSubstr("PUBLICSECRET")));
}

TEST(KalshiAuthTest, FromPemFile) {
  char tmpl[] = "/tmp/arbor_kalshi_key_XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(tmpl, std::ios::binary);
    out << Key().pkcs1_pem;
  }
  auto signer = RequestSigner::FromPemFile("file-key", tmpl);
  std::remove(tmpl);
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->key_id(), "file-key");
  auto missing = RequestSigner::FromPemFile("k", "/nonexistent/arbor/key.pem");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/arbor/key.pem"));
}

}  // namespace
}  // namespace arbor::venue::kalshi
