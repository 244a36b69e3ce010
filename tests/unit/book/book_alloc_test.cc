// Proves the allocation guarantee: after construction and warm-up, 100k mixed book updates,
// queries, sweeps (direct and through ComplementView) and OFI events perform zero heap
// allocations. This binary replaces the global operator new/delete with counting versions, so
// it is kept apart from book_test.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "arbor/book/complement_view.h"
#include "arbor/book/ofi.h"
#include "arbor/book/order_book.h"
#include "arbor/book/price_grid.h"
#include "gtest/gtest.h"

namespace {

std::atomic<uint64_t> g_allocations{0};

void* CountedAlloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* CountedAlignedAlloc(std::size_t size, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t a = static_cast<std::size_t>(align);
  // aligned_alloc needs a size that is a multiple of the alignment.
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return CountedAlloc(size); }
void* operator new[](std::size_t size) { return CountedAlloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new(std::size_t size, std::align_val_t align) {
  return CountedAlignedAlloc(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return CountedAlignedAlloc(size, align);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace arbor::book {
namespace {

TEST(BookAllocTest, CounterSeesAllocations) {
  // Guards against the replacement silently not being linked in.
  const uint64_t before = g_allocations.load();
  auto* v = new std::vector<int>(100);
  delete v;
  EXPECT_GE(g_allocations.load() - before, 2u);
}

// Runs the mixed workload `iterations` times; every call must succeed (error statuses build a
// message, which allocates, and are excluded from the guarantee).
class Workload {
 public:
  Workload()
      : book_(PriceGrid::KalshiTaperedDeciCent()), view_(book_), ofi_(absl::Seconds(5), 4096) {
    top_.reserve(10);
  }

  void Run(int iterations) {
    const PriceGrid& grid = book_.grid();
    for (int i = 0; i < iterations; ++i) {
      const int op = static_cast<int>(rng_() % 100);
      const BookSide side = rng_() % 2 ? BookSide::kBid : BookSide::kAsk;
      // Near-touch prices on the valid 0.01 part of the tapered grid plus its fine tails.
      const int cents = 5 + static_cast<int>(rng_() % 90);
      const Price price = Price::FromMicros(cents * 10'000);
      if (op < 40) {
        const Quantity q = Quantity::FromMicros(
            static_cast<int64_t>(rng_() % 4) == 0 ? 0 : static_cast<int64_t>(rng_() % 900'000'000));
        Ok(book_.SetLevel(side, price, q));
      } else if (op < 75) {
        const int64_t have = book_.SizeAt(side, price).micros();
        const int64_t delta = rng_() % 2 && have > 0
                                  ? -static_cast<int64_t>(rng_() % static_cast<uint64_t>(have + 1))
                                  : static_cast<int64_t>(rng_() % 50'000'000);
        Ok(book_.AddToLevel(side, price, Quantity::FromMicros(delta)));
      } else if (op < 77) {
        for (size_t k = 0; k < snap_bids_.size(); ++k) {
          snap_bids_[k] = Level{grid.PriceAt(static_cast<int>(k)), Quantity::FromUnits(1)};
          snap_asks_[k] = Level{Price::FromMicros(950'000 + static_cast<int64_t>(k) * 1'000),
                                Quantity::FromUnits(static_cast<int64_t>(k) + 1)};
        }
        Ok(book_.ApplySnapshot(snap_bids_, snap_asks_));
      } else if (op < 90) {
        const Quantity q = Quantity::FromMicros(static_cast<int64_t>(rng_() % 3'000'000'000));
        const Money m = Money::FromMicros(static_cast<int64_t>(rng_() % 3'000'000'000));
        sink_ += book_.SweepBuyQuantity(q).filled.micros();
        sink_ += book_.SweepSellQuantity(q).notional.micros();
        sink_ += book_.SweepBuyNotional(m).filled.micros();
        sink_ += book_.SweepSellNotional(m).filled.micros();
        sink_ += view_.SweepBuyQuantity(q).levels_consumed;
        sink_ += view_.SweepSellNotional(m).levels_consumed;
      } else if (op < 99) {
        const Depth<5> d = book_.GetDepth<5>();
        book_.TopLevels(side, 10, &top_);
        sink_ += static_cast<int64_t>(d.bid_count + top_.size()) +
                 static_cast<int64_t>(book_.cross_state());
        if (auto b = view_.BestBid()) sink_ += b->size.micros();
      } else {
        book_.Clear();
      }
      ts_ += 1'000'000;
      ofi_.OnTopOfBook(ts_, book_.BestBid(), book_.BestAsk());
      sink_ += ofi_.Imbalance(ts_).micros() + static_cast<int64_t>(ofi_.samples(ts_));
    }
  }

  int64_t sink() const { return sink_; }
  int failures() const { return failures_; }

 private:
  void Ok(const absl::Status& s) {
    if (!s.ok()) ++failures_;
  }

  OrderBook book_;
  ComplementView view_;
  OfiTracker ofi_;
  std::vector<Level> top_;
  std::array<Level, 20> snap_bids_{};
  std::array<Level, 20> snap_asks_{};
  std::mt19937_64 rng_{7};
  int64_t ts_ = 0;
  int64_t sink_ = 0;
  int failures_ = 0;
};

TEST(BookAllocTest, HotPathsDoNotAllocate) {
  Workload w;
  w.Run(5'000);  // warm-up
  const uint64_t before = g_allocations.load();
  w.Run(100'000);
  const uint64_t allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(w.failures(), 0);
  EXPECT_NE(w.sink(), 0);  // keeps the work observable
}

}  // namespace
}  // namespace arbor::book
