// Signature recovery: round trips with Secp256k1Signer, the official V2 order and L1 ClobAuth
// vectors (TEST_VECTORS.md §3, §6) recovering the common key's address, and tampering.
#include "arbor/venue/polymarket/signature_recovery.h"

#include <string>

#include "arbor/venue/polymarket/clob_auth.h"
#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

constexpr std::string_view kKey =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr std::string_view kAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

Address CommonAddress() { return *ParseAddress(kAddress, "address"); }

TEST(SignatureRecoveryTest, RoundTripWithSigner) {
  auto key = Secp256k1Signer::FromHex(kKey);
  ASSERT_TRUE(key.ok());
  for (uint8_t seed = 0; seed < 16; ++seed) {
    Bytes32 digest{};
    digest.fill(seed);
    digest[0] = static_cast<uint8_t>(seed * 7 + 1);
    const EcdsaSignature sig = (*key)->Sign(digest);
    auto recovered = RecoverSigner(digest, sig);
    ASSERT_TRUE(recovered.ok()) << recovered.status();
    EXPECT_EQ(*recovered, (*key)->address());
    // v as 0/1 is accepted too.
    EcdsaSignature raw = sig;
    raw[64] = static_cast<uint8_t>(raw[64] - 27);
    auto recovered_raw = RecoverSigner(digest, raw);
    ASSERT_TRUE(recovered_raw.ok());
    EXPECT_EQ(*recovered_raw, (*key)->address());
  }
}

struct OrderVector {
  const char* name;
  const char* hash;
  const char* signature;
};

TEST(SignatureRecoveryTest, OfficialV2OrderVectorsRecoverCommonAddress) {
  const OrderVector vectors[] = {
      {"buy_standard_eoa", "0x32961c48ddac87ed3582f8e02097cd0eff4fcf80460306bd44b3710438dfa64c",
       "0x89f178136333c8ebb32a19146cb891233e3202d474be6ef730c24dbc06ae4d2a0c99948a86d9b57de0f2c0bb8"
       "ec6964aa244ecf17cfa3a95b86878d0b64ad78a1b"},
      {"sell_neg_risk_eoa", "0x8b878404bd92dea2bfea9975c9fcd816ec70a57ae431cb20d67bb773744aaef3",
       "0xf7d60d64364e2615b08d9f69f3ea9afd3b4f83ecfbf05ddd3ca83f4916277fb97d2d080758d17c8e91c928ace"
       "b8ff252477ebaec051b672832500f63b4d36b061c"},
      {"buy_poly_proxy", "0x8f88fe2fb3448f4b8ba639992029f0a47a01a14d15b5f2bf9833516571efd279",
       "0x71a63c85b730cc934688f23ea6374afffef57a61690eba63dcb97a706c8a8d0f3d2a8e0280f3e252eb83be088"
       "ebae6b461a8eda18e559e079f59050b90057afa1c"},
      {"sell_neg_risk_poly_gnosis_safe",
       "0xb34248702810a1d76580234a33f942a9801c3680de54cb3ef104572a8d482190",
       "0xab9d33aee8b578fe5588c4a4b16bbef6fa05fc757020f95b98212e877a919e360a90296f02e97ecbabf3c2002"
       "71ffe88eb9fd86912e8376cd27237bdad5f3abc1c"},
  };
  for (const OrderVector& v : vectors) {
    SCOPED_TRACE(v.name);
    auto digest = ParseBytes32Hex(v.hash, "hash");
    ASSERT_TRUE(digest.ok());
    auto sig = ParseSignatureHex(v.signature, "signature");
    ASSERT_TRUE(sig.ok()) << sig.status();
    auto recovered = RecoverSigner(*digest, *sig);
    ASSERT_TRUE(recovered.ok()) << recovered.status();
    EXPECT_EQ(ChecksumAddress(*recovered), kAddress);
  }
}

TEST(SignatureRecoveryTest, OfficialClobAuthVectorRecoversCommonAddress) {
  // A2: chainId 137, timestamp "100000", nonce 0.
  const Bytes32 digest = TypedDataDigest(
      ClobAuthDomainSeparator(137), HashClobAuth(CommonAddress(), "100000", 0, kClobAuthMessage));
  auto sig = ParseSignatureHex(
      "0xfdfb5abf512e439ea61c8595c18e527e718bf16010acf57cef51d09e15893098275d3c6f73038f36ec0cd0ce5"
      "5436fca14dc64b11611f4dce896e354207508cc1b",
      "POLY_SIGNATURE");
  ASSERT_TRUE(sig.ok());
  auto recovered = RecoverSigner(digest, *sig);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, CommonAddress());
}

TEST(SignatureRecoveryTest, TamperedDigestOrSignatureDoesNotRecoverSigner) {
  auto key = Secp256k1Signer::FromHex(kKey);
  ASSERT_TRUE(key.ok());
  Bytes32 digest{};
  digest[31] = 42;
  const EcdsaSignature sig = (*key)->Sign(digest);

  Bytes32 other = digest;
  other[0] ^= 1;
  auto from_other = RecoverSigner(other, sig);
  EXPECT_TRUE(!from_other.ok() || *from_other != (*key)->address());

  EcdsaSignature flipped_r = sig;
  flipped_r[5] ^= 0x10;
  auto from_r = RecoverSigner(digest, flipped_r);
  EXPECT_TRUE(!from_r.ok() || *from_r != (*key)->address());

  EcdsaSignature flipped_v = sig;
  flipped_v[64] = flipped_v[64] == 27 ? 28 : 27;
  auto from_v = RecoverSigner(digest, flipped_v);
  EXPECT_TRUE(!from_v.ok() || *from_v != (*key)->address());
}

TEST(SignatureRecoveryTest, RejectsMalformedSignatures) {
  Bytes32 digest{};
  digest[0] = 1;
  auto key = Secp256k1Signer::FromHex(kKey);
  ASSERT_TRUE(key.ok());
  EcdsaSignature sig = (*key)->Sign(digest);

  EXPECT_FALSE(RecoverSigner(digest, std::span<const uint8_t>(sig.data(), 64)).ok());
  EcdsaSignature bad_v = sig;
  bad_v[64] = 29;
  EXPECT_FALSE(RecoverSigner(digest, bad_v).ok());
  EcdsaSignature zero{};
  zero[64] = 27;
  EXPECT_FALSE(RecoverSigner(digest, zero).ok());

  // High-S: s' = n - s is the malleated twin of a valid signature; it must be refused.
  static constexpr uint8_t kOrder[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                         0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
                                         0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B,
                                         0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
  EcdsaSignature high = sig;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = kOrder[i] - sig[32 + static_cast<size_t>(i)] - borrow;
    borrow = d < 0 ? 1 : 0;
    high[32 + static_cast<size_t>(i)] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  high[64] = sig[64] == 27 ? 28 : 27;
  auto r = RecoverSigner(digest, high);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("high-S"), std::string::npos);

  EXPECT_FALSE(ParseSignatureHex("1234", "sig").ok());
  EXPECT_FALSE(ParseSignatureHex("0x12", "sig").ok());
  EXPECT_FALSE(ParseSignatureHex(std::string("0x") + std::string(130, 'g'), "sig").ok());
}

}  // namespace
}  // namespace arbor::venue::polymarket
