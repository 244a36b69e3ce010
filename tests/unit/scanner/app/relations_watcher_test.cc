// RelationsWatcher: silent while the file is unchanged, parses each new version once, reports a
// bad or missing file without retrying it until it changes again.
#include "arbor/scanner/relations_watcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace arbor::scanner {
namespace {

std::string RelationsJson(int count) {
  std::string out = R"({"version": 1, "relations": [)";
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ",";
    out += R"({"id": "r)" + std::to_string(i) + R"(", "kind": "implies", "a": {"market_id": "m)" +
           std::to_string(i) + R"("}, "b": {"market_id": "n)" + std::to_string(i) +
           R"("}, "confidence": 0.95})";
  }
  return out + "]}";
}

class RelationsWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/arbor_relations_watch_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/relations.json";
  }
  void TearDown() override {
    std::remove(path_.c_str());
    std::remove((path_ + ".tmp").c_str());
    rmdir(dir_.c_str());
  }
  // Written beside, then renamed over: a new inode, as an atomic replace is.
  void Replace(const std::string& contents) {
    {
      std::ofstream out(path_ + ".tmp");
      out << contents;
    }
    ASSERT_EQ(std::rename((path_ + ".tmp").c_str(), path_.c_str()), 0);
  }
  std::string dir_, path_;
};

TEST_F(RelationsWatcherTest, EachChangeIsParsedOnceAndBadVersionsAreReportedOnce) {
  Replace(RelationsJson(1));
  RelationsWatcher watch(path_);
  EXPECT_FALSE(watch.Poll().has_value()) << "the file as started with counts as seen";

  Replace(RelationsJson(2));
  auto changed = watch.Poll();
  ASSERT_TRUE(changed.has_value());
  ASSERT_TRUE(changed->ok()) << changed->status();
  EXPECT_EQ((*changed)->size(), 2u);
  EXPECT_EQ((*changed)->at(1).id, "r1");
  EXPECT_FALSE(watch.Poll().has_value());

  // A half-written file fails strict parsing: reported once, not re-read while unchanged.
  Replace(R"({"version": 1, "relations": [{"id": "r0", "kind": "impl)");
  auto bad = watch.Poll();
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status().code(), absl::StatusCode::kInvalidArgument) << bad->status();
  EXPECT_FALSE(watch.Poll().has_value());

  ASSERT_EQ(std::remove(path_.c_str()), 0);
  auto missing = watch.Poll();
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->ok());
  EXPECT_FALSE(watch.Poll().has_value());

  Replace(RelationsJson(3));
  auto back = watch.Poll();
  ASSERT_TRUE(back.has_value());
  ASSERT_TRUE(back->ok()) << back->status();
  EXPECT_EQ((*back)->size(), 3u);
}

}  // namespace
}  // namespace arbor::scanner
