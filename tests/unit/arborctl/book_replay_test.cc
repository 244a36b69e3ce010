#include "book_replay.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::arborctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DataPath(const std::string& name) {
  return std::string(ARBOR_TEST_DATA_DIR) + "/arborctl/" + name;
}

struct ReplayRun {
  int exit_code;
  std::string out;
  std::string err;
  BookReplayStats stats;
};

ReplayRun Replay(const BookReplayOptions& options, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  ReplayRun r;
  r.exit_code = RunBookReplay(options, in, out, err, &r.stats);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(BookReplayTest, PolymarketFixtureProducesExpectedBooks) {
  BookReplayOptions options;
  options.venue = Venue::kPolymarket;
  const ReplayRun r = Replay(options, ReadFile(DataPath("polymarket_frames.jsonl")));
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out, ReadFile(DataPath("polymarket_expected.json")));
  EXPECT_EQ(r.stats.malformed, 2) << r.err;
  EXPECT_EQ(r.stats.unknown, 1) << r.err;
  // Diagnostics name the line of each bad frame (blank lines still count toward numbering).
  EXPECT_THAT(r.err, HasSubstr("line 4: malformed: "));
  EXPECT_THAT(r.err, HasSubstr("line 5: unknown: "));
  EXPECT_THAT(r.err, HasSubstr("line 7: malformed: "));
  EXPECT_THAT(r.err, HasSubstr("replayed "));
}

TEST(BookReplayTest, KalshiFixtureProducesExpectedBooksAndReportsGap) {
  BookReplayOptions options;
  options.venue = Venue::kKalshi;
  const ReplayRun r = Replay(options, ReadFile(DataPath("kalshi_frames.jsonl")));
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out, ReadFile(DataPath("kalshi_expected.json")));
  EXPECT_EQ(r.stats.lines, 10);  // the blank line is not a frame
  EXPECT_EQ(r.stats.malformed, 1);
  EXPECT_EQ(r.stats.unknown, 1);
  EXPECT_EQ(r.stats.rejected, 1);
  EXPECT_EQ(r.stats.applied, 7);
  EXPECT_THAT(r.err, HasSubstr("line 7: rejected: seq gap on sid 1: expected 5, got 6"));
  EXPECT_THAT(r.err, HasSubstr("line 9: malformed: "));
  EXPECT_THAT(r.err, HasSubstr("line 11: unknown: "));
}

TEST(BookReplayTest, StrictModeStopsAtFirstMalformedLineWithExitTwo) {
  BookReplayOptions options;
  options.venue = Venue::kKalshi;
  options.strict = true;
  const ReplayRun r = Replay(options, ReadFile(DataPath("kalshi_frames.jsonl")));
  EXPECT_EQ(r.exit_code, kExitMalformedStrict);
  EXPECT_TRUE(r.out.empty()) << "no books are printed after a fatal line";
  EXPECT_THAT(r.err, HasSubstr("stopping at line 9 (--strict)"));
  // Lines before the malformed one were processed, including the (non-fatal) rejected gap.
  EXPECT_EQ(r.stats.rejected, 1);
  EXPECT_EQ(r.stats.malformed, 1);
}

TEST(BookReplayTest, StrictModeDoesNotStopOnUnknownTypes) {
  BookReplayOptions options;
  options.venue = Venue::kPolymarket;
  options.strict = true;
  const ReplayRun r = Replay(options, "{\"event_type\":\"mystery\",\"market\":\"0x1\"}\nPONG\n");
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.stats.unknown, 1);
  EXPECT_EQ(r.out, "{}\n");
}

