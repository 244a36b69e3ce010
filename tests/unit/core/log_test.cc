#include "arbor/core/log.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace arbor {
namespace {

class CapturingSink final : public LogSink {
 public:
  void Write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Logger::Global().SetSink(&sink_);
    Logger::Global().SetClock(&clock_);
    Logger::Global().SetMinLevel(LogLevel::kInfo);
  }
  void TearDown() override {
    Logger::Global().SetSink(nullptr);
    Logger::Global().SetClock(nullptr);
  }
  CapturingSink sink_;
  SimulatedClock clock_{absl::FromUnixMicros(1'763'773'323'456'789)};
};

TEST_F(LogTest, WritesOneJsonObjectPerLineWithFields) {
  ARBOR_LOG(kWarning, "feed", "reconnecting")
      .Field("venue", "polymarket")
      .Field("attempt", 3)
      .Field("bytes", uint64_t{7})
      .Field("healthy", false)
      .Field("ratio", 0.5);
  ASSERT_EQ(sink_.lines.size(), 1u);
  EXPECT_EQ(
      sink_.lines[0],
      R"({"ts":"2025-11-22T01:02:03.456789Z","level":"warning","component":"feed",)"
      R"("msg":"reconnecting","venue":"polymarket","attempt":3,"bytes":7,"healthy":false,"ratio":0.5})");
}

TEST_F(LogTest, DisabledLevelsAreNotEvaluated) {
  int evaluations = 0;
  auto count = [&] { return ++evaluations; };
  ARBOR_LOG(kDebug, "feed", "noise").Field("n", count());
  EXPECT_TRUE(sink_.lines.empty());
  EXPECT_EQ(evaluations, 0);
  Logger::Global().SetMinLevel(LogLevel::kDebug);
  ARBOR_LOG(kDebug, "feed", "noise").Field("n", count());
  EXPECT_EQ(sink_.lines.size(), 1u);
  EXPECT_EQ(evaluations, 1);
}

TEST_F(LogTest, MessagesAreEscaped) {
  ARBOR_LOG(kError, "codec", "bad \"frame\"\n").Field("frame", "{\"a\":1}");
  ASSERT_EQ(sink_.lines.size(), 1u);
  EXPECT_NE(sink_.lines[0].find(R"("msg":"bad \"frame\"\n")"), std::string::npos);
  EXPECT_NE(sink_.lines[0].find(R"("frame":"{\"a\":1}")"), std::string::npos);
}

}  // namespace
}  // namespace arbor
