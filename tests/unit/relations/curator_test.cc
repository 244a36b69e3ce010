// The LLM curator against a fake OpenAI-compatible server (real HTTP and HTTPS on 127.0.0.1):
// the request it sends, confirmed / rejected / disagreeing verdicts, every malformed reply, HTTP
// errors with and without retries, an unreachable server, and the reply parser on its own.
#include "arbor/relations/curator.h"

#include <string>
#include <vector>

#include "fake_openai.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "relation_printer.h"
#include "simdjson.h"

namespace arbor::relations {
namespace {

using testing::FakeOpenAi;
using ::testing::HasSubstr;

Relation Candidate(const std::string& a, const std::string& b, double confidence = 0.95,
                   RelationKind kind = RelationKind::kImplies) {
  Relation r;
  r.kind = kind;
  r.a = {a, 0};
  r.b = {b, 0};
  r.id = InferredRelationId(kind, r.a, r.b);
  r.confidence = confidence;
  r.provenance = Provenance::kInferred;
  r.rule = "temporal_ladder";
  r.evidence = "march before june";
  return r;
}

CuratorOptions Options(uint16_t port, bool tls = false) {
  CuratorOptions o;
  o.api_base = absl::StrCat(tls ? "https" : "http", "://127.0.0.1:", port, "/v1/");
  o.model = "test-model";
  o.api_key = "sk-test";
  o.timeout = absl::Seconds(30);
  o.max_attempts = 3;
  o.retry_delay = absl::ZeroDuration();
  return o;
}

std::unique_ptr<Curator> Make(const CuratorOptions& o) {
  absl::StatusOr<std::unique_ptr<Curator>> c = Curator::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

TEST(CuratorTest, SendsTheChatRequestAndConfirms) {
  FakeOpenAi server;
  server.Script("m1",
                {FakeOpenAi::Content(
                    R"({"relation":"implies","confidence":0.99,"reason":"March is first"})")});
  std::unique_ptr<Curator> curator = Make(Options(server.port()));
  ASSERT_NE(curator, nullptr);
  const CandidateReview review = curator->Review(
      Candidate("m1", "m2"), "Will X happen by March 31, 2026?", "Will X happen by June 30, 2026?");
  ASSERT_EQ(review.outcome, ReviewOutcome::kConfirmed) << review.detail;
  ASSERT_TRUE(review.reviewed.has_value());
  const Relation& r = *review.reviewed;
  EXPECT_EQ(r.id, "implies:m1#0->m2#0");
  EXPECT_EQ(r.kind, RelationKind::kImplies);
  EXPECT_EQ(r.provenance, Provenance::kLlmReviewed);
  EXPECT_EQ(r.rule, "llm:test-model");
  EXPECT_EQ(r.reviewed_by, "llm:test-model");
  EXPECT_DOUBLE_EQ(r.confidence, 0.95);  // min(model 0.99, candidate 0.95)
  EXPECT_THAT(r.evidence, HasSubstr("[temporal_ladder] march before june"));
  EXPECT_THAT(r.evidence, HasSubstr("test-model: March is first"));

  const std::vector<FakeOpenAi::Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/v1/chat/completions");
  EXPECT_EQ(seen[0].authorization, "Bearer sk-test");
  EXPECT_EQ(seen[0].content_type, "application/json");
  simdjson::dom::parser parser;
  simdjson::dom::element body;
  ASSERT_EQ(parser.parse(seen[0].body).get(body), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(body["model"]), "test-model");
  EXPECT_EQ(int64_t(body["temperature"]), 0);
  EXPECT_EQ(std::string_view(body["response_format"]["type"]), "json_object");
  EXPECT_EQ(std::string_view(body["messages"].at(0)["role"]), "system");
  EXPECT_THAT(std::string(std::string_view(body["messages"].at(0)["content"])),
              HasSubstr("\"relation\":\"implies|excludes|equivalent|none\""));
  EXPECT_EQ(std::string_view(body["messages"].at(1)["role"]), "user");
  const std::string user(std::string_view(body["messages"].at(1)["content"]));
  EXPECT_THAT(user, HasSubstr("Will X happen by March 31, 2026?"));
  EXPECT_THAT(user, HasSubstr("Will X happen by June 30, 2026?"));
  EXPECT_THAT(user, HasSubstr("Proposed relation: A implies B"));
  EXPECT_THAT(user, HasSubstr("Evidence: march before june"));
}

TEST(CuratorTest, VerdictsAndMalformedRepliesOverAllCandidates) {
  FakeOpenAi server;
  struct Case {
    const char* market;
    FakeOpenAi::Reply reply;
    ReviewOutcome outcome;
    const char* detail;
  };
  const std::vector<Case> cases = {
      {"ok-low", FakeOpenAi::Content(R"({"relation":"implies","confidence":0.7,"reason":"r"})"),
       ReviewOutcome::kConfirmed, "r"},
      {"none", FakeOpenAi::Content(R"({"relation":"none","confidence":0.9,"reason":"unrelated"})"),
       ReviewOutcome::kRejected, "unrelated"},
      {"other", FakeOpenAi::Content(R"({"relation":"excludes","confidence":0.9,"reason":"r"})"),
       ReviewOutcome::kDisagreed, "model says excludes (proposed implies)"},
      {"fenced",
       FakeOpenAi::Content(
           "```json\n{\"relation\":\"implies\",\"confidence\":0.9,\"reason\":\"r\"}\n```"),
       ReviewOutcome::kMalformed, "reply is not JSON"},
      {"prose", FakeOpenAi::Content("Yes, A implies B."), ReviewOutcome::kMalformed,
       "reply is not JSON"},
      {"extra-key",
       FakeOpenAi::Content(R"({"relation":"implies","confidence":0.9,"reason":"r","note":1})"),
       ReviewOutcome::kMalformed, "note: unknown key"},
      {"bad-confidence",
       FakeOpenAi::Content(R"({"relation":"implies","confidence":1.5,"reason":"r"})"),
       ReviewOutcome::kMalformed, "confidence: must be in [0, 1]"},
      {"string-confidence",
       FakeOpenAi::Content(R"({"relation":"implies","confidence":"high","reason":"r"})"),
       ReviewOutcome::kMalformed, "confidence: not a number"},
      {"bad-relation", FakeOpenAi::Content(R"({"relation":"maybe","confidence":0.5,"reason":"r"})"),
       ReviewOutcome::kMalformed, "is not one of implies, excludes, equivalent, none"},
      {"no-reason", FakeOpenAi::Content(R"({"relation":"implies","confidence":0.5})"),
       ReviewOutcome::kMalformed, "reason: missing"},
      {"twice",
       FakeOpenAi::Content(
           R"({"relation":"implies","relation":"none","confidence":0.5,"reason":"r"})"),
       ReviewOutcome::kMalformed, "relation: given twice"},
      {"array", FakeOpenAi::Content(R"([{"relation":"implies"}])"), ReviewOutcome::kMalformed,
       "not a JSON object"},
      {"body-not-json", FakeOpenAi::Raw("<html>oops</html>"), ReviewOutcome::kMalformed,
       "response: invalid JSON"},
      {"no-choices", FakeOpenAi::Raw(R"({"choices":[]})"), ReviewOutcome::kMalformed,
       "response: no choices"},
      {"content-null", FakeOpenAi::Raw(R"({"choices":[{"message":{"content":null}}]})"),
       ReviewOutcome::kMalformed, "content missing or not a string"},
      {"bad-request", FakeOpenAi::Status(400), ReviewOutcome::kHttpError, "400"},
      {"unauthorized", FakeOpenAi::Status(401), ReviewOutcome::kHttpError, "401"},
  };
  std::vector<Relation> candidates;
  for (const Case& c : cases) {
    server.Script(c.market, {c.reply});
    candidates.push_back(Candidate(c.market, "target"));
  }
  std::unique_ptr<Curator> curator = Make(Options(server.port()));
  ASSERT_NE(curator, nullptr);
  const CuratorReport report = curator->ReviewAll(candidates, {{"target", "Will Y?"}});
  ASSERT_EQ(report.reviews.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(report.reviews[i].outcome, cases[i].outcome)
        << cases[i].market << ": " << report.reviews[i].detail;
    EXPECT_THAT(report.reviews[i].detail, HasSubstr(cases[i].detail)) << cases[i].market;
    EXPECT_EQ(report.reviews[i].candidate_id, candidates[i].id);
  }
  EXPECT_EQ(report.confirmed, 1u);
  EXPECT_EQ(report.rejected, 1u);
  EXPECT_EQ(report.disagreed, 1u);
  EXPECT_EQ(report.malformed, 12u);
  EXPECT_EQ(report.http_errors, 2u);
  ASSERT_EQ(report.reviewed.size(), 1u);
  EXPECT_DOUBLE_EQ(report.reviewed[0].confidence, 0.7);  // min(model 0.7, candidate 0.95)
  // 4xx other than 429 are not retried: one request per candidate.
  EXPECT_EQ(server.requests(), static_cast<int>(cases.size()));
  // The question of B was looked up; A's was not available.
  EXPECT_THAT(server.seen()[0].body, HasSubstr("Will Y?"));
  EXPECT_THAT(server.seen()[0].body, HasSubstr("question text not available"));
}

TEST(CuratorTest, RetriesServerErrorsAndRateLimits) {
  FakeOpenAi server;
  server.Script("flaky",
                {FakeOpenAi::Status(503), FakeOpenAi::Status(500),
                 FakeOpenAi::Content(R"({"relation":"implies","confidence":1,"reason":"ok"})")});
  server.Script("limited", {FakeOpenAi::Status(429)});
  std::unique_ptr<Curator> curator = Make(Options(server.port()));
  ASSERT_NE(curator, nullptr);
  CandidateReview r = curator->Review(Candidate("flaky", "b"), "", "");
  EXPECT_EQ(r.outcome, ReviewOutcome::kConfirmed) << r.detail;
  EXPECT_EQ(server.requests(), 3);
  r = curator->Review(Candidate("limited", "b"), "", "");
  EXPECT_EQ(r.outcome, ReviewOutcome::kHttpError);
  EXPECT_THAT(r.detail, HasSubstr("attempt 3/3"));
  EXPECT_THAT(r.detail, HasSubstr("429"));
  EXPECT_EQ(server.requests(), 6);
}

TEST(CuratorTest, UnreachableServerIsAnHttpError) {
  uint16_t port = 0;
  {
    FakeOpenAi gone;
    port = gone.port();
  }
  CuratorOptions o = Options(port);
  o.max_attempts = 2;
  std::unique_ptr<Curator> curator = Make(o);
  ASSERT_NE(curator, nullptr);
  const CuratorReport report = curator->ReviewAll({Candidate("a", "b"), Candidate("c", "d")}, {});
  EXPECT_EQ(report.http_errors, 2u);
  EXPECT_TRUE(report.reviewed.empty());
  EXPECT_THAT(report.reviews[0].detail, HasSubstr("attempt 2/2"));
}

TEST(CuratorTest, WorksOverHttps) {
  const net::testing::Pki pki = net::testing::MakePki("curator");
  FakeOpenAi server(&pki);
  server.Script(
      "m1",
      {FakeOpenAi::Content(R"({"relation":"excludes","confidence":0.97,"reason":"finalists"})")});
  CuratorOptions o = Options(server.port(), /*tls=*/true);
  o.ca_file = pki.ca_file;
  o.api_key.clear();
  std::unique_ptr<Curator> curator = Make(o);
  ASSERT_NE(curator, nullptr);
  const CandidateReview r =
      curator->Review(Candidate("m1", "m2", 0.99, RelationKind::kExcludes), "A?", "B?");
  EXPECT_EQ(r.outcome, ReviewOutcome::kConfirmed) << r.detail;
  ASSERT_TRUE(r.reviewed.has_value());
  EXPECT_DOUBLE_EQ(r.reviewed->confidence, 0.97);
  EXPECT_EQ(server.seen().at(0).authorization, "");  // no key, no header

  // Without the test CA the certificate is not trusted: nothing was sent.
  CuratorOptions untrusted = Options(server.port(), /*tls=*/true);
  untrusted.max_attempts = 1;
  std::unique_ptr<Curator> bad = Make(untrusted);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->Review(Candidate("m1", "m2"), "", "").outcome, ReviewOutcome::kHttpError);
}

TEST(CuratorTest, CreateValidatesOptions) {
  CuratorOptions o = Options(1);
  o.api_base = "ftp://example.com";
  EXPECT_EQ(Curator::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.api_base = "wss://example.com/v1";
  EXPECT_EQ(Curator::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options(1);
  o.model.clear();
  EXPECT_EQ(Curator::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options(1);
  o.max_attempts = 0;
  EXPECT_EQ(Curator::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options(1);
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(Curator::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CuratorReplyTest, ParsesVerdictsStrictly) {
  absl::StatusOr<CuratorVerdict> v =
      ParseVerdict(R"(  {"reason":"x","confidence":1,"relation":"equivalent"} )");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->relation, RelationKind::kEquivalent);
  EXPECT_DOUBLE_EQ(v->confidence, 1.0);
  EXPECT_EQ(v->reason, "x");
  v = ParseVerdict(R"({"relation":"none","confidence":0,"reason":""})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->relation.has_value());
  EXPECT_FALSE(
      ParseVerdict(R"({"relation":"implies","confidence":0.5,"reason":"r"} trailing)").ok());
  EXPECT_FALSE(ParseVerdict(R"({"relation":"Implies","confidence":0.5,"reason":"r"})").ok());
  EXPECT_FALSE(ParseVerdict(R"({"relation":"implies","confidence":-0.1,"reason":"r"})").ok());
  EXPECT_FALSE(ParseVerdict(R"({"relation":"implies","confidence":0.5,"reason":3})").ok());
  EXPECT_FALSE(ParseVerdict("").ok());
}

TEST(CuratorReplyTest, ApplyVerdictKeepsTheLowerConfidence) {
  const Relation c = Candidate("a", "b", 0.85);
  CandidateReview r = ApplyVerdict(c, {RelationKind::kImplies, 0.99, "ok"}, "m");
  ASSERT_EQ(r.outcome, ReviewOutcome::kConfirmed);
  EXPECT_DOUBLE_EQ(r.reviewed->confidence, 0.85);
  EXPECT_EQ(LabelFor(r.reviewed->confidence), ConfidenceLabel::kMedium);
  r = ApplyVerdict(c, {std::nullopt, 0.99, "no"}, "m");
  EXPECT_EQ(r.outcome, ReviewOutcome::kRejected);
  EXPECT_FALSE(r.reviewed.has_value());
  EXPECT_STREQ(ReviewOutcomeName(ReviewOutcome::kHttpError), "http_error");
}

}  // namespace
}  // namespace arbor::relations
