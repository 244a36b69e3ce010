// The simulator's Polymarket rendering checked by the production decoders: whatever the engine
// does, the books a client rebuilds from the simulator's `book` + `price_change` events (and
// the REST `/book` body) must equal the engine's own books.
#include "arbor/sim/polymarket_feed.h"

#include <random>
#include <string>
#include <vector>

#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/book_hash.h"
#include "arbor/venue/polymarket/market_decoder.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

namespace pm = ::arbor::venue::polymarket;

std::vector<std::pair<Price, Quantity>> ClientLevels(const pm::BookSet& books,
                                                     const std::string& token,
                                                     book::BookSide side) {
  std::vector<std::pair<Price, Quantity>> out;
  const book::OrderBook* b = books.Find(token);
  if (b == nullptr) return out;
  b->ForEachLevel(side, [&](const book::Level& l) { out.emplace_back(l.price, l.size); });
  return out;
}

TEST(PolymarketFeedTest, ClientBooksRebuiltFromSimulatorEventsMatchTheEngine) {
  Ledger ledger;
  const std::vector<std::string> accounts = {"a", "b", "c"};
  for (const auto& a : accounts) ledger.Deposit(a, Money::FromUnits(100'000));
  MarketConfig config;
  config.condition_id = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1";
  config.yes_token =
      "52114319501245915516055106046884209969926127482827954674443846427813813222426";
  config.no_token = "60869871469376321574904667328762911501870754872924453995477779862968218702336";
  config.tick = Price::FromMicros(1'000);
  MarketEngine engine(config, &ledger);

  pm::MarketFrameDecoder decoder;
  pm::BookSet books;
  ASSERT_TRUE(books.SetTickSize(config.yes_token, config.tick).ok());
  ASSERT_TRUE(books.SetTickSize(config.no_token, config.tick).ok());
  for (int outcome : {0, 1}) {
    absl::StatusOr<pm::BookSummary> s = PolymarketBookSummary(engine, outcome, 1);
    ASSERT_TRUE(s.ok());
    absl::StatusOr<const pm::MarketFrame*> frame = decoder.Decode(PolymarketWsBookEvent(*s));
    ASSERT_TRUE(frame.ok()) << frame.status();
    ASSERT_TRUE(books.Apply(**frame).ok());
  }

  std::mt19937 rng(11);
  int events = 0;
  int64_t last_event_ms[2] = {1, 1};  // timestamp of the last event that carried each token
  for (int i = 0; i < 3000; ++i) {
    OrderRequest r;
    r.account = accounts[rng() % accounts.size()];
    r.outcome = static_cast<int>(rng() % 2);
    r.side = rng() % 2 ? Side::kBuy : Side::kSell;
    r.price = Price::FromMicros(1'000 * (400 + static_cast<int64_t>(rng() % 201)));
    r.size = Quantity::FromMicros(10'000 * (1 + static_cast<int64_t>(rng() % 500)));
    if (r.side == Side::kSell) {
      // Give sellers inventory by minting through the engine's own path is slow; grant it.
      ledger.GrantPosition(r.account, engine.token(r.outcome), r.size);
    }
    ASSERT_TRUE(engine.Place(r, i).ok());
    const std::vector<LevelChange> changes = engine.TakeLevelChanges();
    for (const LevelChange& c : changes) last_event_ms[c.outcome] = 1000 + i;
    absl::StatusOr<std::string> event = PolymarketWsPriceChangeEvent(engine, changes, 1000 + i);
    ASSERT_TRUE(event.ok()) << event.status();
    if (event->empty()) continue;
    ++events;
    absl::StatusOr<const pm::MarketFrame*> frame = decoder.Decode(*event);
    ASSERT_TRUE(frame.ok()) << frame.status() << "\n" << *event;
    ASSERT_TRUE(books.Apply(**frame).ok());
    if (i % 100 == 0 || i == 2999) {
      for (int outcome : {0, 1}) {
        const std::string& token = engine.token(outcome);
        ASSERT_EQ(ClientLevels(books, token, book::BookSide::kBid),
                  engine.Levels(outcome, Side::kBuy))
            << "after order " << i;
        ASSERT_EQ(ClientLevels(books, token, book::BookSide::kAsk),
                  engine.Levels(outcome, Side::kSell))
            << "after order " << i;
      }
    }
  }
  EXPECT_GT(events, 2000);
  // The last hash the client saw for a token is the summary hash of the engine's current book
  // (stamped with that event's time: the timestamp is part of the hashed summary).
  for (int outcome : {0, 1}) {
    absl::StatusOr<pm::BookSummary> s =
        PolymarketBookSummary(engine, outcome, last_event_ms[outcome]);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(books.LastHash(engine.token(outcome)), s->hash);
  }
}

TEST(PolymarketFeedTest, RestBookBodyParsesBackAndItsHashVerifies) {
  Ledger ledger;
  ledger.Deposit("a", Money::FromUnits(100));
  ledger.GrantPosition("b", "Y", Quantity::FromUnits(100));
  MarketConfig config;
  config.condition_id = "0xabc";
  config.yes_token = "Y";
  config.no_token = "N";
  MarketEngine engine(config, &ledger);
  ASSERT_TRUE(
      engine.Place({"a", 0, Side::kBuy, Price::FromMicros(480'000), Quantity::FromUnits(10)}, 0)
          .ok());
  ASSERT_TRUE(
      engine.Place({"a", 0, Side::kBuy, Price::FromMicros(490'000), Quantity::FromUnits(5)}, 0)
          .ok());
  ASSERT_TRUE(
      engine.Place({"b", 0, Side::kSell, Price::FromMicros(530'000), Quantity::FromUnits(7)}, 0)
          .ok());
  absl::StatusOr<pm::BookSummary> s = PolymarketBookSummary(engine, 0, 1'700'000'000'000);
  ASSERT_TRUE(s.ok());
  const std::string body = PolymarketRestBookJson(*s);
  absl::StatusOr<pm::BookSummary> parsed = pm::ParseBookSummary(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << body;
  EXPECT_EQ(parsed->asset_id, "Y");
  ASSERT_EQ(parsed->bids.size(), 2u);
  EXPECT_EQ(parsed->bids.back().price_text, "0.49");  // best bid last, as the venue sends it
  EXPECT_EQ(parsed->asks.back().size_text, "7");
  absl::StatusOr<std::string> rehash = pm::OrderBookSummaryHash(*parsed);
  ASSERT_TRUE(rehash.ok());
  EXPECT_EQ(*rehash, parsed->hash);
}

TEST(PolymarketFeedTest, TradeTickAndTouchEventsDecodeWithTheProductionDecoder) {
  Ledger ledger;
  ledger.Deposit("maker", Money::FromUnits(1000));
  ledger.Deposit("taker", Money::FromUnits(1000));
  MarketConfig config;
  config.condition_id = "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917";
  config.yes_token =
      "71321045679252212594626385532706912750332728571942532289631379312455583992563";
  config.no_token = "21742633143463906290569050155826241533067272736897614950488156847949938836455";
  config.fees.rate_micros = 72'000;
  config.fees.exponent = 1;
  MarketEngine engine(config, &ledger);
  ledger.GrantPosition("maker", config.yes_token, Quantity::FromUnits(100));
  OrderRequest ask;
  ask.account = "maker";
  ask.side = Side::kSell;
  ask.price = Price::FromMicros(510'000);
  ask.size = Quantity::FromUnits(100);
  ASSERT_TRUE(engine.Place(ask, 0).ok());
  OrderRequest bid = ask;
  bid.account = "maker";
  bid.side = Side::kBuy;
  bid.price = Price::FromMicros(470'000);
  ASSERT_TRUE(engine.Place(bid, 0).ok());
  OrderRequest take;
  take.account = "taker";
  take.side = Side::kBuy;
  take.price = Price::FromMicros(520'000);
  take.size = Quantity::FromMicros(25'500'000);
  absl::StatusOr<PlaceResult> placed = engine.Place(take, 0);
  ASSERT_TRUE(placed.ok()) << placed.status();
  ASSERT_EQ(placed->trades.size(), 1u);

  pm::MarketFrameDecoder decoder;
  absl::StatusOr<const pm::MarketFrame*> frame =
      decoder.Decode(PolymarketWsLastTradeEvent(engine, placed->trades[0], 1703875202000));
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ((*frame)->last_trade_prices().size(), 1u);
  const pm::LastTradePriceEvent& lt = (*frame)->last_trade_prices()[0];
  EXPECT_EQ(lt.asset_id, config.yes_token);
  EXPECT_EQ(lt.market, config.condition_id);
  EXPECT_EQ(lt.price, Price::FromMicros(510'000));
  EXPECT_EQ(lt.size, Quantity::FromMicros(25'500'000));
  EXPECT_EQ(lt.side, pm::Side::kBuy);
  EXPECT_EQ(lt.fee_rate_bps, 720);
  EXPECT_EQ(lt.timestamp_ms, 1703875202000);

  frame = decoder.Decode(PolymarketWsTickSizeChangeEvent(engine, 1, Price::FromMicros(10'000),
                                                         Price::FromMicros(1'000), 1739068041853));
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ((*frame)->tick_size_changes().size(), 1u);
  const pm::TickSizeChangeEvent& tc = (*frame)->tick_size_changes()[0];
  EXPECT_EQ(tc.asset_id, config.no_token);
  EXPECT_EQ(tc.old_tick_size, Price::FromMicros(10'000));
  EXPECT_EQ(tc.new_tick_size, Price::FromMicros(1'000));
  EXPECT_EQ(tc.timestamp_ms, 1739068041853);

  frame = decoder.Decode(PolymarketWsBestBidAskEvent(engine, 0, 1766789469958));
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ((*frame)->best_bid_asks().size(), 1u);
  const pm::BestBidAskEvent& bba = (*frame)->best_bid_asks()[0];
  EXPECT_EQ(bba.asset_id, config.yes_token);
  EXPECT_EQ(bba.best_bid, Price::FromMicros(470'000));
  EXPECT_EQ(bba.best_ask, Price::FromMicros(510'000));
  EXPECT_EQ(bba.spread, Price::FromMicros(40'000));
  // The NO book is empty: both sides and the spread are omitted, and it still decodes.
  frame = decoder.Decode(PolymarketWsBestBidAskEvent(engine, 1, 1));
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ((*frame)->best_bid_asks().size(), 1u);
  EXPECT_FALSE((*frame)->best_bid_asks()[0].best_bid.has_value());
  EXPECT_FALSE((*frame)->best_bid_asks()[0].spread.has_value());
}

}  // namespace
}  // namespace arbor::sim
