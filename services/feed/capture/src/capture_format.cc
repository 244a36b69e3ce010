// Encoding and parsing of capture lines. The parser is hand-written rather than simdjson because
// a capture line is one flat object and the frame must round-trip byte for byte, including bytes
// that are not valid UTF-8 (simdjson would reject the whole line).
#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/feed/capture.h"

namespace arbor::feed {
namespace {

constexpr std::string_view kHeaderPrefix = "{\"arbor_capture\":";

// A cursor over one line that parses a flat JSON object of string / integer / literal values.
class FlatObjectParser {
 public:
  explicit FlatObjectParser(std::string_view line) : s_(line) {}

  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), " at byte ", pos_));
  }

  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) {
      ++pos_;
    }
  }

  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool AtEnd() {
    SkipSpace();
    return pos_ == s_.size();
  }

  char Peek() {
    SkipSpace();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }

  // Parses a JSON string starting at '"' and appends its unescaped bytes to `out`.
  absl::Status String(std::string* out) {
    if (!Consume('"')) return Error("expected '\"'");
    while (true) {
      // Copy the run of plain bytes in one go (frames are mostly unescaped text).
      const size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\' &&
             static_cast<unsigned char>(s_[pos_]) >= 0x20) {
        ++pos_;
      }
      out->append(s_.data() + start, pos_ - start);
      if (pos_ >= s_.size()) return Error("unterminated string");
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c != '\\') return Error("raw control character in string");
      if (pos_ + 1 >= s_.size()) return Error("unterminated escape");
      const char e = s_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          ARBOR_RETURN_IF_ERROR(Hex4(&cp));
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("unpaired low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') {
              return Error("unpaired high surrogate");
            }
            pos_ += 2;
            uint32_t low = 0;
            ARBOR_RETURN_IF_ERROR(Hex4(&low));
            if (low < 0xDC00 || low > 0xDFFF) return Error("unpaired high surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          pos_ -= 1;
          return Error("invalid escape");
      }
    }
  }

  // Parses an optionally negative decimal integer.
  absl::Status Integer(bool allow_negative, bool* negative, uint64_t* magnitude) {
    SkipSpace();
    *negative = false;
    if (pos_ < s_.size() && s_[pos_] == '-') {
      if (!allow_negative) return Error("negative integer");
      *negative = true;
      ++pos_;
    }
    const size_t start = pos_;
    uint64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const uint64_t d = static_cast<uint64_t>(s_[pos_] - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return Error("integer overflow");
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) return Error("expected an integer");
    if (pos_ - start > 1 && s_[start] == '0') return Error("leading zero in integer");
    if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) {
      return Error("expected an integer, got a fraction or exponent");
    }
    *magnitude = v;
    return absl::OkStatus();
  }

  absl::Status Int64(int64_t* out) {
    bool negative = false;
    uint64_t m = 0;
    ARBOR_RETURN_IF_ERROR(Integer(true, &negative, &m));
    const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (m > limit + (negative ? 1 : 0)) return Error("integer out of int64 range");
    *out = negative ? static_cast<int64_t>(0 - m) : static_cast<int64_t>(m);
    return absl::OkStatus();
  }

  absl::Status Uint64(uint64_t* out) {
    bool negative = false;
    return Integer(false, &negative, out);
  }

  // Skips a value of an unknown key: a string, number or literal (no nesting in version 1).
  absl::Status SkipScalar(std::string* scratch) {
    const char c = Peek();
    if (c == '"') {
      scratch->clear();
      return String(scratch);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      ++pos_;
      while (pos_ < s_.size() && std::strchr("0123456789.eE+-", s_[pos_]) != nullptr &&
             s_[pos_] != '\0') {
        ++pos_;
      }
      return absl::OkStatus();
    }
    for (const std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(pos_, lit.size()) == lit) {
        pos_ += lit.size();
        return absl::OkStatus();
      }
    }
    return Error("unsupported value (only strings, numbers and literals)");
  }

 private:
  absl::Status Hex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return Error("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_ + static_cast<size_t>(i)];
      uint32_t d = 0;
      if (h >= '0' && h <= '9') {
        d = static_cast<uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        d = static_cast<uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        d = static_cast<uint32_t>(h - 'A' + 10);
      } else {
        return Error("bad hex digit in \\u escape");
      }
      v = (v << 4) | d;
    }
    pos_ += 4;
    *out = v;
    return absl::OkStatus();
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Runs `on_key(key, parser)` for every key of the flat object in `line`; `on_key` must consume
// the value. `key_buffer` is reused across calls.
template <typename OnKey>
absl::Status ParseFlatObject(std::string_view line, std::string* key_buffer, OnKey on_key) {
  FlatObjectParser p(line);
  if (!p.Consume('{')) return p.Error("expected '{'");
  if (!p.Consume('}')) {
    do {
      key_buffer->clear();
      ARBOR_RETURN_IF_ERROR(p.String(key_buffer));
      if (!p.Consume(':')) return p.Error("expected ':'");
      ARBOR_RETURN_IF_ERROR(on_key(std::string_view(*key_buffer), p));
    } while (p.Consume(','));
    if (!p.Consume('}')) return p.Error("expected ',' or '}'");
  }
  if (!p.AtEnd()) return p.Error("trailing characters after the object");
  return absl::OkStatus();
}

