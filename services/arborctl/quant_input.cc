#include "quant_input.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_path.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::arborctl {
namespace {

namespace dom = simdjson::dom;
using quant::PolytopeModel;
using quant::Relation;

constexpr char kConstraintKinds[] = "implies, excludes, equivalent, at_most_one, linear";

using json::Index;
using json::KeyPath;
using json::Member;
using json::PathError;
using json::WrongType;

// `name` quoted for a message, escaped and abbreviated (names come from the input).
std::string Quoted(std::string_view name) {
  std::string out = "'";
  AppendJsonEscaped(&out, Abbreviate(name, 80));
  out += "'";
  return out;
}

absl::StatusOr<std::vector<dom::element>> Elements(dom::element e, std::string_view path,
                                                   std::string_view expected) {
  dom::array array;
  if (e.get_array().get(array) != simdjson::SUCCESS) return WrongType(path, e, expected);
  std::vector<dom::element> out;
  for (dom::element v : array) out.push_back(v);
  return out;
}

absl::StatusOr<std::string> NonEmptyString(dom::element e, std::string_view path) {
  std::string_view text;
  if (e.get_string().get(text) != simdjson::SUCCESS) return WrongType(path, e, "a string");
  if (text.empty()) return PathError(path, "empty name");
  return std::string(text);
}

absl::StatusOr<double> FiniteNumber(dom::element e, std::string_view path) {
  double v = 0;
  if (e.get_double().get(v) != simdjson::SUCCESS) return WrongType(path, e, "a number");
  if (!std::isfinite(v)) return PathError(path, "not a finite number");
  return v;
}

struct Parser {
  PolytopeModel model;
  absl::flat_hash_map<std::string, std::string> block_of_outcome;  // outcome -> block name
  absl::flat_hash_set<std::string> block_names;

  absl::Status Block(dom::element e, const std::string& path) {
    std::optional<std::string> name;
    std::optional<std::vector<std::string>> outcomes;
    std::optional<std::vector<double>> prices;
    std::string outcomes_path, prices_path;
    absl::Status s = json::ForEachUniqueMember(e, path, [&](std::string_view key, dom::element v) {
      const std::string vp = Member(path, key);
      if (key == "name") {
        absl::StatusOr<std::string> n = NonEmptyString(v, vp);
        if (!n.ok()) return n.status();
        if (!block_names.insert(*n).second) {
          return PathError(vp, absl::StrCat("duplicate block name ", Quoted(*n)));
        }
        name = *std::move(n);
        return absl::OkStatus();
      }
      if (key == "outcomes") {
        absl::StatusOr<std::vector<dom::element>> items = Elements(v, vp, "an array of names");
        if (!items.ok()) return items.status();
        if (items->empty()) return PathError(vp, "a block needs at least one outcome");
        outcomes.emplace();
        absl::flat_hash_set<std::string> in_block;
        for (size_t i = 0; i < items->size(); ++i) {
          const std::string ip = Index(vp, i);
          absl::StatusOr<std::string> n = NonEmptyString((*items)[i], ip);
          if (!n.ok()) return n.status();
          if (!in_block.insert(*n).second) {
            return PathError(ip, absl::StrCat("duplicate outcome name ", Quoted(*n)));
          }
          outcomes->push_back(*std::move(n));
        }
        outcomes_path = vp;
        return absl::OkStatus();
      }
      if (key == "prices") {
        absl::StatusOr<std::vector<dom::element>> items = Elements(v, vp, "an array of numbers");
        if (!items.ok()) return items.status();
        prices.emplace();
        for (size_t i = 0; i < items->size(); ++i) {
          const std::string ip = Index(vp, i);
          absl::StatusOr<double> p = FiniteNumber((*items)[i], ip);
          if (!p.ok()) return p.status();
          if (!(*p > 0)) return PathError(ip, absl::StrCat("price must be > 0, got ", *p));
          prices->push_back(*p);
        }
        prices_path = vp;
        return absl::OkStatus();
      }
      return PathError(vp, "unknown key (expected name, outcomes, prices)");
    });
    if (!s.ok()) return s;
    if (!name) return PathError(path, "missing \"name\"");
    if (!outcomes) return PathError(path, "missing \"outcomes\"");
    if (!prices) return PathError(path, "missing \"prices\"");
    if (prices->size() != outcomes->size()) {
      return PathError(prices_path,
                       absl::StrCat(prices->size(), " prices for ", outcomes->size(), " outcomes"));
    }
    for (size_t i = 0; i < outcomes->size(); ++i) {
      auto [it, inserted] = block_of_outcome.emplace((*outcomes)[i], *name);
      if (!inserted) {
        return PathError(Index(outcomes_path, i),
                         absl::StrCat("duplicate outcome name ", Quoted((*outcomes)[i]),
                                      " (also in block ", Quoted(it->second), ")"));
      }
    }
    if (absl::Status added = model.AddBlock(*name, *outcomes, *prices); !added.ok()) {
      return PathError(path, FromAbsl(added.message()));  // already validated; defensive
    }
    return absl::OkStatus();
  }

