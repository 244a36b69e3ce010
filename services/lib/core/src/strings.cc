#include "arbor/core/strings.h"

#include <string>

namespace arbor {

std::string Abbreviate(std::string_view s, size_t max_len) {
  if (s.size() <= max_len) return std::string(s);
  std::string out(s.substr(0, max_len));
  out += "...";
  return out;
}

}  // namespace arbor
