#include "arbor/relations/curator.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "arbor/net/http_client.h"
#include "arbor/net/url.h"
#include "simdjson.h"

namespace arbor::relations {
namespace {

namespace dom = simdjson::dom;

constexpr char kSystemPrompt[] =
    "You check logical relations between two prediction-market questions, A and B, each of which "
    "resolves YES or NO. Relations, about the YES outcomes:\n"
    "- implies: whenever A resolves YES, B resolves YES (A => B).\n"
    "- excludes: A and B can never both resolve YES.\n"
    "- equivalent: A resolves YES exactly when B does.\n"
    "- none: none of these holds in every possible world (correlated is not enough).\n"
    "Consider deadlines, thresholds, resolution wording and edge cases (ties, cancellations, "
    "different end dates). A proposed relation is given; say which relation really holds, which "
    "may differ from the proposal. Answer with one JSON object and nothing else: "
    "{\"relation\":\"implies|excludes|equivalent|none\",\"confidence\":<number in [0,1]>,"
    "\"reason\":\"<one sentence>\"}";

std::string Truncate(std::string_view s, size_t n = 200) { return Abbreviate(s, n); }

std::string UserPrompt(const Relation& c, const std::string& qa, const std::string& qb) {
  auto side = [](const char* name, const OutcomeRef& ref, const std::string& q) {
    return absl::StrCat(name, " (market ", ref.market_id, ", outcome ", ref.outcome,
                        ref.outcome == 0 ? " = YES" : "",
                        "): ", q.empty() ? "(question text not available; see evidence)" : q, "\n");
  };
  return absl::StrCat(side("A", c.a, qa), side("B", c.b, qb), "Proposed relation: A ",
                      RelationKindName(c.kind), " B\n",
                      "Proposed by: ", c.rule.empty() ? "unknown" : c.rule, "\n",
                      "Evidence: ", c.evidence.empty() ? "-" : c.evidence, "\n",
                      "Which relation holds between A and B?");
}

bool Retryable(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded ||
         s.code() == absl::StatusCode::kUnknown ||
         s.code() == absl::StatusCode::kResourceExhausted ||
         s.code() == absl::StatusCode::kInternal;
}

}  // namespace

const char* ReviewOutcomeName(ReviewOutcome outcome) {
  switch (outcome) {
    case ReviewOutcome::kConfirmed:
      return "confirmed";
    case ReviewOutcome::kRejected:
      return "rejected";
    case ReviewOutcome::kDisagreed:
      return "disagreed";
    case ReviewOutcome::kMalformed:
      return "malformed";
    case ReviewOutcome::kHttpError:
      return "http_error";
  }
  return "unknown";
}

std::string BuildChatRequest(const std::string& model, const Relation& candidate,
                             const std::string& question_a, const std::string& question_b) {
  JsonWriter w;
  w.BeginObject().Key("model").String(model).Key("temperature").Int(0);
  w.Key("response_format").BeginObject().Key("type").String("json_object").EndObject();
  w.Key("messages").BeginArray();
  w.BeginObject().Key("role").String("system").Key("content").String(kSystemPrompt).EndObject();
  w.BeginObject()
      .Key("role")
      .String("user")
      .Key("content")
      .String(UserPrompt(candidate, question_a, question_b))
      .EndObject();
  w.EndArray().EndObject();
  return w.Take();
}

absl::StatusOr<std::string> ExtractChatContent(std::string_view body) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root); err != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("response: invalid JSON: ", simdjson::error_message(err)));
  }
  dom::array choices;
  if (root["choices"].get_array().get(choices) != simdjson::SUCCESS || choices.size() == 0) {
    return absl::InvalidArgumentError("response: no choices");
  }
  std::string_view content;
  if (choices.at(0)["message"]["content"].get_string().get(content) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "response: choices[0].message.content missing or not a string");
  }
  return std::string(content);
}

absl::StatusOr<CuratorVerdict> ParseVerdict(std::string_view content) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(content.data(), content.size()).get(root); err != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reply is not JSON (", simdjson::error_message(err), "): ", Truncate(content, 80)));
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("reply is not a JSON object");
  }
  CuratorVerdict v;
  absl::flat_hash_set<std::string> seen;
  for (dom::key_value_pair f : obj) {
    const std::string key(f.key);
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(absl::StrCat(key, ": given twice"));
    }
    if (key == "relation") {
      std::string_view s;
      if (f.value.get_string().get(s) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("relation: not a string");
      }
      if (s == "none") {
        v.relation = std::nullopt;
      } else if (std::optional<RelationKind> k = RelationKindFromName(s); k.has_value()) {
        v.relation = *k;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("relation: \"", Truncate(s, 40),
                         "\" is not one of implies, excludes, equivalent, none"));
      }
    } else if (key == "confidence") {
      const dom::element_type t = f.value.type();
      double c = 0;
      if ((t != dom::element_type::DOUBLE && t != dom::element_type::INT64 &&
           t != dom::element_type::UINT64) ||
          f.value.get_double().get(c) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("confidence: not a number");
      }
      if (!std::isfinite(c) || c < 0 || c > 1) {
        return absl::InvalidArgumentError("confidence: must be in [0, 1]");
      }
      v.confidence = c;
    } else if (key == "reason") {
      std::string_view s;
      if (f.value.get_string().get(s) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("reason: not a string");
      }
      v.reason = std::string(s);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(Truncate(key, 40), ": unknown key (relation, confidence, reason)"));
    }
  }
  for (const char* required : {"relation", "confidence", "reason"}) {
    if (!seen.contains(std::string(required))) {
      return absl::InvalidArgumentError(absl::StrCat(required, ": missing"));
    }
  }
  return v;
}

