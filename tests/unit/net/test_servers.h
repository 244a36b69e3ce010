// File: tests/unit/net/test_servers.h
//
// Real Boost.Beast servers on 127.0.0.1 (port 0) for the net tests, plus a throw-away PKI (CA +
// server certificate for 127.0.0.1 / localhost) generated with OpenSSL at test time into a temp
// directory. Servers are synchronous, one thread per connection; Stop() (or the destructor)
// shuts every socket down so blocked reads return, then joins.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace arbor::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// ---------------------------------------------------------------------------------------------
// PKI

struct Pki {
  std::string ca_file;            // PEM of the CA certificate (for HttpClientOptions::ca_file)
  std::string cert_pem;           // server certificate, signed by the CA
  std::string key_pem;            // server private key
  std::shared_ptr<void> cleanup;  // removes the temp directory when the last copy goes
};

namespace internal {

inline std::string PemOf(const std::function<int(BIO*)>& write) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(write(bio), 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

inline void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

inline X509* MakeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                      long serial, bool is_ca) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));
  if (is_ca) {
    AddExt(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    AddExt(cert, signer, NID_subject_key_identifier, "hash");
  } else {
    AddExt(cert, signer, NID_basic_constraints, "CA:FALSE");
    AddExt(cert, signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    AddExt(cert, signer, NID_ext_key_usage, "serverAuth");
  }
  EXPECT_GT(X509_sign(cert, issuer_key != nullptr ? issuer_key : key, EVP_sha256()), 0);
  return cert;
}

}  // namespace internal

// MakePki
//
// A fresh CA and a server certificate for 127.0.0.1 / localhost. The CA PEM is written to a
// per-process temp directory that is removed when the last copy of the returned Pki goes away.
inline Pki MakePki(const std::string& tag) {
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* server_key = EVP_EC_gen("P-256");
  X509* ca = internal::MakeCert(ca_key, "arbor test CA", nullptr, nullptr, 1, true);
  X509* server = internal::MakeCert(server_key, "localhost", ca, ca_key, 2, false);
  Pki pki;
  pki.cert_pem = internal::PemOf([&](BIO* b) { return PEM_write_bio_X509(b, server); });
  pki.key_pem = internal::PemOf([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, server_key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  const std::string ca_pem = internal::PemOf([&](BIO* b) { return PEM_write_bio_X509(b, ca); });
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("arbor_net_test_" + std::to_string(::getpid()) + "_" + tag);
  std::filesystem::create_directories(dir);
  pki.cleanup = std::shared_ptr<void>(nullptr, [dir](void*) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  });
  pki.ca_file = (dir / (tag + "_ca.pem")).string();
  std::ofstream(pki.ca_file, std::ios::binary) << ca_pem;
  X509_free(server);
  X509_free(ca);
  EVP_PKEY_free(server_key);
  EVP_PKEY_free(ca_key);
  return pki;
}

inline std::shared_ptr<ssl::context> ServerTlsContext(const Pki& pki) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  ctx->use_certificate_chain(asio::buffer(pki.cert_pem), ec);
  EXPECT_FALSE(ec) << ec.message();
  ctx->use_private_key(asio::buffer(pki.key_pem), ssl::context::pem, ec);
  EXPECT_FALSE(ec) << ec.message();
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// Server plumbing shared by the HTTP and WebSocket servers.

class ServerBase {
 public:
  ServerBase(const ServerBase&) = delete;
  ServerBase& operator=(const ServerBase&) = delete;
  virtual ~ServerBase() = default;

  uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }

  // Stop
  //
  // Shuts down the listener and every connection, wakes hanging handlers, joins all threads.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    cv_.notify_all();
    if (accept_thread_.joinable()) accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (std::thread& t : threads) t.join();
  }

 protected:
  ServerBase() : acceptor_(ioc_) {
    beast::error_code ec;
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol(), ec);
    acceptor_.bind(ep, ec);
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    EXPECT_FALSE(ec) << ec.message();
    port_ = acceptor_.local_endpoint(ec).port();
  }

  // Starts accepting; each connection runs Serve() on its own thread. Call from the derived
  // constructor (after it is fully built).
  void Start() {
    accept_thread_ = std::thread([this] {
      for (;;) {
        tcp::socket socket(ioc_);
        beast::error_code ec;
        acceptor_.accept(socket, ec);
        std::lock_guard<std::mutex> lock(mu_);
        if (ec || stopping_) return;
        connections_.fetch_add(1);
        fds_.push_back(socket.native_handle());
        threads_.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
      }
    });
  }

  virtual void Serve(tcp::socket socket) = 0;

  // Blocks until Stop() (a handler that never answers).
  void HangUntilStopped() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopping_; });
  }

  asio::io_context ioc_;

 private:
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

// ---------------------------------------------------------------------------------------------
// HTTP

