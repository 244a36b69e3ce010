// The simulator's Kalshi rendering checked by the production Kalshi decoder and book set: the
// YES book a client rebuilds from the snapshot + deltas must show every way to buy or sell YES
// that the engine offers (YES bids, NO asks as YES bids, YES asks, NO bids as YES asks).
#include "arbor/sim/kalshi_feed.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "arbor/venue/kalshi/book_builder.h"
#include "arbor/venue/kalshi/ws_decoder.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

namespace kalshi = ::arbor::venue::kalshi;
using Levels = std::vector<std::pair<Price, Quantity>>;

// The YES book implied by the engine, computed directly from its four ladders.
void ExpectedYesBook(const MarketEngine& e, Levels* bids, Levels* asks) {
  std::map<Price, Quantity, std::greater<Price>> b;
  std::map<Price, Quantity> a;
  for (const auto& [p, q] : e.Levels(0, Side::kBuy)) b[p] += q;
  for (const auto& [p, q] : e.Levels(1, Side::kSell)) b[Complement(p)] += q;
  for (const auto& [p, q] : e.Levels(0, Side::kSell)) a[p] += q;
  for (const auto& [p, q] : e.Levels(1, Side::kBuy)) a[Complement(p)] += q;
  bids->assign(b.begin(), b.end());
  asks->assign(a.begin(), a.end());
}

Levels ClientLevels(const book::OrderBook& book, book::BookSide side) {
  Levels out;
  book.ForEachLevel(side, [&](const book::Level& l) { out.emplace_back(l.price, l.size); });
  return out;
}

TEST(KalshiFeedTest, ClientYesBookRebuiltFromSnapshotAndDeltasMatchesTheEngine) {
  Ledger ledger;
  const std::vector<std::string> accounts = {"a", "b", "c"};
  for (const auto& a : accounts) ledger.Deposit(a, Money::FromUnits(100'000));
  MarketConfig config;
  config.condition_id = "FED-23DEC-T3.00";
  config.yes_token = "FED-23DEC-T3.00:yes";
  config.no_token = "FED-23DEC-T3.00:no";
  MarketEngine engine(config, &ledger);
  KalshiFeedRenderer renderer(&engine, "FED-23DEC-T3.00", "9b0f6b43");

  kalshi::WsFrameDecoder decoder;
  kalshi::BookSet books;
  auto apply = [&](const std::string& frame) {
    absl::Status s = decoder.Decode(frame);
    ASSERT_TRUE(s.ok()) << s << "\n" << frame;
    const kalshi::ApplyResult r = books.Apply(decoder.message());
    ASSERT_EQ(r.outcome, kalshi::ApplyOutcome::kApplied) << r.error << "\n" << frame;
  };
  uint64_t seq = 1;
  apply(renderer.Snapshot(7, seq));  // empty book: both ladders omitted

  std::mt19937 rng(5);
  int deltas = 0;
  for (int i = 0; i < 3000; ++i) {
    OrderRequest r;
    r.account = accounts[rng() % accounts.size()];
    r.outcome = static_cast<int>(rng() % 2);
    r.side = rng() % 2 ? Side::kBuy : Side::kSell;
    r.price = Price::FromMicros(10'000 * (35 + static_cast<int64_t>(rng() % 31)));
    r.size = Quantity::FromMicros(1'000'000 * (1 + static_cast<int64_t>(rng() % 50)));
    if (r.side == Side::kSell) ledger.GrantPosition(r.account, engine.token(r.outcome), r.size);
    ASSERT_TRUE(engine.Place(r, i).ok());
    for (const std::string& frame : renderer.Deltas(engine.TakeLevelChanges(), 7, &seq, i)) {
      apply(frame);
      ++deltas;
    }
    if (i == 1500) apply(renderer.Snapshot(7, ++seq, 42));  // a get_snapshot resync mid-stream
    if (i % 100 == 0 || i == 2999) {
      Levels bids, asks;
      ExpectedYesBook(engine, &bids, &asks);
      const book::OrderBook* book = books.Find("FED-23DEC-T3.00");
      ASSERT_NE(book, nullptr);
      ASSERT_EQ(ClientLevels(*book, book::BookSide::kBid), bids) << "after order " << i;
      ASSERT_EQ(ClientLevels(*book, book::BookSide::kAsk), asks) << "after order " << i;
    }
  }
  EXPECT_GT(deltas, 3000);
  EXPECT_EQ(books.counters().gaps, 0u);
  EXPECT_TRUE(books.Status("FED-23DEC-T3.00")->live);
}

TEST(KalshiFeedTest, SnapshotShapeMatchesTheVenue) {
  Ledger ledger;
  ledger.Deposit("a", Money::FromUnits(1000));
  MarketConfig config;
  config.yes_token = "Y";
  config.no_token = "N";
  MarketEngine engine(config, &ledger);
  ASSERT_TRUE(
      engine.Place({"a", 0, Side::kBuy, Price::FromMicros(80'000), Quantity::FromUnits(300)}, 0)
          .ok());
  ASSERT_TRUE(
      engine.Place({"a", 1, Side::kBuy, Price::FromMicros(540'000), Quantity::FromUnits(20)}, 0)
          .ok());
  KalshiFeedRenderer renderer(&engine, "T", "m");
  EXPECT_EQ(renderer.Snapshot(2, 2),
            R"({"type":"orderbook_snapshot","sid":2,"seq":2,"msg":{"market_ticker":"T",)"
            R"("market_id":"m","yes_dollars_fp":[["0.0800","300.00"]],)"
            R"("no_dollars_fp":[["0.5400","20.00"]]}})");
}

}  // namespace
}  // namespace arbor::sim