void AppendInt(std::string* out, int64_t v) { absl::StrAppend(out, v); }

}  // namespace

void AppendCaptureHeaderLine(std::string* out, const CaptureHeader& header) {
  out->append(kHeaderPrefix);
  AppendInt(out, header.version);
  out->append(",\"created_ns\":");
  AppendInt(out, header.created_ns);
  out->append(",\"shard\":\"");
  AppendJsonEscaped(out, header.shard);
  out->append("\",\"host\":\"");
  AppendJsonEscaped(out, header.host);
  out->append("\"}\n");
}

void AppendCaptureRecordLine(std::string* out, const CaptureRecord& record) {
  out->append("{\"t\":");
  AppendInt(out, record.recv_unix_ns);
  out->append(",\"v\":\"");
  out->append(VenueName(record.venue));
  out->append("\",\"c\":");
  absl::StrAppend(out, record.connection_id);
  out->append(",\"f\":\"");
  AppendJsonEscaped(out, record.frame);
  out->append("\"}\n");
}

bool LooksLikeCaptureHeader(std::string_view line) {
  return line.substr(0, kHeaderPrefix.size()) == kHeaderPrefix;
}

absl::StatusOr<CaptureHeader> ParseCaptureHeaderLine(std::string_view line) {
  CaptureHeader header;
  bool have_version = false;
  std::string key;
  std::string scratch;
  absl::Status s =
      ParseFlatObject(line, &key, [&](std::string_view k, FlatObjectParser& p) -> absl::Status {
        if (k == "arbor_capture") {
          have_version = true;
          return p.Int64(&header.version);
        }
        if (k == "created_ns") return p.Int64(&header.created_ns);
        if (k == "shard") {
          header.shard.clear();
          return p.String(&header.shard);
        }
        if (k == "host") {
          header.host.clear();
          return p.String(&header.host);
        }
        return p.SkipScalar(&scratch);
      });
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("capture header: ", s.message()));
  }
  if (!have_version) {
    return absl::InvalidArgumentError("capture header: missing \"arbor_capture\" version");
  }
  if (header.version != kCaptureFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("unsupported capture format version ", header.version,
                     " (this reader understands version ", kCaptureFormatVersion, ")"));
  }
  return header;
}

absl::Status ParseCaptureRecordLine(std::string_view line, CaptureRecord* record,
                                    std::string* frame_buffer) {
  frame_buffer->clear();
  // The key buffer is thread_local so that steady-state parsing does not allocate.
  thread_local std::string key;
  thread_local std::string venue;
  thread_local std::string scratch;
  bool have_t = false, have_v = false, have_c = false, have_f = false;
  absl::Status s =
      ParseFlatObject(line, &key, [&](std::string_view k, FlatObjectParser& p) -> absl::Status {
        if (k.size() == 1) {
          bool* seen = nullptr;
          switch (k[0]) {
            case 't':
              seen = &have_t;
              break;
            case 'v':
              seen = &have_v;
              break;
            case 'c':
              seen = &have_c;
              break;
            case 'f':
              seen = &have_f;
              break;
            default:
              break;
          }
          if (seen != nullptr) {
            if (*seen) return p.Error(absl::StrCat("duplicate key \"", ToAbsl(k), "\""));
            *seen = true;
            switch (k[0]) {
              case 't':
                return p.Int64(&record->recv_unix_ns);
              case 'c':
                return p.Uint64(&record->connection_id);
              case 'f':
                return p.String(frame_buffer);
              default: {
                venue.clear();
                ARBOR_RETURN_IF_ERROR(p.String(&venue));
                const std::optional<Venue> parsed = ParseVenue(venue);
                if (!parsed) {
                  return p.Error(absl::StrCat("\"v\": unknown venue \"", venue, "\""));
                }
                record->venue = *parsed;
                return absl::OkStatus();
              }
            }
          }
        }
        return p.SkipScalar(&scratch);
      });
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("capture record: ", s.message()));
  for (const auto& [seen, name] : {std::pair{have_t, "t"}, std::pair{have_v, "v"},
                                   std::pair{have_c, "c"}, std::pair{have_f, "f"}}) {
    if (!seen) {
      return absl::InvalidArgumentError(
          absl::StrCat("capture record: missing field \"", name, "\""));
    }
  }
  record->frame = *frame_buffer;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListCaptureFiles(const std::string& directory) {
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) {
    const int e = errno;
    const std::string msg =
        absl::StrCat("cannot list capture directory '", directory, "': ", std::strerror(e));
    return e == ENOENT ? absl::NotFoundError(msg) : absl::InvalidArgumentError(msg);
  }
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name.size() > 14 && name.substr(0, 8) == "capture-" &&
        name.substr(name.size() - 6) == ".jsonl") {
      names.emplace_back(name);
    }
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  for (std::string& n : names) n = absl::StrCat(directory, "/", n);
  return names;
}

}  // namespace arbor::feed
