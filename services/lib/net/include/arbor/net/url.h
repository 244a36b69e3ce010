// File: arbor/net/url.h
//
// ParseUrl: splits an absolute http(s) / ws(s) URL (as given on command lines and in Helm
// values) into the Origin the clients connect to and the path prefix they request.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/net/http_client.h"

namespace arbor::net {

struct Url {
  Origin origin;     // tls = https / wss; port defaults to 443 (TLS) or 80
  std::string path;  // "/..." ("" when the URL has none); the query is kept in it
};

// Accepts "scheme://host[:port][/path]" with scheme http, https, ws or wss (case-insensitive)
// and an IPv6 literal in brackets. Errors: InvalidArgument naming the problem (missing or
// unknown scheme, empty host, bad port, user info).
[[nodiscard]] absl::StatusOr<Url> ParseUrl(std::string_view url);

}  // namespace arbor::net
