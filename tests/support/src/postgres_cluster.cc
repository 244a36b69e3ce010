#include "arbor/testing/postgres_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

#ifndef ARBOR_PG_CLUSTER_SCRIPT
#error "ARBOR_PG_CLUSTER_SCRIPT must name scripts/pg_cluster.sh"
#endif

namespace arbor::testing {

absl::StatusOr<std::string> RunPgClusterScript(const std::string& args) {
  // stderr goes to the test's stderr, where a failure's cause is visible in the ctest log.
  const std::string command = absl::StrCat(ARBOR_PG_CLUSTER_SCRIPT, " ", args);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("popen failed: ", command));
  std::string out;
  std::array<char, 512> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int rc = pclose(pipe);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat(command, " exited with ", WEXITSTATUS(rc)));
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

absl::StatusOr<std::unique_ptr<PostgresCluster>> PostgresCluster::Start() {
  std::string tmpl = "/tmp/arbor-pg.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  // The script initialises an empty directory; mkdtemp's 0700 directory is handed over to the
  // unprivileged server user by the script itself.
  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster(tmpl));
  absl::StatusOr<std::string> uri = RunPgClusterScript(absl::StrCat("start ", tmpl));
  if (!uri.ok()) return uri.status();
  cluster->conninfo_ = *std::move(uri);
  return cluster;
}

PostgresCluster::~PostgresCluster() { (void)RunPgClusterScript(absl::StrCat("destroy ", dir_)); }

absl::Status PostgresCluster::Stop() {
  return RunPgClusterScript(absl::StrCat("stop ", dir_)).status();
}

absl::Status PostgresCluster::Kill() {
  return RunPgClusterScript(absl::StrCat("kill ", dir_)).status();
}

absl::Status PostgresCluster::Restart() {
  return RunPgClusterScript(absl::StrCat("start ", dir_)).status();
}

}  // namespace arbor::testing
