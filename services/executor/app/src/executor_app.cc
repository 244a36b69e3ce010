#include "arbor/executor/executor_app.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "arbor/core/log.h"
#include "arbor/core/strings.h"
#include "arbor/exec/guarded_gateway.h"
#include "arbor/exec/order_state_machine.h"
#include "arbor/exec/paper_gateway.h"
#include "arbor/executor/executor_service.h"
#include "arbor/executor/feed_books.h"
#include "arbor/executor/kalshi_gateway.h"
#include "arbor/executor/policy_limits.h"
#include "arbor/executor/polymarket_gateway.h"
#include "arbor/executor/polymarket_user_stream.h"
#include "arbor/net/http_client.h"
#include "arbor/net/url.h"
#include "arbor/ops/ops_server.h"
#include "arbor/risk/risk_engine.h"
#include "arbor/scanner/book_cache.h"
#include "arbor/scanner/feed_subscriber.h"
#include "arbor/store/store.h"
#include "arbor/v1/scanner_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace arbor::executor {
namespace {

absl::StatusOr<std::string> ReadSecret(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", ToAbsl(what), " file ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), " file ", path, " is empty"));
  }
  return text;
}

// Prometheus series of the executor (docs/executor.md lists them). Counters follow the engine's
// cumulative statistics by delta; gauges are set each second.
class ExecutorMetrics {
 public:
  explicit ExecutorMetrics(prometheus::Registry& r)
      : counters_(prometheus::BuildCounter()
                      .Name("arbor_executor_events_total")
                      .Help("Executor events: intents, duplicates, orders_sent, fills, "
                            "duplicate_fills, store_failures, user_channel_fills, "
                            "user_channel_malformed, user_channel_reconnects")
                      .Register(r)),
        denials_(prometheus::BuildCounter()
                     .Name("arbor_executor_denials_total")
                     .Help("Opportunities and orders refused by risk, by reason")
                     .Register(r)),
        closes_(prometheus::BuildCounter()
                    .Name("arbor_executor_executions_closed_total")
                    .Help("Executions closed, by close reason")
                    .Register(r)),
        gauges_(prometheus::BuildGauge()
                    .Name("arbor_executor_state")
                    .Help("Executor state: leader, ready, safe_mode, open_executions, "
                          "unresolved_orders, kill_switches_engaged, trading_halted, "
                          "user_channel_connected")
                    .Register(r)),
        usd_(prometheus::BuildGauge()
                 .Name("arbor_executor_usd")
                 .Help("Money figures in USD: realized_pnl, daily_pnl, drawdown, "
                       "unhedged_exposure, reserved_capital, daily_loss_cap, max_drawdown_cap")
                 .Register(r)),
        orders_(prometheus::BuildGauge()
                    .Name("arbor_executor_orders")
                    .Help("Orders of the open executions, by status")
                    .Register(r)),
        submit_(
            prometheus::BuildHistogram()
                .Name("arbor_executor_submit_to_ack_seconds")
                .Help("Submit: validation + risk + intent committed (synchronous commit)")
                .Register(r)
                .Add({}, prometheus::Histogram::BucketBoundaries{0.0002, 0.0005, 0.001, 0.002,
                                                                 0.005, 0.01, 0.02, 0.05, 0.1})),
        leg_ack_(
            prometheus::BuildHistogram()
                .Name("arbor_executor_leg_ack_seconds")
                .Help("A leg order handed to its venue -> the venue's answer")
                .Register(r)
                .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01,
                                                                 0.02, 0.05, 0.1, 0.25, 0.5, 1})),
        leg_fill_(prometheus::BuildHistogram()
                      .Name("arbor_executor_leg_fill_seconds")
                      .Help("A leg order handed to its venue -> fully filled")
                      .Register(r)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.002, 0.005, 0.01,
                                                                       0.02, 0.05, 0.1, 0.25, 0.5,
                                                                       1, 2.5, 5, 10})) {}

  void Update(const exec::EngineStats& s, const risk::RiskSnapshot& risk, bool leader, bool ready,
              const v1::SafeModeState& safe, uint32_t kill_switches,
              const exec::EngineLatencies& lat) {
    Delta("intents", s.accepted);
    Delta("duplicates", s.duplicates);
    Delta("orders_sent", s.orders_sent);
    Delta("fills", s.fills);
    Delta("duplicate_fills", s.duplicate_fills);
    Delta("store_failures", s.store_failures);
    for (const auto& [reason, n] : s.denials_by_reason) Bump(denials_, reason, n, denial_seen_);
    for (const auto& [reason, n] : s.closes_by_reason) Bump(closes_, reason, n, close_seen_);
    Set("leader", leader);
    Set("ready", ready);
    Set("safe_mode", safe.active() && !safe.acknowledged());
    Set("open_executions", s.open_executions);
    Set("unresolved_orders", s.unresolved_orders);
    Set("kill_switches_engaged", kill_switches);
    Set("trading_halted", risk.effective_state == risk::TradingState::kHalted);
    Usd("realized_pnl", s.realized_pnl_micros);
    Usd("daily_pnl", risk.daily_pnl_micros);
    Usd("drawdown", risk.peak_equity_micros - risk.equity_micros);
    Usd("unhedged_exposure", s.unhedged_exposure_micros);
    Usd("reserved_capital", risk.reserved_total_micros);
    Usd("daily_loss_cap", risk.daily_loss_cap_micros);
    Usd("max_drawdown_cap", risk.drawdown_halt_micros);
    for (int i = 0; i < exec::kOrderStatusCount; ++i) {
      const std::string name(exec::OrderStatusName(static_cast<exec::OrderStatus>(i)));
      const auto it = s.orders_by_status.find(name);
      orders_.Add({{"status", name}}).Set(it == s.orders_by_status.end() ? 0 : it->second);
    }
    for (int64_t ns : lat.submit_to_ack_nanos) submit_.Observe(static_cast<double>(ns) / 1e9);
    for (int64_t ns : lat.leg_ack_nanos) leg_ack_.Observe(static_cast<double>(ns) / 1e9);
    for (int64_t ns : lat.leg_fill_nanos) leg_fill_.Observe(static_cast<double>(ns) / 1e9);
  }

  // The Polymarket user channel (pushed fills).
  void UpdateUserChannel(const PolymarketUserStream::Stats& s) {
    Delta("user_channel_fills", s.fills_delivered);
    Delta("user_channel_malformed", s.malformed);
    Delta("user_channel_reconnects", s.reconnects);
    Set("user_channel_connected", s.connected);
  }

 private:
  void Delta(const std::string& name, uint64_t total) {
    uint64_t& seen = seen_[name];
    if (total > seen) counters_.Add({{"event", name}}).Increment(static_cast<double>(total - seen));
    seen = total;
  }
  static void Bump(prometheus::Family<prometheus::Counter>& family, const std::string& reason,
                   uint64_t total, std::map<std::string, uint64_t>& seen_map) {
    uint64_t& seen = seen_map[reason];
    prometheus::Counter& c = family.Add({{"reason", reason}});
    if (total > seen) c.Increment(static_cast<double>(total - seen));
    seen = total;
  }
  void Set(const std::string& name, double value) { gauges_.Add({{"name", name}}).Set(value); }
  void Usd(const std::string& name, int64_t micros) {
    usd_.Add({{"name", name}}).Set(static_cast<double>(micros) / 1e6);
  }

  prometheus::Family<prometheus::Counter>& counters_;
  prometheus::Family<prometheus::Counter>& denials_;
  prometheus::Family<prometheus::Counter>& closes_;
  prometheus::Family<prometheus::Gauge>& gauges_;
  prometheus::Family<prometheus::Gauge>& usd_;
  prometheus::Family<prometheus::Gauge>& orders_;
  prometheus::Histogram& submit_;
  prometheus::Histogram& leg_ack_;
  prometheus::Histogram& leg_fill_;
  std::map<std::string, uint64_t> seen_;
  std::map<std::string, uint64_t> denial_seen_;
  std::map<std::string, uint64_t> close_seen_;
};

}  // namespace

