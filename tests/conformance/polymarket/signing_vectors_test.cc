// Conformance of order signing and API auth against every vector in
// ../shared/protocols/TEST_VECTORS.md (typehashes, L1 A1/A2, L2 H1-H3, V1-a..d, the five V2
// NautilusTrader cases, POLY_1271 P1-P3) and all 76 rows of amount_vectors.csv, read in place.
// Inputs and expectations come from test_vectors.json so a transcription error here is impossible.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "arbor/venue/polymarket/clob_auth.h"
#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/order_amounts.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor::venue::polymarket {
namespace {

namespace dom = simdjson::dom;

std::filesystem::path ProtocolsDir() {
  return std::filesystem::path(ARBOR_SHARED_DIR) / "protocols";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The parsed test_vectors.json, kept alive for the whole test program.
dom::element Vectors() {
  static dom::parser* parser = new dom::parser();
  static const simdjson::padded_string* json =
      new simdjson::padded_string(ReadFile(ProtocolsDir() / "test_vectors.json"));
  static const dom::element root = [] {
    dom::element e;
    const simdjson::error_code err = parser->parse(*json).get(e);
    EXPECT_EQ(err, simdjson::SUCCESS);
    return e;
  }();
  return root;
}

std::string Str(dom::element e, std::string_view key) {
  std::string_view v;
  EXPECT_EQ(e[key].get_string().get(v), simdjson::SUCCESS) << key;
  return std::string(v);
}

uint64_t U64(dom::element e, std::string_view key) {
  uint64_t v = 0;
  EXPECT_EQ(e[key].get_uint64().get(v), simdjson::SUCCESS) << key;
  return v;
}

uint64_t U64Text(dom::element e, std::string_view key) {
  return std::strtoull(Str(e, key).c_str(), nullptr, 10);
}

Address Addr(dom::element e, std::string_view key) {
  absl::StatusOr<Address> a = ParseAddress(Str(e, key), key);
  EXPECT_TRUE(a.ok()) << a.status();
  return a.value_or(Address{});
}

Bytes32 Word(dom::element e, std::string_view key) {
  absl::StatusOr<Bytes32> w = ParseUint256Decimal(Str(e, key), key);
  EXPECT_TRUE(w.ok()) << w.status();
  return w.value_or(Bytes32{});
}

Bytes32 B32(dom::element e, std::string_view key) {
  absl::StatusOr<Bytes32> w = ParseBytes32Hex(Str(e, key), key);
  EXPECT_TRUE(w.ok()) << w.status();
  return w.value_or(Bytes32{});
}

std::unique_ptr<Secp256k1Signer> CommonKey() {
  absl::StatusOr<std::unique_ptr<Secp256k1Signer>> key =
      Secp256k1Signer::FromHex(Str(Vectors()["key"], "private_key"));
  EXPECT_TRUE(key.ok()) << key.status();
  return std::move(key).value();
}

std::vector<dom::element> Array(dom::element e) {
  std::vector<dom::element> out;
  dom::array arr;
  EXPECT_EQ(e.get_array().get(arr), simdjson::SUCCESS);
  for (dom::element x : arr) out.push_back(x);
  return out;
}

OrderV2 OrderFromJson(dom::element o) {
  OrderV2 order;
  order.salt = U64Text(o, "salt");
  order.maker = Addr(o, "maker");
  order.signer = Addr(o, "signer");
  order.token_id = Str(o, "tokenId");
  order.maker_amount = static_cast<int64_t>(U64Text(o, "makerAmount"));
  order.taker_amount = static_cast<int64_t>(U64Text(o, "takerAmount"));
  order.side = U64(o, "side") == 0 ? OrderSide::kBuy : OrderSide::kSell;
  order.signature_type = static_cast<SignatureType>(U64(o, "signatureType"));
  order.timestamp_ms = U64Text(o, "timestamp");
  order.metadata = B32(o, "metadata");
  order.builder = B32(o, "builder");
  return order;
}

ExchangeDomain DomainFor(uint64_t chain_id, const Address& contract) {
  ExchangeDomain d;
  d.chain_id = chain_id;
  d.version = 2;
  d.contract = contract;
  d.separator = ExchangeDomainSeparator(kExchangeDomainName, "2", chain_id, contract);
  return d;
}

TEST(SigningVectorsTest, TypeStringsAndTypehashes) {
  const dom::element ts = Vectors()["type_strings"];
  EXPECT_EQ(Str(ts, "EIP712Domain"), kEip712DomainType);
  EXPECT_EQ(Str(ts, "ClobAuthDomain"), kClobAuthDomainType);
  EXPECT_EQ(Str(ts, "ClobAuth"), kClobAuthType);
  EXPECT_EQ(Str(ts, "OrderV1"), kOrderV1Type);
  EXPECT_EQ(Str(ts, "OrderV2"), kOrderV2Type);
  EXPECT_EQ(kOrderV2Type.size(), U64(ts, "OrderV2_type_string_length"));
  EXPECT_EQ(Str(ts, "TypedDataSign_POLY_1271"),
            std::string(kTypedDataSignHeadType) + std::string(kOrderV2Type));
  EXPECT_EQ(ToHex(OrderV2TypeHash()), Str(ts, "OrderV2_typehash"));
  EXPECT_EQ(ToHex(OrderV1TypeHash()), Str(ts, "OrderV1_typehash"));
}

TEST(SigningVectorsTest, CommonKeyAddress) {
  const std::unique_ptr<Secp256k1Signer> key = CommonKey();
  EXPECT_EQ(key->address_checksummed(), Str(Vectors()["key"], "address"));
}

TEST(SigningVectorsTest, L1ClobAuthA1A2) {
  const std::unique_ptr<Secp256k1Signer> key = CommonKey();
  const std::vector<dom::element> cases = Array(Vectors()["clob_auth"]);
  ASSERT_EQ(cases.size(), 2u);
  for (dom::element c : cases) {
    SCOPED_TRACE(Str(c, "id"));
    const dom::element msg = c["message"];
    EXPECT_EQ(Str(msg, "message"), kClobAuthMessage);
    EXPECT_EQ(Str(msg, "address"), key->address_checksummed());
    absl::StatusOr<L1Headers> h =
        BuildL1Headers(*key, U64(c["domain"], "chainId"), Str(msg, "timestamp"), U64(msg, "nonce"));
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->poly_signature, Str(c, "signature"));
    EXPECT_EQ(h->poly_address, key->address_checksummed());
    EXPECT_EQ(h->poly_timestamp, Str(msg, "timestamp"));
    EXPECT_EQ(h->poly_nonce, std::to_string(U64(msg, "nonce")));
  }
}

TEST(SigningVectorsTest, L2HmacH1H2H3) {
  const std::vector<dom::element> cases = Array(Vectors()["hmac_l2"]);
  ASSERT_EQ(cases.size(), 3u);
  std::vector<std::string> sigs;
  for (dom::element c : cases) {
    SCOPED_TRACE(Str(c, "id"));
    absl::StatusOr<std::unique_ptr<L2Signer>> signer =
        L2Signer::Create("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "k", Str(c, "secret"), "p");
    ASSERT_TRUE(signer.ok()) << signer.status();
    std::string body;
    std::string_view body_view;
    if (c["body"].get_string().get(body_view) == simdjson::SUCCESS) body = std::string(body_view);
    const std::string sig =
        (*signer)->Signature(Str(c, "timestamp"), Str(c, "method"), Str(c, "path"), body);
    EXPECT_EQ(sig, Str(c, "signature"));
    sigs.push_back(sig);
  }
  EXPECT_NE(sigs[0], sigs[1]);  // H1 and H2 differ only by one space in the body
}

TEST(SigningVectorsTest, V1DigestsAndSignatures) {
  const std::unique_ptr<Secp256k1Signer> key = CommonKey();
  const std::vector<dom::element> cases = Array(Vectors()["order_v1"]);
  ASSERT_EQ(cases.size(), 4u);
  for (dom::element c : cases) {
    SCOPED_TRACE(Str(c, "id"));
    const dom::element d = c["domain"];
    const dom::element o = c["order"];
    OrderV1Struct s;
    s.salt = Word(o, "salt");
    s.maker = Addr(o, "maker");
    s.signer = Addr(o, "signer");
    s.taker = Addr(o, "taker");
    s.token_id = Word(o, "tokenId");
    s.maker_amount = Word(o, "makerAmount");
    s.taker_amount = Word(o, "takerAmount");
    s.expiration = Word(o, "expiration");
    s.nonce = Word(o, "nonce");
    s.fee_rate_bps = Word(o, "feeRateBps");
    s.side = static_cast<uint8_t>(U64(o, "side"));
    s.signature_type = static_cast<uint8_t>(U64(o, "signatureType"));
    const Bytes32 digest =
        TypedDataDigest(ExchangeDomainSeparator(Str(d, "name"), Str(d, "version"),
                                                U64(d, "chainId"), Addr(d, "verifyingContract")),
                        HashOrderV1(s));
    std::string_view expected_digest;
    if (c["order_hash_digest"].get_string().get(expected_digest) == simdjson::SUCCESS) {
      EXPECT_EQ(ToHex(digest), expected_digest);
    }
    EXPECT_EQ(ToHex(key->Sign(digest)), Str(c, "signature"));
    // V1-c starts from user inputs: the amount builder must produce the signed amounts.
    dom::element inputs;
    if (c["user_inputs"].get(inputs) == simdjson::SUCCESS) {
      absl::StatusOr<TickSize> tick = ParseTickSize(Str(inputs, "tick_size"));
      ASSERT_TRUE(tick.ok());
      absl::StatusOr<RawAmounts> amounts =
          LimitOrderAmounts(Str(inputs, "side") == "BUY" ? OrderSide::kBuy : OrderSide::kSell,
                            Price::Parse(Str(inputs, "price")).value(),
                            Quantity::Parse(Str(inputs, "size")).value(), *tick);
      ASSERT_TRUE(amounts.ok()) << amounts.status();
      EXPECT_EQ(std::to_string(amounts->maker_amount), Str(o, "makerAmount"));
      EXPECT_EQ(std::to_string(amounts->taker_amount), Str(o, "takerAmount"));
    }
  }
}

TEST(SigningVectorsTest, V2FiveNautilusCasesHashAndSignature) {
  const std::unique_ptr<Secp256k1Signer> key = CommonKey();
  const OrderSigner signer(key.get());
  const std::vector<dom::element> cases = Array(Vectors()["order_v2"]);
  ASSERT_EQ(cases.size(), 5u);
  for (dom::element c : cases) {
    SCOPED_TRACE(Str(c, "id"));
    const dom::element d = c["domain"];
    ASSERT_EQ(Str(d, "name"), kExchangeDomainName);
    ASSERT_EQ(Str(d, "version"), "2");
    const OrderV2 order = OrderFromJson(c["order"]);
    // The vector's contract must be the one we select for its neg-risk flag.
    const Address contract = Addr(d, "verifyingContract");
    absl::StatusOr<ExchangeDomain> std_domain = MakeExchangeDomain(U64(d, "chainId"), 2, false);
    absl::StatusOr<ExchangeDomain> neg_domain = MakeExchangeDomain(U64(d, "chainId"), 2, true);
    ASSERT_TRUE(std_domain.ok() && neg_domain.ok());
    const ExchangeDomain& domain = contract == std_domain->contract ? *std_domain : *neg_domain;
    ASSERT_EQ(domain.contract, contract);
    SignedOrderV2 out;
    ASSERT_TRUE(signer.Sign(domain, order, &out).ok());
    EXPECT_EQ(ToHex(out.hash), Str(c, "order_hash_digest"));
    EXPECT_EQ(ToHex(out.signature()), Str(c, "signature"));
  }
}

TEST(SigningVectorsTest, Poly1271P1ByteExactWithSubFields) {
  const std::unique_ptr<Secp256k1Signer> key = CommonKey();
  const OrderSigner signer(key.get());
  const dom::element c = Vectors()["order_v2_poly1271"].at(0);
  ASSERT_EQ(Str(c, "id"), "P1");
  const dom::element d = c["domain"];
  const OrderV2 order = OrderFromJson(c["order"]);
  SignedOrderV2 out;
  ASSERT_TRUE(
      signer.Sign(DomainFor(U64(d, "chainId"), Addr(d, "verifyingContract")), order, &out).ok());
  const std::string got = ToHex(out.signature());
  const std::string expected = Str(c, "signature");
  ASSERT_EQ(expected.size(), 636u);
  // Sub-fields first (0x + innerSig 130 + appDomainSep 64 + contentsHash 64 + type 372 + len 4)
  // so that a mismatch is localised.
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_EQ(got.substr(0, 132), expected.substr(0, 132)) << "innerSig";
  EXPECT_EQ(got.substr(132, 64), expected.substr(132, 64)) << "appDomainSeparator";
  EXPECT_EQ(got.substr(196, 64), expected.substr(196, 64)) << "contentsHash";
  EXPECT_EQ(got.substr(260, 372), expected.substr(260, 372)) << "type string";
  EXPECT_EQ(got.substr(632), "00ba");
  EXPECT_EQ(got, expected);
}

TEST(SigningVectorsTest, Poly1271P2P3HashAndSignature) {
  const std::unique_ptr<Secp256k1Signer> key = CommonKey();
  const OrderSigner signer(key.get());
  const dom::element v = Vectors()["order_v2_poly1271"].at(1);
  const OrderV2 order = OrderFromJson(v["order"]);
  const std::vector<dom::element> cases = Array(v["cases"]);
  ASSERT_EQ(cases.size(), 2u);
  for (dom::element c : cases) {
    SCOPED_TRACE(Str(c, "id"));
    bool neg_risk = false;
    ASSERT_EQ(c["neg_risk"].get_bool().get(neg_risk), simdjson::SUCCESS);
    absl::StatusOr<ExchangeDomain> domain = MakeExchangeDomain(U64(v, "chainId"), 2, neg_risk);
    ASSERT_TRUE(domain.ok());
    ASSERT_EQ(domain->contract, Addr(c, "verifyingContract"));
    SignedOrderV2 out;
    ASSERT_TRUE(signer.Sign(*domain, order, &out).ok());
    EXPECT_EQ(ToHex(out.hash), Str(c, "order_hash"));
    EXPECT_EQ(ToHex(out.signature()), Str(c, "signature"));
  }
}

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) fields.push_back(f);
  return fields;
}

