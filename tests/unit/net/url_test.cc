#include "arbor/net/url.h"

#include "gtest/gtest.h"

namespace arbor::net {
namespace {

TEST(UrlTest, SchemesPortsAndPaths) {
  absl::StatusOr<Url> u = ParseUrl("wss://ws-subscriptions-clob.polymarket.com/ws/market");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_TRUE(u->origin.tls);
  EXPECT_EQ(u->origin.host, "ws-subscriptions-clob.polymarket.com");
  EXPECT_EQ(u->origin.port, 443);
  EXPECT_EQ(u->path, "/ws/market");

  u = ParseUrl("HTTP://127.0.0.1:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->origin.tls);
  EXPECT_EQ(u->origin.port, 8080);
  EXPECT_EQ(u->path, "");

  u = ParseUrl("ws://[::1]:9/trade-api/ws/v2");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->origin.host, "::1");
  EXPECT_EQ(u->origin.port, 9);
  EXPECT_EQ(u->path, "/trade-api/ws/v2");

  u = ParseUrl("http://h?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->origin.port, 80);
  EXPECT_EQ(u->path, "/?x=1");
}

TEST(UrlTest, RejectsBadUrls) {
  for (const char* bad : {"127.0.0.1:80", "ftp://h/", "http:///x", "http://h:0", "http://h:70000",
                          "http://h:abc", "http://u@h/", "http://[::1/", "http://h:"}) {
    absl::StatusOr<Url> u = ParseUrl(bad);
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace arbor::net
