#include "arbor/feed/feed_shard.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/clock.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/log.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/feed/capture.h"
#include "arbor/feed/feed_metrics.h"
#include "arbor/feed/feed_policy.h"
#include "arbor/feed/feed_shard_service.h"
#include "arbor/feed/kalshi_connection.h"
#include "arbor/feed/outcome_pair_publisher.h"
#include "arbor/feed/outcome_rest_source.h"
#include "arbor/feed/poller.h"
#include "arbor/feed/polymarket_pool.h"
#include "arbor/feed/reconciler.h"
#include "arbor/feed/rest_book_source.h"
#include "arbor/net/rate_governor.h"
#include "arbor/ops/ops_server.h"
#include "arbor/venue/kalshi/auth.h"
#include "arbor/venue/kalshi/rest_client.h"
#include "arbor/venue/polymarket/public_client.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/registry.h"

namespace arbor::feed {
namespace {

constexpr absl::Duration kControlPeriod = absl::Milliseconds(250);
// The control loop counts as alive while it ticked within this long (/healthz).
constexpr absl::Duration kLivenessBudget = absl::Seconds(15);
// A venue's market announcement reaches every connection at nearly the same time: reload the
// catalog once, shortly after the first (the periodic refresh remains the backstop should the
// catalog API lag the announcement).
constexpr absl::Duration kAnnouncedMarketDebounce = absl::Seconds(1);
// Announcement-driven reloads run at most this often (a burst of listings, or a venue that keeps
// announcing, must not turn into a catalog reload storm against Gamma / Kalshi REST).
constexpr absl::Duration kAnnouncedReloadMinInterval = absl::Seconds(10);

HealthEvent FromPolymarket(PolymarketHealthEventType type) {
  switch (type) {
    case PolymarketHealthEventType::kReconnect:
      return HealthEvent::kReconnect;
    case PolymarketHealthEventType::kDecodeError:
      return HealthEvent::kDecodeError;
    case PolymarketHealthEventType::kStale:
      return HealthEvent::kReconnect;  // the watchdog reconnects
    case PolymarketHealthEventType::kQuarantine:
      return HealthEvent::kResync;
  }
  return HealthEvent::kResync;
}

HealthEvent FromKalshi(KalshiHealthEvent event) {
  switch (event) {
    case KalshiHealthEvent::kReconnect:
    case KalshiHealthEvent::kStale:
      return HealthEvent::kReconnect;
    case KalshiHealthEvent::kSeqGap:
      return HealthEvent::kSeqGap;
    case KalshiHealthEvent::kResync:
      return HealthEvent::kResync;
    case KalshiHealthEvent::kDecodeError:
      return HealthEvent::kDecodeError;
  }
  return HealthEvent::kResync;
}

// Keeps whole events, in (venue, id) order, until `max` instruments per venue are kept.
Universe Truncate(const Universe& u, size_t max) {
  if (max == 0) return u;
  Universe out;
  size_t kept[2] = {0, 0};
  absl::flat_hash_set<std::string> events[2];
  for (const auto& [key, inst] : u.instruments()) {
    const int v = inst.venue == Venue::kKalshi ? 1 : 0;
    if (!events[v].contains(inst.event.value())) {
      if (kept[v] >= max) continue;
      events[v].insert(inst.event.value());
    }
    ++kept[v];
    out.Upsert(inst);
  }
  return out;
}

// Records raw frames of every connection into rotating capture files (issue 4 item 6). The
// writer is not thread-safe; connections call from their own I/O threads, so one mutex guards
// it. A frame the writer refuses (disk failing for long) is counted, never blocks the feed.
class CaptureTap {
 public:
  CaptureTap(std::unique_ptr<CaptureWriter> writer, std::string directory)
      : writer_(std::move(writer)), directory_(std::move(directory)) {}
  // Writes the catalog `universe` stands for (what ListMarkets serves, closed markets included)
  // beside the frames, so a replay can rebuild the scanner's catalog at this point of the capture.
  // Called before the new universe's connections subscribe, so the catalog precedes its frames.
  void RecordCatalog(BookFanout* fanout, std::shared_ptr<const Universe> universe) {
    FeedShardService lister(fanout, FeedShardServiceOptions{});
    lister.SetUniverse(std::move(universe));
    v1::ListMarketsResponse all;
    v1::ListMarketsRequest request;
    request.set_include_closed(true);
    request.set_page_size(1'000'000);
    while (true) {
      v1::ListMarketsResponse page;
      if (grpc::Status s = lister.ListMarkets(nullptr, &request, &page); !s.ok()) {
        ARBOR_LOG(kError, "feed", "capture catalog not written").Field("error", s.error_message());
        return;
      }
      for (v1::Market& m : *page.mutable_markets()) *all.add_markets() = std::move(m);
      for (v1::Event& e : *page.mutable_events()) *all.add_events() = std::move(e);
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    std::string json;
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    if (auto s = google::protobuf::util::MessageToJsonString(all, &json, print); !s.ok()) {
      ARBOR_LOG(kError, "feed", "capture catalog not written").Field("error", s.ToString());
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s =
            WriteCatalogSnapshot(directory_, absl::ToUnixNanos(absl::Now()), json + "\n");
        !s.ok()) {
      ++refused_;
      ARBOR_LOG(kError, "feed", "capture catalog not written")
          .Field("error", FromAbsl(s.message()));
    }
  }
  void Record(Venue venue, uint64_t connection_id, std::string_view frame) {
    const int64_t now = absl::ToUnixNanos(absl::Now());
    std::lock_guard<std::mutex> lock(mu_);
    if (!writer_->Append(venue, connection_id, now, frame).ok()) ++refused_;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = writer_->Close(); !s.ok()) {
      ARBOR_LOG(kError, "feed", "capture close failed").Field("error", FromAbsl(s.message()));
    }
  }

