#include "arbor/feed/capture.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

using ::testing::HasSubstr;

std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "capture_XXXXXX";
  const char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

CaptureWriterOptions Options(const std::string& dir) {
  CaptureWriterOptions o;
  o.directory = dir;
  o.shard = "shard-\"7\"";
  o.host = "host\\1";
  return o;
}

struct Frame {
  Venue venue;
  uint64_t connection;
  int64_t t;
  std::string frame;
};

std::vector<Frame> ReadAll(const std::string& path, CaptureReaderStats* stats = nullptr) {
  absl::StatusOr<std::unique_ptr<CaptureReader>> reader = CaptureReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  std::vector<Frame> out;
  if (!reader.ok()) return out;
  CaptureRecord r;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&r);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    out.push_back(Frame{r.venue, r.connection_id, r.recv_unix_ns, std::string(r.frame)});
  }
  if (stats != nullptr) *stats = (*reader)->stats();
  return out;
}

bool operator==(const Frame& a, const Frame& b) {
  return a.venue == b.venue && a.connection == b.connection && a.t == b.t && a.frame == b.frame;
}

TEST(CaptureTest, TrickyFramesRoundTripThroughWriterAndReader) {
  const std::string dir = MakeTempDir();
  SimulatedClock clock;
  std::string control;
  for (int c = 0; c < 0x20; ++c) control.push_back(static_cast<char>(c));
  control.push_back('\x7f');
  const std::vector<Frame> frames = {
      {Venue::kPolymarket, 1, 1'700'000'000'000'000'001, R"({"a":"q\"uote"})"},
      {Venue::kKalshi, 2, 2, R"(back\slash \\ \" \u0041)"},
      {Venue::kKalshi, 3, -3, "multi\nline\r\nframe\n"},
      {Venue::kPolymarket, ~uint64_t{0}, 4, "unicode: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {Venue::kPolymarket, 0, 5, control},
      {Venue::kKalshi, 6, 6, ""},
      {Venue::kKalshi, 7, 7, "invalid utf-8 \xff\xfe kept"},
      {Venue::kPolymarket, 8, 8, std::string(1 << 20, 'x') + "\"end\""},
  };
  {
    absl::StatusOr<std::unique_ptr<CaptureWriter>> w = CaptureWriter::Open(Options(dir), clock);
    ASSERT_TRUE(w.ok()) << w.status();
    for (const Frame& f : frames) {
      ASSERT_TRUE((*w)->Append(f.venue, f.connection, f.t, f.frame).ok());
    }
    ASSERT_TRUE((*w)->Close().ok());
    EXPECT_EQ((*w)->stats().frames, static_cast<int64_t>(frames.size()));
    EXPECT_EQ((*w)->stats().files, 1);
    EXPECT_EQ((*w)->stats().write_errors, 0);
  }
  CaptureReaderStats stats;
  const std::vector<Frame> back = ReadAll(dir, &stats);
  ASSERT_EQ(back.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) EXPECT_TRUE(back[i] == frames[i]) << "frame " << i;
  EXPECT_EQ(stats.malformed, 0);
  EXPECT_EQ(stats.files, 1);

  // One physical line per frame plus the header: escaping removed every raw newline.
  const absl::StatusOr<std::vector<std::string>> files = ListCaptureFiles(dir);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  const std::string content = ReadFile(files->front());
  EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), static_cast<long>(frames.size() + 1));
  EXPECT_EQ(content.rfind("{\"arbor_capture\":1,\"created_ns\":1700000000000000000,"
                          "\"shard\":\"shard-\\\"7\\\"\",\"host\":\"host\\\\1\"}\n",
                          0),
            0u);
  EXPECT_THAT(files->front(), HasSubstr("/capture-20231114T221320.000000000Z-000001.jsonl"));
}

TEST(CaptureTest, RecordLineHasTheDocumentedShape) {
  std::string line;
  AppendCaptureRecordLine(&line, CaptureRecord{42, Venue::kKalshi, 9, "{\"a\":1}\n"});
  EXPECT_EQ(line, "{\"t\":42,\"v\":\"kalshi\",\"c\":9,\"f\":\"{\\\"a\\\":1}\\n\"}\n");
}