class TestHttpServer final : public ServerBase {
 public:
  enum class Action { kRespond, kHang, kCloseMidResponse, kCloseWithoutResponse };
  struct Reply {
    Action action = Action::kRespond;
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool keep_alive = true;
  };
  using Request = http::request<http::string_body>;
  using Handler = std::function<Reply(const Request&)>;

  // `pki` null = plain TCP, else TLS with its server certificate.
  explicit TestHttpServer(Handler handler, const Pki* pki = nullptr)
      : handler_(std::move(handler)) {
    if (pki != nullptr) tls_ = ServerTlsContext(*pki);
    Start();
  }
  ~TestHttpServer() override { Stop(); }

  int requests() const { return requests_.load(); }

 private:
  void Serve(tcp::socket socket) override {
    if (tls_ != nullptr) {
      ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
      beast::error_code ec;
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) Loop(stream);
    } else {
      Loop(socket);
    }
  }

  template <class Stream>
  void Loop(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      Request req;
      beast::error_code ec;
      http::read(stream, buffer, req, ec);
      if (ec) return;
      requests_.fetch_add(1);
      const Reply reply = handler_(req);
      switch (reply.action) {
        case Action::kHang:
          HangUntilStopped();
          return;
        case Action::kCloseWithoutResponse:
          return;
        case Action::kCloseMidResponse: {
          const std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial";
          asio::write(stream, asio::buffer(partial), ec);
          return;
        }
        case Action::kRespond:
          break;
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      for (const auto& [k, v] : reply.headers) res.set(k, v);
      res.body() = reply.body;
      res.keep_alive(reply.keep_alive);
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !reply.keep_alive) return;
    }
  }

  Handler handler_;
  std::shared_ptr<ssl::context> tls_;
  std::atomic<int> requests_{0};
};

// ---------------------------------------------------------------------------------------------
// WebSocket

// Echoes every message (same text/binary kind). Special text commands:
//   "close:<code>:<reason>"  server closes with that code and reason
//   "ping:<payload>"         server sends a ping with that payload (the client must pong)
// Records the upgrade request's headers of the last connection.
class TestWsServer final : public ServerBase {
 public:
  explicit TestWsServer(const Pki* pki = nullptr) {
    if (pki != nullptr) tls_ = ServerTlsContext(*pki);
    Start();
  }
  ~TestWsServer() override { Stop(); }

  std::string HandshakeHeader(const std::string& name) {
    std::lock_guard<std::mutex> lock(upgrade_mu_);
    auto it = last_upgrade_.find(name);
    return it == last_upgrade_.end() ? std::string() : std::string(it->value());
  }
  int pongs_received() const { return pongs_.load(); }

 private:
  void Serve(tcp::socket socket) override {
    if (tls_ != nullptr) {
      websocket::stream<ssl::stream<tcp::socket>> ws(std::move(socket), *tls_);
      beast::error_code ec;
      ws.next_layer().handshake(ssl::stream_base::server, ec);
      if (!ec) Loop(ws);
    } else {
      websocket::stream<tcp::socket> ws(std::move(socket));
      Loop(ws);
    }
  }

  template <class Ws>
  void Loop(Ws& ws) {
    beast::error_code ec;
    beast::flat_buffer buffer;
    http::request<http::string_body> upgrade;
    http::read(ws.next_layer(), buffer, upgrade, ec);
    if (ec) return;
    {
      std::lock_guard<std::mutex> lock(upgrade_mu_);
      last_upgrade_ = upgrade;
    }
    ws.read_message_max(32u << 20);
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) pongs_.fetch_add(1);
    });
    ws.accept(upgrade, ec);
    if (ec) return;
    buffer.clear();
    for (;;) {
      ws.read(buffer, ec);
      if (ec) return;
      const std::string msg = beast::buffers_to_string(buffer.data());
      const bool text = ws.got_text();
      buffer.consume(buffer.size());
      if (text && msg.rfind("close:", 0) == 0) {
        const size_t colon = msg.find(':', 6);
        const int code = std::stoi(msg.substr(6, colon - 6));
        websocket::close_reason reason(static_cast<websocket::close_code>(code),
                                       beast::string_view(msg).substr(colon + 1));
        ws.close(reason, ec);
        // Drain until the client's close reply arrives.
        while (!ec) ws.read(buffer, ec);
        return;
      }
      if (text && msg.rfind("ping:", 0) == 0) {
        ws.ping(websocket::ping_data(msg.substr(5)), ec);
        if (ec) return;
      }
      ws.text(text);
      ws.write(asio::buffer(msg), ec);
      if (ec) return;
    }
  }

  std::shared_ptr<ssl::context> tls_;
  std::mutex upgrade_mu_;
  http::request<http::string_body> last_upgrade_;
  std::atomic<int> pongs_{0};
};

}  // namespace arbor::net::testing
