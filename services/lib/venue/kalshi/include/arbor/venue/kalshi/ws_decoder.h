// File: arbor/venue/kalshi/ws_decoder.h
//
// WsFrameDecoder turns one Kalshi WebSocket text frame into a WsMessage (messages.h). The frame
// is decoded completely, with every used field validated, before Decode() returns OK; on any
// error nothing is delivered, so callers never apply half a frame. Parsing uses simdjson
// on-demand with its error-code API and a parser and padded buffer reused across frames: after
// warm-up (both are pre-sized; only a frame larger than any before grows them) decoding does not
// allocate.
//
//   WsFrameDecoder decoder;
//   absl::Status s = decoder.Decode(frame);
//   if (absl::IsUnimplemented(s)) { ++unknown_types; }      // well-formed, unknown `type`
//   else if (!s.ok()) { ++malformed; }                      // names field and byte offset
//   else if (decoder.message().type == MessageType::kOrderbookDelta) { ... }
//
// Not thread-safe; one decoder per connection/thread. The decoded message (including every
// string_view in it) is valid until the next Decode() call.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "arbor/venue/kalshi/messages.h"

namespace arbor::venue::kalshi {

class WsFrameDecoder {
 public:
  // Default initial capacity: comfortably above any delta/ticker/trade frame, so the hot path
  // never has to grow.
  static constexpr size_t kDefaultInitialCapacity = 4096;

  // Pre-sizes the frame buffer and the parser for frames up to `initial_capacity` bytes; larger
  // frames (big snapshots) grow both geometrically, after which they are reused.
  // Precondition: initial_capacity < 4 GiB (simdjson's limit); allocation failure is fatal.
  explicit WsFrameDecoder(size_t initial_capacity = kDefaultInitialCapacity);
  ~WsFrameDecoder();
  WsFrameDecoder(const WsFrameDecoder&) = delete;
  WsFrameDecoder& operator=(const WsFrameDecoder&) = delete;

  // Decode
  //
  // Decodes one complete frame (a JSON object). Fields are accepted in any order; unknown fields
  // are skipped. Fixed-point fields (`*_dollars`, `*_fp`) are preferred; when absent the legacy
  // 2026-03 fields are used (`yes_dollars`/`no_dollars` with integer counts, `yes`/`no` cents
  // levels, `price`/`delta`, `yes_price`/`count`, ...) and the representation is reported in
  // OrderbookSnapshot::schema / OrderbookDelta::schema.
  //
  // Errors:
  //   InvalidArgument  malformed JSON, trailing content, a field of the wrong JSON type, a missing
  //                    required field, a decimal that is NaN/junk/too precise, a price outside
  //                    [0, 1], a negative snapshot count. The message names the field path
  //                    (e.g. "msg.yes_dollars_fp[1][1]") and, where known, the byte offset.
  //   Unimplemented    a well-formed frame whose `type` is not one we decode; the message names
  //                    the type, so callers can count unknown types apart from malformed frames.
  //   ResourceExhausted the frame is too large for simdjson (> 4 GiB) or memory ran out.
  // After an error message() is unspecified.
  [[nodiscard]] absl::Status Decode(std::string_view frame);

  // The last successfully decoded frame.
  const WsMessage& message() const { return message_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  WsMessage message_;
};

}  // namespace arbor::venue::kalshi
