// `arborctl relations` in-process: infer on the fixture markets, check on the curated fixture,
// curate against the fake OpenAI-compatible server, and the usage / input errors and exit codes.
#include "relations_command.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "arbor/relations/relation_file.h"
#include "fake_openai.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::arborctl {
namespace {

using relations::testing::FakeOpenAi;
using ::testing::HasSubstr;

struct CmdRun {
  int code = -1;
  std::string out;
  std::string err;
};

CmdRun Relations(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  CmdRun r;
  r.code = RunRelationsCommand(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string Data(const std::string& name) {
  return std::string(ARBOR_TEST_DATA_DIR) + "/relations/" + name;
}

// A fresh temp directory per test, removed afterwards.
class RelationsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("arbor_relations_cmd_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream(Path(name), std::ios::binary) << content;
  }

  std::filesystem::path dir_;
};

TEST_F(RelationsCommandTest, InferWritesAValidRelationsFile) {
  CmdRun r = Relations({"infer", "--markets", Data("markets.json"), "--out", Path("out.json")});
  ASSERT_EQ(r.code, kRelationsExitOk) << r.err;
  EXPECT_THAT(r.err, HasSubstr("9 markets (8 yes/no)"));
  EXPECT_THAT(r.err, HasSubstr("2 relations"));
  absl::StatusOr<std::vector<relations::Relation>> rels =
      relations::ReadRelationsFile(Path("out.json"));
  ASSERT_TRUE(rels.ok()) << rels.status();
  ASSERT_EQ(rels->size(), 2u);
  for (const relations::Relation& rel : *rels) {
    EXPECT_EQ(rel.provenance, relations::Provenance::kInferred);
  }
  // To stdout, with NegRisk exclusions, the FILE as a positional.
  r = Relations({"infer", Data("markets.json"), "--negrisk", "--min-similarity", "0.6"});
  ASSERT_EQ(r.code, kRelationsExitOk) << r.err;
  rels = relations::ParseRelationsFile(r.out);
  ASSERT_TRUE(rels.ok()) << rels.status();
  EXPECT_EQ(rels->size(), 3u);
  EXPECT_THAT(r.out, HasSubstr("\"kind\":\"excludes\""));
}

TEST_F(RelationsCommandTest, CheckPrintsCounts) {
  CmdRun r = Relations({"check", Data("curated.json")});
  ASSERT_EQ(r.code, kRelationsExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("relations           4"));
  EXPECT_THAT(r.out, HasSubstr("tradable            3"));
  EXPECT_THAT(r.out, HasSubstr("clusters            3"));
  EXPECT_THAT(r.out, HasSubstr("implies         2"));
  EXPECT_THAT(r.out, HasSubstr("excludes        1"));
  EXPECT_THAT(r.out, HasSubstr("curated           3"));
  EXPECT_THAT(r.out, HasSubstr("llm_reviewed      1"));
  EXPECT_THAT(r.out, HasSubstr("high        3"));
  EXPECT_THAT(r.out, HasSubstr("medium      1"));
  r = Relations({"check", Data("curated.json"), "--floor", "0.5", "--max-cluster-markets", "1"});
  ASSERT_EQ(r.code, kRelationsExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tradable            4"));
  EXPECT_THAT(r.out, HasSubstr("oversized_clusters  4 (more than 1 markets)"));
}

TEST_F(RelationsCommandTest, CheckRejectsInvalidFiles) {
  Write("bad.json", R"({"version":1,"relations":[{"id":"x","kind":"implies",)"
                    R"("a":{"market_id":"m"},"b":{"market_id":"m"},"confidence":1}]})");
  CmdRun r = Relations({"check", Path("bad.json")});
  EXPECT_EQ(r.code, kRelationsExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("relations[0] (id \"x\"): a and b are the same outcome"));
  r = Relations({"check", Path("missing.json")});
  EXPECT_EQ(r.code, kRelationsExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("cannot open"));
}

TEST_F(RelationsCommandTest, UsageErrors) {
  EXPECT_EQ(Relations({}).code, kRelationsExitUsage);
  CmdRun r = Relations({"frobnicate"});
  EXPECT_EQ(r.code, kRelationsExitUsage);
  EXPECT_THAT(r.err, HasSubstr("unknown subcommand"));
  EXPECT_EQ(Relations({"infer"}).code, kRelationsExitUsage);
  EXPECT_EQ(Relations({"infer", "a.json", "--markets", "b.json"}).code, kRelationsExitUsage);
  r = Relations({"infer", Data("markets.json"), "--min-similarity", "2"});
  EXPECT_EQ(r.code, kRelationsExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--min-similarity: '2' is not a number in [0, 1]"));
  EXPECT_EQ(Relations({"infer", Data("markets.json"), "--top-k", "0"}).code, kRelationsExitUsage);
  EXPECT_EQ(Relations({"check"}).code, kRelationsExitUsage);
  EXPECT_EQ(Relations({"check", "f", "--floor", "x"}).code, kRelationsExitUsage);
  r = Relations({"curate", "--candidates", "c.json", "--out", "o.json"});
  EXPECT_EQ(r.code, kRelationsExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--api-base is required"));
  r = Relations({"curate", "--candidates", Data("curated.json"), "--api-base", "ftp://x", "--out",
                 Path("o.json")});
  EXPECT_EQ(r.code, kRelationsExitUsage);
  // --help anywhere: usage on stdout, exit 0.
  r = Relations({"--help"});
  EXPECT_EQ(r.code, kRelationsExitOk);
  EXPECT_THAT(r.out, HasSubstr("usage: arborctl relations infer"));
  r = Relations({"curate", "--help"});
  EXPECT_EQ(r.code, kRelationsExitOk);
  EXPECT_THAT(r.out, HasSubstr("--api-key-file F"));
}

TEST_F(RelationsCommandTest, InferRejectsBadMarkets) {
  Write("markets.json", R"([{"market_id":"m","question":"q","colour":"red"}])");
  CmdRun r = Relations({"infer", "--markets", Path("markets.json")});
  EXPECT_EQ(r.code, kRelationsExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("markets[0] (market_id \"m\").colour: unknown key"));
  r = Relations({"infer", "--markets", Path("none.json")});
  EXPECT_EQ(r.code, kRelationsExitBadInput);
}

TEST_F(RelationsCommandTest, CurateAgainstAFakeServer) {
  // Candidates: inference output on the fixture.
  ASSERT_EQ(Relations({"infer", Data("markets.json"), "--out", Path("candidates.json")}).code,
            kRelationsExitOk);
  FakeOpenAi server;
  server.Script("fed-cut-by-mar-2026",
                {FakeOpenAi::Content(R"({"relation":"implies","confidence":0.97,"reason":"ok"})")});
  server.Script("btc-above-120k-dec", {FakeOpenAi::Content("not json")});
  Write("key", "  sk-from-file\n");
  const std::string base = absl::StrCat("http://127.0.0.1:", server.port(), "/v1");
  CmdRun r = Relations({"curate", "--candidates", Path("candidates.json"), "--api-base", base,
                        "--model", "m-1", "--api-key-file", Path("key"), "--markets",
                        Data("markets.json"), "--out", Path("reviewed.json")});
  ASSERT_EQ(r.code, kRelationsExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 candidates: 1 confirmed, 0 rejected, 0 disagreed, 1 malformed"));
  EXPECT_THAT(r.err, HasSubstr("malformed  implies:btc-above-120k-dec#0->btc-above-100k-dec#0"));
  absl::StatusOr<std::vector<relations::Relation>> reviewed =
      relations::ReadRelationsFile(Path("reviewed.json"));
  ASSERT_TRUE(reviewed.ok()) << reviewed.status();
  ASSERT_EQ(reviewed->size(), 1u);
  EXPECT_EQ((*reviewed)[0].provenance, relations::Provenance::kLlmReviewed);
  EXPECT_EQ((*reviewed)[0].rule, "llm:m-1");
  EXPECT_DOUBLE_EQ((*reviewed)[0].confidence, 0.95);
  const std::vector<FakeOpenAi::Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].authorization, "Bearer sk-from-file");
  EXPECT_THAT(seen[0].body + seen[1].body, HasSubstr("Will the Fed cut rates by March 31, 2026?"));
}

TEST_F(RelationsCommandTest, CurateUnreachableAndBadInputs) {
  ASSERT_EQ(Relations({"infer", Data("markets.json"), "--out", Path("candidates.json")}).code,
            kRelationsExitOk);
  uint16_t port = 0;
  {
    FakeOpenAi gone;
    port = gone.port();
  }
  const std::string base = absl::StrCat("http://127.0.0.1:", port);
  CmdRun r = Relations({"curate", "--candidates", Path("candidates.json"), "--api-base", base,
                        "--max-attempts", "1", "--out", Path("reviewed.json")});
  EXPECT_EQ(r.code, kRelationsExitUnreachable);
  EXPECT_THAT(r.err, HasSubstr("no answer from"));
  EXPECT_TRUE(std::filesystem::exists(Path("reviewed.json")));
  Write("empty-key", "\n");
  r = Relations({"curate", "--candidates", Path("candidates.json"), "--api-base", base,
                 "--api-key-file", Path("empty-key"), "--out", Path("reviewed.json")});
  EXPECT_EQ(r.code, kRelationsExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("empty API key"));
  r = Relations({"curate", "--candidates", Path("nope.json"), "--api-base", base, "--out",
                 Path("reviewed.json")});
  EXPECT_EQ(r.code, kRelationsExitBadInput);
}

}  // namespace
}  // namespace arbor::arborctl
