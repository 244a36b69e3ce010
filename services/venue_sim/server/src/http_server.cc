#include "arbor/sim/http_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <fstream>
#include <optional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "arbor/sim/faults.h"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/websocket.hpp"

namespace arbor::sim {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void ParseQuery(std::string_view q, std::vector<std::pair<std::string, std::string>>* out) {
  while (!q.empty()) {
    const size_t amp = q.find('&');
    const std::string_view part = q.substr(0, amp);
    const size_t eq = part.find('=');
    if (!part.empty()) {
      out->emplace_back(UrlDecode(part.substr(0, eq)),
                        eq == std::string_view::npos ? "" : UrlDecode(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
}

}  // namespace

std::string UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string_view HttpRequest::Query(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return v;
  }
  return {};
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

HttpReply HttpReply::Error(int status, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").String(message).EndObject();
  return Json(status, w.Take());
}

// One keep-alive connection: (TLS handshake,) read a request, dispatch, write the reply, repeat.
class HttpServer::Session : public std::enable_shared_from_this<HttpServer::Session> {
  // Declared first: the members below deduce their return types from Visit().
  using Stream = std::variant<beast::tcp_stream, TlsStream>;

  static Stream MakeStream(HttpServer& server, tcp::socket socket) {
    if (server.options_.tls) {
      return Stream(std::in_place_index<1>, std::move(socket), *server.options_.tls);
    }
    return Stream(std::in_place_index<0>, std::move(socket));
  }

  // Runs `fn(stream)` on whichever stream this connection uses.
  template <typename Fn>
  decltype(auto) Visit(Fn&& fn) {
    return std::visit(std::forward<Fn>(fn), stream_);
  }

 public:
  Session(HttpServer* server, tcp::socket socket)
      : server_(server),
        stream_(MakeStream(*server, std::move(socket))),
        delay_(Visit([](auto& s) { return s.get_executor(); })) {}

  void Start() {
    auto* tls = std::get_if<TlsStream>(&stream_);
    if (tls == nullptr) {
      Read();
      return;
    }
    // A peer that connects and never completes the handshake must not hold the slot forever.
    beast::get_lowest_layer(*tls).expires_after(
        std::chrono::milliseconds(server_->options_.tls_handshake_timeout_ms));
    tls->async_handshake(
        boost::asio::ssl::stream_base::server,
        [self = shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
  }

  void Close() {
    if (released_) return;  // a WebSocket session owns the connection now
    Visit([](auto& s) {
      beast::error_code ec;
      beast::get_lowest_layer(s).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(s).socket().close(ec);
    });
    delay_.cancel();
  }

 private:
  void OnHandshake(beast::error_code ec) {
    if (ec) {
      // Includes plain HTTP sent to a TLS port and handshake timeouts.
      if (ec != boost::asio::error::operation_aborted) ++server_->io_errors_;
      Close();
      return;
    }
    beast::get_lowest_layer(std::get<TlsStream>(stream_)).expires_never();
    Read();
  }

  // Hands the connection over for a WebSocket upgrade; the session is inert afterwards.
  WsTransport Release() {
    released_ = true;
    if (auto* plain = std::get_if<beast::tcp_stream>(&stream_)) {
      return WsTransport(std::in_place_index<0>, plain->release_socket());
    }
    return WsTransport(std::in_place_index<1>, std::move(std::get<TlsStream>(stream_)));
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(server_->options_.max_body_bytes);
    Visit([&](auto& s) {
      http::async_read(
          s, buffer_, *parser_,
          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      // A TLS client that closes without close_notify (stream_truncated) is a normal goodbye.
      if (ec != http::error::end_of_stream && ec != boost::asio::error::operation_aborted &&
          ec != boost::asio::ssl::error::stream_truncated) {
        ++server_->io_errors_;
      }
      Close();
      return;
    }
    const http::request<http::string_body>& req = parser_->get();
    if (boost::beast::websocket::is_upgrade(req)) {
      const std::string path(req.target().substr(0, req.target().find('?')));
      auto ws = server_->ws_routes_.find(path);
      if (ws != server_->ws_routes_.end()) {
        ++server_->requests_;
        ws->second(WsSocket{Release(), server_->ws_registry_}, parser_->release());
        return;  // the WebSocket owns the connection now
      }
    }
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    const size_t q = request.target.find('?');
    request.path = request.target.substr(0, q);
    if (q != std::string::npos)
      ParseQuery(std::string_view(request.target).substr(q + 1), &request.query);
    request.body = req.body();
    for (const auto& field : req) {
      request.headers.emplace_back(Lower(std::string(field.name_string())),
                                   std::string(field.value()));
    }
    ++server_->requests_;
    HttpFault fault;
    if (server_->faults_ != nullptr) {
      fault = server_->faults_->OnRequest(server_->name_, request.method, request.path);
    }
    if (fault.action == HttpFault::Action::kDrop) {
      Close();  // read but never answered: the client cannot know the outcome
      return;
    }
    const HttpReply reply = fault.action == HttpFault::Action::kReply ? std::move(fault.reply)
                                                                      : server_->Dispatch(request);

    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->result(static_cast<http::status>(reply.status));
    res->set(http::field::server, "arbor-venue-sim");
    res->set(http::field::content_type, reply.content_type);
    for (const auto& [k, v] : reply.headers) res->set(k, v);
    res->keep_alive(req.keep_alive());
    res->body() = reply.body;
    res->prepare_payload();
    if (fault.action == HttpFault::Action::kDelay) {
      // The handler already ran (an order is placed now); only the answer is late. The io
      // thread never sleeps: a timer resumes the write.
      delay_.expires_after(std::chrono::milliseconds(fault.delay_ms));
      delay_.async_wait([self = shared_from_this(), res](beast::error_code tec) {
        if (tec) return;  // connection closed meanwhile
        self->Write(res);
      });
      return;
    }
    Write(res);
  }

  void Write(const std::shared_ptr<http::response<http::string_body>>& res) {
    Visit([&](auto& s) {
      http::async_write(s, *res, [self = shared_from_this(), res](beast::error_code wec, size_t) {
        if (wec) {
          ++self->server_->io_errors_;
          self->Close();
          return;
        }
        if (!res->keep_alive()) {
          self->Close();
          return;
        }
        self->Read();
      });
    });
  }

  HttpServer* server_;
  Stream stream_;
  boost::asio::steady_timer delay_;  // latency faults
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool released_ = false;
};

absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_pem_file, const std::string& key_pem_file) {
  namespace ssl = boost::asio::ssl;
  for (const auto& [what, file] :
       {std::pair<const char*, const std::string*>{"certificate", &cert_pem_file},
        {"key", &key_pem_file}}) {
    if (!std::ifstream(*file)) {
      return absl::NotFoundError(absl::StrCat("cannot read TLS ", what, " file '", *file, "'"));
    }
  }
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot create a TLS context: ", e.what()));
  }
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return absl::InternalError(absl::StrCat("TLS context options: ", ec.message()));
  ctx->use_certificate_chain_file(cert_pem_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS certificate file '", cert_pem_file,
                     "' is not a usable PEM certificate chain: ", ec.message()));
  }
  ctx->use_private_key_file(key_pem_file, ssl::context::pem, ec);
  const bool mismatch =
      ec && ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
  // OpenSSL 3 refuses a key that does not match at load time; older versions drop the
  // certificate instead, which SSL_CTX_check_private_key below catches.
  if (mismatch || (!ec && SSL_CTX_check_private_key(ctx->native_handle()) != 1)) {
    return absl::InvalidArgumentError(absl::StrCat("TLS key file '", key_pem_file,
                                                   "' does not match the certificate in '",
                                                   cert_pem_file, "'"));
  }
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS key file '", key_pem_file, "' is not a usable PEM private key: ", ec.message()));
  }
  return ctx;
}

HttpServer::HttpServer(boost::asio::io_context& io, HttpServerOptions options)
    : io_(io), options_(std::move(options)), acceptor_(io) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string path, HttpHandler handler) {
  routes_[absl::StrCat(method, " ", path)] = std::move(handler);
}

void HttpServer::WsRoute(std::string path, WsUpgradeHandler handler) {
  ws_routes_[path] = std::move(handler);
}

void HttpServer::RoutePrefix(std::string method, std::string prefix, HttpHandler handler) {
  prefix_routes_.push_back({std::move(method), std::move(prefix), std::move(handler)});
  std::stable_sort(
      prefix_routes_.begin(), prefix_routes_.end(),
      [](const PrefixRoute& a, const PrefixRoute& b) { return a.prefix.size() > b.prefix.size(); });
}

void HttpServer::Fallback(HttpHandler handler) { fallback_ = std::move(handler); }

void HttpServer::SetFaults(FaultInjector* faults, std::string name) {
  faults_ = faults;
  name_ = std::move(name);
  if (faults_ != nullptr) faults_->AttachWs(name_, ws_registry_);
}

absl::Status HttpServer::Start() {
  beast::error_code ec;
  const boost::asio::ip::address address = boost::asio::ip::make_address(options_.address, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen address ", options_.address));
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.address, ":",
                                               options_.port, ": ", ec.message()));
  }
  port_ = acceptor_.local_endpoint(ec).port();
  Accept();
  return absl::OkStatus();
}