struct ExecutorApp::Impl {
  ExecutorOptions options;
  std::string pg_conninfo;  // with the password, if any (never logged)
  std::string polymarket_key;
  std::string kalshi_key_id;
  std::string kalshi_key_pem;
  std::optional<v1::PolicyLimits> initial_limits;

  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<ExecutorMetrics> metrics;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<risk::RiskEngine> risk;
  std::unique_ptr<net::HttpClient> http;
  exec::SyntheticBooks books;
  std::unique_ptr<scanner::BookCache> book_cache;
  std::unique_ptr<scanner::ShardedBookSource> book_feed;
  std::unique_ptr<FeedBooks> feed_books;
  const exec::BookSource* BookSourceForPaper() const {
    return feed_books != nullptr ? static_cast<const exec::BookSource*>(feed_books.get()) : &books;
  }
  std::vector<std::unique_ptr<exec::VenueGateway>> venue_gateways;  // unguarded (sim / live)
  std::vector<std::unique_ptr<exec::VenueGateway>> gateways;        // what the engine uses
  PolymarketGateway* polymarket_gateway = nullptr;                  // in venue_gateways
  std::optional<net::Origin> polymarket_user_ws;                    // set: push fills
  std::string polymarket_user_ws_path;
  std::unique_ptr<exec::ExecutionEngine> engine;
  // Started once the engine exists (leadership), stopped before the engine loop ends.
  std::unique_ptr<PolymarketUserStream> user_stream;
  std::atomic<const PolymarketUserStream*> user_stream_started{nullptr};  // for metrics
  ExecutorBackend backend;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<ExecutorServiceImpl> executor_service;
  std::unique_ptr<ControlServiceImpl> control_service;
  std::unique_ptr<grpc::Server> grpc_server;
  int grpc_port = 0;
  std::unique_ptr<ops::OpsServer> ops;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool started = false;
  bool stopped = false;
  std::thread leader_thread;
  std::thread loop_thread;
  std::thread scanner_thread;
  std::thread housekeeping_thread;
  std::shared_ptr<grpc::ClientContext> scanner_context;

