// Allocation test (its own binary: it replaces the global operator new). After warm-up,
// decoding a price_change / book frame and applying it to a BookSet must not allocate.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/market_decoder.h"
#include "gtest/gtest.h"

namespace {
std::atomic<int64_t> g_allocations{0};

// Out of line so that g++ -O2 does not pair the inlined malloc/free with new/delete
// (-Wmismatched-new-delete false positive on replacement operators).
[[gnu::noinline]] void* CountedAlloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  return std::malloc(size);
}
[[gnu::noinline]] void Release(void* p) { std::free(p); }
}  // namespace

void* operator new(std::size_t size) {
  void* p = CountedAlloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t size) {
  void* p = CountedAlloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return CountedAlloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return CountedAlloc(size);
}
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, std::size_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }

namespace arbor::venue::polymarket {
namespace {

// Realistic frames: 77-digit token ids, 40-hex hashes, 1-4 entries on two tokens.
std::vector<std::string> MakePriceChangeFrames(const std::string& yes, const std::string& no) {
  std::vector<std::string> frames;
  for (int i = 0; i < 64; ++i) {
    std::string f =
        R"({"market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","price_changes":[)";
    const int entries = 1 + i % 4;
    for (int k = 0; k < entries; ++k) {
      const bool bid = (i + k) % 2 == 0;
      const int cents = bid ? 40 + (i + k) % 9 : 51 + (i * 3 + k) % 9;
      if (k > 0) f += ",";
      f += R"({"asset_id":")" + ((k % 2 == 0) ? yes : no) + R"(","price":"0.)" +
           std::to_string(cents) + R"(","side":")" + (bid ? "BUY" : "SELL") + R"(","size":")" +
           ((i + k) % 7 == 0 ? std::string("0") : std::to_string(100 + i * 13 + k) + ".25") +
           R"(","hash":"bf32b3746fff40c76c98021b7f3f07261169dd2)" + std::to_string(k) +
           R"(","best_bid":"0.48","best_ask":"0.51"})";
    }
    f += R"(],"event_type":"price_change","timestamp":"17290848774)" + std::to_string(10 + i) +
         R"("})";
    frames.push_back(std::move(f));
  }
  return frames;
}

std::string MakeBook(const std::string& asset, int shift) {
  std::string f =
      R"({"event_type":"book","asset_id":")" + asset +
      R"(","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","bids":[)";
  for (int k = 0; k < 30; ++k) {
    if (k > 0) f += ",";
    f += R"({"price":"0.)" + std::to_string(10 + k + shift) + R"(","size":")" +
         std::to_string(1000 + k) + R"("})";
  }
  f += R"(],"asks":[)";
  for (int k = 0; k < 30; ++k) {
    if (k > 0) f += ",";
    f += R"({"price":"0.)" + std::to_string(50 + k + shift) + R"(","size":")" +
         std::to_string(500 + k) + R"("})";
  }
  f += R"(],"timestamp":"1729084877448","hash":"655a38d4977427b086c25b985993691b753ed166"})";
  return f;
}

TEST(AllocationTest, PriceChangeAndBookDecodeApplyAreAllocationFreeAfterWarmUp) {
  const std::string yes =
      "52114319501245915516055106046884209969926127482827954674443846427813813222426";
  const std::string no =
      "71321045679252212594626385532706912750332728571942532289631379312455583992563";
  const std::vector<std::string> changes = MakePriceChangeFrames(yes, no);
  const std::vector<std::string> books = {MakeBook(yes, 0), MakeBook(no, 1), MakeBook(yes, 2)};

  MarketFrameDecoder decoder;
  BookSet set;
  auto run = [&]() {
    for (const std::string& book : books) {
      absl::StatusOr<const MarketFrame*> frame = decoder.Decode(book);
      if (!frame.ok() || !set.Apply(**frame).ok()) return false;
    }
    for (const std::string& change : changes) {
      absl::StatusOr<const MarketFrame*> frame = decoder.Decode(change);
      if (!frame.ok() || !set.Apply(**frame).ok()) return false;
    }
    return true;
  };
  ASSERT_TRUE(run());  // warm-up: buffers, books, hash strings grow to their steady size
  ASSERT_TRUE(run());

  const int64_t before = g_allocations.load();
  bool ok = true;
  for (int round = 0; round < 20; ++round) ok = ok && run();
  const int64_t allocations = g_allocations.load() - before;
  ASSERT_TRUE(ok);
  EXPECT_EQ(allocations, 0);
  EXPECT_GT(set.stats().levels_applied, 20u * 64u);
  EXPECT_NE(set.Find(yes), nullptr);
}

TEST(AllocationTest, CounterSeesAllocations) {
  // Guards against a silently disabled counter (e.g. operator new not replaced).
  const int64_t before = g_allocations.load();
  auto* p = new std::vector<int>(100);
  delete p;
  EXPECT_GE(g_allocations.load() - before, 2);
}

}  // namespace
}  // namespace arbor::venue::polymarket
