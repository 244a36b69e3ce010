#include "arbor/venue/kalshi/book_builder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/strings.h"

namespace arbor::venue::kalshi {
namespace {

ApplyResult Result(ApplyOutcome outcome) {
  ApplyResult r;
  r.outcome = outcome;
  return r;
}

}  // namespace

absl::StatusOr<book::PriceGrid> GridForStructure(std::string_view structure,
                                                 absl::Span<const PriceRange> ranges) {
  if (!ranges.empty()) {
    absl::StatusOr<book::PriceGrid> grid =
        book::PriceGrid::FromRanges(std::vector<PriceRange>(ranges.begin(), ranges.end()));
    if (!grid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("kalshi price_level_structure \"", Abbreviate(structure),
                       "\": price_ranges: ", grid.status().message()));
    }
    return grid;
  }
  if (structure == "linear_cent") return book::PriceGrid::KalshiLinearCent();
  if (structure == "deci_cent") return book::PriceGrid::KalshiDeciCent();
  if (structure == "tapered_deci_cent") return book::PriceGrid::KalshiTaperedDeciCent();
  return absl::InvalidArgumentError(absl::StrCat("kalshi: unknown price_level_structure \"",
                                                 Abbreviate(structure), "\" without price_ranges"));
}

std::string_view ApplyOutcomeName(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::kApplied:
      return "applied";
    case ApplyOutcome::kIgnored:
      return "ignored";
    case ApplyOutcome::kUnknownMarket:
      return "unknown_market";
    case ApplyOutcome::kStaleDropped:
      return "stale_dropped";
    case ApplyOutcome::kDuplicate:
      return "duplicate";
    case ApplyOutcome::kGap:
      return "gap";
    case ApplyOutcome::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::string_view StaleReasonName(StaleReason reason) {
  switch (reason) {
    case StaleReason::kNone:
      return "none";
    case StaleReason::kNoSnapshot:
      return "no_snapshot";
    case StaleReason::kSeqGap:
      return "seq_gap";
    case StaleReason::kRejectedUpdate:
      return "rejected_update";
    case StaleReason::kGridChange:
      return "grid_change";
    case StaleReason::kSubscriptionLost:
      return "subscription_lost";
  }
  return "unknown";
}

BookSet::BookSet(BookSetOptions options) : options_(options) {}

BookSet::Market* BookSet::FindMarket(std::string_view market_ticker) {
  auto it = markets_.find(ToAbsl(market_ticker));
  return it == markets_.end() ? nullptr : &it->second;
}

const book::OrderBook* BookSet::Find(std::string_view market_ticker) const {
  auto it = markets_.find(ToAbsl(market_ticker));
  return it == markets_.end() ? nullptr : &it->second.book;
}

std::optional<MarketStatus> BookSet::Status(std::string_view market_ticker) const {
  auto it = markets_.find(ToAbsl(market_ticker));
  if (it == markets_.end()) return std::nullopt;
  const Market& m = it->second;
  return MarketStatus{m.stale == StaleReason::kNone, m.stale, m.sid};
}

std::vector<std::string> BookSet::Tickers() const {
  std::vector<std::string> out;
  out.reserve(markets_.size());
  for (const auto& [ticker, market] : markets_) out.push_back(ticker);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> BookSet::MarketsOnSid(uint64_t sid) const {
  std::vector<std::string> out;
  for (const auto& [ticker, market] : markets_) {
    if (market.sid == sid) out.push_back(ticker);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void BookSet::MarkSidStale(uint64_t sid, StaleReason reason, const Market* except) {
  for (auto& [ticker, market] : markets_) {
    if (&market == except || market.sid != sid || !market.has_snapshot) continue;
    if (market.stale == StaleReason::kNone) market.stale = reason;
  }
}

book::BookSide BookSet::BookSideFor(Side side) const {
  return side == Side::kYes ? book::BookSide::kBid : book::BookSide::kAsk;
}

Price BookSet::BookPriceFor(Side side, Price price) const {
  // A NO bid at p in NO terms is a YES ask at 1 - p; with use_yes_price the venue has already
  // done that conversion.
  if (side == Side::kNo && !options_.use_yes_price) return Complement(price);
  return price;
}

ApplyResult BookSet::Apply(const WsMessage& message) {
  switch (message.type) {
    case MessageType::kOrderbookSnapshot:
    case MessageType::kOrderbookDelta: {
      if (!message.sid.has_value() || !message.seq.has_value()) {
        ++counters_.rejected;
        ApplyResult r = Result(ApplyOutcome::kRejected);
        r.error = absl::InvalidArgumentError(
            absl::StrCat("kalshi ", ToAbsl(MessageTypeName(message.type)), ": missing sid/seq"));
        return r;
      }
      if (message.type == MessageType::kOrderbookSnapshot) {
        return ApplySnapshot(*message.sid, *message.seq, message.snapshot);
      }
      return ApplyDelta(*message.sid, *message.seq, message.delta);
    }
    case MessageType::kMarketLifecycleV2:
      return ApplyLifecycle(message.lifecycle);
    case MessageType::kOk: {
      // The ok reply to update_subscription carries the sid's seq: it takes part in the
      // counter, so observe it; otherwise every get_snapshot would look like a gap.
      if (!message.sid.has_value() || !message.seq.has_value()) {
        return Result(ApplyOutcome::kIgnored);
      }
      const SeqResult seq = seq_.Observe(*message.sid, *message.seq);
      if (seq.status != SeqStatus::kGap) return Result(ApplyOutcome::kIgnored);
      ++counters_.gaps;
      MarkSidStale(*message.sid, StaleReason::kSeqGap, nullptr);
      ApplyResult r = Result(ApplyOutcome::kGap);
      r.gap = SeqGap{*message.sid, seq.expected, seq.got};
      return r;
    }
    case MessageType::kSubscribed:
      seq_.Forget(message.subscribed.sid);
      return Result(ApplyOutcome::kIgnored);
    case MessageType::kUnsubscribed:
      if (message.sid.has_value()) ForgetSid(*message.sid);
      return Result(ApplyOutcome::kIgnored);
    default:
      return Result(ApplyOutcome::kIgnored);
  }
}

ApplyResult BookSet::ApplySnapshot(uint64_t sid, uint64_t seq, const OrderbookSnapshot& snapshot) {
  ApplyResult result = Result(ApplyOutcome::kApplied);
  Market* market = FindMarket(snapshot.market_ticker);
  if (market == nullptr) {
    market =
        &markets_
             .try_emplace(std::string(snapshot.market_ticker), book::PriceGrid::KalshiLinearCent())
             .first->second;
  }
  const SeqResult observed = seq_.Observe(sid, seq);
  if (observed.status == SeqStatus::kGap) {
    // The snapshot is self-contained, but the other markets on the sid lost messages.
    ++counters_.gaps;
    MarkSidStale(sid, StaleReason::kSeqGap, market);
    result.gap = SeqGap{sid, observed.expected, observed.got};
  }
  seq_.OnSnapshot(sid, seq);

  bids_scratch_.clear();
  asks_scratch_.clear();
  for (const PriceLevel& l : snapshot.yes) {
    bids_scratch_.push_back(book::Level{BookPriceFor(Side::kYes, l.price), l.count});
  }
  for (const PriceLevel& l : snapshot.no) {
    asks_scratch_.push_back(book::Level{BookPriceFor(Side::kNo, l.price), l.count});
  }
  absl::Status status = market->book.ApplySnapshot(bids_scratch_, asks_scratch_);
  market->sid = sid;
  if (!status.ok()) {
    ++counters_.rejected;
    market->stale = StaleReason::kRejectedUpdate;
    result.outcome = ApplyOutcome::kRejected;
    result.error = absl::Status(
        status.code(), absl::StrCat("kalshi orderbook_snapshot ", ToAbsl(snapshot.market_ticker),
                                    ": ", status.message()));
    result.market_needs_snapshot = true;
    return result;
  }
  market->has_snapshot = true;
  market->stale = StaleReason::kNone;
  ++counters_.snapshots_applied;
  return result;
}

ApplyResult BookSet::ApplyDelta(uint64_t sid, uint64_t seq, const OrderbookDelta& delta) {
  const SeqResult observed = seq_.Observe(sid, seq);
  if (observed.status == SeqStatus::kDuplicateOrStale) {
    ++counters_.duplicate_drops;
    return Result(ApplyOutcome::kDuplicate);
  }
  if (observed.status == SeqStatus::kGap) {
    ++counters_.gaps;
    MarkSidStale(sid, StaleReason::kSeqGap, nullptr);
    ApplyResult r = Result(ApplyOutcome::kGap);
    r.gap = SeqGap{sid, observed.expected, observed.got};
    return r;
  }
  Market* market = FindMarket(delta.market_ticker);
  if (market == nullptr || !market->has_snapshot) {
    ++counters_.unknown_market_drops;
    return Result(ApplyOutcome::kUnknownMarket);
  }
  if (market->sid != sid) {
    // The same market on two subscriptions would otherwise apply every change twice.
    ++counters_.foreign_sid_drops;
    return Result(ApplyOutcome::kIgnored);
  }
  if (market->stale != StaleReason::kNone) {
    ++counters_.stale_drops;
    return Result(ApplyOutcome::kStaleDropped);
  }
  absl::Status status = market->book.AddToLevel(BookSideFor(delta.side),
                                                BookPriceFor(delta.side, delta.price), delta.delta);
  if (!status.ok()) {
    ++counters_.rejected;
    market->stale = StaleReason::kRejectedUpdate;
    ApplyResult r = Result(ApplyOutcome::kRejected);
    r.error = absl::Status(
        status.code(), absl::StrCat("kalshi orderbook_delta ", ToAbsl(delta.market_ticker), " ",
                                    ToAbsl(SideName(delta.side)), " ", delta.price.ToString(), " ",
                                    delta.delta.ToString(), ": ", status.message()));
    r.market_needs_snapshot = true;
    return r;
  }
  ++counters_.deltas_applied;
  return Result(ApplyOutcome::kApplied);
}

bool BookSet::ChangeGrid(Market& market, book::PriceGrid grid) {
  if (market.book.grid() == grid) return false;
  if (market.book.Regrid(grid).ok()) {
    ++counters_.regrids;
    return false;
  }
  // Some level is not representable on the new grid: the old book cannot be translated, so
  // start empty on the new grid and wait for a snapshot.
  market.book.Clear();
  const absl::Status empty_regrid = market.book.Regrid(std::move(grid));
  ARBOR_CHECK(empty_regrid.ok(), "regridding an empty book cannot fail");
  if (market.has_snapshot) market.stale = StaleReason::kGridChange;
  ++counters_.regrid_clears;
  return true;
}

ApplyResult BookSet::ApplyLifecycle(const MarketLifecycle& event) {
  if (event.price_level_structure.empty() && !event.has_price_ranges) {
    return Result(ApplyOutcome::kIgnored);
  }
  absl::StatusOr<book::PriceGrid> grid =
      GridForStructure(event.price_level_structure, event.price_ranges);
  if (!grid.ok()) {
    ++counters_.rejected;
    ApplyResult r = Result(ApplyOutcome::kRejected);
    r.error = absl::Status(grid.status().code(),
                           absl::StrCat("kalshi market_lifecycle_v2 ", ToAbsl(event.market_ticker),
                                        ": ", grid.status().message()));
    return r;
  }
  Market* market = FindMarket(event.market_ticker);
  if (market == nullptr) {
    markets_.try_emplace(std::string(event.market_ticker), *std::move(grid));
    return Result(ApplyOutcome::kApplied);
  }
  if (market->book.grid() == *grid) return Result(ApplyOutcome::kIgnored);
  ApplyResult r = Result(ApplyOutcome::kApplied);
  r.market_needs_snapshot = ChangeGrid(*market, *std::move(grid)) && market->has_snapshot;
  return r;
}

bool BookSet::SetGrid(std::string_view market_ticker, book::PriceGrid grid) {
  Market* market = FindMarket(market_ticker);
  if (market == nullptr) {
    markets_.try_emplace(std::string(market_ticker), std::move(grid));
    return false;
  }
  return ChangeGrid(*market, std::move(grid));
}

void BookSet::ForgetSid(uint64_t sid) {
  seq_.Forget(sid);
  MarkSidStale(sid, StaleReason::kSubscriptionLost, nullptr);
}

void BookSet::Reset() {
  seq_.Clear();
  for (auto& [ticker, market] : markets_) {
    if (market.has_snapshot && market.stale == StaleReason::kNone) {
      market.stale = StaleReason::kSubscriptionLost;
    }
  }
}

}  // namespace arbor::venue::kalshi
