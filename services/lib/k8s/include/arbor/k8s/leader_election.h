// File: arbor/k8s/leader_election.h
//
// Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics
// (tools/leaderelection; OPERATOR_NOTES.md §2.4):
//   * get-or-create the Lease; take it only if it has no holder or the holder has not renewed
//     for leaseDurationSeconds *as observed on this process's monotonic clock* (the time we last
//     saw the record change), never by comparing the remote renewTime with our wall clock;
//   * leaseTransitions + 1 when the holder changes; acquireTime kept while renewing;
//   * writes are full PUTs carrying the resourceVersion we read, so a racing writer gets 409;
//   * the leader renews every retry_period; if no renewal succeeded for renew_deadline it steps
//     down (on_stopped_leading). It also steps down at once when it reads the Lease and finds
//     another holder. Stepping down returns to the candidate state;
//   * Release() (also on Stop() while leading) writes holderIdentity "" and
//     leaseDurationSeconds 1 so a standby takes over within about one retry_period.
// Like client-go this does not fence: two processes may briefly both believe they lead (pair it
// with a fencing token, e.g. leaseTransitions, where that matters).
//
// Requirements (checked): lease_duration > renew_deadline > retry_period > 0.
//
//   LeaderElector elector(std::make_unique<ApiLeaseLock>(*api, "trading", "arbor-operator"),
//                         {.identity = pod_name,
//                          .on_started_leading = [&] { ... },
//                          .on_stopped_leading = [&] { ... }});
//   elector.Start();  ...  elector.Stop();   // releases the lease if leading
//
// Step() runs one iteration synchronously (tests drive it with a SimulatedClock).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/k8s/api_client.h"

namespace arbor::k8s {

// The Lease spec fields leader election uses (LeaderElectionRecord in client-go).
struct LeaseRecord {
  std::string holder_identity;
  int64_t lease_duration_seconds = 0;
  absl::Time acquire_time = absl::UnixEpoch();
  absl::Time renew_time = absl::UnixEpoch();
  int64_t lease_transitions = 0;

  bool operator==(const LeaseRecord& o) const {
    return holder_identity == o.holder_identity &&
           lease_duration_seconds == o.lease_duration_seconds && acquire_time == o.acquire_time &&
           renew_time == o.renew_time && lease_transitions == o.lease_transitions;
  }
};

// LeaseRecordFromJson / LeaseToJson: Lease spec <-> record (MicroTime with microseconds + Z).
// Missing or unparsable fields read as zero values.
LeaseRecord LeaseRecordFromJson(const Json& lease);
Json LeaseSpecToJson(const LeaseRecord& record);

// LeaseLock: where the record lives (client-go resourcelock.Interface). Update() must be
// conditional on the version last returned by Get()/Create()/Update() of this lock: Aborted
// (IsConflict) when someone else wrote in between.
class LeaseLock {
 public:
  virtual ~LeaseLock() = default;
  // NotFound when the Lease does not exist.
  [[nodiscard]] virtual absl::StatusOr<LeaseRecord> Get() = 0;
  [[nodiscard]] virtual absl::Status Create(const LeaseRecord& record) = 0;
  [[nodiscard]] virtual absl::Status Update(const LeaseRecord& record) = 0;
  virtual std::string Describe() const = 0;
};

// ApiLeaseLock: a Lease object via the API server; Update() is a PUT of the last-read Lease with
// its resourceVersion and the new spec.
class ApiLeaseLock final : public LeaseLock {
 public:
  ApiLeaseLock(ApiClient& api, std::string namespace_name, std::string name);
  [[nodiscard]] absl::StatusOr<LeaseRecord> Get() override;
  [[nodiscard]] absl::Status Create(const LeaseRecord& record) override;
  [[nodiscard]] absl::Status Update(const LeaseRecord& record) override;
  std::string Describe() const override;

 private:
  ApiClient& api_;
  const ObjectRef ref_;
  absl::Mutex mu_;
  Json last_ ABSL_GUARDED_BY(mu_);  // the Lease as last read or written
};

// InMemoryLeaseStore: one Lease with resourceVersion semantics, shared by InMemoryLeaseLocks
// (unit tests of election logic without a server). Thread-safe.
class InMemoryLeaseStore {
 public:
  struct Versioned {
    LeaseRecord record;
    int64_t version = 0;  // 0 = absent
  };
  Versioned Read() const;
  // Writes if `expected_version` matches (0 = create); Aborted / AlreadyExists otherwise.
  [[nodiscard]] absl::StatusOr<int64_t> Write(const LeaseRecord& record, int64_t expected_version);
  // Makes every write fail with `error` until cleared with OkStatus() (simulates a partition).
  void SetFailure(absl::Status error);

 private:
  mutable absl::Mutex mu_;
  Versioned current_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

class InMemoryLeaseLock final : public LeaseLock {
 public:
  explicit InMemoryLeaseLock(InMemoryLeaseStore& store) : store_(store) {}
  [[nodiscard]] absl::StatusOr<LeaseRecord> Get() override;
  [[nodiscard]] absl::Status Create(const LeaseRecord& record) override;
  [[nodiscard]] absl::Status Update(const LeaseRecord& record) override;
  std::string Describe() const override { return "in-memory lease"; }

 private:
  InMemoryLeaseStore& store_;
  int64_t version_ = 0;
};

struct LeaderElectionConfig {
  std::string identity;  // unique per process (e.g. pod name + "_" + uid)
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
  bool release_on_stop = true;
  const Clock* clock = nullptr;  // not owned; nullptr = SystemClock
  // Called on the elector's thread (or the Step()/Release() caller's). Must not call Stop().
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& holder)> on_new_leader;  // observed holder changed
};

class LeaderElector {
 public:
  LeaderElector(std::unique_ptr<LeaseLock> lock, LeaderElectionConfig config);
  ~LeaderElector();  // calls Stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Start: runs Step() on a thread, waiting its result (plus up to 20 % jitter while a
  // candidate) between iterations.
  void Start();
  // Stop: stops the thread; releases the Lease if leading and release_on_stop. Idempotent.
  void Stop();

  // Step
  //
  // One acquire-or-renew attempt and the resulting state change (callbacks included). Returns
  // the delay before the next attempt (retry_period).
  absl::Duration Step();

  // Release
  //
  // If leading: writes an empty holder with leaseDurationSeconds 1, steps down
  // (on_stopped_leading). Errors: the write error (the state is "not leading" regardless).
  [[nodiscard]] absl::Status Release();

  bool IsLeader() const { return is_leader_.load(); }
  // The holder seen in the last successful read ("" if none).
  std::string ObservedHolder() const;
  const std::string& identity() const { return config_.identity; }

 private:
  bool TryAcquireOrRenew() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<LeaseLock> lock_;
  const LeaderElectionConfig config_;
  const Clock& clock_;
  std::atomic<bool> is_leader_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex sleep_mu_;
  std::mt19937_64 rng_;

  mutable absl::Mutex mu_;  // the state below; held across a whole Step()
  LeaseRecord observed_ ABSL_GUARDED_BY(mu_);
  bool have_observed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t observed_mono_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_renew_mono_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arbor::k8s
