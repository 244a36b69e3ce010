#include "arbor/scanner/relations_watcher.h"

#include <sys/stat.h>

#include <utility>

#include "arbor/relations/relation_file.h"

namespace arbor::scanner {

RelationsWatcher::RelationsWatcher(std::string path) : path_(std::move(path)), seen_(Current()) {}

RelationsWatcher::Stamp RelationsWatcher::Current() const {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return Stamp{};
  return Stamp{
      .exists = true,
      .mtime_nanos = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
      .size = static_cast<int64_t>(st.st_size),
      .inode = static_cast<uint64_t>(st.st_ino)};
}

std::optional<absl::StatusOr<std::vector<relations::Relation>>> RelationsWatcher::Poll() {
  const Stamp now = Current();
  if (now == seen_) return std::nullopt;
  seen_ = now;
  return relations::ReadRelationsFile(path_);
}

}  // namespace arbor::scanner
