// File: arbor/store/migrations.h
//
// The executor's schema as an ordered list of migrations. Each is applied at most once, in its
// own transaction together with its row in `schema_migrations`, so a crash mid-migration leaves
// the previous version intact and the next start simply retries. Migrations are append-only:
// a released migration is never edited; changes come as a new version.
#pragma once

#include <string_view>
#include <vector>

namespace arbor::store {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// Every migration, in version order (versions 1, 2, ... without gaps).
const std::vector<Migration>& AllMigrations();

}  // namespace arbor::store
