#include "arbor/core/json_writer.h"

#include <limits>

#include "gtest/gtest.h"

namespace arbor {
namespace {

TEST(JsonWriterTest, NestedContainersAndCommas) {
  JsonWriter w;
  w.BeginObject()
      .Key("a")
      .Int(-1)
      .Key("b")
      .BeginArray()
      .String("x")
      .Uint(2)
      .Bool(false)
      .Null()
      .EndArray()
      .Key("c")
      .BeginObject()
      .EndObject()
      .Key("d")
      .Raw("[1,2]")
      .EndObject();
  EXPECT_EQ(w.str(), R"({"a":-1,"b":["x",2,false,null],"c":{},"d":[1,2]})");
}

TEST(JsonWriterTest, EscapesControlCharactersQuotesAndBackslashes) {
  JsonWriter w;
  w.String(std::string("q\"b\\n\n\t\x01\x1f", 9));
  EXPECT_EQ(w.str(), R"("q\"b\\n\n\t\u0001\u001f")");
  std::string out;
  AppendJsonEscaped(&out, "caf\xc3\xa9");  // UTF-8 passes through
  EXPECT_EQ(out, "caf\xc3\xa9");
}

TEST(JsonWriterTest, DoublesAreShortestRoundTripAndNonFiniteIsNull) {
  JsonWriter w;
  w.BeginArray()
      .Double(0.1)
      .Double(1.0 / 3)
      .Double(std::numeric_limits<double>::quiet_NaN())
      .EndArray();
  EXPECT_EQ(w.str(), "[0.1,0.3333333333333333,null]");
}

}  // namespace
}  // namespace arbor
