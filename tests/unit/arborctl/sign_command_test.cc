// `arborctl sign`: in-process (RunSign) and through the real binary. The output must equal what
// the library signs for the same order, errors must name the line and continue, and the private
// key must never appear in any output.
#include "sign_command.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::arborctl {
namespace {

namespace pm = venue::polymarket;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyHex[] = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr char kAddress[] = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr char kProxy[] = "0x995c9b1f779c04e65AF8ea3360F96c43b5e62316";

std::string Request(std::string_view extra) {
  return std::string(
             "{\"chain_id\":137,\"version\":2,\"neg_risk\":false,\"tick_size\":\"0.01\","
             "\"price\":\"0.56\",\"size\":\"21.04\",\"side\":\"BUY\",\"signature_type\":1,"
             "\"maker\":\"") +
         kProxy + "\",\"token_id\":\"1234\",\"salt\":123456789,\"timestamp\":1713398400000" +
         std::string(extra) + "}";
}

// What the library produces for Request(""): limit BUY 21.04 @ 0.56 -> 11782400 / 21040000.
std::string ExpectedLine(const pm::Secp256k1Signer& key) {
  pm::OrderV2 o;
  o.salt = 123456789;
  o.maker = pm::ParseAddress(kProxy, "maker").value();
  o.signer = key.address();
  o.token_id = "1234";
  o.maker_amount = 11782400;
  o.taker_amount = 21040000;
  o.side = pm::OrderSide::kBuy;
  o.signature_type = pm::SignatureType::kPolyProxy;
  o.timestamp_ms = 1713398400000;
  pm::SignedOrderV2 s;
  EXPECT_TRUE(
      pm::OrderSigner(&key).Sign(pm::MakeExchangeDomain(137, 2, false).value(), o, &s).ok());
  std::string line = "{\"order\":";
  pm::AppendOrderJson(o, s, &line);
  line += ",\"hash\":\"" + pm::ToHex(s.hash) + "\"}\n";
  return line;
}

TEST(SignCommandTest, SignsAndMatchesLibrary) {
  const auto key = pm::Secp256k1Signer::FromHex(kKeyHex).value();
  std::istringstream in(Request("") + "\n");
  std::ostringstream out;
  SignStats stats;
  EXPECT_EQ(RunSign(*key, in, out, &stats), kSignExitOk);
  EXPECT_EQ(stats.signed_orders, 1);
  EXPECT_EQ(out.str(), ExpectedLine(*key));
  EXPECT_THAT(out.str(), HasSubstr("\"makerAmount\":\"11782400\",\"takerAmount\":\"21040000\""));
  EXPECT_THAT(out.str(), HasSubstr(std::string("\"signer\":\"") + kAddress + "\""));
  // Numbers instead of strings are read from their text.
  std::istringstream in2(
      Request(",\"kind\":\"limit\"").replace(Request("").find("\"0.56\""), 6, "0.56"));
  std::ostringstream out2;
  EXPECT_EQ(RunSign(*key, in2, out2), kSignExitOk);
  EXPECT_EQ(out2.str(), ExpectedLine(*key));
}

TEST(SignCommandTest, ErrorsNameTheLineAndContinue) {
  const auto key = pm::Secp256k1Signer::FromHex(kKeyHex).value();
  std::string input =
      Request("") + "\n\nnot json\n" + Request("").replace(Request("").find("0.56"), 4, "0.555") +
      "\n" + Request(",\"bogus\":1") + "\n" +
      Request("").replace(Request("").find("21.04"), 5, "0") + "\n" +
      Request("").replace(Request("").find(kProxy), 4, "0xZZ") + "\n" + Request("") + "\n";
  std::istringstream in(input);
  std::ostringstream out;
  SignStats stats;
  EXPECT_EQ(RunSign(*key, in, out, &stats), kSignExitRejected);
  EXPECT_EQ(stats.requests, 7);
  EXPECT_EQ(stats.signed_orders, 2);
  EXPECT_EQ(stats.errors, 5);
  const std::string expected_ok = ExpectedLine(*key);
  EXPECT_EQ(out.str(), expected_ok +
                           "{\"error\":\"request: not a JSON object\",\"line\":3}\n"
                           "{\"error\":\"price: 0.555 is not on tick 0.01\",\"line\":4}\n"
                           "{\"error\":\"bogus: unknown field\",\"line\":5}\n"
                           "{\"error\":\"size: 0 rounds down to 0 (2 decimals)\",\"line\":6}\n"
                           "{\"error\":\"maker: non-hex character at offset 2\",\"line\":7}\n" +
                           expected_ok);
}

TEST(SignCommandTest, MissingFieldsAndPoly1271Signer) {
  const auto key = pm::Secp256k1Signer::FromHex(kKeyHex).value();
  std::istringstream in(
      "{\"chain_id\":137}\n" +
      Request("").replace(Request("").find("\"signature_type\":1"), 18, "\"signature_type\":3") +
      "\n");
  std::ostringstream out;
  RunSign(*key, in, out);
  EXPECT_THAT(out.str(), HasSubstr("{\"error\":\"version: missing\",\"line\":1}"));
  // POLY_1271: signer = maker (the deposit wallet); the signature is the 317-byte envelope.
  EXPECT_THAT(out.str(), HasSubstr(std::string("\"signer\":\"") + kProxy + "\""));
  EXPECT_THAT(out.str(), HasSubstr("00ba\"}"));
}

std::string RunCommand(const std::string& cmd, int* exit_code) {
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(SignCommandBinaryTest, RealBinaryNeverPrintsTheKey) {
  const auto key = pm::Secp256k1Signer::FromHex(kKeyHex).value();
  const std::string dir = ::testing::TempDir();
  const std::string key_path = dir + "/arborctl_sign_test.key";
  const std::string req_path = dir + "/arborctl_sign_test.jsonl";
  {
    std::ofstream(key_path) << "0x" << kKeyHex << "\n";
    std::ofstream(req_path) << Request("") << "\n{\"salt\":-1}\n";
  }
  int code = -1;
  const std::string out = RunCommand(
      std::string(ARBORCTL_BINARY) + " sign --key-file " + key_path + " < " + req_path + " 2>&1",
      &code);
  EXPECT_EQ(code, kSignExitRejected);
  EXPECT_EQ(out,
            ExpectedLine(*key) + "{\"error\":\"salt: expected an unsigned integer\",\"line\":2}\n");
  EXPECT_THAT(out, Not(HasSubstr(kKeyHex)));
  EXPECT_THAT(out, Not(HasSubstr(std::string(kKeyHex).substr(0, 16))));

  // A bad key file is reported without echoing its content.
  const std::string bad_key = std::string(kKeyHex).substr(0, 60) + "zzzz";
  std::ofstream(key_path) << bad_key;
  const std::string err = RunCommand(
      std::string(ARBORCTL_BINARY) + " sign --key-file " + key_path + " < /dev/null 2>&1", &code);
  EXPECT_EQ(code, kSignExitUsage);
  EXPECT_THAT(err, HasSubstr("private key: non-hex character"));
  EXPECT_THAT(err, Not(HasSubstr(bad_key.substr(0, 16))));
  std::remove(key_path.c_str());
  std::remove(req_path.c_str());
}

}  // namespace
}  // namespace arbor::arborctl
