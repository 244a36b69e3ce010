// File: arbor/exec/paper_fill_model.h
//
// The Monte Carlo fill model behind paper mode (DESIGN.md §6, last bullet). Paper mode sends no
// venue orders: the executor runs its normal code path against a "paper venue", which asks this
// model what happened to each order. Every call draws one REALISED outcome (a latency, fills at
// book levels, or nothing) from the model; it never books an expected value, so paper PnL comes
// out as a distribution over runs and seeds.
//
//   PaperFillModel model(PaperFillParams{}, /*seed=*/42);
//   ARBOR_ASSIGN_OR_RETURN(PaperOutcome out, model.Draw(order, asks));
//
// Deterministic: the same params, seed and sequence of Draw calls give identical outcomes (see
// PaperFillModel). Money is int64 micros throughout; doubles only hold probabilities and the
// latency draw. Thread-compatible: Draw mutates the generator.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace arbor::exec {

// One aggregated level of the side of the book the order takes from.
struct BookLevel {
  int64_t price_micros = 0;  // USD per share in micros, strictly inside (0, 1'000'000)
  int64_t size_micros = 0;   // shares in micros, > 0
};

struct PaperOrder {
  bool buy = true;
  int64_t limit_price_micros = 0;  // strictly inside (0, 1'000'000); never filled beyond it
  int64_t size_micros = 0;         // > 0
  // Taker order: whatever does not fill at once is canceled (FAK / IOC).
  bool immediate_or_cancel = false;
  // All or nothing, at once (FOK); implies immediate_or_cancel. Neither flag: GTC, the remainder
  // rests at the limit.
  bool fill_or_kill = false;
};

struct PaperFillParams {
  // Chance the best level of the opposite side is still there when the order arrives. With
  // probability 1 - fill_probability another taker took ALL of the first BookLevel passed to Draw
  // (the whole best price level) first; deeper levels are untouched, so a limit that reaches
  // them may still fill there (with slippage).
  double fill_probability = 0.9;
  // Submit-to-outcome latency: lognormal with this mean and this standard deviation, rounded to
  // whole nanoseconds (jitter 0 or mean 0: exactly the mean). Lognormal because real latency is
  // positive and right-skewed. Reported only: it is drawn independently of the fill draws.
  int64_t latency_mean_nanos = 50'000'000;
  int64_t latency_jitter_nanos = 20'000'000;
  // Chance the book moved against us before we arrived: every level of the opposite side is
  // shifted adverse_move_ticks * tick_micros against us (asks up for a buy, bids down for a sell)
  // before matching, and levels shifted to >= 1'000'000 or <= 0 disappear.
  double adverse_selection_probability = 0.1;
  int64_t adverse_move_ticks = 1;  // 0 ..= 1'000'000
  int64_t tick_micros = 10'000;    // 1 ..= 1'000'000
  // Chance, when something would fill, that others raced us: only a fraction f ~ Uniform(0, 1)
  // (open interval) of the quantity we would otherwise take is taken, floor(f * q) micros, from
  // the best levels first. A FOK order then fills nothing.
  double partial_fill_probability = 0.1;
};

// One fill at one (possibly adverse-shifted) level.
struct PaperFill {
  int64_t size_micros = 0;
  int64_t price_micros = 0;
};

// Reasons (PaperOutcome::reason); static strings.
inline constexpr std::string_view kPaperFilled = "filled";    // the whole order size filled
inline constexpr std::string_view kPaperPartial = "partial";  // 0 < filled < size
// Nothing filled; the first that applies wins:
// FOK, and something but not the whole size was available after the draws.
inline constexpr std::string_view kPaperKilled = "fok_killed";
// The opposite side passed to Draw is empty.
inline constexpr std::string_view kPaperNoLiquidity = "no_liquidity";
// Nothing on the side is within the limit even before the draws (a passive order).
inline constexpr std::string_view kPaperOutsideLimit = "outside_limit";
// The top level vanished (fill_probability) and nothing left is within the limit.
inline constexpr std::string_view kPaperLiquidityTaken = "liquidity_taken";
// Marketable before the adverse move, nothing within the limit after it.
inline constexpr std::string_view kPaperPriceMovedPastLimit = "price_moved_past_limit";
// The race (partial_fill_probability) left less than one micro-share for us.
inline constexpr std::string_view kPaperRaced = "raced";

struct PaperOutcome {
  int64_t latency_nanos = 0;
  std::vector<PaperFill> fills;  // best level first, one per level touched
  int64_t filled_size_micros = 0;
  // Exact sum(price * size) / filled, rounded against us: up for a buy, down for a sell. 0 when
  // nothing filled.
  int64_t vwap_price_micros = 0;
  bool rested = false;  // GTC remainder rests at the limit (rested_size_micros > 0)
  int64_t rested_size_micros = 0;
  std::string_view reason;  // one of the kPaper* constants
  // What the draw did (for tests, logs and paper-PnL attribution).
  bool top_level_vanished = false;  // the first level was taken by another taker
  bool adverse_moved = false;       // the book was shifted against us
  bool raced = false;               // the partial-fill race cut the quantity
};

// Determinism: the generator is std::mt19937_64(seed), whose output sequence the C++ standard
// fixes, unlike the std distributions; every variate is built here from its raw 64-bit words.
// Each successful Draw consumes exactly kWordsPerDraw words whatever happens (a failed Draw
// consumes none), so the k-th successful outcome depends only on the params, the seed, k and
// its own arguments, not on what earlier orders were. Fills, sizes, prices and reasons use only
// integers and exact comparisons of 53-bit uniforms with the probabilities, so they are
// bit-identical on every platform. The latency goes through std::log / std::exp / std::cos,
// which C libraries may round differently in the last place: across libms (never on one) a
// latency can, rarely, differ by a nanosecond.
class PaperFillModel {
 public:
  // Latency (2: Box-Muller), vanish, adverse, race, race fraction.
  static constexpr int kWordsPerDraw = 6;

  // Invalid params (see Validate) do not crash: every Draw then returns FailedPrecondition.
  PaperFillModel(PaperFillParams params, uint64_t seed);

  // InvalidArgument naming the field when a probability is NaN or outside [0, 1], a latency is
  // negative, adverse_move_ticks is outside [0, 1e6] or tick_micros outside [1, 1e6]. Call it
  // where the configuration is read.
  [[nodiscard]] static absl::Status Validate(const PaperFillParams& params);

  // Draws one outcome for `order` against `opposite_side`: the asks, ascending, for a buy; the
  // bids, descending, for a sell (best first, strictly monotone; may be empty).
  // Errors: InvalidArgument for size <= 0, a limit or level price outside (0, 1e6), a level size
  // <= 0, or levels not strictly best-first; FailedPrecondition for invalid params. A failed call
  // consumes no randomness.
  [[nodiscard]] absl::StatusOr<PaperOutcome> Draw(const PaperOrder& order,
                                                  absl::Span<const BookLevel> opposite_side);

  const PaperFillParams& params() const { return params_; }

 private:
  // Uniform on [0, 1) with 53 random bits (exact in a double).
  double NextUniform();
  // Lognormal latency from two uniforms on [0, 1).
  int64_t LatencyFrom(double u1, double u2) const;

  PaperFillParams params_;
  absl::Status params_status_;
  // Lognormal parameters of the latency, from its mean and standard deviation.
  double log_mu_ = 0.0;
  double log_sigma_ = 0.0;
  std::mt19937_64 engine_;
};

}  // namespace arbor::exec
