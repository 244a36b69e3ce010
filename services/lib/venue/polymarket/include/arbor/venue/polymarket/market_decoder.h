// File: arbor/venue/polymarket/market_decoder.h
//
// MarketFrameDecoder: decodes one Polymarket market-channel WebSocket frame (POLYMARKET.md §3)
// completely into reused storage before anything is applied, so a malformed frame delivers
// nothing. Uses simdjson On-Demand with error codes; prices and sizes are converted exactly
// from their decimal text.
//
//   MarketFrameDecoder decoder;
//   absl::StatusOr<const MarketFrame*> frame = decoder.Decode(text);
//   if (!frame.ok()) { count(frame.status().code()); return; }   // kUnimplemented = unknown type
//   ARBOR_RETURN_IF_ERROR(books.Apply(**frame));
//
// After warm-up (buffers grown to the largest frame seen) decoding does not allocate.
// Not thread-safe: one decoder per connection / feed thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/book/level.h"
#include "arbor/venue/polymarket/market_events.h"
#include "simdjson.h"

namespace arbor::venue::polymarket {

struct MarketDecoderOptions {
  // Frames larger than this are rejected (ResourceExhausted) before parsing.
  size_t max_frame_bytes = 64u << 20;
};

class MarketFrameDecoder {
 public:
  explicit MarketFrameDecoder(MarketDecoderOptions options = {});

  MarketFrameDecoder(const MarketFrameDecoder&) = delete;
  MarketFrameDecoder& operator=(const MarketFrameDecoder&) = delete;

  // Decode
  //
  // Decodes one frame: a JSON event object, a JSON array of event objects, or one of the text
  // frames PONG / NO NEW ASSETS / INVALID OPERATION (surrounding whitespace ignored). Every JSON
  // event must carry `event_type`. Unknown fields are ignored; unknown event types inside an
  // array are skipped and listed in MarketFrame::skipped_unknown_types().
  //
  // The returned frame and every view in it stay valid until the next Decode/DecodeAs call.
  //
  // Errors (nothing is delivered):
  //  * InvalidArgument: empty or unrecognised text, malformed/truncated JSON, trailing content,
  //    a missing or duplicate field, a wrong JSON type, an invalid decimal (NaN, junk, > 6
  //    decimals), a price outside [0, 1], a negative size, a tick outside (0, 1], a side other
  //    than BUY/SELL. Messages name the event index (array frames), the event type, the field
  //    path (e.g. `price_changes[1].price`) and the byte offset.
  //  * Unimplemented: the frame holds only events of unknown type; the message names the type
  //    (so callers can count new venue event types apart from malformed frames).
  //  * ResourceExhausted: frame larger than max_frame_bytes.
  [[nodiscard]] absl::StatusOr<const MarketFrame*> Decode(std::string_view frame);

  // DecodeAs
  //
  // Like Decode, but events without `event_type` are decoded as `assumed` (an event that does
  // carry event_type must name `assumed`). For REST-shaped payloads such as NautilusTrader's
  // synthetic fixtures (a book/last-trade/tick-size object without event_type); the live
  // channel always sends event_type, so the feed uses Decode.
  [[nodiscard]] absl::StatusOr<const MarketFrame*> DecodeAs(std::string_view frame,
                                                            MarketEventType assumed);

 private:
  struct Range {
    uint32_t begin = 0;
    uint32_t count = 0;
  };
  class EventParser;

  [[nodiscard]] absl::StatusOr<const MarketFrame*> DecodeImpl(
      std::string_view frame, std::optional<MarketEventType> assumed);
  // Points every event's spans into the (now stable) level/entry/string storage.
  void FixUpSpans();

  MarketDecoderOptions options_;
  simdjson::ondemand::parser parser_;
  std::string buffer_;  // the frame plus SIMDJSON_PADDING, reused
  MarketFrame frame_;
  std::vector<book::Level> levels_;
  std::vector<PriceChangeEntry> entries_;
  std::vector<std::string_view> strings_;
  // Span fix-ups, parallel to the per-type event vectors of frame_.
  std::vector<Range> book_bid_ranges_;
  std::vector<Range> book_ask_ranges_;
  std::vector<Range> change_ranges_;
  // assets_ids, outcomes, clob_token_ids, tags per new_market; assets_ids, tags per resolution.
  std::vector<Range> new_market_ranges_;
  std::vector<Range> resolution_ranges_;
};

}  // namespace arbor::venue::polymarket
