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

}  // namespace
}  // namespace arbor::feed
