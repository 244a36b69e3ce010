// KalshiConnection against the simulator's Kalshi WebSocket server, run in-process over real
// loopback sockets (HttpServer + KalshiWsChannel over an Exchange with Kalshi twins), signing with
// a generated RSA key, publishing through a real BookPublisher + BookFanout: the fan-out's books
// must converge to the twin engines' YES ladders through gaps, disconnects, stalls, malformed
// frames and subscription changes.
#include "arbor/feed/kalshi_connection.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <charconv>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/clock.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/kalshi_ws_channel.h"
#include "arbor/sim/universe.h"
#include "arbor/sim/ws_session.h"
#include "arbor/venue/kalshi/auth.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

namespace ks = ::arbor::venue::kalshi;
using sim::Exchange;
using sim::MarketEngine;

constexpr char kKeyId[] = "test-key";

struct TestKey {
  std::string private_pem;
  std::string public_pem;
};

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

const TestKey& Key() {
  static const TestKey* key = [] {
    auto* k = new TestKey;
    EVP_PKEY* pkey = EVP_RSA_gen(2048);
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    k->private_pem = BioToString(b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(b, pkey);
    k->public_pem = BioToString(b);
    EVP_PKEY_free(pkey);
    return k;
  }();
  return *key;
}

sim::KalshiWsAuthenticator TestAuthenticator() {
  auto verifier = std::make_shared<ks::SignatureVerifier>(
      *ks::SignatureVerifier::FromPublicKeyPem(Key().public_pem));
  return [verifier](std::string_view key_id, std::string_view ts, std::string_view sig,
                    std::string_view method, std::string_view path) -> absl::StatusOr<std::string> {
    if (key_id != kKeyId) return absl::UnauthenticatedError("unknown key");
    int64_t ts_ms = 0;
    if (std::from_chars(ts.data(), ts.data() + ts.size(), ts_ms).ec != std::errc()) {
      return absl::UnauthenticatedError("bad timestamp");
    }
    absl::Status s = verifier->Verify(ks::SigningMessage(ts_ms, method, path), sig);
    if (!s.ok()) return s;
    return std::string("kalshi:test-key");
  };
}

using Ladder = std::map<Price, Quantity>;

// The engine's YES book: bids = the YES ladder (YES bids + NO asks at 1 - p); asks = the NO
// ladder (NO bids + YES asks at 1 - p) mapped to YES asks at 1 - p.
std::pair<Ladder, Ladder> EngineYesBook(const MarketEngine& e) {
  Ladder bids;
  Ladder asks;
  for (const auto& [p, q] : e.Levels(0, sim::Side::kBuy)) bids[p] += q;
  for (const auto& [p, q] : e.Levels(1, sim::Side::kSell)) bids[Complement(p)] += q;
  for (const auto& [p, q] : e.Levels(1, sim::Side::kBuy)) asks[Complement(p)] += q;
  for (const auto& [p, q] : e.Levels(0, sim::Side::kSell)) asks[p] += q;
  return {bids, asks};
}

Ladder ToLadder(const std::vector<book::Level>& levels) {
  Ladder out;
  for (const book::Level& l : levels) out[l.price] += l.size;
  return out;
}

class KalshiConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::UniverseSpec spec;
    spec.binary_markets = 20;
    spec.negrisk_events = 1;
    spec.kalshi_twin_every = 2;
    sim::DynamicsSpec dynamics;
    dynamics.noise_orders_per_market = 0.5;
    absl::StatusOr<std::unique_ptr<Exchange>> ex =
        Exchange::Create(*sim::GenerateUniverse(spec), dynamics, {}, 7);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    ASSERT_GE(exchange_->kalshi_twins(), 4);
    channel_ = std::make_unique<sim::KalshiWsChannel>(exchange_.get(), TestAuthenticator());
    server_ = std::make_unique<sim::HttpServer>(io_, sim::HttpServerOptions{});
    channel_->Attach(*server_);
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
    publisher_ = std::make_unique<BookPublisher>(&fanout_, &SystemClock::Get());
    pair_ = std::make_unique<OutcomePairPublisher>(publisher_.get());
  }

  void TearDown() override {
    if (conn_ != nullptr) conn_->Stop();
    boost::asio::post(io_, [this] { server_->Stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  KalshiConnectionOptions Options() {
    KalshiConnectionOptions o;
    o.origin = net::Origin{.tls = false, .host = "127.0.0.1", .port = server_->port()};
    o.ping_interval = absl::Milliseconds(50);
    o.stale_after = absl::Seconds(30);
    o.watchdog_tick = absl::Milliseconds(10);
    o.backoff = net::BackoffOptions{.min = absl::Milliseconds(10), .max = absl::Milliseconds(100)};
    return o;
  }

  void Connect(KalshiConnectionOptions options) {
    absl::StatusOr<ks::RequestSigner> signer =
        ks::RequestSigner::FromPemString(kKeyId, Key().private_pem);
    ASSERT_TRUE(signer.ok()) << signer.status();
    conn_ = std::make_unique<KalshiConnection>(std::move(options), std::move(*signer), pair_.get(),
                                               &SystemClock::Get());
    conn_->OnHealthEvent([this](KalshiHealthEvent e, std::string_view) {
      std::lock_guard<std::mutex> lock(events_mu_);
      events_[e]++;
    });
    ASSERT_TRUE(conn_->Start().ok());
  }

  int Events(KalshiHealthEvent e) {
    std::lock_guard<std::mutex> lock(events_mu_);
    return events_[e];
  }

  template <typename Fn>
  auto OnIo(Fn fn) {
    std::promise<decltype(fn())> done;
    boost::asio::post(io_, [&] { done.set_value(fn()); });
    return done.get_future().get();
  }

  void Steps(int n) {
    OnIo([&] {
      for (int i = 0; i < n; ++i) {
        ++step_;
        EXPECT_TRUE(exchange_->Step(1000 * step_).ok());
        EXPECT_TRUE(channel_->Publish(1000 * step_).ok());
      }
      return 0;
    });
  }

  std::string Ticker(int twin) const {
    return exchange_->universe().kalshi[static_cast<size_t>(twin)].ticker;
  }

  InstrumentKey MarketKey(int twin) const {
    InstrumentKey k;
    k.venue = Venue::kKalshi;
    k.instrument_id = InstrumentId(Ticker(twin));
    k.market_id = Ticker(twin);
    return k;
  }

  void SetMarkets(const std::vector<int>& twins) {
    std::vector<InstrumentKey> keys;
    for (int t : twins) keys.push_back(MarketKey(t));
    ASSERT_TRUE(conn_->SetMarkets(keys).ok());
  }

  // Polls until `pred` holds or 10 s pass.
  template <typename Pred>
  bool WaitFor(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  }

  // Whether the fan-out's book of `twin` is live and equals the engine's YES book.
  bool Matches(int twin, std::string* why) {
    const InstrumentId id = OutcomeInstrumentId(Ticker(twin), true);
    if (publisher_->State(id) != PublishState::kLive) {
      *why = "not live";
      return false;
    }
    absl::StatusOr<BookState> got = fanout_.GetBook(id);
    if (!got.ok()) {
      *why = "no fan-out book";
      return false;
    }
    const auto engine = OnIo([&] { return EngineYesBook(exchange_->kalshi_engine(twin)); });
    if (ToLadder(got->bids) != engine.first || ToLadder(got->asks) != engine.second) {
      *why = "ladders differ";
      return false;
    }
    // The NO instrument is the same book in NO terms: its bids are 1 - the YES asks.
    absl::StatusOr<BookState> no = fanout_.GetBook(OutcomeInstrumentId(Ticker(twin), false));
    if (!no.ok() || no->bids.size() != got->asks.size() || no->asks.size() != got->bids.size() ||
        (!no->bids.empty() && no->bids.front().price != Complement(got->asks.front().price))) {
      *why = "NO book is not the complement";
      return false;
    }
    if (engine.first.empty() || engine.second.empty()) {
      *why = "engine side empty";
      return false;
    }
    return true;
  }

  void ExpectConverged(const std::vector<int>& twins) {
    for (int t : twins) {
      std::string why;
      EXPECT_TRUE(WaitFor([&] { return Matches(t, &why); })) << Ticker(t) << ": " << why;
    }
  }

  boost::asio::io_context io_;
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<sim::KalshiWsChannel> channel_;
  std::unique_ptr<sim::HttpServer> server_;
  std::thread thread_;
  int64_t step_ = 0;
  BookFanout fanout_;
  std::unique_ptr<BookPublisher> publisher_;
  std::unique_ptr<OutcomePairPublisher> pair_;
  std::unique_ptr<KalshiConnection> conn_;
  std::mutex events_mu_;
  std::map<KalshiHealthEvent, int> events_;
};

TEST_F(KalshiConnectionTest, BooksConvergeToTheEngineLaddersThroughSteps) {
  Connect(Options());
  SetMarkets({0, 1, 3});
  ExpectConverged({0, 1, 3});
  for (int i = 0; i < 40; ++i) Steps(1);
  ExpectConverged({0, 1, 3});
  const KalshiConnectionCounters c = conn_->counters();
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.decode_errors, 0u);
  EXPECT_EQ(c.crossed, 0u);
  EXPECT_EQ(c.reconnects, 0u);
  EXPECT_EQ(c.messages_by_type[static_cast<size_t>(ks::MessageType::kOrderbookSnapshot)], 3u);
  EXPECT_GT(c.messages_by_type[static_cast<size_t>(ks::MessageType::kOrderbookDelta)], 10u);
  EXPECT_GT(c.last_message_nanos, 0);
  EXPECT_TRUE(c.connected);
  EXPECT_GT(publisher_->Counters(Venue::kKalshi).level_changes, 10u);
  EXPECT_TRUE(WaitFor([&] { return conn_->counters().pongs > 0; })) << "client pings answered";
  int live = 0;
  conn_->WithBooks([&](const ks::BookSet& books) {
    for (int t : {0, 1, 3}) live += books.Status(Ticker(t))->live ? 1 : 0;
  });
  EXPECT_EQ(live, 3);
}

TEST_F(KalshiConnectionTest, SeqGapQuarantinesResyncsAndConverges) {
  Connect(Options());
  SetMarkets({0, 1});
  ExpectConverged({0, 1});
  OnIo([&] {
    // sid 1 is the channel-wide market_lifecycle_v2 subscription (sent first; the simulator
    // emits nothing on it), sid 2 the orderbook_delta one.
    channel_->SkipSeqForTesting(2);
    return 0;
  });
  ASSERT_TRUE(WaitFor([&] {
    Steps(1);
    return conn_->counters().gaps > 0;
  }));
  EXPECT_EQ(Events(KalshiHealthEvent::kSeqGap), 1);
  EXPECT_GE(publisher_->Counters(Venue::kKalshi).quarantines, 2u) << "both markets on the sid";
  EXPECT_GE(conn_->counters().resyncs, 2u);
  EXPECT_GE(Events(KalshiHealthEvent::kResync), 2);
  Steps(10);
  ExpectConverged({0, 1});
  EXPECT_EQ(conn_->counters().gaps, 1u);
  EXPECT_EQ(conn_->counters().reconnects, 0u) << "repaired with get_snapshot, not a reconnect";
}

TEST_F(KalshiConnectionTest, DisconnectReconnectsResubscribesAndConverges) {
  Connect(Options());
  SetMarkets({0, 1});
  ExpectConverged({0, 1});
  OnIo([&] {
    server_->ws_sessions().ForEach([](sim::WsSession& s) { s.Abort(); });
    return 0;
  });
  ASSERT_TRUE(WaitFor([&] { return conn_->counters().reconnects >= 1; }));
  EXPECT_GE(Events(KalshiHealthEvent::kReconnect), 1);
  Steps(20);
  ExpectConverged({0, 1});
  EXPECT_GE(
      conn_->counters().messages_by_type[static_cast<size_t>(ks::MessageType::kOrderbookSnapshot)],
      4u)
      << "fresh snapshots after the reconnect";
}

TEST_F(KalshiConnectionTest, StallMarksStaleAndReconnects) {
  KalshiConnectionOptions o = Options();
  o.stale_after = absl::Milliseconds(300);
  Connect(o);
  SetMarkets({0, 1, 3});
  ExpectConverged({0, 1, 3});
  OnIo([&] {
    server_->ws_sessions().ForEach([](sim::WsSession& s) { s.Stall(60'000); });
    return 0;
  });
  ASSERT_TRUE(WaitFor([&] {
    Steps(1);
    return conn_->counters().stale_timeouts >= 1 && conn_->counters().reconnects >= 1;
  }));
  EXPECT_GE(publisher_->Counters(Venue::kKalshi).stale_marks, 1u);
  EXPECT_GE(Events(KalshiHealthEvent::kStale), 1);
  Steps(10);
  ExpectConverged({0, 1, 3});
}

TEST_F(KalshiConnectionTest, MalformedFramesAreCountedAndSkipped) {
  Connect(Options());
  SetMarkets({0, 1});
  ExpectConverged({0, 1});
  OnIo([&] {
    server_->ws_sessions().ForEach([](sim::WsSession& s) {
      s.Send("not json");
      s.Send(R"({"type":"orderbook_delta","sid":1,"seq":"x","msg":{}})");
      s.Send(R"({"type":"mystery_type","msg":{}})");
    });
    return 0;
  });
  ASSERT_TRUE(WaitFor([&] { return conn_->counters().decode_errors >= 2; }));
  EXPECT_TRUE(WaitFor([&] { return conn_->counters().unknown_types >= 1; }));
  EXPECT_EQ(conn_->counters().decode_errors, 2u);
  EXPECT_EQ(Events(KalshiHealthEvent::kDecodeError), 2);
  Steps(20);
  ExpectConverged({0, 1});
  EXPECT_EQ(conn_->counters().reconnects, 0u) << "malformed frames are not fatal";
  EXPECT_EQ(conn_->counters().gaps, 0u);
}

TEST_F(KalshiConnectionTest, SetMarketsAddsAndRemovesMarkets) {
  Connect(Options());
  SetMarkets({0});
  ExpectConverged({0});
  SetMarkets({0, 1, 2});
  ExpectConverged({0, 1, 2});
  SetMarkets({1, 2});
  EXPECT_EQ(publisher_->State(OutcomeInstrumentId(Ticker(0), true)), PublishState::kClosed);
  Steps(20);
  ExpectConverged({1, 2});
  EXPECT_EQ(conn_->counters().gaps, 0u);
  EXPECT_GE(conn_->counters().messages_by_type[static_cast<size_t>(ks::MessageType::kOk)], 2u);
  absl::StatusOr<BookState> closed = fanout_.GetBook(OutcomeInstrumentId(Ticker(0), false));
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->status, BookStatus::kClosed);
  const InstrumentKey bad{.venue = Venue::kPolymarket, .instrument_id = InstrumentId("x")};
  EXPECT_FALSE(conn_->SetMarkets({&bad, 1}).ok());
}

TEST_F(KalshiConnectionTest, ResyncRequestsSnapshotsForSubscribedMarkets) {
  Connect(Options());
  SetMarkets({0, 1});
  ExpectConverged({0, 1});
  const uint64_t snapshots_before = publisher_->Counters(Venue::kKalshi).snapshots;
  const std::vector<std::string> tickers = {Ticker(0), "NOT-OURS"};
  ASSERT_TRUE(conn_->Resync(tickers).ok());
  EXPECT_TRUE(WaitFor(
      [&] { return publisher_->Counters(Venue::kKalshi).snapshots >= snapshots_before + 1; }));
  const std::vector<std::string> none = {"NOT-OURS"};
  EXPECT_TRUE(absl::IsNotFound(conn_->Resync(none)));
  ExpectConverged({0, 1});
}

TEST_F(KalshiConnectionTest, TradesArePublishedOnTheInstrumentTheTakerBought) {
  absl::StatusOr<SubscriberId> sub = fanout_.Subscribe(BookFilter{}, 1 << 14, true);
  ASSERT_TRUE(sub.ok());
  Connect(Options());
  SetMarkets({0, 1});
  ExpectConverged({0, 1});
  Steps(1);
  ExpectConverged({0, 1});
  // Marketable orders in twin 0: a taker buying YES, then one selling YES (= buying NO). The
  // simulator prints each fill on the `trade` channel with YES price = the maker's price in
  // YES terms.
  auto place = [&](sim::Side side, int64_t price_micros) {
    return OnIo([&] {
      sim::OrderRequest r;
      r.account = std::string(sim::Exchange::kNoiseAccount);  // funded by the simulator
      r.outcome = 0;
      r.side = side;
      r.price = Price::FromMicros(price_micros);
      r.size = Quantity::FromUnits(1);
      r.tif = sim::TimeInForce::kFak;
      return exchange_->kalshi_engine(0).Place(r, 1000 * step_);
    });
  };
  absl::StatusOr<sim::PlaceResult> buy = place(sim::Side::kBuy, 990'000);
  ASSERT_TRUE(buy.ok()) << buy.status();
  absl::StatusOr<sim::PlaceResult> sell = place(sim::Side::kSell, 10'000);
  ASSERT_TRUE(sell.ok()) << sell.status();
  ASSERT_FALSE(buy->trades.empty());
  ASSERT_FALSE(sell->trades.empty());
  const auto yes_price = [](const sim::Trade& t) {
    return t.maker_outcome == 0 ? t.maker_price : Complement(t.maker_price);
  };
  const size_t sim_prints = buy->trades.size() + sell->trades.size();
  ASSERT_TRUE(WaitFor([&] { return conn_->counters().trades >= sim_prints; }));

  const uint64_t seen =
      conn_->counters().messages_by_type[static_cast<size_t>(ks::MessageType::kTrade)];
  OnIo([&] {
    server_->ws_sessions().ForEach([&](sim::WsSession& s) {
      // The venue's own sample (taker bought NO: taker_book_side ask) on our market 1.
      s.Send(absl::StrCat(R"({"type":"trade","sid":99,"seq":1,"msg":{"trade_id":"inj-1",)",
                          R"("market_ticker":")", Ticker(1),
                          R"(","yes_price_dollars":"0.3600","no_price_dollars":"0.6400",)"
                          R"("count_fp":"136.00","taker_side":"no","taker_outcome_side":"no",)"
                          R"("taker_book_side":"ask","ts_ms":1669149841000}})"));
      // Only the outcome side given: bought YES.
      s.Send(absl::StrCat(R"({"type":"trade","sid":99,"seq":2,"msg":{"trade_id":"inj-2",)",
                          R"("market_ticker":")", Ticker(1),
                          R"(","yes_price_dollars":"0.4100","count_fp":"2.50",)"
                          R"("taker_outcome_side":"yes","ts_ms":1669149842000}})"));
      // Not one of ours.
      s.Send(R"({"type":"trade","sid":99,"seq":3,"msg":{"trade_id":"inj-3",)"
             R"("market_ticker":"NOT-OURS","yes_price_dollars":"0.5000","count_fp":"1.00",)"
             R"("taker_book_side":"bid","ts_ms":1669149843000}})");
    });
    return 0;
  });
  ASSERT_TRUE(WaitFor([&] {
    return conn_->counters().messages_by_type[static_cast<size_t>(ks::MessageType::kTrade)] >=
           seen + 3;
  }));

  std::vector<FanoutUpdate> sim_trades;
  std::map<std::string, FanoutUpdate> injected;
  FanoutUpdate u;
  while (fanout_.Next(*sub, absl::ZeroDuration(), &u).ok()) {
    if (u.kind != UpdateKind::kTrade) continue;
    if (absl::StartsWith(u.trade.venue_trade_id, "inj-")) {
      injected[u.trade.venue_trade_id] = u;
    } else {
      sim_trades.push_back(u);
    }
  }
  ASSERT_EQ(sim_trades.size(), sim_prints);
  size_t i = 0;
  for (const sim::Trade& t : buy->trades) {
    const FanoutUpdate& got = sim_trades[i++];
    EXPECT_EQ(got.key.instrument_id, OutcomeInstrumentId(Ticker(0), true));
    EXPECT_EQ(got.trade.price, yes_price(t));
    EXPECT_EQ(got.trade.size, t.size);
    EXPECT_EQ(got.trade.aggressor, TradeSide::kBuy);
    EXPECT_EQ(got.trade.venue_trade_id, std::to_string(t.trade_id));
    EXPECT_EQ(got.trade.times.event_unix_nanos, int64_t{1'000'000'000} * step_)
        << "the simulator's ts_ms (1000 ms per step)";
    EXPECT_GT(got.trade.times.receipt_unix_nanos, 0);
  }
  for (const sim::Trade& t : sell->trades) {
    const FanoutUpdate& got = sim_trades[i++];
    EXPECT_EQ(got.key.instrument_id, OutcomeInstrumentId(Ticker(0), false));
    EXPECT_EQ(got.trade.price, Complement(yes_price(t)));
    EXPECT_EQ(got.trade.size, t.size);
    EXPECT_EQ(got.trade.aggressor, TradeSide::kBuy);
  }
  ASSERT_EQ(injected.size(), 2u) << "the foreign ticker's trade is ignored";
  const FanoutUpdate& no = injected["inj-1"];
  EXPECT_EQ(no.key.instrument_id, OutcomeInstrumentId(Ticker(1), false));
  EXPECT_EQ(no.trade.price.micros(), 640'000);
  EXPECT_EQ(no.trade.size.micros(), 136'000'000);
  EXPECT_EQ(no.trade.aggressor, TradeSide::kBuy);
  EXPECT_EQ(no.trade.times.event_unix_nanos, int64_t{1'669'149'841'000'000'000});
  const FanoutUpdate& yes = injected["inj-2"];
  EXPECT_EQ(yes.key.instrument_id, OutcomeInstrumentId(Ticker(1), true));
  EXPECT_EQ(yes.trade.price.micros(), 410'000);
  EXPECT_EQ(yes.trade.size.micros(), 2'500'000);
  EXPECT_EQ(yes.trade.times.event_unix_nanos, int64_t{1'669'149'842'000'000'000});
  EXPECT_EQ(conn_->counters().gaps, 0u) << "the trade sid's seq does not touch the books";
  Steps(1);  // publishes the level changes of the orders placed above
  ExpectConverged({0, 1});
}

TEST_F(KalshiConnectionTest, DeltasCarryTheVenueTimestampAndReceiptTime) {
  Connect(Options());
  SetMarkets({0, 1, 3});
  ExpectConverged({0, 1, 3});
  // Subscribe once the books exist and drain the initial burst, so that later deltas are queued
  // as deltas (a book flagged for a snapshot would absorb them).
  absl::StatusOr<SubscriberId> sub = fanout_.Subscribe(BookFilter{}, 1 << 14);
  ASSERT_TRUE(sub.ok());
  FanoutUpdate u;
  int snapshots = 0;
  while (fanout_.Next(*sub, absl::ZeroDuration(), &u).ok()) {
    if (u.kind != UpdateKind::kSnapshot) continue;
    ++snapshots;
    // Kalshi snapshots carry no venue time; the book may already hold a delta's.
    EXPECT_GT(u.times.receipt_unix_nanos, 0);
  }
  EXPECT_EQ(snapshots, 6) << "3 markets x 2 outcomes";
  const uint64_t deltas_before =
      conn_->counters().messages_by_type[static_cast<size_t>(ks::MessageType::kOrderbookDelta)];
  const int64_t before = absl::ToUnixNanos(SystemClock::Get().Now());
  ASSERT_TRUE(WaitFor([&] {
    Steps(1);
    return conn_->counters()
               .messages_by_type[static_cast<size_t>(ks::MessageType::kOrderbookDelta)] >
           deltas_before;
  }));
  ExpectConverged({0, 1, 3});
  const int64_t after = absl::ToUnixNanos(SystemClock::Get().Now());
  // Per delta group: the YES and NO instruments of one venue delta carry the same times.
  std::map<std::pair<std::string, uint64_t>, EventTimes> by_ticker_seq;
  int deltas = 0;
  while (fanout_.Next(*sub, absl::ZeroDuration(), &u).ok()) {
    ASSERT_NE(u.kind, UpdateKind::kSnapshot) << "nothing should have been coalesced";
    if (u.kind != UpdateKind::kDeltas) continue;
    ++deltas;
    // The simulator stamps ts_ms = 1000 * step (its own clock).
    EXPECT_GT(u.times.event_unix_nanos, 0);
    EXPECT_EQ(u.times.event_unix_nanos % 1'000'000'000, 0);
    EXPECT_LE(u.times.event_unix_nanos, int64_t{1'000'000'000} * step_);
    EXPECT_GE(u.times.receipt_unix_nanos, before);
    EXPECT_LE(u.times.receipt_unix_nanos, after);
    EXPECT_GT(u.times.receipt_mono_nanos, 0);
    const std::string& id = u.key.instrument_id.value();
    const std::string ticker = id.substr(0, id.rfind(':'));
    auto [it, inserted] = by_ticker_seq.try_emplace({ticker, u.sequence}, u.times);
    if (!inserted) {
      EXPECT_EQ(it->second, u.times) << id << " seq " << u.sequence;
    }
  }
  EXPECT_GT(deltas, 0);
}

TEST_F(KalshiConnectionTest, NewMarketLifecycleEventsCallTheHookOncePerEvent) {
  std::mutex mu;
  std::vector<std::string> seen;
  KalshiConnectionOptions o = Options();
  o.on_new_market = [&](std::string_view ticker) {
    std::lock_guard<std::mutex> lock(mu);
    seen.emplace_back(ticker);
  };
  Connect(o);
  SetMarkets({0});
  ExpectConverged({0});
  const uint64_t before =
      conn_->counters().messages_by_type[static_cast<size_t>(ks::MessageType::kMarketLifecycleV2)];
  OnIo([&] {
    server_->ws_sessions().ForEach([&](sim::WsSession& s) {
      s.Send(R"({"type":"market_lifecycle_v2","sid":1,"seq":1,"msg":{"market_ticker":"NEW-1",)"
             R"("event_type":"created","price_level_structure":"linear_cent"}})");
      s.Send(R"({"type":"market_lifecycle_v2","sid":1,"seq":2,"msg":{"market_ticker":"NEW-2",)"
             R"("event_type":"activated"}})");
      // Ours already, or not a creation: no call.
      s.Send(absl::StrCat(R"({"type":"market_lifecycle_v2","sid":1,"seq":3,"msg":{)",
                          R"("market_ticker":")", Ticker(0), R"(","event_type":"activated"}})"));
      s.Send(R"({"type":"market_lifecycle_v2","sid":1,"seq":4,"msg":{"market_ticker":"NEW-3",)"
             R"("event_type":"close_date_updated","close_ts":1694721600}})");
    });
    return 0;
  });
  ASSERT_TRUE(WaitFor([&] {
    return conn_->counters()
               .messages_by_type[static_cast<size_t>(ks::MessageType::kMarketLifecycleV2)] >=
           before + 4;
  }));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"NEW-1", "NEW-2"}));
}

}  // namespace
}  // namespace arbor::feed
