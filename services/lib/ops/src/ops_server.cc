#include "arbor/ops/ops_server.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"
#include "prometheus/text_serializer.h"

namespace arbor::ops {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr uint64_t kMaxRequestBytes = 8 * 1024;

}  // namespace

struct OpsServer::Impl {
  OpsServerOptions options;

  mutable std::mutex collectables_mu;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables;

  // Lifecycle (Start/Stop are not concurrent with each other).
  std::unique_ptr<asio::io_context> ioc;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
  std::atomic<uint16_t> bound_port{0};

  std::string RenderMetrics() const {
    std::vector<prometheus::MetricFamily> families;
    {
      std::lock_guard<std::mutex> lock(collectables_mu);
      for (const auto& weak : collectables) {
        if (auto c = weak.lock()) {
          std::vector<prometheus::MetricFamily> part = c->Collect();
          families.insert(families.end(), std::make_move_iterator(part.begin()),
                          std::make_move_iterator(part.end()));
        }
      }
    }
    return prometheus::TextSerializer().Serialize(families);
  }

  // Builds the response to one request.
  http::response<http::string_body> Handle(const http::request<http::string_body>& req) const {
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::server, "arbor-ops");
    res.set(http::field::content_type, "text/plain; charset=utf-8");

    std::string_view target(req.target().data(), req.target().size());
    if (size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    const bool known = target == "/metrics" || target == "/healthz" || target == "/readyz";
    if (!known) {
      res.result(http::status::not_found);
      res.body() = "not found\n";
    } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      res.body() = "method not allowed\n";
    } else if (target == "/metrics") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = SafeRender();
    } else {
      absl::Status status;
      if (target == "/healthz") {
        status = options.liveness ? SafeCall(options.liveness) : absl::OkStatus();
      } else {
        status = options.readiness ? SafeCall(options.readiness)
                                   : absl::UnavailableError("no readiness check configured");
      }
      if (status.ok()) {
        res.result(http::status::ok);
        res.body() = target == "/healthz" ? "ok\n" : "ready\n";
      } else {
        res.result(http::status::service_unavailable);
        res.body() = absl::StrCat(status.message(), "\n");
      }
    }
    res.prepare_payload();
    // HEAD: same headers (Content-Length of the GET body), no body.
    if (req.method() == http::verb::head) res.body().clear();
    return res;
  }

  std::string SafeRender() const {
    try {
      return RenderMetrics();
    } catch (const std::exception& e) {
      return absl::StrCat("# metrics collection failed: ", e.what(), "\n");
    }
  }

  static absl::Status SafeCall(const std::function<absl::Status()>& f) {
    try {
      return f();
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("check threw: ", e.what()));
    } catch (...) {
      return absl::InternalError("check threw");
    }
  }

  void Accept();

  class Session;
};

// One HTTP connection: read a request, write the response, repeat while keep-alive.
class OpsServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const OpsServer::Impl* impl)
      : stream_(std::move(socket)), impl_(impl) {}

  void Run() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBytes);
    parser_->header_limit(kMaxRequestBytes);
    stream_.expires_after(std::chrono::nanoseconds(absl::ToInt64Nanoseconds(Timeout())));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  absl::Duration Timeout() const {
    return impl_->options.io_timeout > absl::ZeroDuration() ? impl_->options.io_timeout
                                                            : absl::Seconds(30);
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      Close();
      return;
    }
    response_ = impl_->Handle(parser_->get());
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code wec, size_t) { self->OnWrite(wec); });
  }

  void OnWrite(beast::error_code ec) {
    if (ec || !response_.keep_alive()) {
      Close();
      return;
    }
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  const OpsServer::Impl* impl_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

void OpsServer::Impl::Accept() {
  acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      std::make_shared<Session>(std::move(socket), this)->Run();
    }
    Accept();
  });
}

OpsServer::OpsServer(OpsServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

OpsServer::~OpsServer() { Stop(); }

void OpsServer::AddCollectable(const std::shared_ptr<prometheus::Collectable>& collectable) {
  std::lock_guard<std::mutex> lock(impl_->collectables_mu);
  impl_->collectables.push_back(collectable);
}

absl::Status OpsServer::Start() {
  if (impl_->thread.joinable()) return absl::FailedPreconditionError("OpsServer already started");
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(impl_->options.bind_address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("OpsServer: bad bind address '", impl_->options.bind_address, "'"));
  }
  auto ioc = std::make_unique<asio::io_context>(1);
  auto acceptor = std::make_unique<tcp::acceptor>(*ioc);
  const tcp::endpoint endpoint(address, impl_->options.port);
  auto fail = [&](std::string_view what) {
    return absl::UnavailableError(absl::StrCat("OpsServer: ", ToAbsl(what), " ",
                                               impl_->options.bind_address, ":",
                                               impl_->options.port, ": ", ec.message()));
  };
  if (acceptor->open(endpoint.protocol(), ec); ec) return fail("open");
  if (acceptor->set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return fail("setsockopt");
  }
  if (acceptor->bind(endpoint, ec); ec) return fail("bind");
  if (acceptor->listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  const tcp::endpoint local = acceptor->local_endpoint(ec);
  if (ec) return fail("local_endpoint");

  impl_->ioc = std::move(ioc);
  impl_->acceptor = std::move(acceptor);
  impl_->bound_port.store(local.port());
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_.get()] {
    for (;;) {
      try {
        impl->ioc->run();
        return;
      } catch (const std::exception&) {
        // A handler threw (should not happen: every operation uses error codes). Keep serving.
      }
    }
  });
  return absl::OkStatus();
}

void OpsServer::Stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(*impl_->ioc, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor->close(ignored);
    impl->ioc->stop();
  });
  impl_->thread.join();
  // Destroying the io_context destroys the pending handlers and with them the sessions, which
  // close their sockets.
  impl_->acceptor.reset();
  impl_->ioc.reset();
  impl_->bound_port.store(0);
}

uint16_t OpsServer::port() const { return impl_->bound_port.load(); }

std::string OpsServer::RenderMetrics() const { return impl_->SafeRender(); }

}  // namespace arbor::ops
