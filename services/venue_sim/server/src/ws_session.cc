#include "arbor/sim/ws_session.h"

#include <utility>

namespace arbor::sim {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

WsSession::WsSession(boost::asio::ip::tcp::socket socket, MessageFn on_message, CloseFn on_close)
    : ws_(std::move(socket)), on_message_(std::move(on_message)), on_close_(std::move(on_close)) {}

void WsSession::Accept(beast::http::request<beast::http::string_body> request) {
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.read_message_max(16 << 20);
  auto req = std::make_shared<beast::http::request<beast::http::string_body>>(std::move(request));
  ws_.async_accept(*req, [self = shared_from_this(), req](beast::error_code ec) {
    if (ec) return;
    self->open_ = true;
    self->Read();
    self->Write();  // anything queued before the handshake finished
  });
}

void WsSession::Read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec) {
      const bool was_open = self->open_;
      self->open_ = false;
      if (was_open && self->on_close_) self->on_close_(*self);
      return;
    }
    const std::string text = beast::buffers_to_string(self->buffer_.data());
    self->buffer_.consume(self->buffer_.size());
    if (self->on_message_) self->on_message_(*self, text);
    self->Read();
  });
}

void WsSession::Send(std::string text) {
  queue_.push_back(std::move(text));
  if (open_) Write();
}

void WsSession::Write() {
  if (writing_ || queue_.empty() || !open_) return;
  writing_ = true;
  ws_.text(true);
  ws_.async_write(boost::asio::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, size_t) {
                    self->writing_ = false;
                    if (ec) {
                      self->open_ = false;
                      return;
                    }
                    self->queue_.pop_front();
                    self->Write();
                  });
}

void WsSession::Close(uint16_t code, std::string reason) {
  if (!open_) return;
  open_ = false;
  ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                  [self = shared_from_this()](beast::error_code) {});
}

}  // namespace arbor::sim
