// Randomised comparison of OrderBook against a std::map reference model over ~50k operations
// per grid (fixed seeds): statuses, best levels, level counts, cross state, full level lists and
// all four sweeps must agree.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "arbor/book/order_book.h"
#include "book_test_util.h"
#include "gtest/gtest.h"

namespace arbor::book {
namespace {

using ::arbor::book::testing::LevelsOf;
using ::arbor::book::testing::P;

__extension__ typedef __int128 int128;

// The obvious implementation: one ordered map per side, price micros -> size micros.
class ReferenceBook {
 public:
  explicit ReferenceBook(const PriceGrid& grid) : grid_(grid) {}

  absl::StatusCode Set(BookSide side, Price p, Quantity q) {
    if (p.micros() <= 0 || p.micros() >= kFixedScale) return absl::StatusCode::kOutOfRange;
    if (!OnGrid(p) || q.IsNegative()) return absl::StatusCode::kInvalidArgument;
    auto& m = side_map(side);
    if (q.IsZero()) {
      m.erase(p.micros());
    } else {
      m[p.micros()] = q.micros();
    }
    return absl::StatusCode::kOk;
  }

  absl::StatusCode Add(BookSide side, Price p, Quantity d) {
    if (p.micros() <= 0 || p.micros() >= kFixedScale) return absl::StatusCode::kOutOfRange;
    if (!OnGrid(p)) return absl::StatusCode::kInvalidArgument;
    auto& m = side_map(side);
    const int64_t old = m.count(p.micros()) ? m[p.micros()] : 0;
    if (old + d.micros() < 0) return absl::StatusCode::kFailedPrecondition;
    return Set(side, p, Quantity::FromMicros(old + d.micros()));
  }

  absl::StatusCode Snapshot(const std::vector<Level>& bids, const std::vector<Level>& asks) {
    for (const auto* levels : {&bids, &asks}) {
      std::map<int64_t, int> seen;
      for (const Level& l : *levels) {
        if (l.price.micros() <= 0 || l.price.micros() >= kFixedScale) {
          return absl::StatusCode::kOutOfRange;
        }
        if (!OnGrid(l.price) || l.size.IsNegative() || seen[l.price.micros()]++ > 0) {
          return absl::StatusCode::kInvalidArgument;
        }
      }
    }
    bids_.clear();
    asks_.clear();
    for (const Level& l : bids) (void)Set(BookSide::kBid, l.price, l.size);
    for (const Level& l : asks) (void)Set(BookSide::kAsk, l.price, l.size);
    return absl::StatusCode::kOk;
  }

  void Clear() {
    bids_.clear();
    asks_.clear();
  }

  std::vector<Level> Levels(BookSide side) const {
    std::vector<Level> out;
    if (side == BookSide::kBid) {
      for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) out.push_back(ToLevel(*it));
    } else {
      for (const auto& kv : asks_) out.push_back(ToLevel(kv));
    }
    return out;
  }

  std::optional<Level> Best(BookSide side) const {
    std::vector<Level> l = Levels(side);
    if (l.empty()) return std::nullopt;
    return l.front();
  }

  // Reference sweep by quantity, written independently of sweep.h: exact rational cost as an
  // int128 numerator over 1e12, then one rounding.
  SweepResult SweepQty(BookSide side, Quantity q, bool buy) const {
    SweepResult r;
    r.complete = q.IsZero();
    int64_t left = q.micros();
    int128 cost = 0;
    for (const Level& l : Levels(side)) {
      if (left <= 0) break;
      const int64_t take = std::min(left, l.size.micros());
      cost += static_cast<int128>(l.price.micros()) * take;
      left -= take;
      r.filled += Quantity::FromMicros(take);
      r.worst_price = l.price;
      ++r.levels_consumed;
    }
    if (q.IsPositive()) r.complete = left == 0;
    if (r.filled.IsZero()) return r;
    r.notional = Money::FromMicros(Round(cost, kFixedScale, buy));
    r.average_price = Price::FromMicros(Round(cost, r.filled.micros(), buy));
    return r;
  }

