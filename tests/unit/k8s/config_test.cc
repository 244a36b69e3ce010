#include "arbor/k8s/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <map>

#include "arbor/core/clock.h"

namespace arbor::k8s {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/arbor_k8s_config_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/" + name, std::ios::trunc) << text;
  }

 private:
  std::string path_;
};

ConfigOverrides WithEnv(std::map<std::string, std::string> env, const std::string& dir) {
  ConfigOverrides o;
  o.service_account_dir = dir;
  o.getenv = [env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

TEST(InClusterConfig, FromEnvironmentAndServiceAccountDir) {
  TempDir sa;
  sa.Write("namespace", "trading\n");
  absl::StatusOr<ClusterConfig> c = InClusterConfig(WithEnv(
      {{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}, sa.path()));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->api_url, "https://10.0.0.1:443");
  EXPECT_EQ(c->token_file, sa.path() + "/token");
  EXPECT_EQ(c->ca_file, sa.path() + "/ca.crt");
  EXPECT_EQ(c->namespace_name, "trading");
}

TEST(InClusterConfig, BracketsIpv6AndFallsBackToHttpsPort) {
  TempDir sa;
  absl::StatusOr<ClusterConfig> c = InClusterConfig(
      WithEnv({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT_HTTPS", "6443"}},
              sa.path()));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->api_url, "https://[fd00::1]:6443");
  EXPECT_EQ(c->namespace_name, "default");  // no namespace file
}

TEST(InClusterConfig, OutsideAClusterNeedsAnUrl) {
  TempDir sa;
  EXPECT_EQ(InClusterConfig(WithEnv({}, sa.path())).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ConfigOverrides o = WithEnv({}, sa.path());
  o.api_url = "https://127.0.0.1:6443";
  o.token = "static";
  o.ca_file = "/tmp/ca.pem";
  o.namespace_name = "dev";
  absl::StatusOr<ClusterConfig> c = InClusterConfig(o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->api_url, "https://127.0.0.1:6443");
  EXPECT_EQ(c->token, "static");
  EXPECT_TRUE(c->token_file.empty());
  EXPECT_EQ(c->ca_file, "/tmp/ca.pem");
  EXPECT_EQ(c->namespace_name, "dev");
}

TEST(TokenSource, RereadsAfterTheIntervalAndAfterInvalidate) {
  TempDir dir;
  dir.Write("token", "one\n");
  ClusterConfig config;
  config.token_file = dir.path() + "/token";
  SimulatedClock clock;
  TokenSource tokens(config, {.refresh_interval = absl::Minutes(5), .clock = &clock});
  EXPECT_EQ(*tokens.Token(), "one");
  dir.Write("token", "two");
  clock.Advance(absl::Minutes(4));
  EXPECT_EQ(*tokens.Token(), "one");  // cached
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(*tokens.Token(), "two");  // 5 minutes: re-read
  dir.Write("token", "three");
  tokens.Invalidate();  // after a 401
  EXPECT_EQ(*tokens.Token(), "three");
  EXPECT_EQ(tokens.reads(), 3);
  // A vanished file keeps the last good token.
  std::remove(config.token_file.c_str());
  tokens.Invalidate();
  EXPECT_EQ(*tokens.Token(), "three");
}

TEST(TokenSource, MissingFileIsAnErrorUntilReadable) {
  ClusterConfig config;
  config.token_file = "/nonexistent/token";
  TokenSource tokens(config);
  EXPECT_EQ(tokens.Token().status().code(), absl::StatusCode::kNotFound);
  ClusterConfig fixed;
  fixed.token = "static";
  TokenSource static_tokens(fixed);
  EXPECT_EQ(*static_tokens.Token(), "static");
}

}  // namespace
}  // namespace arbor::k8s
