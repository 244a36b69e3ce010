// File: json_fields.h (internal to arbor::report)
//
// JsonWriter helpers shared by report.json (report.cc) and its summary (summary.cc): a figure
// that is not available (too few executions, nothing to divide by) is written as null.
#pragma once

#include <cstdint>
#include <optional>

#include "arbor/core/json_writer.h"
#include "arbor/report/stats.h"

namespace arbor::report::internal {

inline void OptionalDouble(JsonWriter& json, const std::optional<double>& v) {
  if (v) {
    json.Double(*v);
  } else {
    json.Null();
  }
}

inline void OptionalInt(JsonWriter& json, const std::optional<int64_t>& v) {
  if (v) {
    json.Int(*v);
  } else {
    json.Null();
  }
}

// A confidence interval as [lo, hi].
inline void OptionalInterval(JsonWriter& json, const std::optional<Interval>& ci) {
  if (ci) {
    json.BeginArray().Double(ci->lo).Double(ci->hi).EndArray();
  } else {
    json.Null();
  }
}

}  // namespace arbor::report::internal
