#include "arbor/scanner/scanner_app.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/log.h"
#include "arbor/ops/ops_server.h"
#include "arbor/scanner/book_cache.h"
#include "arbor/scanner/cache_book_reader.h"
#include "arbor/scanner/catalog_fetcher.h"
#include "arbor/scanner/opportunity_board.h"
#include "arbor/scanner/relations_watcher.h"
#include "arbor/scanner/scanner_metrics.h"
#include "arbor/scanner/scanner_service.h"
#include "arbor/scanner/settle_gate.h"
#include "arbor/scanner/touch_queue.h"
#include "prometheus/registry.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

// How often the lane thread wakes without touched books (expiry, catalog mailbox, health).
constexpr absl::Duration kLaneTick = absl::Milliseconds(100);
// Health snapshot / gauge refresh period.
constexpr absl::Duration kHealthPeriod = absl::Milliseconds(250);
// The lane thread must come round this often for /healthz.
constexpr absl::Duration kLivenessBudget = absl::Seconds(30);

}  // namespace

struct ScannerApp::Impl {
  explicit Impl(ScannerOptions o)
      : options(std::move(o)),
        clock(options.clock != nullptr ? options.clock : &SystemClock::Get()),
        cache(clock),
        reader(&cache),
        board(OpportunityBoardOptions{.subscriber_queue = options.subscriber_queue}) {}

  // ---- catalog thread ----
  void CatalogLoop();
  // ---- lane thread ----
  void LaneLoop();
  void PublishHealth(const ScanEngine& engine, bool catalog_loaded);
  v1::GetScannerHealthResponse Health() const;

  const ScannerOptions options;
  const Clock* const clock;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<ScannerMetrics> metrics = std::make_unique<ScannerMetrics>(*registry);
  BookCache cache;
  CacheBookReader reader;
  TouchQueue touched;
  OpportunityBoard board;
  std::unique_ptr<ShardedBookSource> source;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::FeedShard::Stub>> stubs;
  std::unique_ptr<ScannerService> service;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<ops::OpsServer> ops;
  int grpc_port = 0;
  absl::Time started = absl::Now();

  std::thread catalog_thread;
  std::thread lane_thread;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool started_flag = false;
  bool stopped = false;
  // Catalog mailbox: catalog thread -> lane thread.
  std::optional<FetchedCatalog> pending_catalog;
  bool refresh_requested = false;
  absl::Time last_catalog_attempt = absl::InfinitePast();

  // Published by the lane thread for GetHealth / readiness (other threads).
  mutable std::mutex health_mu;
  v1::GetScannerHealthResponse health;
  bool catalog_loaded = false;
  int64_t catalog_updated_unix_nanos = 0;
  std::atomic<int64_t> last_lane_tick_mono{0};
};

void ScannerApp::Impl::CatalogLoop() {
  std::vector<ShardStub> shards;
  for (size_t i = 0; i < stubs.size(); ++i) {
    shards.push_back(ShardStub{options.feed_addresses[i], stubs[i].get()});
  }
  net::Backoff backoff(net::BackoffOptions{.min = absl::Milliseconds(200),
                                           .max = absl::Seconds(10),
                                           .multiplier = 2.0,
                                           .jitter = net::Jitter::kFull},
                       /*seed=*/7);
  std::unique_lock<std::mutex> lock(mu);
  absl::Duration wait = absl::ZeroDuration();
  while (!stopping) {
    cv.wait_for(lock, absl::ToChronoNanoseconds(wait),
                [this] { return stopping || refresh_requested; });
    if (stopping) break;
    refresh_requested = false;
    last_catalog_attempt = clock->Now();
    lock.unlock();
    absl::StatusOr<FetchedCatalog> fetched = FetchCatalog(shards, options.rpc_deadline);
    lock.lock();
    metrics->CatalogRefresh(fetched.ok());
    if (fetched.ok()) {
      ARBOR_LOG(kInfo, "scanner", "catalog fetched")
          .Field("markets", static_cast<int64_t>(fetched->markets.size()))
          .Field("events", static_cast<int64_t>(fetched->events.size()));
      pending_catalog = *std::move(fetched);
      backoff.Reset();
      wait = options.catalog_refresh;
    } else {
      ARBOR_LOG(kWarning, "scanner", "catalog fetch failed")
          .Field("error", std::string(fetched.status().message()));
      wait = backoff.Next();
    }
  }
}

