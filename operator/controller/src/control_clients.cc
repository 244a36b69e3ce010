#include "arbor/trading_policy/control_clients.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "arbor/v1/control_service.grpc.pb.h"
#include "arbor/v1/executor_service.grpc.pb.h"
#include "arbor/v1/feed_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace arbor::trading_policy {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

// Channel plus per-call metadata shared by the executor and feed clients. The token file is read
// at every call so a rotated Secret takes effect without a restart.
class Connection {
 public:
  static absl::StatusOr<Connection> Open(const GrpcControlOptions& o, const std::string& address) {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (!o.tls_ca_file.empty()) {
      auto ca = ReadFile(o.tls_ca_file);
      if (!ca.ok()) return ca.status();
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = *std::move(ca);
      credentials = grpc::SslCredentials(ssl);
    }
    if (!o.token_file.empty()) {
      if (auto token = ReadFile(o.token_file); !token.ok()) return token.status();
    }
    return Connection(grpc::CreateChannel(address, credentials), o);
  }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoMilliseconds(options_.rpc_timeout));
    if (!options_.token_file.empty()) {
      if (auto token = ReadFile(options_.token_file); token.ok()) {
        context->AddMetadata("authorization",
                             absl::StrCat("Bearer ", absl::StripAsciiWhitespace(*token)));
      }
    }
    return context;
  }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  Connection(std::shared_ptr<grpc::Channel> channel, GrpcControlOptions options)
      : channel_(std::move(channel)), options_(std::move(options)) {}

  std::shared_ptr<grpc::Channel> channel_;
  GrpcControlOptions options_;
};

class GrpcExecutorControl final : public ExecutorControl {
 public:
  GrpcExecutorControl(Connection connection, std::string identity)
      : connection_(std::move(connection)),
        control_(v1::Control::NewStub(connection_.channel())),
        executor_(v1::Executor::NewStub(connection_.channel())),
        identity_(std::move(identity)) {}

  ExecutorObservation Observe() override {
    v1::GetControlStatusRequest request;
    v1::GetControlStatusResponse response;
    const grpc::Status s = control_->GetStatus(connection_.Context().get(), request, &response);
    ExecutorObservation o;
    if (!s.ok()) {
      o.detail = absl::StrCat("Control.GetStatus: ", s.error_message());
      return o;
    }
    o.reachable = true;
    o.healthy = response.health().ready() && response.leader();
    o.kill_switches_engaged = response.kill_switches_engaged();
    if (!o.healthy) {
      o.detail = response.leader() ? "executor leader is not ready" : "not the leader";
      for (const v1::HealthCheck& check : response.health().checks()) {
        if (!check.ok()) {
          absl::StrAppend(&o.detail, "; ", check.name(), ": ", check.message());
          break;
        }
      }
    }
    return o;
  }

  absl::StatusOr<StageEvidence> StageEvidenceSince(absl::Time window_start) override {
    v1::GetStageMetricsRequest request;
    request.set_window_start_unix_nanos(absl::ToUnixNanos(window_start));
    v1::GetStageMetricsResponse response;
    const grpc::Status s =
        control_->GetStageMetrics(connection_.Context().get(), request, &response);
    if (!s.ok()) return FromGrpc(s);
    const v1::StageMetrics& m = response.total();
    StageEvidence e;
    e.data_complete = m.data_complete();
    e.sample_count = m.sample_count();
    e.realized_pnl_micros = m.realized_pnl_micros();
    e.max_drawdown_micros = m.max_drawdown_micros();
    e.legs_submitted = m.legs_submitted();
    e.legs_filled = m.legs_filled();
    e.unhedged_count = m.unhedged_count();
    e.orders_rejected = m.orders_rejected();
    return e;
  }

  absl::Status ApplyLimits(const v1::PolicyRef& policy, const v1::PolicyLimits& limits) override {
    v1::ApplyPolicyLimitsRequest request;
    *request.mutable_policy() = policy;
    *request.mutable_limits() = limits;
    request.set_applied_by(identity_);
    v1::ApplyPolicyLimitsResponse response;
    return FromGrpc(control_->ApplyPolicyLimits(connection_.Context().get(), request, &response));
  }

  absl::Status EngageGlobalKillSwitch(const std::string& reason) override {
    v1::SetKillSwitchRequest request;
    request.set_scope(v1::KILL_SWITCH_SCOPE_GLOBAL);
    request.set_engaged(true);
    request.set_reason(reason);
    request.set_cancel_resting(true);
    request.set_requested_by(identity_);
    v1::SetKillSwitchResponse response;
    return FromGrpc(executor_->SetKillSwitch(connection_.Context().get(), request, &response));
  }

 private:
  Connection connection_;
  std::unique_ptr<v1::Control::Stub> control_;
  std::unique_ptr<v1::Executor::Stub> executor_;
  std::string identity_;
};

class GrpcFeedControl final : public FeedControl {
 public:
  explicit GrpcFeedControl(std::string identity) : identity_(std::move(identity)) {}
  void Add(Connection connection) {
    stubs_.push_back(v1::FeedShard::NewStub(connection.channel()));
    connections_.push_back(std::move(connection));
  }
  int32_t feed_count() const override { return static_cast<int32_t>(stubs_.size()); }

  int32_t ApplyFeedPolicy(const v1::PolicyRef& policy, const v1::FeedPolicy& feed) override {
    int32_t applied = 0;
    for (size_t i = 0; i < stubs_.size(); ++i) {
      v1::ApplyFeedPolicyRequest request;
      *request.mutable_policy() = policy;
      *request.mutable_feed_policy() = feed;
      request.set_applied_by(identity_);
      v1::ApplyFeedPolicyResponse response;
      if (stubs_[i]->ApplyFeedPolicy(connections_[i].Context().get(), request, &response).ok()) {
        ++applied;
      }
    }
    return applied;
  }

 private:
  std::string identity_;
  std::vector<Connection> connections_;
  std::vector<std::unique_ptr<v1::FeedShard::Stub>> stubs_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ExecutorControl>> MakeGrpcExecutorControl(
    const GrpcControlOptions& options) {
  auto connection = Connection::Open(options, options.executor_address);
  if (!connection.ok()) return connection.status();
  return std::make_unique<GrpcExecutorControl>(*std::move(connection), options.identity);
}

absl::StatusOr<std::unique_ptr<FeedControl>> MakeGrpcFeedControl(
    const GrpcControlOptions& options) {
  auto feeds = std::make_unique<GrpcFeedControl>(options.identity);
  for (const std::string& address : options.feed_addresses) {
    auto connection = Connection::Open(options, address);
    if (!connection.ok()) return connection.status();
    feeds->Add(*std::move(connection));
  }
  return feeds;
}

}  // namespace arbor::trading_policy
