// File: arbor/trading_policy/control_clients.h
//
// The operator's side of the executor's Control API and the feed shards' ApplyFeedPolicy, behind
// small interfaces so the controller can be driven by fakes in unit tests while the integration
// test (tests/k8s/operator) runs the real gRPC clients against a real arbor-executor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/trading_policy/gates.h"
#include "arbor/trading_policy/reconciler.h"
#include "arbor/v1/control.pb.h"

namespace arbor::trading_policy {

class ExecutorControl {
 public:
  virtual ~ExecutorControl() = default;
  // Control.GetStatus as an observation (never an error: unreachable is an observation).
  virtual ExecutorObservation Observe() = 0;
  // Control.GetStageMetrics from `window_start` to now.
  [[nodiscard]] virtual absl::StatusOr<StageEvidence> StageEvidenceSince(
      absl::Time window_start) = 0;
  [[nodiscard]] virtual absl::Status ApplyLimits(const v1::PolicyRef& policy,
                                                 const v1::PolicyLimits& limits) = 0;
  // Executor.SetKillSwitch, global scope, engaged, cancelling resting orders.
  [[nodiscard]] virtual absl::Status EngageGlobalKillSwitch(const std::string& reason) = 0;
};

class FeedControl {
 public:
  virtual ~FeedControl() = default;
  virtual int32_t feed_count() const = 0;
  // FeedShard.ApplyFeedPolicy on every shard; returns how many accepted it.
  virtual int32_t ApplyFeedPolicy(const v1::PolicyRef& policy, const v1::FeedPolicy& feed) = 0;
};

struct GrpcControlOptions {
  std::string executor_address;  // host:port of the executor's gRPC (Executor + Control)
  std::vector<std::string> feed_addresses;
  std::string token_file;   // bearer token for every call (empty = none)
  std::string tls_ca_file;  // PEM CA to verify the services' TLS (empty = plaintext)
  std::string identity;     // applied_by / requested_by
  absl::Duration rpc_timeout = absl::Seconds(5);
};

// gRPC implementations. Errors: kInvalidArgument when the token or CA file cannot be read.
[[nodiscard]] absl::StatusOr<std::unique_ptr<ExecutorControl>> MakeGrpcExecutorControl(
    const GrpcControlOptions& options);
[[nodiscard]] absl::StatusOr<std::unique_ptr<FeedControl>> MakeGrpcFeedControl(
    const GrpcControlOptions& options);

}  // namespace arbor::trading_policy
