#include "arbor/net/http_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "arbor/core/strings.h"
#include "asio_util.h"

namespace arbor::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE";
}

std::string OriginKey(const Origin& o) {
  return absl::StrCat(o.tls ? "https://" : "http://", o.host, ":", o.port);
}

// One pooled connection. Each has its own io_context so a Send() can drive its operations on
// the calling thread without touching other connections.
struct Connection {
  asio::io_context ioc{1};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& Lowest() { return tls.has_value() ? beast::get_lowest_layer(*tls) : *plain; }
};

}  // namespace

struct HttpClient::Impl {
  HttpClientOptions options;
  ssl::context ssl_ctx{ssl::context::tls_client};
  std::atomic<uint64_t> opened{0};
  absl::Mutex mu;
  absl::flat_hash_map<std::string, std::vector<std::unique_ptr<Connection>>> idle
      ABSL_GUARDED_BY(mu);

  std::unique_ptr<Connection> Checkout(const std::string& key) {
    absl::MutexLock lock(&mu);
    auto it = idle.find(key);
    if (it == idle.end() || it->second.empty()) return nullptr;
    std::unique_ptr<Connection> c = std::move(it->second.back());
    it->second.pop_back();
    return c;
  }

  void Checkin(const std::string& key, std::unique_ptr<Connection> c) {
    absl::MutexLock lock(&mu);
    auto& list = idle[key];
    if (list.size() < options.max_idle_per_origin) list.push_back(std::move(c));
  }

  absl::StatusOr<std::unique_ptr<Connection>> Connect(const Origin& origin, absl::Duration timeout);
  absl::StatusOr<HttpResponse> Exchange(Connection& c, const Origin& origin,
                                        const HttpRequest& request, absl::Duration timeout,
                                        bool* got_response_bytes, bool* keep_alive);
};

absl::StatusOr<std::unique_ptr<Connection>> HttpClient::Impl::Connect(const Origin& origin,
                                                                      absl::Duration timeout) {
  auto c = std::make_unique<Connection>();
  const std::string where = OriginKey(origin);
  const auto deadline = internal::ToChrono(timeout);

  tcp::resolver::results_type endpoints;
  beast::error_code ec = internal::Resolve(c->ioc, origin.host, origin.port, timeout, &endpoints);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("http ", where, ": resolve: ", ec.message()));
  }

  if (origin.tls) {
    c->tls.emplace(c->ioc, ssl_ctx);
  } else {
    c->plain.emplace(c->ioc);
  }
  beast::tcp_stream& lowest = c->Lowest();
  lowest.expires_after(deadline);
  ec = internal::Run(c->ioc, [&](auto done) {
    lowest.async_connect(endpoints, [done](beast::error_code e, const tcp::endpoint&) { done(e); });
  });
  if (ec) {
    return absl::UnavailableError(absl::StrCat("http ", where, ": connect: ", ec.message()));
  }
  opened.fetch_add(1, std::memory_order_relaxed);

  if (origin.tls) {
    // SNI, then chain + host-name verification during the handshake.
    if (SSL_set_tlsext_host_name(c->tls->native_handle(), origin.host.c_str()) != 1) {
      return absl::UnavailableError(absl::StrCat("http ", where, ": cannot set SNI"));
    }
    if (options.verify_peer) {
      c->tls->set_verify_mode(ssl::verify_peer, ec);
      if (!ec) c->tls->set_verify_callback(ssl::host_name_verification(origin.host), ec);
      if (ec) {
        return absl::UnavailableError(
            absl::StrCat("http ", where, ": TLS verify setup: ", ec.message()));
      }
    }
    ec = internal::Run(c->ioc, [&](auto done) {
      c->tls->async_handshake(ssl::stream_base::client, [done](beast::error_code e) { done(e); });
    });
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("http ", where, ": TLS handshake: ", ec.message()));
    }
  }
  return c;
}

