#include "arbor/k8s/api_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <exception>
#include <limits>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "arbor/core/log.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/net/backoff.h"
#include "arbor/net/http_client.h"
#include "arbor/net/url.h"

namespace arbor::k8s {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr char kComponent[] = "k8s.client";

std::chrono::nanoseconds ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

absl::StatusOr<Json> ParseJson(const RawResponse& r) {
  ARBOR_RETURN_IF_ERROR(StatusFromResponse(r.status, r.body));
  Json parsed = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InternalError(
        absl::StrCat("API server sent a body that is not JSON: ", Abbreviate(r.body, 120)));
  }
  return parsed;
}

// Runs `ioc` until `finished` becomes true, polling `cancel` and `deadline` every 100 ms. On
// cancel or deadline calls `abort()` (which must make the pending operation complete, e.g. by
// closing the socket) and drains. Returns 0 = finished, 1 = cancelled, 2 = timed out.
template <class Abort>
int RunCancellable(asio::io_context& ioc, const bool& finished, const std::atomic<bool>* cancel,
                   std::chrono::steady_clock::time_point deadline, Abort abort) {
  ioc.restart();
  int outcome = 0;
  while (!finished) {
    ioc.run_for(std::chrono::milliseconds(100));
    if (finished) break;
    if (ioc.stopped()) ioc.restart();
    const bool cancelled = cancel != nullptr && cancel->load();
    if (cancelled || std::chrono::steady_clock::now() >= deadline) {
      outcome = cancelled ? 1 : 2;
      abort();
      ioc.restart();
      ioc.run();  // drain the aborted operation's handler
      break;
    }
  }
  return outcome;
}

// The token; a read failure is reported as Unauthenticated so that a missing token file is
// never mistaken for a missing object (kNotFound).
absl::StatusOr<std::string> BearerToken(TokenSource& tokens) {
  absl::StatusOr<std::string> token = tokens.Token();
  if (!token.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("cannot read the bearer token: ", token.status().message()));
  }
  return token;
}

class BeastWatchStream final : public WatchStream {
 public:
  BeastWatchStream(ssl::context& ctx, const std::atomic<bool>* cancel, absl::Duration idle)
      : stream_(ioc_, ctx), cancel_(cancel), idle_(idle) {
    // A watch body is unbounded. Not body_limit(boost::none): Beast 1.74 compares
    // `len_ > body_limit_` against the optional, and `n > none` is true, so every response with
    // a Content-Length (e.g. a 410 Status) fails with body_limit. The largest value is
    // effectively unlimited in both code paths (it is decremented per chunk).
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
  }

  // Connects, sends the request and reads the response header.
  absl::Status Open(const net::Origin& origin, const std::string& target, const std::string& token,
                    const std::string& user_agent, bool verify, absl::Duration connect_timeout,
                    int* http_status) {
    const std::string where = absl::StrCat("watch ", origin.host, ":", origin.port);
    const auto deadline = std::chrono::steady_clock::now() + ToChrono(connect_timeout);
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    beast::error_code ec;
    bool done = false;
    resolver.async_resolve(origin.host, std::to_string(origin.port),
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             done = true;
                           });
    if (int o = RunCancellable(ioc_, done, cancel_, deadline, [&] { resolver.cancel(); }); o) {
      return Interrupted(o, where, "resolve");
    }
    if (ec) return absl::UnavailableError(absl::StrCat(where, ": resolve: ", ec.message()));

    done = false;
    beast::get_lowest_layer(stream_).async_connect(endpoints,
                                                   [&](beast::error_code e, const tcp::endpoint&) {
                                                     ec = e;
                                                     done = true;
                                                   });
    if (int o = RunCancellable(ioc_, done, cancel_, deadline, [&] { Close(); }); o) {
      return Interrupted(o, where, "connect");
    }
    if (ec) return absl::UnavailableError(absl::StrCat(where, ": connect: ", ec.message()));

