// TradingClient against an in-process fake venue (arbor::sim::HttpServer on loopback) that
// records every request; the tests check method, path, query, exact body bytes and the L1/L2
// authentication headers, and the mapping of venue answers to statuses an executor acts on.
#include "arbor/venue/polymarket/trading_client.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/sim/http_server.h"
#include "boost/asio/read.hpp"
#include "boost/asio/read_until.hpp"
#include "boost/asio/streambuf.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kPrivateKey[] = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr char kApiKey[] = "00000000-0000-0000-0000-000000000001";
constexpr char kSecret[] = "c2VjcmV0LWZvci10ZXN0cy1vbmx5LTAxMjM0NTY3ODk=";
constexpr char kPassphrase[] = "pass-phrase";
constexpr int64_t kNowSeconds = 1'790'000'000;

std::string ReadSample(std::string_view name) {
  const std::filesystem::path path = std::filesystem::path(ARBOR_SHARED_DIR) / "protocols" /
                                     "samples" / "polymarket" / "clob_rest" / std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Replaces the first occurrence of `from` in `s`.
std::string ReplaceFirst(std::string s, std::string_view from, std::string_view to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// A fake CLOB host: routes answer with canned replies and every request is recorded.
class FakeVenue {
 public:
  FakeVenue() : server_(io_, sim::HttpServerOptions{}) {}
  ~FakeVenue() {
    if (thread_.joinable()) {
      boost::asio::post(io_, [this] { server_.Stop(); });
      io_.stop();
      thread_.join();
    }
  }

  void Route(std::string method, std::string path,
             std::function<sim::HttpReply(const sim::HttpRequest&)> reply) {
    auto handler = [this, reply = std::move(reply)](const sim::HttpRequest& r) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(r);
      }
      return reply(r);
    };
    if (!path.empty() && path.back() == '/') {
      server_.RoutePrefix(std::move(method), std::move(path), std::move(handler));
    } else {
      server_.Route(std::move(method), std::move(path), std::move(handler));
    }
  }
  void Canned(std::string method, std::string path, int status, std::string body) {
    Route(std::move(method), std::move(path),
          [status, body = std::move(body)](const sim::HttpRequest&) {
            return sim::HttpReply::Json(status, body);
          });
  }

  void Start() {
    ASSERT_TRUE(server_.Start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  uint16_t port() const { return server_.port(); }
  std::vector<sim::HttpRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  boost::asio::io_context io_;
  sim::HttpServer server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<sim::HttpRequest> requests_;
};

// Accepts one connection, reads one full request, then closes without answering.
class DropAfterReadServer {
 public:
  DropAfterReadServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      boost::asio::streambuf buf;
      const size_t header_end = boost::asio::read_until(socket, buf, "\r\n\r\n", ec);
      if (ec) return;
      std::string head(boost::asio::buffers_begin(buf.data()),
                       boost::asio::buffers_begin(buf.data()) + header_end);
      size_t length = 0;
      for (std::string_view name : {"Content-Length: ", "content-length: "}) {
        if (const size_t at = head.find(name); at != std::string::npos) {
          length = std::stoul(head.substr(at + name.size()));
        }
      }
      const size_t have = buf.size() - header_end;
      if (length > have)
        boost::asio::read(socket, buf, boost::asio::transfer_exactly(length - have), ec);
      received_ = buf.size();
      socket.close(ec);
    });
  }
  ~DropAfterReadServer() { thread_.join(); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  size_t received() const { return received_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  size_t received_ = 0;
};

// The order of samples/polymarket/clob_rest/nt_rs_http_signed_order.json.
constexpr char kSampleSignature[] =
    "abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef12"
    "34567890abcdef1234567890abcdef1234567890ab1b";
constexpr char kTokenId[] =
    "71321045679252212594626385532706912750332728571942532289631379312455583992563";

std::pair<OrderV2, SignedOrderV2> SampleOrder(const Secp256k1Signer& key) {
  OrderV2 order;
  order.salt = 123456789;
  order.maker = key.address();
  order.signer = key.address();
  order.token_id = kTokenId;
  order.maker_amount = 100000000;
  order.taker_amount = 50000000;
  order.side = OrderSide::kBuy;
  order.signature_type = SignatureType::kEoa;
  order.timestamp_ms = 1713398400000;
  order.expiration = 0;
  SignedOrderV2 signed_order;
  const std::string_view hex = kSampleSignature;
  for (size_t i = 0; i < hex.size() / 2; ++i) {
    signed_order.signature_bytes[i] =
        static_cast<uint8_t>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  }
  signed_order.signature_size = hex.size() / 2;
  return {order, signed_order};
}

constexpr char kSampleOrderJson[] =
    R"({"salt":123456789,"maker":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",)"
    R"("signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",)"
    R"("tokenId":"71321045679252212594626385532706912750332728571942532289631379312455583992563",)"
    R"("makerAmount":"100000000","takerAmount":"50000000","side":"BUY","signatureType":0,)"
    R"("timestamp":"1713398400000","expiration":"0",)"
    R"("metadata":"0x0000000000000000000000000000000000000000000000000000000000000000",)"
    R"("builder":"0x0000000000000000000000000000000000000000000000000000000000000000",)"
    R"("signature":"0xabcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef)"
    R"(1234567890abcdef1234567890abcdef1234567890abcdef1234567890ab1b"})";

class TradingClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Secp256k1Signer>> key = Secp256k1Signer::FromHex(kPrivateKey);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = std::move(*key);
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
    absl::StatusOr<std::unique_ptr<L2Signer>> l2 =
        L2Signer::Create(key_->address_checksummed(), kApiKey, kSecret, kPassphrase);
    ASSERT_TRUE(l2.ok()) << l2.status();
    verifier_ = std::move(*l2);
  }

  // Starts the venue and a client with credentials installed (unless `with_credentials`).
  void StartClient(bool with_credentials = true) {
    venue_.Start();
    client_ = std::make_unique<TradingClient>(
        http_.get(), net::Origin{false, "127.0.0.1", venue_.port()}, key_.get(), &clock_);
    if (with_credentials) {
      ASSERT_TRUE(client_->SetCredentials({kApiKey, kSecret, kPassphrase}).ok());
    }
  }

  // Asserts the L2 headers of `r` are what the venue would accept for exactly these bytes.
  void ExpectL2(const sim::HttpRequest& r) {
    EXPECT_EQ(r.Header("poly_address"), key_->address_checksummed());
    EXPECT_EQ(r.Header("poly_api_key"), kApiKey);
    EXPECT_EQ(r.Header("poly_passphrase"), kPassphrase);
    EXPECT_EQ(r.Header("poly_timestamp"), absl::StrCat(kNowSeconds));
    EXPECT_EQ(r.Header("poly_signature"),
              verifier_->Signature(absl::StrCat(kNowSeconds), r.method, r.path, r.body));
  }

  SimulatedClock clock_{absl::FromUnixSeconds(kNowSeconds)};
  std::unique_ptr<Secp256k1Signer> key_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<L2Signer> verifier_;
  FakeVenue venue_;
  std::unique_ptr<TradingClient> client_;
};

constexpr char kCredsJson[] =
    R"({"apiKey":"00000000-0000-0000-0000-000000000001",)"
    R"("secret":"c2VjcmV0LWZvci10ZXN0cy1vbmx5LTAxMjM0NTY3ODk=","passphrase":"pass-phrase"})";

