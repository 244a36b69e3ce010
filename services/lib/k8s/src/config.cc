#include "arbor/k8s/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace arbor::k8s {

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string msg = absl::StrCat("cannot read ", path, ": ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(msg);
    if (err == EACCES) return absl::PermissionDeniedError(msg);
    return absl::InternalError(msg);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::StatusOr<ClusterConfig> InClusterConfig(const ConfigOverrides& overrides) {
  auto getenv = overrides.getenv ? overrides.getenv : [](const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::optional<std::string>() : std::optional<std::string>(v);
  };
  const std::string dir = overrides.service_account_dir.value_or(std::string(kServiceAccountDir));
  ClusterConfig config;
  if (overrides.api_url.has_value()) {
    config.api_url = *overrides.api_url;
  } else {
    std::optional<std::string> host = getenv("KUBERNETES_SERVICE_HOST");
    std::optional<std::string> port = getenv("KUBERNETES_SERVICE_PORT");
    if (!port.has_value() || port->empty()) port = getenv("KUBERNETES_SERVICE_PORT_HTTPS");
    if (!host.has_value() || host->empty() || !port.has_value() || port->empty()) {
      return absl::FailedPreconditionError(
          "not running in a cluster: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are unset "
          "(pass an API URL to run outside)");
    }
    const bool ipv6 = host->find(':') != std::string::npos && host->front() != '[';
    config.api_url = absl::StrCat("https://", ipv6 ? "[" : "", *host, ipv6 ? "]" : "", ":", *port);
  }
  config.token_file = overrides.token_file.value_or(absl::StrCat(dir, "/token"));
  if (overrides.token.has_value()) {
    config.token = *overrides.token;
    if (!overrides.token_file.has_value()) config.token_file.clear();
  }
  config.ca_file = overrides.ca_file.value_or(absl::StrCat(dir, "/ca.crt"));
  if (overrides.namespace_name.has_value()) {
    config.namespace_name = *overrides.namespace_name;
  } else if (absl::StatusOr<std::string> ns = ReadFileToString(absl::StrCat(dir, "/namespace"));
             ns.ok()) {
    std::string trimmed(absl::StripAsciiWhitespace(*ns));
    if (!trimmed.empty()) config.namespace_name = std::move(trimmed);
  }
  return config;
}

TokenSource::TokenSource(const ClusterConfig& config, TokenSourceOptions options)
    : token_file_(config.token_file),
      static_token_(config.token),
      options_(options),
      clock_(options.clock != nullptr ? *options.clock : SystemClock::Get()) {}

absl::StatusOr<std::string> TokenSource::Token() {
  absl::MutexLock lock(&mu_);
  if (token_file_.empty()) return static_token_;
  const int64_t now = clock_.MonotonicNanos();
  const bool expired = now - read_at_mono_ >= absl::ToInt64Nanoseconds(options_.refresh_interval);
  if (have_token_ && !stale_ && !expired) return cached_;
  absl::StatusOr<std::string> text = ReadFileToString(token_file_);
  if (!text.ok()) {
    if (have_token_) return cached_;  // keep the last good token; retry next time
    return text.status();
  }
  cached_ = std::string(absl::StripAsciiWhitespace(*text));
  have_token_ = true;
  stale_ = false;
  read_at_mono_ = now;
  ++reads_;
  return cached_;
}

void TokenSource::Invalidate() {
  absl::MutexLock lock(&mu_);
  stale_ = true;
}

int TokenSource::reads() const {
  absl::MutexLock lock(&mu_);
  return reads_;
}

}  // namespace arbor::k8s
