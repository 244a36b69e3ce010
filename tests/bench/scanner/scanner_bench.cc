// Scanner hot path figures (docs/benchmarks.md "arbor-scanner"): the whole in-process path a book
// tick takes through the scanner — BookCache::Apply of a one-level delta group, the TouchQueue
// drain, ScanEngine::OnBooksChanged (binary + NegRisk lanes over the touched market / event) and
// OpportunityBoard::Apply — timed per tick with p50 / p99 counters, plus a full rescan of a
// feed-scale catalog (15 000 binary markets + 300 NegRisk events of 5) and the cache's memory.
//
//   build/release/tests/bench/scanner/scanner_bench
//
// Every other tick makes the touched market mispriced (YES ask 0.47 + NO ask 0.51), so half the
// ticks publish an opportunity and the next one withdraws it: the figures include the lanes'
// pricing, id hashing and the board, not only the no-edge path.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/clock.h"
#include "arbor/scanner/book_cache.h"
#include "arbor/scanner/cache_book_reader.h"
#include "arbor/scanner/opportunity_board.h"
#include "arbor/scanner/scan_engine.h"
#include "arbor/scanner/touch_queue.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

constexpr int kBinaryMarkets = 15'000;
constexpr int kEvents = 300;
constexpr int kOutcomes = 5;

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0;
  int64_t resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

v1::InstrumentId Pm(const std::string& symbol) {
  v1::InstrumentId id;
  id.set_venue(v1::VENUE_POLYMARKET);
  id.set_symbol(symbol);
  return id;
}

