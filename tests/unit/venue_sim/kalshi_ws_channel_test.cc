// The simulator's Kalshi WebSocket API over real loopback sockets, consumed with the production
// Kalshi decoder, book set and seq tracker: the client's books must equal the twin engines'
// ladders exactly, commands get the documented replies, and a seq gap is repaired with
// update_subscription get_snapshot.
#include "arbor/sim/kalshi_ws_channel.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <charconv>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/sim/faults.h"
#include "arbor/sim/http_server.h"
#include "arbor/venue/kalshi/auth.h"
#include "arbor/venue/kalshi/book_builder.h"
#include "arbor/venue/kalshi/commands.h"
#include "arbor/venue/kalshi/seq_tracker.h"
#include "arbor/venue/kalshi/ws_decoder.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/websocket.hpp"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;
namespace ks = ::arbor::venue::kalshi;
using tcp = boost::asio::ip::tcp;

constexpr char kKeyId[] = "test-key";
constexpr char kAccount[] = "kalshi:test-key";

// A 2048-bit RSA key pair generated once per process (never written to the repository).
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

TestKey MakeKey() {
  TestKey k;
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  EXPECT_NE(pkey, nullptr);
  BIO* b = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr), 1);
  k.private_pem = BioToString(b);
  b = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PUBKEY(b, pkey), 1);
  k.public_pem = BioToString(b);
  EVP_PKEY_free(pkey);
  return k;
}

const TestKey& Key() {
  static const TestKey* key = new TestKey(MakeKey());
  return *key;
}
const TestKey& OtherKey() {
  static const TestKey* key = new TestKey(MakeKey());
  return *key;
}

// The authenticator the simulator would build from its key registry: one key, one account.
KalshiWsAuthenticator TestAuthenticator() {
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
    return std::string(kAccount);
  };
}

// Engine ladders as Kalshi publishes them: [0] YES bids (YES bids + NO asks at 1 - p),
// [1] NO bids (NO bids + YES asks at 1 - p).
std::map<Price, Quantity> EngineLadder(const MarketEngine& e, int ladder) {
  std::map<Price, Quantity> out;
  for (const auto& [p, q] : e.Levels(ladder, Side::kBuy)) out[p] += q;
  for (const auto& [p, q] : e.Levels(1 - ladder, Side::kSell)) out[Complement(p)] += q;
  return out;
}

// The client's book as the same two ladders (asks of the YES book are NO bids at 1 - p).
std::map<Price, Quantity> ClientLadder(const book::OrderBook& b, int ladder) {
  std::map<Price, Quantity> out;
  b.ForEachLevel(
      ladder == 0 ? book::BookSide::kBid : book::BookSide::kAsk,
      [&](const book::Level& l) { out[ladder == 0 ? l.price : Complement(l.price)] += l.size; });
  return out;
}

// Sends a WebSocket upgrade request as plain HTTP (signed when `signer` is set) and returns
// the response, so a refusal's status and body can be checked.
http::response<http::string_body> RawUpgrade(uint16_t port, const ks::RequestSigner* signer) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  tcp::resolver resolver(io);
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  http::request<http::string_body> req(http::verb::get, "/trade-api/ws/v2", 11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, "13");
  if (signer != nullptr) {
    absl::StatusOr<ks::AuthHeaders> h = signer->WsHeaders(1'700'000'000'000);
    EXPECT_TRUE(h.ok());
    req.set(std::string(ks::kAccessKeyHeader), h->access_key);
    req.set(std::string(ks::kAccessTimestampHeader), h->timestamp);
    req.set(std::string(ks::kAccessSignatureHeader), h->signature);
  }
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res;
}

