// Replaying a capture through `arborctl book replay` (in-process) must give the same books as
// replaying the raw frames it recorded.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/feed/capture.h"
#include "book_replay.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> NonBlankLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

struct ReplayRun {
  int exit_code = -1;
  std::string out;
  std::string err;
  arborctl::BookReplayStats stats;
};

ReplayRun Replay(Venue venue, const std::string& input, bool capture = false) {
  arborctl::BookReplayOptions options;
  options.venue = venue;
  options.capture = capture;
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  ReplayRun r;
  r.exit_code = arborctl::RunBookReplay(options, in, out, err, &r.stats);
  r.out = out.str();
  r.err = err.str();
  return r;
}

class CaptureReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "capture_replay_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    const std::string data = std::string(ARBOR_TEST_DATA_DIR) + "/arborctl/";
    poly_raw_ = ReadFile(data + "polymarket_frames.jsonl");
    kalshi_raw_ = ReadFile(data + "kalshi_frames.jsonl");
    // Interleave both venues' frames in one rotating capture, as a shard would record them.
    SimulatedClock clock;
    CaptureWriterOptions o;
    o.directory = dir_;
    o.shard = "test";
    o.max_file_bytes = 2048;
    absl::StatusOr<std::unique_ptr<CaptureWriter>> w = CaptureWriter::Open(o, clock);
    ASSERT_TRUE(w.ok()) << w.status();
    const std::vector<std::string> poly = NonBlankLines(poly_raw_);
    const std::vector<std::string> kalshi = NonBlankLines(kalshi_raw_);
    poly_frames_ = static_cast<int>(poly.size());
    kalshi_frames_ = static_cast<int>(kalshi.size());
    int64_t t = 1;
    for (size_t i = 0; i < std::max(poly.size(), kalshi.size()); ++i) {
      if (i < poly.size()) {
        ASSERT_TRUE((*w)->Append(Venue::kPolymarket, 1, t++, poly[i]).ok());
      }
      if (i < kalshi.size()) {
        ASSERT_TRUE((*w)->Append(Venue::kKalshi, 2, t++, kalshi[i]).ok());
      }
    }
    ASSERT_TRUE((*w)->Close().ok());
    ASSERT_GE((*w)->stats().files, 2);
    absl::StatusOr<std::vector<std::string>> files = ListCaptureFiles(dir_);
    ASSERT_TRUE(files.ok());
    files_ = *files;
    for (const std::string& f : files_) concatenated_ += ReadFile(f);
  }

  std::string dir_;
  std::string poly_raw_;
  std::string kalshi_raw_;
  int poly_frames_ = 0;
  int kalshi_frames_ = 0;
  std::vector<std::string> files_;
  std::string concatenated_;
};

TEST_F(CaptureReplayTest, CaptureGivesTheSameBooksAsTheRawFrames) {
  for (const Venue venue : {Venue::kPolymarket, Venue::kKalshi}) {
    const ReplayRun raw = Replay(venue, venue == Venue::kKalshi ? kalshi_raw_ : poly_raw_);
    // Autodetected from the header, and forced with --capture.
    for (const bool force : {false, true}) {
      const ReplayRun cap = Replay(venue, concatenated_, force);
      EXPECT_EQ(cap.exit_code, arborctl::kExitOk) << cap.err;
      EXPECT_EQ(cap.out, raw.out) << VenueName(venue);
      EXPECT_FALSE(cap.out.empty());
      EXPECT_EQ(cap.stats.lines, raw.stats.lines);
      EXPECT_EQ(cap.stats.applied, raw.stats.applied);
      EXPECT_EQ(cap.stats.malformed, raw.stats.malformed);
      EXPECT_EQ(cap.stats.unknown, raw.stats.unknown);
      EXPECT_EQ(cap.stats.rejected, raw.stats.rejected);
      EXPECT_EQ(cap.stats.other_venue, venue == Venue::kKalshi ? poly_frames_ : kalshi_frames_);
      EXPECT_THAT(cap.err, HasSubstr("capture records of other venues skipped"));
    }
  }
  // The existing fixture's expected books, to tie the comparison to known-good output.
  EXPECT_EQ(Replay(Venue::kKalshi, concatenated_).out,
            ReadFile(std::string(ARBOR_TEST_DATA_DIR) + "/arborctl/kalshi_expected.json"));
}

TEST_F(CaptureReplayTest, DirectoryOfFilesReplaysInOrder) {
  std::vector<std::unique_ptr<std::ifstream>> streams;
  std::vector<std::istream*> inputs;
  for (const std::string& f : files_) {
    streams.push_back(std::make_unique<std::ifstream>(f, std::ios::binary));
    inputs.push_back(streams.back().get());
  }
  arborctl::BookReplayOptions options;
  options.venue = Venue::kPolymarket;
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(arborctl::RunBookReplayInputs(options, files_, inputs, out, err), arborctl::kExitOk);
  EXPECT_EQ(out.str(), Replay(Venue::kPolymarket, poly_raw_).out);
  // Malformed fixture frames are reported with the file that holds them.
  EXPECT_THAT(err.str(), HasSubstr(dir_ + "/capture-"));
  EXPECT_EQ(arborctl::BookReplayMain({"--venue", "kalshi", dir_}), arborctl::kExitOk);
}

TEST_F(CaptureReplayTest, CaptureErrorsAreReported) {
  // --capture on raw frames is a usage error.
  EXPECT_EQ(Replay(Venue::kKalshi, kalshi_raw_, true).exit_code, arborctl::kExitUsage);
  EXPECT_EQ(Replay(Venue::kKalshi, "", true).exit_code, arborctl::kExitUsage);
  // An unsupported version is a usage error that names the version.
  const ReplayRun v2 = Replay(Venue::kKalshi, "{\"arbor_capture\":2}\n");
  EXPECT_EQ(v2.exit_code, arborctl::kExitUsage);
  EXPECT_THAT(v2.err, HasSubstr("unsupported capture format version 2"));
  // A corrupt capture record is a malformed line (line 2), fatal only with --strict.
  const std::string corrupt =
      "{\"arbor_capture\":1}\n{\"t\":1,\"v\":\"kalshi\",\"c\":1,\"f\":\"unterminated\n";
  const ReplayRun lenient = Replay(Venue::kKalshi, corrupt);
  EXPECT_EQ(lenient.exit_code, arborctl::kExitOk);
  EXPECT_EQ(lenient.stats.malformed, 1);
  EXPECT_THAT(lenient.err, HasSubstr("line 2: malformed: capture record: unterminated string"));
  arborctl::BookReplayOptions strict;
  strict.venue = Venue::kKalshi;
  strict.strict = true;
  std::istringstream in(corrupt);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(arborctl::RunBookReplay(strict, in, out, err), arborctl::kExitMalformedStrict);
}

}  // namespace
}  // namespace arbor::feed
