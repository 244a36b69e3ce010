#include "arbor/exec/failpoint.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::exec {
namespace {

constexpr std::string_view kPoints[] = {"before_intent_commit", "after_intent_commit",
                                        "before_send",          "after_send",
                                        "after_first_report",   "after_unwind_send"};

std::atomic<bool> g_armed{false};
std::atomic<int> g_remaining{0};
std::string* g_name = nullptr;  // written once, before g_armed is set

}  // namespace

absl::Status ArmFailpoint(std::string_view spec) {
  std::string_view name = spec;
  int count = 1;
  if (const size_t colon = spec.find(':'); colon != std::string_view::npos) {
    name = spec.substr(0, colon);
    if (!absl::SimpleAtoi(ToAbsl(spec.substr(colon + 1)), &count) || count < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("failpoint '", ToAbsl(spec), "': N must be a positive integer"));
    }
  }
  if (std::find(std::begin(kPoints), std::end(kPoints), name) == std::end(kPoints)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown failpoint '", ToAbsl(name), "'"));
  }
  g_name = new std::string(name);
  g_remaining.store(count);
  g_armed.store(true, std::memory_order_release);
  return absl::OkStatus();
}

void Failpoint(std::string_view name) {
  if (!g_armed.load(std::memory_order_acquire) || *g_name != name) return;
  if (g_remaining.fetch_sub(1) == 1) {
    // No cleanup, no flush: the point is to die exactly as kill -9 would.
    raise(SIGKILL);
    _exit(137);
  }
}

}  // namespace arbor::exec