// A blocking Beast client with the production decoder and book set behind it.
class Client {
 public:
  // Connects and upgrades; `signer` null = no auth headers. handshake_ok() tells the outcome.
  Client(uint16_t port, const ks::RequestSigner* signer) : ws_(io_) {
    tcp::resolver resolver(io_);
    beast::get_lowest_layer(ws_).connect(resolver.resolve("127.0.0.1", std::to_string(port)));
    if (signer != nullptr) {
      absl::StatusOr<ks::AuthHeaders> h = signer->WsHeaders(1'700'000'000'000);
      EXPECT_TRUE(h.ok()) << h.status();
      ws_.set_option(websocket::stream_base::decorator([h = *h](websocket::request_type& req) {
        req.set(std::string(ks::kAccessKeyHeader), h.access_key);
        req.set(std::string(ks::kAccessTimestampHeader), h.timestamp);
        req.set(std::string(ks::kAccessSignatureHeader), h.signature);
      }));
    }
    beast::error_code ec;
    ws_.handshake(response_, "127.0.0.1", "/trade-api/ws/v2", ec);
    handshake_ok_ = !ec;
  }

  bool handshake_ok() const { return handshake_ok_; }

  void Write(const std::string& text) { ws_.write(boost::asio::buffer(text)); }

  // Reads and decodes one frame; book messages go to the book set.
  const ks::WsMessage& ReadOne() {
    beast::flat_buffer b;
    ws_.read(b);
    last_text_ = beast::buffers_to_string(b.data());
    ++frames_read_;
    absl::Status s = decoder_.Decode(last_text_);
    EXPECT_TRUE(s.ok()) << s << "\n" << last_text_;
    const ks::WsMessage& m = decoder_.message();
    if (m.type == ks::MessageType::kOrderbookSnapshot ||
        m.type == ks::MessageType::kOrderbookDelta || m.type == ks::MessageType::kOk ||
        m.type == ks::MessageType::kSubscribed || m.type == ks::MessageType::kUnsubscribed) {
      last_apply_ = books_.Apply(m);
      EXPECT_NE(last_apply_.outcome, ks::ApplyOutcome::kRejected) << last_apply_.error << "\n"
                                                                  << last_text_;
      if (last_apply_.gap) gaps_.push_back(*last_apply_.gap);
    }
    if (m.type == ks::MessageType::kOrderbookDelta) {
      deltas_by_market_[std::string(m.delta.market_ticker)]++;
    }
    if (m.type == ks::MessageType::kTrade) {
      ++trades_;
      EXPECT_EQ(trade_seq_.Observe(*m.sid, *m.seq).status, ks::SeqStatus::kInOrder) << last_text_;
    }
    if (m.type == ks::MessageType::kTicker) ++tickers_;
    if (m.type == ks::MessageType::kFill) ++fills_;
    return m;
  }

  // Sends a command the server answers with error 5 and reads everything up to that reply:
  // every frame the server queued before is consumed (commands are handled in order).
  void Drain() {
    const uint64_t id = ++sentinel_;
    Write(R"({"id":)" + std::to_string(id) + R"(,"cmd":"sentinel"})");
    for (;;) {
      const ks::WsMessage& m = ReadOne();
      if (m.type == ks::MessageType::kError && m.id == id) {
        EXPECT_EQ(m.error.code, 5);
        return;
      }
    }
  }

  // Reads one frame without decoding it (for frames the decoder must reject).
  std::string ReadRaw() {
    beast::flat_buffer b;
    ws_.read(b);
    return beast::buffers_to_string(b.data());
  }
  // Whether the production decoder accepts `text`.
  bool Decodes(const std::string& text) { return decoder_.Decode(text).ok(); }

  const std::string& last_text() const { return last_text_; }
  ks::BookSet& books() { return books_; }
  const std::vector<ks::SeqGap>& gaps() const { return gaps_; }
  std::map<std::string, int>& deltas_by_market() { return deltas_by_market_; }
  int trades() const { return trades_; }
  int tickers() const { return tickers_; }
  int fills() const { return fills_; }
  void Close() { ws_.close(websocket::close_code::normal); }

 private:
  boost::asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type response_;
  bool handshake_ok_ = false;
  ks::WsFrameDecoder decoder_;
  ks::BookSet books_{ks::BookSetOptions{.use_yes_price = false}};
  ks::SeqTracker trade_seq_;
  ks::ApplyResult last_apply_;
  std::vector<ks::SeqGap> gaps_;
  std::map<std::string, int> deltas_by_market_;
  std::string last_text_;
  uint64_t frames_read_ = 0;
  uint64_t sentinel_ = 1'000'000;
  int trades_ = 0;
  int tickers_ = 0;
  int fills_ = 0;
};

class KalshiWsChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UniverseSpec spec;
    spec.binary_markets = 20;
    spec.negrisk_events = 1;
    spec.kalshi_twin_every = 2;
    DynamicsSpec dynamics;
    dynamics.noise_orders_per_market = 0.5;
    absl::StatusOr<std::unique_ptr<Exchange>> ex =
        Exchange::Create(*GenerateUniverse(spec), dynamics, {}, 7);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    ASSERT_GE(exchange_->kalshi_twins(), 4);
    absl::StatusOr<ks::RequestSigner> signer =
        ks::RequestSigner::FromPemString(kKeyId, Key().private_pem);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = std::make_unique<ks::RequestSigner>(std::move(*signer));
  }

  void Start(KalshiWsOptions options = {}) {
    channel_ =
        std::make_unique<KalshiWsChannel>(exchange_.get(), TestAuthenticator(), std::move(options));
    server_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    channel_->Attach(*server_);
    // The fault path the binary wires: the server's sessions and the channel's seq-gap hook.
    faults_ = std::make_unique<FaultInjector>(3, clock_);
    server_->SetFaults(faults_.get(), "kalshi");
    faults_->AttachSeqGap("kalshi", [this] { channel_->SkipSeqOnAllOrderbookSubscriptions(); });
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_ != nullptr) boost::asio::post(io_, [this] { server_->Stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Runs `fn` on the server's io thread and waits for it.
  template <typename Fn>
  auto OnIo(Fn fn) {
    std::promise<decltype(fn())> done;
    boost::asio::post(io_, [&] { done.set_value(fn()); });
    return done.get_future().get();
  }

  // Steps the exchange `n` times, publishing after each step, on the io thread.
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

  // On the io thread: `account` buys `size` YES of `twin` at the best YES ask (the engine's
  // cross matching fills it against NO bids too). Returns the number of trades.
  size_t TakeYes(int twin, std::string_view account, Quantity size) {
    MarketEngine& e = exchange_->kalshi_engine(twin);
    exchange_->ledger().Deposit(account, Money::FromUnits(1000));
    const std::map<Price, Quantity> no_bids = EngineLadder(e, 1);
    EXPECT_FALSE(no_bids.empty());
    if (no_bids.empty()) return 0;
    OrderRequest r;
    r.account = std::string(account);
    r.outcome = 0;
    r.side = Side::kBuy;
    r.price = Complement(no_bids.rbegin()->first);
    r.size = size;
    r.tif = TimeInForce::kFak;
    absl::StatusOr<PlaceResult> placed = e.Place(r, 1000 * step_);
    EXPECT_TRUE(placed.ok()) << placed.status();
    return placed.ok() ? placed->trades.size() : 0;
  }

  std::string Ticker(int twin) const {
    return exchange_->universe().kalshi[static_cast<size_t>(twin)].ticker;
  }

  // Expects the client's book of `twin` to be live and equal to the engine's ladders.
  void ExpectBookMatches(Client& client, int twin) {
    const std::string t = Ticker(twin);
    const book::OrderBook* b = client.books().Find(t);
    ASSERT_NE(b, nullptr) << t;
    EXPECT_TRUE(client.books().Status(t)->live) << t;
    for (int ladder : {0, 1}) {
      const auto engine =
          OnIo([&] { return EngineLadder(exchange_->kalshi_engine(twin), ladder); });
      EXPECT_EQ(ClientLadder(*b, ladder), engine) << t << " ladder " << ladder;
      EXPECT_FALSE(engine.empty()) << "the market maker quotes both sides";
    }
  }

  std::string Subscribe(uint64_t id, std::vector<std::string_view> channels,
                        std::vector<int> twins) {
    std::vector<std::string> tickers;
    for (int t : twins) tickers.push_back(Ticker(t));
    std::vector<std::string_view> views(tickers.begin(), tickers.end());
    return *ks::SubscribeCommand(id, channels, views, false);
  }

  std::string Update(uint64_t id, uint64_t sid, std::vector<int> twins, ks::UpdateAction a) {
    std::vector<std::string> tickers;
    for (int t : twins) tickers.push_back(Ticker(t));
    std::vector<std::string_view> views(tickers.begin(), tickers.end());
    return *ks::UpdateSubscriptionCommand(id, sid, views, a);
  }

  boost::asio::io_context io_;
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<ks::RequestSigner> signer_;
  std::unique_ptr<KalshiWsChannel> channel_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<FaultInjector> faults_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int64_t step_ = 0;
};

TEST_F(KalshiWsChannelTest, SnapshotsAndDeltasRebuildTheTwinBooksExactly) {
  Start();
  // Count the trades on the subscribed twins as the exchange sees them.
  const std::vector<int> twins = {0, 1, 3};
  std::set<const MarketEngine*> engines;
  for (int t : twins) engines.insert(&exchange_->kalshi_engine(t));
  int engine_trades = 0;
  exchange_->AddTradeListener([&](const MarketEngine& e, const Trade&) {
    if (engines.count(&e) > 0) ++engine_trades;
  });

  Client client(server_->port(), signer_.get());
  ASSERT_TRUE(client.handshake_ok());
  client.Write(
      Subscribe(1, {ks::kChannelOrderbookDelta, ks::kChannelTicker, ks::kChannelTrade}, twins));
  // subscribed(orderbook_delta, sid 1), three snapshots seq 1..3, subscribed ticker, trade.
  const ks::WsMessage* m = &client.ReadOne();
  ASSERT_EQ(m->type, ks::MessageType::kSubscribed) << client.last_text();
  EXPECT_EQ(client.last_text(),
            R"({"id":1,"type":"subscribed","msg":{"channel":"orderbook_delta","sid":1}})");
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    m = &client.ReadOne();
    ASSERT_EQ(m->type, ks::MessageType::kOrderbookSnapshot) << client.last_text();
    EXPECT_EQ(m->sid, 1u);
    EXPECT_EQ(m->seq, seq);
    EXPECT_EQ(m->snapshot.schema, ks::FieldSchema::kFixedPoint);
  }
  m = &client.ReadOne();
  EXPECT_EQ(m->subscribed.channel, "ticker");
  EXPECT_EQ(m->subscribed.sid, 2u);
  m = &client.ReadOne();
  EXPECT_EQ(m->subscribed.channel, "trade");
  EXPECT_EQ(m->subscribed.sid, 3u);
  for (int t : twins) ExpectBookMatches(client, t);

  for (int round = 0; round < 6; ++round) {
    Steps(10);
    OnIo([&] {
      return TakeYes(twins[static_cast<size_t>(round) % twins.size()], "test-taker",
                     Quantity::FromUnits(3));
    });
  }
  Steps(1);
  client.Drain();
  EXPECT_TRUE(client.gaps().empty());
  EXPECT_EQ(client.books().counters().gaps, 0u);
  EXPECT_GT(client.books().counters().deltas_applied, 30u);
  EXPECT_EQ(client.books().counters().stale_drops, 0u);
  for (int t : twins) ExpectBookMatches(client, t);
  EXPECT_GT(engine_trades, 0);
  EXPECT_EQ(client.trades(), engine_trades);
  EXPECT_GT(client.tickers(), 0);
  EXPECT_EQ(client.deltas_by_market().count(Ticker(2)), 0u) << "unsubscribed twins stay silent";
  client.Close();
}

