// The simulator's servers over TLS (https / wss), seen through our production clients with
// certificate verification on: a throw-away self-signed certificate is generated per test and is
// the only CA the trusting clients accept.
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "arbor/core/clock.h"
#include "arbor/net/http_client.h"
#include "arbor/net/ws_client.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/kalshi_ws_channel.h"
#include "arbor/sim/polymarket_market_channel.h"
#include "arbor/sim/polymarket_routes.h"
#include "arbor/venue/polymarket/market_decoder.h"
#include "arbor/venue/polymarket/rest_parsers.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tls_test_cert.h"

namespace arbor::sim {
namespace {

namespace pm = ::arbor::venue::polymarket;
using ::testing::HasSubstr;
using tcp = boost::asio::ip::tcp;

// Collects what a WsClient delivers on its I/O thread; the test thread waits on it.
class WsInbox {
 public:
  net::WsHandlers Handlers() {
    net::WsHandlers h;
    h.on_message = [this](std::string_view m, bool) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.emplace_back(m);
      cv_.notify_all();
    };
    h.on_close = [this](const net::WsCloseInfo& info) {
      std::lock_guard<std::mutex> lock(mu_);
      close_code_ = info.code;
      cv_.notify_all();
    };
    return h;
  }
  // The next message (blocks until it arrives).
  std::string Next() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !messages_.empty() || close_code_ != 0; });
    if (messages_.empty()) return "";
    std::string m = std::move(messages_.front());
    messages_.pop_front();
    return m;
  }
  // The close code (blocks until the connection ends).
  int WaitClose() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return close_code_ != 0; });
    return close_code_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> messages_;
  int close_code_ = 0;
};

class SimTlsTest : public ::testing::Test {
 protected:
  // Runs `fn` on the io thread and waits for its result.
  template <typename Fn>
  auto OnIo(Fn fn) {
    std::promise<decltype(fn())> done;
    boost::asio::post(io_, [&] { done.set_value(fn()); });
    return done.get_future().get();
  }

  void SetUp() override {
    absl::StatusOr<TestCertFiles> cert = WriteSelfSignedTlsCert(::testing::TempDir());
    ASSERT_TRUE(cert.ok()) << cert.status();
    cert_ = *cert;
    absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> tls =
        MakeServerTlsContext(cert_.cert_file, cert_.key_file);
    ASSERT_TRUE(tls.ok()) << tls.status();

    UniverseSpec spec;
    spec.binary_markets = 12;
    spec.negrisk_events = 1;
    spec.kalshi_twin_every = 2;
    absl::StatusOr<std::unique_ptr<Exchange>> ex =
        Exchange::Create(*GenerateUniverse(spec), DynamicsSpec{}, {}, 3);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);

    clob_ = std::make_unique<HttpServer>(io_, HttpServerOptions{.tls = *tls});
    AddPolymarketClobRoutes(*clob_, *exchange_, clock_);
    channel_ = std::make_unique<PolymarketMarketChannel>(exchange_.get());
    channel_->Attach(*clob_);
    kalshi_ = std::make_unique<HttpServer>(io_, HttpServerOptions{.tls = *tls});
    kalshi_ws_ = std::make_unique<KalshiWsChannel>(
        exchange_.get(),
        [](std::string_view, std::string_view, std::string_view, std::string_view, std::string_view)
            -> absl::StatusOr<std::string> { return absl::UnauthenticatedError("unknown key"); });
    kalshi_ws_->Attach(*kalshi_);
    ASSERT_TRUE(clob_->Start().ok());
    ASSERT_TRUE(kalshi_->Start().ok());
    EXPECT_TRUE(clob_->tls());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (!cert_.dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(cert_.dir, ec);  // the servers loaded the files at start
    }
    if (!thread_.joinable()) return;  // SetUp failed before the io thread started
    OnIo([this] {
      clob_->Stop();
      kalshi_->Stop();
      return 0;
    });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::unique_ptr<net::HttpClient> TrustingClient() {
    net::HttpClientOptions options;
    options.ca_file = cert_.cert_file;
    absl::StatusOr<std::unique_ptr<net::HttpClient>> c = net::HttpClient::Create(options);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }

  net::WsOptions TrustingWsOptions() const {
    net::WsOptions options;
    options.ca_file = cert_.cert_file;
    return options;
  }

  net::Origin Clob(std::string host = "127.0.0.1") const {
    return net::Origin{.tls = true, .host = std::move(host), .port = clob_->port()};
  }

