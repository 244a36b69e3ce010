#include "arbor/k8s/leader_election.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/log.h"
#include "arbor/core/status_macros.h"

namespace arbor::k8s {
namespace {

constexpr char kComponent[] = "k8s.leader";

absl::Time TimeField(const Json& spec, const char* field) {
  auto it = spec.find(field);
  if (it == spec.end() || !it->is_string()) return absl::UnixEpoch();
  absl::StatusOr<absl::Time> t = ParseTime(it->get<std::string>());
  return t.ok() ? *t : absl::UnixEpoch();
}

int64_t IntField(const Json& spec, const char* field) {
  auto it = spec.find(field);
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

LeaseRecord LeaseRecordFromJson(const Json& lease) {
  LeaseRecord r;
  if (!lease.is_object()) return r;
  auto spec_it = lease.find("spec");
  if (spec_it == lease.end() || !spec_it->is_object()) return r;
  const Json& spec = *spec_it;
  if (auto h = spec.find("holderIdentity"); h != spec.end() && h->is_string()) {
    r.holder_identity = h->get<std::string>();
  }
  r.lease_duration_seconds = IntField(spec, "leaseDurationSeconds");
  r.lease_transitions = IntField(spec, "leaseTransitions");
  r.acquire_time = TimeField(spec, "acquireTime");
  r.renew_time = TimeField(spec, "renewTime");
  return r;
}

Json LeaseSpecToJson(const LeaseRecord& record) {
  return Json{{"holderIdentity", record.holder_identity},
              {"leaseDurationSeconds", record.lease_duration_seconds},
              {"acquireTime", FormatMicroTime(record.acquire_time)},
              {"renewTime", FormatMicroTime(record.renew_time)},
              {"leaseTransitions", record.lease_transitions}};
}

// --- ApiLeaseLock ---

ApiLeaseLock::ApiLeaseLock(ApiClient& api, std::string namespace_name, std::string name)
    : api_(api), ref_{LeasesResource(), std::move(namespace_name), std::move(name)} {}

std::string ApiLeaseLock::Describe() const {
  return absl::StrCat(ref_.namespace_name, "/", ref_.name);
}

absl::StatusOr<LeaseRecord> ApiLeaseLock::Get() {
  ARBOR_ASSIGN_OR_RETURN(Json lease, api_.Get(ObjectPath(ref_)));
  LeaseRecord record = LeaseRecordFromJson(lease);
  absl::MutexLock lock(&mu_);
  last_ = std::move(lease);
  return record;
}

absl::Status ApiLeaseLock::Create(const LeaseRecord& record) {
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", ref_.name}, {"namespace", ref_.namespace_name}}},
                {"spec", LeaseSpecToJson(record)}};
  ARBOR_ASSIGN_OR_RETURN(Json created,
                         api_.Create(CollectionPath(ref_.gvr, ref_.namespace_name), lease));
  absl::MutexLock lock(&mu_);
  last_ = std::move(created);
  return absl::OkStatus();
}

absl::Status ApiLeaseLock::Update(const LeaseRecord& record) {
  Json lease;
  {
    absl::MutexLock lock(&mu_);
    if (!last_.is_object()) {
      return absl::FailedPreconditionError("lease update before the lease was read");
    }
    lease = last_;
  }
  lease["spec"] = LeaseSpecToJson(record);  // metadata (with resourceVersion) as last read
  ARBOR_ASSIGN_OR_RETURN(Json updated, api_.Replace(ObjectPath(ref_), lease));
  absl::MutexLock lock(&mu_);
  last_ = std::move(updated);
  return absl::OkStatus();
}

// --- in-memory lock ---

InMemoryLeaseStore::Versioned InMemoryLeaseStore::Read() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::StatusOr<int64_t> InMemoryLeaseStore::Write(const LeaseRecord& record,
                                                  int64_t expected_version) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  if (expected_version == 0 && current_.version != 0) {
    return absl::AlreadyExistsError("lease already exists");
  }
  if (expected_version != current_.version) return absl::AbortedError("lease conflict");
  current_.record = record;
  ++current_.version;
  return current_.version;
}

void InMemoryLeaseStore::SetFailure(absl::Status error) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(error);
}

