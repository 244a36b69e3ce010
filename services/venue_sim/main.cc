// arbor-venue-sim: a local Polymarket-compatible exchange on loopback, driven by a scenario.
//
//   arbor-venue-sim --scenario services/venue_sim/scenarios/default.json
//       [--clob-port N] [--gamma-port N] [--kalshi-port N] [--step-ms N] [--steps N]
//       [--admin-port N] [--faults FILE] [--initial-balance PUSD]
//       [--kalshi-key KEY_ID=PUBLIC_KEY_PEM_FILE]... [--tls-cert FILE --tls-key FILE]
//
// Prints one JSON line on stdout when both servers listen:
//   {"clob_port":41235,"gamma_port":41236,"kalshi_port":41237,"markets":2044,"events":80,
//    "kalshi_markets":160,"admin_port":41238,"tls":false}
// With --tls-cert/--tls-key (PEM files, both or neither) the CLOB, Gamma and Kalshi servers
// speak https/wss only; the admin server stays plain HTTP.
// then steps the exchange every --step-ms milliseconds (agents trade, mispricings start and
// end, the market WebSocket channel at /ws/market on the CLOB port publishes the changes;
// authenticated trading and /ws/user are served on the CLOB port too) until
// SIGINT/SIGTERM, or until --steps steps have run. Exit code 0 on a clean stop, 1 on
// bad arguments or a scenario error, 2 if a server cannot listen.
// Everything (servers and exchange) runs on one io thread, so no state is shared across threads.
#include <charconv>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/log.h"
#include "arbor/core/status_macros.h"
#include "arbor/sim/admin_routes.h"
#include "arbor/sim/faults.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/kalshi_trading.h"
#include "arbor/sim/kalshi_ws_channel.h"
#include "arbor/sim/polymarket_market_channel.h"
#include "arbor/sim/polymarket_routes.h"
#include "arbor/sim/polymarket_trading.h"
#include "arbor/sim/polymarket_user_channel.h"
#include "arbor/sim/scenario.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/steady_timer.hpp"

