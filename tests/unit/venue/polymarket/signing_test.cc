// Unit tests for order signing: Keccak, ABI value parsers, exchange selection, amount rules for
// every tick size (including 0.005 and 0.0025, which have no official vectors), the order JSON,
// and the error paths (off-tick price, price out of range, zero size, bad key, bad address).
// The official vectors live in tests/conformance/polymarket/signing_vectors_test.cc.
#include <string>

#include "arbor/venue/polymarket/clob_auth.h"
#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/keccak.h"
#include "arbor/venue/polymarket/order_amounts.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyHex[] = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr char kAddress[] = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

Price P(const char* s) { return Price::Parse(s).value(); }
Quantity Q(const char* s) { return Quantity::Parse(s).value(); }

TEST(KeccakTest, KnownDigestsAndNotSha3) {
  EXPECT_EQ(ToHex(Keccak256(std::string_view(""))),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  // SHA3-256("") is a7ffc6f8...; Ethereum needs the pre-standard padding.
  EXPECT_NE(ToHex(Keccak256(std::string_view(""))).substr(2, 8), "a7ffc6f8");
  EXPECT_EQ(ToHex(Keccak256(std::string_view("abc"))),
            "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(Eip712Test, Uint256DecimalParsing) {
  EXPECT_EQ(ToHex(ParseUint256Decimal("0", "f").value()), "0x" + std::string(64, '0'));
  EXPECT_EQ(ToHex(ParseUint256Decimal("258", "f").value()), "0x" + std::string(60, '0') + "0102");
  // 2^256 - 1 is accepted, 2^256 is not.
  const std::string max =
      "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  EXPECT_EQ(ToHex(ParseUint256Decimal(max, "f").value()), "0x" + std::string(64, 'f'));
  const std::string over =
      "115792089237316195423570985008687907853269984665640564039457584007913129639936";
  EXPECT_THAT(ParseUint256Decimal(over, "token_id").status().message(),
              HasSubstr("token_id: integer exceeds uint256"));
  EXPECT_FALSE(ParseUint256Decimal("", "f").ok());
  EXPECT_FALSE(ParseUint256Decimal("012", "f").ok());
  EXPECT_THAT(ParseUint256Decimal("12a", "token_id").status().message(),
              HasSubstr("non-digit at offset 2"));
}

TEST(Eip712Test, AddressParsingAndChecksum) {
  const Address a = ParseAddress(kAddress, "maker").value();
  EXPECT_EQ(ChecksumAddress(a), kAddress);
  EXPECT_TRUE(ParseAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "maker").ok());
  EXPECT_TRUE(ParseAddress("0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266", "maker").ok());
  // One flipped letter case breaks the EIP-55 checksum.
  EXPECT_THAT(
      ParseAddress("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "maker").status().message(),
      HasSubstr("maker: mixed-case address fails the EIP-55 checksum"));
  EXPECT_THAT(ParseAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb9226", "maker").status().message(),
              HasSubstr("maker: expected 40 hex digits"));
  EXPECT_THAT(ParseAddress("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "maker").status().message(),
              HasSubstr("expected 0x-prefixed hex"));
  EXPECT_THAT(
      ParseAddress("0xg39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "maker").status().message(),
      HasSubstr("non-hex character at offset 2"));
  EXPECT_FALSE(ParseBytes32Hex("0x00", "metadata").ok());
}

TEST(Secp256k1SignerTest, KeyFormatsAndErrorsNeverLeakTheKey) {
  for (const std::string& text :
       {std::string(kKeyHex), "0x" + std::string(kKeyHex), "0x" + std::string(kKeyHex) + "\n",
        "  " + std::string(kKeyHex)}) {
    absl::StatusOr<std::unique_ptr<Secp256k1Signer>> key = Secp256k1Signer::FromHex(text);
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ((*key)->address_checksummed(), kAddress);
  }
  const std::string bad_char = std::string(kKeyHex).replace(10, 1, "z");
  const std::string short_key = std::string(kKeyHex).substr(0, 62);
  for (const std::string& bad : {bad_char, short_key, std::string(64, '0'), std::string(64, 'f')}) {
    absl::StatusOr<std::unique_ptr<Secp256k1Signer>> key = Secp256k1Signer::FromHex(bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_THAT(std::string(key.status().message()), HasSubstr("private key: "));
    EXPECT_THAT(std::string(key.status().message()), Not(HasSubstr(bad.substr(0, 16))));
  }
}

TEST(Secp256k1SignerTest, DeterministicLowSSignature) {
  const auto key = Secp256k1Signer::FromHex(kKeyHex).value();
  const Bytes32 digest = Keccak256(std::string_view("arbor"));
  const EcdsaSignature a = key->Sign(digest);
  EXPECT_EQ(a, key->Sign(digest));
  EXPECT_TRUE(a[64] == 27 || a[64] == 28);
  // Low-S: s <= n/2, whose top byte is 0x7f.
  EXPECT_LE(a[32], 0x7f);
}

struct AmountCase {
  const char* name;
  bool market;
  OrderSide side;
  const char* price;
  const char* size;
  const char* tick;
  int64_t maker;
  int64_t taker;
};

TEST(OrderAmountsTest, AllTickSizesIncludingHalfTicks) {
  const AmountCase cases[] = {
      {"limit buy 0.005", false, OrderSide::kBuy, "0.505", "10", "0.005", 5050000, 10000000},
      {"limit sell 0.005", false, OrderSide::kSell, "0.995", "3.339", "0.005", 3330000, 3313350},
      {"limit buy 0.0025", false, OrderSide::kBuy, "0.0025", "100", "0.0025", 250000, 100000000},
      {"limit sell 0.0025", false, OrderSide::kSell, "0.4975", "7.77", "0.0025", 7770000, 3865575},
      {"market buy 0.005", true, OrderSide::kBuy, "0.335", "1", "0.005", 1000000, 2985070},
      {"market buy 0.0025", true, OrderSide::kBuy, "0.3325", "1", "0.0025", 1000000, 3007518},
      {"market buy exact", true, OrderSide::kBuy, "0.5", "10", "0.1", 10000000, 20000000},
      {"market sell 0.0025", true, OrderSide::kSell, "0.0075", "100.129", "0.0025", 100120000,
       750900},
      {"limit size floors to cents", false, OrderSide::kBuy, "0.5", "1.999", "0.1", 995000,
       1990000},
  };
  for (const AmountCase& c : cases) {
    SCOPED_TRACE(c.name);
    const TickSize tick = ParseTickSize(c.tick).value();
    absl::StatusOr<RawAmounts> a = c.market
                                       ? MarketOrderAmounts(c.side, P(c.price), Q(c.size), tick)
                                       : LimitOrderAmounts(c.side, P(c.price), Q(c.size), tick);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(a->maker_amount, c.maker);
    EXPECT_EQ(a->taker_amount, c.taker);
  }
}

TEST(OrderAmountsTest, RoundingConfigTable) {
  EXPECT_EQ(GetRoundingConfig(TickSize::k0_005).amount_decimals, 5);
  EXPECT_EQ(GetRoundingConfig(TickSize::k0_0025).price_decimals, 4);
  EXPECT_EQ(GetRoundingConfig(TickSize::k0_1).amount_decimals, 3);
  EXPECT_EQ(TickMicros(TickSize::k0_0025), 2500);
  EXPECT_EQ(TickSizeText(TickSize::k0_0001), "0.0001");
  EXPECT_FALSE(ParseTickSize("0.05").ok());
  EXPECT_FALSE(ParseTickSize("0.010").ok());
}

TEST(OrderAmountsTest, Errors) {
  const TickSize t01 = TickSize::k0_01;
  EXPECT_THAT(LimitOrderAmounts(OrderSide::kBuy, P("0.555"), Q("10"), t01).status().message(),
              HasSubstr("price: 0.555 is not on tick 0.01"));
  EXPECT_THAT(
      LimitOrderAmounts(OrderSide::kBuy, P("0.502"), Q("10"), TickSize::k0_005).status().message(),
      HasSubstr("not on tick 0.005"));
  EXPECT_THAT(LimitOrderAmounts(OrderSide::kBuy, P("1"), Q("10"), t01).status().message(),
              HasSubstr("price: 1 is outside [0.01, 1 - 0.01]"));
  EXPECT_FALSE(LimitOrderAmounts(OrderSide::kSell, P("0"), Q("10"), t01).ok());
  EXPECT_TRUE(MarketOrderAmounts(OrderSide::kBuy, P("0.995"), Q("10"), TickSize::k0_005).ok());
  EXPECT_FALSE(MarketOrderAmounts(OrderSide::kBuy, P("0.0025"), Q("10"), TickSize::k0_005).ok());
  EXPECT_TRUE(MarketOrderAmounts(OrderSide::kBuy, P("0.99"), Q("10"), t01).ok());
  EXPECT_THAT(LimitOrderAmounts(OrderSide::kBuy, P("0.5"), Q("0"), t01).status().message(),
              HasSubstr("size: 0 rounds down to 0"));
  EXPECT_FALSE(LimitOrderAmounts(OrderSide::kBuy, P("0.5"), Q("0.009"), t01).ok());
  EXPECT_FALSE(LimitOrderAmounts(OrderSide::kBuy, P("0.5"), Q("-1"), t01).ok());
  EXPECT_THAT(MarketOrderAmounts(OrderSide::kBuy, P("0.5"), Q("0"), t01).status().message(),
              HasSubstr("amount: "));
}

TEST(OrderSignerTest, ExchangeSelection) {
  EXPECT_EQ(ChecksumAddress(ExchangeContract(137, 2, false).value()),
            "0xE111180000d2663C0091e4f400237545B87B996B");
  EXPECT_EQ(ChecksumAddress(ExchangeContract(80002, 2, true).value()),
            "0xe2222d279d744050d28e00520010520000310F59");
  EXPECT_EQ(ChecksumAddress(ExchangeContract(137, 3, true).value()),
            "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa");
  EXPECT_EQ(ChecksumAddress(ExchangeContract(80002, 3, false).value()),
            "0x9fE6e61422AdB6F610d8597F9684b16912D50C3D");
  EXPECT_THAT(ExchangeContract(1, 2, false).status().message(), HasSubstr("chain_id: 1"));
  EXPECT_THAT(ExchangeContract(137, 1, false).status().message(), HasSubstr("version: 1"));
  // Versions 2 and 3 differ in the domain, so the same order hashes differently.
  EXPECT_NE(MakeExchangeDomain(137, 2, false)->separator,
            MakeExchangeDomain(137, 3, false)->separator);
}

OrderV2 SampleOrder(const Secp256k1Signer& key) {
  OrderV2 o;
  o.salt = 123456789;
  o.maker = key.address();
  o.signer = key.address();
  o.token_id = "1234";
  o.maker_amount = 5050000;
  o.taker_amount = 10000000;
  o.side = OrderSide::kBuy;
  o.timestamp_ms = 1713398400000;
  return o;
}

TEST(OrderSignerTest, OrderJsonMatchesPostBodyShape) {
  const auto key = Secp256k1Signer::FromHex(kKeyHex).value();
  const OrderSigner signer(key.get());
  const OrderV2 o = SampleOrder(*key);
  SignedOrderV2 s;
  ASSERT_TRUE(signer.Sign(MakeExchangeDomain(137, 2, false).value(), o, &s).ok());
  std::string json;
  AppendOrderJson(o, s, &json);
  const std::string zero = "\"0x" + std::string(64, '0') + "\"";
  EXPECT_EQ(json, std::string("{\"salt\":123456789,\"maker\":\"") + kAddress + "\",\"signer\":\"" +
                      kAddress +
                      "\",\"tokenId\":\"1234\",\"makerAmount\":\"5050000\",\"takerAmount\":"
                      "\"10000000\",\"side\":\"BUY\",\"signatureType\":0,\"timestamp\":"
                      "\"1713398400000\",\"expiration\":\"0\",\"metadata\":" +
                      zero + ",\"builder\":" + zero + ",\"signature\":\"" + ToHex(s.signature()) +
                      "\"}");
  EXPECT_EQ(s.signature_size, 65u);
}

TEST(OrderSignerTest, SignerChecks) {
  const auto key = Secp256k1Signer::FromHex(kKeyHex).value();
  const OrderSigner signer(key.get());
  const ExchangeDomain domain = MakeExchangeDomain(137, 2, false).value();
  SignedOrderV2 s;
  OrderV2 o = SampleOrder(*key);
  o.signer = ParseAddress("0x1111111111111111111111111111111111111111", "x").value();
  o.signature_type = SignatureType::kPolyProxy;
  EXPECT_THAT(signer.Sign(domain, o, &s).message(), HasSubstr("signer: does not match"));
  o.signature_type = SignatureType::kPoly1271;
  EXPECT_THAT(signer.Sign(domain, o, &s).message(), HasSubstr("deposit wallet"));
  o.maker = o.signer;
  ASSERT_TRUE(signer.Sign(domain, o, &s).ok());
  EXPECT_EQ(s.signature_size, kPoly1271SignatureSize);
  o.token_id = "01";
  EXPECT_THAT(signer.Sign(domain, o, &s).message(), HasSubstr("token_id: leading zero"));
}

TEST(ClobAuthTest, L2SecretErrorsAndHeaders) {
  absl::StatusOr<std::unique_ptr<L2Signer>> bad =
      L2Signer::Create(kAddress, "key", "not*base64", "pass");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr("not*base64")));
  // URL-safe and standard alphabets decode the same secret; padding is optional.
  auto url = L2Signer::Create(kAddress, "key", "-_-_", "pass").value();
  auto std_alpha = L2Signer::Create(kAddress, "key", "+/+/", "pass").value();
  EXPECT_EQ(url->Signature("1", "GET", "/", ""), std_alpha->Signature("1", "GET", "/", ""));
  const L2Headers h = url->Headers("1700000000", "POST", "/order", "{}");
  EXPECT_EQ(h.poly_address, kAddress);
  EXPECT_EQ(h.poly_api_key, "key");
  EXPECT_EQ(h.poly_passphrase, "pass");
  EXPECT_EQ(h.poly_timestamp, "1700000000");
  EXPECT_EQ(h.poly_signature.size(), 44u);
  EXPECT_EQ(h.poly_signature.back(), '=');
  EXPECT_EQ(h.poly_signature.find_first_of("+/"), std::string::npos);
}

TEST(ClobAuthTest, L1RejectsEmptyTimestamp) {
  const auto key = Secp256k1Signer::FromHex(kKeyHex).value();
  EXPECT_FALSE(BuildL1Headers(*key, 137, "", 0).ok());
}

}  // namespace
}  // namespace arbor::venue::polymarket