TEST(CaptureTest, ParserAcceptsValidJsonTheWriterDoesNotEmit) {
  struct Case {
    std::string line;
    std::string frame;
  };
  const std::vector<Case> cases = {
      {R"({"t":1,"v":"kalshi","c":2,"f":"\u00e9\/\b\f"})", "\xc3\xa9/\b\f"},
      {R"({"t":1,"v":"kalshi","c":2,"f":"\ud83d\ude00"})", "\xf0\x9f\x98\x80"},
      {R"( { "f" : "x" , "c" : 2 , "v" : "kalshi" , "t" : 1 , "new" : [1] } )", ""},
      {R"({"f":"x","c":2,"v":"kalshi","t":1,"new":null,"n2":-1.5e3,"n3":"s"})", "x"},
  };
  for (const Case& c : cases) {
    CaptureRecord r;
    std::string buf;
    const absl::Status s = ParseCaptureRecordLine(c.line, &r, &buf);
    if (c.line.find('[') != std::string::npos) {
      // Nested values are not part of version 1.
      EXPECT_FALSE(s.ok()) << c.line;
      continue;
    }
    ASSERT_TRUE(s.ok()) << c.line << ": " << s;
    EXPECT_EQ(r.frame, c.frame) << c.line;
    EXPECT_EQ(r.recv_unix_ns, 1);
    EXPECT_EQ(r.connection_id, 2u);
    EXPECT_EQ(r.venue, Venue::kKalshi);
  }
}

TEST(CaptureTest, MalformedRecordLinesAreRejectedWithAReason) {
  struct Case {
    std::string line;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"", "expected '{'"},
      {R"({"t":1,"v":"kalshi","c":2})", "missing field \"f\""},
      {R"({"t":1,"v":"kalshi","f":"x"})", "missing field \"c\""},
      {R"({"t":1,"t":2,"v":"kalshi","c":2,"f":"x"})", "duplicate key \"t\""},
      {R"({"t":1,"v":"nyse","c":2,"f":"x"})", "unknown venue \"nyse\""},
      {R"({"t":1,"v":"kalshi","c":-2,"f":"x"})", "negative integer"},
      {R"({"t":1.5,"v":"kalshi","c":2,"f":"x"})", "fraction or exponent"},
      {R"({"t":99999999999999999999,"v":"kalshi","c":2,"f":"x"})", "overflow"},
      {R"({"t":9223372036854775808,"v":"kalshi","c":2,"f":"x"})", "int64 range"},
      {R"({"t":01,"v":"kalshi","c":2,"f":"x"})", "leading zero"},
      {R"({"t":1,"v":"kalshi","c":2,"f":"x)", "unterminated string"},
      {R"({"t":1,"v":"kalshi","c":2,"f":"\q"})", "invalid escape"},
      {R"({"t":1,"v":"kalshi","c":2,"f":"\ud800"})", "unpaired high surrogate"},
      {R"({"t":1,"v":"kalshi","c":2,"f":"\udc00"})", "unpaired low surrogate"},
      {R"({"t":1,"v":"kalshi","c":2,"f":"\u12g4"})", "bad hex digit"},
      {"{\"t\":1,\"v\":\"kalshi\",\"c\":2,\"f\":\"a\tb\"}", "raw control character"},
      {R"({"t":1,"v":"kalshi","c":2,"f":"x"} junk)", "trailing characters"},
      {R"({"t":1 "v":"kalshi"})", "expected ',' or '}'"},
  };
  for (const Case& c : cases) {
    CaptureRecord r;
    std::string buf;
    const absl::Status s = ParseCaptureRecordLine(c.line, &r, &buf);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.line;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.reason)) << c.line;
  }
}

