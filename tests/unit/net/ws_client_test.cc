#include "arbor/net/ws_client.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_servers.h"

namespace arbor::net {
namespace {

using ::testing::HasSubstr;
using testing::Pki;
using testing::TestWsServer;

// Failure guard only: tests wait for events, never for time.
constexpr auto kGuard = std::chrono::seconds(20);

// Collects callback events (they arrive on the client's I/O thread).
class Events {
 public:
  WsHandlers Handlers() {
    WsHandlers h;
    h.on_message = [this](std::string_view m, bool text) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.emplace_back(std::string(m), text);
      cv_.notify_all();
    };
    h.on_pong = [this](std::string_view p) {
      std::lock_guard<std::mutex> lock(mu_);
      pongs_.emplace_back(p);
      cv_.notify_all();
    };
    h.on_close = [this](const WsCloseInfo& info) {
      std::lock_guard<std::mutex> lock(mu_);
      ++closes_;
      close_ = info;
      cv_.notify_all();
    };
    return h;
  }

  bool WaitMessages(size_t n) {
    return Wait([&] { return messages_.size() >= n; });
  }
  bool WaitPongs(size_t n) {
    return Wait([&] { return pongs_.size() >= n; });
  }
  bool WaitClose() {
    return Wait([&] { return closes_ > 0; });
  }

  std::vector<std::pair<std::string, bool>> messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  std::vector<std::string> pongs() {
    std::lock_guard<std::mutex> lock(mu_);
    return pongs_;
  }
  WsCloseInfo close() {
    std::lock_guard<std::mutex> lock(mu_);
    return close_;
  }
  int closes() {
    std::lock_guard<std::mutex> lock(mu_);
    return closes_;
  }

 private:
  template <class Pred>
  bool Wait(Pred pred) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kGuard, pred);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, bool>> messages_;
  std::vector<std::string> pongs_;
  WsCloseInfo close_;
  int closes_ = 0;
};

std::unique_ptr<WsClient> Dial(const TestWsServer& server, Events& ev, bool tls = false,
                               const std::string& ca = {}, const WsOptions* opts = nullptr) {
  WsOptions o = opts != nullptr ? *opts : WsOptions{};
  o.connect_timeout = absl::Seconds(20);
  if (!ca.empty()) o.ca_file = ca;
  auto c = WsClient::Connect(o, Origin{tls, "127.0.0.1", server.port()}, "/trade-api/ws/v2",
                             {{"KALSHI-ACCESS-KEY", "key-1"}, {"KALSHI-ACCESS-TIMESTAMP", "123"}},
                             ev.Handlers());
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(c).value() : nullptr;
}

TEST(WsClientTest, EchoTextAndBinaryWithHandshakeHeaders) {
  TestWsServer server;
  Events ev;
  auto client = Dial(server, ev);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(server.HandshakeHeader("KALSHI-ACCESS-KEY"), "key-1");
  EXPECT_EQ(server.HandshakeHeader("KALSHI-ACCESS-TIMESTAMP"), "123");
  ASSERT_TRUE(client->SendText(R"({"id":1,"cmd":"subscribe"})").ok());
  ASSERT_TRUE(client->SendBinary(std::string("\x00\x01\x02", 3)).ok());
  ASSERT_TRUE(ev.WaitMessages(2));
  const auto msgs = ev.messages();
  EXPECT_EQ(msgs[0], std::make_pair(std::string(R"({"id":1,"cmd":"subscribe"})"), true));
  EXPECT_EQ(msgs[1], std::make_pair(std::string("\x00\x01\x02", 3), false));
  EXPECT_TRUE(client->is_open());
}

