// CalibrationTable: Wilson interval against hand values, normal quantile, bucketing edges,
// isotonic (PAV) pooling, JSON round trip, strict loading of malformed files, atomic save.
#include "arbor/quant/calibration.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quant_test_util.h"

namespace arbor::quant {
namespace {

using ::arbor::quant::testing::P;
using ::testing::HasSubstr;

// A fresh directory per test under TEST_TMPDIR / the gtest temp dir.
std::string TempDir(const std::string& name) {
  std::string dir = absl::StrCat(::testing::TempDir(), "calib_", name, "_", getpid());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

CalibrationTable Default() {
  absl::StatusOr<CalibrationTable> t = CalibrationTable::Create();
  EXPECT_TRUE(t.ok()) << t.status();
  return *std::move(t);
}

void ObserveN(CalibrationTable& t, const char* price, absl::Duration tte, int wins, int losses) {
  for (int i = 0; i < wins; ++i) ASSERT_TRUE(t.Observe(P(price), tte, true).ok());
  for (int i = 0; i < losses; ++i) ASSERT_TRUE(t.Observe(P(price), tte, false).ok());
}

TEST(NormalQuantileTest, HandValues) {
  EXPECT_NEAR(*NormalQuantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(*NormalQuantile(0.95), 1.6448536269514715, 1e-12);
  EXPECT_NEAR(*NormalQuantile(0.995), 2.5758293035489, 1e-12);
  EXPECT_NEAR(*NormalQuantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(*NormalQuantile(0.01), -2.3263478740408408, 1e-12);  // tail branch
  EXPECT_FALSE(NormalQuantile(0.0).ok());
  EXPECT_FALSE(NormalQuantile(1.0).ok());
}

// Hand values (Wilson 1927 formula, z = 1.959964 for 95 %, 1.644854 for 90 %).
TEST(WilsonTest, HandValues) {
  WilsonInterval w = *WilsonScoreInterval(8, 10, 0.95);
  EXPECT_NEAR(w.low, 0.49016247153664183, 1e-9);
  EXPECT_NEAR(w.high, 0.9433178485456247, 1e-9);
  w = *WilsonScoreInterval(45, 50, 0.90);
  EXPECT_NEAR(w.low, 0.8084624858484292, 1e-9);
  EXPECT_NEAR(w.high, 0.9504709655225548, 1e-9);
  // All losses / all wins: one bound exactly at the edge.
  w = *WilsonScoreInterval(0, 10, 0.95);
  EXPECT_NEAR(w.low, 0.0, 1e-12);
  EXPECT_NEAR(w.high, 0.27753279986288915, 1e-9);
  w = *WilsonScoreInterval(10, 10, 0.95);
  EXPECT_NEAR(w.low, 0.7224672001371109, 1e-9);
  EXPECT_NEAR(w.high, 1.0, 1e-12);
  // No data: the whole range.
  w = *WilsonScoreInterval(0, 0, 0.95);
  EXPECT_EQ(w.low, 0.0);
  EXPECT_EQ(w.high, 1.0);
}

TEST(WilsonTest, InvalidInputs) {
  EXPECT_FALSE(WilsonScoreInterval(11, 10, 0.95).ok());
  EXPECT_FALSE(WilsonScoreInterval(-1, 10, 0.95).ok());
  EXPECT_FALSE(WilsonScoreInterval(1, -1, 0.95).ok());
  EXPECT_FALSE(WilsonScoreInterval(5, 10, 1.0).ok());
  EXPECT_FALSE(WilsonScoreInterval(5, 10, 0.0).ok());
}

TEST(CalibrationTableTest, CreateRejectsBadBands) {
  CalibrationBands b;
  b.price_edges = {P("0.8"), P("0.7")};
  EXPECT_EQ(CalibrationTable::Create(b).status().code(), absl::StatusCode::kInvalidArgument);
  b = {};
  b.price_edges = {P("0.8"), P("1.01")};
  EXPECT_FALSE(CalibrationTable::Create(b).ok());
  b = {};
  b.price_edges = {P("0.8")};
  EXPECT_FALSE(CalibrationTable::Create(b).ok());
  b = {};
  b.time_edges = {absl::ZeroDuration(), absl::Milliseconds(1500)};
  EXPECT_FALSE(CalibrationTable::Create(b).ok());
  b = {};
  b.time_edges = {absl::Seconds(-1), absl::Seconds(10)};
  EXPECT_FALSE(CalibrationTable::Create(b).ok());
}

TEST(CalibrationTableTest, BucketEdges) {
  CalibrationTable t = Default();
  EXPECT_EQ(t.price_bands(), 6);
  EXPECT_EQ(t.time_bands(), 3);
  using B = std::pair<int, int>;
  EXPECT_EQ(t.BucketOf(P("0.70"), absl::ZeroDuration()), B(0, 0));
  EXPECT_EQ(t.BucketOf(P("0.749999"), absl::Minutes(14)), B(0, 0));
  EXPECT_EQ(t.BucketOf(P("0.75"), absl::Minutes(15)), B(1, 1));
  EXPECT_EQ(t.BucketOf(P("0.95"), absl::Hours(1)), B(5, 2));
  // The last band is closed on the right.
  EXPECT_EQ(t.BucketOf(P("0.99"), absl::Hours(4)), B(5, 2));
  EXPECT_EQ(t.BucketOf(P("0.699999"), absl::Minutes(1)), std::nullopt);
  EXPECT_EQ(t.BucketOf(P("0.991"), absl::Minutes(1)), std::nullopt);
  EXPECT_EQ(t.BucketOf(P("0.80"), absl::Hours(4) + absl::Nanoseconds(1)), std::nullopt);
  EXPECT_EQ(t.BucketOf(P("0.80"), absl::Nanoseconds(-1)), std::nullopt);
  EXPECT_EQ(t.Observe(P("0.5"), absl::Minutes(1), true).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(t.Estimate(P("0.5"), absl::Minutes(1)).status().code(), absl::StatusCode::kNotFound);
}

TEST(CalibrationTableTest, RawEstimateAndInterval) {
  CalibrationTable t = Default();
  ObserveN(t, "0.91", absl::Minutes(30), 8, 2);
  EXPECT_EQ(t.total_samples(), 10);
  EXPECT_EQ(t.cell(4, 1).samples, 10);
  EXPECT_EQ(t.cell(4, 1).wins, 8);
  CalibrationEstimate e = *t.Estimate(P("0.94"), absl::Minutes(50), {.isotonic = false});
  EXPECT_EQ(e.price_band, 4);
  EXPECT_EQ(e.time_band, 1);
  EXPECT_EQ(e.samples, 10);
  EXPECT_EQ(e.wins, 8);
  EXPECT_DOUBLE_EQ(e.raw_win_rate, 0.8);
  EXPECT_DOUBLE_EQ(e.win_rate, 0.8);
  EXPECT_NEAR(e.ci_low, 0.49016247153664183, 1e-9);
  EXPECT_NEAR(e.ci_high, 0.9433178485456247, 1e-9);
  EXPECT_EQ(e.level, 0.95);
  // Another time band of the same price band is empty.
  e = *t.Estimate(P("0.94"), absl::Minutes(5));
  EXPECT_EQ(e.samples, 0);
  EXPECT_EQ(e.win_rate, 0.0);
  EXPECT_EQ(e.ci_low, 0.0);
  EXPECT_EQ(e.ci_high, 1.0);
  EXPECT_FALSE(t.Estimate(P("0.94"), absl::Minutes(5), {.level = 1.5}).ok());
}

// PAV: a violating pair of price bands is pooled (weighted by samples); the result is
// non-decreasing in price; a conforming band stays alone; other time bands are unaffected.
TEST(CalibrationTableTest, IsotonicPoolsViolators) {
  CalibrationTable t = Default();
  const absl::Duration tte = absl::Minutes(30);
  ObserveN(t, "0.72", tte, 7, 3);   // band 0: 0.70
  ObserveN(t, "0.77", tte, 18, 2);  // band 1: 0.90  } violate: pooled (18+12)/(20+20) = 0.75
  ObserveN(t, "0.82", tte, 12, 8);  // band 2: 0.60  }
  ObserveN(t, "0.87", tte, 19, 1);  // band 3: 0.95
  ObserveN(t, "0.72", absl::Minutes(5), 1, 9);  // other time band: 0.10, untouched

  const char* prices[] = {"0.72", "0.77", "0.82", "0.87"};
  double prev = 0;
  for (const char* p : prices) {
    CalibrationEstimate e = *t.Estimate(P(p), tte);
    EXPECT_GE(e.win_rate, prev) << p;
    prev = e.win_rate;
  }
  CalibrationEstimate e1 = *t.Estimate(P("0.77"), tte);
  CalibrationEstimate e2 = *t.Estimate(P("0.82"), tte);
  EXPECT_DOUBLE_EQ(e1.win_rate, 0.75);
  EXPECT_DOUBLE_EQ(e2.win_rate, 0.75);
  EXPECT_EQ(e1.pooled_samples, 40);
  EXPECT_EQ(e1.pooled_wins, 30);
  EXPECT_EQ(e1.samples, 20);  // the bucket's own counts stay visible
  EXPECT_DOUBLE_EQ(e1.raw_win_rate, 0.9);
  const WilsonInterval w = *WilsonScoreInterval(30, 40, 0.95);
  EXPECT_DOUBLE_EQ(e1.ci_low, w.low);
  EXPECT_DOUBLE_EQ(e1.ci_high, w.high);
  EXPECT_DOUBLE_EQ(t.Estimate(P("0.72"), tte)->win_rate, 0.7);
  EXPECT_DOUBLE_EQ(t.Estimate(P("0.87"), tte)->win_rate, 0.95);
  EXPECT_DOUBLE_EQ(t.Estimate(P("0.72"), absl::Minutes(5))->win_rate, 0.1);
  // Without isotonic, the raw rates.
  EXPECT_DOUBLE_EQ(t.Estimate(P("0.82"), tte, {.isotonic = false})->win_rate, 0.6);
}

// A violation that cascades: pooling the last two makes the pool violate the band before.
TEST(CalibrationTableTest, IsotonicCascades) {
  CalibrationTable t = Default();
  const absl::Duration tte = absl::Hours(2);
  ObserveN(t, "0.72", tte, 8, 2);  // 0.8
  ObserveN(t, "0.77", tte, 9, 1);  // 0.9
  ObserveN(t, "0.82", tte, 5, 5);  // 0.5 -> pool(0.9, 0.5) = 0.7 < 0.8 -> pool all = 22/30
  for (const char* p : {"0.72", "0.77", "0.82"}) {
    CalibrationEstimate e = *t.Estimate(P(p), tte);
    EXPECT_EQ(e.pooled_samples, 30) << p;
    EXPECT_EQ(e.pooled_wins, 22) << p;
  }
  // An empty band in between does not break the order.
  ObserveN(t, "0.96", tte, 1, 0);  // band 5: 1.0, band 3/4 empty
  EXPECT_EQ(t.Estimate(P("0.96"), tte)->pooled_samples, 1);
  EXPECT_EQ(t.Estimate(P("0.87"), tte)->samples, 0);
}

TEST(CalibrationTableTest, JsonRoundTrip) {
  CalibrationBands bands;
  bands.price_edges = {P("0.6"), P("0.8"), P("0.995")};
  bands.time_edges = {absl::ZeroDuration(), absl::Seconds(600), absl::Hours(2)};
  CalibrationTable t = *CalibrationTable::Create(bands);
  ObserveN(t, "0.65", absl::Seconds(599), 3, 1);
  ObserveN(t, "0.995", absl::Hours(2), 2, 0);
  const std::string json = t.ToJson();
  EXPECT_EQ(json,
            "{\"format\":\"arbor.calibration\",\"version\":1,"
            "\"price_edges\":[\"0.6\",\"0.8\",\"0.995\"],"
            "\"time_edges_seconds\":[0,600,7200],"
            "\"cells\":[{\"price_band\":0,\"time_band\":0,\"samples\":4,\"wins\":3},"
            "{\"price_band\":1,\"time_band\":1,\"samples\":2,\"wins\":2}]}\n");
  absl::StatusOr<CalibrationTable> back = CalibrationTable::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->bands().price_edges, bands.price_edges);
  EXPECT_EQ(back->bands().time_edges, bands.time_edges);
  for (int pb = 0; pb < 2; ++pb) {
    for (int tb = 0; tb < 2; ++tb) {
      EXPECT_EQ(back->cell(pb, tb).samples, t.cell(pb, tb).samples);
      EXPECT_EQ(back->cell(pb, tb).wins, t.cell(pb, tb).wins);
    }
  }
  EXPECT_EQ(back->ToJson(), json);
}

TEST(CalibrationTableTest, FromJsonIsStrict) {
  const std::string good =
      R"({"format":"arbor.calibration","version":1,"price_edges":["0.7","0.8"],)"
      R"("time_edges_seconds":[0,900],"cells":[{"price_band":0,"time_band":0,"samples":2,"wins":1}]})";
  ASSERT_TRUE(CalibrationTable::FromJson(good).ok());
  struct Bad {
    std::string json;
    const char* message;
  };
  const Bad cases[] = {
      {"{\"format\":", "malformed JSON"},
      {"[]", "expected an object"},
      {R"({"format":"other","version":1,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[]})",
       "format"},
      {R"({"format":"arbor.calibration","version":2,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[]})",
       "unsupported version 2"},
      {R"({"format":"arbor.calibration","price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[]})",
       "version: missing"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[],"x":1})",
       "unknown key"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":[0.7,0.8],"time_edges_seconds":[0,900],"cells":[]})",
       "decimal strings"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":["0.8","0.7"],"time_edges_seconds":[0,900],"cells":[]})",
       "strictly increasing"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[{"price_band":1,"time_band":0,"samples":2,"wins":1}]})",
       "out of range"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[{"price_band":0,"time_band":0,"samples":2,"wins":3}]})",
       "wins > samples"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[{"price_band":0,"time_band":0,"samples":-2,"wins":0}]})",
       "negative"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[{"price_band":0,"time_band":0,"samples":2}]})",
       "wins missing"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[{"price_band":0,"time_band":0,"samples":2,"wins":1},{"price_band":0,"time_band":0,"samples":2,"wins":1}]})",
       "twice"},
      {R"({"format":"arbor.calibration","version":1,"price_edges":["0.7","0.8"],"time_edges_seconds":[0,900],"cells":[{"price_band":0,"time_band":0,"samples":"2","wins":1}]})",
       "expected an integer"},
  };
  for (const Bad& b : cases) {
    absl::StatusOr<CalibrationTable> t = CalibrationTable::FromJson(b.json);
    ASSERT_FALSE(t.ok()) << b.json;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << b.json;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(b.message)) << b.json;
  }
}