TEST(CaptureTest, HeaderVersionIsChecked) {
  const absl::StatusOr<CaptureHeader> ok =
      ParseCaptureHeaderLine(R"({"arbor_capture":1,"created_ns":5,"shard":"a","host":"b"})");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->created_ns, 5);
  EXPECT_EQ(ok->shard, "a");
  EXPECT_EQ(ok->host, "b");

  const absl::StatusOr<CaptureHeader> v2 = ParseCaptureHeaderLine(R"({"arbor_capture":2})");
  EXPECT_EQ(v2.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(v2.status().message()),
              HasSubstr("unsupported capture format version 2"));
  EXPECT_EQ(ParseCaptureHeaderLine(R"({"created_ns":5})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(LooksLikeCaptureHeader(R"({"arbor_capture":1})"));
  EXPECT_FALSE(LooksLikeCaptureHeader(R"({"type":"snapshot"})"));
}

TEST(CaptureTest, ReaderRejectsUnknownVersionAndNonCaptureFiles) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/v2.jsonl", "{\"arbor_capture\":2,\"created_ns\":1}\n{\"t\":1}\n");
  WriteFile(dir + "/raw.jsonl", "{\"type\":\"orderbook_snapshot\"}\n");
  WriteFile(dir + "/empty.jsonl", "\n\n");
  struct Case {
    std::string file;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{{"v2.jsonl", "unsupported capture format version 2"},
                                         {"raw.jsonl", "raw.jsonl:1: not a readable"},
                                         {"empty.jsonl", "no capture header"}}) {
    absl::StatusOr<std::unique_ptr<CaptureReader>> reader = CaptureReader::Open(dir + "/" + c.file);
    ASSERT_TRUE(reader.ok());
    CaptureRecord r;
    const absl::StatusOr<bool> next = (*reader)->Next(&r);
    EXPECT_EQ(next.status().code(), absl::StatusCode::kFailedPrecondition) << c.file;
    EXPECT_THAT(std::string(next.status().message()), HasSubstr(c.message));
  }
  EXPECT_EQ(CaptureReader::Open(dir + "/missing").status().code(), absl::StatusCode::kNotFound);
  // A directory without capture-*.jsonl files.
  EXPECT_EQ(CaptureReader::Open(dir).status().code(), absl::StatusCode::kNotFound);
}

