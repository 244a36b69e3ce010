#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/feed/capture.h"

namespace arbor::feed {
namespace {

absl::Status ErrnoError(std::string_view what, const std::string& path, int e) {
  return absl::UnavailableError(absl::StrCat(ToAbsl(what), " '", path, "': ", std::strerror(e)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CaptureWriter>> CaptureWriter::Open(CaptureWriterOptions options,
                                                                   const Clock& clock) {
  if (options.directory.empty()) {
    return absl::InvalidArgumentError("capture writer: directory is empty");
  }
  if (options.max_file_bytes < 0 || options.max_file_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "capture writer: max_file_bytes and max_file_age must not be negative");
  }
  if (options.max_pending_bytes < options.flush_bytes) {
    return absl::InvalidArgumentError(
        "capture writer: max_pending_bytes must be at least flush_bytes");
  }
  std::unique_ptr<CaptureWriter> writer(new CaptureWriter(std::move(options), clock));
  ARBOR_RETURN_IF_ERROR(writer->OpenNextFile());
  return writer;
}

CaptureWriter::CaptureWriter(CaptureWriterOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  pending_.reserve(options_.flush_bytes + 4096);
}

CaptureWriter::~CaptureWriter() {
  if (!closed_) (void)Close();
}

absl::Status CaptureWriter::OpenNextFile() {
  const absl::Time now = clock_.Now();
  const std::string stamp = absl::FormatTime("%Y%m%dT%H%M%E9SZ", now, absl::UTCTimeZone());
  // O_EXCL: never append to someone else's file; a name clash just takes the next sequence.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    ++seq_;
    std::string path = absl::StrFormat("%s/capture-%s-%06d.jsonl", options_.directory, stamp,
                                       static_cast<long long>(seq_));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      const int e = errno;
      if (e == EEXIST) continue;
      ++stats_.write_errors;
      return ErrnoError("cannot create capture file", path, e);
    }
    fd_ = fd;
    path_ = std::move(path);
    opened_at_ = now;
    file_records_ = 0;
    ++stats_.files;
    CaptureHeader header;
    header.created_ns = absl::ToUnixNanos(now);
    header.shard = options_.shard;
    header.host = options_.host;
    const size_t before = pending_.size();
    AppendCaptureHeaderLine(&pending_, header);
    file_bytes_ = static_cast<int64_t>(pending_.size() - before);
    return absl::OkStatus();
  }
  ++stats_.write_errors;
  return absl::AlreadyExistsError(
      absl::StrCat("capture writer: no free file name in '", options_.directory, "'"));
}

absl::Status CaptureWriter::WritePending() {
  while (pending_offset_ < pending_.size()) {
    const ssize_t n =
        ::write(fd_, pending_.data() + pending_offset_, pending_.size() - pending_offset_);
    if (n < 0) {
      const int e = errno;
      if (e == EINTR) continue;
      ++stats_.write_errors;
      return ErrnoError("cannot write capture file", path_, e);
    }
    pending_offset_ += static_cast<size_t>(n);
    stats_.bytes_written += n;
  }
  pending_.clear();
  pending_offset_ = 0;
  pending_frames_ = 0;
  return absl::OkStatus();
}

absl::Status CaptureWriter::Sync() {
  if (!options_.fsync) return absl::OkStatus();
  if (::fsync(fd_) != 0) {
    ++stats_.write_errors;
    return ErrnoError("cannot fsync capture file", path_, errno);
  }
  return absl::OkStatus();
}

absl::Status CaptureWriter::CloseFile() {
  ARBOR_RETURN_IF_ERROR(WritePending());
  ARBOR_RETURN_IF_ERROR(Sync());
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    ++stats_.write_errors;
    return ErrnoError("cannot close capture file", path_, errno);
  }
  return absl::OkStatus();
}

absl::Status CaptureWriter::Flush() {
  if (closed_) return absl::FailedPreconditionError("capture writer is closed");
  ARBOR_RETURN_IF_ERROR(WritePending());
  return Sync();
}

absl::Status CaptureWriter::Rotate() {
  if (closed_) return absl::FailedPreconditionError("capture writer is closed");
  // Everything accepted so far goes to the current file; it stays current (and keeps receiving
  // frames) until the next file exists, so a failed rotation never leaves the writer without one.
  ARBOR_RETURN_IF_ERROR(WritePending());
  ARBOR_RETURN_IF_ERROR(Sync());
  const int old_fd = fd_;
  const std::string old_path = path_;
  ARBOR_RETURN_IF_ERROR(OpenNextFile());
  if (::close(old_fd) != 0) {
    ++stats_.write_errors;
    return ErrnoError("cannot close capture file", old_path, errno);
  }
  return absl::OkStatus();
}

absl::Status CaptureWriter::Append(Venue venue, uint64_t connection_id, int64_t recv_unix_ns,
                                   std::string_view frame) {
  if (closed_) {
    ++stats_.refused_frames;
    return absl::FailedPreconditionError("capture writer is closed");
  }
  // Encode first so that the size check uses the exact line length.
  line_.clear();
  AppendCaptureRecordLine(&line_, CaptureRecord{recv_unix_ns, venue, connection_id, frame});
  const int64_t line_size = static_cast<int64_t>(line_.size());
  const bool too_big = options_.max_file_bytes > 0 && file_records_ > 0 &&
                       file_bytes_ + line_size > options_.max_file_bytes;
  const bool too_old = options_.max_file_age > absl::ZeroDuration() &&
                       clock_.Now() - opened_at_ >= options_.max_file_age;
  if (too_big || too_old) {
    // A failed rotation is counted and retried at the next frame; this one goes to the current
    // file, which is still open.
    (void)Rotate();
  }
  if (pending_.size() >= options_.max_pending_bytes) {
    if (absl::Status s = WritePending(); !s.ok()) {
      ++stats_.refused_frames;
      return s;
    }
  }
  pending_.append(line_);
  file_bytes_ += line_size;
  ++file_records_;
  ++pending_frames_;
  ++stats_.frames;
  if (pending_.size() >= options_.flush_bytes) {
    // The frame is accepted whatever happens here; a failure is counted and retried later.
    (void)WritePending();
  }
  return absl::OkStatus();
}

absl::Status CaptureWriter::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  absl::Status status = absl::OkStatus();
  if (fd_ >= 0) status = CloseFile();
  if (!status.ok()) {
    stats_.refused_frames += pending_frames_;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  pending_.clear();
  pending_offset_ = 0;
  pending_frames_ = 0;
  path_.clear();
  return status;
}

}  // namespace arbor::feed
