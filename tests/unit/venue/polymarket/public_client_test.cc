// PublicClient against an in-process fake CLOB host (the simulator's HttpServer on loopback):
// a 429 keeps the venue's Retry-After as a status payload (RetryAfterSeconds), in both of its
// header forms; other errors and unusable headers carry none.
#include "arbor/venue/polymarket/public_client.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/sim/http_server.h"
#include "boost/asio/post.hpp"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

constexpr char kToken[] = "123";

// A CLOB host whose /book and /books answer with the reply set by Answer().
class PublicClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto handler = [this](const sim::HttpRequest&) {
      std::lock_guard<std::mutex> lock(mu_);
      return reply_;
    };
    server_.Route("GET", "/book", handler);
    server_.Route("POST", "/books", handler);
    ASSERT_TRUE(server_.Start().ok());
    thread_ = std::thread([this] { io_.run(); });
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = std::move(*http);
    const net::Origin origin{false, "127.0.0.1", server_.port()};
    client_ = std::make_unique<PublicClient>(http_.get(), origin, origin, &clock_);
  }
  void TearDown() override {
    client_.reset();
    http_.reset();
    boost::asio::post(io_, [this] { server_.Stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void Answer(int status, std::optional<std::string> retry_after) {
    sim::HttpReply reply = sim::HttpReply::Error(status, "Too Many Requests");
    if (retry_after.has_value()) reply.headers.emplace_back("Retry-After", *retry_after);
    std::lock_guard<std::mutex> lock(mu_);
    reply_ = std::move(reply);
  }

  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  boost::asio::io_context io_;
  sim::HttpServer server_{io_, sim::HttpServerOptions{}};
  std::thread thread_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<PublicClient> client_;
  std::mutex mu_;
  sim::HttpReply reply_;
};

TEST_F(PublicClientTest, TooManyRequestsKeepsDeltaSecondsRetryAfter) {
  Answer(429, "7");
  const absl::StatusOr<BookSummary> one = client_->GetBook(kToken);
  ASSERT_EQ(one.status().code(), absl::StatusCode::kResourceExhausted) << one.status();
  EXPECT_EQ(RetryAfterSeconds(one.status()), 7);

  // The batched endpoint goes through the same path.
  const absl::StatusOr<std::vector<BookSummary>> many =
      client_->GetBooks(std::vector<std::string>{kToken});
  ASSERT_EQ(many.status().code(), absl::StatusCode::kResourceExhausted) << many.status();
  EXPECT_EQ(RetryAfterSeconds(many.status()), 7);
}

TEST_F(PublicClientTest, TooManyRequestsConvertsHttpDateWithTheInjectedClock) {
  // 90.5 s after the client's clock: rounded up to whole seconds.
  Answer(429, absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", clock_.Now() + absl::Seconds(91),
                               absl::UTCTimeZone()));
  clock_.Advance(absl::Milliseconds(500));
  const absl::StatusOr<BookSummary> book = client_->GetBook(kToken);
  ASSERT_EQ(book.status().code(), absl::StatusCode::kResourceExhausted) << book.status();
  EXPECT_EQ(RetryAfterSeconds(book.status()), 91);

  // A date in the past means "now".
  Answer(429, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(RetryAfterSeconds(client_->GetBook(kToken).status()), 0);
}

TEST_F(PublicClientTest, NoRetryAfterWithoutAUsableHeaderOrOutsideA429) {
  Answer(429, std::nullopt);
  absl::Status s = client_->GetBook(kToken).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(RetryAfterSeconds(s), std::nullopt);

  Answer(429, "soon");
  s = client_->GetBook(kToken).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(RetryAfterSeconds(s), std::nullopt);

  Answer(503, "7");
  s = client_->GetBook(kToken).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(RetryAfterSeconds(s), std::nullopt);

  EXPECT_EQ(RetryAfterSeconds(absl::ResourceExhaustedError("429")), std::nullopt);
  EXPECT_EQ(RetryAfterSeconds(absl::OkStatus()), std::nullopt);
}

}  // namespace
}  // namespace arbor::venue::polymarket
