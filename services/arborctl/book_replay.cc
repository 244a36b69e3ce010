#include "book_replay.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "venue_replayer.h"

namespace arbor::arborctl {
namespace {

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

int RunBookReplay(const BookReplayOptions& options, std::istream& in, std::ostream& out,
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
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    // Frames recorded with CRLF endings keep their content; only the terminator is dropped.
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ++stats.lines;
    const FrameResult result = replayer->ApplyFrame(line);
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
    err << "line " << line_number << ": " << OutcomeName(result.outcome) << ": "
        << result.status.message() << "\n";
    if (options.strict && result.outcome == FrameOutcome::kMalformed) {
      err << "arborctl book replay: stopping at line " << line_number << " (--strict)\n";
      if (stats_out != nullptr) *stats_out = stats;
      return kExitMalformedStrict;
    }
  }

  JsonWriter json;
  replayer->WriteBooks(json);
  out << json.str() << "\n";
  err << "replayed " << stats.lines << " frames: " << stats.applied << " applied, "
      << stats.malformed << " malformed, " << stats.unknown << " unknown type, " << stats.rejected
      << " rejected\n";
  if (stats_out != nullptr) *stats_out = stats;
  return kExitOk;
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
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "arborctl book replay: cannot open '" << path << "'\n";
    return kExitUsage;
  }
  return RunBookReplay(options, file, std::cout, std::cerr);
}

}  // namespace arbor::arborctl