 private:
  std::mutex mu_;
  std::unique_ptr<CaptureWriter> writer_;
  const std::string directory_;
  uint64_t refused_ = 0;
};

}  // namespace

// One venue's acquisition state: mode controller, REST loops and counters for health.
struct VenueState {
  Venue venue = Venue::kPolymarket;
  std::mutex mode_mu;  // guards `mode` (FeedModeController is not thread-safe)
  std::optional<FeedModeController> mode;
  std::unique_ptr<RestBookSource> rest_inner;
  std::unique_ptr<RestBookSource> rest;
  std::unique_ptr<net::RateGovernor> governor;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<Poller> poller;
  std::atomic<uint64_t> divergences{0};
  // True once every desired connection has been open at the same time: before that (start-up,
  // subscriptions still being answered) missing connections are not a degradation signal.
  bool warm = false;
  // The mode last logged (guarded by mode_mu): every change is logged once.
  FeedMode logged_mode = FeedMode::kStream;
  // Last time a silence probe confirmed over REST that quiet connections' books are current:
  // quiet markets are not stale data (the data-age signal counts from here too).
  std::atomic<int64_t> last_confirmed_nanos{0};
  // When the reconciler last repaired each book from REST: a repair means the venue moved
  // without the stream telling us, so a silent connection holding that book is frozen even
  // though its published book (repaired) now matches REST.
  std::mutex repaired_mu;
  absl::flat_hash_map<InstrumentId, int64_t> repaired_nanos;
};

struct FeedShard::Impl : public FeedHealthSource {
  explicit Impl(FeedShardOptions o) : options(std::move(o)) {}

  FeedHealthReport GetFeedHealth() const override;
  absl::Status Start();
  void Stop();
  absl::Status LoadAndApplyCatalog();
  bool SilenceProbe(VenueState* st, const std::vector<InstrumentId>& ids);
  void ApplyUniverse(std::shared_ptr<const Universe> next);
  void ApplyPolicy(const v1::FeedPolicy& policy, const v1::PolicyRef& ref);
  void ControlLoop();
  void ControlTick();
  void CatalogLoop();
  // A venue announced a market (Polymarket new_market, Kalshi lifecycle created/activated):
  // reload the catalog soon instead of at the next period. Requests within the debounce window
  // share one reload (every Polymarket connection receives the same new_market).
  void RequestCatalogRefresh(std::string_view venue_market_id);
  VenueState* StateOf(Venue v) { return v == Venue::kKalshi ? &kalshi_state : &pm_state; }

  const FeedShardOptions options;
  const Clock& clock = SystemClock::Get();
  BookFanout fanout;
  BookPublisher publisher{&fanout, &clock};
  OutcomePairPublisher kalshi_publisher{&publisher};

  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<venue::polymarket::PublicClient> pm_public;
  std::optional<venue::kalshi::RequestSigner> kalshi_signer;
  std::unique_ptr<venue::kalshi::RestClient> kalshi_rest;

  std::unique_ptr<CaptureTap> capture;
  std::unique_ptr<PolymarketPool> pool;
  std::unique_ptr<KalshiConnection> kalshi;
  VenueState pm_state;
  VenueState kalshi_state;

  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<FeedMetrics> metrics;
  std::unique_ptr<FeedShardService> service;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<ops::OpsServer> ops_server;
  int grpc_port = 0;

  std::mutex universe_mu;
  std::shared_ptr<const Universe> universe;  // the shard's instruments now