  TestCertFiles cert_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  boost::asio::io_context io_;
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<HttpServer> clob_;
  std::unique_ptr<PolymarketMarketChannel> channel_;
  std::unique_ptr<HttpServer> kalshi_;
  std::unique_ptr<KalshiWsChannel> kalshi_ws_;
  std::thread thread_;
};

TEST_F(SimTlsTest, BookOverHttpsParsesWithTheProductionParser) {
  std::unique_ptr<net::HttpClient> client = TrustingClient();
  ASSERT_NE(client, nullptr);
  const SimMarket& m = exchange_->universe().markets[2];
  // Both names in the certificate verify.
  for (const char* host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    absl::StatusOr<net::HttpResponse> r =
        client->Send(Clob(host), {.target = "/book?token_id=" + m.yes_token});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    absl::StatusOr<pm::BookSummary> book = pm::ParseBookSummary(r->body);
    ASSERT_TRUE(book.ok()) << book.status() << " body: " << r->body;
    EXPECT_EQ(book->asset_id, m.yes_token);
    EXPECT_EQ(book->market, m.condition_id);
  }
  // Keep-alive over TLS: a second request reuses the pooled connection.
  const uint64_t opened = client->connections_opened();
  ASSERT_TRUE(client->Send(Clob(), {.target = "/book?token_id=" + m.no_token}).ok());
  EXPECT_EQ(client->connections_opened(), opened);
}

TEST_F(SimTlsTest, MarketChannelOverWssSendsTheBookSnapshotArray) {
  WsInbox inbox;
  const SimMarket& m = exchange_->universe().markets[3];
  absl::StatusOr<std::unique_ptr<net::WsClient>> ws =
      net::WsClient::Connect(TrustingWsOptions(), Clob(), "/ws/market", {}, inbox.Handlers());
  ASSERT_TRUE(ws.ok()) << ws.status();
  ASSERT_TRUE((*ws)->SendText("PING").ok());
  EXPECT_EQ(inbox.Next(), "PONG");
  ASSERT_TRUE((*ws)
                  ->SendText(R"({"assets_ids":[")" + m.yes_token + R"(",")" + m.no_token +
                             R"("],"type":"market"})")
                  .ok());
  const std::string dump = inbox.Next();
  ASSERT_FALSE(dump.empty());
  ASSERT_EQ(dump.front(), '[') << dump;
  pm::MarketFrameDecoder decoder;
  absl::StatusOr<const pm::MarketFrame*> frame = decoder.Decode(dump);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ((*frame)->books().size(), 2u);

  // Fault injection reaches TLS sessions through the registry: an abort drops the connection
  // without a close frame.
  EXPECT_EQ(OnIo([this] { return clob_->ws_sessions().live(); }), 1u);
  OnIo([this] {
    clob_->ws_sessions().ForEach([](WsSession& s) { s.Abort(); });
    return 0;
  });
  EXPECT_EQ(inbox.WaitClose(), 1006);
}

TEST_F(SimTlsTest, ServerCloseCodeReachesAWssClient) {
  WsInbox inbox;
  absl::StatusOr<std::unique_ptr<net::WsClient>> ws =
      net::WsClient::Connect(TrustingWsOptions(), Clob(), "/ws/market", {}, inbox.Handlers());
  ASSERT_TRUE(ws.ok()) << ws.status();
  ASSERT_TRUE((*ws)->SendText("PING").ok());
  ASSERT_EQ(inbox.Next(), "PONG");  // the session is open and registered
  // The fault injector's disconnect: a close frame with an application code, over TLS.
  OnIo([this] {
    clob_->ws_sessions().ForEach([](WsSession& s) { s.Close(4001, "injected"); });
    return 0;
  });
  EXPECT_EQ(inbox.WaitClose(), 4001);
}