TEST(SigningVectorsTest, AllAmountVectorRows) {
  std::stringstream csv(ReadFile(ProtocolsDir() / "amount_vectors.csv"));
  std::string line;
  ASSERT_TRUE(std::getline(csv, line));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  ASSERT_EQ(line,
            "source_file,test_name,order_kind,side,price,size_or_amount,tick_size,"
            "expected_makerAmount,expected_takerAmount");
  int rows = 0;
  int line_no = 1;
  while (std::getline(csv, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    SCOPED_TRACE("amount_vectors.csv line " + std::to_string(line_no) + ": " + line);
    const std::vector<std::string> f = SplitCsv(line);
    ASSERT_EQ(f.size(), 9u);
    absl::StatusOr<TickSize> tick = ParseTickSize(f[6]);
    ASSERT_TRUE(tick.ok()) << tick.status();
    absl::StatusOr<Price> price = Price::Parse(f[4]);
    absl::StatusOr<Quantity> size = Quantity::Parse(f[5]);
    ASSERT_TRUE(price.ok() && size.ok());
    const OrderSide side = f[3] == "BUY" ? OrderSide::kBuy : OrderSide::kSell;
    ASSERT_TRUE(f[2] == "limit" || f[2] == "market");
    absl::StatusOr<RawAmounts> amounts = f[2] == "limit"
                                             ? LimitOrderAmounts(side, *price, *size, *tick)
                                             : MarketOrderAmounts(side, *price, *size, *tick);
    ASSERT_TRUE(amounts.ok()) << amounts.status();
    EXPECT_EQ(std::to_string(amounts->maker_amount), f[7]);
    EXPECT_EQ(std::to_string(amounts->taker_amount), f[8]);
    ++rows;
  }
  EXPECT_EQ(rows, 76);
}

}  // namespace
}  // namespace arbor::venue::polymarket
