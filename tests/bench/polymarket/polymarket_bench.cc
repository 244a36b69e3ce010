// Benchmarks for the Polymarket market-channel hot path: decode + apply of a realistic
// price_change stream and of book snapshots. Inputs are generated deterministically:
// 500 tokens with 77-digit ids (half on a 0.01 grid, half on 0.001), each with a 30-level
// snapshot, then 10,000 new-schema price_change frames of 1-4 entries near the touch.
//
//   cmake -DCMAKE_BUILD_TYPE=Release ... && ./polymarket_bench
//
// Counters: entries/s (price_change entries decoded and applied per second on one core),
// frames/s.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/decimal.h"
#include "arbor/venue/polymarket/market_decoder.h"

namespace arbor::venue::polymarket {
namespace {

constexpr int kTokens = 500;
constexpr int kFrames = 10000;
constexpr int kLevels = 30;
constexpr char kMarket[] = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1";

struct Token {
  std::string id;
  int64_t tick_micros;
  int64_t mid_micros;  // on the grid
};

struct Workload {
  std::vector<Token> tokens;
  std::vector<std::string> snapshots;
  std::vector<std::string> changes;
  int64_t entries = 0;
};

std::string Decimal(int64_t micros) { return Price::FromMicros(micros).ToString(); }

std::string Hex40(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(40, '0');
  for (char& c : s) c = kHex[rng() % 16];
  return s;
}

std::string SizeText(std::mt19937_64& rng) {
  // Sizes with 0-2 decimals, as the venue sends them.
  const int64_t cents = 100 + static_cast<int64_t>(rng() % 5000000);
  const int decimals = static_cast<int>(rng() % 3);
  if (decimals == 0) return std::to_string(cents / 100);
  if (decimals == 1) return std::to_string(cents / 100) + "." + std::to_string((cents / 10) % 10);
  const int64_t frac = cents % 100;
  return std::to_string(cents / 100) + "." + (frac < 10 ? "0" : "") + std::to_string(frac);
}

const Workload& GetWorkload() {
  static const Workload* workload = [] {
    auto* w = new Workload();
    std::mt19937_64 rng(20260701);
    for (int t = 0; t < kTokens; ++t) {
      Token token;
      token.id = std::to_string(1 + rng() % 9);
      while (token.id.size() < 77) token.id.push_back(static_cast<char>('0' + rng() % 10));
      token.tick_micros = t % 2 == 0 ? 10000 : 1000;
      const int64_t mid = 350000 + static_cast<int64_t>(rng() % 300000);
      token.mid_micros = mid - mid % token.tick_micros;
      w->tokens.push_back(token);

      std::string f = R"({"event_type":"book","asset_id":")" + token.id + R"(","market":")" +
                      kMarket + R"(","bids":[)";
      for (int k = kLevels; k >= 1; --k) {  // ascending: best last, as the venue sends
        if (k < kLevels) f += ",";
        f += R"({"price":")" + Decimal(token.mid_micros - k * token.tick_micros) + R"(","size":")" +
             SizeText(rng) + R"("})";
      }
      f += R"(],"asks":[)";
      for (int k = kLevels; k >= 1; --k) {  // descending: best last
        if (k < kLevels) f += ",";
        f += R"({"price":")" + Decimal(token.mid_micros + k * token.tick_micros) + R"(","size":")" +
             SizeText(rng) + R"("})";
      }
      f += R"(],"timestamp":"1729084877448","hash":")" + Hex40(rng) + R"("})";
      w->snapshots.push_back(std::move(f));
    }
    for (int i = 0; i < kFrames; ++i) {
      const Token& token = w->tokens[rng() % kTokens];
      // Frames routinely carry both outcome tokens; pair each token with its neighbour.
      const Token& other = w->tokens[(&token - w->tokens.data()) ^ 1];
      const int entries = 1 + static_cast<int>(rng() % 4);
      std::string f = R"({"market":")" + std::string(kMarket) + R"(","price_changes":[)";
      for (int e = 0; e < entries; ++e) {
        const Token& tk = e % 2 == 0 ? token : other;
        const bool bid = rng() % 2 == 0;
        const int64_t offset = (1 + static_cast<int64_t>(rng() % 5)) * tk.tick_micros;
        const int64_t price = bid ? tk.mid_micros - offset : tk.mid_micros + offset;
        const std::string size = rng() % 7 == 0 ? "0" : SizeText(rng);
        if (e > 0) f += ",";
        f += R"({"asset_id":")" + tk.id + R"(","price":")" + Decimal(price) + R"(","size":")" +
             size + R"(","side":")" + (bid ? "BUY" : "SELL") + R"(","hash":")" + Hex40(rng) +
             R"(","best_bid":")" + Decimal(tk.mid_micros - tk.tick_micros) + R"(","best_ask":")" +
             Decimal(tk.mid_micros + tk.tick_micros) + R"("})";
      }
      f += R"(],"event_type":"price_change","timestamp":")" + std::to_string(1729084877448 + i) +
           R"("})";
      w->changes.push_back(std::move(f));
      w->entries += entries;
    }
    return w;
  }();
  return *workload;
}

