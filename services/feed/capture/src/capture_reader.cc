#include <sys/stat.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/feed/capture.h"

namespace arbor::feed {

absl::StatusOr<std::unique_ptr<CaptureReader>> CaptureReader::Open(const std::string& path,
                                                                   CaptureReaderOptions options) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("capture path '", path, "' does not exist"));
  }
  std::vector<std::string> files;
  if (S_ISDIR(st.st_mode)) {
    ARBOR_ASSIGN_OR_RETURN(files, ListCaptureFiles(path));
    if (files.empty()) {
      return absl::NotFoundError(absl::StrCat("no capture-*.jsonl files in '", path, "'"));
    }
  } else {
    files.push_back(path);
  }
  return std::unique_ptr<CaptureReader>(new CaptureReader(std::move(files), options));
}

CaptureReader::CaptureReader(std::vector<std::string> files, CaptureReaderOptions options)
    : files_(std::move(files)), options_(options) {}

absl::Status CaptureReader::OpenFile(size_t index) {
  in_.close();
  in_.clear();
  current_file_ = files_[index];
  line_number_ = 0;
  in_.open(current_file_, std::ios::binary);
  if (!in_) {
    return absl::NotFoundError(absl::StrCat("cannot open capture file '", current_file_, "'"));
  }
  ++stats_.files;
  // The header is the first non-blank line.
  while (std::getline(in_, line_)) {
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.find_first_not_of(" \t") == std::string::npos) continue;
    ++stats_.lines;
    absl::StatusOr<CaptureHeader> header = ParseCaptureHeaderLine(line_);
    if (!header.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(current_file_, ":", line_number_,
                       ": not a readable arbor capture file: ", header.status().message()));
    }
    header_ = *std::move(header);
    return absl::OkStatus();
  }
  if (in_.bad()) {
    return absl::DataLossError(absl::StrCat("read error in '", current_file_, "'"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(current_file_, ": empty file, no capture header"));
}

absl::StatusOr<bool> CaptureReader::Next(CaptureRecord* record) {
  while (true) {
    if (!have_file_) {
      if (next_file_ >= files_.size()) return false;
      ARBOR_RETURN_IF_ERROR(OpenFile(next_file_++));
      have_file_ = true;
    }
    if (!std::getline(in_, line_)) {
      if (in_.bad()) {
        return absl::DataLossError(
            absl::StrCat("read error in '", current_file_, "' after line ", line_number_));
      }
      have_file_ = false;
      continue;
    }
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.find_first_not_of(" \t") == std::string::npos) continue;
    ++stats_.lines;
    const absl::Status s = ParseCaptureRecordLine(line_, record, &frame_);
    if (s.ok()) {
      ++stats_.records;
      return true;
    }
    ++stats_.malformed;
    if (options_.strict) {
      return absl::InvalidArgumentError(
          absl::StrCat(current_file_, ":", line_number_, ": ", s.message()));
    }
    if (malformed_.size() < kMaxRememberedMalformed) {
      malformed_.push_back(
          MalformedCaptureLine{current_file_, line_number_, std::string(s.message())});
    }
  }
}

}  // namespace arbor::feed
