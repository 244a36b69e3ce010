// File: arbor/relations/curator.h
//
// The offline LLM curator: asks an OpenAI-compatible Chat Completions API to confirm candidate
// relations (usually `arborctl relations infer` output) and turns confirmed ones into reviewed
// relations. Run by `arborctl relations curate`, by an operator, before a session; never on the
// trading path (docs/relations.md "LLM curator").
//
// Per candidate: POST {api_base}/chat/completions with
//   {"model": M, "temperature": 0, "response_format": {"type": "json_object"},
//    "messages": [{"role": "system", ...}, {"role": "user", <both questions, the proposed
//                  relation, its rule and evidence>}]}
// and the reply's choices[0].message.content must be exactly
//   {"relation": "implies|excludes|equivalent|none", "confidence": x, "reason": "..."}
// (no other key, no code fence, confidence in [0, 1]). Outcomes:
//   confirmed   the model states the candidate's kind: a reviewed relation is emitted with
//               provenance llm_reviewed, rule "llm:<model>", confidence = min(model's,
//               candidate's), reviewed_by "llm:<model>", evidence = candidate evidence + reason;
//   rejected    "none";
//   disagreed   another kind (never emitted: a human should look);
//   malformed   the reply breaks the format above (counted, skipped, reported);
//   http_error  transport failure or non-2xx status after `max_attempts` tries (429, 5xx and
//               transport errors are retried after `retry_delay`, doubled each time).
//
//   ARBOR_ASSIGN_OR_RETURN(std::unique_ptr<Curator> curator, Curator::Create(options));
//   CuratorReport report = curator->ReviewAll(candidates, questions_by_market);
//
// Thread safety: a Curator may be used from several threads (its HTTP client is thread-safe);
// ReviewAll itself is sequential.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/relations/relation.h"

namespace arbor::net {
class HttpClient;
}

namespace arbor::relations {

struct CuratorOptions {
  // Base URL of the API, http:// or https://, e.g. "https://api.openai.com/v1" or
  // "http://127.0.0.1:8080/v1"; "/chat/completions" is appended.
  std::string api_base;
  std::string model = "gpt-4o-mini";
  // Sent as "Authorization: Bearer <key>"; empty = no header (local servers).
  std::string api_key;
  absl::Duration timeout = absl::Seconds(120);  // per request
  std::string ca_file;                          // PEM bundle for https; empty = system CAs
  int max_attempts = 3;                         // per candidate, >= 1
  absl::Duration retry_delay = absl::Seconds(2);
};

// What the model said.
struct CuratorVerdict {
  std::optional<RelationKind> relation;  // nullopt = "none"
  double confidence = 0;
  std::string reason;
};

enum class ReviewOutcome : uint8_t { kConfirmed, kRejected, kDisagreed, kMalformed, kHttpError };

// "confirmed", "rejected", "disagreed", "malformed", "http_error".
const char* ReviewOutcomeName(ReviewOutcome outcome);

struct CandidateReview {
  std::string candidate_id;
  ReviewOutcome outcome = ReviewOutcome::kMalformed;
  std::string detail;                // the model's reason, or what was wrong
  std::optional<Relation> reviewed;  // set when confirmed
};

struct CuratorReport {
  std::vector<Relation> reviewed;        // confirmed candidates, in candidate order
  std::vector<CandidateReview> reviews;  // one per candidate, in order
  size_t confirmed = 0;
  size_t rejected = 0;
  size_t disagreed = 0;
  size_t malformed = 0;
  size_t http_errors = 0;
};

// BuildChatRequest
//
// The JSON body sent for `candidate`; `question_a` / `question_b` may be empty (the evidence is
// then the only context).
std::string BuildChatRequest(const std::string& model, const Relation& candidate,
                             const std::string& question_a, const std::string& question_b);

// ExtractChatContent
//
// choices[0].message.content of a Chat Completions response. InvalidArgument when the body is
// not JSON, has no choices, or the content is missing / not a string.
[[nodiscard]] absl::StatusOr<std::string> ExtractChatContent(std::string_view body);

// ParseVerdict
//
// The strict reply format (file comment). InvalidArgument naming the problem otherwise.
[[nodiscard]] absl::StatusOr<CuratorVerdict> ParseVerdict(std::string_view content);

// ApplyVerdict
//
// The review of `candidate` given the model's verdict (no I/O): confirmed / rejected / disagreed,
// and the reviewed relation when confirmed.
CandidateReview ApplyVerdict(const Relation& candidate, const CuratorVerdict& verdict,
                             const std::string& model);

class Curator {
 public:
  // Create
  //
  // Errors: InvalidArgument for an api_base that is not an http(s) URL, an empty model,
  // max_attempts < 1, or a ca_file that cannot be loaded.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Curator>> Create(CuratorOptions options);

  ~Curator();
  Curator(const Curator&) = delete;
  Curator& operator=(const Curator&) = delete;

  // Review
  //
  // One candidate (one request, retried as described). Never fails: problems are outcomes.
  CandidateReview Review(const Relation& candidate, const std::string& question_a,
                         const std::string& question_b) const;

  // ReviewAll
  //
  // Review for each candidate, questions looked up by market id (missing = empty).
  CuratorReport ReviewAll(
      const std::vector<Relation>& candidates,
      const absl::flat_hash_map<std::string, std::string>& questions_by_market) const;

 private:
  Curator(CuratorOptions options, std::unique_ptr<net::HttpClient> http, bool tls, std::string host,
          uint16_t port, std::string target);

  CuratorOptions options_;
  std::unique_ptr<net::HttpClient> http_;
  bool tls_;
  std::string host_;
  uint16_t port_;
  std::string target_;  // path of .../chat/completions
};

}  // namespace arbor::relations