 private:
  static int64_t Round(int128 num, int128 den, bool up) {
    const int128 floor = num / den;
    return static_cast<int64_t>(up && floor * den != num ? floor + 1 : floor);
  }
  static Level ToLevel(const std::pair<const int64_t, int64_t>& kv) {
    return Level{Price::FromMicros(kv.first), Quantity::FromMicros(kv.second)};
  }
  bool OnGrid(Price p) const {
    for (const PriceRange& r : grid_.ranges()) {
      if (p >= r.start && p <= r.end && (p - r.start).micros() % r.step.micros() == 0) {
        return true;
      }
    }
    return false;
  }
  std::map<int64_t, int64_t>& side_map(BookSide side) {
    return side == BookSide::kBid ? bids_ : asks_;
  }

  PriceGrid grid_;
  std::map<int64_t, int64_t> bids_;
  std::map<int64_t, int64_t> asks_;
};

class Fuzzer {
 public:
  Fuzzer(PriceGrid grid, uint64_t seed)
      : grid_(grid), book_(grid), ref_(grid), rng_(seed), mid_(grid.slots() / 2) {}

  // A price near a wandering mid (realistic), occasionally anywhere, off-grid or out of range.
  Price RandomPrice() {
    const int r = Uniform(0, 99);
    if (r < 2) return Price::FromMicros(Uniform(-20'000, 1'020'000));  // any micro, any range
    if (r < 4) return grid_.PriceAt(Uniform(0, grid_.slots() - 1)) + Price::FromMicros(1);
    if (r < 15) return grid_.PriceAt(Uniform(0, grid_.slots() - 1));
    mid_ = std::clamp(mid_ + Uniform(-2, 2), 0, grid_.slots() - 1);
    const Price p = grid_.PriceAt(std::clamp(mid_ + Uniform(-30, 30), 0, grid_.slots() - 1));
    if (grid_.IsOnGrid(p)) return p;
    // Ranged grid: snap down to the coarsest step, which is valid everywhere.
    const int64_t tick = grid_.tick().micros();
    return Price::FromMicros(std::max(tick, p.micros() / tick * tick));
  }

  Quantity RandomSize() {
    const int r = Uniform(0, 99);
    if (r < 15) return Quantity::Zero();
    if (r < 18) return Quantity::FromMicros(-Uniform(1, 1'000'000));
    return Quantity::FromMicros(Uniform(1, 500'000'000));
  }

  void Step() {
    const int op = Uniform(0, 999);
    const BookSide side = Uniform(0, 1) ? BookSide::kBid : BookSide::kAsk;
    if (op < 500) {
      const Price p = RandomPrice();
      const Quantity q = RandomSize();
      ASSERT_EQ(book_.SetLevel(side, p, q).code(), ref_.Set(side, p, q)) << p << " " << q;
    } else if (op < 990) {
      const Price p = RandomPrice();
      // Deltas mostly remove part of what is there, sometimes more (rejected).
      const int64_t have = book_.SizeAt(side, p).micros();
      const Quantity d =
          Uniform(0, 2) == 0 && have > 0
              ? Quantity::FromMicros(
                    -Uniform(1, static_cast<int>(std::min<int64_t>(have + 10, 1'000'000'000))))
              : RandomSize();
      ASSERT_EQ(book_.AddToLevel(side, p, d).code(), ref_.Add(side, p, d)) << p << " " << d;
    } else if (op < 998) {
      std::vector<Level> bids, asks;
      for (int n = Uniform(0, 30); n > 0; --n) bids.push_back(Level{RandomPrice(), RandomSize()});
      for (int n = Uniform(0, 30); n > 0; --n) asks.push_back(Level{RandomPrice(), RandomSize()});
      ASSERT_EQ(book_.ApplySnapshot(bids, asks).code(), ref_.Snapshot(bids, asks));
    } else {
      book_.Clear();
      ref_.Clear();
    }
  }

  void CheckTop() {
    ASSERT_EQ(book_.BestBid(), ref_.Best(BookSide::kBid));
    ASSERT_EQ(book_.BestAsk(), ref_.Best(BookSide::kAsk));
    ASSERT_EQ(static_cast<size_t>(book_.LevelCount(BookSide::kBid)),
              ref_.Levels(BookSide::kBid).size());
    ASSERT_EQ(static_cast<size_t>(book_.LevelCount(BookSide::kAsk)),
              ref_.Levels(BookSide::kAsk).size());
    CrossState want = CrossState::kNormal;
    if (auto b = ref_.Best(BookSide::kBid), a = ref_.Best(BookSide::kAsk); b && a) {
      if (b->price == a->price) want = CrossState::kLocked;
      if (b->price > a->price) want = CrossState::kCrossed;
    }
    ASSERT_EQ(book_.cross_state(), want);
  }

  void CheckDeep() {
    ASSERT_EQ(LevelsOf(book_, BookSide::kBid), ref_.Levels(BookSide::kBid));
    ASSERT_EQ(LevelsOf(book_, BookSide::kAsk), ref_.Levels(BookSide::kAsk));
    for (int k = 0; k < 3; ++k) {
      const Quantity q = Quantity::FromMicros(Uniform(0, 2'000'000'000));
      ASSERT_EQ(book_.SweepBuyQuantity(q), ref_.SweepQty(BookSide::kAsk, q, true)) << q;
      ASSERT_EQ(book_.SweepSellQuantity(q), ref_.SweepQty(BookSide::kBid, q, false)) << q;
      // Notional sweeps: their result must be the quantity sweep of what they filled, within
      // budget / reaching the target as documented.
      const Money m = Money::FromMicros(Uniform(0, 1'000'000'000));
      const SweepResult buy = book_.SweepBuyNotional(m);
      ASSERT_LE(buy.notional, m);
      SweepResult want_buy = ref_.SweepQty(BookSide::kAsk, buy.filled, true);
      want_buy.complete = buy.complete;  // "budget ended the walk", checked next
      ASSERT_EQ(buy, want_buy) << m;
      const SweepResult all_asks = ref_.SweepQty(BookSide::kAsk, Quantity::Max(), true);
      if (!buy.complete) {
        ASSERT_TRUE(m.IsPositive());
        ASSERT_EQ(buy.filled, all_asks.filled);  // only an exhausted book stops short
      } else if (buy.filled < all_asks.filled) {
        // Maximal: one more micro-share would exceed the budget.
        ASSERT_GT(
            ref_.SweepQty(BookSide::kAsk, buy.filled + Quantity::FromMicros(1), true).notional, m);
      }
      const SweepResult sell = book_.SweepSellNotional(m);
      SweepResult want = ref_.SweepQty(BookSide::kBid, sell.filled, false);
      want.complete = sell.complete;  // "target reached", checked next
      ASSERT_EQ(sell, want) << m;
      ASSERT_EQ(sell.complete, sell.notional >= m);
      if (sell.complete && sell.filled.IsPositive()) {
        // Minimal: one micro-share less would fall short.
        ASSERT_LT(
            ref_.SweepQty(BookSide::kBid, sell.filled - Quantity::FromMicros(1), false).notional,
            m);
      }
    }
  }

  const OrderBook& book() const { return book_; }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  PriceGrid grid_;
  OrderBook book_;
  ReferenceBook ref_;
  std::mt19937_64 rng_;
  int mid_;
};

void RunProperty(const PriceGrid& grid, uint64_t seed, int ops) {
  Fuzzer f(grid, seed);
  for (int i = 0; i < ops; ++i) {
    ASSERT_NO_FATAL_FAILURE(f.Step()) << "op " << i;
    ASSERT_NO_FATAL_FAILURE(f.CheckTop()) << "op " << i;
    if (i % 97 == 0) {
      ASSERT_NO_FATAL_FAILURE(f.CheckDeep()) << "op " << i;
    }
  }
  ASSERT_NO_FATAL_FAILURE(f.CheckDeep());
  EXPECT_GT(f.book().update_count(), static_cast<uint64_t>(ops) / 2);
}

TEST(OrderBookPropertyTest, CentGridMatchesReference) {
  RunProperty(PriceGrid::KalshiLinearCent(), 1, 50'000);
}

TEST(OrderBookPropertyTest, TaperedGridMatchesReference) {
  RunProperty(PriceGrid::KalshiTaperedDeciCent(), 2, 50'000);
}

TEST(OrderBookPropertyTest, FineGridMatchesReference) {
  RunProperty(*PriceGrid::Uniform(P("0.0001")), 3, 50'000);
}

}  // namespace
}  // namespace arbor::book
