// Kalshi orderbook_delta throughput: WsFrameDecoder::Decode + BookSet::Apply over a deterministic
// stream of 200 markets (snapshots, then 200'000 in-sequence deltas that never drive a level
// negative). Reported as items (deltas) per second.
//
//   ./kalshi_bench --benchmark_counters_tabular=true
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "arbor/venue/kalshi/book_builder.h"
#include "arbor/venue/kalshi/ws_decoder.h"
#include "benchmark/benchmark.h"

namespace arbor::venue::kalshi {
namespace {

constexpr int kMarkets = 200;
constexpr int kDeltas = 200'000;
constexpr int kLevels = 20;  // price levels per side the stream touches

// Deterministic 64-bit LCG (Knuth MMIX constants): the stream is identical on every run.
class Lcg {
 public:
  uint64_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 33;
  }

 private:
  uint64_t state_ = 42;
};

std::string Ticker(int market) { return "KXBENCH-26JAN01-T" + std::to_string(market); }

// "0.3100" for cents = 31.
std::string Dollars(int cents) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0.%02d00", cents);
  return buf;
}

struct Stream {
  std::vector<std::string> snapshots;
  std::vector<std::string> deltas;
};

// YES levels rest at 0.25..0.44, NO levels at 0.50..0.69 (a YES ask at 0.31..0.50): 20 each.
const Stream& GetStream() {
  static const Stream* stream = [] {
    auto* s = new Stream;
    // sizes[market][side][level] in whole contracts, mirrored by the generator so no delta
    // takes a level below zero.
    std::vector<int64_t> sizes(static_cast<size_t>(kMarkets) * 2 * kLevels, 0);
    uint64_t seq = 1;
    for (int m = 0; m < kMarkets; ++m) {
      std::string yes;
      std::string no;
      for (int l = 0; l < kLevels; l += 2) {  // every other level starts filled
        sizes[(static_cast<size_t>(m) * 2 + 0) * kLevels + l] = 100;
        sizes[(static_cast<size_t>(m) * 2 + 1) * kLevels + l] = 100;
        if (!yes.empty()) yes += ",";
        if (!no.empty()) no += ",";
        yes += "[\"" + Dollars(25 + l) + "\",\"100.00\"]";
        no += "[\"" + Dollars(50 + l) + "\",\"100.00\"]";
      }
      s->snapshots.push_back(R"({"type":"orderbook_snapshot","sid":1,"seq":)" +
                             std::to_string(seq++) + R"(,"msg":{"market_ticker":")" + Ticker(m) +
                             R"(","market_id":"00000000-0000-0000-0000-000000000000",)" +
                             R"("yes_dollars_fp":[)" + yes + R"(],"no_dollars_fp":[)" + no + "]}}");
    }
    Lcg rng;
    for (int i = 0; i < kDeltas; ++i) {
      const int m = static_cast<int>(rng.Next() % kMarkets);
      const int side = static_cast<int>(rng.Next() % 2);
      const int l = static_cast<int>(rng.Next() % kLevels);
      int64_t& size = sizes[(static_cast<size_t>(m) * 2 + side) * kLevels + l];
      int64_t delta = static_cast<int64_t>(rng.Next() % 50) + 1;
      if (size > 0 && rng.Next() % 2 == 0) delta = -std::min(size, delta);
      size += delta;
      s->deltas.push_back(
          R"({"type":"orderbook_delta","sid":1,"seq":)" + std::to_string(seq++) +
          R"(,"msg":{"market_ticker":")" + Ticker(m) +
          R"(","market_id":"00000000-0000-0000-0000-000000000000","price_dollars":")" +
          Dollars((side == 0 ? 25 : 50) + l) + R"(","delta_fp":")" + std::to_string(delta) +
          R"(.00","side":")" + (side == 0 ? "yes" : "no") +
          R"(","ts":"2026-01-01T00:00:00Z","ts_ms":1767225600000}})");
    }
    return s;
  }();
  return *stream;
}

// Applies every snapshot: resets books and the sid's seq baseline for a new pass.
void LoadSnapshots(WsFrameDecoder& decoder, BookSet& books, benchmark::State& state) {
  for (const std::string& frame : GetStream().snapshots) {
    if (!decoder.Decode(frame).ok() ||
        books.Apply(decoder.message()).outcome != ApplyOutcome::kApplied) {
      state.SkipWithError("snapshot failed");
      return;
    }
  }
}

void BM_DeltaDecodeAndApply(benchmark::State& state) {
  const Stream& stream = GetStream();
  WsFrameDecoder decoder;
  BookSet books;
  LoadSnapshots(decoder, books, state);
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    if (i == stream.deltas.size()) {
      state.PauseTiming();
      LoadSnapshots(decoder, books, state);
      i = 0;
      state.ResumeTiming();
    }
    const std::string& frame = stream.deltas[i++];
    bytes += static_cast<int64_t>(frame.size());
    if (!decoder.Decode(frame).ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    const ApplyResult r = books.Apply(decoder.message());
    if (r.outcome != ApplyOutcome::kApplied) {
      state.SkipWithError("apply failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
  state.counters["markets"] = static_cast<double>(books.size());
}
BENCHMARK(BM_DeltaDecodeAndApply);

void BM_DeltaDecodeOnly(benchmark::State& state) {
  const Stream& stream = GetStream();
  WsFrameDecoder decoder;
  size_t i = 0;
  for (auto _ : state) {
    if (i == stream.deltas.size()) i = 0;
    if (!decoder.Decode(stream.deltas[i++]).ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(decoder.message().delta.price);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeltaDecodeOnly);

void BM_DeltaApplyOnly(benchmark::State& state) {
  const Stream& stream = GetStream();
  // Decode once up front; tickers are copied out because decoded views die on the next frame.
  WsFrameDecoder decoder;
  std::vector<std::string> tickers;
  std::vector<OrderbookDelta> deltas;
  std::vector<uint64_t> seqs;
  tickers.reserve(stream.deltas.size());
  for (const std::string& frame : stream.deltas) {
    if (!decoder.Decode(frame).ok()) {
      state.SkipWithError("decode failed");
      return;
    }
    tickers.emplace_back(decoder.message().delta.market_ticker);
    deltas.push_back(decoder.message().delta);
    seqs.push_back(*decoder.message().seq);
  }
  for (size_t k = 0; k < deltas.size(); ++k) deltas[k].market_ticker = tickers[k];
  BookSet books;
  LoadSnapshots(decoder, books, state);
  size_t i = 0;
  for (auto _ : state) {
    if (i == deltas.size()) {
      state.PauseTiming();
      LoadSnapshots(decoder, books, state);
      i = 0;
      state.ResumeTiming();
    }
    const ApplyResult r = books.ApplyDelta(1, seqs[i], deltas[i]);
    ++i;
    if (r.outcome != ApplyOutcome::kApplied) {
      state.SkipWithError("apply failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeltaApplyOnly);

}  // namespace
}  // namespace arbor::venue::kalshi

BENCHMARK_MAIN();
