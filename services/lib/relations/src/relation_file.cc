#include "arbor/relations/relation_file.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::relations {
namespace {

namespace dom = simdjson::dom;

// "relations[3]" or, once the id is known, "relations[3] (id \"fed-cut\")".
std::string EntryName(size_t index, std::string_view id) {
  std::string name = absl::StrCat("relations[", index, "]");
  if (!id.empty()) absl::StrAppend(&name, " (id \"", ToAbsl(id), "\")");
  return name;
}

absl::Status EntryError(size_t index, std::string_view id, std::string_view field,
                        std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(EntryName(index, id), ".", ToAbsl(field), ": ", ToAbsl(what)));
}

bool IsNumber(dom::element v) {
  const dom::element_type t = v.type();
  return t == dom::element_type::DOUBLE || t == dom::element_type::INT64 ||
         t == dom::element_type::UINT64;
}

// `a` / `b`: {"market_id": "...", "outcome": 0}. `field` is "a" or "b".
absl::Status ParseRef(dom::element v, size_t index, std::string_view id, const std::string& field,
                      OutcomeRef* ref) {
  dom::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) {
    return EntryError(index, id, field, "not an object {\"market_id\":...,\"outcome\":0}");
  }
  absl::flat_hash_set<std::string> seen;
  for (dom::key_value_pair f : obj) {
    const std::string key(f.key);
    const std::string path = absl::StrCat(field, ".", key);
    if (!seen.insert(key).second) return EntryError(index, id, path, "given twice");
    if (key == "market_id") {
      std::string_view s;
      if (f.value.get_string().get(s) != simdjson::SUCCESS) {
        return EntryError(index, id, path, "not a string");
      }
      if (s.empty()) return EntryError(index, id, path, "empty");
      ref->market_id = std::string(s);
    } else if (key == "outcome") {
      int64_t o = -1;
      if (f.value.type() != dom::element_type::INT64 ||
          f.value.get_int64().get(o) != simdjson::SUCCESS || o < 0 ||
          o > std::numeric_limits<int>::max()) {
        return EntryError(index, id, path, "must be a non-negative integer");
      }
      ref->outcome = static_cast<int>(o);
    } else {
      return EntryError(index, id, path, "unknown key (market_id, outcome)");
    }
  }
  if (!seen.contains(std::string("market_id"))) {
    return EntryError(index, id, absl::StrCat(field, ".market_id"), "missing");
  }
  return absl::OkStatus();
}

// One entry of "relations". The id is read first so that every later message names the entry,
// whatever the key order.
absl::StatusOr<Relation> ParseEntry(dom::element e, size_t index) {
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(EntryName(index, ""), ": not an object"));
  }
  Relation r;
  for (dom::key_value_pair f : obj) {
    if (f.key == "id") {
      std::string_view id;
      if (f.value.get_string().get(id) == simdjson::SUCCESS) r.id = std::string(id);
    }
  }
  absl::flat_hash_set<std::string> seen;
  bool has_provenance = false;
  for (dom::key_value_pair f : obj) {
    const std::string key(f.key);
    if (!seen.insert(key).second) return EntryError(index, r.id, key, "given twice");
    std::string* text = nullptr;
    if (key == "id") {
      text = &r.id;
    } else if (key == "rule") {
      text = &r.rule;
    } else if (key == "evidence") {
      text = &r.evidence;
    } else if (key == "reviewed_by") {
      text = &r.reviewed_by;
    } else if (key == "kind") {
      std::string_view s;
      if (f.value.get_string().get(s) != simdjson::SUCCESS) {
        return EntryError(index, r.id, key, "not a string");
      }
      std::optional<RelationKind> k = RelationKindFromName(s);
      if (!k.has_value()) {
        return EntryError(
            index, r.id, key,
            absl::StrCat("unknown kind \"", Abbreviate(s), "\" (implies, excludes, equivalent)"));
      }
      r.kind = *k;
      continue;
    } else if (key == "provenance") {
      std::string_view s;
      if (f.value.get_string().get(s) != simdjson::SUCCESS) {
        return EntryError(index, r.id, key, "not a string");
      }
      std::optional<Provenance> p = ProvenanceFromName(s);
      if (!p.has_value()) {
        return EntryError(index, r.id, key,
                          absl::StrCat("unknown provenance \"", Abbreviate(s),
                                       "\" (curated, inferred, llm_reviewed)"));
      }
      r.provenance = *p;
      has_provenance = true;
      continue;
    } else if (key == "a" || key == "b") {
      if (absl::Status s = ParseRef(f.value, index, r.id, key, key == "a" ? &r.a : &r.b); !s.ok()) {
        return s;
      }
      continue;
    } else if (key == "confidence") {
      // Integers 0 / 1 are numbers too; strings, booleans and null are not.
      if (!IsNumber(f.value)) return EntryError(index, r.id, key, "not a number");
      double c = 0;
      if (f.value.get_double().get(c) != simdjson::SUCCESS || !std::isfinite(c) || c < 0 || c > 1) {
        return EntryError(index, r.id, key, "must be in [0, 1]");
      }
      r.confidence = c;
      continue;
    } else {
      return EntryError(index, r.id, key,
                        "unknown key (id, kind, a, b, confidence, provenance, rule, evidence, "
                        "reviewed_by)");
    }
    std::string_view s;
    if (f.value.get_string().get(s) != simdjson::SUCCESS) {
      return EntryError(index, r.id, key, "not a string");
    }
    *text = std::string(s);
  }
  if (r.id.empty()) {
    return EntryError(index, r.id, "id", seen.contains(std::string("id")) ? "empty" : "missing");
  }
  for (const char* required : {"kind", "a", "b", "confidence"}) {
    if (!seen.contains(std::string(required))) return EntryError(index, r.id, required, "missing");
  }
  if (!has_provenance) r.provenance = Provenance::kCurated;
  if (!seen.contains(std::string("rule"))) {
    // A machine-made relation must say which rule made it; a hand-written one is "curated".
    if (r.provenance != Provenance::kCurated) {
      return EntryError(index, r.id, "rule", "missing (required unless provenance is curated)");
    }
    r.rule = "curated";
  } else if (r.rule.empty()) {
    return EntryError(index, r.id, "rule", "empty");
  }
  if (r.a.market_id == r.b.market_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        EntryName(index, r.id), ": ",
        r.a == r.b ? "a and b are the same outcome" : "a and b are outcomes of the same market",
        " (", r.a.market_id, "); a relation links two different markets"));
  }
  return r;
}

