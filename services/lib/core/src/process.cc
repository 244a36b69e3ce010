#include "arbor/core/process.h"

#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "arbor/core/log.h"
#include "arbor/core/strings.h"

namespace arbor {

sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int WaitForStopSignal(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number;
}

absl::Status SetLogLevel(std::string_view level) {
  if (level == "debug") {
    Logger::Global().SetMinLevel(LogLevel::kDebug);
  } else if (level == "info") {
    Logger::Global().SetMinLevel(LogLevel::kInfo);
  } else if (level == "warning") {
    Logger::Global().SetMinLevel(LogLevel::kWarning);
  } else if (level == "error") {
    Logger::Global().SetMinLevel(LogLevel::kError);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "log level must be debug, info, warning or error, got \"", ToAbsl(level), "\""));
  }
  return absl::OkStatus();
}

}  // namespace arbor
