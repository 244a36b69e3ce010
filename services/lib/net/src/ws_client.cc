#include "arbor/net/ws_client.h"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <exception>
#include <thread>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"
#include "asio_util.h"

namespace arbor::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr int kAbnormalClosure = 1006;  // RFC 6455 §7.1.5: closed without a close frame

struct Outgoing {
  enum class Kind { kText, kBinary, kPing, kClose };
  Kind kind = Kind::kText;
  std::string data;
  int code = 0;
};

}  // namespace

// State and behaviour common to plain and TLS sessions; Session<Ws> supplies the stream.
struct WsClient::Impl {
  virtual ~Impl() = default;

  // Runs on the caller's thread before the I/O thread exists.
  virtual absl::Status Handshake(const Origin& origin, const std::string& target,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 absl::Duration timeout) = 0;
  // Starts the read loop on the I/O thread.
  void Start() {
    // The handshake ran ioc_ until it had no work, which leaves it stopped.
    ioc_.restart();
    thread_ = std::thread([this] {
      try {
        StartRead();
        ioc_.run();
      } catch (const std::exception& e) {
        // Asio rethrows only from user handlers; callbacks are user code.
        Finish(absl::InternalError(absl::StrCat("ws: exception in I/O thread: ", e.what())),
               kAbnormalClosure, "");
      }
    });
  }

  absl::Status Enqueue(Outgoing out) {
    if (!open_.load(std::memory_order_acquire) || closing_.load(std::memory_order_acquire)) {
      return absl::FailedPreconditionError("ws: connection is closing or closed");
    }
    if (out.kind == Outgoing::Kind::kClose && closing_.exchange(true)) {
      return absl::FailedPreconditionError("ws: close already requested");
    }
    asio::post(ioc_, [this, o = std::move(out)]() mutable {
      queue_.push_back(std::move(o));
      if (!writing_) DoWrite();
    });
    return absl::OkStatus();
  }

  // Stops the I/O thread without callbacks and joins it.
  void Shutdown() {
    asio::post(ioc_, [this] {
      destroying_ = true;
      CloseSocket();
      ioc_.stop();
    });
    if (thread_.joinable()) thread_.join();
  }

  bool is_open() const { return open_.load(std::memory_order_acquire); }

  // Keeps the TLS context alive as long as the stream built from it (declared before the
  // stream, so destroyed after it).
  void KeepAlive(std::shared_ptr<void> owner) { owner_ = std::move(owner); }

 protected:
  Impl(const WsOptions& options, WsHandlers handlers)
      : options_(options), handlers_(std::move(handlers)) {}

  virtual void StartRead() = 0;
  virtual void DoWrite() = 0;
  virtual void CloseSocket() = 0;

  // Delivers on_close once and drops the connection.
  void Finish(absl::Status error, int code, std::string reason) {
    if (finished_) return;
    finished_ = true;
    open_.store(false, std::memory_order_release);
    close_timer_.cancel();
    queue_.clear();
    CloseSocket();
    if (!destroying_ && handlers_.on_close) {
      handlers_.on_close(WsCloseInfo{code, std::move(reason), std::move(error)});
    }
  }

  std::shared_ptr<void> owner_;
  asio::io_context ioc_{1};
  WsOptions options_;
  WsHandlers handlers_;
  std::atomic<bool> open_{true};
  std::atomic<bool> closing_{false};
  // I/O-thread state.
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool finished_ = false;
  bool destroying_ = false;
  beast::flat_buffer read_buffer_;
  asio::steady_timer close_timer_{ioc_};
  std::thread thread_;
};

namespace {

template <class Ws>
class Session final : public WsClient::Impl {
 public:
  template <class... Args>
  Session(const WsOptions& options, WsHandlers handlers, Args&&... args)
      : Impl(options, std::move(handlers)), ws_(ioc_, std::forward<Args>(args)...) {}

  ~Session() override { Shutdown(); }

