// Catalog snapshots of a capture directory (capture.h): one atomically written JSON file per
// universe change, named by its time so that name order is time order.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "arbor/core/strings.h"
#include "arbor/feed/capture.h"

namespace arbor::feed {
namespace {

constexpr std::string_view kPrefix = "catalog-";
constexpr std::string_view kSuffix = ".json";
constexpr size_t kDigits = 19;  // INT64_MAX has 19 digits

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(ToAbsl(what), " '", path, "': ", std::strerror(errno)));
}

}  // namespace

std::string CatalogSnapshotFileName(int64_t unix_nanos) {
  return absl::StrFormat("catalog-%019d.json", unix_nanos);
}

absl::Status WriteCatalogSnapshot(const std::string& directory, int64_t unix_nanos,
                                  std::string_view content) {
  if (unix_nanos < 0) {
    return absl::InvalidArgumentError(absl::StrCat("catalog snapshot time ", unix_nanos, " < 0"));
  }
  const std::string path = absl::StrCat(directory, "/", CatalogSnapshotFileName(unix_nanos));
  const std::string tmp = absl::StrCat(path, ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status s = Errno("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    absl::Status s = Errno("cannot close", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = Errno("cannot rename into", path);
    ::unlink(tmp.c_str());
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CatalogSnapshotFile>> ListCatalogSnapshots(
    const std::string& directory) {
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) {
    const int e = errno;
    const std::string msg =
        absl::StrCat("cannot list capture directory '", directory, "': ", std::strerror(e));
    return e == ENOENT ? absl::NotFoundError(msg) : absl::InvalidArgumentError(msg);
  }
  std::vector<CatalogSnapshotFile> files;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name.size() != kPrefix.size() + kDigits + kSuffix.size() ||
        name.substr(0, kPrefix.size()) != kPrefix ||
        name.substr(name.size() - kSuffix.size()) != kSuffix) {
      continue;
    }
    int64_t nanos = 0;
    if (!absl::SimpleAtoi(ToAbsl(name.substr(kPrefix.size(), kDigits)), &nanos) || nanos < 0)
      continue;
    files.push_back({absl::StrCat(directory, "/", ToAbsl(name)), nanos});
  }
  closedir(dir);
  std::sort(files.begin(), files.end(),
            [](const CatalogSnapshotFile& a, const CatalogSnapshotFile& b) {
              return a.unix_nanos < b.unix_nanos;
            });
  return files;
}

}  // namespace arbor::feed