v1::Market MarketProto(const std::string& id, const std::string& event, int question) {
  v1::Market m;
  m.set_market_id(id);
  m.set_venue(v1::VENUE_POLYMARKET);
  m.set_event_id(event);
  m.set_tick_size_micros(10'000);
  m.set_status(v1::MARKET_STATUS_OPEN);
  m.set_accepting_orders(true);
  for (int i = 0; i < 2; ++i) {
    v1::Instrument* ins = m.add_instruments();
    *ins->mutable_instrument_id() = Pm(id + (i == 0 ? "-Y" : "-N"));
    ins->set_outcome_index(i);
  }
  m.mutable_fee_schedule()->set_fees_enabled(false);
  if (question >= 0) {
    m.mutable_neg_risk()->set_neg_risk(true);
    m.mutable_neg_risk()->set_neg_risk_market_id("nr-" + event);
    m.mutable_neg_risk()->set_question_index(static_cast<uint32_t>(question));
  }
  return m;
}

void AddLevel(google::protobuf::RepeatedPtrField<v1::PriceLevel>* side, int64_t price,
              int64_t size) {
  v1::PriceLevel* l = side->Add();
  l->set_price_micros(price);
  l->set_size_micros(size);
}

// A feed-scale universe in a BookCache with an engine and board over it.
class Universe {
 public:
  Universe() : reader_(&cache_), engine_(&reader_, &SystemClock::Get(), Options()) {
    cache_.AddListener(&touched_);
    std::vector<v1::Market> markets;
    std::vector<v1::Event> events;
    for (int i = 0; i < kBinaryMarkets; ++i)
      markets.push_back(MarketProto(absl::StrCat("b", i), "", -1));
    for (int e = 0; e < kEvents; ++e) {
      v1::Event ev;
      ev.set_event_id(absl::StrCat("e", e));
      ev.set_venue(v1::VENUE_POLYMARKET);
      ev.set_neg_risk(true);
      ev.set_mutually_exclusive(true);
      ev.set_neg_risk_market_id(absl::StrCat("nr-e", e));
      for (int q = 0; q < kOutcomes; ++q) {
        const std::string id = absl::StrCat("e", e, ".", q);
        markets.push_back(MarketProto(id, ev.event_id(), q));
        ev.add_market_ids(id);
      }
      events.push_back(ev);
    }
    const int64_t rss_before = RssBytes();
    cache_.BeginStream(0);
    for (const v1::Market& m : markets) {
      const bool neg = m.has_neg_risk();
      for (int i = 0; i < 2; ++i) {
        v1::BookUpdate u;
        v1::BookSnapshot* s = u.mutable_snapshot();
        *s->mutable_instrument_id() = m.instruments(i).instrument_id();
        // Fair books: binary YES and NO 0.46 / 0.51 (a wide spread, so the mispricing tick below
        // does not cross the book); NegRisk members YES 0.19 / 0.21, NO 0.79 / 0.81.
        const int64_t bid = neg && i == 0 ? 190'000 : (neg ? 790'000 : 460'000);
        const int64_t ask = neg ? bid + 20'000 : 510'000;
        for (int k = 0; k < 5; ++k) {
          AddLevel(s->mutable_bids(), bid - k * 10'000, 100'000'000);
          AddLevel(s->mutable_asks(), ask + k * 10'000, 100'000'000);
        }
        s->set_sequence(1);
        s->set_book_epoch(1);
        s->set_status(v1::BOOK_STATUS_LIVE);
        s->set_reason(v1::SNAPSHOT_REASON_INITIAL);
        s->set_ts_receipt_unix_nanos(absl::ToUnixNanos(absl::Now()));
        (void)cache_.Apply(0, u);
      }
    }
    v1::BookUpdate hb;
    hb.mutable_heartbeat()->set_initial_snapshot_complete(true);
    (void)cache_.Apply(0, hb);
    cache_bytes_ = RssBytes() - rss_before;
    engine_.ReplaceCatalog(markets, events);
    std::vector<BookKey> drained;
    touched_.Drain(&drained);
  }

  static ScanEngineOptions Options() {
    ScanEngineOptions o;
    o.binary.min_profit = Money::FromMicros(100'000);
    o.negrisk.min_profit = Money::FromMicros(100'000);
    return o;
  }

  // One tick on binary market `m`: a YES ask at 0.47 appears (mispriced: 0.47 + 0.51 = 0.98) or
  // goes again.
  // Returns the number of opportunities the pass published.
  size_t Tick(int m, bool mispriced) {
    v1::BookUpdate u;
    v1::BookDelta* d = u.mutable_deltas()->add_deltas();
    *d->mutable_instrument_id() = Pm(absl::StrCat("b", m, "-Y"));
    d->set_side(v1::BOOK_SIDE_ASK);
    d->set_price_micros(470'000);
    d->set_action(mispriced ? v1::BOOK_ACTION_SET : v1::BOOK_ACTION_DELETE);
    d->set_size_micros(mispriced ? 100'000'000 : 0);
    d->set_flags(v1::BOOK_DELTA_FLAG_LAST);
    d->set_sequence(++sequence_[m]);
    d->set_ts_receipt_unix_nanos(absl::ToUnixNanos(absl::Now()));
    (void)cache_.Apply(0, u);
    touched_.Drain(&keys_);
    instruments_.clear();
    for (const BookKey& k : keys_) instruments_.push_back(ToInstrumentKey(k));
    ScanResult r = engine_.OnBooksChanged(instruments_);
    published_.clear();
    board_.Apply(instruments_, false, std::move(r.opportunities), absl::ToUnixNanos(absl::Now()),
                 {}, &published_);
    return published_.size();
  }

  ScanEngine& engine() { return engine_; }
  int64_t cache_bytes() const { return cache_bytes_; }

 private:
  BookCache cache_;
  CacheBookReader reader_;
  TouchQueue touched_;
  ScanEngine engine_;
  OpportunityBoard board_;
  std::vector<uint64_t> sequence_ = std::vector<uint64_t>(kBinaryMarkets, 1);
  std::vector<BookKey> keys_;
  std::vector<lanes::InstrumentKey> instruments_;
  std::vector<v1::Opportunity> published_;
  int64_t cache_bytes_ = 0;
};

Universe& Shared() {
  static Universe* u = new Universe();
  return *u;
}

void BM_TickToOpportunity(benchmark::State& state) {
  Universe& u = Shared();
  std::vector<double> micros;
  micros.reserve(1 << 20);
  int i = 0;
  int64_t published = 0;
  for (auto _ : state) {
    const int m = (i / 2) % kBinaryMarkets;
    const auto start = std::chrono::steady_clock::now();
    const size_t n = u.Tick(m, i % 2 == 0);
    const auto end = std::chrono::steady_clock::now();
    micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    published += static_cast<int64_t>(n);
    ++i;
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[static_cast<size_t>(p * (micros.size() - 1))]; };
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["max_us"] = micros.back();
  state.counters["published"] = static_cast<double>(published);
  state.counters["ticks"] = static_cast<double>(micros.size());
}
BENCHMARK(BM_TickToOpportunity)->Unit(benchmark::kMicrosecond);

void BM_FullRescan(benchmark::State& state) {
  Universe& u = Shared();
  for (auto _ : state) {
    ScanResult r = u.engine().EvaluateAll();
    benchmark::DoNotOptimize(r);
  }
  state.counters["markets"] = kBinaryMarkets + kEvents * kOutcomes;
  state.counters["cache_MiB"] = static_cast<double>(u.cache_bytes()) / (1 << 20);
}
BENCHMARK(BM_FullRescan)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace arbor::scanner

BENCHMARK_MAIN();