  bool Sleep(absl::Duration d) {
    std::unique_lock<std::mutex> lock(mu);
    return !cv.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping; });
  }
  bool Stopping() {
    std::lock_guard<std::mutex> lock(mu);
    return stopping;
  }

  absl::Status BuildGateways();
  void LeaderLoop();
  void EngineLoop();
  void ScannerLoop();
  void HousekeepingLoop();
  absl::Status BecomeLeader(uint64_t epoch);
};

absl::Status ExecutorApp::Impl::BuildGateways() {
  const Clock* clock = &SystemClock::Get();
  if (options.mode == "paper") {
    gateways.push_back(std::make_unique<exec::PaperGateway>(
        Venue::kPolymarket, options.paper, options.paper_seed, BookSourceForPaper(), clock,
        exec::PaperGatewayOptions{.starting_cash_micros = options.paper_cash_micros}));
    gateways.push_back(std::make_unique<exec::PaperGateway>(
        Venue::kKalshi, options.paper, options.paper_seed + 1, BookSourceForPaper(), clock,
        exec::PaperGatewayOptions{.starting_cash_micros = options.paper_cash_micros}));
    return absl::OkStatus();
  }
  net::HttpClientOptions http_options;
  http_options.verify_peer = options.tls_verify_venues;
  absl::StatusOr<std::unique_ptr<net::HttpClient>> client = net::HttpClient::Create(http_options);
  if (!client.ok()) return client.status();
  http = *std::move(client);
  if (!options.polymarket_clob_url.empty()) {
    absl::StatusOr<net::Url> url = net::ParseUrl(options.polymarket_clob_url);
    if (!url.ok()) return url.status();
    PolymarketGatewayConfig config;
    config.clob = url->origin;
    config.private_key_hex = polymarket_key;
    absl::StatusOr<std::unique_ptr<PolymarketGateway>> gw =
        PolymarketGateway::Create(http.get(), clock, std::move(config));
    if (!gw.ok()) return gw.status();
    polymarket_gateway = gw->get();
    venue_gateways.push_back(*std::move(gw));
    if (options.polymarket_user_ws_url != "off") {
      if (options.polymarket_user_ws_url.empty()) {
        polymarket_user_ws = url->origin;
        polymarket_user_ws_path = "/ws/user";
      } else {
        absl::StatusOr<net::Url> ws = net::ParseUrl(options.polymarket_user_ws_url);
        if (!ws.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("--polymarket_user_ws_url: ", ws.status().message()));
        }
        polymarket_user_ws = ws->origin;
        polymarket_user_ws_path = ws->path.empty() ? "/ws/user" : ws->path;
      }
    }
  }
  if (!options.kalshi_url.empty()) {
    absl::StatusOr<net::Url> url = net::ParseUrl(options.kalshi_url);
    if (!url.ok()) return url.status();
    KalshiGatewayConfig config;
    config.origin = url->origin;
    config.api_key_id = kalshi_key_id;
    config.private_key_pem = kalshi_key_pem;
    absl::StatusOr<std::unique_ptr<KalshiGateway>> gw =
        KalshiGateway::Create(http.get(), clock, std::move(config));
    if (!gw.ok()) return gw.status();
    venue_gateways.push_back(*std::move(gw));
  }
  // Every real venue sits behind its rate governor and circuit breaker (429 storms, outages).
  for (const auto& venue : venue_gateways) {
    gateways.push_back(std::make_unique<exec::GuardedGateway>(
        venue.get(), clock,
        net::RateGovernorOptions{.initial_rate = 20, .min_rate = 0.5, .max_rate = 50, .burst = 20},
        net::CircuitBreakerOptions{.consecutive_failures = 5, .cool_down = absl::Seconds(2)}));
  }
  // The secrets now live only inside the gateways.
  polymarket_key.assign(polymarket_key.size(), '\0');
  kalshi_key_pem.assign(kalshi_key_pem.size(), '\0');
  if (gateways.empty()) {
    return absl::InvalidArgumentError(
        "--mode=sim/live needs --polymarket_clob_url and/or --kalshi_url");
  }
  return absl::OkStatus();
}