TEST(BookReplayTest, CrLfLineEndingsAndEmptyInput) {
  BookReplayOptions options;
  options.venue = Venue::kKalshi;
  const ReplayRun empty = Replay(options, "");
  EXPECT_EQ(empty.exit_code, kExitOk);
  EXPECT_EQ(empty.out, "{}\n");
  const ReplayRun crlf = Replay(
      options,
      "{\"type\":\"orderbook_snapshot\",\"sid\":1,\"seq\":1,\"msg\":{\"market_ticker\":\"M\","
      "\"market_id\":\"m\",\"yes_dollars_fp\":[[\"0.4000\",\"2.00\"]]}}\r\n");
  EXPECT_EQ(crlf.exit_code, kExitOk) << crlf.err;
  EXPECT_EQ(crlf.out, "{\"M\":{\"tick_size\":\"0.01\",\"bids\":[[\"0.4\",\"2\"]],\"asks\":[]}}\n");
}

TEST(BookReplayTest, KnownTickSizeMakesOffGridPriceARejection) {
  BookReplayOptions options;
  options.venue = Venue::kPolymarket;
  options.tick_sizes = {{"1", "0.01"}};
  const ReplayRun r =
      Replay(options,
             "{\"event_type\":\"book\",\"asset_id\":\"1\",\"market\":\"0x1\",\"bids\":"
             "[{\"price\":\"0.505\",\"size\":\"1\"}],\"asks\":[],\"timestamp\":\"1\","
             "\"hash\":\"h\"}\n");
  EXPECT_EQ(r.exit_code, kExitOk);
  EXPECT_EQ(r.stats.rejected, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("off the tick grid"));
}

TEST(BookReplayTest, InvalidTickSizeFlagIsAUsageError) {
  BookReplayOptions options;
  options.venue = Venue::kPolymarket;
  options.tick_sizes = {{"1", "abc"}};
  const ReplayRun r = Replay(options, "");
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--tick-size 1=abc"));
}

TEST(BookReplayMainTest, RejectsBadArguments) {
  EXPECT_EQ(BookReplayMain({}), kExitUsage);                                // no --venue
  EXPECT_EQ(BookReplayMain({"--venue", "nyse"}), kExitUsage);               // unknown venue
  EXPECT_EQ(BookReplayMain({"--venue"}), kExitUsage);                       // missing value
  EXPECT_EQ(BookReplayMain({"--venue", "kalshi", "--bogus"}), kExitUsage);  // unknown flag
  EXPECT_EQ(BookReplayMain({"--venue", "kalshi", "a", "b"}), kExitUsage);   // two files
  EXPECT_EQ(BookReplayMain({"--venue", "kalshi", "/nonexistent/x"}), kExitUsage);
  EXPECT_EQ(BookReplayMain({"--venue", "polymarket", "--tick-size", "noequals"}), kExitUsage);
}

// Runs the real binary as a separate process, as a user would.
std::string RunCommand(const std::string& cmd, int* exit_code) {
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(ArborctlBinaryTest, ReplaysFileAndStdinIdentically) {
  int code = -1;
  const std::string from_file =
      RunCommand(std::string(ARBORCTL_BINARY) + " book replay --venue kalshi " +
                     DataPath("kalshi_frames.jsonl") + " 2>/dev/null",
                 &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(from_file, ReadFile(DataPath("kalshi_expected.json")));
  const std::string from_stdin =
      RunCommand(std::string(ARBORCTL_BINARY) + " book replay --venue kalshi < " +
                     DataPath("kalshi_frames.jsonl") + " 2>/dev/null",
                 &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(from_stdin, from_file);
}

TEST(ArborctlBinaryTest, StrictExitCodeAndUnknownCommand) {
  int code = -1;
  RunCommand(std::string(ARBORCTL_BINARY) + " book replay --strict --venue kalshi " +
                 DataPath("kalshi_frames.jsonl") + " 2>/dev/null",
             &code);
  EXPECT_EQ(code, 2);
  const std::string err = RunCommand(std::string(ARBORCTL_BINARY) + " frobnicate 2>&1", &code);
  EXPECT_EQ(code, 1);
  EXPECT_THAT(err, HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(err, Not(HasSubstr("Segmentation")));
}

}  // namespace
}  // namespace arbor::arborctl