absl::StatusOr<HttpResponse> HttpClient::Impl::Exchange(Connection& c, const Origin& origin,
                                                        const HttpRequest& request,
                                                        absl::Duration timeout,
                                                        bool* got_response_bytes,
                                                        bool* keep_alive) {
  const std::string where =
      absl::StrCat(OriginKey(origin), " ", request.method, " ", Abbreviate(request.target, 120));
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  const bool default_port = origin.port == (origin.tls ? 443 : 80);
  req.set(http::field::host,
          default_port ? origin.host : absl::StrCat(origin.host, ":", origin.port));
  req.set(http::field::user_agent, options.user_agent);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.keep_alive(true);
  req.prepare_payload();

  c.Lowest().expires_after(internal::ToChrono(timeout));
  beast::error_code ec = internal::Run(c.ioc, [&](auto done) {
    auto handler = [done](beast::error_code e, size_t) { done(e); };
    if (c.tls.has_value()) {
      http::async_write(*c.tls, req, handler);
    } else {
      http::async_write(*c.plain, req, handler);
    }
  });
  if (ec) {
    if (ec == beast::error::timeout) {
      return absl::DeadlineExceededError(
          absl::StrCat("http ", where, ": timeout while writing the request; outcome unknown"));
    }
    return absl::UnknownError(
        absl::StrCat("http ", where, ": write failed (", ec.message(), "); outcome unknown"));
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_body_bytes);
  const size_t buffered_before = c.buffer.size();
  ec = internal::Run(c.ioc, [&](auto done) {
    auto handler = [done](beast::error_code e, size_t) { done(e); };
    if (c.tls.has_value()) {
      http::async_read(*c.tls, c.buffer, parser, handler);
    } else {
      http::async_read(*c.plain, c.buffer, parser, handler);
    }
  });
  *got_response_bytes = parser.got_some() || c.buffer.size() > buffered_before;
  if (ec) {
    if (ec == beast::error::timeout) {
      return absl::DeadlineExceededError(
          absl::StrCat("http ", where, ": timeout waiting for the response; outcome unknown"));
    }
    return absl::UnknownError(absl::StrCat("http ", where, ": reading the response failed (",
                                           ec.message(), "); outcome unknown"));
  }
  http::response<http::string_body> res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(res.body());
  *keep_alive = res.keep_alive();
  return out;
}

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(ToAbsl(key), ToAbsl(name))) return value;
  }
  return {};
}

absl::Status StatusFromHttp(int status, std::string_view body) {
  if (status >= 200 && status < 400) return absl::OkStatus();
  const std::string msg =
      absl::StrCat("HTTP ", status, body.empty() ? "" : ": ", Abbreviate(body, 200));
  switch (status) {
    case 400:
      return absl::InvalidArgumentError(msg);
    case 401:
      return absl::UnauthenticatedError(msg);
    case 403:
      return absl::PermissionDeniedError(msg);
    case 404:
      return absl::NotFoundError(msg);
    case 408:
      return absl::DeadlineExceededError(msg);
    case 409:
      return absl::AbortedError(msg);
    case 412:
      return absl::FailedPreconditionError(msg);
    case 429:
      return absl::ResourceExhaustedError(msg);
    case 501:
      return absl::UnimplementedError(msg);
    case 502:
    case 503:
      return absl::UnavailableError(msg);
    case 504:
      return absl::DeadlineExceededError(msg);
    default:
      break;
  }
  if (status >= 400 && status < 500) return absl::FailedPreconditionError(msg);
  if (status >= 500 && status < 600) return absl::InternalError(msg);
  return absl::UnknownError(msg);
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() = default;

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpClientOptions& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    beast::error_code ec;
    impl->ssl_ctx.set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none, ec);
    if (!ec) {
      if (options.ca_file.empty()) {
        impl->ssl_ctx.set_default_verify_paths(ec);
      } else {
        impl->ssl_ctx.load_verify_file(options.ca_file, ec);
      }
    }
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("http client: cannot load CA file '", options.ca_file, "': ", ec.message()));
    }
    return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("http client: setup failed: ", e.what()));
  }
}

absl::StatusOr<HttpResponse> HttpClient::Send(const Origin& origin, const HttpRequest& request) {
  try {
    const std::string key = OriginKey(origin);
    const absl::Duration timeout =
        request.timeout > absl::ZeroDuration() ? request.timeout : impl_->options.request_timeout;
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::unique_ptr<Connection> conn = impl_->Checkout(key);
      const bool reused = conn != nullptr;
      if (!reused) {
        auto fresh = impl_->Connect(origin, std::min(timeout, impl_->options.connect_timeout));
        if (!fresh.ok()) return fresh.status();
        conn = std::move(fresh).value();
      }
      bool got_bytes = false;
      bool keep_alive = false;
      absl::StatusOr<HttpResponse> res =
          impl_->Exchange(*conn, origin, request, timeout, &got_bytes, &keep_alive);
      if (res.ok()) {
        if (keep_alive) impl_->Checkin(key, std::move(conn));
        return res;
      }
      // A pooled connection the server closed while idle fails with EOF/reset before any
      // response byte; for idempotent methods that is retried once on a fresh connection.
      const bool stale = reused && !got_bytes && res.status().code() == absl::StatusCode::kUnknown;
      if (!(stale && IsIdempotent(request.method))) return res.status();
    }
    return absl::UnknownError("http: retry on a fresh connection failed; outcome unknown");
  } catch (const std::exception& e) {
    return absl::UnknownError(
        absl::StrCat("http: unexpected exception: ", e.what(), "; outcome unknown"));
  }
}

uint64_t HttpClient::connections_opened() const {
  return impl_->opened.load(std::memory_order_relaxed);
}

}  // namespace arbor::net
