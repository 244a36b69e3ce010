#include "arbor/feed/feed_shard_service.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "arbor/lanes/inputs.h"
#include "arbor/testing/book_mirror.h"
#include "arbor/venue/polymarket/fees.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

namespace v1 = ::arbor::v1;
using ::testing::HasSubstr;

book::Level L(int64_t price_micros, int64_t size_micros) {
  return book::Level{Price::FromMicros(price_micros), Quantity::FromMicros(size_micros)};
}

InstrumentKey Key(Venue venue, std::string id, std::string market, std::string event) {
  return InstrumentKey{.venue = venue,
                       .instrument_id = InstrumentId(std::move(id)),
                       .market_id = std::move(market),
                       .event_id = EventId(std::move(event))};
}

LevelChange Change(book::BookSide side, int64_t price_micros, int64_t total_micros) {
  return LevelChange{.side = side,
                     .price = Price::FromMicros(price_micros),
                     .total = Quantity::FromMicros(total_micros)};
}

// Waits (polling) until `pred` holds or `timeout` passes.
template <typename Pred>
bool WaitFor(Pred pred, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

// True when the mirrored book equals the producer's book.
bool SameBook(const testing::MirroredBook& mirror, const BookState& state) {
  if (mirror.sequence != state.sequence) return false;
  if (mirror.bids.size() != state.bids.size() || mirror.asks.size() != state.asks.size()) {
    return false;
  }
  for (const book::Level& l : state.bids) {
    auto it = mirror.bids.find(l.price.micros());
    if (it == mirror.bids.end() || it->second != l.size.micros()) return false;
  }
  for (const book::Level& l : state.asks) {
    auto it = mirror.asks.find(l.price.micros());
    if (it == mirror.asks.end() || it->second != l.size.micros()) return false;
  }
  return true;
}

class FakeHealth : public FeedHealthSource {
 public:
  FeedHealthReport GetFeedHealth() const override { return report; }
  FeedHealthReport report;
};

class FeedShardServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        fanout_
            .ApplySnapshot(Key(Venue::kPolymarket, "tokA", "condA", "evA"),
                           {L(400'000, 10'000'000), L(390'000, 5'000'000), L(380'000, 1'000'000)},
                           {L(420'000, 7'000'000), L(430'000, 2'000'000)}, 10)
            .ok());
    ASSERT_TRUE(fanout_
                    .ApplySnapshot(Key(Venue::kKalshi, "KX-1:YES", "KX-1", "KXE"),
                                   {L(550'000, 3'000'000)}, {L(570'000, 4'000'000)}, 3)
                    .ok());
  }

  void StartServer(FeedShardServiceOptions options = {}) {
    options.book_epoch = 777;
    options.instance = "feed-0";
    service_ = std::make_unique<FeedShardService>(&fanout_, std::move(options));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    stub_ = v1::FeedShard::NewStub(channel_);
  }

  void TearDown() override {
    if (service_) service_->BeginShutdown();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  static v1::StreamBooksRequest Request(std::string subscriber = "test-sub") {
    v1::StreamBooksRequest request;
    request.set_subscriber_id(std::move(subscriber));
    return request;
  }

  // Reads messages into `mirror` until the end-of-burst heartbeat; returns the messages read.
  static std::vector<v1::BookUpdate> ReadInitialBurst(grpc::ClientReader<v1::BookUpdate>* reader,
                                                      testing::BookMirror* mirror) {
    std::vector<v1::BookUpdate> out;
    v1::BookUpdate update;
    while (reader->Read(&update)) {
      mirror->Apply(update);
      out.push_back(update);
      if (update.has_heartbeat() && update.heartbeat().initial_snapshot_complete()) break;
    }
    return out;
  }

  BookFanout fanout_;
  std::unique_ptr<FeedShardService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::FeedShard::Stub> stub_;
};

TEST_F(FeedShardServiceTest, StreamSendsSnapshotsThenBurstMarkerThenContiguousDeltas) {
  StartServer();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->StreamBooks(&context, Request());
  testing::BookMirror mirror;
  std::vector<v1::BookUpdate> burst = ReadInitialBurst(reader.get(), &mirror);
  ASSERT_EQ(burst.size(), 3u);
  ASSERT_TRUE(burst[0].has_snapshot());
  const v1::BookSnapshot& a = burst[0].snapshot();
  EXPECT_EQ(a.instrument_id().venue(), v1::VENUE_POLYMARKET);
  EXPECT_EQ(a.instrument_id().symbol(), "tokA");
  EXPECT_EQ(a.sequence(), 10u);
  EXPECT_EQ(a.reason(), v1::SNAPSHOT_REASON_INITIAL);
  EXPECT_EQ(a.status(), v1::BOOK_STATUS_LIVE);
  EXPECT_EQ(a.book_epoch(), 777u);
  EXPECT_FALSE(a.truncated());
  ASSERT_EQ(a.bids_size(), 3);
  EXPECT_EQ(a.bids(0).price_micros(), 400'000);
  EXPECT_EQ(a.bids(0).size_micros(), 10'000'000);
  ASSERT_EQ(a.asks_size(), 2);
  EXPECT_EQ(a.asks(0).price_micros(), 420'000);
  ASSERT_TRUE(burst[1].has_snapshot());
  EXPECT_EQ(burst[1].snapshot().instrument_id().venue(), v1::VENUE_KALSHI);
  EXPECT_EQ(burst[1].snapshot().instrument_id().symbol(), "KX-1:YES");
  ASSERT_TRUE(burst[2].has_heartbeat());
  EXPECT_TRUE(burst[2].heartbeat().initial_snapshot_complete());
  EXPECT_EQ(service_->active_subscribers(), 1u);

  // One venue event with two changes, then one with one change, then a status change.
  const LevelChange group1[] = {Change(book::BookSide::kBid, 410'000, 3'000'000),
                                Change(book::BookSide::kAsk, 420'000, 0)};
  ASSERT_TRUE(fanout_.ApplyDelta(InstrumentId("tokA"), group1, 12).ok());
  const LevelChange group2[] = {Change(book::BookSide::kAsk, 425'000, 1'000'000)};
  ASSERT_TRUE(fanout_.ApplyDelta(InstrumentId("tokA"), group2, 13).ok());
  ASSERT_TRUE(
      fanout_.SetStatus(InstrumentId("KX-1:YES"), BookStatus::kStale, "NoDataTimeout").ok());

  v1::BookUpdate update;
  ASSERT_TRUE(reader->Read(&update));
  mirror.Apply(update);
  ASSERT_TRUE(update.has_deltas());
  ASSERT_EQ(update.deltas().deltas_size(), 2);
  const v1::BookDelta& d0 = update.deltas().deltas(0);
  const v1::BookDelta& d1 = update.deltas().deltas(1);
  EXPECT_EQ(d0.sequence(), 11u);
  EXPECT_EQ(d0.action(), v1::BOOK_ACTION_SET);
  EXPECT_EQ(d0.side(), v1::BOOK_SIDE_BID);
  EXPECT_EQ(d0.price_micros(), 410'000);
  EXPECT_EQ(d0.size_micros(), 3'000'000);
  EXPECT_EQ(d0.flags(), 0u);
  EXPECT_EQ(d1.sequence(), 12u);
  EXPECT_EQ(d1.action(), v1::BOOK_ACTION_DELETE);
  EXPECT_EQ(d1.side(), v1::BOOK_SIDE_ASK);
  EXPECT_EQ(d1.flags(), static_cast<uint32_t>(v1::BOOK_DELTA_FLAG_LAST));

  ASSERT_TRUE(reader->Read(&update));
  mirror.Apply(update);
  ASSERT_TRUE(update.has_deltas());
  ASSERT_EQ(update.deltas().deltas_size(), 1);
  EXPECT_EQ(update.deltas().deltas(0).sequence(), 13u);
  EXPECT_EQ(update.deltas().deltas(0).flags(), static_cast<uint32_t>(v1::BOOK_DELTA_FLAG_LAST));

  ASSERT_TRUE(reader->Read(&update));
  mirror.Apply(update);
  ASSERT_TRUE(update.has_status());
  EXPECT_EQ(update.status().instrument_id().symbol(), "KX-1:YES");
  EXPECT_EQ(update.status().status(), v1::BOOK_STATUS_STALE);
  EXPECT_EQ(update.status().reason(), "NoDataTimeout");

  const testing::MirrorStats stats = mirror.stats();
  EXPECT_EQ(stats.violations, 0u) << (stats.violation_samples.empty()
                                          ? std::string()
                                          : stats.violation_samples.front());
  absl::StatusOr<BookState> producer = fanout_.GetBook(InstrumentId("tokA"));
  ASSERT_TRUE(producer.ok());
  const auto books = mirror.books();
  ASSERT_EQ(books.count("1/tokA"), 1u);
  EXPECT_TRUE(SameBook(books.at("1/tokA"), *producer));
  EXPECT_EQ(books.at("2/KX-1:YES").status, v1::BOOK_STATUS_STALE);

  context.TryCancel();
}

TEST_F(FeedShardServiceTest, FilterAndMaxDepthApplyToTheStream) {
  StartServer();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::StreamBooksRequest request = Request();
  request.mutable_filter()->add_event_ids("evA");
  request.set_max_depth(2);
  auto reader = stub_->StreamBooks(&context, request);
  testing::BookMirror mirror;
  std::vector<v1::BookUpdate> burst = ReadInitialBurst(reader.get(), &mirror);
  ASSERT_EQ(burst.size(), 2u);
  ASSERT_TRUE(burst[0].has_snapshot());
  EXPECT_EQ(burst[0].snapshot().instrument_id().symbol(), "tokA");
  EXPECT_EQ(burst[0].snapshot().bids_size(), 2);
  EXPECT_EQ(burst[0].snapshot().asks_size(), 2);
  EXPECT_TRUE(burst[0].snapshot().truncated());
  context.TryCancel();
}

TEST_F(FeedShardServiceTest, IdleStreamGetsHeartbeats) {
  StartServer();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::StreamBooksRequest request = Request();
  request.set_heartbeat_interval_nanos(absl::ToInt64Nanoseconds(absl::Milliseconds(20)));
  auto reader = stub_->StreamBooks(&context, request);
  testing::BookMirror mirror;
  ReadInitialBurst(reader.get(), &mirror);
  v1::BookUpdate update;
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_TRUE(update.has_heartbeat());
  EXPECT_FALSE(update.heartbeat().initial_snapshot_complete());
  EXPECT_GT(update.heartbeat().ts_unix_nanos(), 0);
  context.TryCancel();
}

TEST_F(FeedShardServiceTest, SlowSubscriberGetsCoalescedSnapshotsAndConverges) {
  FeedShardServiceOptions options;
  options.default_queue_limit = 2;
  StartServer(options);
  grpc::ClientContext context;
  // Generous: sanitizer builds are an order of magnitude slower.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  auto reader = stub_->StreamBooks(&context, Request("slow"));
  testing::BookMirror mirror;
  ReadInitialBurst(reader.get(), &mirror);
  ASSERT_EQ(service_->Subscribers().size(), 1u);

  // Produce while the client reads nothing: gRPC flow control blocks the server's writes, the
  // 2-item fan-out queue overflows, and the backlog is coalesced. Each group touches many levels
  // so the flow-control window fills quickly; sizes encode the sequence so no intermediate book
  // equals the final one.
  uint64_t sequence = 10;
  std::vector<LevelChange> changes;
  auto produce = [&](int groups) {
    for (int g = 0; g < groups; ++g) {
      changes.clear();
      for (int i = 0; i < 40; ++i) {
        const int64_t size = static_cast<int64_t>(sequence + changes.size() + 1) * 1'000;
        changes.push_back(Change(i % 2 == 0 ? book::BookSide::kBid : book::BookSide::kAsk,
                                 i % 2 == 0 ? 100'000 + i * 1'000 : 600'000 + i * 1'000, size));
      }
      sequence += changes.size();
      ASSERT_TRUE(fanout_.ApplyDelta(InstrumentId("tokA"), changes, sequence).ok());
    }
  };
  const bool coalesced = WaitFor(
      [&] {
        produce(200);
        auto subs = service_->Subscribers();
        return !subs.empty() && subs[0].stats.coalesce_events > 0;
      },
      absl::Seconds(30));
  ASSERT_TRUE(coalesced);
  produce(5);

  absl::StatusOr<BookState> producer = fanout_.GetBook(InstrumentId("tokA"));
  ASSERT_TRUE(producer.ok());
  v1::BookUpdate update;
  bool converged = false;
  while (reader->Read(&update)) {
    mirror.Apply(update);
    const auto books = mirror.books();
    if (books.count("1/tokA") != 0 && SameBook(books.at("1/tokA"), *producer)) {
      converged = true;
      break;
    }
  }
  ASSERT_TRUE(converged);
  const testing::MirrorStats stats = mirror.stats();
  EXPECT_GT(stats.coalesced_snapshots, 0u);
  EXPECT_EQ(stats.violations, 0u) << (stats.violation_samples.empty()
                                          ? std::string()
                                          : stats.violation_samples.front());
  context.TryCancel();
  ASSERT_TRUE(WaitFor([&] { return service_->active_subscribers() == 0; }));
  EXPECT_GT(service_->coalesced_snapshots_total(), 0u);
}

struct InvalidCase {
  const char* name;
  void (*mutate)(v1::StreamBooksRequest*);
  const char* message;
};

TEST_F(FeedShardServiceTest, InvalidStreamRequestsAreRejectedWithReason) {
  StartServer();
  const InvalidCase cases[] = {
      {"no subscriber", [](v1::StreamBooksRequest* r) { r->clear_subscriber_id(); },
       "subscriber_id is required"},
      {"unknown venue",
       [](v1::StreamBooksRequest* r) {
         r->mutable_filter()->add_venues(static_cast<v1::Venue>(9));
       },
       "filter.venues[0]: unknown venue 9"},
      {"instrument without venue",
       [](v1::StreamBooksRequest* r) {
         r->mutable_filter()->add_instrument_ids()->set_symbol("x");
       },
       "filter.instrument_ids[0].venue"},
      {"instrument without symbol",
       [](v1::StreamBooksRequest* r) {
         r->mutable_filter()->add_instrument_ids()->set_venue(v1::VENUE_KALSHI);
       },
       "filter.instrument_ids[0].symbol is empty"},
      {"empty market id",
       [](v1::StreamBooksRequest* r) { r->mutable_filter()->add_market_ids(""); },
       "filter.market_ids[0] is empty"},
      {"negative heartbeat", [](v1::StreamBooksRequest* r) { r->set_heartbeat_interval_nanos(-1); },
       "heartbeat_interval_nanos must be >= 0"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::StreamBooksRequest request = Request();
    c.mutate(&request);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto reader = stub_->StreamBooks(&context, request);
    v1::BookUpdate update;
    EXPECT_FALSE(reader->Read(&update));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr(c.message));
  }
  EXPECT_EQ(service_->active_subscribers(), 0u);
}

TEST_F(FeedShardServiceTest, ShutdownEndsStreamsWithUnavailable) {
  StartServer();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->StreamBooks(&context, Request());
  testing::BookMirror mirror;
  ASSERT_EQ(ReadInitialBurst(reader.get(), &mirror).size(), 3u);

  service_->BeginShutdown();
  v1::BookUpdate update;
  while (reader->Read(&update)) {
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("shutting down"));
  EXPECT_TRUE(WaitFor([&] { return service_->active_subscribers() == 0; }));

  // New streams are refused too.
  grpc::ClientContext context2;
  context2.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto reader2 = stub_->StreamBooks(&context2, Request());
  EXPECT_FALSE(reader2->Read(&update));
  EXPECT_EQ(reader2->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(FeedShardServiceTest, ClientCancelRemovesTheSubscription) {
  StartServer();
  grpc::ClientContext context;
  auto reader = stub_->StreamBooks(&context, Request());
  testing::BookMirror mirror;
  ASSERT_EQ(ReadInitialBurst(reader.get(), &mirror).size(), 3u);
  auto subs = service_->Subscribers();
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].subscriber_id, "test-sub");
  const SubscriberId fanout_id = subs[0].fanout_id;
  context.TryCancel();
  ASSERT_TRUE(WaitFor([&] { return service_->active_subscribers() == 0; }));
  EXPECT_EQ(fanout_.Stats(fanout_id).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FeedShardServiceTest, GetBookReturnsOwnedBooksOnly) {
  StartServer();
  {
    grpc::ClientContext context;
    v1::GetBookRequest request;
    request.mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
    request.mutable_instrument_id()->set_symbol("tokA");
    request.set_max_depth(1);
    v1::GetBookResponse response;
    ASSERT_TRUE(stub_->GetBook(&context, request, &response).ok());
    EXPECT_EQ(response.snapshot().sequence(), 10u);
    EXPECT_EQ(response.snapshot().reason(), v1::SNAPSHOT_REASON_INITIAL);
    EXPECT_EQ(response.snapshot().bids_size(), 1);
    EXPECT_EQ(response.snapshot().asks_size(), 1);
    EXPECT_TRUE(response.snapshot().truncated());
    EXPECT_EQ(response.snapshot().book_epoch(), 777u);
  }
  {
    grpc::ClientContext context;
    v1::GetBookRequest request;
    request.mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
    request.mutable_instrument_id()->set_symbol("unknown");
    v1::GetBookResponse response;
    const grpc::Status status = stub_->GetBook(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(status.error_message(), HasSubstr("polymarket:unknown"));
  }
  {
    // Right symbol, wrong venue.
    grpc::ClientContext context;
    v1::GetBookRequest request;
    request.mutable_instrument_id()->set_venue(v1::VENUE_KALSHI);
    request.mutable_instrument_id()->set_symbol("tokA");
    v1::GetBookResponse response;
    EXPECT_EQ(stub_->GetBook(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::GetBookRequest request;
    v1::GetBookResponse response;
    EXPECT_EQ(stub_->GetBook(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

Instrument MakeInstrument(Venue venue, std::string id, std::string market, std::string event,
                          bool closed = false, uint32_t outcome_index = 0) {
  Instrument in;
  in.venue = venue;
  in.id = InstrumentId(std::move(id));
  in.market = std::move(market);
  in.event = EventId(std::move(event));
  in.outcome = outcome_index == 0 ? "Yes" : "No";
  in.outcome_index = outcome_index;
  in.tick_size = Price::FromMicros(10'000);
  in.active = !closed;
  in.closed = closed;
  return in;
}

std::shared_ptr<const Universe> TestUniverse() {
  auto u = std::make_shared<Universe>();
  // condA's NO token id sorts before its YES token id, as in about half of all real markets.
  Instrument p1 = MakeInstrument(Venue::kPolymarket, "p1", "condA", "evA", false,
                                 /*outcome_index=*/1);
  p1.end_time = "2026-12-31T18:00:00Z";
  u->Upsert(p1);
  // condA: a crypto market (Gamma feesEnabled, feeSchedule rate 0.072, rebate 0.25).
  p1.fees_enabled = true;
  p1.fee_schedule = venue::polymarket::FeeSchedule{
      .rate_micros = 72'000, .exponent = 1, .rebate_rate_micros = 250'000, .taker_only = true};
  u->Upsert(p1);
  Instrument p2 = MakeInstrument(Venue::kPolymarket, "p2", "condA", "evA");
  p2.end_time = p1.end_time;  // market-level: every token of a market carries it
  p2.fees_enabled = p1.fees_enabled;
  p2.fee_schedule = p1.fee_schedule;
  u->Upsert(p2);
  // condB: fee-free (Gamma feesEnabled false).
  Instrument p3 = MakeInstrument(Venue::kPolymarket, "p3", "condB", "evB", /*closed=*/true);
  p3.fees_enabled = false;
  u->Upsert(p3);
  // KX-1: fee model unknown, as every Kalshi market the catalog builds.
  u->Upsert(MakeInstrument(Venue::kKalshi, "KX-1:NO", "KX-1", "KXE", false, 1));
  u->Upsert(MakeInstrument(Venue::kKalshi, "KX-1:YES", "KX-1", "KXE"));
  return u;
}

TEST_F(FeedShardServiceTest, ListInstrumentsPagesInVenueSymbolOrder) {
  StartServer();
  service_->SetUniverse(TestUniverse());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext context;
    v1::ListInstrumentsRequest request;
    request.set_include_closed(true);
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListInstrumentsResponse response;
    ASSERT_TRUE(stub_->ListInstruments(&context, request, &response).ok());
    EXPECT_LE(response.instruments_size(), 2);
    for (const v1::Instrument& in : response.instruments()) {
      seen.push_back(absl::StrCat(in.instrument_id().venue(), "/", in.instrument_id().symbol()));
    }
    token = response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"1/p1", "1/p2", "1/p3", "2/KX-1:NO", "2/KX-1:YES"}));

  // Closed instruments are left out by default; a venue filter narrows.
  grpc::ClientContext context;
  v1::ListInstrumentsRequest request;
  request.mutable_filter()->add_venues(v1::VENUE_POLYMARKET);
  v1::ListInstrumentsResponse response;
  ASSERT_TRUE(stub_->ListInstruments(&context, request, &response).ok());
  ASSERT_EQ(response.instruments_size(), 2);
  EXPECT_TRUE(response.next_page_token().empty());
  const v1::Instrument& p1 = response.instruments(0);
  EXPECT_EQ(p1.market_id(), "condA");
  EXPECT_EQ(p1.outcome_index(), 1u);  // its position in the market, not in this listing
  EXPECT_EQ(p1.event_id(), "evA");
  EXPECT_EQ(p1.token_id(), "p1");
  EXPECT_EQ(p1.condition_id(), "condA");
  EXPECT_EQ(p1.tick_size_micros(), 10'000);
  EXPECT_EQ(p1.status(), v1::MARKET_STATUS_OPEN);

  grpc::ClientContext bad_context;
  v1::ListInstrumentsRequest bad;
  bad.set_page_token("garbage");
  EXPECT_EQ(stub_->ListInstruments(&bad_context, bad, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(FeedShardServiceTest, ListMarketsGroupsInstrumentsAndEvents) {
  StartServer();
  service_->SetUniverse(TestUniverse());
  grpc::ClientContext context;
  v1::ListMarketsRequest request;
  v1::ListMarketsResponse response;
  ASSERT_TRUE(stub_->ListMarkets(&context, request, &response).ok());
  ASSERT_EQ(response.markets_size(), 2);  // condB is closed
  const v1::Market& a = response.markets(0);
  EXPECT_EQ(a.market_id(), "condA");
  EXPECT_EQ(a.venue(), v1::VENUE_POLYMARKET);
  // Outcome order (market.proto), not token-id order: YES (p2) first although "p1" sorts first.
  ASSERT_EQ(a.instruments_size(), 2);
  EXPECT_EQ(a.instruments(0).instrument_id().symbol(), "p2");
  EXPECT_EQ(a.instruments(0).outcome_index(), 0u);
  EXPECT_EQ(a.instruments(0).outcome_name(), "Yes");
  EXPECT_EQ(a.instruments(0).complement_id().symbol(), "p1");
  EXPECT_EQ(a.instruments(1).instrument_id().symbol(), "p1");
  EXPECT_EQ(a.instruments(1).outcome_index(), 1u);
  EXPECT_EQ(a.instruments(1).complement_id().symbol(), "p2");
  EXPECT_THAT(a.outcomes(), ::testing::ElementsAre("Yes", "No"));
  EXPECT_EQ(a.status(), v1::MARKET_STATUS_OPEN);
  // The venue's end time (RFC 3339) as Unix ns: the scanner's horizon and expiry gates use it.
  EXPECT_EQ(a.end_unix_nanos(),
            absl::ToUnixNanos(
                absl::FromCivil(absl::CivilSecond(2026, 12, 31, 18, 0, 0), absl::UTCTimeZone())));
  const v1::Market& k = response.markets(1);
  EXPECT_EQ(k.market_id(), "KX-1");
  EXPECT_EQ(k.end_unix_nanos(), 0);  // none given
  // Outcome order (market.proto): YES first, although the universe holds ":NO" first.
  ASSERT_EQ(k.instruments_size(), 2);
  EXPECT_EQ(k.instruments(0).instrument_id().symbol(), "KX-1:YES");
  EXPECT_EQ(k.instruments(0).outcome_index(), 0u);
  EXPECT_EQ(k.instruments(0).complement_id().symbol(), "KX-1:NO");
  EXPECT_EQ(k.instruments(1).outcome_index(), 1u);
  // Fee schedules: condA's Polymarket schedule in rate micros; KX-1's model is unknown, which is
  // "enabled without a schedule" (never fee-free by default).
  EXPECT_TRUE(a.fee_schedule().fees_enabled());
  ASSERT_EQ(a.fee_schedule().venue_schedule_case(), v1::FeeSchedule::kPolymarket);
  EXPECT_EQ(a.fee_schedule().polymarket().rate_micros(), 72'000);
  EXPECT_EQ(a.fee_schedule().polymarket().exponent(), 1u);
  EXPECT_EQ(a.fee_schedule().polymarket().rebate_rate_micros(), 250'000);
  EXPECT_TRUE(a.fee_schedule().polymarket().taker_only());
  EXPECT_EQ(a.fee_schedule().effective_unix_nanos(), 0);
  // Kalshi's fee model is not loaded yet: served fee-free (the known gap in FeeScheduleOf).
  EXPECT_FALSE(k.fee_schedule().fees_enabled());
  EXPECT_EQ(k.fee_schedule().venue_schedule_case(), v1::FeeSchedule::VENUE_SCHEDULE_NOT_SET);
  ASSERT_EQ(response.events_size(), 2);
  EXPECT_EQ(response.events(0).event_id(), "evA");
  EXPECT_EQ(response.events(1).event_id(), "KXE");
  EXPECT_THAT(response.events(1).market_ids(), ::testing::ElementsAre("KX-1"));

  // Paging by market.
  grpc::ClientContext context2;
  request.set_page_size(1);
  request.set_include_closed(true);
  ASSERT_TRUE(stub_->ListMarkets(&context2, request, &response).ok());
  ASSERT_EQ(response.markets_size(), 1);
  ASSERT_FALSE(response.next_page_token().empty());
  grpc::ClientContext context3;
  request.set_page_token(response.next_page_token());
  ASSERT_TRUE(stub_->ListMarkets(&context3, request, &response).ok());
  ASSERT_EQ(response.markets_size(), 1);
  EXPECT_EQ(response.markets(0).market_id(), "condB");
  EXPECT_EQ(response.markets(0).status(), v1::MARKET_STATUS_CLOSED);
  // A fee-free market says so.
  EXPECT_FALSE(response.markets(0).fee_schedule().fees_enabled());
  EXPECT_EQ(response.markets(0).fee_schedule().venue_schedule_case(),
            v1::FeeSchedule::VENUE_SCHEDULE_NOT_SET);
}

TEST(FeeScheduleOfTest, EveryFeeModelState) {
  Instrument in = MakeInstrument(Venue::kPolymarket, "t", "c", "e");
  // Unknown (nothing said).
  v1::FeeSchedule f = FeeScheduleOf(in);
  EXPECT_TRUE(f.fees_enabled());
  EXPECT_FALSE(f.has_polymarket());
  // Disabled: fee-free, a schedule given anyway is passed through.
  in.fees_enabled = false;
  EXPECT_FALSE(FeeScheduleOf(in).fees_enabled());
  in.fee_schedule = venue::polymarket::FeeSchedule{.rate_micros = 30'000, .exponent = 2};
  f = FeeScheduleOf(in);
  EXPECT_FALSE(f.fees_enabled());
  EXPECT_EQ(f.polymarket().rate_micros(), 30'000);
  EXPECT_EQ(f.polymarket().exponent(), 2u);
  // Enabled without a schedule: unknown.
  in.fees_enabled = true;
  in.fee_schedule.reset();
  f = FeeScheduleOf(in);
  EXPECT_TRUE(f.fees_enabled());
  EXPECT_FALSE(f.has_polymarket());
  // Enabled with a schedule.
  in.fee_schedule = venue::polymarket::FeeSchedule{
      .rate_micros = 40'000, .exponent = 1, .rebate_rate_micros = 200'000, .taker_only = false};
  f = FeeScheduleOf(in);
  EXPECT_TRUE(f.fees_enabled());
  EXPECT_EQ(f.polymarket().rate_micros(), 40'000);
  EXPECT_EQ(f.polymarket().exponent(), 1u);
  EXPECT_EQ(f.polymarket().rebate_rate_micros(), 200'000);
  EXPECT_FALSE(f.polymarket().taker_only());
  // A Polymarket schedule is never written on a Kalshi market.
  in.venue = Venue::kKalshi;
  EXPECT_FALSE(FeeScheduleOf(in).has_polymarket());
}

// What the scanner reads back: lanes::MarketFromProto on the ListMarkets output gives each market
// the fee model the catalog stated (FeesFromProto is the inverse of FeeScheduleOf).
TEST_F(FeedShardServiceTest, ListMarketsFeesRoundTripThroughTheLanes) {
  StartServer();
  service_->SetUniverse(TestUniverse());
  grpc::ClientContext context;
  v1::ListMarketsRequest request;
  request.set_include_closed(true);
  v1::ListMarketsResponse response;
  ASSERT_TRUE(stub_->ListMarkets(&context, request, &response).ok());
  ASSERT_EQ(response.markets_size(), 3);

  absl::StatusOr<lanes::LaneMarket> crypto = lanes::MarketFromProto(response.markets(0));
  ASSERT_TRUE(crypto.ok()) << crypto.status();
  EXPECT_EQ(crypto->market_id, "condA");
  ASSERT_TRUE(crypto->fees.has_value()) << crypto->fee_problem;
  EXPECT_EQ(crypto->fees->venue(), quant::FeeVenue::kPolymarket);
  // 100 shares at 0.50: 100 * 0.072 * 0.25 = 1.8 USD, as the venue's own formula gives.
  const Quantity shares = Quantity::FromMicros(100'000'000);
  const Price half = Price::FromMicros(500'000);
  absl::StatusOr<Money> fee = crypto->fees->Fee(shares, half);
  ASSERT_TRUE(fee.ok()) << fee.status();
  EXPECT_EQ(*fee, Money::FromMicros(1'800'000));
  absl::StatusOr<Money> venue_fee = venue::polymarket::TakerFee(
      venue::polymarket::FeeSchedule{.rate_micros = 72'000, .exponent = 1}, shares, half,
      Rounding::kUp);
  ASSERT_TRUE(venue_fee.ok());
  EXPECT_EQ(*fee, *venue_fee);

  absl::StatusOr<lanes::LaneMarket> free = lanes::MarketFromProto(response.markets(1));
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_EQ(free->market_id, "condB");
  ASSERT_TRUE(free->fees.has_value());
  EXPECT_EQ(free->fees->venue(), quant::FeeVenue::kNone);
  EXPECT_EQ(*free->fees->Fee(shares, half), Money::Zero());

  // Kalshi: the catalog does not know the series fee model yet, and ListMarkets serves the
  // market without a schedule (the documented gap in FeeScheduleOf): the lanes price it
  // fee-free. When the loader reads the series, this becomes a Kalshi schedule.
  EXPECT_FALSE(response.markets(2).fee_schedule().fees_enabled());
  EXPECT_FALSE(response.markets(2).fee_schedule().has_kalshi());
  absl::StatusOr<lanes::LaneMarket> kalshi = lanes::MarketFromProto(response.markets(2));
  ASSERT_TRUE(kalshi.ok()) << kalshi.status();
  EXPECT_EQ(kalshi->market_id, "KX-1");
  ASSERT_TRUE(kalshi->fees.has_value());
  EXPECT_EQ(kalshi->fees->venue(), quant::FeeVenue::kNone);
}

TEST_F(FeedShardServiceTest, AResolvedBookIsFollowedByItsSettlement) {
  StartServer();
  auto u = std::make_shared<Universe>();
  Instrument yes = MakeInstrument(Venue::kPolymarket, "tokA", "condA", "evA");
  u->Upsert(yes);
  service_->SetUniverse(u);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->StreamBooks(&context, Request());
  testing::BookMirror mirror;
  ASSERT_EQ(ReadInitialBurst(reader.get(), &mirror).size(), 3u);

  ASSERT_TRUE(
      fanout_.SetStatus(InstrumentId("tokA"), BookStatus::kClosed, "MarketResolved", 1'000'000)
          .ok());
  v1::BookUpdate update;
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_TRUE(update.has_status());
  EXPECT_EQ(update.status().status(), v1::BOOK_STATUS_CLOSED);
  mirror.Apply(update);
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_TRUE(update.has_instrument()) << update.ShortDebugString();
  const v1::InstrumentUpdate& r = update.instrument();
  EXPECT_EQ(r.kind(), v1::INSTRUMENT_UPDATE_KIND_RESOLVED);
  EXPECT_EQ(r.instrument().instrument_id().symbol(), "tokA");
  EXPECT_EQ(r.instrument().market_id(), "condA");  // from the universe
  EXPECT_EQ(r.instrument().outcome_name(), "Yes");
  EXPECT_EQ(r.instrument().status(), v1::MARKET_STATUS_RESOLVED);
  EXPECT_EQ(r.instrument().settlement_price_micros(), 1'000'000);
  EXPECT_GT(r.ts_receipt_unix_nanos(), 0);
  mirror.Apply(update);
  EXPECT_EQ(mirror.stats().violations, 0u);
  context.TryCancel();

  // A subscriber that joins later learns it from the closed book's snapshot.
  grpc::ClientContext late_context;
  late_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto late = stub_->StreamBooks(&late_context, Request("late-sub"));
  testing::BookMirror late_mirror;
  std::vector<v1::BookUpdate> burst = ReadInitialBurst(late.get(), &late_mirror);
  ASSERT_EQ(burst.size(), 4u);
  ASSERT_TRUE(burst[0].has_snapshot());
  EXPECT_EQ(burst[0].snapshot().status(), v1::BOOK_STATUS_CLOSED);
  ASSERT_TRUE(burst[1].has_instrument());
  EXPECT_EQ(burst[1].instrument().instrument().settlement_price_micros(), 1'000'000);
  EXPECT_EQ(late_mirror.stats().resolutions, 1u);
  EXPECT_EQ(late_mirror.stats().violations, 0u);
  EXPECT_EQ(late_mirror.books().at("1/tokA").settlement_price_micros, 1'000'000);
  late_context.TryCancel();
}

v1::ApplyFeedPolicyRequest PolicyRequest(std::string uid, int64_t generation, uint32_t stage) {
  v1::ApplyFeedPolicyRequest request;
  request.mutable_policy()->set_policy_uid(std::move(uid));
  request.mutable_policy()->set_policy_generation(generation);
  request.mutable_policy()->set_stage_index(stage);
  *request.mutable_feed_policy() = DefaultFeedPolicy();
  request.mutable_feed_policy()->set_subscriber_queue_limit(64);
  return request;
}

TEST_F(FeedShardServiceTest, ApplyFeedPolicyIsIdempotentAndRejectsOlderGenerations) {
  StartServer();
  int listener_calls = 0;
  service_->SetPolicyListener(
      [&](const v1::FeedPolicy&, const v1::PolicyRef&) { ++listener_calls; });
  auto apply = [&](const v1::ApplyFeedPolicyRequest& request, v1::ApplyFeedPolicyResponse* r) {
    grpc::ClientContext context;
    return stub_->ApplyFeedPolicy(&context, request, r);
  };
  v1::ApplyFeedPolicyResponse response;
  ASSERT_TRUE(apply(PolicyRequest("uid-1", 2, 0), &response).ok());
  EXPECT_TRUE(response.changed());
  EXPECT_EQ(response.policy().policy_generation(), 2);
  const int64_t applied = response.applied_unix_nanos();
  EXPECT_GT(applied, 0);

  ASSERT_TRUE(apply(PolicyRequest("uid-1", 2, 0), &response).ok());
  EXPECT_FALSE(response.changed());
  EXPECT_EQ(response.applied_unix_nanos(), applied);

  ASSERT_TRUE(apply(PolicyRequest("uid-1", 2, 1), &response).ok());
  EXPECT_TRUE(response.changed());

  const grpc::Status older = apply(PolicyRequest("uid-1", 1, 5), &response);
  EXPECT_EQ(older.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(older.error_message(), HasSubstr("older"));

  EXPECT_EQ(apply(PolicyRequest("", 3, 0), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ApplyFeedPolicyRequest bad = PolicyRequest("uid-1", 3, 0);
  bad.mutable_feed_policy()->set_max_assets_per_connection(501);
  EXPECT_EQ(apply(bad, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(listener_calls, 2);
  ASSERT_TRUE(service_->CurrentPolicyRef().has_value());
  EXPECT_EQ(service_->CurrentPolicyRef()->stage_index(), 1u);
  EXPECT_EQ(service_->CurrentPolicy().subscriber_queue_limit(), 64u);

  grpc::ClientContext context;
  v1::GetFeedHealthResponse health;
  ASSERT_TRUE(stub_->GetHealth(&context, v1::GetFeedHealthRequest(), &health).ok());
  EXPECT_EQ(health.policy().policy_uid(), "uid-1");
  EXPECT_EQ(health.feed_policy().subscriber_queue_limit(), 64u);
}

TEST_F(FeedShardServiceTest, GetHealthReportsSourceAndSubscribers) {
  FeedShardServiceOptions options;
  options.shard_index = 1;
  options.shard_count = 4;
  StartServer(options);
  {
    grpc::ClientContext context;
    v1::GetFeedHealthResponse response;
    ASSERT_TRUE(stub_->GetHealth(&context, v1::GetFeedHealthRequest(), &response).ok());
    EXPECT_FALSE(response.health().ready());
    EXPECT_EQ(response.health().status(), v1::SERVING_STATUS_NOT_SERVING);
    EXPECT_EQ(response.feed_policy().subscriber_queue_limit(), 4096u);
    EXPECT_FALSE(response.has_policy());
  }
  FakeHealth source;
  source.report.live = true;
  source.report.ready = true;
  source.report.checks = {{.name = "CatalogLoaded", .ok = true},
                          {.name = "BooksSnapshotted", .ok = false, .message = "3 of 5"}};
  VenueHealthReport venue;
  venue.venue = Venue::kKalshi;
  venue.mode = FeedMode::kHybrid;
  venue.mode_reason = "SeqGaps";
  venue.connections_open = 1;
  venue.connections_desired = 1;
  venue.gaps_total = 9;
  venue.last_message_age = absl::Milliseconds(250);
  source.report.venues = {venue};
  service_->SetHealthSource(&source);

  grpc::ClientContext stream_context;
  auto reader = stub_->StreamBooks(&stream_context, Request());
  testing::BookMirror mirror;
  ReadInitialBurst(reader.get(), &mirror);

  grpc::ClientContext context;
  v1::GetFeedHealthResponse response;
  ASSERT_TRUE(stub_->GetHealth(&context, v1::GetFeedHealthRequest(), &response).ok());
  EXPECT_EQ(response.health().component(), "feed");
  EXPECT_EQ(response.health().instance(), "feed-0");
  EXPECT_TRUE(response.health().ready());
  EXPECT_EQ(response.health().status(), v1::SERVING_STATUS_DEGRADED);
  ASSERT_EQ(response.health().checks_size(), 2);
  EXPECT_EQ(response.health().checks(0).name(), "BooksSnapshotted");  // failing first
  EXPECT_EQ(response.feed().shard_index(), 1u);
  EXPECT_EQ(response.feed().shard_count(), 4u);
  EXPECT_EQ(response.feed().subscribers(), 1u);
  EXPECT_EQ(response.feed().book_epoch(), 777u);
  ASSERT_EQ(response.feed().venues_size(), 1);
  const v1::VenueFeedHealth& v = response.feed().venues(0);
  EXPECT_EQ(v.venue(), v1::VENUE_KALSHI);
  EXPECT_EQ(v.mode(), v1::FEED_MODE_HYBRID);
  EXPECT_EQ(v.mode_reason(), "SeqGaps");
  EXPECT_EQ(v.gaps_total(), 9u);
  EXPECT_EQ(v.last_message_age_nanos(), 250'000'000);
  stream_context.TryCancel();
}

TEST_F(FeedShardServiceTest, MetricsTrackSubscribers) {
  prometheus::Registry registry;
  FeedMetrics metrics(registry);
  StartServer();
  service_->SetMetrics(&metrics);
  grpc::ClientContext context;
  auto reader = stub_->StreamBooks(&context, Request("scanner-7"));
  testing::BookMirror mirror;
  ReadInitialBurst(reader.get(), &mirror);
  auto gauge_value = [&](const std::string& name) -> double {
    for (const auto& family : registry.Collect()) {
      if (family.name == name && !family.metric.empty()) return family.metric[0].gauge.value;
    }
    return -1;
  };
  EXPECT_EQ(gauge_value("arbor_feed_subscribers"), 1.0);
  context.TryCancel();
  EXPECT_TRUE(WaitFor([&] { return gauge_value("arbor_feed_subscribers") == 0.0; }));
  // `metrics` dies with this scope: stop the server first so no RPC thread still uses it.
  service_->BeginShutdown();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server_.reset();
}

TEST_F(FeedShardServiceTest, UpdatesCarryTimestampsAndTradesGoOnlyToIncludeTrades) {
  SimulatedClock clock;
  prometheus::Registry registry;
  FeedMetrics metrics(registry);
  FeedShardServiceOptions options;
  options.clock = &clock;
  StartServer(options);
  service_->SetMetrics(&metrics);

  grpc::ClientContext with_ctx;
  with_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::StreamBooksRequest with_trades = Request("with-trades");
  with_trades.set_include_trades(true);
  auto with_reader = stub_->StreamBooks(&with_ctx, with_trades);
  grpc::ClientContext without_ctx;
  without_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto without_reader = stub_->StreamBooks(&without_ctx, Request("books-only"));
  testing::BookMirror m1;
  testing::BookMirror m2;
  ReadInitialBurst(with_reader.get(), &m1);
  ReadInitialBurst(without_reader.get(), &m2);

  // A frame received 2 ms (simulated) before the server writes it (monotonic 0 = unknown).
  clock.Advance(absl::Seconds(1));
  const int64_t receipt_mono = clock.MonotonicNanos();
  const EventTimes times{.event_unix_nanos = 1'699'999'999'123'000'000,
                         .receipt_unix_nanos = absl::ToUnixNanos(clock.Now()),
                         .receipt_mono_nanos = receipt_mono};
  clock.Advance(absl::Milliseconds(2));
  const LevelChange group[] = {Change(book::BookSide::kBid, 410'000, 3'000'000),
                               Change(book::BookSide::kAsk, 425'000, 1'000'000)};
  ASSERT_TRUE(fanout_.ApplyDelta(InstrumentId("tokA"), group, 12, times).ok());
  const TradePrint trade{.price = Price::FromMicros(420'000),
                         .size = Quantity::FromMicros(2'500'000),
                         .aggressor = TradeSide::kSell,
                         .venue_trade_id = "",
                         .times = times};
  ASSERT_TRUE(fanout_.PublishTrade(Key(Venue::kPolymarket, "tokA", "condA", "evA"), trade).ok());
  TradePrint kalshi = trade;
  kalshi.aggressor = TradeSide::kBuy;
  kalshi.venue_trade_id = "kt-1";
  ASSERT_TRUE(fanout_.PublishTrade(Key(Venue::kKalshi, "KX-1:NO", "KX-1", "KXE"), kalshi).ok());
  // A sentinel both streams receive after the trades.
  ASSERT_TRUE(fanout_.SetStatus(InstrumentId("tokA"), BookStatus::kStale, "NoDataTimeout").ok());

  for (auto* reader : {with_reader.get(), without_reader.get()}) {
    v1::BookUpdate update;
    ASSERT_TRUE(reader->Read(&update));
    ASSERT_TRUE(update.has_deltas());
    for (const v1::BookDelta& d : update.deltas().deltas()) {
      EXPECT_EQ(d.ts_event_unix_nanos(), times.event_unix_nanos);
      EXPECT_EQ(d.ts_receipt_unix_nanos(), times.receipt_unix_nanos);
    }
  }
  v1::BookUpdate update;
  ASSERT_TRUE(with_reader->Read(&update));
  ASSERT_TRUE(update.has_trade()) << update.DebugString();
  const v1::Trade& t = update.trade();
  EXPECT_EQ(t.instrument_id().venue(), v1::VENUE_POLYMARKET);
  EXPECT_EQ(t.instrument_id().symbol(), "tokA");
  EXPECT_EQ(t.price_micros(), 420'000);
  EXPECT_EQ(t.size_micros(), 2'500'000);
  EXPECT_EQ(t.aggressor_side(), v1::SIDE_SELL);
  EXPECT_EQ(t.venue_trade_id(), "");
  EXPECT_EQ(t.ts_event_unix_nanos(), times.event_unix_nanos);
  EXPECT_EQ(t.ts_receipt_unix_nanos(), times.receipt_unix_nanos);
  ASSERT_TRUE(with_reader->Read(&update));
  ASSERT_TRUE(update.has_trade());
  EXPECT_EQ(update.trade().instrument_id().venue(), v1::VENUE_KALSHI);
  EXPECT_EQ(update.trade().instrument_id().symbol(), "KX-1:NO");
  EXPECT_EQ(update.trade().aggressor_side(), v1::SIDE_BUY);
  EXPECT_EQ(update.trade().venue_trade_id(), "kt-1");
  ASSERT_TRUE(with_reader->Read(&update));
  EXPECT_TRUE(update.has_status());
  ASSERT_TRUE(without_reader->Read(&update));
  EXPECT_TRUE(update.has_status()) << "no trades without include_trades";

  // A snapshot taken later (GetBook) carries the newest data's times.
  grpc::ClientContext get_ctx;
  v1::GetBookRequest get;
  get.mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
  get.mutable_instrument_id()->set_symbol("tokA");
  v1::GetBookResponse got;
  ASSERT_TRUE(stub_->GetBook(&get_ctx, get, &got).ok());
  EXPECT_EQ(got.snapshot().ts_event_unix_nanos(), times.event_unix_nanos);
  EXPECT_EQ(got.snapshot().ts_receipt_unix_nanos(), times.receipt_unix_nanos);

  // Latency: one observation per subscriber write of the delta group (2 streams) and of each
  // trade (1 stream), all exactly 2 ms of simulated time; the initial snapshots do not count.
  double count = 0;
  double sum = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != "arbor_feed_publish_latency_seconds") continue;
    for (const auto& m : family.metric) {
      count += static_cast<double>(m.histogram.sample_count);
      sum += m.histogram.sample_sum;
    }
  }
  EXPECT_EQ(count, 4.0);
  EXPECT_NEAR(sum, 4 * 0.002, 1e-9);

  with_ctx.TryCancel();
  without_ctx.TryCancel();
  service_->BeginShutdown();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server_.reset();
}

}  // namespace
}  // namespace arbor::feed
