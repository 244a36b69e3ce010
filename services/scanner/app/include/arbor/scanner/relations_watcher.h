// File: arbor/scanner/relations_watcher.h
//
// RelationsWatcher: notices that the relations file (docs/relations.md) changed — its
// modification time, size or inode — and parses the new contents, so the scanner's combinatorial
// lane picks up a curated or reviewed file without a restart. Editors and `arborctl relations`
// should replace the file atomically (write, then rename); a half-written file fails strict
// parsing and is reported, and the relations in use stay as they are.
//
//   RelationsWatcher watch(path);          // the current file counts as seen
//   if (auto changed = watch.Poll()) {     // every few seconds
//     if (changed->ok()) engine.ReplaceRelations(**changed); else log(changed->status());
//   }
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/relations/relation.h"

namespace arbor::scanner {

class RelationsWatcher {
 public:
  explicit RelationsWatcher(std::string path);

  // Poll
  //
  // nullopt while the file is as last seen; otherwise its parse (ReadRelationsFile: NotFound or
  // Unavailable if it cannot be read, InvalidArgument naming the entry). A version that failed is
  // not read again until the file changes again.
  std::optional<absl::StatusOr<std::vector<relations::Relation>>> Poll();

  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    bool exists = false;
    int64_t mtime_nanos = 0;
    int64_t size = 0;
    uint64_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp Current() const;

  std::string path_;
  Stamp seen_;
};

}  // namespace arbor::scanner