TEST(CalibrationTableTest, SaveLoadRoundTrip) {
  const std::string dir = TempDir("roundtrip");
  const std::string path = dir + "/calibration.json";
  CalibrationTable t = Default();
  ObserveN(t, "0.91", absl::Minutes(30), 40, 3);
  ASSERT_TRUE(t.Save(path).ok());
  absl::StatusOr<CalibrationTable> back = CalibrationTable::Load(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), t.ToJson());
  EXPECT_EQ(back->cell(4, 1).samples, 43);
  // No temp file left behind.
  struct stat st;
  EXPECT_NE(::stat(absl::StrCat(path, ".tmp.", getpid()).c_str(), &st), 0);
  // Overwrite with a newer table.
  ObserveN(t, "0.91", absl::Minutes(30), 1, 0);
  ASSERT_TRUE(t.Save(path).ok());
  EXPECT_EQ(CalibrationTable::Load(path)->cell(4, 1).samples, 44);
}

TEST(CalibrationTableTest, LoadErrors) {
  const std::string dir = TempDir("load");
  EXPECT_EQ(CalibrationTable::Load(dir + "/missing.json").status().code(),
            absl::StatusCode::kNotFound);
  const std::string path = dir + "/corrupt.json";
  CalibrationTable t = Default();
  ObserveN(t, "0.91", absl::Minutes(30), 4, 1);
  ASSERT_TRUE(t.Save(path).ok());
  const std::string text = ReadFile(path);
  WriteFile(path, text.substr(0, text.size() / 2));  // truncated, as after a torn write
  absl::StatusOr<CalibrationTable> r = CalibrationTable::Load(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("malformed JSON"));
}

// A failing save (the temp file cannot be created: a directory occupies its name) reports the
// error and leaves the previous file byte-for-byte intact.
TEST(CalibrationTableTest, FailedSaveKeepsOldFile) {
  const std::string dir = TempDir("atomic");
  const std::string path = dir + "/calibration.json";
  CalibrationTable t = Default();
  ObserveN(t, "0.91", absl::Minutes(30), 4, 1);
  ASSERT_TRUE(t.Save(path).ok());
  const std::string before = ReadFile(path);

  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  ASSERT_EQ(::mkdir(tmp.c_str(), 0755), 0);
  ObserveN(t, "0.91", absl::Minutes(30), 10, 0);
  absl::Status s = t.Save(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(s.message()), HasSubstr("open temp file"));
  EXPECT_EQ(ReadFile(path), before);
  ::rmdir(tmp.c_str());

  // Into a directory that does not exist: an error, nothing created.
  EXPECT_FALSE(t.Save(dir + "/no/such/dir/calibration.json").ok());
}

}  // namespace
}  // namespace arbor::quant