  mutable std::mutex health_mu;
  FeedHealthReport health;  // rebuilt by every control tick

  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  bool started = false;
  // Set by RequestCatalogRefresh (guarded by stop_mu): when the announced markets are reloaded.
  std::optional<absl::Time> catalog_refresh_due;
  // When the last catalog reload started (guarded by stop_mu): the floor for the next
  // announcement-driven one.
  absl::Time last_catalog_reload = absl::InfinitePast();
  std::atomic<uint64_t> catalog_refresh_requests{0};
  std::thread control_thread;
  std::thread catalog_thread;
  std::atomic<int64_t> last_control_nanos{0};
};

// A connection heard nothing for stale_after: compare its books with REST. Books REST confirms
// stay LIVE (a quiet market is not a failure); books that differ go STALE; any difference, a
// book never snapshotted, or a REST failure means the venue may have moved unheard → reconnect.
bool FeedShard::Impl::SilenceProbe(VenueState* st, const std::vector<InstrumentId>& ids) {
  {
    const int64_t recent =
        clock.MonotonicNanos() - 2 * absl::ToInt64Nanoseconds(options.stale_after);
    std::lock_guard<std::mutex> lock(st->repaired_mu);
    for (const InstrumentId& id : ids) {
      auto it = st->repaired_nanos.find(id);
      if (it != st->repaired_nanos.end() && it->second >= recent) return true;
    }
  }
  absl::StatusOr<std::vector<RestBook>> rest = st->rest->FetchBooks(ids);
  if (!rest.ok()) {
    for (const InstrumentId& id : ids) (void)publisher.MarkStale(id, "NoDataTimeout");
    return true;
  }
  absl::flat_hash_map<InstrumentId, const RestBook*> by_id;
  for (const RestBook& b : *rest) by_id[b.id] = &b;
  bool moved = false;
  for (const InstrumentId& id : ids) {
    const std::optional<PublishState> state = publisher.State(id);
    if (!state.has_value() || *state == PublishState::kClosed) continue;
    if (*state != PublishState::kLive && *state != PublishState::kStale) {
      moved = true;  // still waiting for a snapshot on a silent connection
      continue;
    }
    auto it = by_id.find(id);
    absl::StatusOr<BookState> published = fanout.GetBook(id);
    if (it == by_id.end() || !published.ok()) continue;
    if (published->bids == it->second->bids && published->asks == it->second->asks) {
      (void)publisher.MarkLive(id);
    } else {
      (void)publisher.MarkStale(id, "NoDataTimeout");
      moved = true;
    }
  }
  if (!moved) st->last_confirmed_nanos.store(clock.MonotonicNanos());
  return moved;
}

absl::Status FeedShard::Impl::LoadAndApplyCatalog() {
  absl::StatusOr<Catalog> catalog =
      LoadCatalog(options.polymarket ? pm_public.get() : nullptr,
                  options.kalshi ? kalshi_rest.get() : nullptr, options.catalog);
  if (!catalog.ok()) return catalog.status();
  auto next = std::make_shared<const Universe>(
      Truncate(ShardUniverse(ApplyFilter(catalog->universe, options.filter), options.shard),
               options.max_instruments));
  ARBOR_LOG(kInfo, "feed", "catalog loaded")
      .Field("gamma_events", catalog->stats.gamma_events)
      .Field("gamma_markets", catalog->stats.gamma_markets)
      .Field("kalshi_markets", catalog->stats.kalshi_markets)
      .Field("skipped", catalog->stats.skipped_records)
      .Field("shard_instruments", next->size());
  ApplyUniverse(std::move(next));
  return absl::OkStatus();
}

void FeedShard::Impl::ApplyUniverse(std::shared_ptr<const Universe> next) {
  std::shared_ptr<const Universe> before;
  {
    std::lock_guard<std::mutex> lock(universe_mu);
    before = universe;
  }
  const UniverseDiff diff = Diff(before ? *before : Universe(), *next);
  if (capture && (!before || !diff.empty())) capture->RecordCatalog(&fanout, next);
  // Register every instrument first: connections only publish to registered books.
  for (const Instrument& inst : diff.added) {
    if (inst.venue == Venue::kPolymarket) {
      publisher.AddInstrument(InstrumentKey{inst.venue, inst.id, inst.market, inst.event},
                              inst.tick_size);
    }
  }
  for (const InstrumentChange& c : diff.changed) {
    if (c.after.closed && c.after.venue == Venue::kPolymarket) {
      (void)publisher.CloseInstrument(c.after.id, "MarketClosed");
    }
  }
  for (const Instrument& inst : diff.removed) {
    if (inst.venue == Venue::kPolymarket) {
      (void)publisher.CloseInstrument(inst.id, "Unassigned");
    }
  }

  std::vector<InstrumentId> pm_ids;
  std::vector<InstrumentId> kalshi_ids;
  absl::flat_hash_set<InstrumentId> tokens;
  std::vector<InstrumentKey> markets;
  std::set<std::string> seen_tickers;
  for (const auto& [key, inst] : next->instruments()) {
    if (inst.closed) continue;
    if (inst.venue == Venue::kPolymarket) {
      pm_ids.push_back(inst.id);
      tokens.insert(inst.id);
    } else {
      kalshi_ids.push_back(inst.id);
      if (seen_tickers.insert(inst.market).second) {
        markets.push_back(
            InstrumentKey{Venue::kKalshi, InstrumentId(inst.market), inst.market, inst.event});
      }
    }
  }
  if (pool) pool->SetTokens(tokens);
  if (kalshi) {
    if (absl::Status s = kalshi->SetMarkets(markets); !s.ok()) {
      ARBOR_LOG(kError, "feed", "kalshi SetMarkets failed").Field("error", FromAbsl(s.message()));
    }
  }
  for (VenueState* st : {&pm_state, &kalshi_state}) {
    const std::vector<InstrumentId>& ids = st->venue == Venue::kKalshi ? kalshi_ids : pm_ids;
    if (st->reconciler) st->reconciler->SetInstruments(ids);
    if (st->poller) st->poller->SetInstruments(ids);
  }
  {
    std::lock_guard<std::mutex> lock(universe_mu);
    universe = next;
  }
  if (service) service->SetUniverse(next);
  if (!diff.empty() && before) {
    ARBOR_LOG(kInfo, "feed", "universe changed")
        .Field("added", diff.added.size())
        .Field("removed", diff.removed.size())
        .Field("changed", diff.changed.size());
  }
}

// A pushed FeedPolicy reaches both venues' mode controllers at once (SetPolicy restarts their
// recovery timers, so a new policy never causes an early upgrade). The service has already
// validated the proto; a combination the controller refuses keeps the old mode policy.
void FeedShard::Impl::ApplyPolicy(const v1::FeedPolicy& policy, const v1::PolicyRef& ref) {
  absl::StatusOr<FeedModePolicy> mode = ModePolicyFromFeedPolicy(options.mode, policy);
  if (!mode.ok()) {
    ARBOR_LOG(kError, "feed", "feed policy not applied to the mode controllers")
        .Field("policy", ref.policy_name())
        .Field("generation", ref.policy_generation())
        .Field("error", FromAbsl(mode.status().message()));
    return;
  }
  for (VenueState* st : {&pm_state, &kalshi_state}) {
    std::lock_guard<std::mutex> lock(st->mode_mu);
    if (!st->mode) continue;
    if (absl::Status s = st->mode->SetPolicy(*mode); !s.ok()) {
      ARBOR_LOG(kError, "feed", "mode controller refused the feed policy")
          .Field("error", FromAbsl(s.message()));
    }
  }
  ARBOR_LOG(kInfo, "feed", "feed policy applied")
      .Field("policy", ref.policy_name())
      .Field("generation", ref.policy_generation())
      .Field("preferred_mode", FeedModeName(mode->best_mode));
}

absl::Status FeedShard::Impl::Start() {
  ARBOR_ASSIGN_OR_RETURN(http, net::HttpClient::Create(options.http));
  pm_state.venue = Venue::kPolymarket;
  kalshi_state.venue = Venue::kKalshi;
  for (VenueState* st : {&pm_state, &kalshi_state}) {
    ARBOR_ASSIGN_OR_RETURN(FeedModeController controller,
                           FeedModeController::Create(clock, options.mode));
    st->mode.emplace(std::move(controller));
    net::RateGovernorOptions rate;
    rate.initial_rate = options.rest_requests_per_second / 2;
    rate.max_rate = options.rest_requests_per_second;
    st->governor = std::make_unique<net::RateGovernor>(clock, rate);
  }

  ReconcilerOptions reconcile;
  reconcile.interval = options.reconcile_interval;
  reconcile.confirm_delay = options.reconcile_confirm_delay;
  PollerOptions poll;
  poll.poll_interval = options.poll_interval;
  poll.poll_stale_after = std::max(options.poll_interval * 3, options.stale_after);

  auto record = [this](VenueState* st, HealthEvent e) {
    std::lock_guard<std::mutex> lock(st->mode_mu);
    st->mode->Record(e);
  };

  if (!options.capture_dir.empty()) {
    CaptureWriterOptions capture_options;
    capture_options.directory = options.capture_dir;
    capture_options.shard = absl::StrCat(options.shard.index, "/", options.shard.count);
    capture_options.max_file_bytes = options.capture_max_file_bytes;
    absl::StatusOr<std::unique_ptr<CaptureWriter>> writer =
        CaptureWriter::Open(capture_options, clock);
    if (!writer.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--capture_dir: ", writer.status().message()));
    }
    capture = std::make_unique<CaptureTap>(*std::move(writer), options.capture_dir);
  }

  if (options.polymarket) {
    pm_public = std::make_unique<venue::polymarket::PublicClient>(
        http.get(), options.polymarket_clob.origin, options.polymarket_gamma.origin);
    PolymarketPoolOptions pool_options;
    pool_options.connection.origin = options.polymarket_ws.origin;
    if (!options.polymarket_ws.path.empty())
      pool_options.connection.path = options.polymarket_ws.path;
    pool_options.connection.ws = options.ws;
    pool_options.connection.max_tokens = options.tokens_per_connection;
    pool_options.connection.ping_interval = options.ping_interval;
    pool_options.connection.stale_after = options.stale_after;
    pool_options.connection.silence_probe = [this](const std::vector<InstrumentId>& ids) {
      return SilenceProbe(&pm_state, ids);
    };
    // The venue sends new_market and market_resolved only to connections that enable its
    // custom features (best_bid_ask comes with them and is counted as "other").
    pool_options.connection.custom_feature_enabled = true;
    pool_options.connection.on_new_market = [this](std::string_view condition_id) {
      RequestCatalogRefresh(condition_id);
    };
    if (capture) {
      pool_options.connection.frame_tap = [this](int id, std::string_view frame) {
        capture->Record(Venue::kPolymarket, static_cast<uint64_t>(id), frame);
      };
    }
    ARBOR_ASSIGN_OR_RETURN(pool, PolymarketPool::Create(pool_options, &publisher, &clock));
    pool->OnHealthEvent([this, record](const PolymarketHealthEvent& e) {
      record(&pm_state, FromPolymarket(e.type));
    });
    pm_state.rest = std::make_unique<PolymarketRestSource>(pm_public.get());
    // A re-check waits for the book's connection to reach the REST book's venue timestamp (see
    // ReconcilerOptions::stream_watermark_ms): at start-up the stream runs seconds behind REST.
    ReconcilerOptions pm_reconcile = reconcile;
    pm_reconcile.stream_watermark_ms = [this](const InstrumentId& id) {
      return pool->NewestEventMsOf(id);
    };
    pm_state.reconciler = std::make_unique<Reconciler>(
        Venue::kPolymarket, pm_state.rest.get(), &fanout, &publisher, &clock, pm_reconcile,
        [this, record](const std::vector<InstrumentId>& ids) {
          pm_state.divergences += ids.size();
          {
            std::lock_guard<std::mutex> lock(pm_state.repaired_mu);
            for (const InstrumentId& id : ids) pm_state.repaired_nanos[id] = clock.MonotonicNanos();
          }
          for (size_t i = 0; i < ids.size(); ++i) record(&pm_state, HealthEvent::kDivergence);
          pool->ResyncTokens(ids);
        });
    pm_state.poller = std::make_unique<Poller>(Venue::kPolymarket, pm_state.rest.get(), &fanout,
                                               &publisher, pm_state.governor.get(), &clock, poll);
  }
  if (options.kalshi) {
    absl::StatusOr<venue::kalshi::RequestSigner> signer = venue::kalshi::RequestSigner::FromPemFile(
        options.kalshi_key_id, options.kalshi_private_key_file);
    if (!signer.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kalshi_private_key_file: ", signer.status().message()));
    }
    kalshi_signer.emplace(*signer);
    venue::kalshi::RestClientOptions rest_options;
    if (!options.kalshi_rest.path.empty()) rest_options.api_prefix = options.kalshi_rest.path;
    kalshi_rest = std::make_unique<venue::kalshi::RestClient>(
        http.get(), options.kalshi_rest.origin, &*kalshi_signer, &clock, rest_options);
    KalshiConnectionOptions k;
    k.origin = options.kalshi_ws.origin;
    if (!options.kalshi_ws.path.empty()) k.path = options.kalshi_ws.path;
    k.ws = options.ws;
    k.ping_interval = options.ping_interval;
    k.stale_after = options.stale_after;
    k.on_new_market = [this](std::string_view ticker) { RequestCatalogRefresh(ticker); };
    k.silence_probe = [this](const std::vector<std::string>& tickers) {
      std::vector<InstrumentId> ids;
      ids.reserve(2 * tickers.size());
      for (const std::string& t : tickers) {
        ids.push_back(OutcomeInstrumentId(t, true));
        ids.push_back(OutcomeInstrumentId(t, false));
      }
      return SilenceProbe(&kalshi_state, ids);
    };
    if (capture) {
      k.frame_tap = [this](std::string_view frame) { capture->Record(Venue::kKalshi, 0, frame); };
    }
    kalshi = std::make_unique<KalshiConnection>(k, *kalshi_signer, &kalshi_publisher, &clock);
    kalshi->OnHealthEvent([this, record](KalshiHealthEvent e, std::string_view) {
      record(&kalshi_state, FromKalshi(e));
    });
    kalshi_state.rest_inner = std::make_unique<KalshiRestSource>(kalshi_rest.get());
    kalshi_state.rest = std::make_unique<OutcomeRestSource>(kalshi_state.rest_inner.get());
    kalshi_state.reconciler = std::make_unique<Reconciler>(
        Venue::kKalshi, kalshi_state.rest.get(), &fanout, &publisher, &clock, reconcile,
        [this, record](const std::vector<InstrumentId>& ids) {
          kalshi_state.divergences += ids.size();
          {
            std::lock_guard<std::mutex> lock(kalshi_state.repaired_mu);
            for (const InstrumentId& id : ids) {
              kalshi_state.repaired_nanos[id] = clock.MonotonicNanos();
            }
          }
          std::set<std::string> tickers;
          for (const InstrumentId& id : ids) {
            const std::string& s = id.value();
            tickers.insert(s.substr(0, s.rfind(':')));
            record(&kalshi_state, HealthEvent::kDivergence);
          }
          std::vector<std::string> list(tickers.begin(), tickers.end());
          (void)kalshi->Resync(list);
        });
    kalshi_state.poller =
        std::make_unique<Poller>(Venue::kKalshi, kalshi_state.rest.get(), &fanout, &publisher,
                                 kalshi_state.governor.get(), &clock, poll);
  }

  // The catalog must load once before anything subscribes; later refreshes may fail (kept).
  ARBOR_RETURN_IF_ERROR(LoadAndApplyCatalog());

  metrics = std::make_unique<FeedMetrics>(*registry);

  FeedShardServiceOptions service_options;
  service_options.shard_index = options.shard.index;
  service_options.shard_count = options.shard.count;
  service_options.instance = absl::StrCat("arbor-feed-", options.shard.index);
  service_options.version = "0.1.0";
  service_options.clock = &clock;
  service_options.default_queue_limit = options.subscriber_queue_limit;
  service_options.default_policy = FeedPolicyFromOptions(options);
  service = std::make_unique<FeedShardService>(&fanout, service_options);
  service->SetPolicyListener(
      [this](const v1::FeedPolicy& policy, const v1::PolicyRef& ref) { ApplyPolicy(policy, ref); });
  {
    std::lock_guard<std::mutex> lock(universe_mu);
    service->SetUniverse(universe);
  }
  service->SetHealthSource(this);
  service->SetMetrics(metrics.get());

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_listen, grpc::InsecureServerCredentials(), &grpc_port);
  builder.RegisterService(service.get());
  grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr || grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --grpc_listen ", options.grpc_listen));
  }

  ops::OpsServerOptions ops_options;
  ops_options.bind_address = options.ops_address;
  ops_options.port = static_cast<uint16_t>(options.ops_port);
  ops_options.liveness = [this]() -> absl::Status {
    const int64_t last = last_control_nanos.load();
    if (last != 0 && clock.MonotonicNanos() - last > absl::ToInt64Nanoseconds(kLivenessBudget)) {
      return absl::UnavailableError("control loop stalled");
    }
    return absl::OkStatus();
  };
  ops_options.readiness = [this]() -> absl::Status {
    if (!publisher.AllTrusted()) {
      const PublishStateCounts pm = publisher.Counts(Venue::kPolymarket);
      const PublishStateCounts ks = publisher.Counts(Venue::kKalshi);
      return absl::UnavailableError(absl::StrCat("books without a trusted snapshot: polymarket ",
                                                 pm.awaiting + pm.quarantined, ", kalshi ",
                                                 ks.awaiting + ks.quarantined));
    }
    return absl::OkStatus();
  };
  ops_server = std::make_unique<ops::OpsServer>(ops_options);
  ops_server->AddCollectable(registry);
  if (absl::Status s = ops_server->Start(); !s.ok()) {
    return absl::UnavailableError(absl::StrCat("ops server: ", s.message()));
  }

  if (kalshi) ARBOR_RETURN_IF_ERROR(kalshi->Start());
  for (VenueState* st : {&pm_state, &kalshi_state}) {
    if (st->reconciler) st->reconciler->Start();
    if (st->poller) st->poller->Start();
  }
  {
    std::lock_guard<std::mutex> lock(stop_mu);
    started = true;
  }
  ControlTick();
  control_thread = std::thread([this] { ControlLoop(); });
  catalog_thread = std::thread([this] { CatalogLoop(); });
  return absl::OkStatus();
}

