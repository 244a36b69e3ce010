// arbor-venue-sim: a local Polymarket-compatible exchange on loopback, driven by a scenario.
//
//   arbor-venue-sim --scenario services/venue_sim/scenarios/default.json
//       [--clob-port N] [--gamma-port N] [--kalshi-port N] [--step-ms N] [--steps N]
//
// Prints one JSON line on stdout when both servers listen:
//   {"clob_port":41235,"gamma_port":41236,"kalshi_port":41237,"markets":2044,"events":80,
//    "kalshi_markets":160}
// then steps the exchange every --step-ms milliseconds (agents trade, mispricings start and
// end, the market WebSocket channel at /ws/market on the CLOB port publishes the changes) until
// SIGINT/SIGTERM, or until --steps steps have run. Exit code 0 on a clean stop, 1 on
// bad arguments or a scenario error, 2 if a server cannot listen.
// Everything (servers and exchange) runs on one io thread, so no state is shared across threads.
#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/log.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/polymarket_market_channel.h"
#include "arbor/sim/polymarket_routes.h"
#include "arbor/sim/scenario.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/steady_timer.hpp"

namespace {

constexpr char kUsage[] =
    "usage: arbor-venue-sim --scenario FILE [--clob-port N] [--gamma-port N] [--kalshi-port N]\n"
    "                       [--step-ms N] [--steps N]\n";

bool ParseInt(const std::string& s, int64_t* out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && *out >= 0;
}

struct Flags {
  std::string scenario;
  int64_t clob_port = 0;
  int64_t gamma_port = 0;
  int64_t kalshi_port = 0;
  int64_t step_ms = 1000;
  int64_t steps = 0;  // 0 = until signalled
};

bool ParseFlags(const std::vector<std::string>& args, Flags* f) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i + 1 >= args.size()) return false;
    const std::string& v = args[++i];
    if (a == "--scenario") {
      f->scenario = v;
    } else if (a == "--clob-port") {
      if (!ParseInt(v, &f->clob_port) || f->clob_port > 65535) return false;
    } else if (a == "--gamma-port") {
      if (!ParseInt(v, &f->gamma_port) || f->gamma_port > 65535) return false;
    } else if (a == "--kalshi-port") {
      if (!ParseInt(v, &f->kalshi_port) || f->kalshi_port > 65535) return false;
    } else if (a == "--step-ms") {
      if (!ParseInt(v, &f->step_ms) || f->step_ms == 0) return false;
    } else if (a == "--steps") {
      if (!ParseInt(v, &f->steps)) return false;
    } else {
      return false;
    }
  }
  return !f->scenario.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(std::vector<std::string>(argv + 1, argv + argc), &flags)) {
    std::cerr << kUsage;
    return 1;
  }
  absl::StatusOr<arbor::sim::Scenario> scenario = arbor::sim::LoadScenarioFile(flags.scenario);
  if (!scenario.ok()) {
    std::cerr << "arbor-venue-sim: " << scenario.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<arbor::sim::Exchange>> exchange =
      arbor::sim::BuildExchange(*scenario);
  if (!exchange.ok()) {
    std::cerr << "arbor-venue-sim: " << exchange.status().message() << "\n";
    return 1;
  }
  const arbor::Clock& clock = arbor::SystemClock::Get();
  boost::asio::io_context io;
  arbor::sim::HttpServer clob(io, {.port = static_cast<uint16_t>(flags.clob_port)});
  arbor::sim::HttpServer gamma(io, {.port = static_cast<uint16_t>(flags.gamma_port)});
  arbor::sim::AddPolymarketClobRoutes(clob, **exchange, clock);
  arbor::sim::AddGammaRoutes(gamma, **exchange);
  arbor::sim::HttpServer kalshi(io, {.port = static_cast<uint16_t>(flags.kalshi_port)});
  arbor::sim::AddKalshiRoutes(kalshi, **exchange);
  arbor::sim::PolymarketMarketChannel market_channel(exchange->get());
  market_channel.Attach(clob);  // ws://127.0.0.1:<clob_port>/ws/market
  for (arbor::sim::HttpServer* s : {&clob, &gamma, &kalshi}) {
    if (absl::Status st = s->Start(); !st.ok()) {
      std::cerr << "arbor-venue-sim: " << st.message() << "\n";
      return 2;
    }
  }

  int exit_code = 0;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer timer(io);
  auto stop = [&] {
    timer.cancel();
    signals.cancel();
    clob.Stop();
    gamma.Stop();
    kalshi.Stop();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
  std::function<void()> schedule = [&] {
    timer.expires_after(std::chrono::milliseconds(flags.step_ms));
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      const int64_t now_ms = absl::ToUnixMillis(clock.Now());
      absl::Status st = (*exchange)->Step(now_ms);
      if (st.ok()) st = market_channel.Publish(now_ms);
      if (!st.ok()) {
        ARBOR_LOG(kError, "venue_sim", "step failed").Field("error", std::string(st.message()));
        exit_code = 3;
        stop();
        return;
      }
      if (flags.steps > 0 && (*exchange)->step() >= flags.steps) {
        stop();
        return;
      }
      schedule();
    });
  };
  schedule();

  arbor::JsonWriter ready;
  ready.BeginObject()
      .Key("clob_port")
      .Uint(clob.port())
      .Key("gamma_port")
      .Uint(gamma.port())
      .Key("kalshi_port")
      .Uint(kalshi.port())
      .Key("markets")
      .Uint((*exchange)->universe().markets.size())
      .Key("events")
      .Uint((*exchange)->universe().events.size())
      .Key("kalshi_markets")
      .Uint((*exchange)->universe().kalshi.size())
      .EndObject();
  std::cout << ready.str() << std::endl;
  ARBOR_LOG(kInfo, "venue_sim", "listening")
      .Field("scenario", scenario->name)
      .Field("clob_port", static_cast<int64_t>(clob.port()))
      .Field("gamma_port", static_cast<int64_t>(gamma.port()));
  io.run();
  ARBOR_LOG(kInfo, "venue_sim", "stopped")
      .Field("steps", (*exchange)->step())
      .Field("requests", clob.requests() + gamma.requests());
  return exit_code;
}