CandidateReview ApplyVerdict(const Relation& candidate, const CuratorVerdict& verdict,
                             const std::string& model) {
  CandidateReview review;
  review.candidate_id = candidate.id;
  review.detail = verdict.reason;
  if (!verdict.relation.has_value()) {
    review.outcome = ReviewOutcome::kRejected;
    return review;
  }
  if (*verdict.relation != candidate.kind) {
    review.outcome = ReviewOutcome::kDisagreed;
    review.detail = absl::StrCat("model says ", RelationKindName(*verdict.relation), " (proposed ",
                                 RelationKindName(candidate.kind), "): ", verdict.reason);
    return review;
  }
  review.outcome = ReviewOutcome::kConfirmed;
  Relation r = candidate;
  r.provenance = Provenance::kLlmReviewed;
  r.rule = absl::StrCat("llm:", model);
  r.reviewed_by = r.rule;
  r.confidence = std::min(verdict.confidence, candidate.confidence);
  r.evidence = absl::StrCat("[", candidate.rule.empty() ? "candidate" : candidate.rule, "] ",
                            candidate.evidence, candidate.evidence.empty() ? "" : " | ", model,
                            ": ", verdict.reason);
  review.reviewed = std::move(r);
  return review;
}

absl::StatusOr<std::unique_ptr<Curator>> Curator::Create(CuratorOptions options) {
  if (options.model.empty()) return absl::InvalidArgumentError("curator: model: empty");
  if (options.max_attempts < 1) {
    return absl::InvalidArgumentError("curator: max_attempts: must be >= 1");
  }
  absl::StatusOr<net::Url> url = net::ParseUrl(options.api_base);
  if (!url.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("curator: api base \"", options.api_base, "\": ", url.status().message()));
  }
  if (options.api_base.rfind("ws", 0) == 0 || options.api_base.rfind("WS", 0) == 0) {
    return absl::InvalidArgumentError("curator: api base must be an http:// or https:// URL");
  }
  std::string path = url->path;
  if (const size_t q = path.find('?'); q != std::string::npos) path.resize(q);
  while (!path.empty() && path.back() == '/') path.pop_back();
  net::HttpClientOptions http_options;
  http_options.request_timeout = options.timeout;
  http_options.ca_file = options.ca_file;
  absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create(http_options);
  if (!http.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("curator: ", http.status().message()));
  }
  return std::unique_ptr<Curator>(new Curator(std::move(options), *std::move(http), url->origin.tls,
                                              url->origin.host, url->origin.port,
                                              path + "/chat/completions"));
}

Curator::Curator(CuratorOptions options, std::unique_ptr<net::HttpClient> http, bool tls,
                 std::string host, uint16_t port, std::string target)
    : options_(std::move(options)),
      http_(std::move(http)),
      tls_(tls),
      host_(std::move(host)),
      port_(port),
      target_(std::move(target)) {}

Curator::~Curator() = default;

CandidateReview Curator::Review(const Relation& candidate, const std::string& question_a,
                                const std::string& question_b) const {
  net::HttpRequest request;
  request.method = "POST";
  request.target = target_;
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("Accept", "application/json");
  if (!options_.api_key.empty()) {
    request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options_.api_key));
  }
  request.body = BuildChatRequest(options_.model, candidate, question_a, question_b);
  request.timeout = options_.timeout;
  const net::Origin origin{tls_, host_, port_};

  CandidateReview review;
  review.candidate_id = candidate.id;
  review.outcome = ReviewOutcome::kHttpError;
  absl::Duration delay = options_.retry_delay;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) {
      absl::SleepFor(delay);
      delay *= 2;
    }
    absl::StatusOr<net::HttpResponse> response = http_->Send(origin, request);
    absl::Status status =
        response.ok() ? net::StatusFromHttp(response->status, response->body) : response.status();
    if (!status.ok()) {
      review.detail =
          absl::StrCat("attempt ", attempt, "/", options_.max_attempts, ": ", status.ToString());
      if (Retryable(status)) continue;
      return review;
    }
    absl::StatusOr<std::string> content = ExtractChatContent(response->body);
    if (!content.ok()) {
      review.outcome = ReviewOutcome::kMalformed;
      review.detail = std::string(content.status().message());
      return review;
    }
    absl::StatusOr<CuratorVerdict> verdict = ParseVerdict(*content);
    if (!verdict.ok()) {
      review.outcome = ReviewOutcome::kMalformed;
      review.detail = std::string(verdict.status().message());
      return review;
    }
    return ApplyVerdict(candidate, *verdict, options_.model);
  }
  return review;
}

CuratorReport Curator::ReviewAll(
    const std::vector<Relation>& candidates,
    const absl::flat_hash_map<std::string, std::string>& questions_by_market) const {
  CuratorReport report;
  auto question = [&](const std::string& market_id) -> std::string {
    auto it = questions_by_market.find(market_id);
    return it == questions_by_market.end() ? std::string() : it->second;
  };
  for (const Relation& c : candidates) {
    CandidateReview review = Review(c, question(c.a.market_id), question(c.b.market_id));
    switch (review.outcome) {
      case ReviewOutcome::kConfirmed:
        ++report.confirmed;
        report.reviewed.push_back(*review.reviewed);
        break;
      case ReviewOutcome::kRejected:
        ++report.rejected;
        break;
      case ReviewOutcome::kDisagreed:
        ++report.disagreed;
        break;
      case ReviewOutcome::kMalformed:
        ++report.malformed;
        break;
      case ReviewOutcome::kHttpError:
        ++report.http_errors;
        break;
    }
    report.reviews.push_back(std::move(review));
  }
  return report;
}

}  // namespace arbor::relations