void FeedShard::Impl::ControlLoop() {
  std::unique_lock<std::mutex> lock(stop_mu);
  while (!stopping) {
    lock.unlock();
    ControlTick();
    lock.lock();
    stop_cv.wait_for(lock, absl::ToChronoNanoseconds(kControlPeriod), [this] { return stopping; });
  }
}

void FeedShard::Impl::CatalogLoop() {
  std::unique_lock<std::mutex> lock(stop_mu);
  absl::Time next_periodic = absl::Now() + options.catalog_refresh;
  while (!stopping) {
    const absl::Time due =
        catalog_refresh_due ? std::min(*catalog_refresh_due, next_periodic) : next_periodic;
    stop_cv.wait_until(lock, absl::ToChronoTime(due), [&] {
      return stopping || (catalog_refresh_due && *catalog_refresh_due < due);
    });
    if (stopping) break;
    const absl::Time now = absl::Now();
    const bool announced = catalog_refresh_due && *catalog_refresh_due <= now;
    if (!announced && now < next_periodic) continue;  // an earlier request arrived: re-plan
    if (announced) catalog_refresh_due.reset();
    if (now >= next_periodic) next_periodic = now + options.catalog_refresh;
    last_catalog_reload = now;
    lock.unlock();
    if (absl::Status s = LoadAndApplyCatalog(); !s.ok()) {
      ARBOR_LOG(kWarning, "feed", "catalog refresh failed; keeping the current universe")
          .Field("error", FromAbsl(s.message()))
          .Field("announced", announced);
    }
    lock.lock();
  }
}

