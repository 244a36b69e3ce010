// libFuzzer target for the capture-file line parsers. Each input is one line. Invariants beyond
// "no crash":
//   * errors are InvalidArgument (records) or InvalidArgument / FailedPrecondition (headers);
//   * a parsed record re-encodes to a line that parses back to the same record (round trip);
//   * the encoder's output for the raw input as a frame always parses back to the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "arbor/feed/capture.h"

namespace {

namespace feed = arbor::feed;

void Require(bool condition) {
  if (!condition) std::abort();
}

// Encodes `record`, parses it back and checks every field survived.
void RequireRoundTrip(const feed::CaptureRecord& record) {
  std::string line;
  feed::AppendCaptureRecordLine(&line, record);
  Require(!line.empty() && line.back() == '\n');
  line.pop_back();
  feed::CaptureRecord back;
  std::string frame;
  Require(feed::ParseCaptureRecordLine(line, &back, &frame).ok());
  Require(back.recv_unix_ns == record.recv_unix_ns);
  Require(back.venue == record.venue);
  Require(back.connection_id == record.connection_id);
  Require(back.frame == record.frame);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  feed::CaptureRecord record;
  std::string frame;
  const absl::Status s = feed::ParseCaptureRecordLine(input, &record, &frame);
  if (s.ok()) {
    const std::string copy(record.frame);
    record.frame = copy;
    RequireRoundTrip(record);
  } else {
    Require(s.code() == absl::StatusCode::kInvalidArgument);
  }

  const absl::StatusOr<feed::CaptureHeader> header = feed::ParseCaptureHeaderLine(input);
  if (header.ok()) {
    Require(header->version == feed::kCaptureFormatVersion);
  } else {
    Require(header.status().code() == absl::StatusCode::kInvalidArgument ||
            header.status().code() == absl::StatusCode::kFailedPrecondition);
  }

  RequireRoundTrip(
      feed::CaptureRecord{static_cast<int64_t>(size), arbor::Venue::kKalshi, ~uint64_t{0}, input});
  return 0;
}
