// File: arbor/sim/http_server.h
//
// A small HTTP/1.1 server on Boost.Beast for the venue simulator: keep-alive, one handler per
// (method, path) and a fallback, all run on ONE io_context thread, the same thread that steps
// the simulated exchange, so handlers touch exchange state without locks.
//
//   HttpServer server(io, {.port = 0});
//   server.Route("GET", "/ok", [](const HttpRequest&) { return HttpReply::Json(200, "\"OK\""); });
//   ARBOR_RETURN_IF_ERROR(server.Start());   // server.port() is the bound port
//   io.run();
//
// Exceptions from Beast/Asio never escape: I/O errors close the connection and are counted.
// With SetFaults() the server consults a FaultInjector before dispatching each request, and its
// WebSocket sessions (registered through WsSocket) can be disconnected or stalled.
// With HttpServerOptions::tls set, every accepted connection completes a TLS handshake first
// (https / wss); routes, faults and WebSocket sessions behave exactly as over plain TCP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/sim/ws_session.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/http.hpp"

namespace arbor::sim {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path + query as received
  std::string path;    // without the query
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::vector<std::pair<std::string, std::string>> query;    // decoded key/value pairs

  // First query value for `key`, or "" when absent.
  std::string_view Query(std::string_view key) const;
  // First header value for `name` (lower-case), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpReply Json(int status, std::string body) {
    return HttpReply{status, std::move(body), "application/json", {}};
  }
  // The venues' error shape: {"error":"<message>"}.
  static HttpReply Error(int status, std::string_view message);
};

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

// Takes over a connection whose request asks to upgrade to WebSocket on a WebSocket route; the
// callee owns the connection (plain socket or TLS stream, see WsSocket) from then on. Write
// handlers as generic lambdas and hand the socket to WsSession unchanged, so the session joins the
// server's registry:
//   [](auto socket, auto request) {
//     auto s = std::make_shared<WsSession>(std::move(socket), on_message, on_close);
//     s->Accept(std::move(request));
//   }
using WsUpgradeHandler = std::function<void(
    WsSocket socket, boost::beast::http::request<boost::beast::http::string_body> request)>;

class FaultInjector;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 = pick a free port
  size_t max_body_bytes = 4 << 20;
  // Server TLS context (certificate + key, see MakeServerTlsContext); null = plain TCP. Shared so
  // several servers can serve the same certificate.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // A TLS client must finish its handshake within this time or the connection is closed.
  int64_t tls_handshake_timeout_ms = 10'000;
};

// MakeServerTlsContext
//
// Builds a TLS server context (TLS 1.2 or newer) from a PEM certificate chain file (leaf first)
// and a PEM private key file. Errors: kNotFound if a file cannot be read; kInvalidArgument if a
// file is not a PEM certificate / key or the key does not match the certificate (the message
// names the file and OpenSSL's reason); kInternal if OpenSSL cannot create a context.
[[nodiscard]] absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_pem_file, const std::string& key_pem_file);

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers the handler for an exact method and path. Call before Start().
  void Route(std::string method, std::string path, HttpHandler handler);
  // Registers the handler for `method` and every path starting with `prefix` (e.g.
  // "/data/order/" or "/trade-api/v2/markets/"); the handler parses the rest of the path and
  // answers 404 itself for shapes it does not serve. Exact routes win over prefixes; among
  // prefixes the longest match wins. Call before Start().
  void RoutePrefix(std::string method, std::string prefix, HttpHandler handler);
  // Registers a WebSocket endpoint: upgrade requests for `path` are handed to `handler`.
  void WsRoute(std::string path, WsUpgradeHandler handler);
  // Handler for everything unrouted (default: 404 {"error":"not found"}).
  void Fallback(HttpHandler handler);
  // Consults `faults` (not owned; must outlive the server; nullptr = none) as server `name`
  // ("clob", "gamma", "kalshi") before each dispatch, and attaches this server's WebSocket
  // registry to it. Call before Start().
  void SetFaults(FaultInjector* faults, std::string name);

  // Binds and starts accepting. Unavailable with the reason if the address cannot be bound.
  [[nodiscard]] absl::Status Start();
  // Stops accepting and closes open connections (call on the io thread or after io.stop()).
  void Stop();

  uint16_t port() const { return port_; }
  // True when connections are served over TLS (HttpServerOptions::tls set).
  bool tls() const { return options_.tls != nullptr; }
  uint64_t requests() const { return requests_; }
  uint64_t connections() const { return connections_; }
  uint64_t io_errors() const { return io_errors_; }
  // The WebSocket sessions opened through this server's WsRoute handlers.
  WsRegistry& ws_sessions() { return *ws_registry_; }

 private:
  class Session;
  void Accept();
  HttpReply Dispatch(const HttpRequest& request);

  boost::asio::io_context& io_;
  HttpServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  absl::flat_hash_map<std::string, HttpHandler> routes_;  // key: "METHOD path"
  struct PrefixRoute {
    std::string method;
    std::string prefix;
    HttpHandler handler;
  };
  std::vector<PrefixRoute> prefix_routes_;  // longest prefix first
  absl::flat_hash_map<std::string, WsUpgradeHandler> ws_routes_;
  HttpHandler fallback_;
  FaultInjector* faults_ = nullptr;
  std::string name_;
  std::shared_ptr<WsRegistry> ws_registry_ = std::make_shared<WsRegistry>();
  std::vector<std::weak_ptr<Session>> sessions_;
  uint16_t port_ = 0;
  uint64_t requests_ = 0;
  uint64_t connections_ = 0;
  uint64_t io_errors_ = 0;
};

// Percent-decodes a query component ('+' is a space). Invalid escapes are kept literally.
std::string UrlDecode(std::string_view s);

}  // namespace arbor::sim
