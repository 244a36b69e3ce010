#include "arbor/exec/venue_gateway.h"

#include <string_view>

namespace arbor::exec {

std::string_view VenueOrderStateName(VenueOrderState state) {
  switch (state) {
    case VenueOrderState::kOpen:
      return "open";
    case VenueOrderState::kFilled:
      return "filled";
    case VenueOrderState::kCanceled:
      return "canceled";
    case VenueOrderState::kRejected:
      return "rejected";
    case VenueOrderState::kUnknown:
      return "unknown";
    case VenueOrderState::kNotFound:
      return "not_found";
  }
  return "invalid";
}

}  // namespace arbor::exec
