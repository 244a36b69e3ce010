// File: arbor/quant/calibration.h
//
// CalibrationTable: the historical win rate of a market's dominant side near its end time, for
// the expiry-edge lane (docs/quant.md, "Calibration"). A quoted price of 0.90 one hour before
// the end is not a 90 % probability: the lane trades on how often such a side actually won.
//
// Observations from resolved markets are counted in buckets of (dominant-side price band,
// time-to-end band). Estimate() returns the bucket's win rate, optionally made non-decreasing in
// price within a time band by pooled-adjacent-violators (isotonic regression weighted by sample
// counts), with a Wilson score interval at a chosen level. The table persists as a small JSON
// file written atomically (temp file + fsync + rename + directory fsync).
//
//   ARBOR_ASSIGN_OR_RETURN(CalibrationTable t, CalibrationTable::Create());
//   ARBOR_RETURN_IF_ERROR(t.Observe(Price::FromMicros(910'000), absl::Minutes(30), true));
//   ARBOR_ASSIGN_OR_RETURN(CalibrationEstimate e,
//                          t.Estimate(Price::FromMicros(920'000), absl::Minutes(40)));
//   ARBOR_RETURN_IF_ERROR(t.Save("/var/lib/arbor/calibration.json"));
//
// Prices are fixed point (bucket edges compare exactly); the rates and intervals are model
// doubles. Thread-compatible: concurrent const calls are safe, Observe() needs exclusive access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"