TEST_F(TradingClientTest, CreateApiKeySendsL1Headers) {
  venue_.Canned("POST", "/auth/api-key", 200, kCredsJson);
  StartClient(false);
  EXPECT_FALSE(client_->has_credentials());
  absl::StatusOr<ApiCredentials> creds = client_->CreateApiKey(7);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->api_key, kApiKey);
  EXPECT_EQ(creds->passphrase, kPassphrase);
  const std::vector<sim::HttpRequest> reqs = venue_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  absl::StatusOr<L1Headers> expected = BuildL1Headers(*key_, 137, absl::StrCat(kNowSeconds), 7);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].body, "");
  EXPECT_EQ(reqs[0].Header("poly_address"), expected->poly_address);
  EXPECT_EQ(reqs[0].Header("poly_signature"), expected->poly_signature);
  EXPECT_EQ(reqs[0].Header("poly_timestamp"), "1790000000");
  EXPECT_EQ(reqs[0].Header("poly_nonce"), "7");
  ASSERT_TRUE(client_->SetCredentials(*creds).ok());
  EXPECT_TRUE(client_->has_credentials());
}

TEST_F(TradingClientTest, CreateOrDeriveFallsBackToDerive) {
  venue_.Canned("POST", "/auth/api-key", 400, R"({"error":"Could not create api key"})");
  venue_.Canned("GET", "/auth/derive-api-key", 200, kCredsJson);
  StartClient(false);
  absl::StatusOr<ApiCredentials> creds = client_->CreateOrDeriveApiKey(0);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->secret, kSecret);
  const std::vector<sim::HttpRequest> reqs = venue_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[1].path, "/auth/derive-api-key");
  EXPECT_EQ(reqs[1].Header("poly_nonce"), "0");
  EXPECT_FALSE(reqs[1].Header("poly_signature").empty());
}

TEST_F(TradingClientTest, TradingWithoutCredentialsSendsNothing) {
  StartClient(false);
  absl::StatusOr<CancelResponse> r = client_->CancelAll();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(venue_.requests().empty());
}

TEST_F(TradingClientTest, PostOrderBodyIsByteExactAndSigned) {
  venue_.Canned("POST", "/order", 200, ReadSample("nt_rs_http_order_response_ok.json"));
  StartClient();
  const auto [order, signed_order] = SampleOrder(*key_);
  absl::StatusOr<OrderResponse> r =
      client_->PostOrder({.order = &order, .signed_order = &signed_order, .type = OrderType::kGtc});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->order_id, "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef12");
  const std::vector<sim::HttpRequest> reqs = venue_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/order");
  EXPECT_EQ(reqs[0].body, absl::StrCat(R"({"order":)", kSampleOrderJson,
                                       R"(,"owner":"00000000-0000-0000-0000-000000000001",)"
                                       R"("orderType":"GTC","deferExec":false,"postOnly":false})"));
  ExpectL2(reqs[0]);
}

