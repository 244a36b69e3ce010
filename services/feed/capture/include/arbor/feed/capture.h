// File: arbor/feed/capture.h
//
// Capture files of the feed shard: every raw venue frame, with its venue, connection id and
// receive time, appended to rotating JSON-lines files that replay tools (arborctl book replay)
// read back. The format (version 1) is specified in docs/feed.md, section feed_capture.
//
// Thread-safety: CaptureWriter and CaptureReader are not thread-safe (one owner each); the free
// functions are pure and reentrant.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/ids.h"

namespace arbor::feed {

// The format version this code writes and the only one it reads.
inline constexpr int64_t kCaptureFormatVersion = 1;

// The first line of every capture file.
struct CaptureHeader {
  int64_t version = kCaptureFormatVersion;
  int64_t created_ns = 0;  // unix nanoseconds when the file was opened
  std::string shard;
  std::string host;
};

// One frame line. `frame` views a buffer owned by whoever produced the record (see the callers).
struct CaptureRecord {
  int64_t recv_unix_ns = 0;
  Venue venue = Venue::kPolymarket;
  uint64_t connection_id = 0;
  std::string_view frame;
};

// Appends the header line (with its '\n') to `out`.
void AppendCaptureHeaderLine(std::string* out, const CaptureHeader& header);

// Appends one record line (with its '\n') to `out`; the frame is escaped with AppendJsonEscaped,
// so any bytes round-trip except that invalid UTF-8 stays invalid UTF-8 inside the string.
void AppendCaptureRecordLine(std::string* out, const CaptureRecord& record);

// True when `line` starts like a capture header (`{"arbor_capture":`); cheap, for autodetection.
bool LooksLikeCaptureHeader(std::string_view line);

// Parses a header line (without its terminator). Errors: InvalidArgument (not a JSON object,
// missing or non-integer "arbor_capture", with the byte offset), FailedPrecondition for a version
// other than kCaptureFormatVersion ("unsupported capture format version N").
absl::StatusOr<CaptureHeader> ParseCaptureHeaderLine(std::string_view line);

// Parses a record line (without its terminator) into `record`; the unescaped frame is stored in
// `*frame_buffer` (reused, so steady-state parsing does not allocate) and `record->frame` views
// it. Keys may come in any order; unknown keys with scalar values are ignored. Errors:
// InvalidArgument naming the field or the byte offset.
absl::Status ParseCaptureRecordLine(std::string_view line, CaptureRecord* record,
                                    std::string* frame_buffer);

// The capture files (`capture-*.jsonl`) in `directory`, sorted by name, which is creation order.
// Errors: NotFound / InvalidArgument when the directory cannot be listed.
absl::StatusOr<std::vector<std::string>> ListCaptureFiles(const std::string& directory);

// Catalog snapshots beside the frames. A feed shard that captures also writes the catalog it
// serves (ListMarkets with closed markets, every page, as proto3 JSON of one
// arbor.v1.ListMarketsResponse) whenever its universe changes, so a capture directory is
// self-contained: `arborctl replay` rebuilds the scanner's catalog from these files, each taking
// effect at its time. File name: catalog-<unix nanoseconds, 19 digits>.json (name order = time
// order).
struct CatalogSnapshotFile {
  std::string path;
  int64_t unix_nanos = 0;
};

// "catalog-0001767225600123456789.json" for `unix_nanos` (negative times are refused by Write).
std::string CatalogSnapshotFileName(int64_t unix_nanos);

// Writes `content` to `directory`/CatalogSnapshotFileName(unix_nanos) atomically (a temporary
// file renamed into place), so a reader never sees half a catalog. Errors: InvalidArgument for a
// negative time; the failing system call with the path otherwise.
[[nodiscard]] absl::Status WriteCatalogSnapshot(const std::string& directory, int64_t unix_nanos,
                                                std::string_view content);

// The catalog snapshots in `directory`, oldest first (other files are ignored). Errors: as
// ListCaptureFiles.
[[nodiscard]] absl::StatusOr<std::vector<CatalogSnapshotFile>> ListCatalogSnapshots(
    const std::string& directory);

struct CaptureWriterOptions {
  std::string directory;  // must exist
  std::string shard;      // recorded in each header
  std::string host;       // recorded in each header
  // Rotate before a record that would make the file larger than this; 0 = no size limit. A
  // single record larger than the limit still goes into a (fresh) file of its own.
  int64_t max_file_bytes = int64_t{256} << 20;
  // Rotate at the first record after the file is this old; zero = no age limit. Age is checked
  // only when a record arrives (there is no timer).
  absl::Duration max_file_age = absl::Hours(1);
  // Buffered bytes that trigger a write to the file.
  size_t flush_bytes = size_t{1} << 20;
  // While writes fail, frames are kept in memory up to this many bytes; beyond it new frames are
  // refused (Append returns the write error) instead of growing without bound.
  size_t max_pending_bytes = size_t{64} << 20;
  // fsync the file on Flush, rotation and Close.
  bool fsync = false;
};

struct CaptureWriterStats {
  int64_t frames = 0;          // frames accepted
  int64_t refused_frames = 0;  // frames refused because writes kept failing
  int64_t bytes_written = 0;   // bytes that reached the files
  int64_t files = 0;           // files opened
  int64_t write_errors = 0;    // failed write / fsync / open / close calls
};

// Writes capture files `capture-<UTC yyyymmddThhmmss.nnnnnnnnnZ>-<seq>.jsonl` into a directory.
class CaptureWriter {
 public:
  // Opens the first file. `clock` must outlive the writer. Errors: InvalidArgument for bad
  // options, the open error (with the path) otherwise.
  static absl::StatusOr<std::unique_ptr<CaptureWriter>> Open(CaptureWriterOptions options,
                                                             const Clock& clock);
  // Flushes and closes (errors are counted in stats(), not reported: call Close() to see them).
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // Records one frame received at `recv_unix_ns` (unix ns) on `connection_id`. OK means the frame
  // is accepted: it is buffered and will reach a file even if writes fail for a while (they are
  // retried on each later Append/Flush/Close). An error means the frame was NOT accepted: the
  // writer is closed (FailedPrecondition) or writes have been failing and the pending buffer is
  // full (the write error). Rotation and write failures are counted in stats().write_errors.
  absl::Status Append(Venue venue, uint64_t connection_id, int64_t recv_unix_ns,
                      std::string_view frame);