absl::Status ExecutorApp::Impl::BecomeLeader(uint64_t epoch) {
  store->SetFencingEpoch(epoch);
  backend.epoch.store(epoch);
  if (engine == nullptr) {
    exec::ExecutionEngine::GatewayMap map;
    for (const auto& gw : gateways) map[gw->venue()] = gw.get();
    exec::EngineConfig config = options.engine;
    config.instance_id = options.instance_id;
    config.mode = options.mode == "paper" ? v1::TRADING_MODE_PAPER : v1::TRADING_MODE_LIVE;
    engine = std::make_unique<exec::ExecutionEngine>(store.get(), risk.get(), std::move(map),
                                                     &SystemClock::Get(), config);
    if (feed_books != nullptr) engine->SetBookSource(feed_books.get());
  }
  if (initial_limits.has_value()) {
    absl::StatusOr<AppliedLimits> applied = ToAppliedLimits(*initial_limits);
    if (!applied.ok()) return applied.status();
    engine->ApplyRiskLimits(applied->risk);
    engine->SetLegPolicy(applied->leg_window, applied->leg_policy,
                         applied->max_unhedged_exposure_micros);
    absl::MutexLock lock(&backend.policy_mu);
    backend.active_policy.set_policy_uid("limits-file");
    backend.active_policy.set_policy_name(options.limits_file);
    backend.active_limits = *initial_limits;
    backend.applied_unix_nanos = absl::ToUnixNanos(absl::Now());
    backend.stage_started_unix_nanos = backend.applied_unix_nanos;
  }
  ARBOR_LOG(kInfo, "executor", "leader: recovering").Field("epoch", static_cast<int64_t>(epoch));
  if (absl::Status s = engine->Recover(); !s.ok()) return s;
  backend.engine.store(engine.get());
  backend.leader.store(true);
  const exec::EngineStats stats = engine->Stats();
  ARBOR_LOG(kInfo, "executor", "leader: ready")
      .Field("epoch", static_cast<int64_t>(epoch))
      .Field("open_executions", static_cast<int64_t>(stats.open_executions))
      .Field("safe_mode", engine->safe_mode().active());
  loop_thread = std::thread([this] { EngineLoop(); });
  if (polymarket_gateway != nullptr && polymarket_user_ws.has_value() && user_stream == nullptr) {
    // Pushed fills reach the engine at once; polling (every poll_interval) still runs and
    // covers what the channel missed while it was down, so no on_subscribed hook is needed.
    PolymarketUserStream::Options stream_options =
        PolymarketUserStream::OptionsFor(*polymarket_gateway, *polymarket_user_ws);
    stream_options.path = polymarket_user_ws_path;
    stream_options.ws.verify_peer = options.tls_verify_venues;
    exec::ExecutionEngine* e = engine.get();
    user_stream = std::make_unique<PolymarketUserStream>(
        std::move(stream_options), &SystemClock::Get(),
        [e](std::string venue_order_id, std::vector<exec::VenueFill> fills) {
          (void)e->OnVenueFills(Venue::kPolymarket, venue_order_id, fills);
        });
    user_stream->Start();
    user_stream_started.store(user_stream.get());
  }
  return absl::OkStatus();
}