void FeedShard::Impl::RequestCatalogRefresh(std::string_view venue_market_id) {
  ++catalog_refresh_requests;
  {
    std::lock_guard<std::mutex> lock(stop_mu);
    if (catalog_refresh_due) return;  // one reload covers every announcement until it runs
    catalog_refresh_due = std::max(absl::Now() + kAnnouncedMarketDebounce,
                                   last_catalog_reload + kAnnouncedReloadMinInterval);
  }
  ARBOR_LOG(kInfo, "feed", "venue announced a market; catalog reload scheduled")
      .Field("market", venue_market_id);
  stop_cv.notify_all();
}

void FeedShard::Impl::ControlTick() {
  const int64_t now = clock.MonotonicNanos();
  last_control_nanos.store(now);
  FeedHealthReport report;
  report.live = true;
  report.ready = publisher.AllTrusted();
  report.checks.push_back(HealthCheckReport{"BooksSnapshotted", report.ready,
                                            report.ready
                                                ? "every assigned book has a trusted snapshot"
                                                : "some assigned books await a trusted snapshot",
                                            clock.Now()});

  for (VenueState* st : {&pm_state, &kalshi_state}) {
    const bool enabled = st->venue == Venue::kKalshi ? kalshi != nullptr : pool != nullptr;
    if (!enabled) continue;
    VenueMetricsSnapshot m;
    m.venue = st->venue;
    VenueHealthReport h;
    h.venue = st->venue;
    int64_t last_message = 0;
    uint32_t open = 0;
    uint32_t desired = 0;
    if (st->venue == Venue::kPolymarket) {
      const PolymarketConnectionCounters c = pool->counters();
      open = static_cast<uint32_t>(pool->connections_open());
      desired = static_cast<uint32_t>(pool->connections_desired());
      last_message = c.last_data_nanos;
      m.frames_by_type = {{"data", c.data_frames}, {"pong", c.pongs}};
      m.events_by_type = {{"book", c.book_events},
                          {"price_change", c.price_change_events},
                          {"tick_size_change", c.tick_size_change_events},
                          {"market_resolved", c.market_resolved_events},
                          {"other", c.other_events}};
      m.decode_errors_total = c.decode_errors;
      m.reconnects_total = c.reconnects;
      m.resyncs_total = c.resyncs;
      h.messages_total = c.frames;
    } else {
      const KalshiConnectionCounters c = kalshi->counters();
      open = c.connected ? 1 : 0;
      desired = 1;
      last_message = c.last_message_nanos;
      static constexpr const char* kTypeNames[kKalshiMessageTypes] = {
          "type0", "type1", "type2", "type3", "type4",  "type5",
          "type6", "type7", "type8", "type9", "type10", "type11"};
      for (size_t i = 0; i < kKalshiMessageTypes; ++i) {
        if (c.messages_by_type[i] != 0)
          m.frames_by_type.emplace_back(kTypeNames[i], c.messages_by_type[i]);
      }
      m.decode_errors_total = c.decode_errors;
      m.reconnects_total = c.reconnects;
      m.gaps_total = c.gaps;
      m.resyncs_total = c.resyncs;
      h.messages_total = c.frames;
      h.gaps_total = c.gaps;
    }
    last_message = std::max(last_message, st->last_confirmed_nanos.load());
    const absl::Duration age =
        last_message == 0 ? absl::ZeroDuration() : absl::Nanoseconds(now - last_message);
    FeedMode mode;
    {
      std::lock_guard<std::mutex> lock(st->mode_mu);
      if (!st->warm && desired > 0 && open == desired) st->warm = true;
      if (st->warm) st->mode->SetConnections(open, desired);
      if (desired > 0 && last_message != 0) st->mode->ObserveDataAge(age);
      st->mode->Tick();
      mode = st->mode->mode();
      h.mode = mode;
      h.mode_reason =
          mode == FeedMode::kStream ? "" : std::string(ModeReasonName(st->mode->mode_reason()));
      h.mode_since = st->mode->mode_since();
      if (mode != st->logged_mode) {
        ARBOR_LOG(kWarning, "feed", "feed mode changed")
            .Field("venue", VenueName(st->venue))
            .Field("from", FeedModeName(st->logged_mode))
            .Field("to", FeedModeName(mode))
            .Field("reason", ModeReasonName(st->mode->mode_reason()))
            .Field("divergences_total", static_cast<int64_t>(st->divergences.load()));
        st->logged_mode = mode;
      }
    }
    if (st->poller) {
      st->poller->SetMode(mode);
      if (mode == FeedMode::kHybrid) st->poller->SetHybridSet(publisher.Untrusted(st->venue));
    }
    const PublishStateCounts counts = publisher.Counts(st->venue);
    m.mode = mode;
    m.connections_open = open;
    m.connections_desired = desired;
    m.books_live = counts.live;
    m.books_stale = counts.stale;
    m.books_quarantined = counts.quarantined + counts.awaiting;
    m.books_closed = counts.closed;
    m.divergences_total = st->divergences.load();
    m.last_message_age = age;
    metrics->SetFromSnapshot(m);

    h.connections_open = open;
    h.connections_desired = desired;
    h.instruments = counts.instruments;
    h.books_live = counts.live;
    h.books_stale = counts.stale;
    h.books_quarantined = counts.quarantined + counts.awaiting;
    h.reconnects_total = m.reconnects_total;
    h.divergences_total = m.divergences_total;
    h.last_message_age = age;
    report.venues.push_back(std::move(h));
  }
  std::lock_guard<std::mutex> lock(health_mu);
  health = std::move(report);
}