// (kind, first ref, second ref) with the refs ordered for symmetric kinds.
using RelationKey = std::tuple<RelationKind, std::string, int, std::string, int>;

RelationKey KeyOf(const Relation& r) {
  const OutcomeRef* x = &r.a;
  const OutcomeRef* y = &r.b;
  if (IsSymmetric(r.kind) && *y < *x) std::swap(x, y);
  return {r.kind, x->market_id, x->outcome, y->market_id, y->outcome};
}

}  // namespace

absl::StatusOr<std::vector<Relation>> ParseRelationsFile(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("relations: invalid JSON: ", simdjson::error_message(err)));
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "relations: top level must be an object {\"version\":1,\"relations\":[...]}");
  }
  bool has_version = false;
  bool has_relations = false;
  dom::array entries;
  for (dom::key_value_pair f : obj) {
    if (f.key == "version") {
      if (has_version) return absl::InvalidArgumentError("relations: version: given twice");
      has_version = true;
      int64_t v = 0;
      if (f.value.type() != dom::element_type::INT64 ||
          f.value.get_int64().get(v) != simdjson::SUCCESS || v != 1) {
        return absl::InvalidArgumentError("relations: version: must be the integer 1");
      }
    } else if (f.key == "relations") {
      if (has_relations) return absl::InvalidArgumentError("relations: relations: given twice");
      has_relations = true;
      if (f.value.get_array().get(entries) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("relations: relations: not an array");
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("relations: ", ToAbsl(f.key), ": unknown key (version, relations)"));
    }
  }
  if (!has_version) return absl::InvalidArgumentError("relations: version: missing");
  if (!has_relations) return absl::InvalidArgumentError("relations: relations: missing");

  std::vector<Relation> out;
  absl::flat_hash_set<std::string> ids;
  absl::flat_hash_set<RelationKey> keys;
  size_t index = 0;
  for (dom::element e : entries) {
    absl::StatusOr<Relation> r = ParseEntry(e, index);
    if (!r.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("relations: ", r.status().message()));
    }
    if (!ids.insert(r->id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("relations: ", EntryName(index, r->id), ".id: duplicate id"));
    }
    // Two entries for one relation would disagree on confidence / provenance at best.
    if (!keys.insert(KeyOf(*r)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("relations: ", EntryName(index, r->id), ": duplicate relation (",
                       RelationKindName(r->kind), " ", r->a.market_id, "#", r->a.outcome, ", ",
                       r->b.market_id, "#", r->b.outcome, ")"));
    }
    out.push_back(*std::move(r));
    ++index;
  }
  return out;
}

absl::StatusOr<std::vector<Relation>> ReadRelationsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("relations file ", path, ": cannot open"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::UnavailableError(absl::StrCat("relations file ", path, ": read error"));
  }
  absl::StatusOr<std::vector<Relation>> r = ParseRelationsFile(text.str());
  if (!r.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", r.status().message()));
  return r;
}

std::string WriteRelationsJson(const std::vector<Relation>& relations) {
  std::string out = "{\"version\":1,\"relations\":[";
  for (size_t i = 0; i < relations.size(); ++i) {
    const Relation& r = relations[i];
    JsonWriter w;
    w.BeginObject().Key("id").String(r.id).Key("kind").String(RelationKindName(r.kind));
    w.Key("a").BeginObject().Key("market_id").String(r.a.market_id).Key("outcome").Int(r.a.outcome);
    w.EndObject();
    w.Key("b").BeginObject().Key("market_id").String(r.b.market_id).Key("outcome").Int(r.b.outcome);
    w.EndObject();
    w.Key("confidence").Double(r.confidence).Key("provenance").String(ProvenanceName(r.provenance));
    if (!r.rule.empty()) w.Key("rule").String(r.rule);
    if (!r.evidence.empty()) w.Key("evidence").String(r.evidence);
    if (!r.reviewed_by.empty()) w.Key("reviewed_by").String(r.reviewed_by);
    w.EndObject();
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", w.str());
  }
  absl::StrAppend(&out, relations.empty() ? "]}\n" : "\n]}\n");
  return out;
}

}  // namespace arbor::relations
