#include "arbor/net/http_client.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_servers.h"

namespace arbor::net {
namespace {

using ::testing::HasSubstr;
using testing::Pki;
using testing::TestHttpServer;

// Generous guards so slow machines never fail; no test asserts a duration.
constexpr absl::Duration kGuard = absl::Seconds(20);
constexpr absl::Duration kShortTimeout = absl::Milliseconds(300);

std::unique_ptr<HttpClient> MakeClient(const std::string& ca_file = {}) {
  HttpClientOptions o;
  o.connect_timeout = kGuard;
  o.request_timeout = kGuard;
  o.ca_file = ca_file;
  auto c = HttpClient::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return std::move(c).value();
}

Origin Plain(const TestHttpServer& s) { return Origin{false, "127.0.0.1", s.port()}; }

TestHttpServer::Reply Echo(const TestHttpServer::Request& req) {
  TestHttpServer::Reply r;
  r.body = std::string(req.method_string()) + " " + std::string(req.target()) + " " + req.body();
  r.headers = {{"X-Seen-Key", std::string(req["X-Key"])}};
  return r;
}

TEST(HttpClientTest, GetAndPostWithHeadersAndBody) {
  TestHttpServer server(Echo);
  auto client = MakeClient();
  HttpRequest get;
  get.target = "/trade-api/v2/markets?limit=5";
  get.headers = {{"X-Key", "abc"}};
  auto r = client->Send(Plain(server), get);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /trade-api/v2/markets?limit=5 ");
  EXPECT_EQ(r->Header("x-seen-key"), "abc");
  EXPECT_EQ(r->Header("missing"), "");

  HttpRequest post;
  post.method = "POST";
  post.target = "/orders";
  post.body = R"({"a":1})";
  r = client->Send(Plain(server), post);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, R"(POST /orders {"a":1})");
}

TEST(HttpClientTest, KeepAliveReusesOneConnection) {
  TestHttpServer server(Echo);
  auto client = MakeClient();
  for (int i = 0; i < 5; ++i) {
    auto r = client->Send(Plain(server), HttpRequest{});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests(), 5);
  EXPECT_EQ(client->connections_opened(), 1u);
}

TEST(HttpClientTest, ConnectionCloseIsNotPooled) {
  TestHttpServer server([](const TestHttpServer::Request&) {
    TestHttpServer::Reply r;
    r.keep_alive = false;
    return r;
  });
  auto client = MakeClient();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Send(Plain(server), HttpRequest{}).ok());
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClientTest, HttpErrorIsAResponseAndMapsToStatus) {
  TestHttpServer server([](const TestHttpServer::Request&) {
    TestHttpServer::Reply r;
    r.status = 429;
    r.headers = {{"Retry-After", "3"}};
    r.body = "slow down";
    return r;
  });
  auto client = MakeClient();
  auto r = client->Send(Plain(server), HttpRequest{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->Header("Retry-After"), "3");
  const absl::Status s = StatusFromHttp(r->status, r->body);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()), HasSubstr("slow down"));
}

TEST(HttpClientTest, StatusFromHttpTable) {
  const std::pair<int, absl::StatusCode> kCases[] = {
      {200, absl::StatusCode::kOk},
      {204, absl::StatusCode::kOk},
      {400, absl::StatusCode::kInvalidArgument},
      {401, absl::StatusCode::kUnauthenticated},
      {403, absl::StatusCode::kPermissionDenied},
      {404, absl::StatusCode::kNotFound},
      {408, absl::StatusCode::kDeadlineExceeded},
      {409, absl::StatusCode::kAborted},
      {418, absl::StatusCode::kFailedPrecondition},
      {429, absl::StatusCode::kResourceExhausted},
      {500, absl::StatusCode::kInternal},
      {501, absl::StatusCode::kUnimplemented},
      {502, absl::StatusCode::kUnavailable},
      {503, absl::StatusCode::kUnavailable},
      {504, absl::StatusCode::kDeadlineExceeded},
      {100, absl::StatusCode::kUnknown},
  };
  for (const auto& [http, code] : kCases) EXPECT_EQ(StatusFromHttp(http).code(), code) << http;
}

TEST(HttpClientTest, ConnectRefusedIsUnavailable) {
  uint16_t port = 0;
  {
    TestHttpServer server(Echo);
    port = server.port();
  }
  auto client = MakeClient();
  auto r = client->Send(Origin{false, "127.0.0.1", port}, HttpRequest{});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("connect"));
}

TEST(HttpClientTest, TimeoutAfterSendIsDeadlineExceededOutcomeUnknown) {
  TestHttpServer server([](const TestHttpServer::Request&) {
    TestHttpServer::Reply r;
    r.action = TestHttpServer::Action::kHang;
    return r;
  });
  auto client = MakeClient();
  HttpRequest req;
  req.method = "POST";
  req.timeout = kShortTimeout;
  auto r = client->Send(Plain(server), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("outcome unknown"));
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpClientTest, ServerClosingMidResponseIsOutcomeUnknown) {
  TestHttpServer server([](const TestHttpServer::Request&) {
    TestHttpServer::Reply r;
    r.action = TestHttpServer::Action::kCloseMidResponse;
    return r;
  });
  auto client = MakeClient();
  HttpRequest req;
  req.method = "POST";
  auto r = client->Send(Plain(server), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("outcome unknown"));
}

TEST(HttpClientTest, StalePooledConnectionRetriedOnlyForIdempotentMethods) {
  // The first request on each connection succeeds; the second one is dropped without a
  // response, like a server that closed an idle keep-alive connection.
  std::atomic<int> n{0};
  TestHttpServer server([&n](const TestHttpServer::Request&) {
    TestHttpServer::Reply r;
    if (n.fetch_add(1) % 2 == 1) r.action = TestHttpServer::Action::kCloseWithoutResponse;
    return r;
  });
  auto client = MakeClient();
  ASSERT_TRUE(client->Send(Plain(server), HttpRequest{}).ok());
  // GET on the stale connection: retried transparently on a new one.
  auto get = client->Send(Plain(server), HttpRequest{});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(server.connections(), 2);
  // POST on the (now pooled, about to be dropped) connection: not retried.
  HttpRequest post;
  post.method = "POST";
  auto r = client->Send(Plain(server), post);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown) << r.status();
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, TlsWithGeneratedCaSucceedsAndReusesConnection) {
  const Pki pki = testing::MakePki("good");
  TestHttpServer server(Echo, &pki);
  auto client = MakeClient(pki.ca_file);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto r = client->Send(Origin{true, host, server.port()}, HttpRequest{});
    ASSERT_TRUE(r.ok()) << host << ": " << r.status();
    EXPECT_EQ(r->status, 200);
  }
  auto again = client->Send(Origin{true, "127.0.0.1", server.port()}, HttpRequest{});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(server.connections(), 2);  // one per host name (distinct pool keys)
}

TEST(HttpClientTest, TlsWithWrongCaFailsBeforeSending) {
  const Pki pki = testing::MakePki("server");
  const Pki other = testing::MakePki("other");
  TestHttpServer server(Echo, &pki);
  auto client = MakeClient(other.ca_file);
  auto r = client->Send(Origin{true, "127.0.0.1", server.port()}, HttpRequest{});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("TLS handshake"));
  EXPECT_EQ(server.requests(), 0);
}

TEST(HttpClientTest, MissingCaFileIsInvalidArgument) {
  HttpClientOptions o;
  o.ca_file = "/nonexistent/arbor/ca.pem";
  auto c = HttpClient::Create(o);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("/nonexistent/arbor/ca.pem"));
}

}  // namespace
}  // namespace arbor::net
