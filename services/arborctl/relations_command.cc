#include "relations_command.h"

#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "arbor/relations/curator.h"
#include "arbor/relations/inference.h"
#include "arbor/relations/market_text.h"
#include "arbor/relations/relation.h"
#include "arbor/relations/relation_file.h"
#include "arbor/relations/relation_store.h"
#include "command_line.h"
#include "file_io.h"
#include "table_format.h"

namespace arbor::arborctl {
namespace {

using relations::Relation;

constexpr char kUsage[] =
    "usage: arborctl relations infer --markets FILE [--out FILE] [--min-similarity X]\n"
    "                                [--top-k N] [--max-bucket N] [--negrisk]\n"
    "                                [--no-equivalences]\n"
    "       arborctl relations curate --candidates FILE --api-base URL [--model M]\n"
    "                                 [--api-key-file F] [--markets FILE] [--timeout SECONDS]\n"
    "                                 [--max-attempts N] [--ca-file F] --out FILE\n"
    "       arborctl relations check FILE [--floor X] [--max-cluster-markets N]\n"
    "\n"
    "Relations between markets for the combinatorial lane (docs/relations.md).\n"
    "  infer   rule-based inference over a JSON array of markets -> a relations file\n"
    "  curate  ask an OpenAI-compatible Chat Completions API to confirm candidate relations\n"
    "          -> a file of llm_reviewed relations (offline; never on the trading path)\n"
    "  check   validate a relations file and print counts by kind, provenance and label\n"
    "Exit codes: 0 ok, 1 usage error, 2 input unreadable or invalid (or output unwritable),\n"
    "3 curate got no answer at all from the API. arborctl relations SUBCOMMAND --help.\n";

constexpr char kInferHelp[] =
    "usage: arborctl relations infer --markets FILE [--out FILE] [--min-similarity X]\n"
    "                                [--top-k N] [--max-bucket N] [--negrisk]\n"
    "                                [--no-equivalences]\n"
    "\n"
    "Infers relations from market text: temporal ladders (\"by D1\" => \"by D2\"), threshold\n"
    "ladders (\"above $120k\" => \"above $100k\"), parent/child (\"X by 5+ points\" => \"X\"),\n"
    "equivalent questions in different events, and (with --negrisk) pairwise exclusion of\n"
    "NegRisk event members. Markets: a JSON array of {market_id, question, event_id, slug,\n"
    "end_unix_nanos, neg_risk, neg_risk_market_id, outcomes} (market_id and question\n"
    "required). Writes a relations file (provenance inferred) to --out or stdout and a\n"
    "summary to stderr.\n"
    "Options:\n"
    "  --markets FILE        the markets (or give FILE as the only argument)\n"
    "  --out FILE            output file (default stdout)\n"
    "  --min-similarity X    TF-IDF candidate threshold in [0, 1] (default 0.5)\n"
    "  --top-k N             TF-IDF neighbours per market (default 10)\n"
    "  --max-bucket N        skip stem buckets with more markets (default 100)\n"
    "  --negrisk             also emit NegRisk member exclusions (the negrisk lane covers them)\n"
    "  --no-equivalences     do not emit cross-event equivalences\n"
    "Exit codes: 0 ok, 1 usage error, 2 markets unreadable or invalid, output unwritable.\n";

constexpr char kCurateHelp[] =
    "usage: arborctl relations curate --candidates FILE --api-base URL [--model M]\n"
    "                                 [--api-key-file F] [--markets FILE] [--timeout SECONDS]\n"
    "                                 [--max-attempts N] [--ca-file F] --out FILE\n"
    "\n"
    "Asks an OpenAI-compatible Chat Completions API (POST URL/chat/completions, temperature 0,\n"
    "JSON response format) to confirm each candidate of a relations file. The reply must be\n"
    "exactly "
    "{\"relation\":\"implies|excludes|equivalent|none\",\"confidence\":x,\"reason\":\"...\"}.\n"
    "Confirmed candidates are written with provenance llm_reviewed, rule llm:<model> and\n"
    "confidence min(model's, candidate's); rejected, disagreeing, malformed and failed ones are\n"
    "counted and listed on stderr and left out.\n"
    "Options:\n"
    "  --candidates FILE   a relations file (e.g. arborctl relations infer output)\n"
    "  --api-base URL      http:// or https:// base, e.g. https://api.openai.com/v1\n"
    "  --model M           model name (default gpt-4o-mini)\n"
    "  --api-key-file F    file holding the API key (sent as a Bearer token); none = no header\n"
    "  --markets FILE      the markets JSON, for the question texts in the prompt\n"
    "  --timeout SECONDS   per request (default 120)\n"
    "  --max-attempts N    tries per candidate for transport errors, 429 and 5xx (default 3)\n"
    "  --ca-file F         PEM CA bundle for https (default: system CAs)\n"
    "  --out FILE          the reviewed relations file (required)\n"
    "Exit codes: 0 ok (some candidates may be skipped), 1 usage error, 2 input unreadable or\n"
    "invalid or output unwritable, 3 no candidate got an answer from the API.\n";

constexpr char kCheckHelp[] =
    "usage: arborctl relations check FILE [--floor X] [--max-cluster-markets N]\n"
    "\n"
    "Validates a relations file (strict: unknown keys, duplicates, ranges) and prints counts by\n"
    "kind, provenance and confidence label (low < 0.7 <= medium < 0.9 <= high), and the\n"
    "relations and clusters tradable at the floor.\n"
    "Options:\n"
    "  --floor X                 confidence floor in [0, 1] (default 0.9, the lane's default)\n"
    "  --max-cluster-markets N   clusters above this size are reported oversized (default 24)\n"
    "Exit codes: 0 valid, 1 usage error, 2 unreadable or invalid.\n";

const std::vector<cli::SubcommandSyntax>& Syntaxes() {
  static const std::vector<cli::SubcommandSyntax> kSyntaxes = {
      {"infer",
       kInferHelp,
       {"--markets", "--out", "--min-similarity", "--top-k", "--max-bucket"},
       {"--negrisk", "--no-equivalences"},
       {},
       1},
      {"curate",
       kCurateHelp,
       {"--candidates", "--api-base", "--model", "--api-key-file", "--markets", "--timeout",
        "--max-attempts", "--ca-file", "--out"},
       {},
       {},
       0},
      {"check", kCheckHelp, {"--floor", "--max-cluster-markets"}, {}, {}, 1},
  };
  return kSyntaxes;
}

absl::StatusOr<double> ParseFraction(const std::string& flag, const std::string& text) {
  double v = 0;
  if (!absl::SimpleAtod(text, &v) || !std::isfinite(v) || v < 0 || v > 1) {
    return cli::Usage(absl::StrCat(flag, ": '", text, "' is not a number in [0, 1]"));
  }
  return v;
}

// The path of a required file flag, or the single positional.
absl::StatusOr<std::string> FileArg(const cli::CommandFlags& flags, const std::string& flag) {
  std::optional<std::string> v = flags.Get(flag);
  if (v.has_value() && !flags.positionals.empty()) {
    return cli::Usage(absl::StrCat("give ", flag, " or FILE, not both"));
  }
  if (!v.has_value() && !flags.positionals.empty()) v = flags.positionals[0];
  if (!v.has_value() || v->empty()) return cli::Usage(absl::StrCat(flag, " FILE is required"));
  return *v;
}

absl::StatusOr<std::vector<relations::MarketText>> ReadMarkets(const std::string& path) {
  std::optional<std::string> text = ReadWholeFile(path);
  if (!text.has_value()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  absl::StatusOr<std::vector<relations::MarketText>> m = relations::ParseMarketTexts(*text);
  if (!m.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", m.status().message()));
  return m;
}

// A usage error: message and the pointer to --help.
int UsageError(std::ostream& err, const std::string& where, absl::string_view message) {
  err << "arborctl relations" << where << ": " << message << "\n(arborctl relations" << where
      << " --help for usage)\n";
  return kRelationsExitUsage;
}

int InputError(std::ostream& err, const std::string& where, absl::string_view message) {
  err << "arborctl relations" << where << ": " << message << "\n";
  return kRelationsExitBadInput;
}

int Infer(const cli::CommandFlags& flags, std::ostream& out, std::ostream& err) {
  const std::string where = " infer";
  absl::StatusOr<std::string> markets_path = FileArg(flags, "--markets");
  if (!markets_path.ok()) return UsageError(err, where, markets_path.status().message());
  relations::InferenceOptions options;
  if (std::optional<std::string> v = flags.Get("--min-similarity")) {
    absl::StatusOr<double> x = ParseFraction("--min-similarity", *v);
    if (!x.ok()) return UsageError(err, where, x.status().message());
    options.min_similarity = *x;
  }
  if (std::optional<std::string> v = flags.Get("--top-k")) {
    absl::StatusOr<uint64_t> n = cli::ParseUnsigned("--top-k", *v, 1, 1000);
    if (!n.ok()) return UsageError(err, where, n.status().message());
    options.top_k = static_cast<size_t>(*n);
  }
  if (std::optional<std::string> v = flags.Get("--max-bucket")) {
    absl::StatusOr<uint64_t> n = cli::ParseUnsigned("--max-bucket", *v, 2, 100'000);
    if (!n.ok()) return UsageError(err, where, n.status().message());
    options.max_bucket_size = static_cast<size_t>(*n);
  }
  options.emit_negrisk_exclusions = flags.Has("--negrisk");
  options.emit_equivalences = !flags.Has("--no-equivalences");

  absl::StatusOr<std::vector<relations::MarketText>> markets = ReadMarkets(*markets_path);
  if (!markets.ok()) return InputError(err, where, markets.status().message());
  const relations::InferenceResult result = relations::InferRelations(*markets, options);
  const std::string json = relations::WriteRelationsJson(result.relations);
  if (std::optional<std::string> path = flags.Get("--out")) {
    if (absl::Status s = WriteFileAtomically(*path, json); !s.ok()) {
      return InputError(err, where, s.message());
    }
  } else {
    out << json;
  }
  const relations::InferenceStats& st = result.stats;
  err << absl::StrFormat(
      "%d markets (%d yes/no), %d candidate pairs (%d from stem buckets, %d from TF-IDF), "
      "%d oversized buckets skipped, %d relations",
      st.markets, st.yes_no_markets, st.pairs_checked, st.bucket_pairs, st.tfidf_pairs,
      st.oversized_buckets, result.relations.size());
  for (const auto& [rule, n] : st.relations_by_rule) err << absl::StrFormat(", %s %d", rule, n);
  err << "\n";
  return kRelationsExitOk;
}

absl::StatusOr<std::string> ReadApiKey(const std::string& path) {
  std::optional<std::string> text = ReadWholeFile(path);
  if (!text.has_value()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::string key(absl::StripAsciiWhitespace(*text));
  if (key.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty API key"));
  return key;
}

int Curate(const cli::CommandFlags& flags, std::ostream& out, std::ostream& err) {
  const std::string where = " curate";
  relations::CuratorOptions options;
  absl::StatusOr<std::string> candidates_path = cli::Required(flags, "--candidates");
  if (!candidates_path.ok()) return UsageError(err, where, candidates_path.status().message());
  absl::StatusOr<std::string> api_base = cli::Required(flags, "--api-base");
  if (!api_base.ok()) return UsageError(err, where, api_base.status().message());
  absl::StatusOr<std::string> out_path = cli::Required(flags, "--out");
  if (!out_path.ok()) return UsageError(err, where, out_path.status().message());
  options.api_base = *api_base;
  if (std::optional<std::string> v = flags.Get("--model")) {
    if (v->empty()) return UsageError(err, where, "--model: empty");
    options.model = *v;
  }
  if (std::optional<std::string> v = flags.Get("--timeout")) {
    absl::StatusOr<uint64_t> n = cli::ParseUnsigned("--timeout", *v, 1, 3600);
    if (!n.ok()) return UsageError(err, where, n.status().message());
    options.timeout = absl::Seconds(static_cast<int64_t>(*n));
  }
  if (std::optional<std::string> v = flags.Get("--max-attempts")) {
    absl::StatusOr<uint64_t> n = cli::ParseUnsigned("--max-attempts", *v, 1, 10);
    if (!n.ok()) return UsageError(err, where, n.status().message());
    options.max_attempts = static_cast<int>(*n);
  }
  if (std::optional<std::string> v = flags.Get("--ca-file")) options.ca_file = *v;
  if (std::optional<std::string> v = flags.Get("--api-key-file")) {
    absl::StatusOr<std::string> key = ReadApiKey(*v);
    if (!key.ok()) return InputError(err, where, key.status().message());
    options.api_key = *std::move(key);
  }

  absl::StatusOr<std::vector<Relation>> candidates = relations::ReadRelationsFile(*candidates_path);
  if (!candidates.ok()) return InputError(err, where, candidates.status().message());
  absl::flat_hash_map<std::string, std::string> questions;
  if (std::optional<std::string> v = flags.Get("--markets")) {
    absl::StatusOr<std::vector<relations::MarketText>> markets = ReadMarkets(*v);
    if (!markets.ok()) return InputError(err, where, markets.status().message());
    for (const relations::MarketText& m : *markets) questions[m.market_id] = m.question;
  }
  absl::StatusOr<std::unique_ptr<relations::Curator>> curator = relations::Curator::Create(options);
  if (!curator.ok()) return UsageError(err, where, curator.status().message());

  const relations::CuratorReport report = (*curator)->ReviewAll(*candidates, questions);
  if (absl::Status s =
          WriteFileAtomically(*out_path, relations::WriteRelationsJson(report.reviewed));
      !s.ok()) {
    return InputError(err, where, s.message());
  }
  for (const relations::CandidateReview& r : report.reviews) {
    if (r.outcome == relations::ReviewOutcome::kConfirmed) continue;
    err << absl::StrFormat("%s  %s  %s\n", relations::ReviewOutcomeName(r.outcome), r.candidate_id,
                           r.detail);
  }
  out << absl::StrFormat(
      "%d candidates: %d confirmed, %d rejected, %d disagreed, %d malformed, %d http errors; "
      "wrote %d relations to %s\n",
      candidates->size(), report.confirmed, report.rejected, report.disagreed, report.malformed,
      report.http_errors, report.reviewed.size(), *out_path);
  if (!candidates->empty() && report.http_errors == candidates->size()) {
    err << "arborctl relations curate: no answer from " << options.api_base << "\n";
    return kRelationsExitUnreachable;
  }
  return kRelationsExitOk;
}

int Check(const cli::CommandFlags& flags, std::ostream& out, std::ostream& err) {
  const std::string where = " check";
  if (flags.positionals.empty()) return UsageError(err, where, "FILE is required");
  const std::string path = flags.positionals[0];
  double floor = relations::kDefaultTradableFloor;
  if (std::optional<std::string> v = flags.Get("--floor")) {
    absl::StatusOr<double> x = ParseFraction("--floor", *v);
    if (!x.ok()) return UsageError(err, where, x.status().message());
    floor = *x;
  }
  size_t max_markets = 24;
  if (std::optional<std::string> v = flags.Get("--max-cluster-markets")) {
    absl::StatusOr<uint64_t> n = cli::ParseUnsigned("--max-cluster-markets", *v, 1, 1'000'000);
    if (!n.ok()) return UsageError(err, where, n.status().message());
    max_markets = static_cast<size_t>(*n);
  }
  absl::StatusOr<std::vector<Relation>> rels = relations::ReadRelationsFile(path);
  if (!rels.ok()) return InputError(err, where, rels.status().message());
  relations::RelationStore store;
  // A valid file has no duplicate relation, so every entry is added as is.
  if (absl::Status s = store.AddAll(*rels); !s.ok()) return InputError(err, where, s.message());

  std::map<std::string, size_t> by_kind;
  std::map<std::string, size_t> by_provenance;
  std::map<std::string, size_t> by_label;
  for (const Relation& r : *rels) {
    ++by_kind[relations::RelationKindName(r.kind)];
    ++by_provenance[relations::ProvenanceName(r.provenance)];
    ++by_label[relations::ConfidenceLabelName(relations::LabelFor(r.confidence))];
  }
  auto table = [](const char* spec, const std::vector<const char*>& names,
                  const std::map<std::string, size_t>& counts) {
    cli::Table t(spec);
    for (const char* name : names) {
      auto it = counts.find(name);
      t.Add({name, absl::StrCat(it == counts.end() ? 0 : it->second)});
    }
    return t.Render();
  };
  const std::vector<relations::RelationCluster> clusters = store.Clusters(floor, max_markets);
  size_t oversized = 0;
  size_t largest = 0;
  for (const relations::RelationCluster& c : clusters) {
    oversized += c.oversized ? 1 : 0;
    largest = std::max(largest, c.market_ids.size());
  }
  cli::KeyValues summary;
  summary.Add("file", path)
      .Add("relations", absl::StrCat(rels->size()))
      .Add("floor", absl::StrFormat("%g", floor))
      .Add("tradable", absl::StrCat(store.Tradable(floor).size()))
      .Add("clusters", absl::StrCat(clusters.size()))
      .Add("largest_cluster", absl::StrCat(largest, " markets"))
      .Add("oversized_clusters", absl::StrCat(oversized, " (more than ", max_markets, " markets)"));
  out << cli::Sections(
      {summary.Render(), table("KIND >COUNT", {"implies", "excludes", "equivalent"}, by_kind),
       table("PROVENANCE >COUNT", {"curated", "llm_reviewed", "inferred"}, by_provenance),
       table("LABEL >COUNT", {"high", "medium", "low"}, by_label)});
  return kRelationsExitOk;
}

}  // namespace

int RunRelationsCommand(const std::vector<std::string>& args, std::ostream& out,
                        std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return kRelationsExitUsage;
  }
  absl::StatusOr<cli::ParsedCommandLine> line = cli::ParseCommandLine(args, Syntaxes(), {});
  if (!line.ok()) return UsageError(err, "", line.status().message());
  if (line->help) {
    out << (line->subcommand.has_value() ? Syntaxes()[*line->subcommand].help : kUsage);
    return kRelationsExitOk;
  }
  if (!line->subcommand.has_value()) return UsageError(err, "", "missing subcommand");
  const std::string_view name = Syntaxes()[*line->subcommand].name;
  if (name == "infer") return Infer(line->flags, out, err);
  if (name == "curate") return Curate(line->flags, out, err);
  return Check(line->flags, out, err);
}

int RelationsMain(const std::vector<std::string>& args) {
  return RunRelationsCommand(args, std::cout, std::cerr);
}

}  // namespace arbor::arborctl