// A BookSet with every token's tick known and its snapshot applied.
void Prime(const Workload& w, MarketFrameDecoder& decoder, BookSet& books) {
  for (const Token& t : w.tokens) {
    if (!books.SetTickSize(t.id, Price::FromMicros(t.tick_micros)).ok()) std::abort();
  }
  for (const std::string& s : w.snapshots) {
    absl::StatusOr<const MarketFrame*> frame = decoder.Decode(s);
    if (!frame.ok() || !books.Apply(**frame).ok()) std::abort();
  }
}

void BM_PriceChangeDecodeApply(benchmark::State& state) {
  const Workload& w = GetWorkload();
  MarketFrameDecoder decoder;
  BookSet books;
  Prime(w, decoder, books);
  int64_t entries = 0;
  int64_t frames = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& f : w.changes) {
      absl::StatusOr<const MarketFrame*> frame = decoder.Decode(f);
      if (!frame.ok()) {
        state.SkipWithError("decode failed");
        return;
      }
      if (!books.Apply(**frame).ok()) {
        state.SkipWithError("apply failed");
        return;
      }
      bytes += static_cast<int64_t>(f.size());
    }
    entries += w.entries;
    frames += kFrames;
  }
  state.counters["entries/s"] =
      benchmark::Counter(static_cast<double>(entries), benchmark::Counter::kIsRate);
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(bytes);
  if (books.stats().errors != 0) state.SkipWithError("unexpected book errors");
}
BENCHMARK(BM_PriceChangeDecodeApply)->Unit(benchmark::kMillisecond);

void BM_PriceChangeDecodeOnly(benchmark::State& state) {
  const Workload& w = GetWorkload();
  MarketFrameDecoder decoder;
  int64_t entries = 0;
  for (auto _ : state) {
    for (const std::string& f : w.changes) {
      absl::StatusOr<const MarketFrame*> frame = decoder.Decode(f);
      benchmark::DoNotOptimize(frame);
    }
    entries += w.entries;
  }
  state.counters["entries/s"] =
      benchmark::Counter(static_cast<double>(entries), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PriceChangeDecodeOnly)->Unit(benchmark::kMillisecond);

void BM_BookSnapshotDecodeApply(benchmark::State& state) {
  const Workload& w = GetWorkload();
  MarketFrameDecoder decoder;
  BookSet books;
  Prime(w, decoder, books);
  int64_t frames = 0;
  for (auto _ : state) {
    for (const std::string& s : w.snapshots) {
      absl::StatusOr<const MarketFrame*> frame = decoder.Decode(s);
      if (!frame.ok() || !books.Apply(**frame).ok()) {
        state.SkipWithError("snapshot failed");
        return;
      }
    }
    frames += kTokens;
  }
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.counters["levels/s"] =
      benchmark::Counter(static_cast<double>(frames * 2 * kLevels), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BookSnapshotDecodeApply)->Unit(benchmark::kMillisecond);

// The decimal fast path against the general exact parser, on the stream's price/size texts.
void BM_DecimalParse(benchmark::State& state) {
  std::vector<std::string> texts;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 4096; ++i) {
    texts.push_back(i % 2 == 0 ? Decimal(static_cast<int64_t>(rng() % 1000) * 1000)
                               : SizeText(rng));
  }
  const bool fast = state.range(0) == 1;
  int64_t sum = 0;
  for (auto _ : state) {
    for (const std::string& t : texts) {
      int64_t v = 0;
      if (fast) {
        if (!ParsePlainDecimalMicros(t, &v)) v = *arbor::internal::ParseScaledDecimal(t, 6);
      } else {
        v = *arbor::internal::ParseScaledDecimal(t, 6);
      }
      sum += v;
    }
  }
  benchmark::DoNotOptimize(sum);
  state.counters["parses/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * static_cast<int64_t>(texts.size())),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecimalParse)->Arg(0)->Arg(1);

}  // namespace
}  // namespace arbor::venue::polymarket

BENCHMARK_MAIN();
