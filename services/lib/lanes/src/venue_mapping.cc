#include "arbor/lanes/venue_mapping.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::lanes {
namespace {

namespace dom = simdjson::dom;

// "pairs[3]" or, once the id is known, "pairs[3] (id \"fed-cut\")".
std::string EntryName(size_t index, std::string_view id) {
  std::string name = absl::StrCat("pairs[", index, "]");
  if (!id.empty()) absl::StrAppend(&name, " (id \"", ToAbsl(id), "\")");
  return name;
}

absl::Status EntryError(size_t index, std::string_view id, std::string_view field,
                        std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(EntryName(index, id), ".", ToAbsl(field), ": ", ToAbsl(what)));
}

absl::StatusOr<Equivalence> EquivalenceFromName(std::string_view s) {
  for (Equivalence e : {Equivalence::kIdentical, Equivalence::kSameQuestionDifferentSource,
                        Equivalence::kSubset, Equivalence::kSuperset, Equivalence::kRelated}) {
    if (s == EquivalenceName(e)) return e;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown equivalence \"", ToAbsl(s),
                   "\" (identical, same_question_different_source, subset, superset, related)"));
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// One entry of "pairs". `id` is filled as soon as it is read, for the error messages of the
// other fields (whatever their order in the object).
absl::StatusOr<MappingPair> ParsePair(dom::element e, size_t index) {
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(EntryName(index, ""), ": not an object"));
  }
  MappingPair p;
  // The id first, so every later message names the entry.
  for (dom::key_value_pair f : obj) {
    if (f.key == "id") {
      std::string_view id;
      if (f.value.get_string().get(id) == simdjson::SUCCESS) p.id = std::string(id);
    }
  }
  absl::flat_hash_set<std::string> seen;
  bool has_equivalence = false;
  bool has_confidence = false;
  for (dom::key_value_pair f : obj) {
    const std::string key(f.key);
    if (!seen.insert(key).second) return EntryError(index, p.id, key, "given twice");
    std::string* text = nullptr;
    if (key == "id") {
      text = &p.id;
    } else if (key == "polymarket_market_id") {
      text = &p.polymarket_market_id;
    } else if (key == "kalshi_market_id") {
      text = &p.kalshi_market_id;
    } else if (key == "polymarket_resolution_source") {
      text = &p.polymarket_resolution_source;
    } else if (key == "kalshi_resolution_source") {
      text = &p.kalshi_resolution_source;
    } else if (key == "reviewed_by") {
      text = &p.reviewed_by;
    } else if (key == "note") {
      text = &p.note;
    } else if (key == "equivalence") {
      std::string_view s;
      if (f.value.get_string().get(s) != simdjson::SUCCESS) {
        return EntryError(index, p.id, key, "not a string");
      }
      absl::StatusOr<Equivalence> eq = EquivalenceFromName(s);
      if (!eq.ok()) return EntryError(index, p.id, key, FromAbsl(eq.status().message()));
      p.equivalence = *eq;
      has_equivalence = true;
      continue;
    } else if (key == "confidence") {
      // Integers 0 / 1 are numbers too; strings, booleans and null are not.
      const dom::element_type t = f.value.type();
      if (t != dom::element_type::DOUBLE && t != dom::element_type::INT64 &&
          t != dom::element_type::UINT64) {
        return EntryError(index, p.id, key, "not a number");
      }
      double c = 0;
      if (f.value.get_double().get(c) != simdjson::SUCCESS || !std::isfinite(c) || c < 0 || c > 1) {
        return EntryError(index, p.id, key, "must be in [0, 1]");
      }
      p.confidence = c;
      has_confidence = true;
      continue;
    } else if (key == "max_horizon_gap_seconds") {
      int64_t gap = 0;
      if (f.value.type() != dom::element_type::INT64 &&
          f.value.type() != dom::element_type::UINT64) {
        return EntryError(index, p.id, key, "not an integer (seconds)");
      }
      if (f.value.get_int64().get(gap) != simdjson::SUCCESS || gap < 0) {
        return EntryError(index, p.id, key, "must be >= 0 and fit in int64");
      }
      p.max_horizon_gap_seconds = gap;
      continue;
    } else if (key == "polymarket_outcome_of_kalshi_yes") {
      int64_t o = -1;
      if (f.value.type() != dom::element_type::INT64 ||
          f.value.get_int64().get(o) != simdjson::SUCCESS || (o != 0 && o != 1)) {
        return EntryError(index, p.id, key, "must be the integer 0 or 1");
      }
      p.polymarket_outcome_of_kalshi_yes = static_cast<int>(o);
      continue;
    } else {
      return EntryError(index, p.id, key, "unknown key");
    }
    std::string_view s;
    if (f.value.get_string().get(s) != simdjson::SUCCESS) {
      return EntryError(index, p.id, key, "not a string");
    }
    *text = std::string(s);
  }
  if (p.id.empty()) {
    return EntryError(index, p.id, "id", seen.contains(std::string("id")) ? "empty" : "missing");
  }
  const std::pair<const char*, const std::string*> market_ids[] = {
      {"polymarket_market_id", &p.polymarket_market_id}, {"kalshi_market_id", &p.kalshi_market_id}};
  for (const auto& [key, value] : market_ids) {
    if (value->empty()) {
      return EntryError(index, p.id, key, seen.contains(std::string(key)) ? "empty" : "missing");
    }
  }
  if (!has_equivalence) return EntryError(index, p.id, "equivalence", "missing");
  if (!has_confidence) return EntryError(index, p.id, "confidence", "missing");
  return p;
}

}  // namespace