void ExecutorApp::Impl::LeaderLoop() {
  const absl::Duration period = options.lease_ttl / 3;
  int64_t last_renew = SystemClock::Get().MonotonicNanos();
  while (!Stopping()) {
    if (!backend.leader.load()) {
      absl::StatusOr<uint64_t> epoch = store->AcquireLease(options.instance_id, options.lease_ttl);
      if (epoch.ok()) {
        last_renew = SystemClock::Get().MonotonicNanos();
        if (absl::Status s = BecomeLeader(*epoch); !s.ok()) {
          ARBOR_LOG(kError, "executor", "recovery failed; releasing the lease")
              .Field("error", std::string(s.message()));
          (void)store->ReleaseLease(options.instance_id, *epoch);
          store->SetFencingEpoch(0);
        }
      }
      Sleep(period);
      continue;
    }
    if (!Sleep(period)) break;
    const absl::Status renewed =
        store->RenewLease(options.instance_id, backend.epoch.load(), options.lease_ttl);
    const int64_t now = SystemClock::Get().MonotonicNanos();
    if (renewed.ok()) {
      last_renew = now;
      continue;
    }
    if (absl::IsFailedPrecondition(renewed) ||
        now - last_renew > absl::ToInt64Nanoseconds(options.lease_ttl)) {
      // Another executor may lead now. Crash-only: stop trading and exit; the restart comes
      // back as a standby. The fencing epoch already refuses our writes.
      ARBOR_LOG(kError, "executor", "leadership lost; exiting")
          .Field("error", std::string(renewed.message()));
      if (engine != nullptr) engine->StopAccepting();
      backend.leader.store(false);
      std::_Exit(3);
    }
  }
}

void ExecutorApp::Impl::EngineLoop() {
  while (!Stopping()) {
    engine->WaitForWork(options.engine.poll_interval);
    engine->Step();
  }
}

