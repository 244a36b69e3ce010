#include "arbor/relations/text.h"

#include <cstring>

namespace arbor::relations {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsWordChar(char c) {
  return IsDigit(c) || IsAlpha(c) || static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdChar(char c) { return IsDigit(c) || IsAlpha(c) || c == '-' || c == '_'; }

std::string_view TrimTrailing(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                        s.back() == '\r' || s.back() == '?' || s.back() == '.')) {
    s.remove_suffix(1);
  }
  return s;
}

// UTF-8 sequences with a meaning for tokenisation, and their ASCII replacement.
struct Replacement {
  const char* utf8;
  const char* ascii;
};
constexpr Replacement kReplacements[] = {
    {"\xE2\x80\x98", "'"},     // left single quote
    {"\xE2\x80\x99", "'"},     // right single quote / apostrophe
    {"\xE2\x80\x9C", " "},     // left double quote
    {"\xE2\x80\x9D", " "},     // right double quote
    {"\xE2\x80\x93", " "},     // en dash
    {"\xE2\x80\x94", " "},     // em dash
    {"\xE2\x89\xA5", " >= "},  // greater-than or equal
    {"\xE2\x89\xA4", " <= "},  // less-than or equal
    {"\xC2\xB0", ""},          // degree sign: "30°F" reads as "30f"
    {"\xC2\xA0", " "},         // no-break space
    {"\xE2\x80\xAF", " "},     // narrow no-break space
};

// Lower-cased ASCII with the replacements above applied.
std::string Prepare(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    bool replaced = false;
    if (static_cast<unsigned char>(s[i]) >= 0x80) {
      for (const Replacement& r : kReplacements) {
        const size_t len = std::strlen(r.utf8);
        if (s.substr(i, len) == r.utf8) {
          out.append(r.ascii);
          i += len;
          replaced = true;
          break;
        }
      }
    }
    if (replaced) continue;
    const char c = s[i++];
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

}  // namespace

std::string_view StripIdSuffix(std::string_view q) {
  q = TrimTrailing(q);
  if (q.empty() || (q.back() != ')' && q.back() != ']')) return q;
  const char open = q.back() == ')' ? '(' : '[';
  const size_t at = q.rfind(open);
  if (at == std::string_view::npos) return q;
  const std::string_view inner = q.substr(at + 1, q.size() - at - 2);
  if (inner.size() < 2 || inner[0] != '#') return q;
  for (char c : inner.substr(1)) {
    if (!IsIdChar(c)) return q;
  }
  return TrimTrailing(q.substr(0, at));
}

std::vector<std::string> TokenizeQuestion(std::string_view question) {
  const std::string s = Prepare(StripIdSuffix(question));
  std::vector<std::string> tokens;
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const char c = s[i];
    if (IsWordChar(c)) {
      std::string word;
      while (i < n) {
        const char d = s[i];
        if (IsWordChar(d)) {
          word.push_back(d);
          ++i;
        } else if ((d == '.' || d == ',' || d == ':' || d == '-' || d == '/') && !word.empty() &&
                   IsDigit(word.back()) && i + 1 < n && IsDigit(s[i + 1])) {
          word.push_back(d);
          ++i;
        } else if (d == '\'' && !word.empty() && IsAlpha(word.back()) && i + 1 < n &&
                   IsAlpha(s[i + 1])) {
          ++i;  // "trump's" -> "trumps", "won't" -> "wont"
        } else {
          break;
        }
      }
      tokens.push_back(std::move(word));
    } else if (c == '$' || c == '%' || c == '+') {
      tokens.emplace_back(1, c);
      ++i;
    } else if (c == '>' || c == '<') {
      if (i + 1 < n && s[i + 1] == '=') {
        tokens.push_back(std::string{c, '='});
        i += 2;
      } else {
        tokens.emplace_back(1, c);
        ++i;
      }
    } else {
      ++i;
    }
  }
  return tokens;
}

std::string JoinTokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) {
    if (!out.empty()) out.push_back(' ');
    out.append(t);
  }
  return out;
}

bool HasDigit(std::string_view token) {
  for (char c : token) {
    if (IsDigit(c)) return true;
  }
  return false;
}

int MonthFromName(std::string_view t) {
  struct Month {
    const char* full;
    const char* abbr;
    const char* abbr2;
  };
  static constexpr Month kMonths[] = {
      {"january", "jan", ""}, {"february", "feb", ""}, {"march", "mar", ""},
      {"april", "apr", ""},   {"may", "may", ""},      {"june", "jun", ""},
      {"july", "jul", ""},    {"august", "aug", ""},   {"september", "sep", "sept"},
      {"october", "oct", ""}, {"november", "nov", ""}, {"december", "dec", ""},
  };
  for (int m = 0; m < 12; ++m) {
    if (t == kMonths[m].full || t == kMonths[m].abbr ||
        (*kMonths[m].abbr2 != '\0' && t == kMonths[m].abbr2)) {
      return m + 1;
    }
  }
  return 0;
}

}  // namespace arbor::relations