void HttpServer::Stop() {
  beast::error_code ec;
  acceptor_.close(ec);
  for (const std::weak_ptr<Session>& weak : sessions_) {
    if (std::shared_ptr<Session> s = weak.lock()) s->Close();
  }
  sessions_.clear();
}

void HttpServer::Accept() {
  acceptor_.async_accept(
      boost::asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec != boost::asio::error::operation_aborted) ++io_errors_;
          return;  // acceptor closed
        }
        ++connections_;
        auto session = std::make_shared<Session>(this, std::move(socket));
        // Drop expired entries so the list tracks live connections only.
        sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(),
                                       [](const std::weak_ptr<Session>& w) { return w.expired(); }),
                        sessions_.end());
        sessions_.push_back(session);
        session->Start();
        Accept();
      });
}

HttpReply HttpServer::Dispatch(const HttpRequest& request) {
  auto it = routes_.find(absl::StrCat(request.method, " ", request.path));
  if (it != routes_.end()) return it->second(request);
  for (const PrefixRoute& route : prefix_routes_) {
    if (route.method == request.method && request.path.rfind(route.prefix, 0) == 0) {
      return route.handler(request);
    }
  }
  if (fallback_) return fallback_(request);
  return HttpReply::Error(404, "not found");
}

}  // namespace arbor::sim
