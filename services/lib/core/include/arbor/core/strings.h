// File: arbor/core/strings.h
//
// The bridge between std::string_view (used in every arbor API) and absl::string_view. Debian's
// Abseil 20220623 is built with ABSL_OPTION_USE_STD_STRING_VIEW 0, so the two are different
// types: absl::StrCat, absl::InvalidArgumentError and heterogeneous flat_hash_map lookups do not
// accept a std::string_view. Convert at the Abseil call site with ToAbsl().
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace arbor {

// Zero-copy conversion; the result aliases `s`.
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Zero-copy conversion; the result aliases `s`.
inline std::string_view FromAbsl(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

// Returns at most `max_len` bytes of `s` for quoting untrusted input in error messages, with
// "..." appended when truncated.
std::string Abbreviate(std::string_view s, size_t max_len = 64);

}  // namespace arbor
