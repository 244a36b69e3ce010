// Benchmarks for arbor::book hot paths: level updates near the touch, best-level maintenance
// when the best level is deleted, VWAP sweeps by depth, snapshots and OFI. Inputs are generated
// up front with a fixed seed so the timed loops do no allocation or RNG work.
//
//   build/tests/bench/book/book_bench --benchmark_min_time=0.5
#include <cstdint>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "arbor/book/complement_view.h"
#include "arbor/book/ofi.h"
#include "arbor/book/order_book.h"
#include "arbor/book/price_grid.h"
#include "arbor/core/check.h"
#include "benchmark/benchmark.h"

namespace arbor::book {
namespace {

PriceGrid GridForTickMicros(int64_t tick_micros) {
  absl::StatusOr<PriceGrid> grid = PriceGrid::Uniform(Price::FromMicros(tick_micros));
  ARBOR_CHECK(grid.ok(), "benchmark grid");
  return *grid;
}

struct Update {
  BookSide side;
  Price price;
  Quantity size;
};

// Realistic feed: updates within +-10 ticks of a slowly drifting mid, bids below and asks at or
// above it, 20% deletions.
std::vector<Update> NearTouchUpdates(const PriceGrid& grid, size_t n) {
  std::mt19937_64 rng(42);
  std::vector<Update> out;
  out.reserve(n);
  int mid = grid.slots() / 2;
  for (size_t i = 0; i < n; ++i) {
    if (rng() % 64 == 0) mid += static_cast<int>(rng() % 3) - 1;
    const bool bid = rng() % 2 == 0;
    const int offset = static_cast<int>(rng() % 10);
    const int slot = bid ? mid - 1 - offset : mid + offset;
    const Quantity size = rng() % 5 == 0
                              ? Quantity::Zero()
                              : Quantity::FromMicros(static_cast<int64_t>(rng() % 5'000'000'000));
    out.push_back(Update{bid ? BookSide::kBid : BookSide::kAsk, grid.PriceAt(slot), size});
  }
  return out;
}

// Arg: tick in micro-units (10000 = 0.01, 1000 = 0.001).
void BM_SetLevelNearTouch(benchmark::State& state) {
  const PriceGrid grid = GridForTickMicros(state.range(0));
  OrderBook book(grid);
  const std::vector<Update> updates = NearTouchUpdates(grid, 1 << 16);
  size_t i = 0;
  for (auto _ : state) {
    const Update& u = updates[i];
    benchmark::DoNotOptimize(book.SetLevel(u.side, u.price, u.size));
    i = (i + 1) & ((1 << 16) - 1);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_SetLevelNearTouch)->Arg(10'000)->Arg(1'000);

// Same stream as additive deltas (Kalshi): each update adds or removes part of the level.
void BM_AddToLevelNearTouch(benchmark::State& state) {
  const PriceGrid grid = GridForTickMicros(state.range(0));
  OrderBook book(grid);
  const std::vector<Update> updates = NearTouchUpdates(grid, 1 << 16);
  size_t i = 0;
  for (auto _ : state) {
    const Update& u = updates[i];
    const Quantity have = book.SizeAt(u.side, u.price);
    // Alternate: remove everything on a "deletion", otherwise add.
    const Quantity delta = u.size.IsZero() ? -have : u.size;
    benchmark::DoNotOptimize(book.AddToLevel(u.side, u.price, delta));
    i = (i + 1) & ((1 << 16) - 1);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_AddToLevelNearTouch)->Arg(10'000)->Arg(1'000);

// Deleting the best bid forces a scan for the next one `gap` slots away on a 0.0001 grid
// (9999 slots); then the level is restored. Two updates per iteration.
void BM_DeleteBestLevel(benchmark::State& state) {
  const PriceGrid grid = GridForTickMicros(100);
  OrderBook book(grid);
  const int gap = static_cast<int>(state.range(0));
  const int best = grid.slots() - 1;
  ARBOR_CHECK(book.SetLevel(BookSide::kBid, grid.PriceAt(best - gap), Quantity::FromUnits(5)).ok(),
              "setup");
  ARBOR_CHECK(book.SetLevel(BookSide::kBid, grid.PriceAt(0), Quantity::FromUnits(5)).ok(), "setup");
  const Price best_price = grid.PriceAt(best);
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.SetLevel(BookSide::kBid, best_price, Quantity::FromUnits(1)));
    benchmark::DoNotOptimize(book.SetLevel(BookSide::kBid, best_price, Quantity::Zero()));
    benchmark::DoNotOptimize(book.BestBid());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 2);
}
BENCHMARK(BM_DeleteBestLevel)->Arg(1)->Arg(64)->Arg(4096)->Arg(9997);

// An ask ladder of 100 shares per 0.01 tick from 0.50; the sweep touches exactly N levels.
OrderBook SweepBook() {
  OrderBook book(PriceGrid::KalshiLinearCent());
  for (int c = 50; c < 99; ++c) {
    ARBOR_CHECK(
        book.SetLevel(BookSide::kAsk, Price::FromMicros(c * 10'000), Quantity::FromUnits(100)).ok(),
        "setup");
    ARBOR_CHECK(book.SetLevel(BookSide::kBid, Price::FromMicros((c - 48) * 10'000),
                              Quantity::FromUnits(100))
                    .ok(),
                "setup");
  }
  return book;
}

void BM_SweepBuyQuantity(benchmark::State& state) {
  const OrderBook book = SweepBook();
  const Quantity q = Quantity::FromUnits(state.range(0) * 100 - 50);
  for (auto _ : state) benchmark::DoNotOptimize(book.SweepBuyQuantity(q));
  ARBOR_CHECK(book.SweepBuyQuantity(q).levels_consumed == state.range(0), "depth");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_SweepBuyQuantity)->Arg(1)->Arg(5)->Arg(20);

void BM_SweepBuyNotional(benchmark::State& state) {
  const OrderBook book = SweepBook();
  // 100 shares per level at ~0.5-0.7: budget for roughly N levels, stopping inside the last.
  const Money budget = Money::FromUnits(state.range(0) * 50);
  for (auto _ : state) benchmark::DoNotOptimize(book.SweepBuyNotional(budget));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_SweepBuyNotional)->Arg(1)->Arg(5)->Arg(20);

// A NO buy through the complement view walks the YES bids.
void BM_ComplementSweepBuyQuantity(benchmark::State& state) {
  const OrderBook book = SweepBook();
  const ComplementView no(book);
  const Quantity q = Quantity::FromUnits(state.range(0) * 100 - 50);
  for (auto _ : state) benchmark::DoNotOptimize(no.SweepBuyQuantity(q));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ComplementSweepBuyQuantity)->Arg(1)->Arg(5)->Arg(20);

// Full replacement with N levels per side on a 0.001 grid (the ladder is reused).
void BM_ApplySnapshot(benchmark::State& state) {
  const PriceGrid grid = GridForTickMicros(1'000);
  OrderBook book(grid);
  const int n = static_cast<int>(state.range(0));
  std::vector<Level> bids, asks;
  for (int k = 0; k < n; ++k) {
    bids.push_back(Level{grid.PriceAt(498 - k * 2), Quantity::FromUnits(k + 1)});
    asks.push_back(Level{grid.PriceAt(500 + k * 2), Quantity::FromUnits(k + 1)});
  }
  for (auto _ : state) benchmark::DoNotOptimize(book.ApplySnapshot(bids, asks));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ApplySnapshot)->Arg(10)->Arg(100);

void BM_OfiOnTopOfBook(benchmark::State& state) {
  OfiTracker ofi(absl::Seconds(10), 1 << 16);
  const PriceGrid grid = PriceGrid::KalshiLinearCent();
  const std::vector<Update> updates = NearTouchUpdates(grid, 1 << 16);
  size_t i = 0;
  int64_t ts = 0;
  for (auto _ : state) {
    const Update& u = updates[i];
    ofi.OnTopOfBook(ts, Level{u.price, u.size}, Level{Complement(u.price), u.size});
    ts += 1'000'000;
    i = (i + 1) & ((1 << 16) - 1);
  }
  benchmark::DoNotOptimize(ofi.Imbalance(ts));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_OfiOnTopOfBook);

}  // namespace
}  // namespace arbor::book

BENCHMARK_MAIN();
