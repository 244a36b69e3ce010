// arborctl replay's pieces that need no PostgreSQL: the capture -> BookCache feed and the
// session conversion. The whole replay (PostgreSQL, determinism, A/B) is tests/e2e/replay_test.py.
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/core/json_writer.h"
#include "arbor/scanner/book_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "replay_books.h"
#include "replay_command.h"
#include "replay_session.h"

namespace arbor::arborctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

scanner::BookViewPtr Find(const scanner::BookCache& cache, Venue venue, const std::string& id) {
  return cache.Find(scanner::BookKey{.venue = venue, .instrument = InstrumentId(id)});
}

std::vector<std::pair<int64_t, int64_t>> Levels(const std::vector<book::Level>& levels) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const book::Level& l : levels) out.emplace_back(l.price.micros(), l.size.micros());
  return out;
}

constexpr char kKalshiSnapshot[] =
    R"({"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"FED","market_id":"m",)"
    R"("yes_dollars_fp":[["0.0800","300.00"],["0.2200","333.00"]],)"
    R"("no_dollars_fp":[["0.5400","20.00"],["0.5600","146.00"]]}})";

TEST(ReplayBookFeedTest, KalshiBookIsPublishedAsYesAndItsComplementNo) {
  SimulatedClock clock(absl::FromUnixSeconds(1'800'000'000));
  scanner::BookCache cache(&clock);
  ReplayBookFeed feed(&cache, &clock);
  feed.Apply(Venue::kKalshi, 1'800'000'000'000'000'000, kKalshiSnapshot);
  EXPECT_EQ(feed.stats().applied, 1);
  EXPECT_EQ(feed.stats().snapshots, 2);

  scanner::BookViewPtr yes = Find(cache, Venue::kKalshi, "FED:YES");
  ASSERT_NE(yes, nullptr);
  EXPECT_TRUE(yes->Tradeable());
  EXPECT_THAT(Levels(yes->bids), ElementsAre(std::pair<int64_t, int64_t>{220'000, 333'000'000},
                                             std::pair<int64_t, int64_t>{80'000, 300'000'000}));
  // NO bids at 0.56 / 0.54 are YES asks at 0.44 / 0.46.
  EXPECT_THAT(Levels(yes->asks), ElementsAre(std::pair<int64_t, int64_t>{440'000, 146'000'000},
                                             std::pair<int64_t, int64_t>{460'000, 20'000'000}));
  scanner::BookViewPtr no = Find(cache, Venue::kKalshi, "FED:NO");
  ASSERT_NE(no, nullptr);
  EXPECT_THAT(Levels(no->bids), ElementsAre(std::pair<int64_t, int64_t>{560'000, 146'000'000},
                                            std::pair<int64_t, int64_t>{540'000, 20'000'000}));
  EXPECT_THAT(Levels(no->asks), ElementsAre(std::pair<int64_t, int64_t>{780'000, 333'000'000},
                                            std::pair<int64_t, int64_t>{920'000, 300'000'000}));

  // A sequence gap stales the subscription's books: both instruments stop being tradeable.
  feed.Apply(Venue::kKalshi, 1'800'000'000'100'000'000,
             R"({"type":"orderbook_delta","sid":1,"seq":5,"msg":{"market_ticker":"FED",)"
             R"("price_dollars":"0.2200","delta_fp":"-33.00","side":"yes","ts_ms":1}})");
  EXPECT_EQ(feed.stats().rejected, 1);
  EXPECT_FALSE(Find(cache, Venue::kKalshi, "FED:YES")->Tradeable());
  EXPECT_FALSE(Find(cache, Venue::kKalshi, "FED:NO")->Tradeable());
}

TEST(ReplayBookFeedTest, PolymarketBooksAndChangesReachTheCacheMalformedFramesAreCounted) {
  SimulatedClock clock(absl::FromUnixSeconds(1'800'000'000));
  scanner::BookCache cache(&clock);
  ReplayBookFeed feed(&cache, &clock);
  feed.Apply(Venue::kPolymarket, 1,
             R"({"event_type":"book","asset_id":"7","market":"0x1","bids":[{"price":"0.40",)"
             R"("size":"10"}],"asks":[{"price":"0.45","size":"5"}],"timestamp":"1","hash":"h"})");
  feed.Apply(Venue::kPolymarket, 2, "{not json");
  feed.Apply(Venue::kPolymarket, 3,
             R"({"event_type":"price_change","market":"0x1","timestamp":"2","price_changes":)"
             R"([{"asset_id":"7","price":"0.41","size":"3","side":"BUY","hash":"h2",)"
             R"("best_bid":"0.41","best_ask":"0.45"}]})");
  EXPECT_EQ(feed.stats().records, 3);
  EXPECT_EQ(feed.stats().malformed, 1);
  EXPECT_EQ(feed.stats().applied, 2);
  scanner::BookViewPtr book = Find(cache, Venue::kPolymarket, "7");
  ASSERT_NE(book, nullptr);
  EXPECT_TRUE(book->Tradeable());
  EXPECT_THAT(Levels(book->bids), ElementsAre(std::pair<int64_t, int64_t>{410'000, 3'000'000},
                                              std::pair<int64_t, int64_t>{400'000, 10'000'000}));
}

v1::ExecutionLeg* AddLeg(v1::Execution* e, v1::Venue venue, v1::Side side, int64_t planned_size,
                         int64_t vwap, int64_t filled, int64_t avg, bool sent) {
  v1::ExecutionLeg* leg = e->add_legs();
  leg->mutable_planned()->mutable_instrument_id()->set_venue(venue);
  leg->mutable_planned()->set_side(side);
  leg->mutable_planned()->set_size_micros(planned_size);
  leg->mutable_planned()->set_expected_vwap_micros(vwap);
  leg->set_filled_size_micros(filled);
  leg->set_avg_fill_price_micros(avg);
  if (sent) leg->add_client_order_ids("c");
  return leg;
}

TEST(ReplaySessionTest, ExecutionBecomesASessionExecutionWithSignedSlippage) {
  v1::Execution e;
  e.set_execution_id("x1");
  e.set_lane(v1::LANE_CROSS_VENUE);
  e.set_state(v1::EXECUTION_STATE_CLOSED);
  e.set_close_reason(v1::CLOSE_REASON_UNWOUND);
  e.set_created_unix_nanos(10);
  e.set_closed_unix_nanos(20);
  e.set_realized_pnl_micros(-1'500'000);
  e.set_expected_profit_micros(2'000'000);
  // A buy of 10 planned at 0.40, filled at 0.41: paid 0.01 x 10 = 0.10 more.
  AddLeg(&e, v1::VENUE_POLYMARKET, v1::SIDE_BUY, 10'000'000, 400'000, 10'000'000, 410'000, true);
  // A sell of 10 planned at 0.60, delivered (negative fill) at 0.59: received 0.10 less.
  AddLeg(&e, v1::VENUE_KALSHI, v1::SIDE_SELL, 10'000'000, 600'000, -10'000'000, 590'000, true);
  // A leg never sent.
  AddLeg(&e, v1::VENUE_KALSHI, v1::SIDE_BUY, 10'000'000, 300'000, 0, 0, false);
  JsonWriter out;
  WriteSessionExecution(e, out);
  EXPECT_EQ(out.str(),
            R"({"execution_id":"x1","lane":"cross_venue","venues":["kalshi","polymarket"],)"
            R"("opened_unix_nanos":10,"closed_unix_nanos":20,"close_reason":"unwound",)"
            R"("realized_pnl_micros":-1500000,"expected_profit_micros":2000000,)"
            R"("legs_submitted":2,"legs_filled":2,"slippage_micros":200000})");
}

TEST(ReplaySessionTest, OnlyClosedExecutionsAreWrittenAndSkipsKeepTheirLane) {
  ReplaySessionInput in;
  in.scenario = "cap";
  in.seed = "3";
  in.started_unix_nanos = 100;
  in.ended_unix_nanos = 50;  // clamped to the start
  v1::Execution open;
  open.set_execution_id("open");
  open.set_state(v1::EXECUTION_STATE_WORKING);
  in.executions.push_back(open);
  in.opportunities = {{"binary", 4}};
  in.skips = {{.lane = "negrisk", .reason = "submit_error:invalid_argument", .count = 2}};
  in.denials = {{"unhedged_exposure", 1}};
  const std::string json = SessionJson(in);
  EXPECT_THAT(json, HasSubstr(R"("executions":[])"));
  EXPECT_THAT(json, HasSubstr(R"("ended_unix_nanos":100)"));
  EXPECT_THAT(
      json, HasSubstr(R"({"lane":"negrisk","reason":"submit_error:invalid_argument","count":2})"));
  EXPECT_THAT(json, HasSubstr(R"("denials":{"unhedged_exposure":1})"));
}

TEST(ReplayCommandTest, UsageErrorsExitOneHelpExitsZero) {
  EXPECT_EQ(ReplayMain({"--help"}), kReplayExitOk);
  EXPECT_EQ(ReplayMain({"--pg", "host=/nonexistent"}), kReplayExitUsage);  // no --capture
  EXPECT_EQ(ReplayMain({"--capture", "x"}), kReplayExitUsage);             // no --pg
  EXPECT_EQ(ReplayMain({"--capture", "x", "--pg", "p", "--bogus", "1"}), kReplayExitUsage);
  EXPECT_EQ(ReplayMain({"--capture", "x", "--pg", "p", "--speed", "fast"}), kReplayExitUsage);
  EXPECT_EQ(ReplayMain({"--capture", "x", "--pg", "p", "--lanes", "binary,nope"}),
            kReplayExitUsage);
  EXPECT_EQ(ReplayMain({"--capture", "x", "--pg", "p", "--limits", "/nonexistent"}),
            kReplayExitUsage);
}

}  // namespace
}  // namespace arbor::arborctl
