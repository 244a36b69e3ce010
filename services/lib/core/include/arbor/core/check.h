// File: arbor/core/check.h
//
// Invariant macros, Envoy's three levels:
//   ARBOR_CHECK(cond, msg)   always on; logs and aborts. For states that would corrupt data if
//                            execution continued. Crashing is safe: pods restart and reconcile
//                            (crash-only design).
//   ARBOR_DCHECK(cond, msg)  debug builds only; compiled out (not evaluated) with NDEBUG.
//   ARBOR_BUG(site, msg)     "should not happen but is survivable": in release builds logs an
//                            error line and increments a per-site counter (exported as
//                            arbor_bug_total{site}); in debug builds aborts.
// `msg` is anything convertible to std::string_view. `site` must be a string literal.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace arbor {

// What ARBOR_BUG does after logging and counting.
enum class BugPolicy { kAbort, kLogAndCount };

// The current policy: kAbort in debug builds, kLogAndCount with NDEBUG, unless overridden.
BugPolicy GetBugPolicy();
void SetBugPolicyForTest(BugPolicy policy);

// Number of ARBOR_BUG hits at `site` since start (0 if never hit).
uint64_t BugCount(std::string_view site);
// Sum over all sites.
uint64_t TotalBugCount();

// Registers a callback invoked on every ARBOR_BUG hit (after counting); the metrics layer uses
// it to increment arbor_bug_total{site}. Set once at start-up.
void SetBugObserver(std::function<void(std::string_view site)> observer);

namespace internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              std::string_view msg);
void ReportBug(const char* site, std::string_view msg, const char* file, int line);
}  // namespace internal

}  // namespace arbor

#define ARBOR_CHECK(cond, msg)                                          \
  do {                                                                  \
    if (__builtin_expect(!(cond), 0)) {                                 \
      ::arbor::internal::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
    }                                                                   \
  } while (false)

#ifdef NDEBUG
#define ARBOR_DCHECK(cond, msg) \
  do {                          \
  } while (false && (cond))
#else
#define ARBOR_DCHECK(cond, msg) ARBOR_CHECK(cond, msg)
#endif

#define ARBOR_BUG(site, msg) ::arbor::internal::ReportBug((site), (msg), __FILE__, __LINE__)
