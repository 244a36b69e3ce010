// File: arbor/testing/postgres_cluster.h
//
// A real, throwaway PostgreSQL cluster for tests (never a mock): scripts/pg_cluster.sh runs
// initdb + pg_ctl in a fresh directory under /tmp, on a private unix socket and a free port, as
// an unprivileged user when the test runs as root (CI). Tests get a libpq connection string and
// can stop, crash (immediate shutdown) and restart the server to inject faults; the destructor
// removes the cluster.
//
//   auto pg = PostgresCluster::Start();  // StatusOr
//   auto store = store::Store::Open(pg->conninfo());
//   pg->Kill();  ...  ASSERT_OK(pg->Restart());   // same address afterwards
//
// Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace arbor::testing {

class PostgresCluster {
 public:
  // Creates and starts a new cluster (about 2 s). Internal if the script fails (its stderr is in
  // the message).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PostgresCluster>> Start();

  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;
  ~PostgresCluster();

  // libpq keyword string, e.g. "host=/tmp/arbor-pg.X/sock port=41234 user=arbor dbname=arbor".
  const std::string& conninfo() const { return conninfo_; }
  const std::string& dir() const { return dir_; }

  // Fast shutdown (clients are disconnected; committed data stays).
  [[nodiscard]] absl::Status Stop();
  // Immediate shutdown: the postmaster and backends die without a checkpoint, like a crash.
  [[nodiscard]] absl::Status Kill();
  // Starts the stopped cluster again on the same socket and port.
  [[nodiscard]] absl::Status Restart();

 private:
  explicit PostgresCluster(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
  std::string conninfo_;
};

// Runs scripts/pg_cluster.sh with `args`; returns its stdout (trimmed). Exposed for tests of the
// script itself.
[[nodiscard]] absl::StatusOr<std::string> RunPgClusterScript(const std::string& args);

}  // namespace arbor::testing