const char* EquivalenceName(Equivalence e) {
  switch (e) {
    case Equivalence::kIdentical:
      return "identical";
    case Equivalence::kSameQuestionDifferentSource:
      return "same_question_different_source";
    case Equivalence::kSubset:
      return "subset";
    case Equivalence::kSuperset:
      return "superset";
    case Equivalence::kRelated:
      return "related";
  }
  return "unknown";
}

absl::StatusOr<VenueMapping> ParseVenueMapping(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("mapping: invalid JSON: ", simdjson::error_message(err)));
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "mapping: top level must be an object {\"version\":1,\"pairs\":[...]}");
  }
  VenueMapping mapping;
  bool has_version = false;
  bool has_pairs = false;
  dom::array pairs;
  for (dom::key_value_pair f : obj) {
    if (f.key == "version") {
      if (has_version) return absl::InvalidArgumentError("mapping: version: given twice");
      has_version = true;
      int64_t v = 0;
      if (f.value.type() != dom::element_type::INT64 ||
          f.value.get_int64().get(v) != simdjson::SUCCESS || v != 1) {
        return absl::InvalidArgumentError("mapping: version: must be the integer 1");
      }
      mapping.version = static_cast<int>(v);
    } else if (f.key == "pairs") {
      if (has_pairs) return absl::InvalidArgumentError("mapping: pairs: given twice");
      has_pairs = true;
      if (f.value.get_array().get(pairs) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("mapping: pairs: not an array");
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("mapping: ", ToAbsl(f.key), ": unknown key (version, pairs)"));
    }
  }
  if (!has_version) return absl::InvalidArgumentError("mapping: version: missing");
  if (!has_pairs) return absl::InvalidArgumentError("mapping: pairs: missing");

  absl::flat_hash_set<std::string> ids;
  absl::flat_hash_set<std::pair<std::string, std::string>> markets;
  size_t index = 0;
  for (dom::element e : pairs) {
    absl::StatusOr<MappingPair> p = ParsePair(e, index);
    if (!p.ok()) return absl::InvalidArgumentError(absl::StrCat("mapping: ", p.status().message()));
    if (!ids.insert(p->id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("mapping: ", EntryName(index, p->id), ".id: duplicate id"));
    }
    // Two entries for one market pair would disagree on confidence / equivalence at best.
    if (!markets.emplace(p->polymarket_market_id, p->kalshi_market_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("mapping: ", EntryName(index, p->id), ": duplicate market pair (",
                       p->polymarket_market_id, ", ", p->kalshi_market_id, ")"));
    }
    mapping.pairs.push_back(*std::move(p));
    ++index;
  }
  return mapping;
}

absl::StatusOr<VenueMapping> ReadVenueMappingFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("mapping file ", path, ": cannot open"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat("mapping file ", path, ": read error"));
  absl::StatusOr<VenueMapping> m = ParseVenueMapping(text.str());
  if (!m.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", m.status().message()));
  }
  return m;
}

bool SameResolutionSource(std::string_view a, std::string_view b) {
  a = Trim(a);
  b = Trim(b);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

}  // namespace arbor::lanes
