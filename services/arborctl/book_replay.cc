#include "book_replay.h"

#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/feed/capture.h"
#include "venue_replayer.h"

namespace arbor::arborctl {
namespace {

constexpr char kBookReplayUsage[] =
    "usage: arborctl book replay --venue polymarket|kalshi [--strict] [--capture]\n"
    "                            [--tick-size ASSET=TICK]... [FILE|DIR]\n"
    "  Applies recorded venue frames (one raw frame per line; stdin when FILE is omitted)\n"
    "  and prints the final books as JSON. Malformed lines are reported on stderr and\n"
    "  skipped; with --strict the first one stops the replay. Capture files (header\n"
    "  {\"arbor_capture\":1,...}) are detected and their records of the chosen venue\n"
    "  replayed; --capture requires one; a DIR replays its capture-*.jsonl files in order.\n"
    "  Exit codes: 0 ok, 1 usage error or unreadable input, 2 malformed line with --strict.\n";

const char* OutcomeName(FrameOutcome outcome) {
  switch (outcome) {
    case FrameOutcome::kApplied:
      return "applied";
    case FrameOutcome::kMalformed:
      return "malformed";
    case FrameOutcome::kUnknown:
      return "unknown";
    case FrameOutcome::kRejected:
      return "rejected";
  }
  return "?";
}

}  // namespace

void WriteBookLevels(const book::OrderBook& book, JsonWriter& out) {
  out.Key("tick_size").String(book.grid().ToString());
  for (const book::BookSide side : {book::BookSide::kBid, book::BookSide::kAsk}) {
    out.Key(side == book::BookSide::kBid ? "bids" : "asks").BeginArray();
    book.ForEachLevel(side, [&](const book::Level& level) {
      out.BeginArray().String(level.price.ToString()).String(level.size.ToString()).EndArray();
    });
    out.EndArray();
  }
}

int RunBookReplayInputs(const BookReplayOptions& options, const std::vector<std::string>& names,
                        const std::vector<std::istream*>& inputs, std::ostream& out,
                        std::ostream& err, BookReplayStats* stats_out) {
  std::unique_ptr<VenueReplayer> replayer;
  if (options.venue == Venue::kPolymarket) {
    if (absl::Status s = MakePolymarketReplayer(options.tick_sizes, &replayer); !s.ok()) {
      err << "arborctl book replay: " << s.message() << "\n";
      return kExitUsage;
    }
  } else {
    if (!options.tick_sizes.empty()) {
      err << "arborctl book replay: --tick-size applies to polymarket only (Kalshi grids come "
             "from the frames)\n";
      return kExitUsage;
    }
    replayer = MakeKalshiReplayer();
  }

  BookReplayStats stats;
  bool any_capture = false;
  std::string line;
  // Reused across capture records so that replaying does not allocate per frame.
  std::string frame_buffer;
  feed::CaptureRecord record;
  auto finish = [&](int code) {
    if (stats_out != nullptr) *stats_out = stats;
    return code;
  };
  for (size_t input = 0; input < inputs.size(); ++input) {
    const std::string where = names[input].empty() ? "" : names[input] + ": ";
    std::istream& in = *inputs[input];
    int line_number = 0;
    bool first = true;
    bool capture = false;
    while (std::getline(in, line)) {
      ++line_number;
      // Frames recorded with CRLF endings keep their content; only the terminator is dropped.
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (first) {
        first = false;
        capture = feed::LooksLikeCaptureHeader(line);
        if (options.capture && !capture) {
          err << "arborctl book replay: " << where << "line " << line_number
              << ": not a capture file (no {\"arbor_capture\":...} header)\n";
          return finish(kExitUsage);
        }
        any_capture = any_capture || capture;
      }
      std::string_view frame = line;
      FrameResult result;
      if (capture) {
        if (feed::LooksLikeCaptureHeader(line)) {
          if (absl::StatusOr<feed::CaptureHeader> h = feed::ParseCaptureHeaderLine(line); !h.ok()) {
            err << "arborctl book replay: " << where << "line " << line_number << ": "
                << h.status().message() << "\n";
            return finish(kExitUsage);
          }
          continue;
        }
        if (absl::Status s = feed::ParseCaptureRecordLine(line, &record, &frame_buffer); !s.ok()) {
          ++stats.lines;
          result = FrameResult{FrameOutcome::kMalformed, std::move(s)};
        } else if (record.venue != options.venue) {
          ++stats.other_venue;
          continue;
        } else {
          frame = record.frame;
        }
      }
      if (result.status.ok()) {
        ++stats.lines;
        result = replayer->ApplyFrame(frame);
      }
      switch (result.outcome) {
        case FrameOutcome::kApplied:
          ++stats.applied;
          continue;
        case FrameOutcome::kMalformed:
          ++stats.malformed;
          break;
        case FrameOutcome::kUnknown:
          ++stats.unknown;
          break;
        case FrameOutcome::kRejected:
          ++stats.rejected;
          break;
      }
      err << where << "line " << line_number << ": " << OutcomeName(result.outcome) << ": "
          << result.status.message() << "\n";
      if (options.strict && result.outcome == FrameOutcome::kMalformed) {
        err << "arborctl book replay: stopping at " << where << "line " << line_number
            << " (--strict)\n";
        return finish(kExitMalformedStrict);
      }
    }
    if (options.capture && first) {
      err << "arborctl book replay: " << where << "empty input, not a capture file\n";
      return finish(kExitUsage);
    }
  }

  JsonWriter json;
  replayer->WriteBooks(json);
  out << json.str() << "\n";
  err << "replayed " << stats.lines << " frames: " << stats.applied << " applied, "
      << stats.malformed << " malformed, " << stats.unknown << " unknown type, " << stats.rejected
      << " rejected";
  if (any_capture) err << ", " << stats.other_venue << " capture records of other venues skipped";
  err << "\n";
  return finish(kExitOk);
}

int RunBookReplay(const BookReplayOptions& options, std::istream& in, std::ostream& out,
                  std::ostream& err, BookReplayStats* stats_out) {
  return RunBookReplayInputs(options, {""}, {&in}, out, err, stats_out);
}

int BookReplayMain(const std::vector<std::string>& args) {
  BookReplayOptions options;
  bool have_venue = false;
  std::string path;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= args.size()) return false;
      *v = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::cout << kBookReplayUsage;
      return kExitOk;
    }
    if (a == "--venue") {
      if (!value(&v)) {
        std::cerr << "arborctl book replay: --venue needs a value\n";
        return kExitUsage;
      }
      const std::optional<Venue> venue = ParseVenue(v);
      if (!venue) {
        std::cerr << "arborctl book replay: unknown venue '" << v
                  << "' (expected polymarket or kalshi)\n";
        return kExitUsage;
      }
      options.venue = *venue;
      have_venue = true;
    } else if (a == "--capture") {
      options.capture = true;
    } else if (a == "--strict") {
      options.strict = true;
    } else if (a == "--tick-size") {
      const size_t eq = value(&v) ? v.find('=') : std::string::npos;
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
        std::cerr << "arborctl book replay: --tick-size needs ASSET=TICK\n";
        return kExitUsage;
      }
      options.tick_sizes.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::cerr << "arborctl book replay: unknown flag '" << a << "'\n";
      return kExitUsage;
    } else if (path.empty()) {
      path = a;
    } else {
      std::cerr << "arborctl book replay: more than one input file\n";
      return kExitUsage;
    }
  }
  if (!have_venue) {
    std::cerr << "arborctl book replay: --venue polymarket|kalshi is required\n";
    return kExitUsage;
  }
  if (path.empty() || path == "-") return RunBookReplay(options, std::cin, std::cout, std::cerr);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    absl::StatusOr<std::vector<std::string>> files = feed::ListCaptureFiles(path);
    if (!files.ok() || files->empty()) {
      std::cerr << "arborctl book replay: no capture-*.jsonl files in '" << path << "'"
                << (files.ok() ? "" : ": ") << (files.ok() ? "" : files.status().message()) << "\n";
      return kExitUsage;
    }
    options.capture = true;
    std::vector<std::unique_ptr<std::ifstream>> streams;
    std::vector<std::istream*> inputs;
    for (const std::string& file : *files) {
      streams.push_back(std::make_unique<std::ifstream>(file, std::ios::binary));
      if (!*streams.back()) {
        std::cerr << "arborctl book replay: cannot open '" << file << "'\n";
        return kExitUsage;
      }
      inputs.push_back(streams.back().get());
    }
    return RunBookReplayInputs(options, *files, inputs, std::cout, std::cerr);
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "arborctl book replay: cannot open '" << path << "'\n";
    return kExitUsage;
  }
  return RunBookReplay(options, file, std::cout, std::cerr);
}

}  // namespace arbor::arborctl
