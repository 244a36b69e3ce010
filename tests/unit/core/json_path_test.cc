// json_path.h: paths name any key unambiguously, type names tell integers from numbers, and the
// member walk rejects a repeated key at its path.
#include "arbor/core/json_path.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace arbor::json {
namespace {

TEST(JsonPathTest, Paths) {
  EXPECT_EQ(Member("", "blocks"), "blocks");
  EXPECT_EQ(Member("blocks[2]", "prices"), "blocks[2].prices");
  EXPECT_EQ(Index("blocks", 2), "blocks[2]");
  EXPECT_EQ(KeyPath("books", "0x1"), R"(books["0x1"])");
  EXPECT_EQ(KeyPath("terms", "a\"b"), R"(terms["a\"b"])");
  absl::Status s = PathError("blocks[0].name", "empty name");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "blocks[0].name: empty name");
}

TEST(JsonPathTest, TypeNamesAndWrongType) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(std::string(R"([1, 1.5, "x", true, null, {}, [], 18446744073709551615])"))
                .get(e),
            simdjson::SUCCESS);
  std::vector<std::string> names;
  for (simdjson::dom::element v : e.get_array()) names.push_back(TypeName(v.type()));
  EXPECT_EQ(names, (std::vector<std::string>{"an integer", "a number", "a string", "a boolean",
                                             "null", "an object", "an array", "an integer"}));
  EXPECT_EQ(WrongType("x", e, "an object").message(), "x: expected an object, got an array");
}

TEST(JsonPathTest, ForEachUniqueMemberRejectsARepeatedKey) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(std::string(R"({"a": 1, "b": 2})")).get(e), simdjson::SUCCESS);
  std::vector<std::string> keys;
  absl::Status ok = ForEachUniqueMember(e, "root", [&](std::string_view k, simdjson::dom::element) {
    keys.emplace_back(k);
    return absl::OkStatus();
  });
  EXPECT_TRUE(ok.ok()) << ok;
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b"}));

  ASSERT_EQ(parser.parse(std::string(R"({"a": 1, "a": 2})")).get(e), simdjson::SUCCESS);
  absl::Status twice = ForEachUniqueMember(
      e, "root", [](std::string_view, simdjson::dom::element) { return absl::OkStatus(); });
  EXPECT_EQ(twice.message(), R"(root["a"]: key given twice)");

  ASSERT_EQ(parser.parse(std::string("[1]")).get(e), simdjson::SUCCESS);
  EXPECT_EQ(
      ForEachUniqueMember(e, "root",
                          [](std::string_view, simdjson::dom::element) { return absl::OkStatus(); })
          .message(),
      "root: expected an object, got an array");

  // The callback's first error stops the walk.
  ASSERT_EQ(parser.parse(std::string(R"({"a": 1, "b": 2})")).get(e), simdjson::SUCCESS);
  int calls = 0;
  absl::Status stop = ForEachUniqueMember(e, "", [&](std::string_view k, simdjson::dom::element) {
    ++calls;
    return PathError(Member("", k), "unknown key");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(stop.message(), "a: unknown key");
}

}  // namespace
}  // namespace arbor::json
