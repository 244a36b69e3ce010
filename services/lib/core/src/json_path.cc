#include "arbor/core/json_path.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"

namespace arbor::json {

namespace dom = simdjson::dom;

std::string Member(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(ToAbsl(parent), ".", ToAbsl(key));
}

std::string Index(std::string_view parent, size_t i) {
  return absl::StrCat(ToAbsl(parent), "[", i, "]");
}

std::string KeyPath(std::string_view parent, std::string_view key) {
  std::string path(parent);
  path += "[\"";
  AppendJsonEscaped(&path, key);
  path += "\"]";
  return path;
}

absl::Status PathError(std::string_view path, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(path), ": ", ToAbsl(what)));
}

const char* TypeName(dom::element_type type) {
  switch (type) {
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return "an integer";
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

absl::Status WrongType(std::string_view path, dom::element e, std::string_view expected) {
  return PathError(path, absl::StrCat("expected ", ToAbsl(expected), ", got ", TypeName(e.type())));
}

}  // namespace arbor::json
