// File: services/arborctl/file_io.h
//
// Whole-file reads and atomic writes for arborctl's commands (report, replay), so each command
// does not carry its own copy.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace arbor::arborctl {

// The file's bytes, or nullopt if it cannot be opened or read.
std::optional<std::string> ReadWholeFile(const std::string& path);

// Writes `content` to `path` through `path`.tmp and a rename, so a reader never sees half a
// file. Errors: Unavailable naming the file (the temporary file is removed).
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace arbor::arborctl
