#include "arbor/executor/executor_service.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "arbor/core/strings.h"
#include "arbor/executor/policy_limits.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace arbor::executor {
namespace {

grpc::Status Invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

// Constant-time comparison: the time taken does not reveal how much of a guess was right.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

int64_t FileMtimeNanos(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

absl::StatusOr<std::string> ReadTrimmed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text(absl::StripAsciiWhitespace(buffer.str()));
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  return text;
}

uint32_t PageSize(uint32_t requested) { return requested == 0 ? 100 : std::min(requested, 1000u); }

std::optional<int> VenueOf(v1::Venue venue) {
  if (venue == v1::VENUE_UNSPECIFIED) return 0;
  if (!v1::Venue_IsValid(venue)) return std::nullopt;
  return static_cast<int>(venue);
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// ---- Authenticator ---------------------------------------------------------------------------

Authenticator::Authenticator(std::string token_file, prometheus::Registry& registry)
    : token_file_(std::move(token_file)),
      refused_(prometheus::BuildCounter()
                   .Name("arbor_executor_unauthenticated_total")
                   .Help("Calls refused for missing or wrong credentials, by service")
                   .Register(registry)) {}

absl::Status Authenticator::Load() {
  if (token_file_.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> token = ReadTrimmed(token_file_);
  if (!token.ok()) return token.status();
  absl::MutexLock lock(&mu_);
  token_ = *std::move(token);
  mtime_ = FileMtimeNanos(token_file_);
  return absl::OkStatus();
}

grpc::Status Authenticator::Check(grpc::ServerContext* context, std::string_view service) {
  if (token_file_.empty()) return grpc::Status::OK;  // mTLS authenticated the peer
  std::string expected;
  {
    absl::MutexLock lock(&mu_);
    // A rotated Secret shows up as a new file (Kubernetes swaps a symlink): re-read it, at most
    // once a second, and keep the old token if the new file is unreadable.
    const int64_t now = SystemClock::Get().MonotonicNanos();
    if (now - checked_mono_ > 1'000'000'000) {
      checked_mono_ = now;
      const int64_t mtime = FileMtimeNanos(token_file_);
      if (mtime != mtime_) {
        if (absl::StatusOr<std::string> fresh = ReadTrimmed(token_file_); fresh.ok()) {
          token_ = *std::move(fresh);
          mtime_ = mtime;
        }
      }
    }
    expected = token_;
  }
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    const std::string_view value(it->second.data(), it->second.size());
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer &&
        SameSecret(value.substr(kBearer.size()), expected)) {
      return grpc::Status::OK;
    }
  }
  refused_.Add({{"service", std::string(service)}}).Increment();
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "missing or invalid bearer token (authorization: Bearer <token>)");
}

// ---- Health
// --------------------------------------------------------------------------------------

v1::ComponentHealth ExecutorHealth(const ExecutorBackend& backend) {
  v1::ComponentHealth health;
  health.set_component("executor");
  health.set_instance(backend.instance_id);
  health.set_live(true);
  health.set_run_mode(backend.run_mode);
  health.set_started_unix_nanos(backend.started_unix_nanos);
  health.set_reported_unix_nanos(absl::ToUnixNanos(backend.clock->Now()));
  exec::ExecutionEngine* engine = backend.engine.load();
  const bool leader = backend.leader.load();
  const bool store_up = backend.store != nullptr && backend.store->available();
  v1::HealthCheck* lead = health.add_checks();
  lead->set_name("leader");
  lead->set_ok(leader);
  lead->set_message(leader ? "holds the lease" : "standby: waiting for the lease");
  v1::HealthCheck* rec = health.add_checks();
  rec->set_name("reconciled");
  rec->set_ok(engine != nullptr && engine->recovered());
  rec->set_message(rec->ok() ? "venues reconciled" : "recovery not finished");
  v1::HealthCheck* db = health.add_checks();
  db->set_name("postgresql");
  db->set_ok(store_up);
  db->set_message(store_up ? "reachable" : "unreachable: no new orders");
  const bool ready = leader && rec->ok() && store_up;
  health.set_ready(ready);
  health.set_status(ready
                        ? v1::SERVING_STATUS_SERVING
                        : (leader ? v1::SERVING_STATUS_DEGRADED : v1::SERVING_STATUS_NOT_SERVING));
  return health;
}

