// File: arbor/relations/text.h
//
// Question normalisation shared by the inference rules and TF-IDF: one tokeniser, so that "stems
// equal token for token" means the same thing everywhere.
//
//   TokenizeQuestion("Will BTC be above $100k on Dec 31, 2026? (#123)")
//     == {"will", "btc", "be", "above", "$", "100k", "on", "dec", "31", "2026"}
//
// Rules: the trailing "(#123)"-style id suffix is dropped; ASCII is lower-cased; words are runs
// of letters and digits (bytes >= 0x80 count as letters, so non-ASCII words survive whole);
// apostrophes inside words vanish ("trump's" -> "trumps"); '.', ',', ':', '-' and '/' stay inside
// a number when a digit follows them ("3.5", "64,000", "5:20", "2026-12-31", "12/31"); "$", "%",
// "+", ">", ">=", "<", "<=" (and the Unicode "≥" / "≤") are tokens of their own; everything else
// (punctuation, quotes, dashes, whitespace) separates tokens. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace arbor::relations {

// StripIdSuffix
//
// `question` without trailing whitespace / '?' / '.' and one trailing "(#<id>)" or "[#<id>]"
// suffix (id = letters, digits, '-', '_'), e.g. "Will X win? (#123)" -> "Will X win".
std::string_view StripIdSuffix(std::string_view question);

// TokenizeQuestion
//
// The normalised tokens of a question (rules in the file comment).
std::vector<std::string> TokenizeQuestion(std::string_view question);

// JoinTokens
//
// The tokens separated by single spaces (for evidence strings and bucket keys).
std::string JoinTokens(const std::vector<std::string>& tokens);

// True for a token with at least one ASCII digit.
bool HasDigit(std::string_view token);

// MonthFromName
//
// 1..12 for an English month name or abbreviation ("jan", "sept", "december"; lower case), else
// 0.
int MonthFromName(std::string_view token);

}  // namespace arbor::relations
