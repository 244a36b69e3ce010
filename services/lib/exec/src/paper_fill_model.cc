#include "arbor/exec/paper_fill_model.h"

#include <cmath>
#include <limits>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"

namespace arbor::exec {
namespace {

constexpr int64_t kPriceScale = 1'000'000;  // price micros of 1 USD: prices live in (0, 1)
constexpr int64_t kMaxTicks = 1'000'000;
constexpr double kTwoPi = 6.283185307179586476925286766559;

bool IsProbability(double p) { return p >= 0.0 && p <= 1.0; }  // false for NaN

absl::Status ValidateOrder(const PaperOrder& order) {
  if (order.size_micros <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("paper order size_micros must be > 0, got ", order.size_micros));
  }
  if (order.limit_price_micros <= 0 || order.limit_price_micros >= kPriceScale) {
    return absl::InvalidArgumentError(absl::StrCat(
        "paper order limit_price_micros must be in (0, 1000000), got ", order.limit_price_micros));
  }
  return absl::OkStatus();
}

absl::Status ValidateSide(bool buy, absl::Span<const BookLevel> side) {
  for (size_t i = 0; i < side.size(); ++i) {
    const BookLevel& level = side[i];
    if (level.price_micros <= 0 || level.price_micros >= kPriceScale) {
      return absl::InvalidArgumentError(absl::StrCat("book level ", i, " price_micros ",
                                                     level.price_micros, " outside (0, 1000000)"));
    }
    if (level.size_micros <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("book level ", i, " size_micros must be > 0, got ", level.size_micros));
    }
    if (i > 0) {
      const int64_t prev = side[i - 1].price_micros;
      // Best first: asks strictly ascending (a buy takes them), bids strictly descending.
      const bool ordered = buy ? level.price_micros > prev : level.price_micros < prev;
      if (!ordered) {
        return absl::InvalidArgumentError(
            absl::StrCat(buy ? "asks" : "bids", " not strictly best-first: level ", i, " price ",
                         level.price_micros, " after ", prev));
      }
    }
  }
  return absl::OkStatus();
}

// The price we would trade `level` at after the book moved `shift` micros against us.
int64_t ShiftedPrice(bool buy, const BookLevel& level, int64_t shift) {
  return buy ? level.price_micros + shift : level.price_micros - shift;
}

// Within the limit. A level shifted to >= 1 USD (buy) or <= 0 (sell) fails this too, since the
// limit is inside (0, 1): such levels simply disappear.
bool Marketable(const PaperOrder& order, int64_t price) {
  return order.buy ? price <= order.limit_price_micros : price >= order.limit_price_micros;
}

// Total size within the limit, skipping the first `skip` levels. The side is best-first, so the
// marketable levels are a prefix; 128 bits because the sizes may add up beyond int64.
absl::int128 MarketableSize(const PaperOrder& order, absl::Span<const BookLevel> side, size_t skip,
                            int64_t shift) {
  absl::int128 total = 0;
  for (size_t i = skip; i < side.size(); ++i) {
    if (!Marketable(order, ShiftedPrice(order.buy, side[i], shift))) break;
    total += side[i].size_micros;
  }
  return total;
}

}  // namespace

PaperFillModel::PaperFillModel(PaperFillParams params, uint64_t seed)
    : params_(params), params_status_(Validate(params)), engine_(seed) {
  if (params_status_.ok() && params_.latency_mean_nanos > 0 && params_.latency_jitter_nanos > 0) {
    // Lognormal with mean m and standard deviation s: sigma^2 = ln(1 + s^2/m^2),
    // mu = ln(m) - sigma^2 / 2.
    const double m = static_cast<double>(params_.latency_mean_nanos);
    const double ratio = static_cast<double>(params_.latency_jitter_nanos) / m;
    const double sigma2 = std::log1p(ratio * ratio);
    log_sigma_ = std::sqrt(sigma2);
    log_mu_ = std::log(m) - 0.5 * sigma2;
  }
}

absl::Status PaperFillModel::Validate(const PaperFillParams& params) {
  const std::pair<const char*, double> probabilities[] = {
      {"fill_probability", params.fill_probability},
      {"adverse_selection_probability", params.adverse_selection_probability},
      {"partial_fill_probability", params.partial_fill_probability},
  };
  for (const auto& [name, p] : probabilities) {
    if (!IsProbability(p)) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be in [0, 1], got ", p));
    }
  }
  if (params.latency_mean_nanos < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("latency_mean_nanos must be >= 0, got ", params.latency_mean_nanos));
  }
  if (params.latency_jitter_nanos < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("latency_jitter_nanos must be >= 0, got ", params.latency_jitter_nanos));
  }
  if (params.adverse_move_ticks < 0 || params.adverse_move_ticks > kMaxTicks) {
    return absl::InvalidArgumentError(absl::StrCat(
        "adverse_move_ticks must be in [0, 1000000], got ", params.adverse_move_ticks));
  }
  if (params.tick_micros <= 0 || params.tick_micros > kPriceScale) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick_micros must be in [1, 1000000], got ", params.tick_micros));
  }
  return absl::OkStatus();
}

double PaperFillModel::NextUniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