TEST_F(KalshiWsChannelTest, UnsubscribeStopsDataAndUnknownSidIsAnError) {
  Start();
  Client client(server_->port(), signer_.get());
  ASSERT_TRUE(client.handshake_ok());
  client.Write(Subscribe(1, {ks::kChannelOrderbookDelta}, {0, 1}));
  client.Drain();
  Steps(10);
  client.Drain();
  const int before = client.deltas_by_market()[Ticker(0)] + client.deltas_by_market()[Ticker(1)];
  EXPECT_GT(before, 0);

  const uint64_t sids[] = {1};
  client.Write(*ks::UnsubscribeCommand(7, sids));
  const ks::WsMessage& m = client.ReadOne();
  ASSERT_EQ(m.type, ks::MessageType::kUnsubscribed) << client.last_text();
  EXPECT_EQ(m.id, 7u);
  EXPECT_EQ(m.sid, 1u);
  const uint64_t sent = OnIo([&] { return channel_->frames_sent(); });
  Steps(20);
  EXPECT_EQ(OnIo([&] { return channel_->frames_sent(); }), sent)
      << "nothing is sent for a dropped subscription";
  client.Drain();
  EXPECT_EQ(client.deltas_by_market()[Ticker(0)] + client.deltas_by_market()[Ticker(1)], before);

  client.Write(*ks::UnsubscribeCommand(8, sids));
  const ks::WsMessage& e = client.ReadOne();
  EXPECT_EQ(client.last_text(),
            R"({"id":8,"type":"error","msg":{"code":7,"msg":"Unknown subscription ID"}})");
  EXPECT_EQ(e.error.kind, ks::ErrorCode::kUnknownSid);
  client.Close();
}