absl::StatusOr<LeaseRecord> InMemoryLeaseLock::Get() {
  InMemoryLeaseStore::Versioned v = store_.Read();
  if (v.version == 0) return absl::NotFoundError("lease not found");
  version_ = v.version;
  return v.record;
}

absl::Status InMemoryLeaseLock::Create(const LeaseRecord& record) {
  ARBOR_ASSIGN_OR_RETURN(version_, store_.Write(record, 0));
  return absl::OkStatus();
}

absl::Status InMemoryLeaseLock::Update(const LeaseRecord& record) {
  ARBOR_ASSIGN_OR_RETURN(version_, store_.Write(record, version_));
  return absl::OkStatus();
}

// --- LeaderElector ---

LeaderElector::LeaderElector(std::unique_ptr<LeaseLock> lock, LeaderElectionConfig config)
    : lock_(std::move(lock)),
      config_(std::move(config)),
      clock_(config_.clock != nullptr ? *config_.clock : SystemClock::Get()),
      rng_(std::hash<std::string>{}(config_.identity)) {
  ARBOR_CHECK(!config_.identity.empty(), "leader election needs an identity");
  ARBOR_CHECK(config_.retry_period > absl::ZeroDuration(), "retry_period must be positive");
  ARBOR_CHECK(config_.renew_deadline > config_.retry_period,
              "renew_deadline must exceed retry_period");
  ARBOR_CHECK(config_.lease_duration > config_.renew_deadline,
              "lease_duration must exceed renew_deadline");
}

LeaderElector::~LeaderElector() { Stop(); }

std::string LeaderElector::ObservedHolder() const {
  absl::MutexLock lock(&mu_);
  return observed_.holder_identity;
}

bool LeaderElector::TryAcquireOrRenew() {
  const absl::Time now = clock_.Now();
  const int64_t mono = clock_.MonotonicNanos();
  LeaseRecord desired;
  desired.holder_identity = config_.identity;
  desired.lease_duration_seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(config_.lease_duration));
  desired.acquire_time = now;
  desired.renew_time = now;

  absl::StatusOr<LeaseRecord> old = lock_->Get();
  if (!old.ok()) {
    if (old.status().code() != absl::StatusCode::kNotFound) {
      ARBOR_LOG(kWarning, kComponent, "cannot read the lease")
          .Field("lease", lock_->Describe())
          .Field("error", std::string(old.status().message()));
      return false;
    }
    absl::Status created = lock_->Create(desired);
    if (!created.ok()) {
      ARBOR_LOG(kInfo, kComponent, "cannot create the lease")
          .Field("lease", lock_->Describe())
          .Field("error", std::string(created.message()));
      return false;
    }
    observed_ = desired;
    have_observed_ = true;
    observed_mono_ = mono;
    return true;
  }
  // Expiry is judged by when *we* saw the record change, on our monotonic clock.
  if (!have_observed_ || !(*old == observed_)) {
    observed_ = *old;
    have_observed_ = true;
    observed_mono_ = mono;
  }
  const bool held_by_other =
      !old->holder_identity.empty() && old->holder_identity != config_.identity;
  if (held_by_other) {
    const int64_t expires = observed_mono_ + old->lease_duration_seconds * int64_t{1'000'000'000};
    if (mono < expires) return false;
  }
  if (old->holder_identity == config_.identity) {
    desired.acquire_time = old->acquire_time;
    desired.lease_transitions = old->lease_transitions;
  } else {
    desired.lease_transitions = old->lease_transitions + 1;
  }
  absl::Status updated = lock_->Update(desired);
  if (!updated.ok()) {
    ARBOR_LOG(kInfo, kComponent, "lease write failed")
        .Field("lease", lock_->Describe())
        .Field("error", std::string(updated.message()));
    return false;
  }
  observed_ = desired;
  observed_mono_ = mono;
  return true;
}

