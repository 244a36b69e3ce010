// File: arbor/testing/child_process.h
//
// A real child process for integration tests: fork + exec of a binary with its stdout on a
// pipe, so a test can read the binary's ready line (e.g. arbor-venue-sim's JSON with its ports),
// then stop it with a signal and check the exit code. The destructor kills (SIGKILL) and reaps a
// child that is still running, so a failing test never leaves a process behind.
//
// Not thread-safe; one test thread owns a ChildProcess.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace arbor::testing {

class ChildProcess {
 public:
  // Start
  //
  // Starts `argv[0]` with `argv` (argv[0] must be a path; no PATH search). Errors: Internal if
  // the pipe or fork fails. An exec failure shows as exit code 127 from Stop()/Wait().
  [[nodiscard]] static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Reads one line from the child's stdout (without the newline). NotFound at EOF (the child
  // exited or closed stdout before writing a line).
  [[nodiscard]] absl::StatusOr<std::string> ReadLine();

  // Sends `signal` and waits for the child; returns its exit code, or -signal if a signal
  // killed it.
  int Stop(int signal);
  // Waits for the child to exit on its own; same return convention as Stop().
  int Wait();

  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, FILE* out) : pid_(pid), out_(out) {}
  void Release();

  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

// The integer value of `"key":<int>` in a flat JSON line, or -1 if absent (for ready lines).
int JsonIntField(const std::string& json, const std::string& key);

}  // namespace arbor::testing