TEST_F(KalshiWsChannelTest, UpdateSubscriptionAddsAndDeletesMarkets) {
  Start();
  Client client(server_->port(), signer_.get());
  ASSERT_TRUE(client.handshake_ok());
  client.Write(Subscribe(1, {ks::kChannelOrderbookDelta}, {0}));
  client.Drain();
  Steps(5);

  client.Write(Update(2, 1, {1, 2}, ks::UpdateAction::kAddMarkets));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(client.ReadOne().type, ks::MessageType::kOrderbookSnapshot) << client.last_text();
  }
  const ks::WsMessage* m = &client.ReadOne();
  ASSERT_EQ(m->type, ks::MessageType::kOk) << client.last_text();
  EXPECT_EQ(m->id, 2u);
  EXPECT_EQ(m->sid, 1u);
  ASSERT_EQ(m->ok.market_tickers.size(), 3u);
  EXPECT_EQ(m->ok.market_tickers[2], Ticker(2));

  client.Write(Update(3, 1, {0}, ks::UpdateAction::kDeleteMarkets));
  m = &client.ReadOne();
  ASSERT_EQ(m->type, ks::MessageType::kOk) << client.last_text();
  ASSERT_EQ(m->ok.market_tickers.size(), 2u);
  EXPECT_EQ(m->ok.market_tickers[0], Ticker(1));
  const int deltas_0 = client.deltas_by_market()[Ticker(0)];

  Steps(30);
  client.Drain();
  EXPECT_EQ(client.deltas_by_market()[Ticker(0)], deltas_0) << "deleted market stays silent";
  EXPECT_GT(client.deltas_by_market()[Ticker(1)] + client.deltas_by_market()[Ticker(2)], 0);
  EXPECT_EQ(client.books().counters().gaps, 0u);
  ExpectBookMatches(client, 1);
  ExpectBookMatches(client, 2);
  client.Close();
}