void ScannerApp::Impl::PublishHealth(const ScanEngine& engine, bool loaded) {
  const BookSourceHealth src = source->Health();
  const BoardStats board_stats = board.Stats();
  metrics->UpdateBooks(src);
  metrics->UpdateBoard(board_stats);

  v1::GetScannerHealthResponse r;
  r.set_shards_connected(static_cast<uint32_t>(src.connected));
  r.set_shards_expected(static_cast<uint32_t>(src.shards));
  r.set_books_tracked(static_cast<uint32_t>(src.books.books));
  r.set_books_live(static_cast<uint32_t>(src.books.live));
  r.set_subscribers(static_cast<uint32_t>(board_stats.subscribers));
  for (const std::unique_ptr<ScanLane>& lane : engine.lanes()) {
    v1::LaneHealth* lh = r.add_lanes();
    lh->set_lane(lane->lane());
    lh->set_enabled(true);
    lh->set_evaluations_total(lane->totals().units_evaluated);
    auto it = board_stats.lanes.find(lane->lane());
    if (it != board_stats.lanes.end()) {
      lh->set_opportunities_total(it->second.published);
      lh->set_live_opportunities(it->second.live);
      lh->set_last_opportunity_unix_nanos(it->second.last_published_unix_nanos);
    }
  }
  std::lock_guard<std::mutex> lock(health_mu);
  catalog_loaded = loaded;
  r.set_catalog_updated_unix_nanos(catalog_updated_unix_nanos);
  v1::ComponentHealth* h = r.mutable_health();
  h->set_component("scanner");
  h->set_instance(options.scanner_id);
  h->set_live(true);
  const bool feeds_ok = src.ready();
  const bool ready = feeds_ok && loaded;
  h->set_ready(ready);
  h->set_status(ready ? v1::SERVING_STATUS_SERVING : v1::SERVING_STATUS_NOT_SERVING);
  auto check = [h](const char* name, bool ok, std::string message) {
    v1::HealthCheck* c = h->add_checks();
    c->set_name(name);
    c->set_ok(ok);
    c->set_message(std::move(message));
  };
  // Failing checks first.
  if (!feeds_ok)
    check("FeedsSynced", false, absl::StrCat(src.synced, " of ", src.shards, " shards synced"));
  if (!loaded) check("CatalogLoaded", false, "no catalog loaded yet");
  if (feeds_ok) check("FeedsSynced", true, absl::StrCat(src.shards, " shards synced"));
  if (loaded) check("CatalogLoaded", true, absl::StrCat(engine.market_count(), " markets"));
  h->set_started_unix_nanos(absl::ToUnixNanos(started));
  health = std::move(r);
}

v1::GetScannerHealthResponse ScannerApp::Impl::Health() const {
  std::lock_guard<std::mutex> lock(health_mu);
  v1::GetScannerHealthResponse r = health;
  r.mutable_health()->set_reported_unix_nanos(absl::ToUnixNanos(absl::Now()));
  return r;
}

