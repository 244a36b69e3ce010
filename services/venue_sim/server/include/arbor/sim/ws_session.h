// File: arbor/sim/ws_session.h
//
// One server-side WebSocket connection of the simulator (Boost.Beast), created by HttpServer
// when a request upgrades on a WebSocket route. Text frames in are handed to a callback; Send()
// queues text frames out (written one at a time, in order). Beast answers pings with pongs.
// Everything runs on the server's single io thread.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/websocket.hpp"

namespace arbor::sim {

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  using MessageFn = std::function<void(WsSession&, const std::string&)>;
  using CloseFn = std::function<void(WsSession&)>;

  WsSession(boost::asio::ip::tcp::socket socket, MessageFn on_message, CloseFn on_close);

  // Completes the upgrade for `request` and starts reading.
  void Accept(boost::beast::http::request<boost::beast::http::string_body> request);
  // Queues one text frame.
  void Send(std::string text);
  // Closes with a WebSocket close code (e.g. 1000 normal, 1011 internal error).
  void Close(uint16_t code, std::string reason);

  bool open() const { return open_; }
  size_t queued() const { return queue_.size(); }

 private:
  void Read();
  void Write();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  MessageFn on_message_;
  CloseFn on_close_;
  bool open_ = false;
  bool writing_ = false;
};

}  // namespace arbor::sim