TEST_F(KalshiWsChannelTest, GetSnapshotRepairsBooksAfterAnInjectedGap) {
  Start();
  Client client(server_->port(), signer_.get());
  ASSERT_TRUE(client.handshake_ok());
  client.Write(Subscribe(1, {ks::kChannelOrderbookDelta}, {0, 1}));
  client.Drain();
  OnIo([&] {
    channel_->SkipSeqForTesting(1);
    return 0;
  });
  // Step until the gap shows (the next delta on sid 1 skips a number).
  for (int i = 0; i < 50 && client.gaps().empty(); ++i) {
    Steps(1);
    client.Drain();
  }
  ASSERT_EQ(client.gaps().size(), 1u);
  EXPECT_EQ(client.gaps()[0].sid, 1u);
  EXPECT_EQ(client.gaps()[0].got, client.gaps()[0].expected + 1);
  EXPECT_FALSE(client.books().Status(Ticker(0))->live);
  EXPECT_FALSE(client.books().Status(Ticker(1))->live);
  Steps(5);  // deltas while stale are dropped by the client
  client.Drain();

  client.Write(Update(9, 1, {0, 1}, ks::UpdateAction::kGetSnapshot));
  for (int i = 0; i < 2; ++i) {
    const ks::WsMessage& m = client.ReadOne();
    ASSERT_EQ(m.type, ks::MessageType::kOrderbookSnapshot) << client.last_text();
    EXPECT_EQ(m.id, 9u) << "snapshots answering get_snapshot carry the command id";
  }
  EXPECT_EQ(client.ReadOne().type, ks::MessageType::kOk) << client.last_text();
  ExpectBookMatches(client, 0);
  ExpectBookMatches(client, 1);
  Steps(20);
  client.Drain();
  EXPECT_EQ(client.gaps().size(), 1u) << "no further gaps";
  ExpectBookMatches(client, 0);
  ExpectBookMatches(client, 1);
  client.Close();
}

TEST_F(KalshiWsChannelTest, WsSeqGapFaultSkipsExactlyOneSeqPerOrderbookSid) {
  Start();
  Client client(server_->port(), signer_.get());
  ASSERT_TRUE(client.handshake_ok());
  client.Write(Subscribe(1, {ks::kChannelOrderbookDelta}, {0, 1}));
  client.Write(Subscribe(2, {ks::kChannelOrderbookDelta}, {2, 3}));
  client.Write(Subscribe(3, {ks::kChannelTrade}, {0, 1, 2, 3}));  // seq-carrying, not affected
  client.Drain();
  ASSERT_TRUE(client.gaps().empty());
  OnIo([&] {
    EXPECT_TRUE(
        faults_->AddRule({.kind = FaultKind::kWsSeqGap, .server = "kalshi", .max_count = 1}).ok());
    faults_->Tick();
    faults_->Tick();  // the count is spent: one gap only
    return 0;
  });
  for (int i = 0; i < 50 && client.gaps().size() < 2; ++i) {
    Steps(1);
    client.Drain();
  }
  ASSERT_EQ(client.gaps().size(), 2u);
  std::set<uint64_t> sids;
  for (const ks::SeqGap& g : client.gaps()) {
    sids.insert(g.sid);
    EXPECT_EQ(g.got, g.expected + 1) << "sid " << g.sid;
  }
  EXPECT_EQ(sids, (std::set<uint64_t>{1, 2}));
  // Repair both and check nothing else skips.
  client.Write(Update(9, 1, {0, 1}, ks::UpdateAction::kGetSnapshot));
  client.Write(Update(10, 2, {2, 3}, ks::UpdateAction::kGetSnapshot));
  client.Drain();
  Steps(10);
  client.Drain();
  EXPECT_EQ(client.gaps().size(), 2u) << "no further gaps";
  for (int twin : {0, 1, 2, 3}) ExpectBookMatches(client, twin);
  EXPECT_EQ(OnIo([&] { return faults_->counter(FaultKind::kWsSeqGap); }), 1u);
  client.Close();
}

TEST_F(KalshiWsChannelTest, WsMalformedFramesAreRejectedAndDoNotConsumeSeq) {
  Start();
  Client client(server_->port(), signer_.get());
  ASSERT_TRUE(client.handshake_ok());
  client.Write(Subscribe(1, {ks::kChannelOrderbookDelta}, {0, 1}));
  client.Drain();
  OnIo([&] {
    EXPECT_TRUE(
        faults_
            ->AddRule(
                {.kind = FaultKind::kWsMalformed, .server = "kalshi", .max_count = 1, .frames = 4})
            .ok());
    faults_->Tick();
    return 0;
  });
  for (int i = 0; i < 4; ++i) {
    const std::string frame = client.ReadRaw();
    EXPECT_EQ(frame, MalformedFrame("kalshi", i));
    EXPECT_FALSE(client.Decodes(frame)) << frame;
  }
  // Normal frames continue on the same session, in seq order (no gap).
  Steps(10);
  client.Drain();
  EXPECT_TRUE(client.gaps().empty());
  ExpectBookMatches(client, 0);
  ExpectBookMatches(client, 1);
  client.Close();
}