TEST(WsClientTest, FourMiBMessageRoundTrips) {
  TestWsServer server;
  Events ev;
  auto client = Dial(server, ev);
  ASSERT_NE(client, nullptr);
  std::string big(4u << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  ASSERT_TRUE(client->SendText(big).ok());
  ASSERT_TRUE(ev.WaitMessages(1));
  EXPECT_EQ(ev.messages()[0].first, big);
}

TEST(WsClientTest, OversizedIncomingMessageFailsTheConnection) {
  TestWsServer server;
  Events ev;
  WsOptions o;
  o.max_message_bytes = 1024;
  auto client = Dial(server, ev, false, {}, &o);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->SendText(std::string(2048, 'y')).ok());  // echoed back: too big
  ASSERT_TRUE(ev.WaitClose());
  EXPECT_EQ(ev.close().error.code(), absl::StatusCode::kResourceExhausted) << ev.close().error;
  EXPECT_TRUE(ev.messages().empty());
  EXPECT_FALSE(client->is_open());
  EXPECT_EQ(client->SendText("late").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(WsClientTest, PingPongBothWays) {
  TestWsServer server;
  Events ev;
  auto client = Dial(server, ev);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Ping("hb-1").ok());
  ASSERT_TRUE(ev.WaitPongs(1));
  EXPECT_EQ(ev.pongs()[0], "hb-1");
  // The server pings, then echoes the command; the echo arrives after the automatic pong was
  // queued, and the next echo round trip guarantees the server has read the pong.
  ASSERT_TRUE(client->SendText("ping:srv").ok());
  ASSERT_TRUE(ev.WaitMessages(1));
  ASSERT_TRUE(client->SendText("after").ok());
  ASSERT_TRUE(ev.WaitMessages(2));
  EXPECT_EQ(server.pongs_received(), 1);
  EXPECT_EQ(client->Ping(std::string(126, 'p')).code(), absl::StatusCode::kInvalidArgument);
}

TEST(WsClientTest, ServerInitiatedCloseCodeIsReported) {
  TestWsServer server;
  Events ev;
  auto client = Dial(server, ev);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->SendText("close:4001:maintenance").ok());
  ASSERT_TRUE(ev.WaitClose());
  const WsCloseInfo info = ev.close();
  EXPECT_EQ(info.code, 4001);
  EXPECT_EQ(info.reason, "maintenance");
  EXPECT_TRUE(info.error.ok()) << info.error;
  EXPECT_EQ(ev.closes(), 1);
  EXPECT_FALSE(client->is_open());
}

TEST(WsClientTest, ClientCloseHandshake) {
  TestWsServer server;
  Events ev;
  auto client = Dial(server, ev);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->SendText("last").ok());
  ASSERT_TRUE(client->Close(1000, "bye").ok());
  EXPECT_EQ(client->Close().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(client->SendText("x").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(ev.WaitClose());
  // The server answers with our close code (Beast echoes the code, not the reason).
  EXPECT_EQ(ev.close().code, 1000);
  EXPECT_TRUE(ev.close().error.ok()) << ev.close().error;
}

TEST(WsClientTest, ServerDisappearingIsAbnormalClosure) {
  Events ev;
  std::unique_ptr<WsClient> client;
  {
    TestWsServer server;
    client = Dial(server, ev);
    ASSERT_NE(client, nullptr);
  }
  ASSERT_TRUE(ev.WaitClose());
  EXPECT_EQ(ev.close().code, 1006);
  EXPECT_FALSE(ev.close().error.ok());
}

TEST(WsClientTest, TlsEchoAndWrongCa) {
  const Pki pki = testing::MakePki("ws");
  const Pki other = testing::MakePki("ws_other");
  TestWsServer server(&pki);
  Events ev;
  auto client = Dial(server, ev, true, pki.ca_file);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->SendText("over tls").ok());
  ASSERT_TRUE(ev.WaitMessages(1));
  EXPECT_EQ(ev.messages()[0].first, "over tls");

  WsOptions o;
  o.connect_timeout = absl::Seconds(20);
  o.ca_file = other.ca_file;
  Events ev2;
  auto bad =
      WsClient::Connect(o, Origin{true, "127.0.0.1", server.port()}, "/", {}, ev2.Handlers());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnavailable) << bad.status();
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("TLS handshake"));
}

TEST(WsClientTest, ConnectRefusedIsUnavailable) {
  uint16_t port = 0;
  {
    TestWsServer server;
    port = server.port();
  }
  Events ev;
  auto c = WsClient::Connect(WsOptions{}, Origin{false, "127.0.0.1", port}, "/", {}, ev.Handlers());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable) << c.status();
}

}  // namespace
}  // namespace arbor::net
