#include "arbor/net/url.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::net {

absl::StatusOr<Url> ParseUrl(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("URL '", ToAbsl(url), "' has no scheme://"));
  }
  const std::string scheme = absl::AsciiStrToLower(ToAbsl(url.substr(0, sep)));
  Url out;
  if (scheme == "https" || scheme == "wss") {
    out.origin.tls = true;
    out.origin.port = 443;
  } else if (scheme == "http" || scheme == "ws") {
    out.origin.tls = false;
    out.origin.port = 80;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("URL '", ToAbsl(url), "': unsupported scheme '", scheme, "'"));
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view tail = rest.substr(slash);
    out.path = tail[0] == '?' ? absl::StrCat("/", ToAbsl(tail)) : std::string(tail);
  }
  if (authority.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("URL '", ToAbsl(url), "': user info is not supported"));
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("URL '", ToAbsl(url), "': unclosed '['"));
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        return absl::InvalidArgumentError(
            absl::StrCat("URL '", ToAbsl(url), "': junk after IPv6 literal"));
      }
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("URL '", ToAbsl(url), "' has no host"));
  }
  out.origin.host = std::string(host);
  if (!port.empty() || (authority.size() > 0 && authority.back() == ':')) {
    uint32_t p = 0;
    if (!absl::SimpleAtoi(ToAbsl(port), &p) || p == 0 || p > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("URL '", ToAbsl(url), "': bad port '", ToAbsl(port), "'"));
    }
    out.origin.port = static_cast<uint16_t>(p);
  }
  return out;
}

}  // namespace arbor::net