  // A name that must be a block outcome.
  absl::StatusOr<std::string> Outcome(dom::element e, const std::string& path) const {
    absl::StatusOr<std::string> n = NonEmptyString(e, path);
    if (!n.ok()) return n.status();
    if (!block_of_outcome.contains(*n)) {
      return PathError(path, absl::StrCat("unknown outcome ", Quoted(*n)));
    }
    return n;
  }

  absl::StatusOr<std::vector<std::string>> Names(dom::element e, const std::string& path,
                                                 size_t min, size_t max) const {
    absl::StatusOr<std::vector<dom::element>> items = Elements(e, path, "an array of names");
    if (!items.ok()) return items.status();
    if (items->size() < min || items->size() > max) {
      return PathError(
          path, min == max ? absl::StrCat("expected exactly ", min, " names, got ", items->size())
                           : absl::StrCat("expected at least ", min, " name"));
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < items->size(); ++i) {
      absl::StatusOr<std::string> n = Outcome((*items)[i], Index(path, i));
      if (!n.ok()) return n.status();
      out.push_back(*std::move(n));
    }
    return out;
  }

  absl::Status Linear(dom::element e, const std::string& path) {
    std::optional<std::vector<std::pair<std::string, double>>> terms;
    std::optional<Relation> op;
    std::optional<double> rhs;
    absl::Status s = json::ForEachUniqueMember(e, path, [&](std::string_view key, dom::element v) {
      const std::string vp = Member(path, key);
      if (key == "terms") {
        terms.emplace();
        absl::Status t =
            json::ForEachUniqueMember(v, vp, [&](std::string_view name, dom::element coef) {
              const std::string tp = KeyPath(vp, name);
              if (!block_of_outcome.contains(std::string(name))) {
                return PathError(tp, absl::StrCat("unknown outcome ", Quoted(name)));
              }
              absl::StatusOr<double> c = FiniteNumber(coef, tp);
              if (!c.ok()) return c.status();
              terms->emplace_back(std::string(name), *c);
              return absl::OkStatus();
            });
        if (!t.ok()) return t;
        if (terms->empty()) return PathError(vp, "at least one term is needed");
        return absl::OkStatus();
      }
      if (key == "op") {
        std::string_view text;
        if (v.get_string().get(text) != simdjson::SUCCESS) return WrongType(vp, v, "a string");
        if (text == "<=") {
          op = Relation::kLessEqual;
        } else if (text == ">=") {
          op = Relation::kGreaterEqual;
        } else if (text == "=") {
          op = Relation::kEqual;
        } else {
          return PathError(vp,
                           absl::StrCat("expected \"<=\", \">=\" or \"=\", got ", Quoted(text)));
        }
        return absl::OkStatus();
      }
      if (key == "rhs") {
        absl::StatusOr<double> r = FiniteNumber(v, vp);
        if (!r.ok()) return r.status();
        rhs = *r;
        return absl::OkStatus();
      }
      return PathError(vp, "unknown key (expected terms, op, rhs)");
    });
    if (!s.ok()) return s;
    if (!terms) return PathError(path, "missing \"terms\"");
    if (!op) return PathError(path, "missing \"op\"");
    if (!rhs) return PathError(path, "missing \"rhs\"");
    if (absl::Status added = model.AddLinear(*terms, *op, *rhs); !added.ok()) {
      return PathError(path, FromAbsl(added.message()));
    }
    return absl::OkStatus();
  }