TEST_F(KalshiWsChannelTest, UpgradesWithoutValidSignatureAreRefusedWith401) {
  Start();
  absl::StatusOr<ks::RequestSigner> wrong =
      ks::RequestSigner::FromPemString(kKeyId, OtherKey().private_pem);
  ASSERT_TRUE(wrong.ok());
  Client bad_sig(server_->port(), &*wrong);
  EXPECT_FALSE(bad_sig.handshake_ok());
  Client no_headers(server_->port(), nullptr);
  EXPECT_FALSE(no_headers.handshake_ok());
  const http::response<http::string_body> res = RawUpgrade(server_->port(), &*wrong);
  EXPECT_EQ(res.result_int(), 401u);
  EXPECT_EQ(res.body().find(R"({"error":{"code":"unauthorized","message":)"), 0u) << res.body();
  EXPECT_EQ(RawUpgrade(server_->port(), nullptr).result_int(), 401u);
  EXPECT_EQ(RawUpgrade(server_->port(), signer_.get()).result_int(), 101u);
  EXPECT_EQ(OnIo([&] { return channel_->rejected_upgrades(); }), 4u);
  Client good(server_->port(), signer_.get());
  EXPECT_TRUE(good.handshake_ok());
  good.Close();
}

TEST_F(KalshiWsChannelTest, PublicModeAdmitsAnonymousClientsToPublicChannelsOnly) {
  Start({.allow_unauthenticated_public = true});
  Client anon(server_->port(), nullptr);
  ASSERT_TRUE(anon.handshake_ok());
  anon.Write(Subscribe(1, {ks::kChannelOrderbookDelta}, {0}));
  const ks::WsMessage& e = anon.ReadOne();
  ASSERT_EQ(e.type, ks::MessageType::kError) << anon.last_text();
  EXPECT_EQ(e.error.kind, ks::ErrorCode::kAuthRequired);
  anon.Write(Subscribe(2, {ks::kChannelTicker}, {0, 1}));
  EXPECT_EQ(anon.ReadOne().type, ks::MessageType::kSubscribed);
  Steps(10);
  anon.Drain();
  EXPECT_GT(anon.tickers(), 0);
  absl::StatusOr<ks::RequestSigner> wrong =
      ks::RequestSigner::FromPemString(kKeyId, OtherKey().private_pem);
  ASSERT_TRUE(wrong.ok());
  Client bad_sig(server_->port(), &*wrong);
  EXPECT_FALSE(bad_sig.handshake_ok()) << "wrong credentials are refused even in public mode";
  anon.Close();
}

