// Checks that decoding and applying orderbook_delta frames does not allocate after warm-up, by
// replacing the global operator new of this test binary with a counting one. Sanitizer runtimes
// bring their own operator new, so the check is compiled out (and skipped) under ASan.
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "arbor/venue/kalshi/book_builder.h"
#include "arbor/venue/kalshi/ws_decoder.h"
#include "gtest/gtest.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARBOR_KALSHI_TEST_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARBOR_KALSHI_TEST_COUNT_ALLOCS 0
#else
#define ARBOR_KALSHI_TEST_COUNT_ALLOCS 1
#endif
#else
#define ARBOR_KALSHI_TEST_COUNT_ALLOCS 1
#endif

#if ARBOR_KALSHI_TEST_COUNT_ALLOCS
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace arbor::venue::kalshi {
namespace {

TEST(AllocationTest, DeltaDecodeAndApplyDoNotAllocateAfterWarmUp) {
#if !ARBOR_KALSHI_TEST_COUNT_ALLOCS
  GTEST_SKIP() << "operator new is owned by the sanitizer runtime";
#else
  WsFrameDecoder decoder;
  BookSet books;
  ASSERT_TRUE(decoder
                  .Decode(R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":)"
                          R"("KXTEST-01","yes_dollars_fp":[["0.4000","10.00"]],)"
                          R"("no_dollars_fp":[["0.5000","10.00"]]}})")
                  .ok());
  ASSERT_EQ(books.Apply(decoder.message()).outcome, ApplyOutcome::kApplied);
  // Frames built up front so building them is not counted.
  std::vector<std::string> frames;
  for (int i = 0; i < 2000; ++i) {
    // Pairs of +5 / -5 on the same level, so no level ever goes negative.
    const int cents = 10 + (i / 2) % 30;
    frames.push_back(
        std::string(R"({"type":"orderbook_delta","sid":1,"seq":)") + std::to_string(2 + i) +
        R"(,"msg":{"market_ticker":"KXTEST-01","price_dollars":"0.)" + std::to_string(cents) +
        R"(00","delta_fp":")" + (i % 2 == 0 ? "5" : "-5") + R"(.00","side":")" +
        ((i / 2) % 2 == 0 ? "yes" : "no") + R"(","ts_ms":1669149841000}})");
  }
  // Warm-up: the first frames size the buffers.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(decoder.Decode(frames[i]).ok());
    ASSERT_EQ(books.Apply(decoder.message()).outcome, ApplyOutcome::kApplied);
  }
  const long before = g_allocations.load();
  for (size_t i = 100; i < frames.size(); ++i) {
    if (!decoder.Decode(frames[i]).ok()) FAIL() << frames[i];
    if (books.Apply(decoder.message()).outcome != ApplyOutcome::kApplied) FAIL() << frames[i];
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(books.counters().deltas_applied, 2000u);
#endif
}

}  // namespace
}  // namespace arbor::venue::kalshi