  absl::Status Constraint(dom::element e, const std::string& path) {
    int kinds = 0;
    absl::Status s = json::ForEachUniqueMember(e, path, [&](std::string_view key, dom::element v) {
      const std::string vp = Member(path, key);
      ++kinds;
      if (kinds > 1) {
        return PathError(path, absl::StrCat("more than one constraint kind (one of ",
                                            kConstraintKinds, " per object)"));
      }
      absl::Status added;
      if (key == "implies" || key == "excludes" || key == "equivalent") {
        absl::StatusOr<std::vector<std::string>> names = Names(v, vp, 2, 2);
        if (!names.ok()) return names.status();
        const std::string& a = (*names)[0];
        const std::string& b = (*names)[1];
        added = key == "implies"    ? model.AddImplies(a, b)
                : key == "excludes" ? model.AddExcludes(a, b)
                                    : model.AddEquivalent(a, b);
      } else if (key == "at_most_one") {
        absl::StatusOr<std::vector<std::string>> names = Names(v, vp, 1, SIZE_MAX);
        if (!names.ok()) return names.status();
        added = model.AddAtMostOne(*names);
      } else if (key == "linear") {
        return Linear(v, vp);
      } else {
        return PathError(
            vp, absl::StrCat("unknown constraint kind (expected one of ", kConstraintKinds, ")"));
      }
      if (!added.ok()) return PathError(vp, FromAbsl(added.message()));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    if (kinds == 0) {
      return PathError(path,
                       absl::StrCat("empty constraint (expected one of ", kConstraintKinds, ")"));
    }
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<quant::PolytopeModel> ParseQuantInput(std::string_view json) {
  dom::parser parser;
  dom::element root;
  const simdjson::padded_string padded(json.data(), json.size());
  if (const auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("input: malformed JSON: ", simdjson::error_message(error)));
  }
  Parser p;
  std::optional<dom::element> constraints;
  bool have_blocks = false;
  absl::Status s =
      json::ForEachUniqueMember(root, "input", [&](std::string_view key, dom::element v) {
        if (key == "blocks") {
          absl::StatusOr<std::vector<dom::element>> blocks =
              Elements(v, "blocks", "an array of block objects");
          if (!blocks.ok()) return blocks.status();
          if (blocks->empty()) return PathError("blocks", "at least one block is needed");
          for (size_t i = 0; i < blocks->size(); ++i) {
            if (absl::Status b = p.Block((*blocks)[i], Index("blocks", i)); !b.ok()) return b;
          }
          have_blocks = true;
          return absl::OkStatus();
        }
        if (key == "constraints") {
          constraints = v;  // after the blocks, whatever the key order: names refer to them
          return absl::OkStatus();
        }
        return PathError(Member("", key), "unknown key (expected blocks, constraints)");
      });
  if (!s.ok()) return s;
  if (!have_blocks) return PathError("input", "missing \"blocks\"");
  if (constraints) {
    absl::StatusOr<std::vector<dom::element>> items =
        Elements(*constraints, "constraints", "an array of constraint objects");
    if (!items.ok()) return items.status();
    for (size_t i = 0; i < items->size(); ++i) {
      if (absl::Status c = p.Constraint((*items)[i], Index("constraints", i)); !c.ok()) return c;
    }
  }
  return std::move(p.model);
}

}  // namespace arbor::arborctl
