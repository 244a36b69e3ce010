// File: arbor/sim/ws_session.h
//
// One server-side WebSocket connection of the simulator (Boost.Beast), created by a WsRoute
// handler when a request upgrades. Text frames in are handed to a callback; Send() queues text
// frames out (written one at a time, in order). Beast answers pings with pongs. Sessions built
// from a WsSocket register in their server's WsRegistry, through which fault injection reaches
// them (Abort, Close, Stall). A session runs over plain TCP or over TLS (when its server has a
// TLS context), chosen by what the WsSocket carries; the behaviour is the same over both.
// Everything runs on the server's single io thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "boost/beast/websocket.hpp"
#include "boost/beast/websocket/ssl.hpp"

namespace arbor::sim {

class WsSession;

// The live WebSocket sessions of one HttpServer (weak references; expired ones are pruned on
// every registration and walk). Single-threaded like the server.
class WsRegistry {
 public:
  void Add(const std::shared_ptr<WsSession>& session);
  // Calls `fn` for every session still alive and open.
  void ForEach(const std::function<void(WsSession&)>& fn);
  // Number of sessions still alive and open.
  size_t live();

 private:
  void Prune();
  std::vector<std::weak_ptr<WsSession>> sessions_;
};

// A connection after the HTTP server is done with it: a plain TCP socket, or a TCP stream whose
// TLS handshake has completed.
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
using WsTransport = std::variant<boost::asio::ip::tcp::socket, TlsStream>;

// What a WsRoute handler receives: the upgraded connection (plain or TLS) and the registry of
// the server it came from. Pass it on unchanged to WsSession's constructor. To answer on the
// connection without upgrading (e.g. a 401), std::visit `socket`: both alternatives are
// Beast-compatible streams.
struct WsSocket {
  WsTransport socket;
  std::shared_ptr<WsRegistry> registry;
};

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  using MessageFn = std::function<void(WsSession&, const std::string&)>;
  using CloseFn = std::function<void(WsSession&)>;

  // A session that registers in `socket.registry` (when set) on Accept().
  WsSession(WsSocket socket, MessageFn on_message, CloseFn on_close);
  // A session outside any registry (fault injection cannot reach it).
  WsSession(boost::asio::ip::tcp::socket socket, MessageFn on_message, CloseFn on_close);

  // Completes the upgrade for `request` and starts reading. Precondition: the session is owned
  // by a shared_ptr.
  void Accept(boost::beast::http::request<boost::beast::http::string_body> request);
  // Queues one text frame.
  void Send(std::string text);
  // Closes with a WebSocket close code (e.g. 1000 normal, 1011 internal error).
  void Close(uint16_t code, std::string reason);
  // Drops the TCP connection without a close frame (the peer sees code 1006).
  void Abort();
  // Holds every queued and new data frame for `ms` milliseconds, then sends them in order. The
  // Polymarket heartbeat reply (the text "PONG") and Beast's control pongs still go out, as in
  // the venue's silent freeze. A second call extends the stall to the later end.
  void Stall(int64_t ms);

  bool open() const { return open_; }
  bool stalled() const { return stalled_; }
  size_t queued() const { return queue_.size() + urgent_.size(); }

 private:
  using PlainWs = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  using TlsWs = boost::beast::websocket::stream<TlsStream>;

  static std::variant<PlainWs, TlsWs> MakeWs(WsTransport transport);
  void Read();
  void Write();
  void FireClose();

  // Runs `fn(ws)` on whichever stream this session holds.
  template <typename Fn>
  decltype(auto) Visit(Fn&& fn) {
    return std::visit(std::forward<Fn>(fn), ws_);
  }

  std::variant<PlainWs, TlsWs> ws_;
  std::shared_ptr<WsRegistry> registry_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::deque<std::string> urgent_;  // heartbeat replies that bypass a stall
  MessageFn on_message_;
  CloseFn on_close_;
  boost::asio::steady_timer stall_timer_;
  bool open_ = false;
  bool writing_ = false;
  bool stalled_ = false;
  bool close_fired_ = false;
};

}  // namespace arbor::sim
