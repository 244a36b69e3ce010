// File: arbor/executor/executor_service.h
//
// The executor's gRPC surface: arbor.v1.Executor (trading, queries, safety controls) and
// arbor.v1.Control (policy limits and stage evidence for the operator), both over one
// ExecutorBackend (the leader's engine and store, or nothing on a standby).
//
// Contract (executor_service.proto): business outcomes are OK responses; INVALID_ARGUMENT with
// the reason for malformed requests, NOT_FOUND for unknown ids, FAILED_PRECONDITION for state
// conflicts, UNAVAILABLE on a standby / before recovery / while PostgreSQL is down, and
// UNAUTHENTICATED (counted) without valid credentials. Reads on a standby come from PostgreSQL.
//
// Authentication: a bearer token ("authorization: Bearer <token>") compared in constant time with
// the token file's content (re-read when the file changes, so a rotated Secret takes effect), or
// mTLS, in which case gRPC itself refuses peers without a client certificate from the CA and the
// token is not needed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "arbor/core/clock.h"
#include "arbor/exec/execution_engine.h"
#include "arbor/store/store.h"
#include "arbor/v1/control_service.grpc.pb.h"
#include "arbor/v1/executor_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace arbor::executor {

// Bearer-token check shared by both services.
class Authenticator {
 public:
  // `token_file` empty = token authentication off (only valid together with mTLS).
  Authenticator(std::string token_file, prometheus::Registry& registry);
  // Loads the token; InvalidArgument if the file is missing or empty.
  [[nodiscard]] absl::Status Load();
  // OK, or UNAUTHENTICATED (and the refusal is counted per service).
  grpc::Status Check(grpc::ServerContext* context, std::string_view service);
  bool enabled() const { return !token_file_.empty(); }

 private:
  const std::string token_file_;
  prometheus::Family<prometheus::Counter>& refused_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  int64_t mtime_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t checked_mono_ ABSL_GUARDED_BY(mu_) = 0;
};

// What the services act on. `engine` and the leader flag change when leadership is won; reads
// always go to `store`.
struct ExecutorBackend {
  store::Store* store = nullptr;
  std::vector<exec::VenueGateway*> gateways;            // for per-venue health
  std::atomic<exec::ExecutionEngine*> engine{nullptr};  // set once the leader has recovered
  std::atomic<bool> leader{false};
  std::atomic<uint64_t> epoch{0};
  v1::TradingMode mode = v1::TRADING_MODE_PAPER;
  v1::RunMode run_mode = v1::RUN_MODE_PAPER;
  std::string instance_id;
  int64_t started_unix_nanos = 0;
  // Called with every opportunity before it is submitted (paper mode registers its books).
  std::function<void(const v1::Opportunity&)> on_opportunity;
  const Clock* clock = &SystemClock::Get();

  absl::Mutex policy_mu;
  v1::PolicyRef active_policy ABSL_GUARDED_BY(policy_mu);
  v1::PolicyLimits active_limits ABSL_GUARDED_BY(policy_mu);
  int64_t applied_unix_nanos ABSL_GUARDED_BY(policy_mu) = 0;
  int64_t stage_started_unix_nanos ABSL_GUARDED_BY(policy_mu) = 0;
};

class ExecutorServiceImpl final : public v1::Executor::Service {
 public:
  ExecutorServiceImpl(ExecutorBackend* backend, Authenticator* auth);

  grpc::Status SubmitOpportunity(grpc::ServerContext*, const v1::SubmitOpportunityRequest*,
                                 v1::SubmitOpportunityResponse*) override;
  grpc::Status GetExecution(grpc::ServerContext*, const v1::GetExecutionRequest*,
                            v1::GetExecutionResponse*) override;
  grpc::Status ListExecutions(grpc::ServerContext*, const v1::ListExecutionsRequest*,
                              v1::ListExecutionsResponse*) override;
  grpc::Status ListOrders(grpc::ServerContext*, const v1::ListOrdersRequest*,
                          v1::ListOrdersResponse*) override;
  grpc::Status GetOrder(grpc::ServerContext*, const v1::GetOrderRequest*,
                        v1::GetOrderResponse*) override;
  grpc::Status ListPositions(grpc::ServerContext*, const v1::ListPositionsRequest*,
                             v1::ListPositionsResponse*) override;
  grpc::Status ListBalances(grpc::ServerContext*, const v1::ListBalancesRequest*,
                            v1::ListBalancesResponse*) override;
  grpc::Status ListFills(grpc::ServerContext*, const v1::ListFillsRequest*,
                         v1::ListFillsResponse*) override;
  grpc::Status SetKillSwitch(grpc::ServerContext*, const v1::SetKillSwitchRequest*,
                             v1::SetKillSwitchResponse*) override;
  grpc::Status ListKillSwitches(grpc::ServerContext*, const v1::ListKillSwitchesRequest*,
                                v1::ListKillSwitchesResponse*) override;
  grpc::Status GetSafeMode(grpc::ServerContext*, const v1::GetSafeModeRequest*,
                           v1::GetSafeModeResponse*) override;
  grpc::Status AcknowledgeSafeMode(grpc::ServerContext*, const v1::AcknowledgeSafeModeRequest*,
                                   v1::AcknowledgeSafeModeResponse*) override;
  grpc::Status GetTradingState(grpc::ServerContext*, const v1::GetTradingStateRequest*,
                               v1::GetTradingStateResponse*) override;
  grpc::Status SetTradingState(grpc::ServerContext*, const v1::SetTradingStateRequest*,
                               v1::SetTradingStateResponse*) override;
  grpc::Status GetHealth(grpc::ServerContext*, const v1::GetExecutorHealthRequest*,
                         v1::GetExecutorHealthResponse*) override;

 private:
  // The engine if this process leads and has recovered, else UNAVAILABLE.
  grpc::Status Leader(exec::ExecutionEngine** engine) const;

  ExecutorBackend* const backend_;
  Authenticator* const auth_;
};

class ControlServiceImpl final : public v1::Control::Service {
 public:
  ControlServiceImpl(ExecutorBackend* backend, Authenticator* auth);

  grpc::Status ApplyPolicyLimits(grpc::ServerContext*, const v1::ApplyPolicyLimitsRequest*,
                                 v1::ApplyPolicyLimitsResponse*) override;
  grpc::Status GetStageMetrics(grpc::ServerContext*, const v1::GetStageMetricsRequest*,
                               v1::GetStageMetricsResponse*) override;
  grpc::Status GetStatus(grpc::ServerContext*, const v1::GetControlStatusRequest*,
                         v1::GetControlStatusResponse*) override;

 private:
  ExecutorBackend* const backend_;
  Authenticator* const auth_;
};

// The process health both services report (ready iff leader and recovered).
v1::ComponentHealth ExecutorHealth(const ExecutorBackend& backend);

// absl::Status → grpc::Status with the same code and message.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace arbor::executor