int64_t PaperFillModel::LatencyFrom(double u1, double u2) const {
  if (params_.latency_mean_nanos == 0 || params_.latency_jitter_nanos == 0) {
    return params_.latency_mean_nanos;
  }
  // Box-Muller (cosine branch): 1 - u1 is in (0, 1], so the log is finite.
  const double z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(kTwoPi * u2);
  const double x = std::exp(log_mu_ + log_sigma_ * z);
  // Finite and positive; clamp the far tail (or an overflow to infinity) to the int64 range.
  if (!(x < 9.0e18)) return std::numeric_limits<int64_t>::max();
  return std::llround(x);
}

absl::StatusOr<PaperOutcome> PaperFillModel::Draw(const PaperOrder& order,
                                                  absl::Span<const BookLevel> opposite_side) {
  if (!params_status_.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("invalid PaperFillParams: ", params_status_.message()));
  }
  ARBOR_RETURN_IF_ERROR(ValidateOrder(order));
  ARBOR_RETURN_IF_ERROR(ValidateSide(order.buy, opposite_side));

  // Exactly kWordsPerDraw words, in this order, every time (see the class comment).
  const double u_latency1 = NextUniform();
  const double u_latency2 = NextUniform();
  const double u_vanish = NextUniform();
  const double u_adverse = NextUniform();
  const double u_race = NextUniform();
  const uint64_t race_word = engine_();

  // u is uniform on [0, 1) in steps of 2^-53, so `u < p` has probability exactly p rounded to
  // 2^-53; p = 0 never and p = 1 always fires.
  const bool vanished = !opposite_side.empty() && !(u_vanish < params_.fill_probability);
  const bool adverse = !opposite_side.empty() && u_adverse < params_.adverse_selection_probability;
  const bool race = u_race < params_.partial_fill_probability;

  PaperOutcome out;
  out.latency_nanos = LatencyFrom(u_latency1, u_latency2);
  out.top_level_vanished = vanished;
  out.adverse_moved = adverse;

  const size_t skip = vanished ? 1 : 0;
  const int64_t shift = adverse ? params_.adverse_move_ticks * params_.tick_micros : 0;
  const absl::int128 size_before_draws = MarketableSize(order, opposite_side, 0, 0);
  const absl::int128 size_after_vanish = MarketableSize(order, opposite_side, skip, 0);
  const absl::int128 size_after_move = MarketableSize(order, opposite_side, skip, shift);

  // What we would take: never more than the order, never more than the book within the limit.
  int64_t take = size_after_move < order.size_micros ? static_cast<int64_t>(size_after_move)
                                                     : order.size_micros;
  if (race && take > 0) {
    // f = (2k + 1) / 2^54 with k the top 53 bits: uniform on the open interval (0, 1), exact in
    // integers. floor(f * take) < take, so the race always leaves something unfilled.
    const absl::int128 numerator = absl::int128(take) * absl::int128(((race_word >> 11) << 1) | 1);
    take = static_cast<int64_t>(numerator >> 54);
    out.raced = true;
  }
  const bool killed = order.fill_or_kill && take > 0 && take < order.size_micros;
  if (order.fill_or_kill && take < order.size_micros) take = 0;

  // Sweep `take` over the marketable levels, best first, at the shifted prices.
  absl::int128 notional = 0;  // sum of price micros * size micros
  int64_t remaining = take;
  for (size_t i = skip; i < opposite_side.size() && remaining > 0; ++i) {
    const int64_t price = ShiftedPrice(order.buy, opposite_side[i], shift);
    if (!Marketable(order, price)) break;  // unreachable: take <= marketable size
    const int64_t size =
        opposite_side[i].size_micros < remaining ? opposite_side[i].size_micros : remaining;
    out.fills.push_back(PaperFill{size, price});
    notional += absl::int128(price) * size;
    remaining -= size;
  }
  out.filled_size_micros = take - remaining;

  if (out.filled_size_micros > 0) {
    const absl::int128 filled = out.filled_size_micros;
    absl::int128 vwap = notional / filled;
    // Against us: a buy pays the rounded-up average, a sell receives the rounded-down one.
    if (order.buy && vwap * filled < notional) ++vwap;
    out.vwap_price_micros = static_cast<int64_t>(vwap);
  }

  const int64_t unfilled = order.size_micros - out.filled_size_micros;
  if (unfilled > 0 && !order.immediate_or_cancel && !order.fill_or_kill) {
    out.rested = true;
    out.rested_size_micros = unfilled;
  }

  if (unfilled == 0) {
    out.reason = kPaperFilled;
  } else if (out.filled_size_micros > 0) {
    out.reason = kPaperPartial;
  } else if (killed) {
    out.reason = kPaperKilled;
  } else if (opposite_side.empty()) {
    out.reason = kPaperNoLiquidity;
  } else if (size_before_draws == 0) {
    out.reason = kPaperOutsideLimit;
  } else if (size_after_vanish == 0) {
    out.reason = kPaperLiquidityTaken;
  } else if (size_after_move == 0) {
    out.reason = kPaperPriceMovedPastLimit;
  } else {
    out.reason = kPaperRaced;
  }
  return out;
}

}  // namespace arbor::exec