void ExecutorApp::Impl::ScannerLoop() {
  auto channel = grpc::CreateChannel(options.scanner_address, grpc::InsecureChannelCredentials());
  auto stub = v1::Scanner::NewStub(channel);
  absl::Duration backoff = absl::Milliseconds(200);
  while (!Stopping()) {
    auto context = std::make_shared<grpc::ClientContext>();
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) break;
      scanner_context = context;
    }
    v1::StreamOpportunitiesRequest request;
    request.set_subscriber_id(options.instance_id);
    std::unique_ptr<grpc::ClientReader<v1::OpportunityUpdate>> reader =
        stub->StreamOpportunities(context.get(), request);
    v1::OpportunityUpdate update;
    while (reader->Read(&update)) {
      backoff = absl::Milliseconds(200);
      if (!update.has_opportunity()) continue;
      exec::ExecutionEngine* e = backend.engine.load();
      if (e == nullptr || !backend.leader.load()) continue;
      books.AddOpportunity(update.opportunity());
      absl::StatusOr<exec::SubmitResult> result =
          e->Submit(update.opportunity(), 0, absl::StrCat("scanner ", options.scanner_address));
      if (!result.ok()) {
        ARBOR_LOG(kWarning, "executor", "scanner opportunity not submitted")
            .Field("opportunity", update.opportunity().opportunity_id())
            .Field("error", std::string(result.status().message()));
      }
    }
    const grpc::Status status = reader->Finish();
    if (Stopping()) break;
    ARBOR_LOG(kWarning, "executor", "scanner stream ended; reconnecting")
        .Field("error", status.error_message());
    Sleep(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

void ExecutorApp::Impl::HousekeepingLoop() {
  int64_t last_balance = 0;
  int64_t day = absl::ToUnixSeconds(absl::Now()) / 86'400;
  while (Sleep(absl::Seconds(1))) {
    exec::ExecutionEngine* e = backend.engine.load();
    const bool leader = backend.leader.load();
    // The daily loss cap is per UTC day.
    if (const int64_t today = absl::ToUnixSeconds(absl::Now()) / 86'400; today != day) {
      day = today;
      if (e != nullptr) e->StartNewDay();
    }
    if (e != nullptr) {
      uint32_t engaged = 0;
      for (const auto& ks : e->kill_switches()) engaged += ks.engaged() ? 1 : 0;
      metrics->Update(e->Stats(), e->RiskFigures(), leader, ExecutorHealth(backend).ready(),
                      e->safe_mode(), engaged, e->TakeLatencies());
    }
    if (const PolymarketUserStream* stream = user_stream_started.load(); stream != nullptr) {
      metrics->UpdateUserChannel(stream->stats());
    }
    const int64_t now = SystemClock::Get().MonotonicNanos();
    if (leader && now - last_balance >= absl::ToInt64Nanoseconds(options.balance_refresh)) {
      last_balance = now;
      for (const auto& gw : gateways) {
        absl::StatusOr<exec::CashBalance> cash = gw->Balance();
        if (!cash.ok()) continue;
        v1::Balance balance;
        balance.set_venue(gw->venue() == Venue::kKalshi ? v1::VENUE_KALSHI : v1::VENUE_POLYMARKET);
        balance.set_asset("USD");
        balance.set_total_micros(cash->total_micros);
        balance.set_available_micros(cash->available_micros);
        balance.set_reserved_micros(cash->total_micros - cash->available_micros);
        balance.set_mode(options.mode == "paper" ? v1::TRADING_MODE_PAPER : v1::TRADING_MODE_LIVE);
        balance.set_updated_unix_nanos(absl::ToUnixNanos(absl::Now()));
        balance.set_reconciled_unix_nanos(balance.updated_unix_nanos());
        (void)store->UpsertBalance(balance);
      }
    }
  }
}

absl::StatusOr<std::unique_ptr<ExecutorApp>> ExecutorApp::Create(ExecutorOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.mode != "paper" && options.mode != "sim" && options.mode != "live") {
    return absl::InvalidArgumentError("--mode must be paper, sim or live");
  }
  if (options.pg_conninfo.empty()) return absl::InvalidArgumentError("--pg is required");
  if (options.instance_id.empty()) return absl::InvalidArgumentError("--instance_id is empty");
  if (options.lease_ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--lease_ttl must be at least 1s");
  }
  const bool mtls = !options.tls_client_ca_file.empty();
  if (options.auth_token_file.empty() && !mtls) {
    return absl::InvalidArgumentError(
        "authentication is required: --auth_token_file, or --tls_cert_file/--tls_key_file with "
        "--tls_client_ca_file (mTLS)");
  }
  if (mtls && (options.tls_cert_file.empty() || options.tls_key_file.empty())) {
    return absl::InvalidArgumentError(
        "--tls_client_ca_file needs --tls_cert_file and --tls_key_file");
  }
  impl->pg_conninfo = options.pg_conninfo;
  if (!options.pg_password_file.empty()) {
    absl::StatusOr<std::string> password =
        ReadSecret(options.pg_password_file, "PostgreSQL password");
    if (!password.ok()) return password.status();
    // libpq keyword values are single-quoted with \' and \\ escaped.
    std::string escaped;
    for (char c : absl::StripAsciiWhitespace(*password)) {
      if (c == '\'' || c == '\\') escaped.push_back('\\');
      escaped.push_back(c);
    }
    absl::StrAppend(&impl->pg_conninfo, " password='", escaped, "'");
  }
  if (options.mode != "paper") {
    if (!options.polymarket_clob_url.empty()) {
      absl::StatusOr<std::string> key = ReadSecret(options.polymarket_key_file, "Polymarket key");
      if (!key.ok()) return key.status();
      impl->polymarket_key = std::string(absl::StripAsciiWhitespace(*key));
    }
    if (!options.kalshi_url.empty()) {
      absl::StatusOr<std::string> id = ReadSecret(options.kalshi_key_id_file, "Kalshi key id");
      if (!id.ok()) return id.status();
      impl->kalshi_key_id = std::string(absl::StripAsciiWhitespace(*id));
      absl::StatusOr<std::string> pem =
          ReadSecret(options.kalshi_private_key_file, "Kalshi private key");
      if (!pem.ok()) return pem.status();
      impl->kalshi_key_pem = *std::move(pem);
    }
  } else if (absl::Status s = exec::PaperFillModel::Validate(options.paper); !s.ok()) {
    return s;
  }
  if (!options.limits_file.empty()) {
    absl::StatusOr<std::string> json = ReadSecret(options.limits_file, "limits");
    if (!json.ok()) return json.status();
    v1::PolicyLimits limits;
    if (auto s = google::protobuf::util::JsonStringToMessage(*json, &limits); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--limits_file ", options.limits_file, ": ", s.ToString()));
    }
    if (absl::Status s = ValidatePolicyLimits(limits); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--limits_file ", options.limits_file, ": ", s.message()));
    }
    impl->initial_limits = limits;
  }
  impl->options = std::move(options);
  return std::unique_ptr<ExecutorApp>(new ExecutorApp(std::move(impl)));
}

