// Polymarket order signing: orders signed per second on one core (amounts + EIP-712 + secp256k1
// + POST body JSON), each stage alone, and the latency distribution of the whole path from an
// opportunity (price, size, side) to a signed, serialised order (p50/p99/max as counters).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/order_amounts.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "benchmark/benchmark.h"

namespace arbor::venue::polymarket {
namespace {

constexpr char kKeyHex[] = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr char kToken[] =
    "71321045679252212594626385532706912750332728571942532289631379312455583992563";

struct Fixture {
  std::unique_ptr<Secp256k1Signer> key = Secp256k1Signer::FromHex(kKeyHex).value();
  OrderSigner signer{key.get()};
  ExchangeDomain domain = MakeExchangeDomain(137, 2, false).value();
  OrderV2 order;
  SignedOrderV2 signed_order;
  std::string json;

  Fixture() {
    order.maker = key->address();
    order.signer = key->address();
    order.token_id = kToken;
    order.timestamp_ms = 1713398400000;
    json.reserve(1024);
  }

  // The whole hot path for the i-th opportunity; returns false on error.
  bool SignOne(int64_t i) {
    const Price price = Price::FromMicros(10000 * (1 + i % 98));
    const Quantity size = Quantity::FromMicros(1000000 * (5 + i % 200) + 10000 * (i % 100));
    const OrderSide side = (i & 1) ? OrderSide::kSell : OrderSide::kBuy;
    absl::StatusOr<RawAmounts> amounts = LimitOrderAmounts(side, price, size, TickSize::k0_01);
    if (!amounts.ok()) return false;
    order.salt = static_cast<uint64_t>(i) + 1;
    order.side = side;
    order.maker_amount = amounts->maker_amount;
    order.taker_amount = amounts->taker_amount;
    if (!signer.Sign(domain, order, &signed_order).ok()) return false;
    json.clear();
    AppendOrderJson(order, signed_order, &json);
    return true;
  }
};

void BM_SignOrderEndToEnd(benchmark::State& state) {
  Fixture f;
  int64_t i = 0;
  for (auto _ : state) {
    if (!f.SignOne(i++)) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(f.json.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignOrderEndToEnd);

void BM_SignPoly1271Order(benchmark::State& state) {
  Fixture f;
  f.order.signature_type = SignatureType::kPoly1271;
  int64_t i = 0;
  for (auto _ : state) {
    f.order.salt = static_cast<uint64_t>(++i);
    if (!f.signer.Sign(f.domain, f.order, &f.signed_order).ok()) state.SkipWithError("failed");
    benchmark::DoNotOptimize(f.signed_order.signature_bytes.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignPoly1271Order);

void BM_Amounts(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    ++i;
    absl::StatusOr<RawAmounts> a =
        MarketOrderAmounts(OrderSide::kBuy, Price::FromMicros(100 * (1 + i % 9998)),
                           Quantity::FromMicros(1000000 + i), TickSize::k0_0001);
    benchmark::DoNotOptimize(a);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Amounts);

void BM_Eip712OrderDigest(benchmark::State& state) {
  Fixture f;
  OrderV2Struct s = ToOrderStruct(f.order).value();
  uint64_t i = 0;
  for (auto _ : state) {
    s.salt = Uint256FromU64(++i);
    benchmark::DoNotOptimize(TypedDataDigest(f.domain.separator, HashOrderV2(s)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Eip712OrderDigest);

void BM_EcdsaSign(benchmark::State& state) {
  Fixture f;
  Bytes32 digest{};
  uint64_t i = 0;
  for (auto _ : state) {
    digest[0] = static_cast<uint8_t>(++i);
    digest[1] = static_cast<uint8_t>(i >> 8);
    benchmark::DoNotOptimize(f.key->Sign(digest));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EcdsaSign);

// Latency of opportunity -> signed, serialised order, measured per order; the distribution is
// reported as counters (microseconds).
void BM_SignLatencyDistribution(benchmark::State& state) {
  Fixture f;
  std::vector<double> us;
  us.reserve(1 << 20);
  int64_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!f.SignOne(i++)) state.SkipWithError("sign failed");
    const auto t1 = std::chrono::steady_clock::now();
    if (us.size() < us.capacity()) {
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) {
    return us[static_cast<size_t>(p * static_cast<double>(us.size() - 1))];
  };
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["p999_us"] = pct(0.999);
  state.counters["max_us"] = us.back();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignLatencyDistribution)->Iterations(50000);

}  // namespace
}  // namespace arbor::venue::polymarket

BENCHMARK_MAIN();
