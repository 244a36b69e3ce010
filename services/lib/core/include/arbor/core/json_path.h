// File: arbor/core/json_path.h
//
// Strict JSON input readers (arborctl's scan and quant inputs, the run report's session file)
// name the place of every error: a path such as `blocks[2].prices[0]` or `books["0x1"]`, and an
// InvalidArgument "<path>: <what>". These are the shared path builders, the simdjson type names
// used in "expected X, got Y" messages, and the duplicate-key-rejecting member walk.
//
//   ARBOR_RETURN_IF_ERROR(json::ForEachUniqueMember(root, "", [&](std::string_view key,
//                                                                 simdjson::dom::element v) {
//     if (key != "blocks") return json::PathError(json::Member("", key), "unknown key");
//     ...
//   }));
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "simdjson.h"

namespace arbor::json {

// `parent.key` (`key` alone at the top level), `parent[i]`, and `parent["key"]` with the key
// JSON-escaped, so a path names any key unambiguously.
std::string Member(std::string_view parent, std::string_view key);
std::string Index(std::string_view parent, size_t i);
std::string KeyPath(std::string_view parent, std::string_view key);

// InvalidArgument "<path>: <what>".
absl::Status PathError(std::string_view path, std::string_view what);

// "an object", "an array", "a string", "an integer" (int64 / uint64), "a number" (double),
// "a boolean", "null".
const char* TypeName(simdjson::dom::element_type type);

// PathError(path, "expected <expected>, got <TypeName(e)>").
absl::Status WrongType(std::string_view path, simdjson::dom::element e, std::string_view expected);

// ForEachUniqueMember
//
// Calls f(key, value) for every member of the object at `path`, stopping at the first error.
// Not an object: WrongType(path, e, "an object"). A key given twice is an error at
// KeyPath(path, key): simdjson keeps duplicates, and silently taking one would hide a mistake.
template <typename F>
absl::Status ForEachUniqueMember(simdjson::dom::element e, std::string_view path, F&& f) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return WrongType(path, e, "an object");
  absl::flat_hash_set<std::string> seen;
  for (simdjson::dom::key_value_pair member : obj) {
    const std::string key(member.key);
    if (!seen.insert(key).second) return PathError(KeyPath(path, key), "key given twice");
    if (absl::Status s = f(std::string_view(key), member.value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace arbor::json