TEST(CaptureTest, CorruptLinesAreSkippedAndCountedOrFatalInStrictMode) {
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/capture-x.jsonl";
  WriteFile(path,
            "{\"arbor_capture\":1,\"created_ns\":1,\"shard\":\"s\",\"host\":\"h\"}\n"
            "{\"t\":1,\"v\":\"kalshi\",\"c\":1,\"f\":\"a\"}\n"
            "{\"t\":2,\"v\":\"kalshi\",\"c\":1,\"f\":\"trunc\n"
            "\n"
            "{\"t\":3,\"v\":\"kalshi\",\"c\":1,\"f\":\"c\"}\r\n");
  {
    absl::StatusOr<std::unique_ptr<CaptureReader>> reader = CaptureReader::Open(path);
    ASSERT_TRUE(reader.ok());
    std::vector<std::string> frames;
    CaptureRecord r;
    while (true) {
      const absl::StatusOr<bool> next = (*reader)->Next(&r);
      ASSERT_TRUE(next.ok()) << next.status();
      if (!*next) break;
      frames.emplace_back(r.frame);
    }
    EXPECT_EQ(frames, (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ((*reader)->stats().malformed, 1);
    EXPECT_EQ((*reader)->stats().records, 2);
    ASSERT_EQ((*reader)->malformed_lines().size(), 1u);
    EXPECT_EQ((*reader)->malformed_lines()[0].line, 3);
    EXPECT_EQ((*reader)->malformed_lines()[0].file, path);
    EXPECT_THAT((*reader)->malformed_lines()[0].reason, HasSubstr("unterminated string"));
  }
  {
    absl::StatusOr<std::unique_ptr<CaptureReader>> reader =
        CaptureReader::Open(path, CaptureReaderOptions{.strict = true});
    ASSERT_TRUE(reader.ok());
    CaptureRecord r;
    ASSERT_TRUE((*reader)->Next(&r).ok());
    const absl::StatusOr<bool> next = (*reader)->Next(&r);
    EXPECT_EQ(next.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(next.status().message()), HasSubstr("capture-x.jsonl:3: "));
  }
}

TEST(CaptureTest, SizeRotationProducesSeveralFilesReadBackInOrder) {
  const std::string dir = MakeTempDir();
  SimulatedClock clock;
  CaptureWriterOptions o = Options(dir);
  o.max_file_bytes = 1000;
  o.flush_bytes = 100;
  o.max_file_age = absl::ZeroDuration();
  o.fsync = true;
  std::vector<Frame> frames;
  {
    absl::StatusOr<std::unique_ptr<CaptureWriter>> w = CaptureWriter::Open(o, clock);
    ASSERT_TRUE(w.ok()) << w.status();
    for (int i = 0; i < 100; ++i) {
      Frame f{i % 2 == 0 ? Venue::kKalshi : Venue::kPolymarket, static_cast<uint64_t>(i % 3),
              1000 + i, "frame number " + std::to_string(i)};
      // A frame larger than the limit still goes into a file of its own.
      if (i == 50) f.frame = std::string(3000, 'y');
      ASSERT_TRUE((*w)->Append(f.venue, f.connection, f.t, f.frame).ok());
      frames.push_back(f);
      // Files created in the same nanosecond are ordered by their sequence number.
      if (i % 7 == 0) clock.Advance(absl::Nanoseconds(1));
    }
    ASSERT_TRUE((*w)->Close().ok());
    EXPECT_GE((*w)->stats().files, 5);
  }
  const absl::StatusOr<std::vector<std::string>> files = ListCaptureFiles(dir);
  ASSERT_TRUE(files.ok());
  EXPECT_GE(files->size(), 5u);
  for (const std::string& f : *files) {
    const std::string content = ReadFile(f);
    EXPECT_TRUE(LooksLikeCaptureHeader(content)) << f;
    if (content.find("yyyy") == std::string::npos) {
      EXPECT_LE(content.size(), 1000u) << f;
    }
  }
  CaptureReaderStats stats;
  const std::vector<Frame> back = ReadAll(dir, &stats);
  ASSERT_EQ(back.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) EXPECT_TRUE(back[i] == frames[i]) << "frame " << i;
  EXPECT_EQ(stats.files, static_cast<int64_t>(files->size()));
}

TEST(CaptureTest, AgeRotationStartsANewFileAtTheFirstFrameAfterTheLimit) {
  const std::string dir = MakeTempDir();
  SimulatedClock clock;
  CaptureWriterOptions o = Options(dir);
  o.max_file_bytes = 0;
  o.max_file_age = absl::Minutes(10);
  absl::StatusOr<std::unique_ptr<CaptureWriter>> w = CaptureWriter::Open(o, clock);
  ASSERT_TRUE(w.ok());
  const std::string first = (*w)->current_path();
  ASSERT_TRUE((*w)->Append(Venue::kKalshi, 1, 1, "a").ok());
  clock.Advance(absl::Minutes(9));
  ASSERT_TRUE((*w)->Append(Venue::kKalshi, 1, 2, "b").ok());
  EXPECT_EQ((*w)->current_path(), first);
  clock.Advance(absl::Minutes(1));
  ASSERT_TRUE((*w)->Append(Venue::kKalshi, 1, 3, "c").ok());
  EXPECT_NE((*w)->current_path(), first);
  EXPECT_LT(first, (*w)->current_path());
  // Rotation flushed the first file completely.
  const std::string first_content = ReadFile(first);
  EXPECT_EQ(std::count(first_content.begin(), first_content.end(), '\n'), 3);
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ((*w)->stats().files, 2);
  EXPECT_EQ(ReadAll(dir).size(), 3u);
}

TEST(CaptureTest, FlushMakesBufferedFramesVisibleAndCloseRefusesLaterFrames) {
  const std::string dir = MakeTempDir();
  SimulatedClock clock;
  absl::StatusOr<std::unique_ptr<CaptureWriter>> w = CaptureWriter::Open(Options(dir), clock);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(Venue::kPolymarket, 1, 1, "a").ok());
  const std::string path = (*w)->current_path();
  EXPECT_EQ(ReadFile(path), "");  // buffered: below flush_bytes
  ASSERT_TRUE((*w)->Flush().ok());
  EXPECT_EQ(ReadAll(dir).size(), 1u);
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ((*w)->current_path(), "");
  EXPECT_EQ((*w)->Append(Venue::kPolymarket, 1, 2, "b").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*w)->stats().refused_frames, 1);
  EXPECT_EQ((*w)->stats().frames, 1);
}

