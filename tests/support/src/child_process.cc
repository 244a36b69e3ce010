#include "arbor/testing/child_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "absl/status/status.h"

namespace arbor::testing {

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("child process: empty argv");
  int fds[2];
  if (pipe(fds) != 0) return absl::InternalError("child process: pipe failed");
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError("child process: fork failed");
  }
  if (pid == 0) {
    // A test process that aborts (ASan, a failed ASSERT in a destructor) must not leave its
    // children running: they hold the stdout pipe open and CTest would wait for its timeout.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  return ChildProcess(pid, fdopen(fds[0], "r"));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), out_(std::exchange(other.out_, nullptr)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Release();
    pid_ = std::exchange(other.pid_, -1);
    out_ = std::exchange(other.out_, nullptr);
  }
  return *this;
}

ChildProcess::~ChildProcess() { Release(); }

void ChildProcess::Release() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (out_ != nullptr) {
    fclose(out_);
    out_ = nullptr;
  }
}

absl::StatusOr<std::string> ChildProcess::ReadLine() {
  if (out_ == nullptr) return absl::FailedPreconditionError("child process: no stdout");
  std::string line;
  for (int c = fgetc(out_); c != EOF; c = fgetc(out_)) {
    if (c == '\n') return line;
    line.push_back(static_cast<char>(c));
  }
  if (!line.empty()) return line;
  return absl::NotFoundError("child process: stdout closed before a line was written");
}

int ChildProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  return Wait();
}

int ChildProcess::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

int JsonIntField(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const size_t at = json.find(needle);
  if (at == std::string::npos) return -1;
  return std::atoi(json.c_str() + at + needle.size());
}

}  // namespace arbor::testing
