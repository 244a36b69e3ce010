// File: services/arborctl/relations_command.h
//
// `arborctl relations`: build, review and check the relations files the combinatorial lane
// trades on (docs/relations.md).
//
//   arborctl relations infer --markets FILE [--out FILE] [--min-similarity X] [--top-k N]
//                            [--max-bucket N] [--negrisk] [--no-equivalences]
//   arborctl relations curate --candidates FILE --api-base URL [--model M] [--api-key-file F]
//                             [--markets FILE] [--timeout SECONDS] [--max-attempts N]
//                             [--ca-file F] --out FILE
//   arborctl relations check FILE [--floor X] [--max-cluster-markets N]
//
// `infer` runs the rule-based inference (arbor/relations/inference.h) over a JSON array of
// markets (arbor/relations/market_text.h) and writes a relations file of inferred relations.
// `curate` asks an OpenAI-compatible Chat Completions API to confirm each candidate
// (arbor/relations/curator.h) and writes the confirmed ones as llm_reviewed relations. `check`
// validates a file and prints counts by kind, provenance and confidence label, and the clusters
// at a floor. Offline tools: nothing here runs on the trading path. In-process for tests through
// RunRelationsCommand.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace arbor::arborctl {

// Exit codes of the command.
inline constexpr int kRelationsExitOk = 0;
inline constexpr int kRelationsExitUsage = 1;  // bad subcommand or flags
inline constexpr int kRelationsExitBadInput =
    2;  // an input unreadable / invalid, output unwritable
// curate: no candidate got an answer (every request failed at the HTTP level); the (empty)
// output file is still written.
inline constexpr int kRelationsExitUnreachable = 3;

// Runs `arborctl relations` with `args` (after "relations"), writing to `out` / `err`. Returns
// the exit code.
int RunRelationsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The command as main() runs it: stdout and stderr.
int RelationsMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