    if (SSL_set_tlsext_host_name(stream_.native_handle(), origin.host.c_str()) != 1) {
      return absl::UnavailableError(absl::StrCat(where, ": cannot set SNI"));
    }
    if (verify) {
      stream_.set_verify_mode(ssl::verify_peer, ec);
      if (!ec) stream_.set_verify_callback(ssl::host_name_verification(origin.host), ec);
      if (ec) return absl::UnavailableError(absl::StrCat(where, ": TLS setup: ", ec.message()));
    } else {
      stream_.set_verify_mode(ssl::verify_none, ec);
    }
    done = false;
    stream_.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    if (int o = RunCancellable(ioc_, done, cancel_, deadline, [&] { Close(); }); o) {
      return Interrupted(o, where, "TLS handshake");
    }
    if (ec) return absl::UnavailableError(absl::StrCat(where, ": TLS handshake: ", ec.message()));

    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, absl::StrCat(origin.host, ":", origin.port));
    req.set(http::field::user_agent, user_agent);
    req.set(http::field::accept, "application/json");
    if (!token.empty()) req.set(http::field::authorization, absl::StrCat("Bearer ", token));
    done = false;
    http::async_write(stream_, req, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (int o = RunCancellable(ioc_, done, cancel_, deadline, [&] { Close(); }); o) {
      return Interrupted(o, where, "write");
    }
    if (ec) return absl::UnavailableError(absl::StrCat(where, ": write: ", ec.message()));

    done = false;
    http::async_read_header(stream_, buffer_, parser_, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (int o = RunCancellable(ioc_, done, cancel_, deadline, [&] { Close(); }); o) {
      return Interrupted(o, where, "response header");
    }
    if (ec) {
      return absl::UnavailableError(absl::StrCat(where, ": response header: ", ec.message()));
    }
    *http_status = static_cast<int>(parser_.get().result_int());
    where_ = where;
    return absl::OkStatus();
  }

  // Reads the rest of a (non-200) response body, bounded to 64 kB.
  std::string ReadWholeBody() {
    std::string body;
    while (body.size() < (64u << 10)) {
      absl::StatusOr<size_t> n = ReadSome(&body);
      if (!n.ok() || *n == 0) break;
    }
    return body;
  }

  absl::StatusOr<Json> Next() override {
    while (true) {
      while (!lines_.empty()) {
        std::string line = std::move(lines_.front());
        lines_.pop_front();
        if (absl::StripAsciiWhitespace(line).empty()) continue;
        Json event = Json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (event.is_discarded() || !event.is_object()) {
          return absl::UnavailableError(
              absl::StrCat(where_, ": watch line is not a JSON object: ", Abbreviate(line, 120)));
        }
        return event;
      }
      if (ended_) return absl::OutOfRangeError(absl::StrCat(where_, ": watch stream ended"));
      ARBOR_ASSIGN_OR_RETURN(size_t n, ReadSome(&partial_));
      (void)n;
      size_t start = 0;
      for (size_t nl = partial_.find('\n'); nl != std::string::npos;
           nl = partial_.find('\n', start)) {
        lines_.push_back(partial_.substr(start, nl - start));
        start = nl + 1;
      }
      partial_.erase(0, start);
      if (ended_ && !partial_.empty()) {
        lines_.push_back(std::move(partial_));  // a final line without '\n'
        partial_.clear();
      }
    }
  }

 private:
  // Reads some body bytes and appends them to `out`. 0 bytes with ended_ set = end of body.
  absl::StatusOr<size_t> ReadSome(std::string* out) {
    if (parser_.is_done()) {
      ended_ = true;
      return 0;
    }
    char buf[16384];
    parser_.get().body().data = buf;
    parser_.get().body().size = sizeof(buf);
    beast::error_code ec;
    bool done = false;
    http::async_read_some(stream_, buffer_, parser_, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + ToChrono(idle_);
    if (int o = RunCancellable(ioc_, done, cancel_, deadline, [&] { Close(); }); o) {
      return Interrupted(o, where_, "read");
    }
    if (ec == http::error::need_buffer) ec = {};
    const size_t n = sizeof(buf) - parser_.get().body().size;
    out->append(buf, n);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat(where_, ": watch connection broken: ", ec.message()));
    }
    if (parser_.is_done()) ended_ = true;
    return n;
  }

  absl::Status Interrupted(int outcome, const std::string& where, const char* phase) {
    Close();
    if (outcome == 1) return absl::CancelledError(absl::StrCat(where, ": cancelled"));
    return absl::UnavailableError(absl::StrCat(where, ": ", phase, " timed out"));
  }

  void Close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  asio::io_context ioc_{1};
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  const std::atomic<bool>* cancel_;
  const absl::Duration idle_;
  std::string where_;
  std::string partial_;
  std::deque<std::string> lines_;
  bool ended_ = false;
};

}  // namespace

struct ApiClient::Impl {
  ClusterConfig config;
  ApiClientOptions options;
  net::Origin origin;
  std::string prefix;  // path prefix from api_url
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<TokenSource> tokens;
  ssl::context watch_ssl{ssl::context::tls_client};

  void Sleep(absl::Duration d) const {
    if (options.sleep) {
      options.sleep(d);
    } else {
      absl::SleepFor(d);
    }
  }
};

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::~ApiClient() = default;