void ScannerApp::Impl::LaneLoop() {
  ScanEngine engine(&reader, clock, options.engine);
  SettleGate gate(options.settle, [this](const lanes::InstrumentKey& k) -> int64_t {
    BookViewPtr view = cache.Find(ToBookKey(k));
    return view == nullptr ? 0 : view->updated_mono_nanos;
  });
  bool loaded = false;
  int64_t last_full = clock->MonotonicNanos();
  int64_t last_health = 0;
  std::vector<BookKey> keys;
  std::vector<lanes::InstrumentKey> instruments;
  std::vector<v1::Opportunity> published;
  const OpportunityBoard::BookHealthFn healthy = [this](const lanes::InstrumentKey& k) {
    return cache.IsFresh(ToBookKey(k), options.engine.binary.max_book_age);
  };
  // One pass's output through the settle gate to the board. `touched` = the instruments the
  // pass re-evaluated (all of them for a full pass); books with a held opportunity are left out
  // of the board's judgement until their recheck.
  auto publish = [&](ScanResult result, std::vector<lanes::InstrumentKey> touched_keys, bool full,
                     int64_t start_mono) {
    metrics->RecordPass(result, static_cast<double>(clock->MonotonicNanos() - start_mono) / 1e9);
    SettleGate::Split split = gate.Filter(std::move(result.opportunities), clock->MonotonicNanos());
    if (!split.held_sources.empty()) {
      if (full) {
        touched_keys = engine.Instruments();
        full = false;
      }
      std::sort(touched_keys.begin(), touched_keys.end());
      std::vector<lanes::InstrumentKey> judged;
      std::set_difference(touched_keys.begin(), touched_keys.end(), split.held_sources.begin(),
                          split.held_sources.end(), std::back_inserter(judged));
      touched_keys = std::move(judged);
    }
    published.clear();
    board.Apply(touched_keys, full, std::move(split.ready), absl::ToUnixNanos(clock->Now()),
                healthy, &published);
    for (const v1::Opportunity& o : published) metrics->RecordPublished(o);
  };

  // Every lane over everything (catalog swap, relations reload, periodic safety net).
  auto full_pass = [&] {
    const int64_t start = clock->MonotonicNanos();
    publish(engine.EvaluateAll(), {}, true, start);
    last_full = clock->MonotonicNanos();
  };

  // The relations file, watched from this thread so a reload never races a pass.
  std::optional<RelationsWatcher> relations_watch;
  if (!options.relations_file.empty() && options.relations_reload > absl::ZeroDuration()) {
    relations_watch.emplace(options.relations_file);
  }
  int64_t last_relations_check = clock->MonotonicNanos();
  metrics->SetRelationClusters(engine.relation_clusters());

  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) break;
    }
    last_lane_tick_mono.store(clock->MonotonicNanos());
    if (relations_watch.has_value() && clock->MonotonicNanos() - last_relations_check >=
                                           absl::ToInt64Nanoseconds(options.relations_reload)) {
      last_relations_check = clock->MonotonicNanos();
      if (auto changed = relations_watch->Poll(); changed.has_value()) {
        absl::StatusOr<size_t> clusters =
            changed->ok() ? engine.ReplaceRelations(**std::move(changed)) : changed->status();
        metrics->RelationsReload(clusters.ok());
        if (clusters.ok()) {
          metrics->SetRelationClusters(*clusters);
          ARBOR_LOG(kInfo, "scanner", "relations reloaded")
              .Field("file", options.relations_file)
              .Field("clusters", static_cast<int64_t>(*clusters));
          if (loaded) full_pass();
        } else {
          ARBOR_LOG(kWarning, "scanner", "relations reload failed; the old relations stay")
              .Field("file", options.relations_file)
              .Field("error", std::string(clusters.status().message()));
        }
      }
    }
    // A new catalog, swapped in between passes, then everything is re-evaluated.
    std::optional<FetchedCatalog> catalog;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (pending_catalog.has_value()) {
        catalog = std::move(pending_catalog);
        pending_catalog.reset();
      }
    }
    if (catalog.has_value()) {
      CatalogLoadReport report = engine.ReplaceCatalog(catalog->markets, catalog->events);
      metrics->SetCatalog(report.markets);
      metrics->SetRelationClusters(engine.relation_clusters());
      if (report.rejected > 0) {
        ARBOR_LOG(kWarning, "scanner", "catalog entries rejected")
            .Field("rejected", static_cast<int64_t>(report.rejected))
            .Field("first", report.errors.empty() ? std::string() : report.errors.front());
      }
      {
        std::lock_guard<std::mutex> lock(health_mu);
        catalog_updated_unix_nanos = absl::ToUnixNanos(clock->Now());
      }
      loaded = true;
      full_pass();
    }

    const absl::Duration wait = std::min(kLaneTick, gate.UntilNext(clock->MonotonicNanos()));
    const bool drained = touched.WaitAndDrain(&keys, wait);
    if (loaded) {
      const int64_t start = clock->MonotonicNanos();
      instruments = gate.TakeDue(start);  // held opportunities whose books have settled
      bool unknown = false;
      if (drained) {
        for (const BookKey& k : keys) {
          instruments.push_back(ToInstrumentKey(k));
          unknown = unknown || !engine.KnowsInstrument(instruments.back());
        }
      }
      if (!instruments.empty()) {
        std::sort(instruments.begin(), instruments.end());
        instruments.erase(std::unique(instruments.begin(), instruments.end()), instruments.end());
        ScanResult result = engine.OnBooksChanged(instruments);
        publish(std::move(result), instruments, false, start);
      }
      if (unknown) {
        // The feed serves a book the catalog has not got: a market was listed since the last
        // reload. Ask for an early one (rate-limited).
        std::lock_guard<std::mutex> lock(mu);
        if (clock->Now() - last_catalog_attempt >= options.catalog_min_interval &&
            !refresh_requested) {
          refresh_requested = true;
          cv.notify_all();
        }
      }
    }
    const int64_t now_mono = clock->MonotonicNanos();
    if (loaded && now_mono - last_full >= absl::ToInt64Nanoseconds(options.full_rescan_interval)) {
      full_pass();
    }
    board.Expire(absl::ToUnixNanos(clock->Now()));
    // Resolutions teach the expiry-edge lane's calibration table (saved by the lane).
    for (const ResolvedInstrument& r : cache.TakeResolutions()) {
      absl::StatusOr<int> added =
          engine.OnInstrumentResolved(ToInstrumentKey(r.key), r.settlement_price_micros);
      if (added.ok()) {
        metrics->RecordResolution(*added > 0 ? "learned" : "ignored", *added);
      } else if (absl::IsNotFound(added.status())) {
        metrics->RecordResolution("unknown", 0);
      } else {
        metrics->RecordResolution("error", 0);
        ARBOR_LOG(kWarning, "scanner", "calibration update failed")
            .Field("instrument", r.key.ToString())
            .Field("error", std::string(added.status().message()));
      }
    }
    if (now_mono - last_health >= absl::ToInt64Nanoseconds(kHealthPeriod)) {
      PublishHealth(engine, loaded);
      last_health = now_mono;
    }
  }
}