// ---- Executor
// ------------------------------------------------------------------------------------

ExecutorServiceImpl::ExecutorServiceImpl(ExecutorBackend* backend, Authenticator* auth)
    : backend_(backend), auth_(auth) {}

grpc::Status ExecutorServiceImpl::Leader(exec::ExecutionEngine** engine) const {
  *engine = backend_->engine.load();
  if (*engine == nullptr || !backend_->leader.load()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "this executor is not the ready leader (standby or recovering)");
  }
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::SubmitOpportunity(grpc::ServerContext* context,
                                                    const v1::SubmitOpportunityRequest* request,
                                                    v1::SubmitOpportunityResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  if (!request->has_opportunity()) return Invalid("opportunity is required");
  if (request->max_size_sets_micros() < 0) return Invalid("max_size_sets_micros must be >= 0");
  exec::ExecutionEngine* engine = nullptr;
  if (grpc::Status s = Leader(&engine); !s.ok()) return s;
  if (backend_->on_opportunity) backend_->on_opportunity(request->opportunity());
  absl::StatusOr<exec::SubmitResult> result = engine->Submit(
      request->opportunity(), request->max_size_sets_micros(), request->submitted_by());
  if (!result.ok()) {
    if (absl::IsFailedPrecondition(result.status())) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(result.status().message()));
    }
    return ToGrpc(result.status());
  }
  response->set_outcome(result->outcome);
  if (result->outcome == v1::SUBMIT_OUTCOME_DENIED) {
    *response->mutable_denial() = result->denial;
  } else {
    *response->mutable_execution() = result->execution;
  }
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::GetExecution(grpc::ServerContext* context,
                                               const v1::GetExecutionRequest* request,
                                               v1::GetExecutionResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  absl::StatusOr<std::optional<v1::Execution>> found;
  if (request->has_execution_id() && !request->execution_id().empty()) {
    found = backend_->store->GetExecution(request->execution_id());
  } else if (request->has_opportunity_id() && !request->opportunity_id().empty()) {
    found = backend_->store->GetExecutionByOpportunity(request->opportunity_id());
  } else {
    return Invalid("one of execution_id or opportunity_id is required");
  }
  if (!found.ok()) return ToGrpc(found.status());
  if (!found->has_value()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such execution");
  *response->mutable_execution() = **found;
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::ListExecutions(grpc::ServerContext* context,
                                                 const v1::ListExecutionsRequest* request,
                                                 v1::ListExecutionsResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  store::ExecutionQuery query;
  for (int lane : request->lanes()) {
    if (lane == v1::LANE_UNSPECIFIED || !v1::Lane_IsValid(lane))
      return Invalid("lanes: unknown lane");
    query.lanes.push_back(lane);
  }
  for (int state : request->states()) {
    if (state == 0 || !v1::ExecutionState_IsValid(state)) return Invalid("states: unknown state");
    query.states.push_back(state);
  }
  if (request->since_unix_nanos() < 0) return Invalid("since_unix_nanos must be >= 0");
  query.open_only = request->open_only();
  query.since_unix_nanos = request->since_unix_nanos();
  query.page_size = PageSize(request->page_size());
  query.page_token = request->page_token();
  absl::StatusOr<store::Page<v1::Execution>> page = backend_->store->ListExecutions(query);
  if (!page.ok()) return ToGrpc(page.status());
  for (auto& e : page->items) *response->add_executions() = std::move(e);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::ListOrders(grpc::ServerContext* context,
                                             const v1::ListOrdersRequest* request,
                                             v1::ListOrdersResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  store::OrderQuery query;
  const std::optional<int> venue = VenueOf(request->venue());
  if (!venue.has_value()) return Invalid("venue: unknown venue");
  query.venue = *venue;
  if (request->has_instrument_id()) {
    if (request->instrument_id().symbol().empty()) return Invalid("instrument_id.symbol is empty");
    query.instrument_id = request->instrument_id().symbol();
  }
  query.execution_id = request->execution_id();
  for (int status : request->statuses()) {
    if (status == 0 || !v1::OrderStatus_IsValid(status)) return Invalid("statuses: unknown status");
    query.statuses.push_back(status);
  }
  if (request->since_unix_nanos() < 0) return Invalid("since_unix_nanos must be >= 0");
  query.open_only = request->open_only();
  query.since_unix_nanos = request->since_unix_nanos();
  query.page_size = PageSize(request->page_size());
  query.page_token = request->page_token();
  absl::StatusOr<store::Page<v1::Order>> page = backend_->store->ListOrders(query);
  if (!page.ok()) return ToGrpc(page.status());
  for (auto& o : page->items) *response->add_orders() = std::move(o);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::GetOrder(grpc::ServerContext* context,
                                           const v1::GetOrderRequest* request,
                                           v1::GetOrderResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  absl::StatusOr<std::optional<v1::Order>> found;
  if (request->has_client_order_id() && !request->client_order_id().empty()) {
    found = backend_->store->GetOrder(request->client_order_id());
  } else if (request->has_venue_order_id() && !request->venue_order_id().empty()) {
    found = backend_->store->GetOrderByVenueId(request->venue_order_id());
  } else {
    return Invalid("one of client_order_id or venue_order_id is required");
  }
  if (!found.ok()) return ToGrpc(found.status());
  if (!found->has_value()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such order");
  *response->mutable_order() = **found;
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::ListPositions(grpc::ServerContext* context,
                                                const v1::ListPositionsRequest* request,
                                                v1::ListPositionsResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  const std::optional<int> venue = VenueOf(request->venue());
  if (!venue.has_value()) return Invalid("venue: unknown venue");
  absl::StatusOr<std::vector<v1::Position>> positions = backend_->store->ListPositions();
  if (!positions.ok()) return ToGrpc(positions.status());
  for (auto& p : *positions) {
    if (*venue != 0 && p.venue() != *venue) continue;
    if (p.size_micros() == 0 && !request->include_flat()) continue;
    *response->add_positions() = std::move(p);
  }
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::ListBalances(grpc::ServerContext* context,
                                               const v1::ListBalancesRequest* request,
                                               v1::ListBalancesResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  const std::optional<int> venue = VenueOf(request->venue());
  if (!venue.has_value()) return Invalid("venue: unknown venue");
  absl::StatusOr<std::vector<v1::Balance>> balances = backend_->store->ListBalances();
  if (!balances.ok()) return ToGrpc(balances.status());
  for (auto& b : *balances) {
    if (*venue != 0 && b.venue() != *venue) continue;
    *response->add_balances() = std::move(b);
  }
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::ListFills(grpc::ServerContext* context,
                                            const v1::ListFillsRequest* request,
                                            v1::ListFillsResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  store::FillQuery query;
  const std::optional<int> venue = VenueOf(request->venue());
  if (!venue.has_value()) return Invalid("venue: unknown venue");
  query.venue = *venue;
  if (request->has_instrument_id()) query.instrument_id = request->instrument_id().symbol();
  query.execution_id = request->execution_id();
  query.client_order_id = request->client_order_id();
  if (request->since_unix_nanos() < 0 || request->until_unix_nanos() < 0) {
    return Invalid("since_unix_nanos and until_unix_nanos must be >= 0");
  }
  if (request->until_unix_nanos() > 0 &&
      request->until_unix_nanos() <= request->since_unix_nanos()) {
    return Invalid("until_unix_nanos must be after since_unix_nanos");
  }
  query.since_unix_nanos = request->since_unix_nanos();
  query.until_unix_nanos = request->until_unix_nanos();
  query.page_size = PageSize(request->page_size());
  query.page_token = request->page_token();
  absl::StatusOr<store::Page<v1::Fill>> page = backend_->store->ListFills(query);
  if (!page.ok()) return ToGrpc(page.status());
  for (auto& f : page->items) *response->add_fills() = std::move(f);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::SetKillSwitch(grpc::ServerContext* context,
                                                const v1::SetKillSwitchRequest* request,
                                                v1::SetKillSwitchResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  switch (request->scope()) {
    case v1::KILL_SWITCH_SCOPE_GLOBAL:
      if (request->venue() != v1::VENUE_UNSPECIFIED || request->lane() != v1::LANE_UNSPECIFIED) {
        return Invalid("a global kill switch takes neither venue nor lane");
      }
      break;
    case v1::KILL_SWITCH_SCOPE_VENUE:
      if (request->venue() == v1::VENUE_UNSPECIFIED || !v1::Venue_IsValid(request->venue())) {
        return Invalid("a venue kill switch needs a venue");
      }
      if (request->lane() != v1::LANE_UNSPECIFIED)
        return Invalid("a venue kill switch takes no lane");
      break;
    case v1::KILL_SWITCH_SCOPE_LANE:
      if (request->lane() == v1::LANE_UNSPECIFIED || !v1::Lane_IsValid(request->lane())) {
        return Invalid("a lane kill switch needs a lane");
      }
      if (request->venue() != v1::VENUE_UNSPECIFIED)
        return Invalid("a lane kill switch takes no venue");
      break;
    default:
      return Invalid("scope is required");
  }
  if (request->engaged() && request->reason().empty()) {
    return Invalid("reason is required when engaging");
  }
  if (request->requested_by().empty()) return Invalid("requested_by is required");
  exec::ExecutionEngine* engine = nullptr;
  if (grpc::Status s = Leader(&engine); !s.ok()) return s;
  v1::KillSwitch ks;
  ks.set_scope(request->scope());
  ks.set_venue(request->venue());
  ks.set_lane(request->lane());
  ks.set_engaged(request->engaged());
  ks.set_reason(request->reason());
  ks.set_cancel_resting(request->cancel_resting());
  ks.set_changed_by(request->requested_by());
  uint32_t cancels = 0;
  absl::StatusOr<v1::KillSwitch> applied = engine->SetKillSwitch(ks, &cancels);
  if (!applied.ok()) return ToGrpc(applied.status());
  *response->mutable_kill_switch() = *applied;
  response->set_cancels_sent(cancels);
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::ListKillSwitches(grpc::ServerContext* context,
                                                   const v1::ListKillSwitchesRequest*,
                                                   v1::ListKillSwitchesResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  absl::StatusOr<std::vector<v1::KillSwitch>> switches = backend_->store->ListKillSwitches();
  if (!switches.ok()) return ToGrpc(switches.status());
  for (auto& ks : *switches) *response->add_kill_switches() = std::move(ks);
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::GetSafeMode(grpc::ServerContext* context,
                                              const v1::GetSafeModeRequest*,
                                              v1::GetSafeModeResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  if (exec::ExecutionEngine* engine = backend_->engine.load(); engine != nullptr) {
    *response->mutable_state() = engine->safe_mode();
    return grpc::Status::OK;
  }
  absl::StatusOr<std::optional<v1::SafeModeState>> latest =
      backend_->store->LatestSafeModeEpisode();
  if (!latest.ok()) return ToGrpc(latest.status());
  if (latest->has_value()) *response->mutable_state() = **latest;
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::AcknowledgeSafeMode(grpc::ServerContext* context,
                                                      const v1::AcknowledgeSafeModeRequest* request,
                                                      v1::AcknowledgeSafeModeResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  if (request->episode_id() == 0) return Invalid("episode_id is required");
  if (request->note().empty()) return Invalid("note is required");
  if (request->acknowledged_by().empty()) return Invalid("acknowledged_by is required");
  exec::ExecutionEngine* engine = nullptr;
  if (grpc::Status s = Leader(&engine); !s.ok()) return s;
  absl::StatusOr<v1::SafeModeState> state = engine->AcknowledgeSafeMode(
      request->episode_id(), request->note(), request->acknowledged_by());
  if (!state.ok()) return ToGrpc(state.status());
  *response->mutable_state() = *state;
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::GetTradingState(grpc::ServerContext* context,
                                                  const v1::GetTradingStateRequest*,
                                                  v1::GetTradingStateResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  if (exec::ExecutionEngine* engine = backend_->engine.load(); engine != nullptr) {
    *response->mutable_trading_state() = engine->trading_state();
    return grpc::Status::OK;
  }
  absl::StatusOr<std::optional<v1::TradingStateInfo>> stored = backend_->store->LoadTradingState();
  if (!stored.ok()) return ToGrpc(stored.status());
  if (stored->has_value()) *response->mutable_trading_state() = **stored;
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::SetTradingState(grpc::ServerContext* context,
                                                  const v1::SetTradingStateRequest* request,
                                                  v1::SetTradingStateResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  if (request->state() == v1::TRADING_STATE_UNSPECIFIED ||
      !v1::TradingState_IsValid(request->state())) {
    return Invalid("state is required");
  }
  if (request->reason().empty()) return Invalid("reason is required");
  if (request->requested_by().empty()) return Invalid("requested_by is required");
  exec::ExecutionEngine* engine = nullptr;
  if (grpc::Status s = Leader(&engine); !s.ok()) return s;
  uint32_t cancels = 0;
  absl::StatusOr<v1::TradingStateInfo> info =
      engine->SetTradingState(request->state(), request->reason(), request->requested_by(),
                              request->cancel_resting(), &cancels);
  if (!info.ok()) return ToGrpc(info.status());
  *response->mutable_trading_state() = *info;
  response->set_cancels_sent(cancels);
  return grpc::Status::OK;
}

grpc::Status ExecutorServiceImpl::GetHealth(grpc::ServerContext* context,
                                            const v1::GetExecutorHealthRequest*,
                                            v1::GetExecutorHealthResponse* response) {
  if (grpc::Status s = auth_->Check(context, "executor"); !s.ok()) return s;
  *response->mutable_health() = ExecutorHealth(*backend_);
  response->set_leader(backend_->leader.load());
  response->set_fencing_epoch(backend_->epoch.load());
  response->set_mode(backend_->mode);
  if (exec::ExecutionEngine* engine = backend_->engine.load(); engine != nullptr) {
    const exec::EngineStats stats = engine->Stats();
    *response->mutable_trading_state() = engine->trading_state();
    const v1::SafeModeState safe = engine->safe_mode();
    response->set_safe_mode_active(safe.active() && !safe.acknowledged());
    response->set_open_executions(stats.open_executions);
  }
  for (exec::VenueGateway* gw : backend_->gateways) {
    v1::VenueExecutionHealth* v = response->add_venues();
    v->set_venue(gw->venue() == Venue::kKalshi ? v1::VENUE_KALSHI : v1::VENUE_POLYMARKET);
    v->set_circuit_open(gw->circuit_open());
    v->set_reconciled(backend_->engine.load() != nullptr && backend_->engine.load()->recovered());
  }
  return grpc::Status::OK;
}

// ---- Control
// -------------------------------------------------------------------------------------

ControlServiceImpl::ControlServiceImpl(ExecutorBackend* backend, Authenticator* auth)
    : backend_(backend), auth_(auth) {}

grpc::Status ControlServiceImpl::ApplyPolicyLimits(grpc::ServerContext* context,
                                                   const v1::ApplyPolicyLimitsRequest* request,
                                                   v1::ApplyPolicyLimitsResponse* response) {
  if (grpc::Status s = auth_->Check(context, "control"); !s.ok()) return s;
  if (request->policy().policy_uid().empty()) return Invalid("policy.policy_uid is required");
  if (!request->has_limits()) return Invalid("limits is required");
  if (request->applied_by().empty()) return Invalid("applied_by is required");
  absl::StatusOr<AppliedLimits> applied = ToAppliedLimits(request->limits());
  if (!applied.ok()) return ToGrpc(applied.status());
  exec::ExecutionEngine* engine = backend_->engine.load();
  if (engine == nullptr || !backend_->leader.load()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "this executor is not the ready leader");
  }
  const int64_t now = absl::ToUnixNanos(backend_->clock->Now());
  absl::MutexLock lock(&backend_->policy_mu);
  const bool same = google::protobuf::util::MessageDifferencer::Equals(backend_->active_policy,
                                                                       request->policy()) &&
                    google::protobuf::util::MessageDifferencer::Equals(backend_->active_limits,
                                                                       request->limits());
  if (!same) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(*request, &json);
    if (absl::Status s = backend_->store->RecordPolicyApplication(request->applied_by(), json);
        !s.ok()) {
      return ToGrpc(s);
    }
    engine->ApplyRiskLimits(applied->risk);
    engine->SetLegPolicy(applied->leg_window, applied->leg_policy,
                         applied->max_unhedged_exposure_micros);
    // A new stage (or a changed stage definition) restarts the evidence window.
    if (backend_->active_policy.stages_hash() != request->policy().stages_hash() ||
        backend_->active_policy.stage_index() != request->policy().stage_index() ||
        backend_->active_policy.policy_uid() != request->policy().policy_uid()) {
      backend_->stage_started_unix_nanos = now;
    }
    backend_->active_policy = request->policy();
    backend_->active_limits = request->limits();
    backend_->applied_unix_nanos = now;
  }
  response->set_changed(!same);
  *response->mutable_active_policy() = backend_->active_policy;
  response->set_applied_unix_nanos(backend_->applied_unix_nanos);
  return grpc::Status::OK;
}

grpc::Status ControlServiceImpl::GetStageMetrics(grpc::ServerContext* context,
                                                 const v1::GetStageMetricsRequest* request,
                                                 v1::GetStageMetricsResponse* response) {
  if (grpc::Status s = auth_->Check(context, "control"); !s.ok()) return s;
  const int64_t now = absl::ToUnixNanos(backend_->clock->Now());
  const int64_t start = request->window_start_unix_nanos();
  const int64_t end =
      request->window_end_unix_nanos() == 0 ? now : request->window_end_unix_nanos();
  if (start <= 0) return Invalid("window_start_unix_nanos is required");
  if (end <= start) return Invalid("window_end_unix_nanos must be after window_start_unix_nanos");
  v1::PolicyRef policy;
  int64_t stage_started = 0;
  {
    absl::MutexLock lock(&backend_->policy_mu);
    policy = backend_->active_policy;
    stage_started = backend_->stage_started_unix_nanos;
  }
  exec::ExecutionEngine* engine = backend_->engine.load();
  // "No data" must hold a stage: incomplete unless this process led and was reconciled for the
  // whole window and nothing is still settling.
  const bool complete = engine != nullptr && backend_->leader.load() && engine->recovered() &&
                        backend_->started_unix_nanos <= start && engine->open_executions() == 0;
  const exec::EngineStats stats = engine != nullptr ? engine->Stats() : exec::EngineStats();
  auto fill = [&](int lane, v1::StageMetrics* out) -> grpc::Status {
    absl::StatusOr<v1::StageMetrics> m = backend_->store->ComputeStageMetrics(start, end, lane);
    if (!m.ok()) return ToGrpc(m.status());
    *out = *std::move(m);
    *out->mutable_policy() = policy;
    out->set_data_complete(complete);
    out->set_stage_started_unix_nanos(stage_started);
    if (lane == 0) out->set_unhedged_exposure_micros(stats.unhedged_exposure_micros);
    return grpc::Status::OK;
  };
  if (grpc::Status s = fill(0, response->mutable_total()); !s.ok()) return s;
  if (request->by_lane()) {
    for (int lane = v1::Lane_MIN; lane <= v1::Lane_MAX; ++lane) {
      if (lane == v1::LANE_UNSPECIFIED || !v1::Lane_IsValid(lane)) continue;
      v1::StageMetrics m;
      if (grpc::Status s = fill(lane, &m); !s.ok()) return s;
      if (m.sample_count() > 0 || m.legs_submitted() > 0 || m.risk_denials() > 0) {
        *response->add_lanes() = std::move(m);
      }
    }
  }
  return grpc::Status::OK;
}

grpc::Status ControlServiceImpl::GetStatus(grpc::ServerContext* context,
                                           const v1::GetControlStatusRequest*,
                                           v1::GetControlStatusResponse* response) {
  if (grpc::Status s = auth_->Check(context, "control"); !s.ok()) return s;
  *response->mutable_health() = ExecutorHealth(*backend_);
  {
    absl::MutexLock lock(&backend_->policy_mu);
    *response->mutable_active_policy() = backend_->active_policy;
    *response->mutable_active_limits() = backend_->active_limits;
    response->set_applied_unix_nanos(backend_->applied_unix_nanos);
  }
  response->set_leader(backend_->leader.load());
  response->set_fencing_epoch(backend_->epoch.load());
  if (exec::ExecutionEngine* engine = backend_->engine.load(); engine != nullptr) {
    *response->mutable_trading_state() = engine->trading_state();
    const v1::SafeModeState safe = engine->safe_mode();
    response->set_safe_mode_active(safe.active());
    response->set_safe_mode_acknowledged(safe.acknowledged());
    uint32_t engaged = 0;
    for (const v1::KillSwitch& ks : engine->kill_switches()) engaged += ks.engaged() ? 1 : 0;
    response->set_kill_switches_engaged(engaged);
  }
  return grpc::Status::OK;
}

}  // namespace arbor::executor