absl::Duration LeaderElector::Step() {
  std::vector<std::function<void()>> callbacks;
  {
    absl::MutexLock lock(&mu_);
    const std::string holder_before = observed_.holder_identity;
    const bool ok = TryAcquireOrRenew();
    const int64_t mono = clock_.MonotonicNanos();
    const bool leader = is_leader_.load();
    if (ok) {
      last_renew_mono_ = mono;
      if (!leader) {
        is_leader_.store(true);
        ARBOR_LOG(kInfo, kComponent, "became leader")
            .Field("lease", lock_->Describe())
            .Field("identity", config_.identity)
            .Field("transitions", observed_.lease_transitions);
        if (config_.on_started_leading) callbacks.push_back(config_.on_started_leading);
      }
    } else if (leader) {
      const bool taken =
          !observed_.holder_identity.empty() && observed_.holder_identity != config_.identity;
      if (taken || mono - last_renew_mono_ >= absl::ToInt64Nanoseconds(config_.renew_deadline)) {
        is_leader_.store(false);
        ARBOR_LOG(kWarning, kComponent, "lost leadership")
            .Field("lease", lock_->Describe())
            .Field("identity", config_.identity)
            .Field("reason", taken ? "lease taken by another holder" : "renew deadline passed");
        if (config_.on_stopped_leading) callbacks.push_back(config_.on_stopped_leading);
      }
    }
    if (observed_.holder_identity != holder_before && config_.on_new_leader) {
      const std::string holder = observed_.holder_identity;
      callbacks.push_back([this, holder] { config_.on_new_leader(holder); });
    }
  }
  for (auto& cb : callbacks) cb();
  return config_.retry_period;
}

absl::Status LeaderElector::Release() {
  absl::Status result;
  bool stepped_down = false;
  {
    absl::MutexLock lock(&mu_);
    if (!is_leader_.load()) return absl::OkStatus();
    LeaseRecord released = observed_;
    released.holder_identity.clear();
    released.lease_duration_seconds = 1;
    released.renew_time = clock_.Now();
    released.acquire_time = released.renew_time;
    result = lock_->Update(released);
    if (result.ok()) {
      observed_ = released;
      observed_mono_ = clock_.MonotonicNanos();
    }
    is_leader_.store(false);
    stepped_down = true;
    ARBOR_LOG(kInfo, kComponent, "released the lease")
        .Field("lease", lock_->Describe())
        .Field("identity", config_.identity)
        .Field("ok", result.ok());
  }
  if (stepped_down && config_.on_stopped_leading) config_.on_stopped_leading();
  return result;
}

void LeaderElector::Start() {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      absl::Duration wait = Step();
      if (!IsLeader()) {
        // client-go JitterUntil: candidates wait retry_period * (1 + up to 0.2).
        std::uniform_real_distribution<double> jitter(0.0, 0.2);
        wait += config_.retry_period * jitter(rng_);
      }
      absl::MutexLock lock(&sleep_mu_);
      auto stopping = [this] { return stop_.load(); };
      sleep_mu_.AwaitWithTimeout(absl::Condition(&stopping), wait);
    }
  });
}

void LeaderElector::Stop() {
  {
    absl::MutexLock lock(&sleep_mu_);
    stop_.store(true);
  }
  if (thread_.joinable()) thread_.join();
  if (config_.release_on_stop && IsLeader()) {
    absl::Status s = Release();
    if (!s.ok()) {
      ARBOR_LOG(kWarning, kComponent, "release on stop failed")
          .Field("error", std::string(s.message()));
    }
  }
}

}  // namespace arbor::k8s
