// File: services/lib/net/src/asio_util.h
//
// Private helpers for driving Boost.Asio operations to completion on the calling thread with a
// per-operation io_context (the HTTP client's blocking model). Not part of the public API.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace arbor::net::internal {

inline std::chrono::nanoseconds ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

// Run
//
// Calls `start(done)`, where `start` launches one asynchronous operation on `ioc` whose
// completion handler calls `done(ec)`, then runs `ioc` until no work is left. Returns the
// operation's error code (operation_aborted if it never completed).
template <class Start>
boost::system::error_code Run(boost::asio::io_context& ioc, Start&& start) {
  boost::system::error_code result = boost::asio::error::operation_aborted;
  bool finished = false;
  auto done = [&result, &finished](boost::system::error_code ec) {
    result = ec;
    finished = true;
  };
  start(done);
  ioc.restart();
  ioc.run();
  return finished ? result : boost::system::error_code(boost::asio::error::operation_aborted);
}

// Resolve
//
// Resolves `host`:`port` on `ioc` (which must not be running elsewhere). The resolver has no
// deadline of its own, so a timer cancels it after `timeout`; a timeout is reported as
// boost::asio::error::timed_out.
inline boost::system::error_code Resolve(boost::asio::io_context& ioc, const std::string& host,
                                         uint16_t port, absl::Duration timeout,
                                         boost::asio::ip::tcp::resolver::results_type* out) {
  boost::asio::ip::tcp::resolver resolver(ioc);
  boost::asio::steady_timer timer(ioc);
  bool timed_out = false;
  boost::system::error_code ec = Run(ioc, [&](auto done) {
    timer.expires_after(ToChrono(timeout));
    timer.async_wait([&](boost::system::error_code e) {
      if (!e) {
        timed_out = true;
        resolver.cancel();
      }
    });
    resolver.async_resolve(
        host, std::to_string(port),
        [&, done](boost::system::error_code e, boost::asio::ip::tcp::resolver::results_type r) {
          timer.cancel();
          *out = std::move(r);
          done(e);
        });
  });
  if (timed_out) return boost::asio::error::timed_out;
  return ec;
}

}  // namespace arbor::net::internal
