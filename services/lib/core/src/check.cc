#include "arbor/core/check.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "arbor/core/log.h"
#include "arbor/core/strings.h"

namespace arbor {
namespace {

#ifdef NDEBUG
constexpr BugPolicy kDefaultBugPolicy = BugPolicy::kLogAndCount;
#else
constexpr BugPolicy kDefaultBugPolicy = BugPolicy::kAbort;
#endif

std::atomic<BugPolicy> g_bug_policy{kDefaultBugPolicy};

struct BugRegistry {
  std::mutex mu;
  absl::flat_hash_map<std::string, uint64_t> counts;
  uint64_t total = 0;
  std::function<void(std::string_view)> observer;
};

BugRegistry& Registry() {
  static BugRegistry* registry = new BugRegistry();
  return *registry;
}

}  // namespace

BugPolicy GetBugPolicy() { return g_bug_policy.load(); }
void SetBugPolicyForTest(BugPolicy policy) { g_bug_policy.store(policy); }

uint64_t BugCount(std::string_view site) {
  BugRegistry& r = Registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.counts.find(ToAbsl(site));
  return it == r.counts.end() ? 0 : it->second;
}

uint64_t TotalBugCount() {
  BugRegistry& r = Registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.total;
}

void SetBugObserver(std::function<void(std::string_view)> observer) {
  BugRegistry& r = Registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.observer = std::move(observer);
}

namespace internal {

void CheckFailed(const char* file, int line, const char* condition, std::string_view msg) {
  LogLine(LogLevel::kError, "check", "CHECK failed")
      .Field("condition", condition)
      .Field("detail", msg)
      .Field("file", file)
      .Field("line", line);
  std::abort();
}

void ReportBug(const char* site, std::string_view msg, const char* file, int line) {
  LogLine(LogLevel::kError, "bug", "ARBOR_BUG")
      .Field("site", site)
      .Field("detail", msg)
      .Field("file", file)
      .Field("line", line);
  std::function<void(std::string_view)> observer;
  {
    BugRegistry& r = Registry();
    std::lock_guard<std::mutex> lock(r.mu);
    ++r.counts[site];
    ++r.total;
    observer = r.observer;
  }
  if (observer) observer(site);
  if (g_bug_policy.load() == BugPolicy::kAbort) std::abort();
}

}  // namespace internal
}  // namespace arbor
