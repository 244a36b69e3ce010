// RunReplay (replay_runner.h): the scanner's lane loop and the executor's scanner subscription,
// single-threaded on a simulated clock driven by the capture.
#include "replay_runner.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/status_macros.h"
#include "arbor/exec/execution_engine.h"
#include "arbor/exec/paper_gateway.h"
#include "arbor/executor/feed_books.h"
#include "arbor/executor/policy_limits.h"
#include "arbor/feed/capture.h"
#include "arbor/risk/risk_engine.h"
#include "arbor/scanner/book_cache.h"
#include "arbor/scanner/cache_book_reader.h"
#include "arbor/scanner/opportunity_board.h"
#include "arbor/scanner/scan_engine.h"
#include "arbor/scanner/settle_gate.h"
#include "arbor/scanner/touch_queue.h"
#include "arbor/store/store.h"
#include "arbor/v1/feed_service.pb.h"
#include "google/protobuf/util/json_util.h"
#include "replay_session.h"

namespace arbor::arborctl {
namespace {

// The executor loop's cadence in capture time: between records, timers (leg windows, polls of
// resting orders, the settle gate) fire at least this often.
constexpr absl::Duration kStepInterval = absl::Milliseconds(50);
// arbor-scanner's --full_rescan_interval default.
constexpr absl::Duration kFullRescan = absl::Seconds(30);
constexpr int64_t kProgressEvery = 256;

absl::StatusOr<v1::ListMarketsResponse> ReadCatalog(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read catalog snapshot '", path, "'"));
  std::stringstream text;
  text << in.rdbuf();
  v1::ListMarketsResponse catalog;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (auto s = google::protobuf::util::JsonStringToMessage(text.str(), &catalog, options);
      !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.ToString()));
  }
  return catalog;
}

struct CaptureExtent {
  int64_t records = 0;
  int64_t first_unix_nanos = 0;
  int64_t last_unix_nanos = 0;
};

absl::StatusOr<CaptureExtent> MeasureCapture(const std::string& path) {
  ARBOR_ASSIGN_OR_RETURN(std::unique_ptr<feed::CaptureReader> reader,
                         feed::CaptureReader::Open(path));
  CaptureExtent extent;
  feed::CaptureRecord record;
  while (true) {
    ARBOR_ASSIGN_OR_RETURN(bool more, reader->Next(&record));
    if (!more) break;
    if (extent.records == 0) extent.first_unix_nanos = record.recv_unix_ns;
    extent.last_unix_nanos = std::max(extent.last_unix_nanos, record.recv_unix_ns);
    ++extent.records;
  }
  if (extent.records == 0) {
    return absl::InvalidArgumentError(absl::StrCat("capture '", path, "' holds no records"));
  }
  return extent;
}

}  // namespace