  // Writes buffered frames to the current file (and fsyncs if enabled). Errors: the write error.
  absl::Status Flush();
  // Flushes (and fsyncs if enabled) the current file, creates the next one, then closes the old
  // one. Errors: the write error (nothing changed) or the create error (the old file stays
  // current, so later frames still have somewhere to go).
  absl::Status Rotate();
  // Flushes and closes; later Appends fail. Errors: the write/close error (frames still pending
  // are then lost, and counted in refused_frames).
  absl::Status Close();

  const CaptureWriterStats& stats() const { return stats_; }
  // Path of the file being written ("" after Close).
  const std::string& current_path() const { return path_; }

 private:
  CaptureWriter(CaptureWriterOptions options, const Clock& clock);
  absl::Status OpenNextFile();
  absl::Status CloseFile();
  absl::Status WritePending();
  absl::Status Sync();

  CaptureWriterOptions options_;
  const Clock& clock_;
  int fd_ = -1;
  bool closed_ = false;
  std::string path_;
  absl::Time opened_at_;
  int64_t file_bytes_ = 0;      // bytes of the current file, written + pending
  int64_t file_records_ = 0;    // records in the current file
  int64_t pending_frames_ = 0;  // accepted frames not yet fully written
  uint64_t seq_ = 0;
  std::string pending_;  // encoded bytes not yet written to fd_
  std::string line_;     // the record being encoded (reused)
  size_t pending_offset_ = 0;
  CaptureWriterStats stats_;
};

struct CaptureReaderOptions {
  // Stop at the first malformed record line instead of skipping it.
  bool strict = false;
};

// A record line that was skipped.
struct MalformedCaptureLine {
  std::string file;
  int64_t line = 0;  // 1-based line number in `file`
  std::string reason;
};

struct CaptureReaderStats {
  int64_t files = 0;
  int64_t lines = 0;  // non-blank lines, headers included
  int64_t records = 0;
  int64_t malformed = 0;
};

// Reads capture files in order, yielding records.
class CaptureReader {
 public:
  // Maximum malformed lines remembered in malformed_lines() (all are counted).
  static constexpr size_t kMaxRememberedMalformed = 100;

  // `path` is a capture file or a directory of them (read in name order). Errors: NotFound when
  // it does not exist or a directory holds no capture files.
  static absl::StatusOr<std::unique_ptr<CaptureReader>> Open(const std::string& path,
                                                             CaptureReaderOptions options = {});

  // Reads the next record into `record` (its frame is valid until the next call). Returns true
  // for a record, false at the end of the last file. Errors: a file that cannot be opened or
  // read, a missing/invalid header or unsupported version (FailedPrecondition), and in strict
  // mode the first malformed record line (InvalidArgument with file and line). Without strict,
  // malformed lines are skipped and counted.
  absl::StatusOr<bool> Next(CaptureRecord* record);

  // Header of the file being read (valid after the first Next()).
  const CaptureHeader& header() const { return header_; }
  const std::string& current_file() const { return current_file_; }
  // Line number of the last line read in current_file().
  int64_t current_line() const { return line_number_; }
  const CaptureReaderStats& stats() const { return stats_; }
  const std::vector<MalformedCaptureLine>& malformed_lines() const { return malformed_; }

 private:
  CaptureReader(std::vector<std::string> files, CaptureReaderOptions options);
  absl::Status OpenFile(size_t index);

  std::vector<std::string> files_;
  CaptureReaderOptions options_;
  size_t next_file_ = 0;
  bool have_file_ = false;
  std::ifstream in_;
  std::string current_file_;
  int64_t line_number_ = 0;
  std::string line_;
  std::string frame_;
  CaptureHeader header_;
  CaptureReaderStats stats_;
  std::vector<MalformedCaptureLine> malformed_;
};

}  // namespace arbor::feed