FeedHealthReport FeedShard::Impl::GetFeedHealth() const {
  std::lock_guard<std::mutex> lock(health_mu);
  return health;
}

void FeedShard::Impl::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu);
    if (stopping) return;
    stopping = true;
  }
  stop_cv.notify_all();
  if (service) service->BeginShutdown();
  if (grpc_server)
    grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (control_thread.joinable()) control_thread.join();
  if (catalog_thread.joinable()) catalog_thread.join();
  for (VenueState* st : {&pm_state, &kalshi_state}) {
    if (st->poller) st->poller->Stop();
    if (st->reconciler) st->reconciler->Stop();
  }
  if (pool) pool->Stop();
  if (kalshi) kalshi->Stop();
  if (ops_server) ops_server->Stop();
  if (grpc_server) grpc_server->Wait();
  if (capture) capture->Close();
}

absl::StatusOr<std::unique_ptr<FeedShard>> FeedShard::Create(FeedShardOptions options) {
  return std::unique_ptr<FeedShard>(new FeedShard(std::make_unique<Impl>(std::move(options))));
}

FeedShard::FeedShard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FeedShard::~FeedShard() { Stop(); }

absl::Status FeedShard::Start() { return impl_->Start(); }

void FeedShard::Stop() { impl_->Stop(); }

int FeedShard::grpc_port() const { return impl_->grpc_port; }

int FeedShard::ops_port() const { return impl_->ops_server ? impl_->ops_server->port() : 0; }

std::string FeedShard::ReadyLine() const {
  size_t instruments = 0;
  {
    std::lock_guard<std::mutex> lock(impl_->universe_mu);
    if (impl_->universe) instruments = impl_->universe->size();
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("grpc_port").Int(grpc_port());
  w.Key("ops_port").Int(ops_port());
  w.Key("instruments").Int(static_cast<int64_t>(instruments));
  w.Key("shard_index").Int(impl_->options.shard.index);
  w.Key("shard_count").Int(impl_->options.shard.count);
  w.EndObject();
  return w.Take();
}

}  // namespace arbor::feed