namespace {

constexpr char kUsage[] =
    "usage: arbor-venue-sim --scenario FILE [--clob-port N] [--gamma-port N] [--kalshi-port N]\n"
    "                       [--step-ms N] [--steps N] [--kalshi-key "
    "KEY_ID=PUBLIC_KEY_PEM_FILE]...\n"
    "  --step-ms 0: no step timer; the exchange steps only on POST /admin/step\n"
    "                       [--admin-port N] [--faults FILE] [--initial-balance PUSD]\n"
    "                       [--tls-cert CERT_PEM_FILE --tls-key KEY_PEM_FILE]\n"
    "                       [--listen-address ADDR]\n"
    "  --listen-address: where every server binds (default 127.0.0.1; 0.0.0.0 in a pod so the\n"
    "  feed shards and the executor can reach it)\n"
    "  --tls-cert/--tls-key (both or neither): the CLOB, Gamma and Kalshi servers speak TLS\n"
    "  (https/wss) with this certificate chain and key; the admin server stays plain HTTP.\n";

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
  int64_t steps = 0;                 // 0 = until signalled
  int64_t admin_port = 0;            // the admin API (plain HTTP); 0 = a free port
  std::string faults;                // fault rules file (faults.h format); empty = none
  int64_t initial_balance = 100000;  // pUSD deposited once per new Polymarket API-key address
  // --kalshi-key KEY_ID=PUBLIC_KEY_PEM_FILE (repeatable): Kalshi API keys, one account each.
  std::vector<std::pair<std::string, std::string>> kalshi_keys;
  std::string tls_cert;  // PEM certificate chain; with tls_key, the venue servers speak TLS
  std::string tls_key;   // PEM private key
  std::string listen_address = "127.0.0.1";
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
      if (!ParseInt(v, &f->step_ms)) return false;
    } else if (a == "--kalshi-key") {
      const size_t eq = v.find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == v.size()) return false;
      f->kalshi_keys.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (a == "--admin-port") {
      if (!ParseInt(v, &f->admin_port) || f->admin_port > 65535) return false;
    } else if (a == "--faults") {
      f->faults = v;
    } else if (a == "--tls-cert") {
      f->tls_cert = v;
    } else if (a == "--tls-key") {
      f->tls_key = v;
    } else if (a == "--listen-address") {
      f->listen_address = v;
    } else if (a == "--initial-balance") {
      if (!ParseInt(v, &f->initial_balance) || f->initial_balance > 1'000'000'000'000) return false;
    } else if (a == "--steps") {
      if (!ParseInt(v, &f->steps)) return false;
    } else {
      return false;
    }
  }
  return !f->scenario.empty() && f->tls_cert.empty() == f->tls_key.empty();
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
  arbor::sim::FaultInjector faults(scenario->seed, clock);
  if (!flags.faults.empty()) {
    absl::StatusOr<std::vector<arbor::sim::FaultRule>> rules =
        arbor::sim::LoadFaultFile(flags.faults);
    absl::Status st = rules.status();
    for (size_t i = 0; st.ok() && i < rules->size(); ++i) st = faults.AddRule((*rules)[i]);
    if (!st.ok()) {
      std::cerr << "arbor-venue-sim: " << st.message() << "\n";
      return 1;
    }
  }
  std::shared_ptr<boost::asio::ssl::context> tls;  // null = plain HTTP / WebSocket
  if (!flags.tls_cert.empty()) {
    absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> ctx =
        arbor::sim::MakeServerTlsContext(flags.tls_cert, flags.tls_key);
    if (!ctx.ok()) {
      std::cerr << "arbor-venue-sim: " << ctx.status().message() << "\n";
      return 1;
    }
    tls = std::move(*ctx);
  }
  boost::asio::io_context io;
  arbor::sim::HttpServer clob(io, {.address = flags.listen_address,
                                   .port = static_cast<uint16_t>(flags.clob_port),
                                   .tls = tls});
  arbor::sim::HttpServer gamma(io, {.address = flags.listen_address,
                                    .port = static_cast<uint16_t>(flags.gamma_port),
                                    .tls = tls});
  arbor::sim::AddPolymarketClobRoutes(clob, **exchange, clock);
  arbor::sim::AddGammaRoutes(gamma, **exchange);
  arbor::sim::HttpServer kalshi(io, {.address = flags.listen_address,
                                     .port = static_cast<uint16_t>(flags.kalshi_port),
                                     .tls = tls});
  arbor::sim::KalshiTrading kalshi_trading(**exchange, clock, {});
  for (const auto& [key_id, pem_file] : flags.kalshi_keys) {
    std::ifstream in(pem_file);
    std::stringstream pem;
    pem << in.rdbuf();
    absl::Status st = in ? kalshi_trading.RegisterKey(key_id, pem.str())
                         : absl::NotFoundError("cannot read " + pem_file);
    if (!st.ok()) {
      std::cerr << "arbor-venue-sim: --kalshi-key " << key_id << ": " << st.message() << "\n";
      return 1;
    }
  }
  kalshi_trading.Attach(kalshi);  // /trade-api/v2 on the Kalshi port
  // /trade-api/ws/v2 on the Kalshi port, authenticated with the keys registered above; fill
  // messages name orders by the ids the REST API handed out.
  arbor::sim::KalshiWsOptions kalshi_ws_options;
  kalshi_ws_options.order_ref = [&](uint64_t engine_order_id) {
    std::optional<arbor::sim::KalshiTrading::ApiOrderNames> names =
        kalshi_trading.NamesOfEngineOrder(engine_order_id);
    return names ? arbor::sim::KalshiOrderRef{names->order_id, names->client_order_id}
                 : arbor::sim::KalshiOrderRef{std::to_string(engine_order_id), ""};
  };
  arbor::sim::KalshiWsChannel kalshi_ws(
      exchange->get(),
      [&](std::string_view key_id, std::string_view ts, std::string_view sig,
          std::string_view method, std::string_view path) {
        return kalshi_trading.Authenticate(key_id, ts, sig, method, path,
                                           absl::ToUnixMillis(clock.Now()));
      },
      kalshi_ws_options);
  kalshi_ws.Attach(kalshi);
  arbor::sim::PolymarketMarketChannel market_channel(exchange->get());
  market_channel.Attach(clob);  // ws://127.0.0.1:<clob_port>/ws/market
  // Authenticated Polymarket trading (L1/L2 auth, orders, cancels, heartbeats) and /ws/user.
  arbor::sim::PolymarketTradingOptions pm_options;
  pm_options.initial_balance = arbor::Money::FromUnits(flags.initial_balance);
  arbor::sim::PolymarketTrading pm_trading(**exchange, clock, pm_options);
  pm_trading.Attach(clob);
  arbor::sim::PolymarketUserChannel user_channel(&pm_trading);
  user_channel.Attach(clob);  // ws://127.0.0.1:<clob_port>/ws/user
  clob.SetFaults(&faults, "clob");
  gamma.SetFaults(&faults, "gamma");
  kalshi.SetFaults(&faults, "kalshi");
  faults.AttachSeqGap("kalshi", [&kalshi_ws] { kalshi_ws.SkipSeqOnAllOrderbookSubscriptions(); });
  arbor::sim::HttpServer admin(
      io, {.address = flags.listen_address, .port = static_cast<uint16_t>(flags.admin_port)});
  arbor::sim::TradeRecorder trades(exchange->get(), 100'000);
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
    admin.Stop();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
  // Everything that runs after an exchange step, in order: channels publish what the step
  // changed. Register per-step work here (each hook gets the step's now_ms); StepOnce() is used
  // by the step timer and by POST /admin/step alike.
  std::vector<std::function<absl::Status(int64_t)>> after_step;
  after_step.push_back([&](int64_t now_ms) { return market_channel.Publish(now_ms); });
  after_step.push_back([&](int64_t) {
    faults.Tick();  // WebSocket disconnects and stalls fire on step boundaries
    return absl::OkStatus();
  });
  after_step.push_back([&](int64_t now_ms) { return kalshi_ws.Publish(now_ms); });
  after_step.push_back([&](int64_t now_ms) {
    pm_trading.Tick(now_ms);  // lapsed Polymarket heartbeats cancel their orders
    return absl::OkStatus();
  });
  auto step_once = [&]() -> absl::Status {
    const int64_t now_ms = absl::ToUnixMillis(clock.Now());
    ARBOR_RETURN_IF_ERROR((*exchange)->Step(now_ms));
    for (const auto& hook : after_step) ARBOR_RETURN_IF_ERROR(hook(now_ms));
    return absl::OkStatus();
  };
  arbor::sim::AddAdminRoutes(admin, {.exchange = exchange->get(),
                                     .faults = &faults,
                                     .trades = &trades,
                                     .step_once = step_once,
                                     .clock = &clock});
  if (absl::Status st = admin.Start(); !st.ok()) {
    std::cerr << "arbor-venue-sim: admin: " << st.message() << "\n";
    return 2;
  }
  std::function<void()> schedule = [&] {
    timer.expires_after(std::chrono::milliseconds(flags.step_ms));
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (absl::Status st = step_once(); !st.ok()) {
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
  // --step-ms 0: no timer; the exchange moves only through POST /admin/step (a driver that wants
  // the scenario to start once its clients are ready, e.g. scripts/run.py).
  if (flags.step_ms > 0) schedule();

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
      .Key("admin_port")
      .Uint(admin.port())
      .Key("tls")
      .Bool(tls != nullptr)
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
