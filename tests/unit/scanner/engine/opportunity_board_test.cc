// OpportunityBoard: publish / re-detect / supersede / withdraw / expire, filters and their
// validation, subscriber replay and the bounded queue's drop-oldest-opportunity policy.
#include "arbor/scanner/opportunity_board.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

lanes::InstrumentKey Key(const std::string& s, Venue v = Venue::kPolymarket) {
  return lanes::InstrumentKey{v, InstrumentId(s)};
}

v1::Opportunity Opp(const std::string& id, const std::string& group,
                    std::vector<std::string> sources, int64_t profit = 1'000'000,
                    v1::Lane lane = v1::LANE_BINARY, int64_t expires = 1'000,
                    v1::Venue venue = v1::VENUE_POLYMARKET) {
  v1::Opportunity o;
  o.set_opportunity_id(id);
  o.set_group_key(group);
  o.set_lane(lane);
  o.set_expected_profit_micros(profit);
  o.set_guaranteed_profit_micros(profit);
  o.set_expires_unix_nanos(expires);
  for (const std::string& s : sources) {
    v1::SourceBook* b = o.add_source_books();
    b->mutable_instrument_id()->set_venue(venue);
    b->mutable_instrument_id()->set_symbol(s);
    v1::OpportunityLeg* leg = o.add_legs();
    leg->set_action(v1::LEG_ACTION_ORDER);
    *leg->mutable_instrument_id() = b->instrument_id();
  }
  o.add_event_ids("ev-" + group);
  return o;
}

std::vector<v1::OpportunityUpdate> DrainAll(Subscription& s) {
  std::vector<v1::OpportunityUpdate> out;
  v1::OpportunityUpdate u;
  while (s.Next(&u, absl::ZeroDuration())) out.push_back(u);
  return out;
}

TEST(OpportunityBoardTest, PublishRedetectSupersedeWithdraw) {
  OpportunityBoard board;
  auto sub = board.Subscribe({});
  std::vector<v1::OpportunityUpdate> first = DrainAll(*sub);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].heartbeat().initial_snapshot_complete());

  const std::vector<lanes::InstrumentKey> ab = {Key("a"), Key("b")};
  EXPECT_EQ(board.Apply(ab, false, {Opp("id1", "g1", {"a", "b"})}, 10), 1u);
  std::vector<v1::OpportunityUpdate> u = DrainAll(*sub);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].opportunity().opportunity_id(), "id1");

  // Same id again: a re-detection, nothing streamed.
  EXPECT_EQ(board.Apply(ab, false, {Opp("id1", "g1", {"a", "b"})}, 11), 0u);
  EXPECT_TRUE(DrainAll(*sub).empty());
  EXPECT_EQ(board.Stats().redetections, 1u);

  // Same group, new id: the old one is superseded by the new one.
  board.Apply(ab, false, {Opp("id2", "g1", {"a", "b"})}, 12);
  u = DrainAll(*sub);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].withdrawal().opportunity_id(), "id1");
  EXPECT_EQ(u[0].withdrawal().reason(), v1::WITHDRAWAL_REASON_SUPERSEDED);
  EXPECT_EQ(u[0].withdrawal().superseded_by(), "id2");
  EXPECT_EQ(u[1].opportunity().opportunity_id(), "id2");
  EXPECT_EQ(board.live(), 1u);

  // A pass touching an unrelated book leaves it alone.
  board.Apply({Key("z")}, false, {}, 13);
  EXPECT_TRUE(DrainAll(*sub).empty());

  // A pass touching "b" that does not emit it again: the edge is gone.
  board.Apply({Key("b")}, false, {}, 14);
  u = DrainAll(*sub);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].withdrawal().opportunity_id(), "id2");
  EXPECT_EQ(u[0].withdrawal().reason(), v1::WITHDRAWAL_REASON_EDGE_GONE);
  EXPECT_EQ(u[0].withdrawal().ts_unix_nanos(), 14);
  EXPECT_EQ(board.live(), 0u);

  BoardStats st = board.Stats();
  EXPECT_EQ(st.lanes[v1::LANE_BINARY].published, 2u);
  EXPECT_EQ(st.lanes[v1::LANE_BINARY].live, 0u);
  EXPECT_EQ(st.withdrawals[v1::WITHDRAWAL_REASON_SUPERSEDED], 1u);
  EXPECT_EQ(st.withdrawals[v1::WITHDRAWAL_REASON_EDGE_GONE], 1u);
}

TEST(OpportunityBoardTest, UnhealthyBookAndFullRescanAndExpiry) {
  OpportunityBoard board;
  board.Apply({}, false, {Opp("x", "gx", {"a"}), Opp("y", "gy", {"b"}, 1, v1::LANE_BINARY, 50)}, 1);
  auto sub = board.Subscribe({});
  EXPECT_EQ(DrainAll(*sub).size(), 3u);  // two replayed + marker

  board.Apply({Key("a")}, false, {}, 2,
              [](const lanes::InstrumentKey& k) { return k.instrument != InstrumentId("a"); });
  std::vector<v1::OpportunityUpdate> u = DrainAll(*sub);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].withdrawal().reason(), v1::WITHDRAWAL_REASON_BOOK_UNHEALTHY);

  EXPECT_EQ(board.Expire(49), 0u);
  EXPECT_EQ(board.Expire(50), 1u);
  u = DrainAll(*sub);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].withdrawal().opportunity_id(), "y");
  EXPECT_EQ(u[0].withdrawal().reason(), v1::WITHDRAWAL_REASON_EXPIRED);

  // A full rescan withdraws whatever it did not emit, wherever its books are.
  board.Apply({}, false, {Opp("p", "gp", {"c"}), Opp("q", "gq", {"d"})}, 60);
  DrainAll(*sub);
  board.Apply({}, true, {Opp("q", "gq", {"d"})}, 61);
  u = DrainAll(*sub);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].withdrawal().opportunity_id(), "p");
  EXPECT_EQ(board.live(), 1u);
}