std::string CaptureDirectory(const std::string& capture) {
  struct stat st {};
  if (::stat(capture.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return capture;
  const size_t slash = capture.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : capture.substr(0, slash);
}

absl::StatusOr<ReplayResult> RunReplay(const ReplayConfig& config,
                                       const std::function<void(const ReplayProgress&)>& progress) {
  if (config.cross_venue && !config.mapping.has_value()) {
    return absl::InvalidArgumentError("the cross_venue lane needs a venue mapping (--mapping)");
  }
  if (config.speed < 0) return absl::InvalidArgumentError("speed must be >= 0");
  ARBOR_ASSIGN_OR_RETURN(executor::AppliedLimits applied, executor::ToAppliedLimits(config.limits));
  if (absl::Status s = exec::PaperFillModel::Validate(config.paper); !s.ok()) return s;

  const std::string catalog_dir =
      !config.catalog_dir.empty() ? config.catalog_dir : CaptureDirectory(config.capture);
  ARBOR_ASSIGN_OR_RETURN(std::vector<feed::CatalogSnapshotFile> catalogs,
                         feed::ListCatalogSnapshots(catalog_dir));
  if (catalogs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no catalog snapshot (catalog-*.json) in '",
                                                   catalog_dir,
                                                   "': captures of arbor-feed write one beside the "
                                                   "frames; give the directory with --catalog"));
  }
  ARBOR_ASSIGN_OR_RETURN(CaptureExtent extent, MeasureCapture(config.capture));
  const int64_t t0 = std::min(catalogs.front().unix_nanos, extent.first_unix_nanos);

  // ---- The scanner, as arbor-scanner wires it ----
  SimulatedClock clock(absl::FromUnixNanos(t0));
  auto mono_of = [t0](int64_t unix_nanos) { return unix_nanos - t0; };
  scanner::BookCache cache(&clock);
  scanner::TouchQueue touched;
  cache.AddListener(&touched);
  ReplayBookFeed feed(&cache, &clock);
  scanner::CacheBookReader reader(&cache);
  scanner::ScanEngineOptions engine_options;
  engine_options.scanner_id = "replay";
  engine_options.binary_enabled = config.binary;
  engine_options.negrisk_enabled = config.negrisk;
  engine_options.cross_venue_enabled = config.cross_venue;
  if (config.cross_venue) engine_options.mapping = *config.mapping;
  for (lanes::LaneConfig* lane :
       {&engine_options.binary, &engine_options.negrisk, &engine_options.cross_venue}) {
    if (config.min_edge) lane->min_edge_per_set = *config.min_edge;
    if (config.min_profit) lane->min_profit = *config.min_profit;
    if (config.max_edge) lane->max_edge_per_set = *config.max_edge;
  }
  if (config.max_edge) engine_options.cross_venue_gates.max_edge_per_set = *config.max_edge;
  const absl::Duration max_book_age = engine_options.binary.max_book_age;
  scanner::ScanEngine scan(&reader, &clock, std::move(engine_options));
  scanner::SettleGate gate(config.settle, [&cache](const lanes::InstrumentKey& k) -> int64_t {
    scanner::BookViewPtr view = cache.Find(scanner::ToBookKey(k));
    return view == nullptr ? 0 : view->updated_mono_nanos;
  });
  scanner::OpportunityBoard board;
  const scanner::OpportunityBoard::BookHealthFn healthy =
      [&cache, max_book_age](const lanes::InstrumentKey& k) {
        return cache.IsFresh(scanner::ToBookKey(k), max_book_age);
      };

  // ---- The executor, as arbor-executor --mode=paper --feeds wires it ----
  ARBOR_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store,
                         store::Store::Open(config.pg_conninfo));
  {
    store::ExecutionQuery any;
    any.page_size = 1;
    ARBOR_ASSIGN_OR_RETURN(store::Page<v1::Execution> existing, store->ListExecutions(any));
    if (!existing.items.empty()) {
      return absl::FailedPreconditionError(
          "the replay database already holds executions: a replay needs an empty database (the "
          "replay command creates a fresh one per run)");
    }
  }
  ARBOR_ASSIGN_OR_RETURN(uint64_t epoch, store->AcquireLease("replay", absl::Hours(24)));
  store->SetFencingEpoch(epoch);
  risk::RiskEngine risk(clock, risk::Limits{});
  executor::FeedBooks books(&cache);
  exec::PaperGateway polymarket(Venue::kPolymarket, config.paper, config.seed, &books, &clock);
  exec::PaperGateway kalshi(Venue::kKalshi, config.paper, config.seed + 1, &books, &clock);
  exec::EngineConfig exec_config;
  exec_config.mode = v1::TRADING_MODE_PAPER;
  exec_config.instance_id = "replay";
  exec_config.max_unwind_loss_per_unit_micros = config.max_unwind_loss_micros;
  exec::ExecutionEngine engine(store.get(), &risk,
                               {{Venue::kPolymarket, &polymarket}, {Venue::kKalshi, &kalshi}},
                               &clock, exec_config);
  engine.SetBookSource(&books);
  engine.ApplyRiskLimits(applied.risk);
  engine.SetLegPolicy(applied.leg_window, applied.leg_policy, applied.max_unhedged_exposure_micros);
  ARBOR_RETURN_IF_ERROR(engine.Recover());

  ReplayResult result;
  std::map<std::pair<std::string, std::string>, int64_t> skips;  // (lane, reason) -> count
  std::vector<v1::Opportunity> published;

  auto submit = [&](const v1::Opportunity& o) {
    absl::StatusOr<exec::SubmitResult> r = engine.Submit(o, 0, "replay");
    const std::string lane = scanner::LaneName(o.lane());
    if (!r.ok()) {
      ++result.submit_errors;
      ++skips[{lane, absl::StrCat("submit_error:",
                                  EnumSuffix(absl::StatusCodeToString(r.status().code()), ""))}];
      return;
    }
    switch (r->outcome) {
      case v1::SUBMIT_OUTCOME_ACCEPTED:
        ++result.accepted;
        break;
      case v1::SUBMIT_OUTCOME_DUPLICATE:
        ++result.duplicates;
        break;
      default:
        ++result.denied;
        break;
    }
  };
  // One pass's output through the settle gate to the board (ScannerApp's lane loop), then every
  // newly published opportunity to the executor (ExecutorApp's scanner subscription).
  auto publish = [&](scanner::ScanResult pass, std::vector<lanes::InstrumentKey> keys, bool full) {
    const int64_t now_mono = clock.MonotonicNanos();
    scanner::SettleGate::Split split = gate.Filter(std::move(pass.opportunities), now_mono);
    if (!split.held_sources.empty()) {
      if (full) {
        keys = scan.Instruments();
        full = false;
      }
      std::sort(keys.begin(), keys.end());
      std::vector<lanes::InstrumentKey> judged;
      std::set_difference(keys.begin(), keys.end(), split.held_sources.begin(),
                          split.held_sources.end(), std::back_inserter(judged));
      keys = std::move(judged);
    }
    published.clear();
    board.Apply(keys, full, std::move(split.ready), absl::ToUnixNanos(clock.Now()), healthy,
                &published);
    result.opportunities += static_cast<int64_t>(published.size());
    for (const v1::Opportunity& o : published) submit(o);
  };
  std::vector<scanner::BookKey> drained;
  auto evaluate_touched = [&]() {
    std::vector<lanes::InstrumentKey> instruments = gate.TakeDue(clock.MonotonicNanos());
    touched.Drain(&drained);
    for (const scanner::BookKey& k : drained) instruments.push_back(scanner::ToInstrumentKey(k));
    if (instruments.empty()) return;
    std::sort(instruments.begin(), instruments.end());
    instruments.erase(std::unique(instruments.begin(), instruments.end()), instruments.end());
    scanner::ScanResult pass = scan.OnBooksChanged(instruments);
    publish(std::move(pass), std::move(instruments), false);
  };
  int64_t day = t0 / (int64_t{86'400} * 1'000'000'000);
  int64_t last_step = clock.MonotonicNanos();
  int64_t last_full = clock.MonotonicNanos();
  bool catalog_loaded = false;
  // The executor's loop and the lane loop's timers for the current instant.
  auto tick = [&]() {
    const int64_t now_unix = absl::ToUnixNanos(clock.Now());
    if (const int64_t today = now_unix / (int64_t{86'400} * 1'000'000'000); today != day) {
      day = today;
      engine.StartNewDay();
    }
    if (catalog_loaded) {
      evaluate_touched();
      if (clock.MonotonicNanos() - last_full >= absl::ToInt64Nanoseconds(kFullRescan)) {
        publish(scan.EvaluateAll(), {}, true);
        last_full = clock.MonotonicNanos();
      }
    }
    board.Expire(now_unix);
    engine.Step();
    last_step = clock.MonotonicNanos();
  };
  // Fires the timers due strictly before capture time `t`, then moves the clock to `t`.
  auto advance_to = [&](int64_t t) {
    while (true) {
      const int64_t now = clock.MonotonicNanos();
      int64_t next = last_step + absl::ToInt64Nanoseconds(kStepInterval);
      const absl::Duration gate_wait = gate.UntilNext(now);
      if (gate_wait != absl::InfiniteDuration()) {
        next = std::min(next, now + absl::ToInt64Nanoseconds(gate_wait));
      }
      next = std::max(next, now);
      if (next >= mono_of(t)) break;
      clock.SetTime(absl::FromUnixNanos(t0 + next));
      tick();
    }
    clock.SetTime(absl::FromUnixNanos(t));
  };

  size_t next_catalog = 0;
  auto apply_catalogs = [&](int64_t t) -> absl::Status {
    bool any = false;
    while (next_catalog < catalogs.size() &&
           (catalogs[next_catalog].unix_nanos <= t || !catalog_loaded)) {
      ARBOR_ASSIGN_OR_RETURN(v1::ListMarketsResponse catalog,
                             ReadCatalog(catalogs[next_catalog].path));
      std::vector<v1::Market> markets(catalog.markets().begin(), catalog.markets().end());
      std::vector<v1::Event> events(catalog.events().begin(), catalog.events().end());
      scan.ReplaceCatalog(markets, events);
      catalog_loaded = true;
      any = true;
      ++next_catalog;
      ++result.catalogs;
    }
    if (any) {
      publish(scan.EvaluateAll(), {}, true);
      last_full = clock.MonotonicNanos();
    }
    return absl::OkStatus();
  };

  ReplayProgress report;
  report.records_total = extent.records;
  report.capture_start_unix_nanos = extent.first_unix_nanos;
  report.capture_end_unix_nanos = extent.last_unix_nanos;
  auto notify = [&]() {
    if (!progress) return;
    report.records_done = result.records;
    report.capture_now_unix_nanos = absl::ToUnixNanos(clock.Now());
    report.opportunities = result.opportunities;
    report.executions = result.accepted;
    progress(report);
  };

  ARBOR_ASSIGN_OR_RETURN(std::unique_ptr<feed::CaptureReader> capture,
                         feed::CaptureReader::Open(config.capture));
  const absl::Time wall_start = absl::Now();
  feed::CaptureRecord record;
  while (true) {
    ARBOR_ASSIGN_OR_RETURN(bool more, capture->Next(&record));
    if (!more) break;
    // Records are replayed in file order; a receive time that goes back (two connections'
    // threads) is taken as "now": the clock never moves backwards.
    const int64_t t = std::max(record.recv_unix_ns, absl::ToUnixNanos(clock.Now()));
    if (config.speed > 0) {
      const absl::Time due =
          wall_start +
          absl::Nanoseconds(static_cast<double>(t - extent.first_unix_nanos) / config.speed);
      if (const absl::Duration wait = due - absl::Now(); wait > absl::ZeroDuration()) {
        absl::SleepFor(wait);
      }
    }
    advance_to(t);
    ARBOR_RETURN_IF_ERROR(apply_catalogs(t));
    feed.Apply(record.venue, t, record.frame);
    ++result.records;
    tick();
    if (result.records % kProgressEvery == 0) notify();
  }

  // Let legs in flight finish: keep the executor's loop running in capture time.
  engine.StopAccepting();
  const int64_t drain_end = absl::ToUnixNanos(clock.Now()) + absl::ToInt64Nanoseconds(config.drain);
  while (engine.open_executions() > 0 && absl::ToUnixNanos(clock.Now()) < drain_end) {
    clock.Advance(kStepInterval);
    board.Expire(absl::ToUnixNanos(clock.Now()));
    engine.Step();
  }
  result.open_at_end = engine.open_executions();
  result.feed = feed.stats();
  notify();

  // ---- The session ----
  ReplaySessionInput session;
  session.scenario = config.name;
  session.seed = absl::StrCat(config.seed);
  session.git_commit = config.git_commit;
  session.started_unix_nanos = t0;
  session.ended_unix_nanos = absl::ToUnixNanos(clock.Now());
  store::ExecutionQuery query;
  query.page_size = 1000;
  while (true) {
    ARBOR_ASSIGN_OR_RETURN(store::Page<v1::Execution> page, store->ListExecutions(query));
    for (v1::Execution& e : page.items) session.executions.push_back(std::move(e));
    if (page.next_page_token.empty()) break;
    query.page_token = page.next_page_token;
  }
  for (const v1::Execution& e : session.executions) {
    if (e.state() == v1::EXECUTION_STATE_CLOSED)
      result.realized_pnl_micros += e.realized_pnl_micros();
  }
  for (const auto& [lane, stats] : board.Stats().lanes) {
    session.opportunities[scanner::LaneName(static_cast<v1::Lane>(lane))] =
        static_cast<int64_t>(stats.published);
  }
  const exec::EngineStats stats = engine.Stats();
  for (const auto& [reason, n] : stats.denials_by_reason) {
    session.denials[reason] = static_cast<int64_t>(n);
    skips[{"", absl::StrCat("risk_denied:", reason)}] += static_cast<int64_t>(n);
  }
  for (const auto& [key, n] : skips) {
    session.skips.push_back({.lane = key.first, .reason = key.second, .count = n});
  }
  if (const v1::SafeModeState safe = engine.safe_mode(); safe.active()) {
    session.safe_mode.push_back(
        {.reason = safe.reason().empty() ? "unhedged_exposure" : safe.reason(),
         .started_unix_nanos = safe.entered_unix_nanos()});
  }
  result.session_json = SessionJson(session);
  (void)store->ReleaseLease("replay", epoch);
  return result;
}

}  // namespace arbor::arborctl
