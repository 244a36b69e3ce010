#include "arbor/core/ids.h"

namespace arbor {

std::string_view VenueName(Venue venue) {
  switch (venue) {
    case Venue::kPolymarket:
      return "polymarket";
    case Venue::kKalshi:
      return "kalshi";
  }
  return "unknown";
}

std::optional<Venue> ParseVenue(std::string_view name) {
  if (name == "polymarket") return Venue::kPolymarket;
  if (name == "kalshi") return Venue::kKalshi;
  return std::nullopt;
}

}  // namespace arbor
