#include "arbor/sim/ws_session.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <variant>

namespace arbor::sim {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

// Polymarket's application-level heartbeat reply; it must pass a stall (see Stall()).
constexpr char kHeartbeatReply[] = "PONG";

}  // namespace

void WsRegistry::Add(const std::shared_ptr<WsSession>& session) {
  Prune();
  sessions_.push_back(session);
}

void WsRegistry::ForEach(const std::function<void(WsSession&)>& fn) {
  Prune();
  // Copy first: `fn` may close sessions, whose callbacks may register or drop others.
  std::vector<std::shared_ptr<WsSession>> live;
  for (const std::weak_ptr<WsSession>& weak : sessions_) {
    if (std::shared_ptr<WsSession> s = weak.lock(); s && s->open()) live.push_back(std::move(s));
  }
  for (const std::shared_ptr<WsSession>& s : live) fn(*s);
}

size_t WsRegistry::live() {
  size_t n = 0;
  ForEach([&n](WsSession&) { ++n; });
  return n;
}

void WsRegistry::Prune() {
  sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(),
                                 [](const std::weak_ptr<WsSession>& w) { return w.expired(); }),
                  sessions_.end());
}

std::variant<WsSession::PlainWs, WsSession::TlsWs> WsSession::MakeWs(WsTransport transport) {
  if (auto* socket = std::get_if<boost::asio::ip::tcp::socket>(&transport)) {
    return std::variant<PlainWs, TlsWs>(std::in_place_index<0>, std::move(*socket));
  }
  return std::variant<PlainWs, TlsWs>(std::in_place_index<1>,
                                      std::move(std::get<TlsStream>(transport)));
}

WsSession::WsSession(WsSocket socket, MessageFn on_message, CloseFn on_close)
    : ws_(MakeWs(std::move(socket.socket))),
      registry_(std::move(socket.registry)),
      on_message_(std::move(on_message)),
      on_close_(std::move(on_close)),
      stall_timer_(Visit([](auto& ws) { return ws.get_executor(); })) {}

WsSession::WsSession(boost::asio::ip::tcp::socket socket, MessageFn on_message, CloseFn on_close)
    : WsSession(WsSocket{std::move(socket), nullptr}, std::move(on_message), std::move(on_close)) {}

void WsSession::Accept(beast::http::request<beast::http::string_body> request) {
  auto req = std::make_shared<beast::http::request<beast::http::string_body>>(std::move(request));
  Visit([&](auto& ws) {
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(16 << 20);
    ws.async_accept(*req, [self = shared_from_this(), req](beast::error_code ec) {
      if (ec) return;
      self->open_ = true;
      if (self->registry_) self->registry_->Add(self);
      self->Read();
      self->Write();  // anything queued before the handshake finished
    });
  });
}

void WsSession::FireClose() {
  open_ = false;
  if (close_fired_) return;
  close_fired_ = true;
  stall_timer_.cancel();
  if (on_close_) on_close_(*this);
}

void WsSession::Read() {
  Visit([&](auto& ws) {
    ws.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->FireClose();
        return;
      }
      const std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->on_message_) self->on_message_(*self, text);
      self->Read();
    });
  });
}

void WsSession::Send(std::string text) {
  if (stalled_ && text == kHeartbeatReply) {
    urgent_.push_back(std::move(text));
  } else {
    queue_.push_back(std::move(text));
  }
  if (open_) Write();
}

void WsSession::Write() {
  if (writing_ || !open_) return;
  std::deque<std::string>* source = nullptr;
  if (!urgent_.empty()) {
    source = &urgent_;
  } else if (!stalled_ && !queue_.empty()) {
    source = &queue_;
  } else {
    return;
  }
  writing_ = true;
  Visit([&](auto& ws) {
    ws.text(true);
    ws.async_write(boost::asio::buffer(source->front()),
                   [self = shared_from_this(), source](beast::error_code ec, size_t) {
                     self->writing_ = false;
                     if (ec) {
                       self->open_ = false;
                       return;
                     }
                     source->pop_front();
                     self->Write();
                   });
  });
}

void WsSession::Close(uint16_t code, std::string reason) {
  if (!open_) return;
  open_ = false;
  Visit([&](auto& ws) {
    ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                   [self = shared_from_this()](beast::error_code) {});
  });
}

void WsSession::Abort() {
  if (!open_) return;
  open_ = false;
  Visit([](auto& ws) {
    // Over TLS too: no close_notify, the peer sees the TCP connection drop.
    beast::error_code ec;
    beast::get_lowest_layer(ws).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws).socket().close(ec);
  });
}

void WsSession::Stall(int64_t ms) {
  if (!open_) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  if (stalled_ && stall_timer_.expiry() >= until) return;
  stalled_ = true;
  stall_timer_.expires_at(until);
  stall_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;  // extended (re-armed) or the session closed
    self->stalled_ = false;
    self->Write();
  });
}

}  // namespace arbor::sim
