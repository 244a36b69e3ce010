// arbor-feed's flag validation (OptionsFromFlags) and the Kalshi outcome REST source.
#include <string>
#include <vector>

#include "arbor/feed/feed_shard.h"
#include "arbor/feed/outcome_rest_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

using ::testing::HasSubstr;

FeedShardFlags Valid() {
  FeedShardFlags f;
  f.venues = {"polymarket", "kalshi"};
  f.polymarket_clob_url = "https://clob.polymarket.com";
  f.polymarket_gamma_url = "https://gamma-api.polymarket.com";
  f.polymarket_ws_url = "wss://ws-subscriptions-clob.polymarket.com/ws/market";
  f.kalshi_rest_url = "https://api.elections.kalshi.com/trade-api/v2";
  f.kalshi_ws_url = "wss://api.elections.kalshi.com/trade-api/ws/v2";
  f.kalshi_key_id = "key";
  f.kalshi_private_key_file = "/tmp/key.pem";
  return f;
}

std::string ErrorOf(const FeedShardFlags& f) {
  absl::StatusOr<FeedShardOptions> o = OptionsFromFlags(f);
  EXPECT_FALSE(o.ok());
  if (o.ok()) return "";
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(o.status().message());
}

TEST(FeedAppFlagsTest, ValidFlagsBecomeOptions) {
  FeedShardFlags f = Valid();
  f.pod_name = "arbor-feed-3";
  f.shard_count = 8;
  f.min_liquidity = 1500.5;
  f.mode_window = absl::Seconds(10);
  absl::StatusOr<FeedShardOptions> o = OptionsFromFlags(f);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->shard.index, 3u);
  EXPECT_EQ(o->shard.count, 8u);
  EXPECT_TRUE(o->polymarket);
  EXPECT_TRUE(o->kalshi);
  EXPECT_TRUE(o->polymarket_ws.origin.tls);
  EXPECT_EQ(o->polymarket_ws.path, "/ws/market");
  EXPECT_EQ(o->kalshi_rest.path, "/trade-api/v2");
  EXPECT_EQ(o->filter.min_liquidity, Money::FromMicros(1'500'500'000));
  // 10 s is not a whole number of nanoseconds times 60: the ring uses whole seconds.
  EXPECT_EQ(o->mode.bucket_count, 10);
  EXPECT_EQ(o->mode.stale_to_hybrid, absl::Seconds(60));
}

TEST(FeedAppFlagsTest, EachBadFlagIsNamed) {
  FeedShardFlags f = Valid();
  f.tokens_per_connection = 501;
  EXPECT_THAT(ErrorOf(f), HasSubstr("--tokens_per_connection"));
  f = Valid();
  f.venues = {"polymarket", "nyse"};
  EXPECT_THAT(ErrorOf(f), HasSubstr("unknown venue 'nyse'"));
  f = Valid();
  f.kalshi_key_id.clear();
  EXPECT_THAT(ErrorOf(f), HasSubstr("--kalshi_key_id"));
  f = Valid();
  f.polymarket_ws_url = "ftp://x";
  EXPECT_THAT(ErrorOf(f), HasSubstr("--polymarket_ws_url"));
  f = Valid();
  f.shard_index = 4;
  f.shard_count = 4;
  EXPECT_THAT(ErrorOf(f), HasSubstr("--shard_index/--shard_count"));
  f = Valid();
  f.pod_name = "arbor-feed";
  EXPECT_THAT(ErrorOf(f), HasSubstr("--pod_name"));
  f = Valid();
  f.stale_after = absl::ZeroDuration();
  EXPECT_THAT(ErrorOf(f), HasSubstr("--stale_after"));
  f = Valid();
  f.min_liquidity = -1;
  EXPECT_THAT(ErrorOf(f), HasSubstr("--min_liquidity"));
  f = Valid();
  f.venues = {};
  EXPECT_THAT(ErrorOf(f), HasSubstr("at least one venue"));
  // Kalshi off: its key is not needed.
  f = Valid();
  f.venues = {"polymarket"};
  f.kalshi_key_id.clear();
  EXPECT_TRUE(OptionsFromFlags(f).ok());
}

// A ticker-keyed source returning fixed YES books and counting requests.
class FakeTickerSource final : public RestBookSource {
 public:
  absl::StatusOr<std::vector<RestBook>> FetchBooks(absl::Span<const InstrumentId> ids) override {
    std::vector<RestBook> out;
    for (const InstrumentId& id : ids) {
      ++requests;
      if (id.value() == "MISSING") continue;
      RestBook b;
      b.id = id;
      b.bids = {{Price::FromMicros(400'000), Quantity::FromUnits(5)}};
      b.asks = {{Price::FromMicros(450'000), Quantity::FromUnits(7)},
                {Price::FromMicros(470'000), Quantity::FromUnits(1)}};
      out.push_back(b);
    }
    return out;
  }
  size_t max_batch() const override { return 1; }
  int requests = 0;
};

TEST(OutcomeRestSourceTest, FetchesEachTickerOnceAndComplementsTheNoSide) {
  FakeTickerSource tickers;
  OutcomeRestSource source(&tickers);
  EXPECT_EQ(source.max_batch(), 2u);
  const std::vector<InstrumentId> ids = {InstrumentId("K-1:YES"), InstrumentId("K-1:NO"),
                                         InstrumentId("K-2:NO"), InstrumentId("MISSING:YES"),
                                         InstrumentId("not-an-outcome")};
  absl::StatusOr<std::vector<RestBook>> books = source.FetchBooks(ids);
  ASSERT_TRUE(books.ok());
  EXPECT_EQ(tickers.requests, 3);  // K-1, K-2, MISSING
  ASSERT_EQ(books->size(), 3u);
  const RestBook* k1_no = nullptr;
  const RestBook* k1_yes = nullptr;
  const RestBook* k2_no = nullptr;
  for (const RestBook& b : *books) {
    if (b.id.value() == "K-1:NO") k1_no = &b;
    if (b.id.value() == "K-1:YES") k1_yes = &b;
    if (b.id.value() == "K-2:NO") k2_no = &b;
  }
  ASSERT_NE(k1_no, nullptr);
  ASSERT_NE(k1_yes, nullptr);
  ASSERT_NE(k2_no, nullptr);
  EXPECT_EQ(k1_yes->bids.front().price, Price::FromMicros(400'000));
  // NO bids = 1 - YES asks, best (highest) first; NO asks = 1 - YES bids.
  ASSERT_EQ(k1_no->bids.size(), 2u);
  EXPECT_EQ(k1_no->bids[0].price, Price::FromMicros(550'000));
  EXPECT_EQ(k1_no->bids[0].size, Quantity::FromUnits(7));
  EXPECT_EQ(k1_no->bids[1].price, Price::FromMicros(530'000));
  ASSERT_EQ(k1_no->asks.size(), 1u);
  EXPECT_EQ(k1_no->asks[0].price, Price::FromMicros(600'000));
}

}  // namespace
}  // namespace arbor::feed