TEST(CaptureTest, FailedRotationKeepsEveryAcceptedFrame) {
  const std::string dir = MakeTempDir();
  const std::string moved = dir + "-moved";
  SimulatedClock clock;
  CaptureWriterOptions o = Options(dir);
  o.max_file_bytes = 200;
  o.max_file_age = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<CaptureWriter>> w = CaptureWriter::Open(o, clock);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(Venue::kKalshi, 1, 1, std::string(100, 'a')).ok());
  // The directory disappears: the next file cannot be created, so rotation fails.
  ASSERT_EQ(std::rename(dir.c_str(), moved.c_str()), 0);
  // The frame is still accepted, into the current file.
  ASSERT_TRUE((*w)->Append(Venue::kKalshi, 1, 2, std::string(100, 'b')).ok());
  EXPECT_EQ((*w)->stats().write_errors, 1);
  EXPECT_EQ((*w)->stats().files, 1);
  ASSERT_EQ(std::rename(moved.c_str(), dir.c_str()), 0);
  ASSERT_TRUE((*w)->Append(Venue::kKalshi, 1, 3, "c").ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ((*w)->stats().refused_frames, 0);
  EXPECT_EQ((*w)->stats().files, 2);
  const std::vector<Frame> back = ReadAll(dir);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].t, 1);
  EXPECT_EQ(back[1].frame, std::string(100, 'b'));
  EXPECT_EQ(back[2].t, 3);
}

TEST(CaptureTest, OpenRejectsBadOptions) {
  SimulatedClock clock;
  EXPECT_EQ(CaptureWriter::Open(CaptureWriterOptions{}, clock).status().code(),
            absl::StatusCode::kInvalidArgument);
  CaptureWriterOptions o = Options("/nonexistent/dir");
  EXPECT_EQ(CaptureWriter::Open(o, clock).status().code(), absl::StatusCode::kUnavailable);
  o = Options(MakeTempDir());
  o.max_file_bytes = -1;
  EXPECT_EQ(CaptureWriter::Open(o, clock).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CatalogSnapshotTest, WrittenAtomicallyAndListedOldestFirstIgnoringOtherFiles) {
  const std::string dir = MakeTempDir();
  EXPECT_EQ(CatalogSnapshotFileName(42), "catalog-0000000000000000042.json");
  ASSERT_TRUE(WriteCatalogSnapshot(dir, 2'000'000'000'000'000'000, "{\"markets\":[2]}").ok());
  ASSERT_TRUE(WriteCatalogSnapshot(dir, 1'000'000'000'000'000'000, "{\"markets\":[1]}").ok());
  WriteFile(dir + "/catalog-notanumber0000000000.json", "x");
  WriteFile(dir + "/capture-x.jsonl", "x");
  const absl::StatusOr<std::vector<CatalogSnapshotFile>> files = ListCatalogSnapshots(dir);
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].unix_nanos, 1'000'000'000'000'000'000);
  EXPECT_EQ(ReadFile((*files)[0].path), "{\"markets\":[1]}");
  EXPECT_EQ((*files)[1].unix_nanos, 2'000'000'000'000'000'000);
  // No temporary file is left behind.
  std::ifstream tmp((*files)[1].path + ".tmp");
  EXPECT_FALSE(tmp.good());
  EXPECT_EQ(WriteCatalogSnapshot(dir, -1, "{}").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteCatalogSnapshot(dir + "/missing", 1, "{}").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ListCatalogSnapshots(dir + "/missing").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace arbor::feed