TEST_F(SimTlsTest, ClientsThatDoNotTrustTheCertificateFailBeforeSending) {
  // The system CA paths do not include the throw-away certificate.
  absl::StatusOr<std::unique_ptr<net::HttpClient>> untrusting = net::HttpClient::Create({});
  ASSERT_TRUE(untrusting.ok());
  absl::StatusOr<net::HttpResponse> r = (*untrusting)->Send(Clob(), {.target = "/book"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();

  WsInbox inbox;
  absl::StatusOr<std::unique_ptr<net::WsClient>> ws =
      net::WsClient::Connect({}, Clob(), "/ws/market", {}, inbox.Handlers());
  ASSERT_FALSE(ws.ok());
  EXPECT_EQ(ws.status().code(), absl::StatusCode::kUnavailable) << ws.status();

  // A trusting client with the wrong name fails too: the certificate covers only 127.0.0.1 and
  // localhost.
  std::unique_ptr<net::HttpClient> trusting = TrustingClient();
  ASSERT_NE(trusting, nullptr);
  r = trusting->Send(Clob("127.0.0.2"), {.target = "/book"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_EQ(OnIo([this] { return clob_->requests(); }), 0u);
}

TEST_F(SimTlsTest, PlainHttpAgainstTheTlsPortFailsAndTheServerKeepsServing) {
  absl::StatusOr<std::unique_ptr<net::HttpClient>> plain = net::HttpClient::Create({});
  ASSERT_TRUE(plain.ok());
  absl::StatusOr<net::HttpResponse> r =
      (*plain)->Send({.tls = false, .host = "127.0.0.1", .port = clob_->port()}, {.target = "/"});
  EXPECT_FALSE(r.ok()) << r->status << " " << r->body;
  EXPECT_GE(OnIo([this] { return clob_->io_errors(); }), 1u);
  EXPECT_EQ(OnIo([this] { return clob_->requests(); }), 0u);

  std::unique_ptr<net::HttpClient> trusting = TrustingClient();
  ASSERT_NE(trusting, nullptr);
  r = trusting->Send(Clob(),
                     {.target = "/book?token_id=" + exchange_->universe().markets[0].yes_token});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
}

TEST_F(SimTlsTest, KalshiRefusedUpgradeAnswers401OverTls) {
  WsInbox inbox;
  absl::StatusOr<std::unique_ptr<net::WsClient>> ws = net::WsClient::Connect(
      TrustingWsOptions(), {.tls = true, .host = "127.0.0.1", .port = kalshi_->port()},
      "/trade-api/ws/v2", {}, inbox.Handlers());
  ASSERT_FALSE(ws.ok());
  EXPECT_EQ(ws.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(ws.status().message(), HasSubstr("HTTP 401")) << ws.status();
  EXPECT_EQ(OnIo([this] { return kalshi_ws_->rejected_upgrades(); }), 1u);
}

TEST_F(SimTlsTest, SilentPeerIsDroppedAfterTheHandshakeTimeout) {
  absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> tls =
      MakeServerTlsContext(cert_.cert_file, cert_.key_file);
  ASSERT_TRUE(tls.ok());
  HttpServer quick(io_, HttpServerOptions{.tls = *tls, .tls_handshake_timeout_ms = 50});
  ASSERT_TRUE(OnIo([&] { return quick.Start(); }).ok());
  boost::asio::io_context cio;
  tcp::socket socket(cio);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), quick.port()));
  // Send nothing: the server gives up on the handshake and closes; the read sees EOF.
  char byte = 0;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof) << ec.message();
  EXPECT_EQ(OnIo([&] {
              quick.Stop();
              return quick.io_errors();
            }),
            1u);
}

TEST(MakeServerTlsContextTest, ReportsUnusableFiles) {
  absl::StatusOr<TestCertFiles> a = WriteSelfSignedTlsCert(::testing::TempDir());
  absl::StatusOr<TestCertFiles> b = WriteSelfSignedTlsCert(::testing::TempDir());
  ASSERT_TRUE(a.ok() && b.ok());
  struct Case {
    std::string cert;
    std::string key;
    absl::StatusCode code;
    std::string needle;
  };
  const Case cases[] = {
      {a->cert_file, a->key_file, absl::StatusCode::kOk, ""},
      {a->dir + "/missing.pem", a->key_file, absl::StatusCode::kNotFound, "certificate file"},
      {a->cert_file, a->dir + "/missing.pem", absl::StatusCode::kNotFound, "key file"},
      {a->key_file, a->key_file, absl::StatusCode::kInvalidArgument, "not a usable PEM cert"},
      {a->cert_file, a->cert_file, absl::StatusCode::kInvalidArgument, "not a usable PEM priv"},
      {a->cert_file, b->key_file, absl::StatusCode::kInvalidArgument, "does not match"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.cert + " / " + c.key);
    absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> ctx =
        MakeServerTlsContext(c.cert, c.key);
    EXPECT_EQ(ctx.status().code(), c.code) << ctx.status();
    if (!c.needle.empty()) {
      EXPECT_THAT(std::string(ctx.status().message()), HasSubstr(c.needle));
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(a->dir, ec);
  std::filesystem::remove_all(b->dir, ec);
}

}  // namespace
}  // namespace arbor::sim
