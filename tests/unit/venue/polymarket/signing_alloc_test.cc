// Allocation test for order signing (its own binary: it replaces the global operator new).
// After warm-up, the opportunity -> signed order path (amounts, EIP-712 digest, secp256k1
// signature including the POLY_1271 envelope, POST body JSON into a reused string) must not
// allocate.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "arbor/venue/polymarket/order_amounts.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "gmock/gmock.h"
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

TEST(SigningAllocTest, SignAndSerialiseDoNotAllocateAfterWarmUp) {
  const auto key =
      Secp256k1Signer::FromHex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
          .value();
  const OrderSigner signer(key.get());
  const ExchangeDomain domain = MakeExchangeDomain(137, 2, true).value();
  OrderV2 order;
  order.maker = key->address();
  order.signer = key->address();
  order.token_id = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
  order.timestamp_ms = 1713398400000;
  SignedOrderV2 signed_order;
  std::string json;
  json.reserve(2048);
  int failures = 0;
  auto sign_one = [&](int i) {
    const OrderSide side = (i & 1) ? OrderSide::kSell : OrderSide::kBuy;
    absl::StatusOr<RawAmounts> a =
        (i % 3 == 0)
            ? MarketOrderAmounts(side, Price::FromMicros(2500 * (1 + i % 398)),
                                 Quantity::FromMicros(1000000 + 7 * i), TickSize::k0_0025)
            : LimitOrderAmounts(side, Price::FromMicros(10000 * (1 + i % 98)),
                                Quantity::FromMicros(5000000 + 10000 * i), TickSize::k0_01);
    if (!a.ok()) {
      ++failures;
      return;
    }
    order.salt = static_cast<uint64_t>(i) + 1;
    order.side = side;
    order.signature_type = (i % 4 == 3) ? SignatureType::kPoly1271 : SignatureType::kEoa;
    order.maker_amount = a->maker_amount;
    order.taker_amount = a->taker_amount;
    if (!signer.Sign(domain, order, &signed_order).ok()) ++failures;
    json.clear();
    AppendOrderJson(order, signed_order, &json);
  };
  for (int i = 0; i < 8; ++i) sign_one(i);  // warm-up: static typehashes, libsecp256k1 context
  const int64_t before = g_allocations.load();
  for (int i = 8; i < 200; ++i) sign_one(i);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(failures, 0);
  EXPECT_THAT(json, ::testing::StartsWith("{\"salt\":200,"));
}

}  // namespace
}  // namespace arbor::venue::polymarket
