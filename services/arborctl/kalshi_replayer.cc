// The Kalshi half of `arborctl book replay`: WsFrameDecoder + BookSet, exactly as a feed shard
// uses them, including per-sid seq checking (a gap marks the sid's books stale).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"
#include "arbor/venue/kalshi/book_builder.h"
#include "arbor/venue/kalshi/ws_decoder.h"
#include "venue_replayer.h"

namespace arbor::arborctl {
namespace {

namespace kalshi = ::arbor::venue::kalshi;

class KalshiReplayer final : public VenueReplayer {
 public:
  FrameResult ApplyFrame(std::string_view frame) override {
    if (absl::Status s = decoder_.Decode(frame); !s.ok()) {
      return {s.code() == absl::StatusCode::kUnimplemented ? FrameOutcome::kUnknown
                                                           : FrameOutcome::kMalformed,
              s};
    }
    const kalshi::ApplyResult r = books_.Apply(decoder_.message());
    switch (r.outcome) {
      case kalshi::ApplyOutcome::kApplied:
      case kalshi::ApplyOutcome::kIgnored:
        if (r.gap) return Gap(*r.gap);  // a snapshot that skipped ahead staled its siblings
        return {FrameOutcome::kApplied, absl::OkStatus()};
      case kalshi::ApplyOutcome::kGap:
        return Gap(*r.gap);
      case kalshi::ApplyOutcome::kRejected:
        return {FrameOutcome::kRejected, r.error};
      case kalshi::ApplyOutcome::kUnknownMarket:
      case kalshi::ApplyOutcome::kStaleDropped:
      case kalshi::ApplyOutcome::kDuplicate:
        return {FrameOutcome::kRejected,
                absl::FailedPreconditionError(
                    absl::StrCat("delta dropped (", ToAbsl(kalshi::ApplyOutcomeName(r.outcome)),
                                 ") for ", ToAbsl(decoder_.message().delta.market_ticker)))};
    }
    return {FrameOutcome::kApplied, absl::OkStatus()};
  }

  void WriteBooks(JsonWriter& out) const override {
    out.BeginObject();
    for (const std::string& ticker : books_.Tickers()) {
      const book::OrderBook* book = books_.Find(ticker);
      const std::optional<kalshi::MarketStatus> status = books_.Status(ticker);
      out.Key(ticker).BeginObject();
      WriteBookLevels(*book, out);
      if (status && !status->live) out.Key("state").String(kalshi::StaleReasonName(status->reason));
      out.EndObject();
    }
    out.EndObject();
  }

 private:
  static FrameResult Gap(const kalshi::SeqGap& gap) {
    return {FrameOutcome::kRejected,
            absl::DataLossError(absl::StrCat("seq gap on sid ", gap.sid, ": expected ",
                                             gap.expected, ", got ", gap.got,
                                             "; books on the sid are stale until a snapshot"))};
  }

  kalshi::WsFrameDecoder decoder_;
  kalshi::BookSet books_;
};

}  // namespace

std::unique_ptr<VenueReplayer> MakeKalshiReplayer() { return std::make_unique<KalshiReplayer>(); }

}  // namespace arbor::arborctl