namespace arbor::quant {

// Bucket edges. Price band i is [price_edges[i], price_edges[i+1]), the last band is closed on
// the right; likewise for time to end. A price or time outside the edges has no bucket.
struct CalibrationBands {
  // Strictly increasing, in (0, 1]. Default 0.70-0.75-0.80-0.85-0.90-0.95-0.99 (6 bands).
  std::vector<Price> price_edges = {Price::FromMicros(700'000), Price::FromMicros(750'000),
                                    Price::FromMicros(800'000), Price::FromMicros(850'000),
                                    Price::FromMicros(900'000), Price::FromMicros(950'000),
                                    Price::FromMicros(990'000)};
  // Strictly increasing, >= 0, whole seconds (the file stores seconds). Default 0-15m-1h-4h.
  std::vector<absl::Duration> time_edges = {absl::ZeroDuration(), absl::Minutes(15), absl::Hours(1),
                                            absl::Hours(4)};
};

// Resolved observations of one bucket.
struct CalibrationCell {
  int64_t samples = 0;
  int64_t wins = 0;
};

struct WilsonInterval {
  double low = 0;
  double high = 1;
};

// NormalQuantile
//
// The standard normal quantile Φ⁻¹(p) (Acklam's rational approximation refined by one Halley
// step; |error| < 1e-12). Errors: InvalidArgument unless 0 < p < 1.
[[nodiscard]] absl::StatusOr<double> NormalQuantile(double p);

// WilsonScoreInterval
//
// The two-sided Wilson score interval of `wins` successes in `samples` trials at coverage
// `level`, z = Φ⁻¹((1 + level) / 2):
//
//   p̂ = wins / n,  centre = (p̂ + z²/2n) / (1 + z²/n),
//   half = z / (1 + z²/n) · sqrt(p̂(1 − p̂)/n + z²/4n²),  [centre − half, centre + half]
//
// clamped to [0, 1]; [0, 1] when samples = 0. Errors: InvalidArgument for samples < 0, wins
// outside [0, samples], or level outside (0, 1).
[[nodiscard]] absl::StatusOr<WilsonInterval> WilsonScoreInterval(int64_t wins, int64_t samples,
                                                                 double level);

struct CalibrationQuery {
  // Coverage of the Wilson interval, in (0, 1).
  double level = 0.95;
  // Pool adjacent price bands of the time band (PAV) so the win rate is non-decreasing in price.
  bool isotonic = true;
};

struct CalibrationEstimate {
  int price_band = 0;
  int time_band = 0;
  // The bucket's own counts (the lane's min-samples gate uses these).
  int64_t samples = 0;
  int64_t wins = 0;
  // wins / samples (0 when samples = 0).
  double raw_win_rate = 0;
  // The estimate: raw_win_rate, or with isotonic the rate of the PAV block holding the bucket.
  double win_rate = 0;
  // Counts the estimate and its interval come from (the PAV block; the bucket without isotonic).
  int64_t pooled_samples = 0;
  int64_t pooled_wins = 0;
  // Wilson interval of the pooled counts at `level`.
  double ci_low = 0;
  double ci_high = 1;
  double level = 0.95;
};

class CalibrationTable {
 public:
  // Current file format version (the "version" field).
  static constexpr int kFormatVersion = 1;

  // Create
  //
  // An empty table. Errors: InvalidArgument for fewer than 2 edges on an axis, edges not
  // strictly increasing, a price edge outside (0, 1], a negative or fractional-second time edge.
  [[nodiscard]] static absl::StatusOr<CalibrationTable> Create(CalibrationBands bands = {});

  // FromJson / ToJson
  //
  // The file format (docs/quant.md): {"format":"arbor.calibration","version":1,
  // "price_edges":["0.7",...],"time_edges_seconds":[0,900,...],
  // "cells":[{"price_band":0,"time_band":1,"samples":12,"wins":10},...]} with only non-empty
  // cells, in (price_band, time_band) order. FromJson is strict: InvalidArgument (message says
  // what and where) for malformed JSON, a missing or unknown key, a wrong type, another format
  // or version, bad edges, a cell index out of range or repeated, samples < 0 or wins outside
  // [0, samples].
  [[nodiscard]] static absl::StatusOr<CalibrationTable> FromJson(std::string_view json);
  std::string ToJson() const;

  // Load
  //
  // Reads and parses `path` (FromJson). Errors: NotFound if the file does not exist (callers
  // usually start from Create() then), Internal for other read errors, FromJson's errors
  // prefixed with the path.
  [[nodiscard]] static absl::StatusOr<CalibrationTable> Load(const std::string& path);

  // Save
  //
  // Writes ToJson() to "<path>.tmp.<pid>", fsyncs it, renames it over `path` and fsyncs the
  // directory, so `path` holds either the old or the new table, never a partial one. On failure
  // the temp file is removed and `path` is untouched. Errors: Internal with the failing call
  // and errno text.
  [[nodiscard]] absl::Status Save(const std::string& path) const;

  // BucketOf
  //
  // (price band, time band) of a price and a time to end, or nullopt outside the bands.
  std::optional<std::pair<int, int>> BucketOf(Price price, absl::Duration time_to_end) const;

  // Observe
  //
  // Counts one resolved observation: the dominant side quoted `price` at `time_to_end` before
  // the end and then won (or not). Errors: OutOfRange if (price, time_to_end) has no bucket.
  [[nodiscard]] absl::Status Observe(Price price, absl::Duration time_to_end, bool won);

  // Estimate
  //
  // The bucket's estimate (see CalibrationEstimate). An empty bucket gives samples = 0,
  // win_rate = 0 and the interval [0, 1]. Errors: NotFound if there is no bucket,
  // InvalidArgument for a level outside (0, 1).
  [[nodiscard]] absl::StatusOr<CalibrationEstimate> Estimate(
      Price price, absl::Duration time_to_end, const CalibrationQuery& query = {}) const;

  const CalibrationBands& bands() const { return bands_; }
  int price_bands() const { return static_cast<int>(bands_.price_edges.size()) - 1; }
  int time_bands() const { return static_cast<int>(bands_.time_edges.size()) - 1; }
  // Precondition: indices in range.
  const CalibrationCell& cell(int price_band, int time_band) const {
    return cells_[static_cast<size_t>(price_band * time_bands() + time_band)];
  }
  int64_t total_samples() const;

 private:
  explicit CalibrationTable(CalibrationBands bands);
  CalibrationCell& mutable_cell(int price_band, int time_band) {
    return cells_[static_cast<size_t>(price_band * time_bands() + time_band)];
  }

  CalibrationBands bands_;
  std::vector<CalibrationCell> cells_;  // price-band major
};

}  // namespace arbor::quant
