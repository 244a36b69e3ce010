#include "scan_input.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/ids.h"
#include "arbor/core/json_path.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "google/protobuf/util/json_util.h"
#include "simdjson.h"

namespace arbor::arborctl {
namespace {

namespace dom = simdjson::dom;

using json::KeyPath;
using json::PathError;
using json::WrongType;

// One side of a book: [["price","size"], ...] best first.
absl::StatusOr<std::vector<book::Level>> ParseLadder(dom::element e, const std::string& path,
                                                     book::BookSide side) {
  dom::array levels;
  if (e.get_array().get(levels) != simdjson::SUCCESS) {
    return WrongType(path, e, "an array of [price, size] levels");
  }
  std::vector<book::Level> out;
  size_t i = 0;
  for (dom::element level : levels) {
    const std::string lp = absl::StrCat(path, "[", i++, "]");
    dom::array pair;
    if (level.get_array().get(pair) != simdjson::SUCCESS) {
      return WrongType(lp, level, "a [price, size] pair");
    }
    std::vector<dom::element> parts;
    for (dom::element part : pair) parts.push_back(part);
    if (parts.size() != 2) {
      return PathError(lp, absl::StrCat("expected [price, size], got ", parts.size(), " values"));
    }
    std::string_view price_text;
    std::string_view size_text;
    if (parts[0].get_string().get(price_text) != simdjson::SUCCESS) {
      return WrongType(lp + "[0]", parts[0], "a decimal string (price)");
    }
    if (parts[1].get_string().get(size_text) != simdjson::SUCCESS) {
      return WrongType(lp + "[1]", parts[1], "a decimal string (size)");
    }
    absl::StatusOr<Price> price = Price::Parse(price_text);
    if (!price.ok()) return PathError(lp + "[0]", FromAbsl(price.status().message()));
    if (!price->IsPositive() || *price >= kPriceOne) {
      return PathError(lp + "[0]", absl::StrCat("price ", price->ToString(), " outside (0, 1)"));
    }
    absl::StatusOr<Quantity> size = Quantity::Parse(size_text);
    if (!size.ok()) return PathError(lp + "[1]", FromAbsl(size.status().message()));
    if (!size->IsPositive()) {
      return PathError(lp + "[1]", absl::StrCat("size ", size->ToString(), " is not positive"));
    }
    if (!out.empty()) {
      const Price prev = out.back().price;
      const bool ordered = side == book::BookSide::kBid ? *price < prev : *price > prev;
      if (!ordered) {
        return PathError(
            lp + "[0]",
            absl::StrCat("price ", price->ToString(), " after ", prev.ToString(), ": ",
                         side == book::BookSide::kBid ? "bids must be strictly highest first"
                                                      : "asks must be strictly lowest first"));
      }
    }
    out.push_back({*price, *size});
  }
  return out;
}

// One `book replay` book object.
absl::StatusOr<ScanBook> ParseBook(dom::element e, const std::string& path) {
  ScanBook b;
  bool have_bids = false;
  bool have_asks = false;
  absl::Status s = json::ForEachUniqueMember(e, path, [&](std::string_view key, dom::element v) {
    const std::string vp = json::Member(path, key);
    if (key == "bids" || key == "asks") {
      const bool bids = key == "bids";
      absl::StatusOr<std::vector<book::Level>> ladder =
          ParseLadder(v, vp, bids ? book::BookSide::kBid : book::BookSide::kAsk);
      if (!ladder.ok()) return ladder.status();
      (bids ? b.bids : b.asks) = *std::move(ladder);
      (bids ? have_bids : have_asks) = true;
      return absl::OkStatus();
    }
    std::string_view text;
    if (key == "tick_size" || key == "hash" || key == "state") {
      if (v.get_string().get(text) != simdjson::SUCCESS) return WrongType(vp, v, "a string");
    }
    if (key == "tick_size") {
      // The catalog's grid is what the lanes check prices against; the replay's (possibly
      // inferred) tick is only validated.
      absl::StatusOr<Price> tick = Price::Parse(text);
      if (!tick.ok()) return PathError(vp, FromAbsl(tick.status().message()));
      if (!tick->IsPositive() || *tick >= kPriceOne) {
        return PathError(vp, absl::StrCat("tick size ", tick->ToString(), " outside (0, 1)"));
      }
      return absl::OkStatus();
    }
    if (key == "hash") return absl::OkStatus();
    if (key == "state") {
      if (text.empty() || text == "live") return absl::OkStatus();
      b.state = std::string(text);
      b.status = text == "stale" ? lanes::BookStatus::kStale : lanes::BookStatus::kQuarantined;
      return absl::OkStatus();
    }
    return PathError(vp, "unknown key (expected tick_size, bids, asks, hash, state)");
  });
  if (!s.ok()) return s;
  if (!have_bids) return PathError(path, "missing \"bids\"");
  if (!have_asks) return PathError(path, "missing \"asks\"");
  return b;
}

// The NO instrument of a Kalshi book given in YES terms: a YES ask of q at p is a NO bid of q at
// 1 - p and a YES bid a NO ask. Best-first order is preserved (the lowest YES ask is the highest
// NO bid).
ScanBook ComplementBook(const ScanBook& yes) {
  ScanBook no;
  no.status = yes.status;
  no.state = yes.state;
  no.bids.reserve(yes.asks.size());
  no.asks.reserve(yes.bids.size());
  for (const book::Level& l : yes.asks) no.bids.push_back({Complement(l.price), l.size});
  for (const book::Level& l : yes.bids) no.asks.push_back({Complement(l.price), l.size});
  return no;
}

absl::Status ParseVenueBooks(dom::element e, const std::string& path, Venue venue,
                             ScanInput& input) {
  return json::ForEachUniqueMember(e, path, [&](std::string_view asset, dom::element v) {
    const std::string bp = KeyPath(path, asset);
    if (asset.empty()) return PathError(bp, "empty asset id");
    if (venue == Venue::kKalshi && asset.find(':') != std::string_view::npos) {
      return PathError(bp,
                       "Kalshi books are keyed by market ticker, as `arborctl book replay` prints "
                       "them (the \"<ticker>:YES\" / \"<ticker>:NO\" instruments are derived)");
    }
    absl::StatusOr<ScanBook> b = ParseBook(v, bp);
    if (!b.ok()) return b.status();
    if (venue == Venue::kPolymarket) {
      input.books[lanes::InstrumentKey{venue, InstrumentId(asset)}] =
          std::make_shared<const ScanBook>(*std::move(b));
      return absl::OkStatus();
    }
    const std::string ticker(asset);
    input.books[lanes::InstrumentKey{venue, InstrumentId(ticker + ":NO")}] =
        std::make_shared<const ScanBook>(ComplementBook(*b));
    input.books[lanes::InstrumentKey{venue, InstrumentId(ticker + ":YES")}] =
        std::make_shared<const ScanBook>(*std::move(b));
    return absl::OkStatus();
  });
}

absl::Status ParseBooks(dom::element e, ScanInput& input) {
  return json::ForEachUniqueMember(e, "books", [&](std::string_view venue_name, dom::element v) {
    const std::optional<Venue> venue = ParseVenue(venue_name);
    const std::string vp = json::Member("books", venue_name);
    if (!venue) return PathError(vp, "unknown venue (expected polymarket or kalshi)");
    return ParseVenueBooks(v, vp, *venue, input);
  });
}

// Parses every element of the array at `path` as a proto3 JSON message of type T.
template <typename T>
absl::Status ParseMessages(dom::element e, std::string_view path, std::vector<T>& out) {
  dom::array items;
  if (e.get_array().get(items) != simdjson::SUCCESS) return WrongType(path, e, "an array");
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field must not silently become a default
  size_t i = 0;
  for (dom::element item : items) {
    const std::string ip = absl::StrCat(ToAbsl(path), "[", i++, "]");
    if (item.type() != dom::element_type::OBJECT) return WrongType(ip, item, "an object");
    // The protobuf parser takes text: re-serialise the element (minified, values unchanged).
    const std::string text = simdjson::to_string(item);
    T message;
    const auto status = google::protobuf::util::JsonStringToMessage(text, &message, options);
    if (!status.ok()) {
      return PathError(ip, std::string(status.message().data(), status.message().size()));
    }
    out.push_back(std::move(message));
  }
  return absl::OkStatus();
}

// Names an entry in catalog errors: `markets[3] (market_id "0xabc")`.
std::string EntryName(std::string_view path, size_t index, std::string_view id_field,
                      std::string_view id) {
  std::string name = absl::StrCat(ToAbsl(path), "[", index, "] (", ToAbsl(id_field), " \"");
  AppendJsonEscaped(&name, id);
  name += "\")";
  return name;
}

// The checks the engine would otherwise only report as "rejected": conversion errors, empty and
// duplicate ids. Done here so the error names the entry's position in the file.
absl::Status ValidateCatalog(const ScanInput& input) {
  absl::flat_hash_map<std::string, size_t> seen;
  for (size_t i = 0; i < input.markets.size(); ++i) {
    const arbor::v1::Market& m = input.markets[i];
    const std::string name = EntryName("markets", i, "market_id", m.market_id());
    if (m.market_id().empty()) return PathError(name, "empty market_id");
    if (auto [it, inserted] = seen.emplace(m.market_id(), i); !inserted) {
      return PathError(name,
                       absl::StrCat("market_id given twice (also markets[", it->second, "])"));
    }
    if (absl::StatusOr<lanes::LaneMarket> lm = lanes::MarketFromProto(m); !lm.ok()) {
      return PathError(name, FromAbsl(lm.status().message()));
    }
  }
  seen.clear();
  for (size_t i = 0; i < input.events.size(); ++i) {
    const arbor::v1::Event& e = input.events[i];
    const std::string name = EntryName("events", i, "event_id", e.event_id());
    if (e.event_id().empty()) return PathError(name, "empty event_id");
    if (auto [it, inserted] = seen.emplace(e.event_id(), i); !inserted) {
      return PathError(name, absl::StrCat("event_id given twice (also events[", it->second, "])"));
    }
    if (absl::StatusOr<lanes::LaneEvent> le = lanes::EventFromProto(e); !le.ok()) {
      return PathError(name, FromAbsl(le.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseNow(dom::element e) {
  constexpr char kPath[] = "now_unix_nanos";
  int64_t now = 0;
  if (e.type() == dom::element_type::INT64) {
    if (e.get_int64().get(now) != simdjson::SUCCESS) return PathError(kPath, "not an int64");
  } else if (e.type() == dom::element_type::STRING) {
    // proto3 JSON writes int64 as a decimal string; accept that form too.
    std::string_view text;
    if (e.get_string().get(text) != simdjson::SUCCESS || !absl::SimpleAtoi(ToAbsl(text), &now)) {
      return PathError(kPath, "not a decimal int64 string");
    }
  } else {
    return WrongType(kPath, e, "an integer (Unix nanoseconds)");
  }
  if (now <= 0) return PathError(kPath, "must be positive");
  return now;
}

}  // namespace

absl::StatusOr<ScanInput> ParseScanInput(std::string_view json) {
  dom::parser parser;
  const simdjson::padded_string padded(json.data(), json.size());
  dom::element root;
  if (const simdjson::error_code err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("input: malformed JSON: ", simdjson::error_message(err)));
  }
  if (root.type() != dom::element_type::OBJECT) return WrongType("input", root, "an object");
  ScanInput input;
  absl::Status s = json::ForEachUniqueMember(root, "", [&](std::string_view key, dom::element v) {
    if (key == "books") return ParseBooks(v, input);
    if (key == "markets") return ParseMessages(v, "markets", input.markets);
    if (key == "events") return ParseMessages(v, "events", input.events);
    if (key == "now_unix_nanos") {
      absl::StatusOr<int64_t> now = ParseNow(v);
      if (!now.ok()) return now.status();
      input.now_unix_nanos = *now;
      return absl::OkStatus();
    }
    return PathError(key, "unknown key (expected books, markets, events, now_unix_nanos)");
  });
  if (!s.ok()) return s;
  if (absl::Status c = ValidateCatalog(input); !c.ok()) return c;
  return input;
}

std::optional<lanes::LaneBook> StaticBookReader::Read(const lanes::InstrumentKey& key,
                                                      absl::Duration /*max_age*/) const {
  auto it = books_.find(key);
  if (it == books_.end()) return std::nullopt;
  const std::shared_ptr<const ScanBook>& s = it->second;
  lanes::LaneBook b;
  b.bids = s->bids;
  b.asks = s->asks;
  b.status = s->status;
  b.trusted = true;
  b.fresh = true;
  b.owner = s;
  return b;
}

}  // namespace arbor::arborctl