TEST_F(TradingClientTest, PostOrderFlags) {
  venue_.Canned("POST", "/order", 200, ReadSample("nt_rs_http_order_response_ok.json"));
  StartClient();
  const auto [order, signed_order] = SampleOrder(*key_);
  ASSERT_TRUE(client_
                  ->PostOrder({.order = &order,
                               .signed_order = &signed_order,
                               .type = OrderType::kGtd,
                               .post_only = true,
                               .defer_exec = true})
                  .ok());
  absl::StatusOr<OrderResponse> fok = client_->PostOrder(
      {.order = &order, .signed_order = &signed_order, .type = OrderType::kFok, .post_only = true});
  EXPECT_EQ(fok.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::vector<sim::HttpRequest> reqs = venue_.requests();
  ASSERT_EQ(reqs.size(), 1u);  // the FOK + postOnly order was refused before sending
  EXPECT_THAT(reqs[0].body, HasSubstr(R"("orderType":"GTD","deferExec":true,"postOnly":true})"));
}

TEST_F(TradingClientTest, BatchWithRejectedLeg) {
  venue_.Canned("POST", "/orders", 200,
                R"([{"success":true,"orderID":"0xaa01","status":"live","errorMsg":"",)"
                R"("takingAmount":"","makingAmount":""},)"
                R"({"success":true,"orderID":"","errorMsg":"not enough balance / allowance"},)"
                R"({"success":false,"orderID":null,"errorMsg":"invalid signature"},)"
                R"({"success":true,"orderID":"0xaa04","status":"matched","takingAmount":"10",)"
                R"("makingAmount":"5.5","tradeIDs":["t1"],"transactionsHashes":["0xh1"]}])");
  StartClient();
  const auto [order, signed_order] = SampleOrder(*key_);
  std::vector<OrderSubmission> subs(4, {.order = &order, .signed_order = &signed_order});
  subs[3].type = OrderType::kFak;
  absl::StatusOr<std::vector<BatchLegResult>> r = client_->PostOrders(subs);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_TRUE((*r)[0].accepted());
  EXPECT_FALSE((*r)[1].accepted());
  EXPECT_EQ((*r)[1].response.error_msg, "not enough balance / allowance");
  EXPECT_FALSE((*r)[2].accepted());
  EXPECT_EQ((*r)[2].response.error_msg, "invalid signature");
  EXPECT_TRUE((*r)[3].accepted());
  EXPECT_EQ((*r)[3].response.making_amount, Money::FromMicros(5'500'000));
  EXPECT_EQ((*r)[3].response.trade_ids, std::vector<std::string>{"t1"});
  const std::vector<sim::HttpRequest> reqs = venue_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const std::string leg = absl::StrCat(R"({"order":)", kSampleOrderJson,
                                       R"(,"owner":"00000000-0000-0000-0000-000000000001",)"
                                       R"("orderType":"GTC","deferExec":false,"postOnly":false})");
  EXPECT_EQ(reqs[0].body,
            absl::StrCat("[", leg, ",", leg, ",", leg, ",",
                         ReplaceFirst(leg, R"("orderType":"GTC")", R"("orderType":"FAK")"), "]"));
  ExpectL2(reqs[0]);
}

TEST_F(TradingClientTest, BatchLimits) {
  StartClient();
  const auto [order, signed_order] = SampleOrder(*key_);
  std::vector<OrderSubmission> subs(kMaxBatchOrders + 1,
                                    {.order = &order, .signed_order = &signed_order});
  EXPECT_EQ(client_->PostOrders(subs).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->PostOrders({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(venue_.requests().empty());
}

TEST_F(TradingClientTest, BatchLengthMismatchIsUnknown) {
  venue_.Canned("POST", "/orders", 200, R"([{"success":true,"orderID":"0x01"}])");
  StartClient();
  const auto [order, signed_order] = SampleOrder(*key_);
  std::vector<OrderSubmission> subs(2, {.order = &order, .signed_order = &signed_order});
  absl::StatusOr<std::vector<BatchLegResult>> r = client_->PostOrders(subs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown);
  EXPECT_TRUE(IsOutcomeUnknown(r.status()));
}

TEST_F(TradingClientTest, CancelVariants) {
  venue_.Canned("DELETE", "/order", 200, ReadSample("nt_rs_http_cancel_response_ok.json"));
  venue_.Canned("DELETE", "/orders", 200, ReadSample("nt_rs_http_batch_cancel_response.json"));
  venue_.Canned("DELETE", "/cancel-all", 200, ReadSample("nt_rs_http_cancel_response_failed.json"));
  venue_.Canned("DELETE", "/cancel-market-orders", 200, R"({"canceled":[],"not_canceled":{}})");
  StartClient();
  const std::string id = "0xb816482a1234567890abcdef1234567890abcdef1234567890abcdef12345678";
  absl::StatusOr<CancelResponse> one = client_->CancelOrder(id);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->canceled, std::vector<std::string>{id});
  const std::vector<std::string> ids = {"0x11", "0x22"};
  absl::StatusOr<CancelResponse> many = client_->CancelOrders(ids);
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_EQ(many->canceled.size(), 2u);
  ASSERT_EQ(many->not_canceled.size(), 1u);
  EXPECT_EQ(many->not_canceled[0].second, "already canceled or matched");
  absl::StatusOr<CancelResponse> all = client_->CancelAll();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(all->canceled.empty());
  ASSERT_TRUE(client_->CancelMarketOrders("0xdd22", "").ok());
  ASSERT_TRUE(client_->CancelMarketOrders("", kTokenId).ok());
  EXPECT_EQ(client_->CancelMarketOrders("", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->CancelOrder("0x1\"}").status().code(), absl::StatusCode::kInvalidArgument);

  const std::vector<sim::HttpRequest> reqs = venue_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].body, absl::StrCat(R"({"orderID":")", id, R"("})"));
  EXPECT_EQ(reqs[1].body, R"(["0x11","0x22"])");
  EXPECT_EQ(reqs[2].path, "/cancel-all");
  EXPECT_EQ(reqs[2].body, "");
  EXPECT_EQ(reqs[3].body, R"({"market":"0xdd22"})");
  EXPECT_EQ(reqs[4].body, absl::StrCat(R"({"asset_id":")", kTokenId, R"("})"));
  for (const sim::HttpRequest& r : reqs) {
    EXPECT_EQ(r.method, "DELETE");
    ExpectL2(r);
  }
}

TEST_F(TradingClientTest, OpenOrdersFollowCursorAcrossThreePages) {
  const std::string last = ReadSample("nt_rs_http_open_orders_page.json");
  venue_.Route("GET", "/data/orders", [last](const sim::HttpRequest& r) {
    const std::string_view cursor = r.Query("next_cursor");
    if (cursor == "MA==") return sim::HttpReply::Json(200, ReplaceFirst(last, "LTE=", "MTAw"));
    if (cursor == "MTAw") return sim::HttpReply::Json(200, ReplaceFirst(last, "LTE=", "MjAw"));
    if (cursor == "MjAw") return sim::HttpReply::Json(200, last);
    return sim::HttpReply::Error(400, "bad cursor");
  });
  StartClient();
  absl::StatusOr<std::vector<OrderEvent>> orders = client_->GetOpenOrders({.market = "0xdd22"});
  ASSERT_TRUE(orders.ok()) << orders.status();
  ASSERT_EQ(orders->size(), 6u);
  EXPECT_EQ((*orders)[1].side, Side::kSell);
  EXPECT_EQ((*orders)[1].size_matched, Quantity::FromUnits(50));
  EXPECT_EQ((*orders)[0].price, Price::FromMicros(600'000));
  const std::vector<sim::HttpRequest> reqs = venue_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].target, "/data/orders?market=0xdd22&next_cursor=MA%3D%3D");
  EXPECT_EQ(reqs[1].target, "/data/orders?market=0xdd22&next_cursor=MTAw");
  EXPECT_EQ(reqs[2].target, "/data/orders?market=0xdd22&next_cursor=MjAw");
  for (const sim::HttpRequest& r : reqs) ExpectL2(r);  // signed over the path without query
}

TEST_F(TradingClientTest, TradesPagingAndRepeatedCursor) {
  const std::string page = ReadSample("nt_rs_http_trades_page.json");
  venue_.Route("GET", "/data/trades", [page](const sim::HttpRequest& r) {
    if (r.Query("next_cursor") == "MA==") {
      return sim::HttpReply::Json(200, ReplaceFirst(page, "LTE=", "Mg=="));
    }
    return sim::HttpReply::Json(
        200, r.Query("asset_id").empty() ? page : ReplaceFirst(page, "LTE=", "Mg=="));
  });
  StartClient();
  absl::StatusOr<std::vector<TradeEvent>> trades = client_->GetTrades({.after = 1700000000});
  ASSERT_TRUE(trades.ok()) << trades.status();
  ASSERT_EQ(trades->size(), 2u);
  EXPECT_EQ((*trades)[0].id, "trade-0x001");
  EXPECT_EQ((*trades)[0].size, Quantity::FromUnits(10));
  // A venue that keeps answering the same cursor must not loop forever.
  EXPECT_EQ(client_->GetTrades({.asset_id = "1"}).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(venue_.requests()[0].target, "/data/trades?after=1700000000&next_cursor=MA%3D%3D");
}

TEST_F(TradingClientTest, GetOrderAndBalanceAndHeartbeat) {
  venue_.Canned("GET", "/data/order/", 200, ReadSample("nt_rs_http_open_order.json"));
  venue_.Canned("GET", "/balance-allowance", 200,
                ReadSample("nt_rs_http_balance_allowance_collateral.json"));
  venue_.Canned("POST", "/v1/heartbeats", 200, R"({"heartbeat_id":"hb-2"})");
  StartClient();
  absl::StatusOr<OrderEvent> order = client_->GetOrder("0x12ab");
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(order->original_size, Quantity::FromUnits(100));
  EXPECT_EQ(order->associate_trades, std::vector<std::string>{"0xabc001"});
  absl::StatusOr<BalanceAllowance> bal =
      client_->GetBalanceAllowance(AssetType::kConditional, kTokenId);
  ASSERT_TRUE(bal.ok()) << bal.status();
  EXPECT_EQ(bal->balance_base_units, 1'000'000'000);
  EXPECT_EQ(bal->allowance_base_units, 999'999'999'000'000);
  EXPECT_EQ(client_->GetBalanceAllowance(AssetType::kConditional, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> hb = client_->PostHeartbeat("hb-1");
  ASSERT_TRUE(hb.ok()) << hb.status();
  EXPECT_EQ(*hb, "hb-2");
  const std::vector<sim::HttpRequest> reqs = venue_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].path, "/data/order/0x12ab");
  EXPECT_EQ(reqs[1].target, absl::StrCat("/balance-allowance?asset_type=CONDITIONAL&token_id=",
                                         kTokenId, "&signature_type=0"));
  EXPECT_EQ(reqs[2].body, R"({"heartbeat_id":"hb-1"})");
  for (const sim::HttpRequest& r : reqs) ExpectL2(r);
}

// The error mapping an executor depends on.
struct ErrorCase {
  const char* name;
  int http_status;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  absl::StatusCode code;
  const char* message;
};

TEST_F(TradingClientTest, PostOrderErrorMapping) {
  const std::vector<ErrorCase> cases = {
      {"400 reject",
       400,
       R"({"error":"invalid order payload"})",
       {},
       absl::StatusCode::kFailedPrecondition,
       "order rejected: invalid order payload"},
      {"success false",
       200,
       ReadSample("nt_rs_http_order_response_failed.json"),
       {},
       absl::StatusCode::kFailedPrecondition,
       "order rejected: Insufficient balance"},
      {"no order id",
       200,
       R"({"success":true,"orderID":"","errorMsg":"min size"})",
       {},
       absl::StatusCode::kFailedPrecondition,
       "order rejected: min size"},
      {"401",
       401,
       R"({"error":"Unauthorized/Invalid api key"})",
       {},
       absl::StatusCode::kUnauthenticated,
       "Invalid api key"},
      {"429",
       429,
       R"({"error":"Too Many Requests"})",
       {{"Retry-After", "7"}},
       absl::StatusCode::kResourceExhausted,
       "retry after 7 s"},
      {"500",
       500,
       ReadSample("nt_rs_http_order_response_error_500.json"),
       {},
       absl::StatusCode::kUnknown,
       "outcome unknown"},
      {"503",
       503,
       R"({"error":"Trading is currently disabled"})",
       {},
       absl::StatusCode::kUnknown,
       "outcome unknown"},
      {"garbage 200", 200, "<html>", {}, absl::StatusCode::kUnknown, "outcome unknown"},
  };
  size_t next = 0;
  venue_.Route("POST", "/order", [&cases, &next](const sim::HttpRequest&) {
    const ErrorCase& c = cases[next++];
    sim::HttpReply reply = sim::HttpReply::Json(c.http_status, c.body);
    reply.headers = c.headers;
    return reply;
  });
  StartClient();
  const auto [order, signed_order] = SampleOrder(*key_);
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<OrderResponse> r =
        client_->PostOrder({.order = &order, .signed_order = &signed_order});
    EXPECT_EQ(r.status().code(), c.code) << r.status();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.message));
    EXPECT_EQ(IsOutcomeUnknown(r.status()), c.code == absl::StatusCode::kUnknown);
    if (c.http_status == 429) {
      EXPECT_EQ(RetryAfterSeconds(r.status()), 7);
    } else {
      EXPECT_EQ(RetryAfterSeconds(r.status()), std::nullopt);
    }
  }
  EXPECT_EQ(next, cases.size());
}

TEST_F(TradingClientTest, NonOrderErrorMapping) {
  venue_.Canned("DELETE", "/order", 400, R"({"error":"Invalid orderID"})");
  venue_.Canned("GET", "/balance-allowance", 401, R"({"error":"Unauthorized/Invalid api key"})");
  venue_.Route("DELETE", "/cancel-all", [](const sim::HttpRequest&) {
    sim::HttpReply reply = sim::HttpReply::Error(429, "Too Many Requests");
    reply.headers.emplace_back("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT");
    return reply;
  });
  StartClient();
  absl::StatusOr<CancelResponse> cancel = client_->CancelOrder("0x01");
  EXPECT_EQ(cancel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cancel.status().message()), HasSubstr("Invalid orderID"));
  EXPECT_EQ(client_->GetBalanceAllowance(AssetType::kCollateral).status().code(),
            absl::StatusCode::kUnauthenticated);
  absl::StatusOr<CancelResponse> all = client_->CancelAll();
  EXPECT_EQ(all.status().code(), absl::StatusCode::kResourceExhausted);
  // An HTTP-date is kept as the seconds from the client's clock to it (zero once past).
  const absl::Time date =
      absl::FromCivil(absl::CivilSecond(2026, 10, 21, 7, 28, 0), absl::UTCTimeZone());
  EXPECT_EQ(RetryAfterSeconds(all.status()),
            std::max<int64_t>(
                0, absl::ToInt64Seconds(absl::Ceil(date - clock_.Now(), absl::Seconds(1)))));
}