absl::StatusOr<std::unique_ptr<ScannerApp>> ScannerApp::Create(ScannerOptions options) {
  if (options.feed_addresses.empty()) {
    return absl::InvalidArgumentError("at least one feed shard address is required");
  }
  for (const std::string& a : options.feed_addresses) {
    if (a.empty()) return absl::InvalidArgumentError("empty feed shard address");
  }
  if (options.scanner_id.empty()) return absl::InvalidArgumentError("scanner id is required");
  if (options.catalog_refresh <= absl::ZeroDuration() ||
      options.full_rescan_interval <= absl::ZeroDuration() ||
      options.rpc_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "catalog refresh, full rescan interval and rpc deadline must be positive");
  }
  if (options.relations_reload < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("relations reload period must not be negative");
  }
  if (options.subscriber_queue == 0) {
    return absl::InvalidArgumentError("subscriber queue must be positive");
  }
  options.engine.scanner_id = options.scanner_id;
  return std::unique_ptr<ScannerApp>(new ScannerApp(std::make_unique<Impl>(std::move(options))));
}

ScannerApp::ScannerApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ScannerApp::~ScannerApp() { Stop(); }

absl::Status ScannerApp::Start() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.started_flag) return absl::FailedPreconditionError("already started");
    s.started_flag = true;
  }
  s.service = std::make_unique<ScannerService>(
      &s.board, [&s] { return s.Health(); }, s.metrics.get());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(s.options.grpc_listen, grpc::InsecureServerCredentials(), &s.grpc_port);
  builder.RegisterService(s.service.get());
  s.grpc_server = builder.BuildAndStart();
  if (s.grpc_server == nullptr || s.grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --grpc_listen ", s.options.grpc_listen));
  }

  ops::OpsServerOptions ops_options;
  ops_options.bind_address = s.options.ops_address;
  ops_options.port = static_cast<uint16_t>(s.options.ops_port);
  ops_options.liveness = [&s]() -> absl::Status {
    const int64_t last = s.last_lane_tick_mono.load();
    if (last != 0 && s.clock->MonotonicNanos() - last > absl::ToInt64Nanoseconds(kLivenessBudget)) {
      return absl::UnavailableError("lane thread stalled");
    }
    return absl::OkStatus();
  };
  ops_options.readiness = [this] { return Ready(); };
  s.ops = std::make_unique<ops::OpsServer>(ops_options);
  s.ops->AddCollectable(s.registry);
  if (absl::Status st = s.ops->Start(); !st.ok()) {
    s.grpc_server->Shutdown();
    return absl::UnavailableError(absl::StrCat("ops server: ", st.message()));
  }

  // Feed subscribers and ListMarkets stubs.
  ShardedBookSourceOptions source_options;
  source_options.addresses = s.options.feed_addresses;
  source_options.subscriber = s.options.subscriber;
  source_options.subscriber.subscriber_id = s.options.scanner_id;
  source_options.subscriber.clock = s.clock;
  s.cache.AddListener(&s.touched);
  s.source = std::make_unique<ShardedBookSource>(&s.cache, source_options);
  for (const std::string& address : s.options.feed_addresses) {
    auto creds = s.options.subscriber.credentials != nullptr ? s.options.subscriber.credentials
                                                             : grpc::InsecureChannelCredentials();
    s.channels.push_back(grpc::CreateChannel(address, creds));
    s.stubs.push_back(v1::FeedShard::NewStub(s.channels.back()));
  }
  s.source->Start();
  s.catalog_thread = std::thread([&s] { s.CatalogLoop(); });
  s.lane_thread = std::thread([&s] { s.LaneLoop(); });
  ARBOR_LOG(kInfo, "scanner", "started")
      .Field("grpc_port", static_cast<int64_t>(s.grpc_port))
      .Field("ops_port", static_cast<int64_t>(s.ops->port()))
      .Field("shards", static_cast<int64_t>(s.options.feed_addresses.size()));
  return absl::OkStatus();
}