  absl::Status Handshake(const Origin& origin, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         absl::Duration timeout) override {
    const std::string where = absl::StrCat(origin.tls ? "wss://" : "ws://", origin.host, ":",
                                           origin.port, Abbreviate(target, 120));
    tcp::resolver::results_type endpoints;
    beast::error_code ec = internal::Resolve(ioc_, origin.host, origin.port, timeout, &endpoints);
    if (ec == asio::error::timed_out) {
      return absl::DeadlineExceededError(absl::StrCat("ws ", where, ": resolve timed out"));
    }
    if (ec) return absl::UnavailableError(absl::StrCat("ws ", where, ": resolve: ", ec.message()));

    beast::tcp_stream& lowest = beast::get_lowest_layer(ws_);
    lowest.expires_after(internal::ToChrono(timeout));
    ec = internal::Run(ioc_, [&](auto done) {
      lowest.async_connect(endpoints,
                           [done](beast::error_code e, const tcp::endpoint&) { done(e); });
    });
    if (ec) return Failed(where, "connect", ec);

    if constexpr (kTls) {
      auto& tls = ws_.next_layer();
      if (SSL_set_tlsext_host_name(tls.native_handle(), origin.host.c_str()) != 1) {
        return absl::UnavailableError(absl::StrCat("ws ", where, ": cannot set SNI"));
      }
      if (options_.verify_peer) {
        tls.set_verify_mode(ssl::verify_peer, ec);
        if (!ec) tls.set_verify_callback(ssl::host_name_verification(origin.host), ec);
        if (ec) return Failed(where, "TLS verify setup", ec);
      }
      ec = internal::Run(ioc_, [&](auto done) {
        tls.async_handshake(ssl::stream_base::client, [done](beast::error_code e) { done(e); });
      });
      if (ec) return Failed(where, "TLS handshake", ec);
    }

    const std::string user_agent = options_.user_agent;
    ws_.set_option(
        websocket::stream_base::decorator([headers, user_agent](websocket::request_type& req) {
          req.set(http::field::user_agent, user_agent);
          for (const auto& [name, value] : headers) req.set(name, value);
        }));
    ws_.read_message_max(options_.max_message_bytes);
    const bool default_port = origin.port == (kTls ? 443 : 80);
    const std::string host =
        default_port ? origin.host : absl::StrCat(origin.host, ":", origin.port);
    websocket::response_type response;
    ec = internal::Run(ioc_, [&](auto done) {
      ws_.async_handshake(response, host, target, [done](beast::error_code e) { done(e); });
    });
    if (ec) {
      if (ec == beast::error::timeout) return Failed(where, "upgrade", ec);
      return absl::UnavailableError(absl::StrCat("ws ", where, ": upgrade failed (HTTP ",
                                                 response.result_int(), "): ", ec.message()));
    }
    // From here Beast's websocket timeouts apply (no idle timeout: callers ping); the TCP-level
    // deadline used for the handshake must be lifted.
    lowest.expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view payload) {
      if (kind == websocket::frame_type::pong && handlers_.on_pong) {
        handlers_.on_pong(std::string_view(payload.data(), payload.size()));
      }
    });
    return absl::OkStatus();
  }

 private:
  static constexpr bool kTls = !std::is_same_v<typename Ws::next_layer_type, beast::tcp_stream>;

  static absl::Status Failed(const std::string& where, const char* step, beast::error_code ec) {
    const std::string msg = absl::StrCat("ws ", where, ": ", step, ": ", ec.message());
    if (ec == beast::error::timeout) return absl::DeadlineExceededError(msg);
    return absl::UnavailableError(msg);
  }

  // Our close handshake is in progress and the read loop or the close operation completed.
  // Beast lets either of them consume the peer's close frame (the other then ends with an
  // error), so the outcome is decided by whether a close frame arrived, once neither is pending.
  void OnCloseProgress(beast::error_code ec) {
    const websocket::close_reason& r = ws_.reason();
    if (r.code != websocket::close_code::none) {
      Finish(absl::OkStatus(), static_cast<int>(r.code), std::string(r.reason.c_str()));
      return;
    }
    if (reading_ || close_pending_) return;
    Finish(absl::UnavailableError(absl::StrCat("ws: close handshake failed: ", ec.message())),
           kAbnormalClosure, "");
  }

  void StartRead() override {
    reading_ = true;
    ws_.async_read(read_buffer_, [this](beast::error_code ec, size_t) { OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      reading_ = false;
      if (closing_.load(std::memory_order_acquire)) {
        OnCloseProgress(ec);
        return;
      }
      if (ec == websocket::error::closed) {
        const websocket::close_reason& r = ws_.reason();
        Finish(absl::OkStatus(), static_cast<int>(r.code), std::string(r.reason.c_str()));
      } else if (ec == websocket::error::message_too_big || ec == http::error::body_limit) {
        Finish(absl::ResourceExhaustedError(absl::StrCat("ws: incoming message exceeds ",
                                                         options_.max_message_bytes, " bytes")),
               kAbnormalClosure, "");
      } else {
        Finish(absl::UnavailableError(absl::StrCat("ws: read failed: ", ec.message())),
               kAbnormalClosure, "");
      }
      return;
    }
    if (handlers_.on_message) {
      const auto data = read_buffer_.cdata();
      handlers_.on_message(std::string_view(static_cast<const char*>(data.data()), data.size()),
                           ws_.got_text());
    }
    read_buffer_.consume(read_buffer_.size());
    if (!finished_) StartRead();
  }

  void DoWrite() override {
    if (queue_.empty() || finished_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    Outgoing& out = queue_.front();
    auto next = [this](beast::error_code ec, auto&&...) {
      if (ec || finished_) {
        // The read side reports the failure (it sees the same broken connection).
        writing_ = false;
        queue_.clear();
        return;
      }
      queue_.pop_front();
      DoWrite();
    };
    switch (out.kind) {
      case Outgoing::Kind::kText:
      case Outgoing::Kind::kBinary:
        ws_.text(out.kind == Outgoing::Kind::kText);
        ws_.async_write(asio::buffer(out.data), next);
        break;
      case Outgoing::Kind::kPing:
        ws_.async_ping(websocket::ping_data(out.data.c_str()), next);
        break;
      case Outgoing::Kind::kClose:
        // The close operation itself reads until the peer's close frame, so it (not the read
        // loop, which may end with operation_aborted) reports the outcome.
        ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(out.code),
                                                beast::string_view(out.data)),
                        [this](beast::error_code ec) {
                          close_pending_ = false;
                          writing_ = false;
                          OnCloseProgress(ec);
                        });
        close_pending_ = true;
        // Safety net: Boost 1.74 can leave async_close and a concurrent async_read suspended on
        // each other when the peer's close frame is already buffered. If no outcome arrives in
        // time, report what was received (the read side records the peer's close frame).
        close_timer_.expires_after(internal::ToChrono(options_.close_timeout));
        close_timer_.async_wait([this](beast::error_code ec) {
          if (ec || finished_) return;
          const websocket::close_reason& r = ws_.reason();
          if (r.code != websocket::close_code::none) {
            Finish(absl::OkStatus(), static_cast<int>(r.code), std::string(r.reason.c_str()));
          } else {
            Finish(absl::DeadlineExceededError("ws: no close frame from the peer in time"),
                   kAbnormalClosure, "");
          }
        });
        break;
    }
  }

  void CloseSocket() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

  Ws ws_;
  bool reading_ = false;        // an async_read is outstanding
  bool close_pending_ = false;  // an async_close is outstanding
};

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace

