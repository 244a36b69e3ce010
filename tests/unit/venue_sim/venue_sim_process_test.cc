// arbor-venue-sim as a real process: start it on free ports, talk to it over loopback, stop it
// with SIGTERM and check that it exits cleanly.
#include <signal.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "arbor/net/http_client.h"
#include "arbor/testing/child_process.h"
#include "arbor/venue/polymarket/gamma.h"
#include "arbor/venue/polymarket/rest_parsers.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gtest/gtest.h"
#include "tls_test_cert.h"

namespace arbor::sim {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

using ::arbor::testing::ChildProcess;

ChildProcess Spawn(const std::vector<std::string>& args) {
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(args);
  EXPECT_TRUE(child.ok()) << child.status();
  return std::move(*child);
}

std::string Get(uint16_t port, const std::string& target, int* status) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  tcp::resolver resolver(io);
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  *status = static_cast<int>(res.result_int());
  return res.body();
}

std::string Post(uint16_t port, const std::string& target, const std::string& body, int* status) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  tcp::resolver resolver(io);
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  *status = static_cast<int>(res.result_int());
  return res.body();
}

int Field(const std::string& json, const std::string& key) {
  return ::arbor::testing::JsonIntField(json, key);
}

TEST(VenueSimProcessTest, ServesTheDefaultScenarioAndStopsCleanlyOnSigterm) {
  ChildProcess child =
      Spawn({ARBOR_VENUE_SIM_BINARY, "--scenario",
             std::string(ARBOR_SCENARIO_DIR) + "/default.json", "--step-ms", "50"});
  ASSERT_GT(child.pid(), 0);
  absl::StatusOr<std::string> line = child.ReadLine();
  ASSERT_TRUE(line.ok()) << "no ready line: " << line.status();
  const std::string ready = *line;
  const int clob = Field(ready, "clob_port");
  const int gamma = Field(ready, "gamma_port");
  ASSERT_GT(clob, 0) << ready;
  ASSERT_GT(gamma, 0) << ready;
  EXPECT_GE(Field(ready, "markets"), 2000) << ready;
  EXPECT_NE(ready.find("\"tls\":false"), std::string::npos) << ready;

  int status = 0;
  EXPECT_EQ(Get(static_cast<uint16_t>(clob), "/ok", &status), "\"OK\"");
  const std::string page = Get(static_cast<uint16_t>(gamma), "/markets?limit=5", &status);
  absl::StatusOr<std::vector<venue::polymarket::GammaMarket>> markets =
      venue::polymarket::ParseGammaMarkets(page);
  ASSERT_TRUE(markets.ok()) << markets.status();
  ASSERT_EQ(markets->size(), 5u);
  const std::string book = Get(static_cast<uint16_t>(clob),
                               "/book?token_id=" + (*markets)[2].clob_token_ids[0], &status);
  EXPECT_EQ(status, 200);
  absl::StatusOr<venue::polymarket::BookSummary> parsed = venue::polymarket::ParseBookSummary(book);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_FALSE(parsed->bids.empty());
  EXPECT_FALSE(parsed->asks.empty());
  const int kalshi = Field(ready, "kalshi_port");
  ASSERT_GT(kalshi, 0) << ready;
  EXPECT_EQ(Field(ready, "kalshi_markets"), 160) << ready;
  Get(static_cast<uint16_t>(kalshi), "/trade-api/v2/markets/SIM-00000/orderbook", &status);
  EXPECT_EQ(status, 200);

  EXPECT_EQ(child.Stop(SIGTERM), 0);
}

