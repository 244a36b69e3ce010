#include "arbor/ops/ops_server.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "arbor/net/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace arbor::ops {
namespace {

using ::testing::HasSubstr;

class OpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = net::HttpClient::Create({});
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  absl::StatusOr<net::HttpResponse> Get(const OpsServer& server, std::string target,
                                        std::string method = "GET") {
    net::HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.timeout = absl::Seconds(5);
    return client_->Send(net::Origin{.tls = false, .host = "127.0.0.1", .port = server.port()},
                         request);
  }

  std::unique_ptr<net::HttpClient> client_;
};

TEST_F(OpsServerTest, MetricsServesRegisteredCounter) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter()
                     .Name("arbor_test_things_total")
                     .Help("Things counted by the test.")
                     .Register(*registry);
  family.Add({{"venue", "kalshi"}}).Increment(7);

  OpsServerOptions options;
  options.bind_address = "127.0.0.1";
  OpsServer server(options);
  server.AddCollectable(registry);
  ASSERT_TRUE(server.Start().ok());
  ASSERT_NE(server.port(), 0);

  auto response = Get(server, "/metrics");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->Header("Content-Type"), HasSubstr("version=0.0.4"));
  EXPECT_THAT(response->body, HasSubstr("# TYPE arbor_test_things_total counter"));
  EXPECT_THAT(response->body, HasSubstr("arbor_test_things_total{venue=\"kalshi\"} 7"));

  // The registry is live: a later increment shows in the next scrape.
  family.Add({{"venue", "kalshi"}}).Increment(3);
  response = Get(server, "/metrics");
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->body, HasSubstr("arbor_test_things_total{venue=\"kalshi\"} 10"));
}

TEST_F(OpsServerTest, ReadyzFollowsReadinessCallback) {
  std::atomic<bool> ready{false};
  OpsServerOptions options;
  options.bind_address = "127.0.0.1";
  options.readiness = [&]() -> absl::Status {
    if (ready.load()) return absl::OkStatus();
    return absl::UnavailableError("waiting for 3 of 5 books");
  };
  OpsServer server(options);
  ASSERT_TRUE(server.Start().ok());

  auto response = Get(server, "/readyz");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 503);
  EXPECT_THAT(response->body, HasSubstr("waiting for 3 of 5 books"));

  ready.store(true);
  response = Get(server, "/readyz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);

  // Liveness defaults to OK.
  response = Get(server, "/healthz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
}

TEST_F(OpsServerTest, HealthzFollowsLivenessCallback) {
  std::atomic<bool> live{true};
  OpsServerOptions options;
  options.bind_address = "127.0.0.1";
  options.liveness = [&]() -> absl::Status {
    return live.load() ? absl::OkStatus() : absl::UnavailableError("feed loop stalled");
  };
  OpsServer server(options);
  ASSERT_TRUE(server.Start().ok());
  auto response = Get(server, "/healthz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  live.store(false);
  response = Get(server, "/healthz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 503);
  EXPECT_THAT(response->body, HasSubstr("feed loop stalled"));
}

TEST_F(OpsServerTest, NoReadinessCallbackMeansNotReady) {
  OpsServerOptions options;
  options.bind_address = "127.0.0.1";
  OpsServer server(options);
  ASSERT_TRUE(server.Start().ok());
  auto response = Get(server, "/readyz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 503);
}

TEST_F(OpsServerTest, UnknownPathIs404AndWrongMethodIs405) {
  OpsServerOptions options;
  options.bind_address = "127.0.0.1";
  OpsServer server(options);
  ASSERT_TRUE(server.Start().ok());
  auto response = Get(server, "/nope");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  response = Get(server, "/metrics", "POST");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 405);
}

TEST_F(OpsServerTest, StopClosesListenerAndRestartIsRejectedWhileRunning) {
  OpsServerOptions options;
  options.bind_address = "127.0.0.1";
  OpsServer server(options);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kFailedPrecondition);
  const uint16_t port = server.port();
  server.Stop();
  EXPECT_EQ(server.port(), 0);
  net::HttpRequest request;
  request.timeout = absl::Seconds(2);
  auto response =
      client_->Send(net::Origin{.tls = false, .host = "127.0.0.1", .port = port}, request);
  EXPECT_FALSE(response.ok());
  server.Stop();  // idempotent
}

TEST_F(OpsServerTest, BindFailureIsUnavailable) {
  OpsServerOptions options;
  options.bind_address = "127.0.0.1";
  OpsServer first(options);
  ASSERT_TRUE(first.Start().ok());
  options.port = first.port();
  OpsServer second(options);
  // reuse_address does not allow two listeners on one port on Linux.
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);

  OpsServerOptions bad;
  bad.bind_address = "not-an-ip";
  OpsServer third(bad);
  EXPECT_EQ(third.Start().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace arbor::ops