absl::StatusOr<std::unique_ptr<ApiClient>> ApiClient::Create(const ClusterConfig& config,
                                                             ApiClientOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->options = options;
  absl::StatusOr<net::Url> url = net::ParseUrl(config.api_url);
  if (!url.ok()) return url.status();
  impl->origin = url->origin;
  impl->prefix = url->path;
  while (!impl->prefix.empty() && impl->prefix.back() == '/') impl->prefix.pop_back();

  net::HttpClientOptions http_options;
  http_options.connect_timeout = options.connect_timeout;
  http_options.request_timeout = options.request_timeout;
  http_options.verify_peer = config.verify_tls;
  http_options.ca_file = config.ca_file;
  http_options.user_agent = options.user_agent;
  ARBOR_ASSIGN_OR_RETURN(impl->http, net::HttpClient::Create(http_options));

  beast::error_code ec;
  if (config.ca_file.empty()) {
    impl->watch_ssl.set_default_verify_paths(ec);
  } else {
    impl->watch_ssl.load_verify_file(config.ca_file, ec);
  }
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load CA file ", config.ca_file, ": ", ec.message()));
  }
  TokenSourceOptions token_options;
  token_options.refresh_interval = options.token_refresh_interval;
  token_options.clock = options.clock;
  impl->tokens = std::make_unique<TokenSource>(config, token_options);
  return std::unique_ptr<ApiClient>(new ApiClient(std::move(impl)));
}

const ClusterConfig& ApiClient::config() const { return impl_->config; }
TokenSource& ApiClient::token_source() { return *impl_->tokens; }

absl::StatusOr<RawResponse> ApiClient::Request(const std::string& method, const std::string& path,
                                               const std::string& body,
                                               const std::string& content_type, bool idempotent) {
  Impl& im = *impl_;
  net::BackoffOptions backoff_options;
  backoff_options.min = im.options.retry_backoff_min;
  backoff_options.max = std::max(im.options.retry_backoff_min, im.options.retry_backoff_max);
  net::Backoff backoff(backoff_options);
  int throttled = 0;
  int server_errors = 0;
  bool reauthenticated = false;
  while (true) {
    ARBOR_ASSIGN_OR_RETURN(std::string token, BearerToken(*im.tokens));
    net::HttpRequest req;
    req.method = method;
    req.target = absl::StrCat(im.prefix, path);
    req.headers.emplace_back("Accept", "application/json");
    if (!token.empty()) req.headers.emplace_back("Authorization", absl::StrCat("Bearer ", token));
    if (!body.empty()) req.headers.emplace_back("Content-Type", content_type);
    req.body = body;
    absl::StatusOr<net::HttpResponse> res = im.http->Send(im.origin, req);
    if (!res.ok()) {
      // kUnavailable: nothing was sent (safe for every verb); otherwise only idempotent verbs.
      const bool retryable = res.status().code() == absl::StatusCode::kUnavailable || idempotent;
      if (retryable && server_errors < im.options.max_server_error_retries) {
        ++server_errors;
        const absl::Duration d = backoff.Next();
        ARBOR_LOG(kWarning, kComponent, "request failed; retrying")
            .Field("method", method)
            .Field("path", path)
            .Field("error", std::string(res.status().message()))
            .Field("delay_ms", absl::ToInt64Milliseconds(d));
        im.Sleep(d);
        continue;
      }
      return res.status();
    }
    RawResponse out;
    out.status = res->status;
    out.content_type = std::string(res->Header("Content-Type"));
    out.body = std::move(res->body);
    if (out.status == 401 && !reauthenticated) {
      reauthenticated = true;
      im.tokens->Invalidate();
      ARBOR_LOG(kInfo, kComponent, "401 Unauthorized; re-reading the token").Field("path", path);
      continue;
    }
    if (out.status == 429 && throttled < im.options.max_throttle_retries) {
      ++throttled;
      absl::Duration d = absl::Seconds(1);
      double seconds = 0;
      if (absl::SimpleAtod(ToAbsl(res->Header("Retry-After")), &seconds) && seconds >= 0) {
        d = absl::Seconds(seconds);
      }
      d = std::min(d, im.options.max_retry_after);
      ARBOR_LOG(kInfo, kComponent, "429 Too Many Requests; honouring Retry-After")
          .Field("path", path)
          .Field("delay_ms", absl::ToInt64Milliseconds(d));
      im.Sleep(d);
      continue;
    }
    if (out.status >= 500 && idempotent && server_errors < im.options.max_server_error_retries) {
      ++server_errors;
      const absl::Duration d = backoff.Next();
      ARBOR_LOG(kWarning, kComponent, "server error; retrying")
          .Field("method", method)
          .Field("path", path)
          .Field("status", out.status)
          .Field("delay_ms", absl::ToInt64Milliseconds(d));
      im.Sleep(d);
      continue;
    }
    return out;
  }
}