TEST(OpportunityBoardTest, ReplayIsSortedAndListFilters) {
  OpportunityBoard board;
  board.Apply({}, false,
              {Opp("lo", "g1", {"a"}, 100), Opp("hi", "g2", {"b"}, 900),
               Opp("neg", "g3", {"c"}, 500, v1::LANE_NEGRISK),
               Opp("k", "g4", {"K:YES"}, 700, v1::LANE_CROSS_VENUE, 1'000, v1::VENUE_KALSHI)},
              1);
  auto sub = board.Subscribe({});
  std::vector<v1::OpportunityUpdate> u = DrainAll(*sub);
  ASSERT_EQ(u.size(), 5u);
  EXPECT_EQ(u[0].opportunity().opportunity_id(), "hi");
  EXPECT_EQ(u[1].opportunity().opportunity_id(), "k");
  EXPECT_EQ(u[2].opportunity().opportunity_id(), "neg");
  EXPECT_EQ(u[3].opportunity().opportunity_id(), "lo");
  EXPECT_TRUE(u[4].heartbeat().initial_snapshot_complete());

  v1::OpportunityFilter f;
  f.add_lanes(v1::LANE_BINARY);
  std::vector<v1::Opportunity> l = board.List(f);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].opportunity_id(), "hi");

  f.set_min_expected_profit_micros(200);
  ASSERT_EQ(board.List(f).size(), 1u);

  v1::OpportunityFilter venues;
  venues.add_venues(v1::VENUE_KALSHI);
  l = board.List(venues);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].opportunity_id(), "k");

  v1::OpportunityFilter events;
  events.add_event_ids("ev-g3");
  l = board.List(events);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].opportunity_id(), "neg");

  // A filtered subscriber only hears about its matches.
  auto neg_only = board.Subscribe(events);
  EXPECT_EQ(DrainAll(*neg_only).size(), 2u);
  board.Apply({Key("a")}, false, {}, 2);  // withdraws "lo" (binary, other event)
  EXPECT_TRUE(DrainAll(*neg_only).empty());
  EXPECT_EQ(DrainAll(*sub).size(), 1u);
}

TEST(OpportunityBoardTest, ValidateFilterRejectsBadValues) {
  v1::OpportunityFilter ok;
  ok.add_lanes(v1::LANE_NEGRISK);
  ok.add_venues(v1::VENUE_KALSHI);
  EXPECT_TRUE(ValidateFilter(ok).ok());

  v1::OpportunityFilter f = ok;
  f.add_lanes(v1::LANE_UNSPECIFIED);
  EXPECT_EQ(ValidateFilter(f).code(), absl::StatusCode::kInvalidArgument);
  f = ok;
  f.add_lanes(static_cast<v1::Lane>(99));
  EXPECT_EQ(ValidateFilter(f).code(), absl::StatusCode::kInvalidArgument);
  f = ok;
  f.add_venues(v1::VENUE_UNSPECIFIED);
  EXPECT_EQ(ValidateFilter(f).code(), absl::StatusCode::kInvalidArgument);
  f = ok;
  f.set_min_expected_profit_micros(-1);
  EXPECT_EQ(ValidateFilter(f).code(), absl::StatusCode::kInvalidArgument);
  f = ok;
  f.add_event_ids("");
  EXPECT_EQ(ValidateFilter(f).code(), absl::StatusCode::kInvalidArgument);
}

TEST(OpportunityBoardTest, OverflowDropsOldestOpportunityKeepsWithdrawals) {
  OpportunityBoard board(OpportunityBoardOptions{.subscriber_queue = 3});
  auto sub = board.Subscribe({});
  DrainAll(*sub);  // the marker
  board.Apply({}, false, {Opp("o1", "g1", {"a"})}, 1);
  board.Apply({Key("a")}, false, {}, 2);  // withdrawal of o1
  board.Apply({}, false, {Opp("o2", "g2", {"b"})}, 3);
  board.Apply({}, false, {Opp("o3", "g3", {"c"})}, 4);  // full: drops o1 (oldest opportunity)
  board.Apply({}, false, {Opp("o4", "g4", {"d"})}, 5);  // full: drops o2
  EXPECT_EQ(sub->dropped(), 2u);
  std::vector<v1::OpportunityUpdate> u = DrainAll(*sub);
  ASSERT_EQ(u.size(), 3u);
  EXPECT_EQ(u[0].withdrawal().opportunity_id(), "o1");
  EXPECT_EQ(u[1].opportunity().opportunity_id(), "o3");
  EXPECT_EQ(u[2].opportunity().opportunity_id(), "o4");
  EXPECT_EQ(board.Stats().subscriber_drops, 2u);

  board.Unsubscribe(sub);
  EXPECT_EQ(board.Stats().subscribers, 0u);
  EXPECT_EQ(board.Stats().subscriber_drops, 2u);
  v1::OpportunityUpdate x;
  EXPECT_FALSE(sub->Next(&x, absl::Seconds(5)));  // closed: returns at once
}

}  // namespace
}  // namespace arbor::scanner
