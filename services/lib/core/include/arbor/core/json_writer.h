// File: arbor/core/json_writer.h
//
// A small streaming JSON writer used by the logger and by command-line tools. It manages commas
// and escaping; the caller is responsible for well-formed nesting (checked in debug builds).
//
//   JsonWriter w;
//   w.BeginObject().Key("price").String("0.56").Key("levels").Int(3).EndObject();
//   std::string out = w.Take();   // {"price":"0.56","levels":3}
//
// Not thread-safe; one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace arbor {

// Appends `s` to `out` as the inside of a JSON string (quotes not included): escapes ", \ and
// control characters; bytes >= 0x80 are copied unchanged (input is expected to be UTF-8).
void AppendJsonEscaped(std::string* out, std::string_view s);

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A finite double in shortest round-trip form; NaN/Inf are written as null. For model outputs
  // and figures only, never for money.
  JsonWriter& Double(double value);
  // Pre-serialised JSON inserted as one value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  // One entry per open container: true once it has a first element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace arbor
