// The Polymarket half of `arborctl book replay`: MarketFrameDecoder + BookSet, exactly as a
// feed shard uses them. Known tick sizes come from --tick-size; others are inferred by the book
// set from the prices it sees (docs/polymarket_codec.md).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"
#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/market_decoder.h"
#include "venue_replayer.h"

namespace arbor::arborctl {
namespace {

namespace polymarket = ::arbor::venue::polymarket;

class PolymarketReplayer final : public VenueReplayer {
 public:
  [[nodiscard]] absl::Status SetTickSize(const std::string& asset, const std::string& tick) {
    absl::StatusOr<Price> parsed = Price::Parse(tick);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tick-size ", asset, "=", tick, ": ", parsed.status().message()));
    }
    if (absl::Status s = books_.SetTickSize(asset, *parsed); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tick-size ", asset, "=", tick, ": ", s.message()));
    }
    return absl::OkStatus();
  }

  FrameResult ApplyFrame(std::string_view frame) override {
    absl::StatusOr<const polymarket::MarketFrame*> decoded = decoder_.Decode(frame);
    if (!decoded.ok()) {
      const absl::Status& s = decoded.status();
      return {s.code() == absl::StatusCode::kUnimplemented ? FrameOutcome::kUnknown
                                                           : FrameOutcome::kMalformed,
              s};
    }
    if (absl::Status s = books_.Apply(**decoded); !s.ok()) return {FrameOutcome::kRejected, s};
    return {FrameOutcome::kApplied, absl::OkStatus()};
  }

  void WriteBooks(JsonWriter& out) const override {
    out.BeginObject();
    for (const std::string& asset : books_.AssetIds()) {
      const book::OrderBook* book = books_.Find(asset);
      const std::optional<polymarket::BookState> state = books_.State(asset);
      out.Key(asset).BeginObject();
      if (book != nullptr) {
        WriteBookLevels(*book, out);
      } else {
        // A token whose book was dropped (tick_size_change) and not yet re-snapshotted.
        const std::optional<Price> tick = books_.TickSize(asset);
        out.Key("tick_size").String(tick ? tick->ToString() : "");
        out.Key("bids").BeginArray().EndArray().Key("asks").BeginArray().EndArray();
      }
      out.Key("hash").String(books_.LastHash(asset));
      if (state && *state != polymarket::BookState::kLive) {
        out.Key("state").String(polymarket::BookStateName(*state));
      }
      out.EndObject();
    }
    out.EndObject();
  }

 private:
  polymarket::MarketFrameDecoder decoder_;
  polymarket::BookSet books_;
};

}  // namespace

absl::Status MakePolymarketReplayer(
    const std::vector<std::pair<std::string, std::string>>& tick_sizes,
    std::unique_ptr<VenueReplayer>* out) {
  auto replayer = std::make_unique<PolymarketReplayer>();
  for (const auto& [asset, tick] : tick_sizes) {
    if (absl::Status s = replayer->SetTickSize(asset, tick); !s.ok()) return s;
  }
  *out = std::move(replayer);
  return absl::OkStatus();
}

}  // namespace arbor::arborctl