TEST_F(TradingClientTest, ConnectionDroppedAfterSendIsOutcomeUnknown) {
  DropAfterReadServer drop;
  StartClient();
  TradingClient client(http_.get(), net::Origin{false, "127.0.0.1", drop.port()}, key_.get(),
                       &clock_);
  ASSERT_TRUE(client.SetCredentials({kApiKey, kSecret, kPassphrase}).ok());
  const auto [order, signed_order] = SampleOrder(*key_);
  absl::StatusOr<OrderResponse> r =
      client.PostOrder({.order = &order, .signed_order = &signed_order});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("outcome unknown"));
  EXPECT_TRUE(IsOutcomeUnknown(r.status()));
}

TEST_F(TradingClientTest, ConnectionRefusedIsUnavailableNeverSent) {
  uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens on `port` now
  StartClient();
  TradingClient client(http_.get(), net::Origin{false, "127.0.0.1", port}, key_.get(), &clock_);
  ASSERT_TRUE(client.SetCredentials({kApiKey, kSecret, kPassphrase}).ok());
  const auto [order, signed_order] = SampleOrder(*key_);
  absl::StatusOr<OrderResponse> r =
      client.PostOrder({.order = &order, .signed_order = &signed_order});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_FALSE(IsOutcomeUnknown(r.status()));
  EXPECT_THAT(std::string(r.status().message()), StartsWith("POST /order"));
}

TEST(OrderTypeTest, Names) {
  EXPECT_EQ(OrderTypeName(OrderType::kGtc), "GTC");
  EXPECT_EQ(OrderTypeName(OrderType::kGtd), "GTD");
  EXPECT_EQ(OrderTypeName(OrderType::kFok), "FOK");
  EXPECT_EQ(OrderTypeName(OrderType::kFak), "FAK");
}

}  // namespace
}  // namespace arbor::venue::polymarket
