#include "arbor/venue/kalshi/commands.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::kalshi {
namespace {

using ::testing::HasSubstr;

TEST(CommandsTest, SubscribeAlwaysStatesUseYesPrice) {
  const std::vector<std::string_view> channels = {kChannelOrderbookDelta, kChannelTicker};
  const std::vector<std::string_view> tickers = {"FED-23DEC-T3.00", "CORIVER-2024-T1030"};
  absl::StatusOr<std::string> cmd = SubscribeCommand(2, channels, tickers, false);
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(*cmd,
            R"({"id":2,"cmd":"subscribe","params":{"channels":["orderbook_delta","ticker"],)"
            R"("market_tickers":["FED-23DEC-T3.00","CORIVER-2024-T1030"],"use_yes_price":false}})");
  const std::vector<std::string_view> fill = {kChannelFill};
  absl::StatusOr<std::string> all = SubscribeCommand(3, fill, {}, true);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all,
            R"({"id":3,"cmd":"subscribe","params":{"channels":["fill"],"use_yes_price":true}})");
}

TEST(CommandsTest, StringsAreEscaped) {
  const std::vector<std::string_view> channels = {"ticker"};
  const std::vector<std::string_view> tickers = {"A\"B"};
  absl::StatusOr<std::string> cmd = SubscribeCommand(1, channels, tickers, false);
  ASSERT_TRUE(cmd.ok());
  EXPECT_THAT(*cmd, HasSubstr(R"("market_tickers":["A\"B"])"));
}

TEST(CommandsTest, Unsubscribe) {
  const std::vector<uint64_t> sids = {1, 2};
  absl::StatusOr<std::string> cmd = UnsubscribeCommand(9, sids);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(*cmd, R"({"id":9,"cmd":"unsubscribe","params":{"sids":[1,2]}})");
}

TEST(CommandsTest, UpdateSubscriptionActions) {
  const std::vector<std::string_view> tickers = {"MARKET-1", "MARKET-2"};
  struct Case {
    UpdateAction action;
    const char* name;
  };
  constexpr Case kCases[] = {{UpdateAction::kAddMarkets, "add_markets"},
                             {UpdateAction::kDeleteMarkets, "delete_markets"},
                             {UpdateAction::kGetSnapshot, "get_snapshot"}};
  for (const Case& c : kCases) {
    absl::StatusOr<std::string> cmd = UpdateSubscriptionCommand(127, 456, tickers, c.action);
    ASSERT_TRUE(cmd.ok());
    EXPECT_EQ(*cmd, std::string(R"({"id":127,"cmd":"update_subscription","params":{"sids":[456],)"
                                R"("market_tickers":["MARKET-1","MARKET-2"],"action":")") +
                        c.name + "\"}}");
    EXPECT_EQ(UpdateActionName(c.action), c.name);
  }
}

TEST(CommandsTest, InvalidArguments) {
  const std::vector<std::string_view> none;
  const std::vector<std::string_view> channels = {"ticker"};
  const std::vector<std::string_view> blank = {""};
  EXPECT_THAT(std::string(SubscribeCommand(1, none, none, false).status().message()),
              HasSubstr("channels must not be empty"));
  EXPECT_THAT(std::string(SubscribeCommand(1, channels, blank, false).status().message()),
              HasSubstr("market_tickers[0] is empty"));
  EXPECT_EQ(UnsubscribeCommand(1, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(
          UpdateSubscriptionCommand(1, 2, none, UpdateAction::kGetSnapshot).status().message()),
      HasSubstr("market_tickers must not be empty"));
}

}  // namespace
}  // namespace arbor::venue::kalshi