ExecutorApp::ExecutorApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ExecutorApp::~ExecutorApp() { Stop(); }

absl::Status ExecutorApp::Start() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.started) return absl::FailedPreconditionError("already started");
    s.started = true;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> store = store::Store::Open(s.pg_conninfo);
  if (!store.ok()) return store.status();
  s.store = *std::move(store);
  s.risk = std::make_unique<risk::RiskEngine>(SystemClock::Get(), risk::Limits{});
  if (!s.options.feed_addresses.empty()) {
    s.book_cache = std::make_unique<scanner::BookCache>(&SystemClock::Get());
    scanner::ShardedBookSourceOptions feed_options;
    feed_options.addresses = s.options.feed_addresses;
    feed_options.subscriber.subscriber_id = s.options.instance_id;
    feed_options.subscriber.clock = &SystemClock::Get();
    s.book_feed = std::make_unique<scanner::ShardedBookSource>(s.book_cache.get(), feed_options);
    s.feed_books = std::make_unique<FeedBooks>(s.book_cache.get());
    s.book_feed->Start();
  }
  if (absl::Status st = s.BuildGateways(); !st.ok()) return st;
  s.metrics = std::make_unique<ExecutorMetrics>(*s.registry);

  s.backend.store = s.store.get();
  for (const auto& gw : s.gateways) s.backend.gateways.push_back(gw.get());
  s.backend.mode = s.options.mode == "paper" ? v1::TRADING_MODE_PAPER : v1::TRADING_MODE_LIVE;
  s.backend.run_mode = s.options.mode == "paper" ? v1::RUN_MODE_PAPER
                       : s.options.mode == "sim" ? v1::RUN_MODE_SIMULATOR
                                                 : v1::RUN_MODE_LIVE;
  s.backend.instance_id = s.options.instance_id;
  s.backend.started_unix_nanos = absl::ToUnixNanos(absl::Now());
  if (s.options.mode == "paper") {
    s.backend.on_opportunity = [&s](const v1::Opportunity& o) { s.books.AddOpportunity(o); };
  }
  s.auth = std::make_unique<Authenticator>(s.options.auth_token_file, *s.registry);
  if (absl::Status st = s.auth->Load(); !st.ok()) return st;
  s.executor_service = std::make_unique<ExecutorServiceImpl>(&s.backend, s.auth.get());
  s.control_service = std::make_unique<ControlServiceImpl>(&s.backend, s.auth.get());

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!s.options.tls_cert_file.empty()) {
    grpc::SslServerCredentialsOptions ssl(
        s.options.tls_client_ca_file.empty()
            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    absl::StatusOr<std::string> cert = ReadSecret(s.options.tls_cert_file, "TLS certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadSecret(s.options.tls_key_file, "TLS key");
    if (!key.ok()) return key.status();
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!s.options.tls_client_ca_file.empty()) {
      absl::StatusOr<std::string> ca = ReadSecret(s.options.tls_client_ca_file, "client CA");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
    }
    credentials = grpc::SslServerCredentials(ssl);
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(s.options.grpc_listen, credentials, &s.grpc_port);
  builder.RegisterService(s.executor_service.get());
  builder.RegisterService(s.control_service.get());
  s.grpc_server = builder.BuildAndStart();
  if (s.grpc_server == nullptr || s.grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --grpc_listen ", s.options.grpc_listen));
  }
  ops::OpsServerOptions ops_options;
  ops_options.bind_address = s.options.ops_address;
  ops_options.port = static_cast<uint16_t>(s.options.ops_port);
  ops_options.readiness = [this] { return Ready(); };
  s.ops = std::make_unique<ops::OpsServer>(ops_options);
  s.ops->AddCollectable(s.registry);
  if (absl::Status st = s.ops->Start(); !st.ok()) return st;

  s.leader_thread = std::thread([&s] { s.LeaderLoop(); });
  s.housekeeping_thread = std::thread([&s] { s.HousekeepingLoop(); });
  if (!s.options.scanner_address.empty()) s.scanner_thread = std::thread([&s] { s.ScannerLoop(); });
  ARBOR_LOG(kInfo, "executor", "serving")
      .Field("grpc_port", static_cast<int64_t>(s.grpc_port))
      .Field("ops_port", static_cast<int64_t>(s.ops->port()))
      .Field("mode", s.options.mode);
  return absl::OkStatus();
}

void ExecutorApp::Stop() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (!s.started || s.stopped) return;
    s.stopped = true;
  }
  // Graceful: no new risk, then let in-flight legs finish (bounded), then hand over.
  if (s.engine != nullptr) {
    s.engine->StopAccepting();
    const int64_t deadline =
        SystemClock::Get().MonotonicNanos() + absl::ToInt64Nanoseconds(s.options.drain_timeout);
    while (s.engine->open_executions() > 0 && SystemClock::Get().MonotonicNanos() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stopping = true;
    if (s.scanner_context != nullptr) s.scanner_context->TryCancel();
  }
  s.cv.notify_all();
  if (s.leader_thread.joinable()) s.leader_thread.join();
  // After the leader thread (which creates it); no pushed fill reaches the engine after this.
  if (s.user_stream != nullptr) s.user_stream->Stop();
  if (s.loop_thread.joinable()) s.loop_thread.join();
  if (s.scanner_thread.joinable()) s.scanner_thread.join();
  if (s.housekeeping_thread.joinable()) s.housekeeping_thread.join();
  if (s.backend.leader.load() && s.store != nullptr) {
    (void)s.store->ReleaseLease(s.options.instance_id, s.backend.epoch.load());
  }
  if (s.grpc_server != nullptr) s.grpc_server->Shutdown();
  if (s.ops != nullptr) s.ops->Stop();
  if (s.book_feed != nullptr) s.book_feed->Stop();
}

int ExecutorApp::grpc_port() const { return impl_->grpc_port; }
int ExecutorApp::ops_port() const { return impl_->ops != nullptr ? impl_->ops->port() : 0; }

absl::Status ExecutorApp::Ready() const {
  const v1::ComponentHealth health = ExecutorHealth(impl_->backend);
  if (health.ready()) return absl::OkStatus();
  for (const v1::HealthCheck& check : health.checks()) {
    if (!check.ok()) return absl::UnavailableError(check.message());
  }
  return absl::UnavailableError("not ready");
}

}  // namespace arbor::executor