WsClient::WsClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsClient::~WsClient() = default;

absl::StatusOr<std::unique_ptr<WsClient>> WsClient::Connect(
    const WsOptions& options, const Origin& origin, std::string target,
    std::vector<std::pair<std::string, std::string>> headers, WsHandlers handlers) {
  try {
    std::shared_ptr<Impl> impl;
    std::shared_ptr<ssl::context> ctx;
    if (origin.tls) {
      ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
      beast::error_code ec;
      ctx->set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none, ec);
      if (!ec) {
        if (options.ca_file.empty()) {
          ctx->set_default_verify_paths(ec);
        } else {
          ctx->load_verify_file(options.ca_file, ec);
        }
      }
      if (ec) {
        return absl::InvalidArgumentError(
            absl::StrCat("ws: cannot load CA file '", options.ca_file, "': ", ec.message()));
      }
      impl = std::make_shared<Session<TlsWs>>(options, std::move(handlers), *ctx);
      impl->KeepAlive(std::move(ctx));
    } else {
      impl = std::make_shared<Session<PlainWs>>(options, std::move(handlers));
    }
    absl::Status st = impl->Handshake(origin, target, headers, options.connect_timeout);
    if (!st.ok()) return st;
    impl->Start();
    return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("ws: connect failed: ", e.what()));
  }
}

absl::Status WsClient::SendText(std::string_view message) {
  return impl_->Enqueue(Outgoing{Outgoing::Kind::kText, std::string(message), 0});
}

absl::Status WsClient::SendBinary(std::string_view message) {
  return impl_->Enqueue(Outgoing{Outgoing::Kind::kBinary, std::string(message), 0});
}

absl::Status WsClient::Ping(std::string_view payload) {
  if (payload.size() > 125) {
    return absl::InvalidArgumentError(
        absl::StrCat("ws: ping payload of ", payload.size(), " bytes exceeds 125"));
  }
  return impl_->Enqueue(Outgoing{Outgoing::Kind::kPing, std::string(payload), 0});
}

absl::Status WsClient::Close(int code, std::string_view reason) {
  if (reason.size() > 123) {
    return absl::InvalidArgumentError(
        absl::StrCat("ws: close reason of ", reason.size(), " bytes exceeds 123"));
  }
  return impl_->Enqueue(Outgoing{Outgoing::Kind::kClose, std::string(reason), code});
}

bool WsClient::is_open() const { return impl_->is_open(); }

}  // namespace arbor::net