absl::StatusOr<Json> ApiClient::Get(const std::string& path) {
  ARBOR_ASSIGN_OR_RETURN(RawResponse r, Request("GET", path, "", "", true));
  return ParseJson(r);
}

absl::StatusOr<Json> ApiClient::List(const std::string& path, int64_t limit,
                                     const std::string& extra_query) {
  for (int attempt = 0;; ++attempt) {
    Json result;
    std::string cont;
    bool first = true;
    absl::Status page_error;
    do {
      std::string target = path;
      char sep = path.find('?') == std::string::npos ? '?' : '&';
      if (!extra_query.empty()) {
        absl::StrAppend(&target, std::string(1, sep), extra_query);
        sep = '&';
      }
      if (limit > 0) {
        absl::StrAppend(&target, std::string(1, sep), "limit=", limit);
        sep = '&';
      }
      if (!cont.empty())
        absl::StrAppend(&target, std::string(1, sep), "continue=", QueryEscape(cont));
      absl::StatusOr<Json> page = Get(target);
      if (!page.ok()) {
        page_error = page.status();
        break;
      }
      if (!page->is_object()) return absl::InternalError("list response is not an object");
      Json items =
          page->contains("items") && (*page)["items"].is_array() ? (*page)["items"] : Json::array();
      if (first) {
        result = *page;
        result["items"] = Json::array();
        first = false;
      }
      for (Json& item : items) result["items"].push_back(std::move(item));
      cont.clear();
      if (auto meta = page->find("metadata"); meta != page->end() && meta->is_object()) {
        if (auto c = meta->find("continue"); c != meta->end() && c->is_string()) {
          cont = c->get<std::string>();
        }
      }
    } while (!cont.empty());
    if (page_error.ok()) {
      if (result.contains("metadata") && result["metadata"].is_object()) {
        result["metadata"].erase("continue");
        result["metadata"].erase("remainingItemCount");
      }
      return result;
    }
    // An expired continue token: restart the list once from a fresh snapshot.
    if (IsGone(page_error) && !first && attempt == 0) continue;
    return page_error;
  }
}

absl::StatusOr<Json> ApiClient::Create(const std::string& collection_path, const Json& obj) {
  ARBOR_ASSIGN_OR_RETURN(RawResponse r,
                         Request("POST", collection_path, obj.dump(), "application/json", false));
  return ParseJson(r);
}

absl::StatusOr<Json> ApiClient::Replace(const std::string& path, const Json& obj) {
  ARBOR_ASSIGN_OR_RETURN(RawResponse r, Request("PUT", path, obj.dump(), "application/json", true));
  return ParseJson(r);
}

absl::StatusOr<Json> ApiClient::MergePatch(const std::string& path, const Json& patch) {
  ARBOR_ASSIGN_OR_RETURN(
      RawResponse r, Request("PATCH", path, patch.dump(), "application/merge-patch+json", false));
  return ParseJson(r);
}

absl::StatusOr<Json> ApiClient::Delete(const std::string& path) {
  ARBOR_ASSIGN_OR_RETURN(RawResponse r, Request("DELETE", path, "", "", true));
  return ParseJson(r);
}

absl::StatusOr<std::unique_ptr<WatchStream>> ApiClient::OpenWatch(const std::string& path_and_query,
                                                                  const std::atomic<bool>* cancel,
                                                                  absl::Duration idle_timeout) {
  Impl& im = *impl_;
  for (int attempt = 0;; ++attempt) {
    ARBOR_ASSIGN_OR_RETURN(std::string token, BearerToken(*im.tokens));
    auto stream = std::make_unique<BeastWatchStream>(im.watch_ssl, cancel, idle_timeout);
    int status = 0;
    try {
      ARBOR_RETURN_IF_ERROR(stream->Open(im.origin, absl::StrCat(im.prefix, path_and_query), token,
                                         im.options.user_agent, im.config.verify_tls,
                                         im.options.connect_timeout, &status));
      if (status == 200) return std::unique_ptr<WatchStream>(std::move(stream));
      const std::string body = stream->ReadWholeBody();
      if (status == 401 && attempt == 0) {
        im.tokens->Invalidate();
        continue;
      }
      return StatusFromResponse(status, body);
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("watch: unexpected exception: ", e.what()));
    }
  }
}

}  // namespace arbor::k8s