TEST(VenueSimProcessTest, AdminApiStepsReportsTruthAndInjectsFaults) {
  // A step period far beyond the test: only POST /admin/step advances the exchange.
  ChildProcess child = Spawn({ARBOR_VENUE_SIM_BINARY, "--scenario",
                              std::string(ARBOR_SCENARIO_DIR) + "/default.json", "--step-ms",
                              "3600000", "--admin-port", "0"});
  ASSERT_GT(child.pid(), 0);
  absl::StatusOr<std::string> line = child.ReadLine();
  ASSERT_TRUE(line.ok()) << "no ready line: " << line.status();
  const std::string ready = *line;
  const int admin = Field(ready, "admin_port");
  const int clob = Field(ready, "clob_port");
  ASSERT_GT(admin, 0) << ready;
  int status = 0;
  EXPECT_EQ(Post(static_cast<uint16_t>(admin), "/admin/step", "", &status), "{\"step\":1}");
  EXPECT_EQ(status, 200);
  const std::string truth = Get(static_cast<uint16_t>(admin), "/admin/truth", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Field(truth, "step"), 1) << truth.substr(0, 200);
  EXPECT_NE(truth.find("\"faults\":{\"status\":0,\"rate_limit\":0"), std::string::npos);

  Post(static_cast<uint16_t>(admin), "/admin/faults",
       R"({"rules":[{"kind":"rate_limit","server":"clob","path_prefix":"/ok","count":1}]})",
       &status);
  EXPECT_EQ(status, 200);
  Get(static_cast<uint16_t>(clob), "/ok", &status);
  EXPECT_EQ(status, 429);
  Get(static_cast<uint16_t>(clob), "/ok", &status);
  EXPECT_EQ(status, 200);  // count spent
  EXPECT_NE(Get(static_cast<uint16_t>(admin), "/admin/truth", &status).find("\"rate_limit\":1"),
            std::string::npos);

  EXPECT_EQ(child.Stop(SIGTERM), 0);
}

TEST(VenueSimProcessTest, TlsFlagsServeHttpsWhileAdminStaysPlain) {
  absl::StatusOr<TestCertFiles> cert = WriteSelfSignedTlsCert(::testing::TempDir());
  ASSERT_TRUE(cert.ok()) << cert.status();
  ChildProcess child = Spawn(
      {ARBOR_VENUE_SIM_BINARY, "--scenario", std::string(ARBOR_SCENARIO_DIR) + "/default.json",
       "--step-ms", "3600000", "--tls-cert", cert->cert_file, "--tls-key", cert->key_file});
  ASSERT_GT(child.pid(), 0);
  absl::StatusOr<std::string> line = child.ReadLine();
  ASSERT_TRUE(line.ok()) << "no ready line: " << line.status();
  const std::string ready = *line;
  EXPECT_NE(ready.find("\"tls\":true"), std::string::npos) << ready;
  const int clob = Field(ready, "clob_port");
  const int admin = Field(ready, "admin_port");
  ASSERT_GT(clob, 0) << ready;

  net::HttpClientOptions options;
  options.ca_file = cert->cert_file;  // verification on, trusting only the test certificate
  absl::StatusOr<std::unique_ptr<net::HttpClient>> client = net::HttpClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<net::HttpResponse> ok = (*client)->Send(
      {.tls = true, .host = "127.0.0.1", .port = static_cast<uint16_t>(clob)}, {.target = "/ok"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "\"OK\"");
  int status = 0;
  EXPECT_EQ(Post(static_cast<uint16_t>(admin), "/admin/step", "", &status), "{\"step\":1}");
  EXPECT_EQ(status, 200);

  EXPECT_EQ(child.Stop(SIGTERM), 0);

  // Half the pair, or an unreadable key: exit 1 before listening.
  const std::string scenario = std::string(ARBOR_SCENARIO_DIR) + "/default.json";
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--tls-cert", cert->cert_file},
        std::vector<std::string>{"--tls-cert", cert->cert_file, "--tls-key", cert->dir + "/no"}}) {
    std::vector<std::string> args = {ARBOR_VENUE_SIM_BINARY, "--scenario", scenario};
    args.insert(args.end(), extra.begin(), extra.end());
    child = Spawn(args);
    EXPECT_EQ(child.Wait(), 1);
  }
  std::error_code ec;
  std::filesystem::remove_all(cert->dir, ec);
}

TEST(VenueSimProcessTest, BadArgumentsAndScenariosExitWithOne) {
  ChildProcess child = Spawn({ARBOR_VENUE_SIM_BINARY, "--scenario", "/nonexistent.json"});
  EXPECT_EQ(child.Wait(), 1);
  child = Spawn({ARBOR_VENUE_SIM_BINARY, "--step-ms", "0"});
  EXPECT_EQ(child.Wait(), 1);
  child = Spawn({ARBOR_VENUE_SIM_BINARY, "--scenario",
                 std::string(ARBOR_SCENARIO_DIR) + "/default.json", "--faults",
                 std::string(ARBOR_SCENARIO_DIR) + "/default.json"});  // not a rules document
  EXPECT_EQ(child.Wait(), 1);
}

}  // namespace
}  // namespace arbor::sim