TEST_F(KalshiWsChannelTest, MalformedCommandsGetDocumentedErrorsAndTheConnectionStaysUsable) {
  Start();
  Client client(server_->port(), signer_.get());
  ASSERT_TRUE(client.handshake_ok());
  struct Case {
    std::string command;
    std::string reply;
  };
  const std::string t0 = Ticker(0);
  const std::vector<Case> cases = {
      {"not json", R"({"type":"error","msg":{"code":1,"msg":"Unable to process message"}})"},
      {R"({"id":2,"cmd":"subscribe"})",
       R"({"id":2,"type":"error","msg":{"code":2,"msg":"Params required"}})"},
      {R"({"id":3,"cmd":"subscribe","params":{"channels":["nope"],"market_tickers":[")" + t0 +
           R"("]}})",
       R"({"id":3,"type":"error","msg":{"code":8,"msg":"Unknown channel name"}})"},
      {R"({"id":4,"cmd":"subscribe","params":{"channels":["orderbook_delta"]}})",
       R"({"id":4,"type":"error","msg":{"code":14,"msg":"Market Ticker required"}})"},
      {R"({"id":5,"cmd":"subscribe","params":{"channels":["ticker"],"market_tickers":["NOPE-1"]}})",
       R"({"id":5,"type":"error","msg":{"code":11,"msg":"Unknown market ticker: NOPE-1"}})"},
      {R"({"id":6,"cmd":"frobnicate","params":{}})",
       R"({"id":6,"type":"error","msg":{"code":5,"msg":"Unknown command"}})"},
      {R"({"id":7,"cmd":"update_subscription","params":{"sids":[42],"market_tickers":[")" + t0 +
           R"("],"action":"get_snapshot"}})",
       R"({"id":7,"type":"error","msg":{"code":7,"msg":"Unknown subscription ID"}})"},
      {R"({"id":8,"cmd":"update_subscription","params":{"sids":[1,2],"market_tickers":[")" + t0 +
           R"("],"action":"add_markets"}})",
       R"({"id":8,"type":"error","msg":{"code":12,"msg":"Exactly one subscription ID is required"}})"},
      {R"({"id":9,"cmd":"update_subscription","params":{"sids":[1],"market_tickers":[")" + t0 +
           R"("],"action":"merge"}})",
       R"({"id":9,"type":"error","msg":{"code":13,"msg":"Unsupported action"}})"},
      {R"({"id":10,"cmd":"unsubscribe","params":{}})",
       R"({"id":10,"type":"error","msg":{"code":4,"msg":"Subscription IDs required"}})"},
  };
  for (const Case& c : cases) {
    client.Write(c.command);
    const ks::WsMessage& m = client.ReadOne();
    EXPECT_EQ(m.type, ks::MessageType::kError) << c.command;
    EXPECT_EQ(client.last_text(), c.reply) << c.command;
  }
  // Still usable: a valid subscribe gets its reply and snapshot.
  client.Write(Subscribe(11, {ks::kChannelOrderbookDelta}, {0}));
  EXPECT_EQ(client.ReadOne().type, ks::MessageType::kSubscribed);
  EXPECT_EQ(client.ReadOne().type, ks::MessageType::kOrderbookSnapshot);
  ExpectBookMatches(client, 0);
  client.Close();
}

TEST_F(KalshiWsChannelTest, FillsGoOnlyToTheAccountThatOwnsTheOrder) {
  Start({.allow_unauthenticated_public = true});
  Client owner(server_->port(), signer_.get());
  ASSERT_TRUE(owner.handshake_ok());
  owner.Write(*ks::SubscribeCommand(1, {ks::kChannelFill}, {}, false));
  EXPECT_EQ(owner.ReadOne().type, ks::MessageType::kSubscribed);
  Client anon(server_->port(), nullptr);
  ASSERT_TRUE(anon.handshake_ok());
  anon.Write(*ks::SubscribeCommand(1, {ks::kChannelFill}, {}, false));
  EXPECT_EQ(anon.ReadOne().error.kind, ks::ErrorCode::kAuthRequired);

  // The owner buys YES at the best ask of twin 0: a taker fill.
  std::string ask;
  const size_t trades = OnIo([&] {
    ask = Complement(EngineLadder(exchange_->kalshi_engine(0), 1).rbegin()->first).ToFixedString(4);
    return TakeYes(0, kAccount, Quantity::FromUnits(5));
  });
  ASSERT_GE(trades, 1u);
  const ks::WsMessage& f = owner.ReadOne();
  ASSERT_EQ(f.type, ks::MessageType::kFill) << owner.last_text();
  EXPECT_EQ(f.fill.market_ticker, Ticker(0));
  EXPECT_EQ(f.fill.is_taker, true);
  EXPECT_EQ(f.fill.outcome_side, ks::Side::kYes);
  EXPECT_EQ(f.fill.book_side, book::BookSide::kBid);
  EXPECT_EQ(f.fill.yes_price.ToFixedString(4), ask);
  owner.Drain();
  EXPECT_EQ(owner.fills(), static_cast<int>(trades));
  anon.Drain();
  EXPECT_EQ(anon.fills(), 0);
  owner.Close();
  anon.Close();
}

}  // namespace
}  // namespace arbor::sim
