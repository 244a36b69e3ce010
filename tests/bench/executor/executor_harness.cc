// executor_harness: the executor's order path measured end to end against real parts — a
// throwaway PostgreSQL cluster (fsync and synchronous_commit on), the arbor-venue-sim process
// (Polymarket CLOB over HTTP, EIP-712 V2 signature recovery), and the production ExecutionEngine
// with the production PolymarketGateway behind its GuardedGateway. Each execution is a two-leg
// binary bundle of FAK buys priced below the book (the venue accepts and kills them, so the book
// is never depleted and every run is comparable).
//
// It prints, over --executions sequential executions:
//   submit      Submit(): validation + pre-trade risk + intent committed (fsync'd)
//   to_venue    Submit() start -> the venue's answer to the signed POST /orders is back
//               (includes the EIP-712 signing; nothing is written between the intent and
//               the send, the SUBMITTED rows follow the venue's answer)
//   close       Submit() start -> execution closed with every report persisted
// as p50 / p90 / p99 / max, then sustained executions per second over --seconds with
// --batch executions submitted per engine cycle. Not a Google Benchmark; not run by ctest.
//
//   executor_harness --sim BIN --scenario FILE [--executions 500] [--seconds 10] [--batch 8]
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/exec/execution_engine.h"
#include "arbor/exec/guarded_gateway.h"
#include "arbor/executor/polymarket_gateway.h"
#include "arbor/net/http_client.h"
#include "arbor/risk/risk_engine.h"
#include "arbor/store/store.h"
#include "arbor/testing/child_process.h"
#include "arbor/testing/postgres_cluster.h"
#include "arbor/venue/polymarket/public_client.h"

namespace {

using namespace arbor;  // NOLINT(build/namespaces): a harness main

// Records when each Place() returns (the venue has answered the signed order).
class TimedGateway final : public exec::VenueGateway {
 public:
  explicit TimedGateway(exec::VenueGateway* inner) : inner_(inner) {}
  Venue venue() const override { return inner_->venue(); }
  std::vector<exec::VenueOrderReport> Place(absl::Span<const exec::OrderRequest> o) override {
    auto r = inner_->Place(o);
    absl::MutexLock lock(&mu_);
    last_place_return_ = SystemClock::Get().MonotonicNanos();
    return r;
  }
  exec::VenueOrderReport Cancel(const exec::OrderRequest& o, std::string_view id) override {
    return inner_->Cancel(o, id);
  }
  absl::StatusOr<exec::VenueOrderReport> Query(const exec::OrderRequest& o,
                                               std::string_view id) override {
    return inner_->Query(o, id);
  }
  absl::StatusOr<std::vector<exec::VenueOrderReport>> OpenOrders() override {
    return inner_->OpenOrders();
  }
  absl::StatusOr<exec::CashBalance> Balance() override { return inner_->Balance(); }
  int64_t last_place_return() {
    absl::MutexLock lock(&mu_);
    return last_place_return_;
  }

 private:
  exec::VenueGateway* inner_;
  absl::Mutex mu_;
  int64_t last_place_return_ = 0;
};

std::string Flag(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return def;
}

void Print(const char* name, std::vector<int64_t> ns) {
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    return static_cast<double>(ns[std::min(ns.size() - 1, static_cast<size_t>(q * ns.size()))]) /
           1e6;
  };
  std::printf("%-10s n=%zu  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n", name, ns.size(),
              at(0.50), at(0.90), at(0.99), static_cast<double>(ns.back()) / 1e6);
}

