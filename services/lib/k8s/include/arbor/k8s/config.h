// File: arbor/k8s/config.h
//
// Where the API server is and how to authenticate to it. InClusterConfig() follows the in-cluster
// contract (OPERATOR_NOTES.md §2.6): https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
// (IPv6 literals bracketed), the service-account token, CA bundle and namespace under
// /var/run/secrets/kubernetes.io/serviceaccount. Every field can be overridden, for tests and
// out-of-cluster use:
//
//   arbor::k8s::ConfigOverrides o;
//   o.api_url = "https://127.0.0.1:6443";
//   o.token_file = "/tmp/token";
//   o.ca_file = "/tmp/ca.crt";
//   ARBOR_ASSIGN_OR_RETURN(arbor::k8s::ClusterConfig config, arbor::k8s::InClusterConfig(o));
//
// TokenSource caches the bearer token and re-reads the file periodically (bound service-account
// tokens rotate; client-go re-reads every 5 minutes) and right after the server answers 401.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"

namespace arbor::k8s {

inline constexpr std::string_view kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

struct ClusterConfig {
  std::string api_url;     // "https://host:port" (an optional path prefix is kept)
  std::string token_file;  // re-read periodically; empty = use `token`
  std::string token;       // a static token (only when token_file is empty); may be empty
  std::string ca_file;     // PEM bundle that signs the server certificate; empty = system CAs
  std::string namespace_name = "default";  // the namespace the process runs in
  bool verify_tls = true;                  // never false outside tests of the failure path
};

struct ConfigOverrides {
  std::optional<std::string> api_url;
  std::optional<std::string> token_file;
  std::optional<std::string> token;
  std::optional<std::string> ca_file;
  std::optional<std::string> namespace_name;
  // Directory holding token, ca.crt and namespace (default kServiceAccountDir).
  std::optional<std::string> service_account_dir;
  // Environment lookup (default std::getenv); returns nullopt for an unset variable.
  std::function<std::optional<std::string>(const char*)> getenv;
};

// InClusterConfig
//
// Builds the configuration from the environment and the service-account directory, then applies
// `overrides`. Errors: FailedPrecondition when no API URL is overridden and
// KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are unset (not running in a pod). Missing
// token / CA files are not errors here (the first request reports them); a missing namespace
// file leaves "default".
[[nodiscard]] absl::StatusOr<ClusterConfig> InClusterConfig(const ConfigOverrides& overrides = {});

// Reads a whole file. Errors: NotFound / PermissionDenied / Internal naming the file.
[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(const std::string& path);

struct TokenSourceOptions {
  absl::Duration refresh_interval = absl::Minutes(5);
  const Clock* clock = nullptr;  // not owned; nullptr = SystemClock
};

// TokenSource
//
// Thread-safe cache of the bearer token. Token() re-reads `token_file` when the cached value is
// older than refresh_interval or after Invalidate(); surrounding whitespace is stripped. If a
// re-read fails after a successful one, the last good token is kept (and the read retried on
// the next call).
class TokenSource {
 public:
  explicit TokenSource(const ClusterConfig& config, TokenSourceOptions options = {});

  // Token
  //
  // Errors: the file read error when no token was ever read.
  [[nodiscard]] absl::StatusOr<std::string> Token();

  // Invalidate
  //
  // Forces a re-read on the next Token() (call after a 401).
  void Invalidate();

  // Number of successful file reads so far (for tests).
  int reads() const;

 private:
  const std::string token_file_;
  const std::string static_token_;
  const TokenSourceOptions options_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  std::string cached_ ABSL_GUARDED_BY(mu_);
  bool have_token_ ABSL_GUARDED_BY(mu_) = false;
  bool stale_ ABSL_GUARDED_BY(mu_) = true;
  int64_t read_at_mono_ ABSL_GUARDED_BY(mu_) = 0;
  int reads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arbor::k8s