void ScannerApp::Stop() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (!s.started_flag || s.stopped) return;
    s.stopped = true;
    s.stopping = true;
  }
  s.cv.notify_all();
  s.touched.Close();
  if (s.service != nullptr) s.service->BeginShutdown();
  if (s.grpc_server != nullptr) s.grpc_server->Shutdown();
  if (s.lane_thread.joinable()) s.lane_thread.join();
  if (s.catalog_thread.joinable()) s.catalog_thread.join();
  if (s.source != nullptr) s.source->Stop();
  s.cache.RemoveListener(&s.touched);
  if (s.ops != nullptr) s.ops->Stop();
}

std::string ScannerApp::ReadyLine() const {
  return absl::StrCat("{\"grpc_port\":", grpc_port(), ",\"ops_port\":", ops_port(),
                      ",\"shards\":", impl_->options.feed_addresses.size(), ",\"scanner_id\":\"",
                      impl_->options.scanner_id, "\"}");
}

int ScannerApp::grpc_port() const { return impl_->grpc_port; }

int ScannerApp::ops_port() const { return impl_->ops != nullptr ? impl_->ops->port() : 0; }

absl::Status ScannerApp::Ready() const {
  const Impl& s = *impl_;
  bool loaded = false;
  {
    std::lock_guard<std::mutex> lock(s.health_mu);
    loaded = s.catalog_loaded;
  }
  if (!loaded) return absl::FailedPreconditionError("waiting for the catalog");
  if (s.source == nullptr) return absl::FailedPreconditionError("not started");
  const BookSourceHealth h = s.source->Health();
  if (!h.ready()) {
    return absl::FailedPreconditionError(
        absl::StrCat("waiting for feed shards: ", h.synced, " of ", h.shards, " synced"));
  }
  return absl::OkStatus();
}

}  // namespace arbor::scanner