v1::Opportunity Bundle(const std::string& id, const std::string& yes, const std::string& no) {
  v1::Opportunity o;
  o.set_opportunity_id(id);
  o.set_lane(v1::LANE_BINARY);
  o.set_size_sets_micros(1'000'000);
  o.set_worst_case_payoff_micros(1'000'000);
  o.set_guaranteed(true);
  o.set_expected_profit_micros(1);
  o.set_confidence(1.0);
  o.add_event_ids("bench");
  for (int i = 0; i < 2; ++i) {
    v1::OpportunityLeg* leg = o.add_legs();
    leg->set_leg_index(static_cast<uint32_t>(i));
    leg->set_action(v1::LEG_ACTION_ORDER);
    leg->mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
    leg->mutable_instrument_id()->set_symbol(i == 0 ? yes : no);
    leg->set_side(v1::SIDE_BUY);
    leg->set_limit_price_micros(10'000);  // far below the book: accepted, then killed (FAK)
    leg->set_expected_vwap_micros(10'000);
    leg->set_size_micros(1'000'000);
    leg->set_time_in_force(v1::TIME_IN_FORCE_IOC);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const std::string sim_bin = Flag(argc, argv, "sim", "");
  const std::string scenario = Flag(argc, argv, "scenario", "");
  int executions = 500, seconds = 10, batch = 8;
  (void)absl::SimpleAtoi(Flag(argc, argv, "executions", "500"), &executions);
  (void)absl::SimpleAtoi(Flag(argc, argv, "seconds", "10"), &seconds);
  (void)absl::SimpleAtoi(Flag(argc, argv, "batch", "8"), &batch);
  if (sim_bin.empty() || scenario.empty()) {
    std::fprintf(stderr, "usage: executor_harness --sim BIN --scenario FILE [...]\n");
    return 1;
  }
  auto pg = testing::PostgresCluster::Start();
  if (!pg.ok()) {
    std::fprintf(stderr, "postgres: %s\n", std::string(pg.status().message()).c_str());
    return 2;
  }
  auto sim =
      testing::ChildProcess::Start({sim_bin, "--scenario", scenario, "--step-ms", "3600000"});
  if (!sim.ok()) return 2;
  auto ready = sim->ReadLine();
  if (!ready.ok()) return 2;
  const net::Origin clob{.tls = false,
                         .host = "127.0.0.1",
                         .port = static_cast<uint16_t>(testing::JsonIntField(*ready, "clob_port"))};
  const net::Origin gamma{
      .tls = false,
      .host = "127.0.0.1",
      .port = static_cast<uint16_t>(testing::JsonIntField(*ready, "gamma_port"))};
  auto http = net::HttpClient::Create({});
  if (!http.ok()) return 2;
  venue::polymarket::PublicClient pub(http->get(), clob, gamma);
  auto markets = pub.GetGammaMarkets(0, 50);
  std::string yes, no;
  for (const auto& m : markets.value_or(std::vector<venue::polymarket::GammaMarket>{})) {
    if (!m.neg_risk && m.clob_token_ids.size() == 2 &&
        m.order_price_min_tick_size == *Price::Parse("0.01")) {
      yes = m.clob_token_ids[0];
      no = m.clob_token_ids[1];
      break;
    }
  }
  if (yes.empty()) {
    std::fprintf(stderr, "no market\n");
    return 2;
  }
  auto store = store::Store::Open((*pg)->conninfo());
  if (!store.ok()) return 2;
  auto epoch = (*store)->AcquireLease("bench", absl::Minutes(10));
  (*store)->SetFencingEpoch(*epoch);
  const Clock* clock = &SystemClock::Get();
  executor::PolymarketGatewayConfig config;
  config.clob = clob;
  config.private_key_hex = "0x7777777777777777777777777777777777777777777777777777777777777777";
  auto venue_gw = executor::PolymarketGateway::Create(http->get(), clock, std::move(config));
  if (!venue_gw.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(venue_gw.status().message()).c_str());
    return 2;
  }
  exec::GuardedGateway guarded(
      venue_gw->get(), clock,
      net::RateGovernorOptions{
          .initial_rate = 100000, .min_rate = 1, .max_rate = 100000, .burst = 100000},
      net::CircuitBreakerOptions{});
  TimedGateway timed(&guarded);
  risk::Limits limits;
  limits.max_order_size_micros = limits.max_order_notional_micros = 1'000'000'000'000;
  limits.price_tolerance_micros = limits.unwind_price_tolerance_micros = 1'000'000;
  limits.max_book_age_nanos = int64_t{1} << 60;
  limits.max_venue_exposure_micros = limits.max_event_exposure_micros =
      limits.max_cluster_exposure_micros = 1'000'000'000'000;
  limits.max_open_executions = 100'000;
  limits.daily_loss_cap_micros = 1'000'000'000'000;
  limits.drawdown_reduce_micros = limits.drawdown_halt_micros = 1'000'000'000'000;
  risk::RiskEngine risk(*clock, limits);
  exec::EngineConfig engine_config;
  engine_config.mode = v1::TRADING_MODE_LIVE;
  engine_config.poll_interval = absl::ZeroDuration();
  exec::ExecutionEngine engine(store->get(), &risk, {{Venue::kPolymarket, &timed}}, clock,
                               engine_config);
  if (!engine.Recover().ok()) return 2;

  std::vector<int64_t> submit_ns, venue_ns, close_ns;
  for (int i = 0; i < executions + 20; ++i) {
    const int64_t t0 = clock->MonotonicNanos();
    auto r = engine.Submit(Bundle(absl::StrCat("seq-", i), yes, no), 0, "bench");
    const int64_t t1 = clock->MonotonicNanos();
    if (!r.ok() || r->outcome != v1::SUBMIT_OUTCOME_ACCEPTED) {
      std::fprintf(
          stderr, "submit failed: %s\n",
          r.ok() ? r->denial.message().c_str() : std::string(r.status().message()).c_str());
      return 3;
    }
    while (engine.open_executions() > 0) engine.Step();
    const int64_t t2 = clock->MonotonicNanos();
    if (i < 20) continue;  // warm-up: connections, prepared caches
    submit_ns.push_back(t1 - t0);
    venue_ns.push_back(timed.last_place_return() - t0);
    close_ns.push_back(t2 - t0);
  }
  std::printf("executor order path (2-leg bundle, PostgreSQL fsync on, arbor-venue-sim):\n");
  Print("submit", submit_ns);
  Print("to_venue", venue_ns);
  Print("close", close_ns);

  int64_t done = 0;
  const int64_t end = clock->MonotonicNanos() + int64_t{seconds} * 1'000'000'000;
  const int64_t start = clock->MonotonicNanos();
  while (clock->MonotonicNanos() < end) {
    for (int b = 0; b < batch; ++b) {
      auto r = engine.Submit(Bundle(absl::StrCat("sus-", done + b), yes, no), 0, "bench");
      if (!r.ok() || r->outcome != v1::SUBMIT_OUTCOME_ACCEPTED) return 3;
    }
    while (engine.open_executions() > 0) engine.Step();
    done += batch;
  }
  const double elapsed = static_cast<double>(clock->MonotonicNanos() - start) / 1e9;
  std::printf("sustained: %lld executions (%lld orders) in %.1f s = %.0f executions/s (batch %d)\n",
              static_cast<long long>(done), static_cast<long long>(2 * done), elapsed,
              static_cast<double>(done) / elapsed, batch);
  sim->Stop(SIGTERM);
  return 0;
}
