#include "arbor/exec/execution_engine.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "arbor/core/strings.h"
#include "arbor/exec/failpoint.h"

namespace arbor::exec {
namespace {

constexpr int64_t kOne = 1'000'000;
constexpr int64_t kTick = 10'000;  // both venues quote in whole cents

// The event a leg's capital is charged to (per-event exposure): the leg's own, else the
// opportunity's first (scanners before OpportunityLeg.event_id), else the leg's market.
std::string LegEventId(const v1::Opportunity& opp, const v1::OpportunityLeg& leg) {
  if (!leg.event_id().empty()) return leg.event_id();
  if (!opp.event_ids().empty()) return opp.event_ids(0);
  return leg.market_id();
}

std::string LaneLabel(int lane) {
  std::string name = v1::Lane_Name(static_cast<v1::Lane>(lane));
  if (name.rfind("LANE_", 0) == 0) name = name.substr(5);
  return absl::AsciiStrToLower(name);
}

std::optional<Venue> VenueFromProto(v1::Venue venue) {
  switch (venue) {
    case v1::VENUE_POLYMARKET:
      return Venue::kPolymarket;
    case v1::VENUE_KALSHI:
      return Venue::kKalshi;
    default:
      return std::nullopt;
  }
}

v1::OrderStatus ToProto(OrderStatus status) {
  // OrderStatus mirrors arbor.v1.OrderStatus in declaration order, offset by UNSPECIFIED.
  return static_cast<v1::OrderStatus>(static_cast<int>(status) + 1);
}

OrderStatus FromProto(v1::OrderStatus status) {
  return static_cast<OrderStatus>(std::max(0, static_cast<int>(status) - 1));
}

// FNV-1a 64: a stable, dependency-free digest for deterministic ids (not security relevant;
// a collision is detected by the primary key and answered as an error, never merged).
uint64_t Fnv1a(std::string_view text) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

int64_t MulDiv(int64_t a, int64_t b, int64_t c) {
  if (c == 0) return 0;
  return static_cast<int64_t>(absl::int128(a) * b / c);
}

int64_t RoundDownTo(int64_t value, int64_t step) {
  if (step <= 1) return value;
  return value / step * step;
}

bool IsRestingStatus(OrderStatus status) {
  return status == OrderStatus::kAccepted || status == OrderStatus::kPartiallyFilled;
}

TimeInForce TifOf(v1::TimeInForce tif) {
  switch (tif) {
    case v1::TIME_IN_FORCE_GTC:
    case v1::TIME_IN_FORCE_GTD:
      return TimeInForce::kGtc;
    case v1::TIME_IN_FORCE_FOK:
      return TimeInForce::kFok;
    default:
      return TimeInForce::kFak;
  }
}

v1::TimeInForce TifToProto(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::kGtc:
      return v1::TIME_IN_FORCE_GTC;
    case TimeInForce::kFok:
      return v1::TIME_IN_FORCE_FOK;
    case TimeInForce::kFak:
      return v1::TIME_IN_FORCE_IOC;
  }
  return v1::TIME_IN_FORCE_IOC;
}

std::string PositionKey(v1::Venue venue, std::string_view symbol) {
  return absl::StrCat(static_cast<int>(venue), "|", ToAbsl(symbol));
}

v1::RiskDenial ToProto(const risk::Denial& denial) {
  v1::RiskDenial out;
  out.set_reason(static_cast<v1::RiskDenialReason>(static_cast<int>(denial.reason)));
  out.set_message(denial.message);
  out.set_limit_value(denial.limit_value);
  out.set_observed_value(denial.observed_value);
  if (denial.leg_index.has_value()) out.set_leg_index(*denial.leg_index);
  return out;
}

v1::RiskDenial MakeDenial(v1::RiskDenialReason reason, std::string message) {
  v1::RiskDenial denial;
  denial.set_reason(reason);
  denial.set_message(std::move(message));
  return denial;
}

std::string DenialLabel(v1::RiskDenialReason reason) {
  std::string name = v1::RiskDenialReason_Name(reason);
  constexpr std::string_view kPrefix = "RISK_DENIAL_REASON_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  return absl::AsciiStrToLower(name);
}

}  // namespace

std::string_view LegFailurePolicyName(LegFailurePolicy policy) {
  switch (policy) {
    case LegFailurePolicy::kCancelOnly:
      return "cancel";
    case LegFailurePolicy::kUnwind:
      return "unwind";
    case LegFailurePolicy::kHedge:
      return "hedge";
  }
  return "invalid";
}

absl::StatusOr<LegFailurePolicy> ParseLegFailurePolicy(std::string_view name) {
  if (name == "cancel") return LegFailurePolicy::kCancelOnly;
  if (name == "unwind") return LegFailurePolicy::kUnwind;
  if (name == "hedge") return LegFailurePolicy::kHedge;
  return absl::InvalidArgumentError(
      absl::StrCat("leg failure policy '", ToAbsl(name), "' is not cancel, unwind or hedge"));
}

// ---- In-memory state -----------------------------------------------------------------------

struct ExecutionEngine::LiveOrder {
  v1::Order proto;
  OrderState state;
  OrderRequest request;
  bool repair = false;           // unwind / hedge order (not an entry leg)
  bool cancel_wanted = false;    // a cancel should be sent
  bool sent = false;             // handed to the venue by this process
  bool submit_persisted = true;  // the SUBMITTED transition is in the ledger
  bool maybe_sent = false;       // INITIALIZED at recovery: a crash may have followed the send
  int64_t sent_mono = 0;         // when
  int64_t last_query_mono = 0;   // last status query
  int not_found = 0;             // consecutive "venue has no such order" answers

  LiveOrder(v1::Order p, OrderState s, OrderRequest r)
      : proto(std::move(p)), state(std::move(s)), request(std::move(r)) {}
};

struct ExecutionEngine::LiveExecution {
  v1::Execution proto;
  v1::Opportunity opportunity;
  std::vector<std::unique_ptr<LiveOrder>> orders;
  int64_t size_sets = 0;  // after down-sizing
  int64_t created_mono = 0;
  std::vector<int> repair_attempts;  // per leg
  bool closed = false;
};

struct ExecutionEngine::Work {
  struct Send {
    LiveExecution* execution;
    std::vector<LiveOrder*> orders;
    std::vector<OrderRequest> requests;
  };
  struct One {
    LiveExecution* execution;
    LiveOrder* order;
    OrderRequest request;
    std::string venue_order_id;
  };
  absl::flat_hash_map<Venue, std::vector<Send>> sends;
  std::vector<One> cancels;
  std::vector<One> queries;
};

ExecutionEngine::ExecutionEngine(store::Store* store, risk::RiskEngine* risk, GatewayMap gateways,
                                 const Clock* clock, EngineConfig config)
    : store_(store),
      risk_(risk),
      gateways_(std::move(gateways)),
      clock_(clock),
      config_(std::move(config)) {
  trading_state_.set_effective_state(v1::TRADING_STATE_ACTIVE);
  trading_state_.set_manual_state(v1::TRADING_STATE_ACTIVE);
  trading_state_.set_automatic_state(v1::TRADING_STATE_ACTIVE);
}

ExecutionEngine::~ExecutionEngine() = default;

int64_t ExecutionEngine::NowNanos() const { return absl::ToUnixNanos(clock_->Now()); }

LegFailurePolicy ExecutionEngine::PolicyFor(int lane) const {
  auto it = config_.lane_policy.find(lane);
  return it == config_.lane_policy.end() ? config_.default_policy : it->second;
}

// ---- Submit --------------------------------------------------------------------------------

absl::Status ExecutionEngine::ValidateOpportunity(const v1::Opportunity& opp) const {
  if (opp.opportunity_id().empty()) {
    return absl::InvalidArgumentError("opportunity.opportunity_id is required");
  }
  if (opp.lane() == v1::LANE_UNSPECIFIED || !v1::Lane_IsValid(opp.lane())) {
    return absl::InvalidArgumentError("opportunity.lane is required");
  }
  if (opp.legs().empty()) return absl::InvalidArgumentError("opportunity has no legs");
  if (opp.legs_size() > 32) {
    return absl::InvalidArgumentError("opportunity has more than 32 legs");
  }
  if (opp.size_sets_micros() <= 0) {
    return absl::InvalidArgumentError("opportunity.size_sets_micros must be > 0");
  }
  for (int i = 0; i < opp.legs_size(); ++i) {
    const v1::OpportunityLeg& leg = opp.legs(i);
    const std::string where = absl::StrCat("legs[", i, "]");
    if (leg.action() != v1::LEG_ACTION_ORDER) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": action ", v1::LegAction_Name(leg.action()),
                       " is not executable by this executor (only LEG_ACTION_ORDER legs are)"));
    }
    if (!VenueFromProto(leg.instrument_id().venue()).has_value() ||
        leg.instrument_id().symbol().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": instrument_id is incomplete"));
    }
    if (leg.side() != v1::SIDE_BUY && leg.side() != v1::SIDE_SELL) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": side is required"));
    }
    if (leg.limit_price_micros() <= 0 || leg.limit_price_micros() >= kOne) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": limit_price_micros ", leg.limit_price_micros(), " is outside (0, 1000000)"));
    }
    if (leg.size_micros() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": size_micros must be > 0"));
    }
  }
  return absl::OkStatus();
}

risk::ExecutionPlan ExecutionEngine::PlanOf(const LiveExecution& execution) const {
  const v1::Opportunity& opp = execution.opportunity;
  risk::ExecutionPlan plan;
  plan.execution_key = execution.proto.execution_id();
  plan.lane = LaneLabel(opp.lane());
  plan.expected_profit_micros =
      MulDiv(opp.expected_profit_micros(), execution.size_sets, opp.size_sets_micros());
  plan.confidence = opp.confidence() > 0 ? opp.confidence() : 1.0;
  if (opp.expires_unix_nanos() > 0) {
    // Risk works on the monotonic clock: translate the wall-clock expiry.
    plan.expires_mono_nanos = clock_->MonotonicNanos() + (opp.expires_unix_nanos() - NowNanos());
  }
  const int64_t receipt = opp.source_ts_receipt_unix_nanos() > 0
                              ? opp.source_ts_receipt_unix_nanos()
                              : opp.created_unix_nanos();
  const int64_t age = receipt > 0 ? std::max<int64_t>(0, NowNanos() - receipt) : 0;
  for (const auto& order : execution.orders) {
    if (order->repair) continue;
    const v1::OpportunityLeg& leg = opp.legs(static_cast<int>(order->proto.leg_index()));
    risk::LegPlan lp;
    lp.venue = *VenueFromProto(leg.instrument_id().venue());
    lp.instrument_id = leg.instrument_id().symbol();
    lp.event_id = LegEventId(opp, leg);
    lp.cluster = opp.group_key();
    lp.buy = leg.side() == v1::SIDE_BUY;
    lp.price_micros = order->request.price_micros;
    lp.size_micros = order->request.size_micros;
    if (books_ != nullptr) {
      // The live book: best price on the side the order takes from, and its age.
      const BookSide side = books_->OppositeSide(lp.venue, lp.instrument_id, lp.buy);
      lp.best_price_micros = side.levels.empty() ? 0 : side.levels.front().price_micros;
      lp.book_age_nanos = side.age_nanos;
      if (order->request.tif != TimeInForce::kGtc && !side.levels.empty()) {
        // A taker leg fills only against what the live book holds within its limit. The
        // scanner priced it off an earlier book; if that depth is gone, the siblings would
        // fill alone and leave an unhedged position, so the whole bundle is denied first.
        int64_t available = 0;
        for (const BookLevel& level : side.levels) {
          const bool within = lp.buy ? level.price_micros <= lp.price_micros
                                     : level.price_micros >= lp.price_micros;
          if (!within) break;
          available = level.size_micros > std::numeric_limits<int64_t>::max() - available
                          ? std::numeric_limits<int64_t>::max()
                          : available + level.size_micros;
        }
        lp.marketable_size_micros = available;
      }
    } else {
      // No feed: the scanner priced the leg off the book it saw; its expected VWAP stands in
      // for the best price and the opportunity's source receipt time for the book's age.
      lp.best_price_micros =
          leg.expected_vwap_micros() > 0 ? leg.expected_vwap_micros() : leg.limit_price_micros();
      lp.book_age_nanos = age;
    }
    lp.market_open = true;
    plan.legs.push_back(std::move(lp));
  }
  return plan;
}

absl::Status ExecutionEngine::RecordDenial(const v1::Opportunity& opp,
                                           const v1::RiskDenial& denial) {
  ++stats_.denied;
  ++stats_.denials_by_reason[DenialLabel(denial.reason())];
  store::RiskEventRecord event;
  event.kind = "denial";
  event.reason = DenialLabel(denial.reason());
  event.lane = opp.lane();
  event.opportunity_id = opp.opportunity_id();
  event.message = denial.message();
  event.limit_value = denial.limit_value();
  event.observed_value = denial.observed_value();
  event.actor = config_.instance_id;
  return store_->AppendRiskEvent(event);
}

absl::StatusOr<SubmitResult> ExecutionEngine::Submit(const v1::Opportunity& opp,
                                                     int64_t max_size_sets_micros,
                                                     std::string_view submitted_by) {
  const int64_t start_mono = clock_->MonotonicNanos();
  if (max_size_sets_micros < 0) {
    return absl::InvalidArgumentError("max_size_sets_micros must be >= 0");
  }
  if (absl::Status valid = ValidateOpportunity(opp); !valid.ok()) return valid;

  absl::MutexLock lock(&mu_);
  if (!recovered_) {
    return absl::FailedPreconditionError("executor has not finished recovery");
  }
  SubmitResult result;
  // Duplicate: first the open set in memory, then the ledger (closed executions).
  if (auto it = by_opportunity_.find(opp.opportunity_id()); it != by_opportunity_.end()) {
    ++stats_.duplicates;
    result.outcome = v1::SUBMIT_OUTCOME_DUPLICATE;
    result.execution = open_.at(it->second)->proto;
    return result;
  }
  absl::StatusOr<std::optional<v1::Execution>> existing =
      store_->GetExecutionByOpportunity(opp.opportunity_id());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    ++stats_.duplicates;
    result.outcome = v1::SUBMIT_OUTCOME_DUPLICATE;
    result.execution = **existing;
    return result;
  }

  auto deny = [&](v1::RiskDenial denial) -> absl::StatusOr<SubmitResult> {
    // The denial is returned even if the store cannot record it: refusing is always safe.
    (void)RecordDenial(opp, denial);
    result.outcome = v1::SUBMIT_OUTCOME_DENIED;
    result.denial = std::move(denial);
    return result;
  };
  if (!accepting_) {
    return deny(MakeDenial(v1::RISK_DENIAL_REASON_NOT_READY, "executor is shutting down"));
  }
  const int64_t unhedged = safe_mode_.active() ? safe_mode_.total_worst_case_loss_micros() : 0;
  if (max_unhedged_micros_.has_value() && unhedged > *max_unhedged_micros_) {
    v1::RiskDenial denial = MakeDenial(
        v1::RISK_DENIAL_REASON_UNHEDGED_EXPOSURE,
        absl::StrCat("unhedged exposure ", unhedged, " exceeds ", *max_unhedged_micros_));
    denial.set_limit_value(*max_unhedged_micros_);
    denial.set_observed_value(unhedged);
    return deny(std::move(denial));
  }

  // Down-size proportionally, rounding each leg down to its venue's size step.
  auto execution = std::make_unique<LiveExecution>();
  execution->opportunity = opp;
  execution->size_sets = opp.size_sets_micros();
  if (max_size_sets_micros > 0) {
    execution->size_sets = std::min(execution->size_sets, max_size_sets_micros);
  }
  execution->created_mono = clock_->MonotonicNanos();
  execution->repair_attempts.assign(static_cast<size_t>(opp.legs_size()), 0);
  const int64_t now = NowNanos();
  const std::string execution_id =
      absl::StrFormat("x%016x", Fnv1a(absl::StrCat(opp.opportunity_id())));
  v1::Execution& proto = execution->proto;
  proto.set_execution_id(execution_id);
  proto.set_opportunity_id(opp.opportunity_id());
  proto.set_lane(opp.lane());
  proto.set_state(v1::EXECUTION_STATE_PENDING);
  proto.set_mode(config_.mode);
  proto.set_group_key(opp.group_key());
  proto.set_fencing_epoch(store_->fencing_epoch());
  if (opp.size_sets_micros() > 0) {
    proto.set_expected_profit_micros(
        MulDiv(opp.expected_profit_micros(), execution->size_sets, opp.size_sets_micros()));
  }
  proto.set_created_unix_nanos(now);
  proto.set_updated_unix_nanos(now);
  std::vector<v1::Order> orders;
  for (int i = 0; i < opp.legs_size(); ++i) {
    const v1::OpportunityLeg& leg = opp.legs(i);
    const Venue venue = *VenueFromProto(leg.instrument_id().venue());
    const int64_t step = venue == Venue::kKalshi ? config_.kalshi_size_step_micros
                                                 : config_.polymarket_size_step_micros;
    const int64_t size =
        RoundDownTo(MulDiv(leg.size_micros(), execution->size_sets, opp.size_sets_micros()), step);
    if (size <= 0) {
      return deny(MakeDenial(
          v1::RISK_DENIAL_REASON_INVALID_ORDER,
          absl::StrCat("legs[", i, "] rounds to zero at size ", execution->size_sets, " sets")));
    }
    if (auto gw = gateways_.find(venue); gw != gateways_.end() && gw->second->circuit_open()) {
      v1::RiskDenial denial =
          MakeDenial(v1::RISK_DENIAL_REASON_CIRCUIT_OPEN,
                     absl::StrCat("legs[", i, "]: ", v1::Venue_Name(leg.instrument_id().venue()),
                                  " order circuit is open"));
      denial.set_leg_index(static_cast<uint32_t>(i));
      return deny(std::move(denial));
    }
    if (gateways_.find(venue) == gateways_.end()) {
      return deny(MakeDenial(v1::RISK_DENIAL_REASON_INVALID_ORDER,
                             absl::StrCat("legs[", i, "]: no gateway for venue ",
                                          v1::Venue_Name(leg.instrument_id().venue()))));
    }
    v1::ExecutionLeg* el = proto.add_legs();
    el->set_leg_index(static_cast<uint32_t>(i));
    *el->mutable_planned() = leg;
    el->set_state(v1::LEG_STATE_PENDING);

    v1::Order order;
    order.set_client_order_id(absl::StrCat(execution_id, "-", i, "-0"));
    *order.mutable_instrument_id() = leg.instrument_id();
    order.set_venue(leg.instrument_id().venue());
    order.set_side(leg.side());
    order.set_status(v1::ORDER_STATUS_INITIALIZED);
    order.set_limit_price_micros(leg.limit_price_micros());
    order.set_size_micros(size);
    const TimeInForce tif = TifOf(leg.time_in_force());
    order.set_time_in_force(TifToProto(tif));
    order.set_execution_id(execution_id);
    order.set_opportunity_id(opp.opportunity_id());
    order.set_leg_index(static_cast<uint32_t>(i));
    order.set_mode(config_.mode);
    order.set_created_unix_nanos(now);
    order.set_updated_unix_nanos(now);
    el->add_client_order_ids(order.client_order_id());
    OrderRequest request{.client_order_id = order.client_order_id(),
                         .symbol = leg.instrument_id().symbol(),
                         .buy = leg.side() == v1::SIDE_BUY,
                         .price_micros = leg.limit_price_micros(),
                         .size_micros = size,
                         .tif = tif,
                         .created_unix_ms = now / 1'000'000,
                         .neg_risk = opp.lane() == v1::LANE_NEGRISK,
                         .tick_size_micros = kTick};
    orders.push_back(order);
    execution->orders.push_back(std::make_unique<LiveOrder>(
        order, OrderState(ClientOrderId(order.client_order_id()), Quantity::FromMicros(size)),
        std::move(request)));
  }

  // Pre-trade risk: veto power; an approval reserves the execution's capital.
  if (std::optional<risk::Denial> denial = risk_->CheckNewExecution(PlanOf(*execution));
      denial.has_value()) {
    return deny(ToProto(*denial));
  }

  // The intent is durable before anything can reach a venue.
  Failpoint("before_intent_commit");
  if (absl::Status committed = store_->InsertExecution(proto, opp, orders); !committed.ok()) {
    risk_->ReleaseExecution(execution_id);
    ++stats_.store_failures;
    if (absl::IsAlreadyExists(committed)) {
      // Another submission of the same opportunity won the race to the ledger.
      absl::StatusOr<std::optional<v1::Execution>> winner =
          store_->GetExecutionByOpportunity(opp.opportunity_id());
      if (winner.ok() && winner->has_value()) {
        ++stats_.duplicates;
        result.outcome = v1::SUBMIT_OUTCOME_DUPLICATE;
        result.execution = **winner;
        return result;
      }
    }
    return committed;
  }
  Failpoint("after_intent_commit");
  (void)submitted_by;
  by_opportunity_[opp.opportunity_id()] = execution_id;
  result.outcome = v1::SUBMIT_OUTCOME_ACCEPTED;
  result.execution = proto;
  open_[execution_id] = std::move(execution);
  ++stats_.accepted;
  work_pending_ = true;
  latencies_.submit_to_ack_nanos.push_back(clock_->MonotonicNanos() - start_mono);
  return result;
}

// ---- Step ----------------------------------------------------------------------------------

void ExecutionEngine::WaitForWork(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&work_pending_), timeout);
}

void ExecutionEngine::PersistOrder(LiveExecution& execution, LiveOrder& order,
                                   std::string_view kind, std::string_view detail) {
  (void)execution;
  if (absl::Status s = store_->UpdateOrder(order.proto, {std::string(kind), std::string(detail)});
      !s.ok()) {
    ++stats_.store_failures;
  }
}

ExecutionEngine::Work ExecutionEngine::CollectWork() {
  Work work;
  work_pending_ = false;
  const int64_t mono = clock_->MonotonicNanos();
  const int64_t poll = absl::ToInt64Nanoseconds(config_.poll_interval);
  for (auto& [id, execution] : open_) {
    std::vector<LiveOrder*> to_send;
    for (auto& order : execution->orders) {
      const OrderStatus status = order->state.status();
      if (status == OrderStatus::kInitialized && order->maybe_sent) {
        // Recovered intent: the previous process may have sent it. Ask the venue; never send.
        if (mono - order->last_query_mono >= poll) {
          order->last_query_mono = mono;
          work.queries.push_back(
              {execution.get(), order.get(), order->request, order->proto.venue_order_id()});
        }
        continue;
      }
      if (status == OrderStatus::kInitialized) {
        const int64_t expires = execution->opportunity.expires_unix_nanos();
        if (!order->repair && expires > 0 && NowNanos() > expires) {
          // Never sent and the opportunity is gone: cancel the intent locally.
          ApplyEvent(*execution, *order,
                     OrderEvent::Of(OrderEventKind::kCanceled, "opportunity expired before send"),
                     "canceled");
          continue;
        }
        if (!order->repair) {
          // An approved intent not yet sent when a kill switch or halt arrives is dropped: the
          // switch must stop new orders within this cycle, not after the backlog.
          const Venue venue = *VenueFromProto(order->proto.venue());
          if (risk_->IsKilled(venue, LaneLabel(execution->opportunity.lane())) ||
              risk_->effective_state() == risk::TradingState::kHalted) {
            ApplyEvent(*execution, *order,
                       OrderEvent::Of(OrderEventKind::kCanceled,
                                      "kill switch or halt engaged before send"),
                       "canceled");
            continue;
          }
        }
        if (order->repair) {
          // Risk has a veto over every order, including the ones that reduce risk.
          risk::LegPlan leg;
          leg.venue = *VenueFromProto(order->proto.venue());
          leg.instrument_id = order->request.symbol;
          const v1::Opportunity& opp = execution->opportunity;
          leg.event_id = LegEventId(opp, opp.legs(static_cast<int>(order->proto.leg_index())));
          if (leg.event_id.empty()) leg.event_id = execution->proto.execution_id();
          leg.cluster = opp.group_key();
          leg.buy = order->request.buy;
          leg.price_micros = order->request.price_micros;
          leg.size_micros = order->request.size_micros;
          leg.best_price_micros = order->request.price_micros;
          leg.book_age_nanos = 0;
          if (books_ != nullptr) {
            const BookSide side = books_->OppositeSide(leg.venue, leg.instrument_id, leg.buy);
            leg.best_price_micros = side.levels.empty() ? 0 : side.levels.front().price_micros;
            leg.book_age_nanos = side.age_nanos;
          }
          if (std::optional<risk::Denial> denial =
                  risk_->CheckReducingOrder(leg, LaneLabel(opp.lane()));
              denial.has_value()) {
            ApplyEvent(*execution, *order, OrderEvent::Of(OrderEventKind::kDenied, denial->message),
                       "denied");
            (void)RecordDenial(opp, ToProto(*denial));
            continue;
          }
        }
        // No write between the intent and the send: the committed intent (deterministic client
        // order id, creation time) is the pre-send record. A crash after the send leaves an
        // INITIALIZED order that recovery asks the venue about (maybe_sent), never resends. The
        // SUBMITTED transition is persisted right after the venue answers, with the outcome.
        // While PostgreSQL is known to be down nothing new goes out: its outcome could not be
        // recorded (the intent stays INITIALIZED and is sent once the store answers again).
        if (!store_->available()) continue;
        OrderState next = order->state;
        if (!next.Apply(OrderEvent::Of(OrderEventKind::kSubmitted)).ok()) continue;
        order->proto.set_status(ToProto(next.status()));
        order->proto.set_previous_status(ToProto(next.previous_status()));
        order->proto.set_submitted_unix_nanos(NowNanos());
        order->proto.set_updated_unix_nanos(order->proto.submitted_unix_nanos());
        order->state = std::move(next);
        order->submit_persisted = false;
        order->sent = true;
        order->sent_mono = mono;
        to_send.push_back(order.get());
        continue;
      }
      if (order->cancel_wanted && (IsRestingStatus(status) || status == OrderStatus::kUnresolved ||
                                   status == OrderStatus::kPendingCancel)) {
        order->cancel_wanted = false;
        if (status != OrderStatus::kPendingCancel && status != OrderStatus::kUnresolved) {
          ApplyEvent(*execution, *order, OrderEvent::Of(OrderEventKind::kCancelRequested),
                     "cancel_requested");
        }
        work.cancels.push_back(
            {execution.get(), order.get(), order->request, order->proto.venue_order_id()});
        continue;
      }
      const bool needs_query =
          IsInFlight(status) || IsRestingStatus(status) ||
          (status == OrderStatus::kFilled && order->state.filled().micros() > 0 &&
           order->proto.filled_size_micros() < order->proto.size_micros());
      if (needs_query && mono - order->last_query_mono >= poll) {
        order->last_query_mono = mono;
        work.queries.push_back(
            {execution.get(), order.get(), order->request, order->proto.venue_order_id()});
      }
    }
    if (!to_send.empty()) {
      // One batch per venue per execution (Polymarket POST /orders).
      absl::flat_hash_map<Venue, Work::Send> per_venue;
      for (LiveOrder* order : to_send) {
        const Venue venue = *VenueFromProto(order->proto.venue());
        Work::Send& send = per_venue[venue];
        send.execution = execution.get();
        send.orders.push_back(order);
        send.requests.push_back(order->request);
      }
      for (auto& [venue, send] : per_venue) work.sends[venue].push_back(std::move(send));
      if (execution->proto.state() == v1::EXECUTION_STATE_PENDING) {
        execution->proto.set_state(v1::EXECUTION_STATE_WORKING);
      }
    }
  }
  return work;
}

void ExecutionEngine::Step() {
  Work work;
  {
    absl::MutexLock lock(&mu_);
    work = CollectWork();
  }
  bool repair_sent = false;
  for (const auto& [venue, sends] : work.sends) {
    for (const Work::Send& send : sends) {
      for (const LiveOrder* order : send.orders) repair_sent = repair_sent || order->repair;
    }
  }
  if (!work.sends.empty()) Failpoint("before_send");
  // Venue I/O without the engine lock; venues in parallel, one thread each.
  struct SendResult {
    Work::Send* send;
    std::vector<VenueOrderReport> reports;
  };
  std::vector<SendResult> sent;
  std::vector<VenueOrderReport> cancel_reports(work.cancels.size());
  std::vector<absl::StatusOr<VenueOrderReport>> query_reports(work.queries.size(),
                                                              absl::UnknownError("not queried"));
  {
    absl::Mutex results_mu;
    std::vector<std::thread> threads;
    for (auto& [venue, sends] : work.sends) {
      VenueGateway* gateway = gateways_.at(venue);
      threads.emplace_back([&, gateway, sends_ptr = &sends] {
        for (Work::Send& send : *sends_ptr) {
          std::vector<VenueOrderReport> reports = gateway->Place(send.requests);
          absl::MutexLock l(&results_mu);
          sent.push_back({&send, std::move(reports)});
        }
      });
    }
    for (size_t i = 0; i < work.cancels.size(); ++i) {
      const Work::One& one = work.cancels[i];
      VenueGateway* gateway = gateways_.at(*VenueFromProto(one.order->proto.venue()));
      cancel_reports[i] = gateway->Cancel(one.request, one.venue_order_id);
    }
    for (size_t i = 0; i < work.queries.size(); ++i) {
      const Work::One& one = work.queries[i];
      VenueGateway* gateway = gateways_.at(*VenueFromProto(one.order->proto.venue()));
      query_reports[i] = gateway->Query(one.request, one.venue_order_id);
    }
    for (std::thread& t : threads) t.join();
  }

  if (!sent.empty()) Failpoint("after_send");
  if (repair_sent) Failpoint("after_unwind_send");
  absl::MutexLock lock(&mu_);
  {
    std::vector<std::pair<v1::Order, store::OrderEventRecord>> submitted;
    for (SendResult& result : sent) {
      for (LiveOrder* order : result.send->orders) {
        submitted.push_back({order->proto, {"submit", ""}});
      }
    }
    if (!submitted.empty()) {
      if (absl::Status st = store_->UpdateOrders(submitted); st.ok()) {
        for (SendResult& result : sent) {
          for (LiveOrder* order : result.send->orders) order->submit_persisted = true;
        }
      } else {
        // The next persisted change of each order carries its status anyway; only the
        // "submit" line of the event log is missing.
        ++stats_.store_failures;
      }
    }
  }
  bool first_report = true;
  const int64_t answered_mono = clock_->MonotonicNanos();
  for (SendResult& result : sent) {
    stats_.orders_sent += result.send->orders.size();
    for (size_t i = 0; i < result.send->orders.size(); ++i) {
      latencies_.leg_ack_nanos.push_back(answered_mono - result.send->orders[i]->sent_mono);
      VenueOrderReport report;
      if (i < result.reports.size()) {
        report = result.reports[i];
      } else {
        report.state = VenueOrderState::kUnknown;
        report.reason = "gateway returned fewer reports than orders";
      }
      ApplyReport(*result.send->execution, *result.send->orders[i], report, /*from_place=*/true);
      if (first_report) {
        first_report = false;
        Failpoint("after_first_report");
      }
    }
  }
  for (size_t i = 0; i < work.cancels.size(); ++i) {
    ApplyReport(*work.cancels[i].execution, *work.cancels[i].order, cancel_reports[i], false);
  }
  for (size_t i = 0; i < work.queries.size(); ++i) {
    if (!query_reports[i].ok()) continue;  // venue cannot answer now; asked again next cycle
    ApplyReport(*work.queries[i].execution, *work.queries[i].order, *query_reports[i], false);
  }
  for (auto it = open_.begin(); it != open_.end();) {
    Evaluate(*it->second);
    if (it->second->closed) {
      by_opportunity_.erase(it->second->proto.opportunity_id());
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  // Repair orders created by Evaluate go out on the next cycle without waiting.
  for (const auto& [id, execution] : open_) {
    for (const auto& order : execution->orders) {
      if (order->state.status() == OrderStatus::kInitialized || order->cancel_wanted) {
        work_pending_ = true;
      }
    }
  }
}

// ---- Applying venue reports ------------------------------------------------------------------

void ExecutionEngine::ApplyEvent(LiveExecution& execution, LiveOrder& order,
                                 const OrderEvent& event, std::string_view kind) {
  OrderState next = order.state;
  if (!next.Apply(event).ok()) return;  // illegal here: the venue told us nothing new
  v1::Order proto = order.proto;
  proto.set_status(ToProto(next.status()));
  proto.set_previous_status(ToProto(next.previous_status()));
  proto.set_updated_unix_nanos(NowNanos());
  if (!event.reason.empty()) proto.set_reject_reason(event.reason);
  if (next.status() == OrderStatus::kAccepted && proto.accepted_unix_nanos() == 0) {
    proto.set_accepted_unix_nanos(proto.updated_unix_nanos());
  }
  if (IsTerminal(next.status()) && proto.closed_unix_nanos() == 0) {
    proto.set_closed_unix_nanos(proto.updated_unix_nanos());
  }
  if (absl::Status s = store_->UpdateOrder(proto, {std::string(kind), event.reason}); !s.ok()) {
    // Not persisted → not applied: the venue will report it again on the next query.
    ++stats_.store_failures;
    return;
  }
  NoteTransition(order, next.status());
  order.state = std::move(next);
  order.proto = std::move(proto);
  (void)execution;
}

void ExecutionEngine::NoteTransition(const LiveOrder& order, OrderStatus next) {
  // Send -> filled latency, for orders this process sent (not recovered ones).
  if (next == OrderStatus::kFilled && order.state.status() != OrderStatus::kFilled && order.sent) {
    latencies_.leg_fill_nanos.push_back(clock_->MonotonicNanos() - order.sent_mono);
  }
}

void ExecutionEngine::ApplyPositionFill(const LiveOrder& order, const VenueFill& fill,
                                        v1::Position* out) {
  const std::string key = PositionKey(order.proto.venue(), order.request.symbol);
  v1::Position position;
  if (auto it = positions_.find(key); it != positions_.end()) position = it->second;
  position.set_venue(order.proto.venue());
  *position.mutable_instrument_id() = order.proto.instrument_id();
  position.set_mode(config_.mode);
  const int64_t signed_size = order.request.buy ? fill.size_micros : -fill.size_micros;
  const int64_t old_size = position.size_micros();
  const int64_t notional = MulDiv(fill.price_micros, fill.size_micros, kOne);
  if (old_size == 0 || (old_size > 0) == (signed_size > 0)) {
    // Adding to the position: cost basis grows by the notional.
    position.set_cost_basis_micros(position.cost_basis_micros() +
                                   (signed_size > 0 ? notional : -notional));
  } else {
    // Reducing: the reduced part's average cost leaves the basis; the difference is realised.
    const int64_t reduced = std::min(std::abs(signed_size), std::abs(old_size));
    const int64_t basis_out = MulDiv(position.cost_basis_micros(), reduced, std::abs(old_size));
    const int64_t proceeds = MulDiv(fill.price_micros, reduced, kOne);
    const int64_t pnl = old_size > 0 ? proceeds - basis_out : basis_out - proceeds;
    position.set_realized_pnl_micros(position.realized_pnl_micros() + pnl);
    position.set_cost_basis_micros(position.cost_basis_micros() - basis_out);
  }
  position.set_realized_pnl_micros(position.realized_pnl_micros() - fill.fee_micros);
  position.set_size_micros(old_size + signed_size);
  position.set_avg_entry_price_micros(
      position.size_micros() == 0
          ? 0
          : MulDiv(std::abs(position.cost_basis_micros()), kOne, std::abs(position.size_micros())));
  position.set_updated_unix_nanos(NowNanos());
  *out = position;
}

void ExecutionEngine::ApplyFills(LiveExecution& execution, LiveOrder& order,
                                 const std::vector<VenueFill>& fills) {
  for (const VenueFill& fill : fills) {
    // A venue trade id can fill two of our orders; the fill id is per (trade, order).
    const TradeId fill_id(absl::StrCat(fill.trade_id, "/", order.proto.client_order_id()));
    if (order.state.HasFill(fill_id)) {
      ++stats_.duplicate_fills;
      continue;
    }
    OrderState next = order.state;
    absl::Status applied = next.Apply(OrderEvent::Fill(FillReport{
        .fill_id = fill_id,
        .price = Price::FromMicros(fill.price_micros),
        .size = Quantity::FromMicros(fill.size_micros),
        .fee = Money::FromMicros(fill.fee_micros),
    }));
    if (!applied.ok()) continue;
    v1::Order proto = order.proto;
    proto.set_status(ToProto(next.status()));
    proto.set_previous_status(ToProto(next.previous_status()));
    proto.set_filled_size_micros(next.filled().micros());
    proto.set_avg_fill_price_micros(next.average_price().micros());
    proto.set_fees_micros(next.fees().micros());
    proto.set_updated_unix_nanos(NowNanos());
    if (IsTerminal(next.status()) && proto.closed_unix_nanos() == 0) {
      proto.set_closed_unix_nanos(proto.updated_unix_nanos());
    }
    v1::Fill record;
    record.set_fill_id(fill_id.value());
    record.set_venue_trade_id(fill.trade_id);
    record.set_client_order_id(proto.client_order_id());
    record.set_venue_order_id(proto.venue_order_id());
    *record.mutable_instrument_id() = proto.instrument_id();
    record.set_side(proto.side());
    record.set_price_micros(fill.price_micros);
    record.set_size_micros(fill.size_micros);
    record.set_fee_micros(fill.fee_micros);
    record.set_liquidity_side(fill.maker ? v1::LIQUIDITY_SIDE_MAKER : v1::LIQUIDITY_SIDE_TAKER);
    record.set_execution_id(execution.proto.execution_id());
    record.set_opportunity_id(execution.proto.opportunity_id());
    record.set_mode(config_.mode);
    record.set_leg_index(proto.leg_index());
    record.set_ts_event_unix_nanos(fill.ts_event_unix_nanos > 0 ? fill.ts_event_unix_nanos
                                                                : NowNanos());
    record.set_ts_receipt_unix_nanos(NowNanos());
    v1::Position position;
    ApplyPositionFill(order, fill, &position);
    absl::Status stored = store_->RecordFill(record, proto, position);
    if (absl::IsAlreadyExists(stored)) {
      // Recorded by an earlier incarnation: the in-memory order must learn it too.
      ++stats_.duplicate_fills;
    } else if (!stored.ok()) {
      ++stats_.store_failures;
      continue;  // reported again by the venue on the next query
    } else {
      ++stats_.fills;
      positions_[PositionKey(proto.venue(), order.request.symbol)] = position;
    }
    NoteTransition(order, next.status());
    order.state = std::move(next);
    order.proto = std::move(proto);
  }
}

void ExecutionEngine::ApplyReport(LiveExecution& execution, LiveOrder& order,
                                  const VenueOrderReport& report, bool from_place) {
  if (!report.venue_order_id.empty() && order.proto.venue_order_id().empty()) {
    order.proto.set_venue_order_id(report.venue_order_id);
  }
  const OrderStatus status = order.state.status();
  const bool unacknowledged = status == OrderStatus::kSubmitted ||
                              status == OrderStatus::kUnresolved ||
                              status == OrderStatus::kInitialized;
  switch (report.state) {
    case VenueOrderState::kRejected:
      ApplyEvent(execution, order, OrderEvent::Of(OrderEventKind::kRejected, report.reason),
                 "rejected");
      return;
    case VenueOrderState::kUnknown:
      if (status == OrderStatus::kPendingCancel) {
        // The cancel's outcome is unknown; the next query tells.
        return;
      }
      if (status != OrderStatus::kUnresolved) {
        ApplyEvent(execution, order, OrderEvent::Of(OrderEventKind::kUnresolved, report.reason),
                   "unresolved");
      }
      return;
    case VenueOrderState::kNotFound:
      // The lost-order counter: an order the venue never acknowledged and does not know after
      // `not_found_limit` queries was never placed (a send lost before it arrived).
      if (status == OrderStatus::kInitialized) {
        // A recovered intent the venue never saw after `not_found_limit` queries: it was not
        // sent before the crash.
        if (++order.not_found >= config_.not_found_limit) {
          ApplyEvent(execution, order,
                     OrderEvent::Of(OrderEventKind::kCanceled,
                                    absl::StrCat("never reached the venue (", order.not_found,
                                                 " queries after recovery)")),
                     "canceled");
        }
        return;
      }
      if (unacknowledged && ++order.not_found >= config_.not_found_limit) {
        ApplyEvent(
            execution, order,
            OrderEvent::Of(OrderEventKind::kRejected, absl::StrCat("venue has no such order after ",
                                                                   order.not_found, " queries")),
            "rejected");
      }
      return;
    case VenueOrderState::kOpen:
    case VenueOrderState::kFilled:
    case VenueOrderState::kCanceled:
      break;
  }
  order.not_found = 0;
  if (report.state == VenueOrderState::kOpen && status == OrderStatus::kPendingCancel &&
      !from_place) {
    // Still open after our cancel (lost, refused by a guard, or not yet processed): ask again;
    // cancels are idempotent.
    order.cancel_wanted = true;
    work_pending_ = true;
  }
  if (order.state.status() == OrderStatus::kInitialized) {
    // Recovered intent that the venue does know: it was sent before the crash.
    ApplyEvent(execution, order, OrderEvent::Of(OrderEventKind::kSubmitted, "found at recovery"),
               "submit");
  }
  if (unacknowledged) {
    ApplyEvent(execution, order, OrderEvent::Of(OrderEventKind::kAccepted), "accepted");
  }
  ApplyFills(execution, order, report.fills);
  if (report.state == VenueOrderState::kCanceled && order.state.status() != OrderStatus::kFilled &&
      order.state.status() != OrderStatus::kCanceled) {
    // A cancel is final only once every fill the venue reports is applied: a fill that the
    // venue counts but whose trade we have not seen keeps the order open to queries.
    if (order.state.filled().micros() >= report.filled_size_micros) {
      ApplyEvent(execution, order, OrderEvent::Of(OrderEventKind::kCanceled, report.reason),
                 "canceled");
    }
  }
}

// ---- Legging logic ---------------------------------------------------------------------------

void ExecutionEngine::AddRepairOrder(LiveExecution& execution, uint32_t leg, bool buy,
                                     int64_t price_micros, int64_t size_micros) {
  const v1::OpportunityLeg& planned = execution.opportunity.legs(static_cast<int>(leg));
  const int attempt = ++execution.repair_attempts[leg];
  const int64_t now = NowNanos();
  v1::Order order;
  order.set_client_order_id(absl::StrCat(execution.proto.execution_id(), "-", leg, "-r", attempt));
  *order.mutable_instrument_id() = planned.instrument_id();
  order.set_venue(planned.instrument_id().venue());
  order.set_side(buy ? v1::SIDE_BUY : v1::SIDE_SELL);
  order.set_status(v1::ORDER_STATUS_INITIALIZED);
  order.set_limit_price_micros(price_micros);
  order.set_size_micros(size_micros);
  order.set_time_in_force(v1::TIME_IN_FORCE_IOC);
  order.set_execution_id(execution.proto.execution_id());
  order.set_opportunity_id(execution.proto.opportunity_id());
  order.set_leg_index(leg);
  order.set_mode(config_.mode);
  order.set_created_unix_nanos(now);
  order.set_updated_unix_nanos(now);
  if (absl::Status s = store_->InsertOrder(order, {"initialized", buy ? "hedge" : "unwind"});
      !s.ok()) {
    ++stats_.store_failures;
    --execution.repair_attempts[leg];
    return;  // tried again on the next evaluation
  }
  OrderRequest request{.client_order_id = order.client_order_id(),
                       .symbol = planned.instrument_id().symbol(),
                       .buy = buy,
                       .price_micros = price_micros,
                       .size_micros = size_micros,
                       .tif = TimeInForce::kFak,
                       .created_unix_ms = now / 1'000'000,
                       .neg_risk = execution.opportunity.lane() == v1::LANE_NEGRISK,
                       .tick_size_micros = kTick};
  auto live = std::make_unique<LiveOrder>(
      order, OrderState(ClientOrderId(order.client_order_id()), Quantity::FromMicros(size_micros)),
      std::move(request));
  live->repair = true;
  execution.proto.mutable_legs(static_cast<int>(leg))
      ->add_client_order_ids(order.client_order_id());
  execution.orders.push_back(std::move(live));
  work_pending_ = true;
}

namespace {

// Per leg: the net quantity held in the leg's direction and its average entry cost.
struct LegBook {
  int64_t net = 0;           // entry-direction quantity held (entry fills − repair exits)
  int64_t entry_filled = 0;  // quantity bought (or sold) by entry orders
  absl::int128 entry_notional_e6 = 0;
  int64_t planned = 0;  // planned size after down-sizing
  bool any_working = false;
  bool any_resting_entry = false;
  bool entry_failed = false;  // an entry order ended without filling completely
  int64_t avg_entry_price() const {
    return entry_filled == 0 ? 0 : static_cast<int64_t>(entry_notional_e6 / entry_filled);
  }
};

}  // namespace

void ExecutionEngine::Evaluate(LiveExecution& execution) {
  if (execution.closed) return;
  const int legs = execution.opportunity.legs_size();
  std::vector<LegBook> book(static_cast<size_t>(legs));
  const int64_t mono = clock_->MonotonicNanos();
  const int64_t window = absl::ToInt64Nanoseconds(config_.leg_window);
  bool waiting = false;
  for (const auto& order : execution.orders) {
    LegBook& lb = book[order->proto.leg_index()];
    const OrderStatus status = order->state.status();
    const bool entry_direction =
        order->repair
            ? (order->request.buy ==
               (execution.opportunity.legs(static_cast<int>(order->proto.leg_index())).side() ==
                v1::SIDE_BUY))
            : true;
    const int64_t filled = order->state.filled().micros();
    lb.net += entry_direction ? filled : -filled;
    if (!order->repair) {
      lb.planned += order->proto.size_micros();
      lb.entry_filled += filled;
      lb.entry_notional_e6 += absl::int128(order->state.average_price().micros()) * filled;
      if (IsTerminal(status) && filled < order->proto.size_micros()) lb.entry_failed = true;
    }
    if (status == OrderStatus::kInitialized || IsInFlight(status)) {
      lb.any_working = true;
      waiting = true;
    }
    if (IsRestingStatus(status)) {
      waiting = true;
      if (!order->repair) lb.any_resting_entry = true;
      // Resting past the leg window: cancel (the policy decides what follows).
      if (!order->cancel_wanted && order->sent && mono - order->sent_mono > window) {
        order->cancel_wanted = true;
        work_pending_ = true;
      }
    }
  }
  bool any_failed = false;
  for (const LegBook& lb : book) any_failed = any_failed || lb.entry_failed;
  if (any_failed) {
    // One leg failed: no point letting the others rest.
    for (const auto& order : execution.orders) {
      if (!order->repair && IsRestingStatus(order->state.status()) && !order->cancel_wanted) {
        order->cancel_wanted = true;
        work_pending_ = true;
      }
    }
  }
  SyncExecutionProto(execution);
  if (waiting) return;

  // Everything is terminal: how many complete sets do we hold, and what is left over?
  const int64_t sets = execution.size_sets;
  int64_t hedged_sets = INT64_MAX;
  int64_t max_sets = 0;
  for (const LegBook& lb : book) {
    const int64_t leg_sets =
        lb.planned == 0 ? 0 : MulDiv(std::max<int64_t>(lb.net, 0), sets, lb.planned);
    hedged_sets = std::min(hedged_sets, leg_sets);
    max_sets = std::max(max_sets, leg_sets);
  }
  if (hedged_sets == INT64_MAX) hedged_sets = 0;
  std::vector<int64_t> excess(static_cast<size_t>(legs));
  std::vector<int64_t> shortfall(static_cast<size_t>(legs));
  bool exposed = false;
  for (int i = 0; i < legs; ++i) {
    const LegBook& lb = book[i];
    const int64_t step = execution.opportunity.legs(i).instrument_id().venue() == v1::VENUE_KALSHI
                             ? config_.kalshi_size_step_micros
                             : config_.polymarket_size_step_micros;
    const int64_t need = MulDiv(hedged_sets, lb.planned, sets);
    excess[i] = RoundDownTo(lb.net - need, step);
    shortfall[i] = RoundDownTo(MulDiv(max_sets, lb.planned, sets) - lb.net, step);
    if (excess[i] > 0) exposed = true;
  }
  const bool single_leg = legs == 1;
  if (single_leg) exposed = false;  // a directional trade: the position is the intent

  if (!exposed) {
    const bool any_repair = std::any_of(execution.orders.begin(), execution.orders.end(),
                                        [](const auto& o) { return o->repair; });
    v1::CloseReason reason;
    if (any_repair && PolicyFor(execution.proto.lane()) == LegFailurePolicy::kHedge) {
      reason = v1::CLOSE_REASON_HEDGED;
    } else if (hedged_sets >= sets || (single_leg && book[0].net >= book[0].planned)) {
      reason = v1::CLOSE_REASON_COMPLETED;
    } else if (hedged_sets == 0 && book[0].entry_filled == 0 && !any_repair &&
               std::all_of(book.begin(), book.end(),
                           [](const LegBook& lb) { return lb.entry_filled == 0; })) {
      reason = v1::CLOSE_REASON_NOT_FILLED;
    } else if (any_repair) {
      reason = v1::CLOSE_REASON_UNWOUND;
    } else {
      reason = v1::CLOSE_REASON_PARTIAL;
    }
    Close(execution, reason, "");
    return;
  }

  const LegFailurePolicy policy = PolicyFor(execution.proto.lane());
  bool repaired = false;
  if (policy != LegFailurePolicy::kCancelOnly) {
    for (int i = 0; i < legs; ++i) {
      if (execution.repair_attempts[i] >= config_.max_repair_attempts) continue;
      const v1::OpportunityLeg& planned = execution.opportunity.legs(i);
      const bool entry_buy = planned.side() == v1::SIDE_BUY;
      if (policy == LegFailurePolicy::kUnwind && excess[i] > 0) {
        // Exit the excess at no worse than avg entry ∓ the loss bound, rounded toward a
        // smaller loss so the bound holds exactly.
        const int64_t avg = book[i].avg_entry_price();
        int64_t price;
        if (entry_buy) {
          price = avg - config_.max_unwind_loss_per_unit_micros;
          price = (price + kTick - 1) / kTick * kTick;
        } else {
          price = avg + config_.max_unwind_loss_per_unit_micros;
          price = price / kTick * kTick;
        }
        price = std::clamp<int64_t>(price, kTick, kOne - kTick);
        AddRepairOrder(execution, static_cast<uint32_t>(i), !entry_buy, price, excess[i]);
        repaired = true;
      } else if (policy == LegFailurePolicy::kHedge && shortfall[i] > 0) {
        int64_t price =
            entry_buy ? planned.limit_price_micros() + config_.max_hedge_premium_per_unit_micros
                      : planned.limit_price_micros() - config_.max_hedge_premium_per_unit_micros;
        price = std::clamp<int64_t>(price / kTick * kTick, kTick, kOne - kTick);
        AddRepairOrder(execution, static_cast<uint32_t>(i), entry_buy, price, shortfall[i]);
        repaired = true;
      }
    }
  }
  if (repaired) {
    execution.proto.set_state(policy == LegFailurePolicy::kHedge ? v1::EXECUTION_STATE_HEDGING
                                                                 : v1::EXECUTION_STATE_UNWINDING);
    PersistExecution(execution);
    return;
  }
  // Policy exhausted (or cancel-only): the exposure is left, reported and stops new risk.
  std::vector<v1::UnhedgedExposure> exposures;
  for (int i = 0; i < legs; ++i) {
    if (excess[i] <= 0) continue;
    v1::UnhedgedExposure e;
    e.set_execution_id(execution.proto.execution_id());
    *e.mutable_instrument_id() = execution.opportunity.legs(i).instrument_id();
    e.set_size_micros(excess[i]);
    e.set_worst_case_loss_micros(MulDiv(book[i].avg_entry_price(), excess[i], kOne));
    e.set_leg_index(static_cast<uint32_t>(i));
    e.set_since_unix_nanos(NowNanos());
    exposures.push_back(std::move(e));
  }
  Close(execution, v1::CLOSE_REASON_EXPOSED,
        absl::StrCat(exposures.size(), " leg(s) left exposed after the ",
                     ToAbsl(LegFailurePolicyName(policy)), " policy"));
  EnterSafeMode(absl::StrCat("execution ", execution.proto.execution_id(), " closed exposed"),
                std::move(exposures));
}

void ExecutionEngine::SyncExecutionProto(LiveExecution& execution) {
  int64_t fees = 0;
  for (int i = 0; i < execution.proto.legs_size(); ++i) {
    v1::ExecutionLeg* leg = execution.proto.mutable_legs(i);
    int64_t filled = 0;
    absl::int128 notional = 0;
    int64_t leg_fees = 0;
    bool working = false, failed = false, unresolved = false, repair = false;
    for (const auto& order : execution.orders) {
      if (order->proto.leg_index() != static_cast<uint32_t>(i)) continue;
      leg_fees += order->state.fees().micros();
      if (order->repair) {
        repair = true;
        continue;
      }
      const int64_t f = order->state.filled().micros();
      filled += f;
      notional += absl::int128(order->state.average_price().micros()) * f;
      const OrderStatus s = order->state.status();
      working = working || IsRestingStatus(s) || s == OrderStatus::kSubmitted ||
                s == OrderStatus::kPendingCancel;
      unresolved = unresolved || s == OrderStatus::kUnresolved;
      failed = failed || (IsTerminal(s) && f < order->proto.size_micros());
      if (leg->submitted_unix_nanos() == 0) {
        leg->set_submitted_unix_nanos(order->proto.submitted_unix_nanos());
      }
    }
    fees += leg_fees;
    leg->set_filled_size_micros(filled);
    leg->set_avg_fill_price_micros(filled == 0 ? 0 : static_cast<int64_t>(notional / filled));
    leg->set_fees_micros(leg_fees);
    v1::LegState state = v1::LEG_STATE_PENDING;
    if (unresolved) {
      state = v1::LEG_STATE_UNRESOLVED;
    } else if (repair) {
      state = execution.closed ? v1::LEG_STATE_UNWOUND : v1::LEG_STATE_UNWINDING;
    } else if (failed && filled == 0) {
      state = v1::LEG_STATE_FAILED;
    } else if (filled > 0 && !working && !failed) {
      state = v1::LEG_STATE_FILLED;
    } else if (filled > 0) {
      state = v1::LEG_STATE_PARTIALLY_FILLED;
    } else if (working) {
      state = v1::LEG_STATE_WORKING;
    }
    leg->set_state(state);
  }
  execution.proto.set_fees_micros(fees);
  execution.proto.set_updated_unix_nanos(NowNanos());
}

void ExecutionEngine::PersistExecution(LiveExecution& execution) {
  SyncExecutionProto(execution);
  if (absl::Status s = store_->UpdateExecution(execution.proto); !s.ok()) ++stats_.store_failures;
}

void ExecutionEngine::Close(LiveExecution& execution, v1::CloseReason reason, std::string message) {
  const v1::Opportunity& opp = execution.opportunity;
  const int legs = opp.legs_size();
  // Realised PnL, exactly in micros: every order's cash flow, plus the guaranteed payoff of the
  // complete sets held, plus leftover inventory at its cost (it stays a position, unrealised).
  absl::int128 cash = 0;
  std::vector<int64_t> net(static_cast<size_t>(legs), 0);
  std::vector<int64_t> planned(static_cast<size_t>(legs), 0);
  std::vector<absl::int128> entry_notional(static_cast<size_t>(legs), 0);
  std::vector<int64_t> entry_filled(static_cast<size_t>(legs), 0);
  for (const auto& order : execution.orders) {
    const int leg = static_cast<int>(order->proto.leg_index());
    const int64_t notional = order->state.notional().micros();
    cash += order->request.buy ? -notional : notional;
    cash -= order->state.fees().micros();
    const bool entry_buy = opp.legs(leg).side() == v1::SIDE_BUY;
    const int64_t filled = order->state.filled().micros();
    net[leg] += (order->request.buy == entry_buy) ? filled : -filled;
    if (!order->repair) {
      planned[leg] += order->proto.size_micros();
      entry_filled[leg] += filled;
      entry_notional[leg] += absl::int128(order->state.average_price().micros()) * filled;
    }
  }
  const int64_t sets = execution.size_sets;
  int64_t hedged_sets = INT64_MAX;
  for (int i = 0; i < legs; ++i) {
    hedged_sets = std::min(
        hedged_sets, planned[i] == 0 ? 0 : MulDiv(std::max<int64_t>(net[i], 0), sets, planned[i]));
  }
  if (hedged_sets == INT64_MAX || !opp.guaranteed()) hedged_sets = 0;
  absl::int128 inventory = 0;
  int64_t unhedged = 0;
  for (int i = 0; i < legs; ++i) {
    const int64_t left = net[i] - MulDiv(hedged_sets, planned[i], sets);
    if (left == 0 || entry_filled[i] == 0) continue;
    const bool entry_buy = opp.legs(i).side() == v1::SIDE_BUY;
    const int64_t avg = static_cast<int64_t>(entry_notional[i] / entry_filled[i]);
    const int64_t at_cost = MulDiv(avg, left, kOne);
    inventory += entry_buy ? at_cost : -at_cost;
    if (legs > 1) unhedged += at_cost;
  }
  const int64_t payoff = opp.size_sets_micros() == 0
                             ? 0
                             : static_cast<int64_t>(absl::int128(opp.worst_case_payoff_micros()) *
                                                    hedged_sets / opp.size_sets_micros());
  const int64_t realized = static_cast<int64_t>(cash + inventory) + payoff;

  execution.closed = true;
  execution.proto.set_state(v1::EXECUTION_STATE_CLOSED);
  execution.proto.set_close_reason(reason);
  execution.proto.set_close_message(std::move(message));
  execution.proto.set_realized_pnl_micros(realized);
  execution.proto.set_hedged_quantity_micros(hedged_sets);
  execution.proto.set_unhedged_exposure_micros(unhedged);
  execution.proto.set_closed_unix_nanos(NowNanos());
  SyncExecutionProto(execution);
  if (absl::Status s = store_->UpdateExecution(execution.proto); !s.ok()) {
    // The close is re-derived on restart from the orders, which are all persisted.
    ++stats_.store_failures;
  }
  risk_->ReleaseExecution(execution.proto.execution_id());
  risk_->RecordRealizedPnl(realized);
  stats_.realized_pnl_micros += realized;
  ++stats_.closes_by_reason[absl::AsciiStrToLower(
      v1::CloseReason_Name(reason).substr(std::string_view("CLOSE_REASON_").size()))];
}

// ---- Safety controls ---------------------------------------------------------------------------

void ExecutionEngine::EnterSafeMode(std::string reason,
                                    std::vector<v1::UnhedgedExposure> exposures) {
  const int64_t now = NowNanos();
  store::RiskEventRecord event{.kind = "safe_mode", .reason = "unhedged_exposure"};
  event.message = reason;
  event.actor = config_.instance_id;
  if (safe_mode_.active() && !safe_mode_.acknowledged()) {
    // The current episode grows: one acknowledgement covers everything it lists.
    for (auto& e : exposures) {
      safe_mode_.set_total_worst_case_loss_micros(safe_mode_.total_worst_case_loss_micros() +
                                                  e.worst_case_loss_micros());
      *safe_mode_.add_exposures() = std::move(e);
    }
    if (!store_->UpdateSafeModeEpisode(safe_mode_, event).ok()) ++stats_.store_failures;
    return;
  }
  v1::SafeModeState state;
  state.set_active(true);
  state.set_reason(std::move(reason));
  state.set_entered_unix_nanos(now);
  for (auto& e : exposures) {
    state.set_total_worst_case_loss_micros(state.total_worst_case_loss_micros() +
                                           e.worst_case_loss_micros());
    *state.add_exposures() = std::move(e);
  }
  absl::StatusOr<uint64_t> episode = store_->OpenSafeModeEpisode(state, event);
  if (episode.ok()) {
    state.set_episode_id(*episode);
  } else {
    ++stats_.store_failures;
  }
  safe_mode_ = std::move(state);
  risk_->SetSafeMode(true);
}

absl::StatusOr<v1::SafeModeState> ExecutionEngine::AcknowledgeSafeMode(uint64_t episode_id,
                                                                       std::string_view note,
                                                                       std::string_view by) {
  absl::MutexLock lock(&mu_);
  if (!safe_mode_.active() && !safe_mode_.acknowledged()) {
    return absl::FailedPreconditionError("safe mode is not active");
  }
  if (episode_id != safe_mode_.episode_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "episode ", episode_id, " is not the current episode ", safe_mode_.episode_id()));
  }
  if (safe_mode_.acknowledged()) return safe_mode_;
  v1::SafeModeState next = safe_mode_;
  const int64_t now = NowNanos();
  next.set_acknowledged(true);
  next.set_active(false);
  next.set_acknowledged_unix_nanos(now);
  next.set_exited_unix_nanos(now);
  next.set_acknowledged_by(std::string(by));
  next.set_acknowledgement_note(std::string(note));
  store::RiskEventRecord event{.kind = "safe_mode", .reason = "acknowledged"};
  event.message = std::string(note);
  event.actor = std::string(by);
  if (absl::Status s = store_->UpdateSafeModeEpisode(next, event); !s.ok()) return s;
  safe_mode_ = std::move(next);
  risk_->SetSafeMode(false);
  return safe_mode_;
}

uint32_t ExecutionEngine::CancelRestingLocked(std::optional<Venue> venue, int lane) {
  uint32_t cancels = 0;
  for (auto& [id, execution] : open_) {
    if (lane != 0 && execution->proto.lane() != lane) continue;
    for (auto& order : execution->orders) {
      if (venue.has_value() && VenueFromProto(order->proto.venue()) != venue) continue;
      const OrderStatus s = order->state.status();
      if (IsRestingStatus(s) || s == OrderStatus::kUnresolved) {
        order->cancel_wanted = true;
        ++cancels;
      }
    }
  }
  if (cancels > 0) work_pending_ = true;
  return cancels;
}

absl::StatusOr<v1::KillSwitch> ExecutionEngine::SetKillSwitch(const v1::KillSwitch& request,
                                                              uint32_t* cancels_sent) {
  absl::MutexLock lock(&mu_);
  v1::KillSwitch ks = request;
  ks.set_updated_unix_nanos(NowNanos());
  store::RiskEventRecord event{.kind = "kill_switch",
                               .reason = ks.engaged() ? "engaged" : "released"};
  event.lane = ks.lane();
  event.venue = ks.venue();
  event.message = ks.reason();
  event.actor = ks.changed_by();
  if (absl::Status s = store_->SaveKillSwitch(ks, event); !s.ok()) return s;
  const std::optional<Venue> venue = VenueFromProto(ks.venue());
  switch (ks.scope()) {
    case v1::KILL_SWITCH_SCOPE_GLOBAL:
      (void)risk_->SetKillSwitch(risk::KillScope::kGlobal, std::nullopt, "", ks.engaged());
      break;
    case v1::KILL_SWITCH_SCOPE_VENUE:
      (void)risk_->SetKillSwitch(risk::KillScope::kVenue, venue, "", ks.engaged());
      break;
    default:
      (void)risk_->SetKillSwitch(risk::KillScope::kLane, std::nullopt, LaneLabel(ks.lane()),
                                 ks.engaged());
      break;
  }
  bool replaced = false;
  for (auto& existing : kill_switches_) {
    if (existing.scope() == ks.scope() && existing.venue() == ks.venue() &&
        existing.lane() == ks.lane()) {
      existing = ks;
      replaced = true;
    }
  }
  if (!replaced) kill_switches_.push_back(ks);
  uint32_t cancels = 0;
  if (ks.engaged() && ks.cancel_resting()) {
    cancels = CancelRestingLocked(ks.scope() == v1::KILL_SWITCH_SCOPE_VENUE ? venue : std::nullopt,
                                  ks.scope() == v1::KILL_SWITCH_SCOPE_LANE ? ks.lane() : 0);
  }
  if (cancels_sent != nullptr) *cancels_sent = cancels;
  return ks;
}

absl::StatusOr<v1::TradingStateInfo> ExecutionEngine::SetTradingState(v1::TradingState state,
                                                                      std::string_view reason,
                                                                      std::string_view by,
                                                                      bool cancel_resting,
                                                                      uint32_t* cancels_sent) {
  absl::MutexLock lock(&mu_);
  v1::TradingStateInfo info = trading_state_;
  info.set_manual_state(state);
  info.set_reason(std::string(reason));
  info.set_changed_by(std::string(by));
  info.set_updated_unix_nanos(NowNanos());
  store::RiskEventRecord event{.kind = "trading_state",
                               .reason = absl::AsciiStrToLower(v1::TradingState_Name(state))};
  event.message = std::string(reason);
  event.actor = std::string(by);
  if (absl::Status s = store_->SaveTradingState(info, event); !s.ok()) return s;
  risk_->SetManualState(state == v1::TRADING_STATE_HALTED     ? risk::TradingState::kHalted
                        : state == v1::TRADING_STATE_REDUCING ? risk::TradingState::kReducing
                                                              : risk::TradingState::kActive);
  trading_state_ = std::move(info);
  uint32_t cancels = 0;
  if (state == v1::TRADING_STATE_HALTED && cancel_resting) {
    cancels = CancelRestingLocked(std::nullopt, 0);
  }
  if (cancels_sent != nullptr) *cancels_sent = cancels;
  return TradingStateLocked();
}

v1::SafeModeState ExecutionEngine::safe_mode() const {
  absl::MutexLock lock(&mu_);
  return safe_mode_;
}

namespace {
v1::TradingState ToProto(risk::TradingState state) {
  switch (state) {
    case risk::TradingState::kActive:
      return v1::TRADING_STATE_ACTIVE;
    case risk::TradingState::kReducing:
      return v1::TRADING_STATE_REDUCING;
    case risk::TradingState::kHalted:
      return v1::TRADING_STATE_HALTED;
  }
  return v1::TRADING_STATE_HALTED;
}
}  // namespace

v1::TradingStateInfo ExecutionEngine::trading_state() const {
  absl::MutexLock lock(&mu_);
  return TradingStateLocked();
}

void ExecutionEngine::ApplyRiskLimits(risk::Limits limits) {
  absl::MutexLock lock(&mu_);
  risk_->SetLimits(std::move(limits));
}

risk::RiskSnapshot ExecutionEngine::RiskFigures() const {
  absl::MutexLock lock(&mu_);
  return risk_->Snapshot();
}

v1::TradingStateInfo ExecutionEngine::TradingStateLocked() const {
  v1::TradingStateInfo info = trading_state_;
  info.set_automatic_state(ToProto(risk_->automatic_state()));
  info.set_effective_state(ToProto(risk_->effective_state()));
  return info;
}

std::vector<v1::KillSwitch> ExecutionEngine::kill_switches() const {
  absl::MutexLock lock(&mu_);
  return kill_switches_;
}

void ExecutionEngine::SetLegPolicy(absl::Duration leg_window, LegFailurePolicy policy,
                                   std::optional<int64_t> max_unhedged_exposure_micros) {
  absl::MutexLock lock(&mu_);
  if (leg_window > absl::ZeroDuration()) config_.leg_window = leg_window;
  config_.default_policy = policy;
  config_.lane_policy.clear();
  max_unhedged_micros_ = max_unhedged_exposure_micros;
}

bool ExecutionEngine::OnVenueFills(Venue venue, std::string_view venue_order_id,
                                   const std::vector<VenueFill>& fills) {
  if (venue_order_id.empty()) return false;
  absl::MutexLock lock(&mu_);
  const v1::Venue pv = venue == Venue::kKalshi ? v1::VENUE_KALSHI : v1::VENUE_POLYMARKET;
  for (auto& [id, execution] : open_) {
    for (auto& order : execution->orders) {
      if (order->proto.venue() != pv || order->proto.venue_order_id() != venue_order_id) continue;
      const uint64_t before = stats_.fills;
      ApplyFills(*execution, *order, fills);
      stats_.pushed_fills += stats_.fills - before;
      // The order's status (filled / still open) is confirmed by the next query; the legging
      // logic runs on the next cycle.
      work_pending_ = true;
      return true;
    }
  }
  return false;
}

void ExecutionEngine::SetBookSource(const BookSource* books) {
  absl::MutexLock lock(&mu_);
  books_ = books;
}

void ExecutionEngine::StartNewDay() {
  absl::MutexLock lock(&mu_);
  risk_->StartNewDay();
}

void ExecutionEngine::StopAccepting() {
  absl::MutexLock lock(&mu_);
  accepting_ = false;
}

uint32_t ExecutionEngine::open_executions() const {
  absl::MutexLock lock(&mu_);
  return static_cast<uint32_t>(open_.size());
}

bool ExecutionEngine::recovered() const {
  absl::MutexLock lock(&mu_);
  return recovered_;
}

EngineStats ExecutionEngine::Stats() const {
  absl::MutexLock lock(&mu_);
  EngineStats stats = stats_;
  stats.open_executions = static_cast<uint32_t>(open_.size());
  stats.unhedged_exposure_micros =
      safe_mode_.active() ? safe_mode_.total_worst_case_loss_micros() : 0;
  stats.unresolved_orders = 0;
  for (const auto& [id, execution] : open_) {
    for (const auto& order : execution->orders) {
      if (order->state.status() == OrderStatus::kUnresolved) ++stats.unresolved_orders;
      ++stats.orders_by_status[std::string(OrderStatusName(order->state.status()))];
    }
  }
  return stats;
}

EngineLatencies ExecutionEngine::TakeLatencies() {
  absl::MutexLock lock(&mu_);
  return std::exchange(latencies_, {});
}

// ---- Recovery ----------------------------------------------------------------------------------

absl::Status ExecutionEngine::Recover() {
  {
    absl::MutexLock lock(&mu_);
    // Safety state first: a restart must not forget a halt, a kill switch or safe mode.
    absl::StatusOr<std::vector<v1::KillSwitch>> switches = store_->ListKillSwitches();
    if (!switches.ok()) return switches.status();
    kill_switches_ = *switches;
    for (const v1::KillSwitch& ks : kill_switches_) {
      const std::optional<Venue> venue = VenueFromProto(ks.venue());
      if (ks.scope() == v1::KILL_SWITCH_SCOPE_GLOBAL) {
        (void)risk_->SetKillSwitch(risk::KillScope::kGlobal, std::nullopt, "", ks.engaged());
      } else if (ks.scope() == v1::KILL_SWITCH_SCOPE_VENUE) {
        (void)risk_->SetKillSwitch(risk::KillScope::kVenue, venue, "", ks.engaged());
      } else {
        (void)risk_->SetKillSwitch(risk::KillScope::kLane, std::nullopt, LaneLabel(ks.lane()),
                                   ks.engaged());
      }
    }
    absl::StatusOr<std::optional<v1::TradingStateInfo>> ts = store_->LoadTradingState();
    if (!ts.ok()) return ts.status();
    if (ts->has_value()) {
      trading_state_ = **ts;
      const v1::TradingState m = trading_state_.manual_state();
      risk_->SetManualState(m == v1::TRADING_STATE_HALTED     ? risk::TradingState::kHalted
                            : m == v1::TRADING_STATE_REDUCING ? risk::TradingState::kReducing
                                                              : risk::TradingState::kActive);
    }
    absl::StatusOr<std::optional<v1::SafeModeState>> safe = store_->LatestSafeModeEpisode();
    if (!safe.ok()) return safe.status();
    if (safe->has_value() && (*safe)->active() && !(*safe)->acknowledged()) {
      safe_mode_ = **safe;
      risk_->SetSafeMode(true);
    }
    // Today's realised PnL so far: a restart must not reset the daily loss cap.
    const int64_t day_start =
        NowNanos() / (int64_t{86'400} * 1'000'000'000) * (int64_t{86'400} * 1'000'000'000);
    absl::StatusOr<int64_t> today = store_->RealizedPnlSince(day_start);
    if (!today.ok()) return today.status();
    if (*today != 0) risk_->RecordRealizedPnl(*today);
    absl::StatusOr<std::vector<v1::Position>> positions = store_->ListPositions();
    if (!positions.ok()) return positions.status();
    for (const v1::Position& p : *positions) {
      positions_[PositionKey(p.venue(), p.instrument_id().symbol())] = p;
    }

    // Open executions, with their orders and the fills already recorded.
    store::ExecutionQuery query;
    query.open_only = true;
    query.page_size = 1000;
    for (;;) {
      absl::StatusOr<store::Page<v1::Execution>> page = store_->ListExecutions(query);
      if (!page.ok()) return page.status();
      for (const v1::Execution& stored : page->items) {
        absl::StatusOr<std::optional<v1::Opportunity>> opp =
            store_->GetOpportunity(stored.execution_id());
        if (!opp.ok()) return opp.status();
        auto execution = std::make_unique<LiveExecution>();
        execution->proto = stored;
        execution->opportunity = opp->value_or(v1::Opportunity());
        execution->created_mono = clock_->MonotonicNanos();
        execution->repair_attempts.assign(static_cast<size_t>(execution->opportunity.legs_size()),
                                          0);
        absl::StatusOr<std::vector<v1::Order>> orders =
            store_->OrdersOfExecution(stored.execution_id());
        if (!orders.ok()) return orders.status();
        int64_t planned_sets = execution->opportunity.size_sets_micros();
        for (const v1::Order& order : *orders) {
          store::FillQuery fq;
          fq.client_order_id = order.client_order_id();
          fq.page_size = 1000;
          absl::StatusOr<store::Page<v1::Fill>> fills = store_->ListFills(fq);
          if (!fills.ok()) return fills.status();
          std::vector<FillReport> reports;
          for (auto it = fills->items.rbegin(); it != fills->items.rend(); ++it) {
            reports.push_back(FillReport{.fill_id = TradeId(it->fill_id()),
                                         .price = Price::FromMicros(it->price_micros()),
                                         .size = Quantity::FromMicros(it->size_micros()),
                                         .fee = Money::FromMicros(it->fee_micros())});
          }
          absl::StatusOr<OrderState> state = OrderState::Restore(
              ClientOrderId(order.client_order_id()), Quantity::FromMicros(order.size_micros()),
              FromProto(order.status()), FromProto(order.previous_status()), reports);
          if (!state.ok()) return state.status();
          const bool repair = order.client_order_id().find("-r") != std::string::npos;
          const v1::OpportunityLeg* leg =
              order.leg_index() < static_cast<uint32_t>(execution->opportunity.legs_size())
                  ? &execution->opportunity.legs(static_cast<int>(order.leg_index()))
                  : nullptr;
          if (!repair && leg != nullptr && leg->size_micros() > 0) {
            planned_sets = std::min(
                planned_sets, MulDiv(order.size_micros(), execution->opportunity.size_sets_micros(),
                                     leg->size_micros()));
          }
          if (repair && order.leg_index() < execution->repair_attempts.size()) {
            ++execution->repair_attempts[order.leg_index()];
          }
          OrderRequest request{.client_order_id = order.client_order_id(),
                               .symbol = order.instrument_id().symbol(),
                               .buy = order.side() == v1::SIDE_BUY,
                               .price_micros = order.limit_price_micros(),
                               .size_micros = order.size_micros(),
                               .tif = TifOf(order.time_in_force()),
                               .created_unix_ms = order.created_unix_nanos() / 1'000'000,
                               .neg_risk = execution->opportunity.lane() == v1::LANE_NEGRISK,
                               .tick_size_micros = kTick};
          auto live = std::make_unique<LiveOrder>(order, *std::move(state), std::move(request));
          live->repair = repair;
          // An INITIALIZED order may have been sent just before the crash (there is no write
          // between intent and send): it is looked up at the venue, never sent again.
          live->maybe_sent = live->state.status() == OrderStatus::kInitialized;
          // Anything that may rest at the venue is canceled on recovery: the executor does not
          // resume a stale plan, it reconciles and closes it.
          live->cancel_wanted = true;
          execution->orders.push_back(std::move(live));
        }
        execution->size_sets = planned_sets > 0 ? planned_sets : 1;
        by_opportunity_[stored.opportunity_id()] = stored.execution_id();
        open_[stored.execution_id()] = std::move(execution);
      }
      if (page->next_page_token.empty()) break;
      query.page_token = page->next_page_token;
    }
    work_pending_ = true;
  }
  // Reconcile: query every order the venue may know, apply what happened while we were down,
  // cancel what rests, then let the legging logic close each execution. Bounded: venues that
  // cannot answer leave their orders unresolved (and the executor not ready).
  for (int round = 0; round < 3 * config_.not_found_limit + 6; ++round) {
    {
      absl::MutexLock lock(&mu_);
      for (auto& [id, execution] : open_) {
        for (auto& order : execution->orders) order->last_query_mono = INT64_MIN / 2;
      }
    }
    Step();
    absl::MutexLock lock(&mu_);
    if (open_.empty()) break;
  }
  // Orders resting at a venue that the ledger does not know (placed by hand, by another
  // system, or by a process whose ledger was lost) are adopted as external: recorded under a
  // synthetic execution per venue so they are visible and counted, never managed or canceled.
  for (const auto& [venue, gateway] : gateways_) {
    absl::StatusOr<std::vector<VenueOrderReport>> open = gateway->OpenOrders();
    if (!open.ok()) {
      return absl::UnavailableError(absl::StrCat("recovery: open orders of ",
                                                 venue == Venue::kKalshi ? "kalshi" : "polymarket",
                                                 ": ", open.status().message()));
    }
    for (const VenueOrderReport& r : *open) {
      if (!r.client_order_id.empty()) {
        absl::StatusOr<std::optional<v1::Order>> known = store_->GetOrder(r.client_order_id);
        if (!known.ok()) return known.status();
        if (known->has_value()) continue;
      }
      if (!r.venue_order_id.empty()) {
        absl::StatusOr<std::optional<v1::Order>> known =
            store_->GetOrderByVenueId(r.venue_order_id);
        if (!known.ok()) return known.status();
        if (known->has_value()) continue;
      }
      if (absl::Status s = AdoptExternal(venue, r); !s.ok()) return s;
    }
  }
  if (absl::Status s = ReconcilePositions(); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  recovered_ = true;
  return absl::OkStatus();
}

absl::Status ExecutionEngine::ReconcilePositions() {
  // Every position the ledger holds is compared with what the venue says the account holds. A
  // difference is exposure nobody decided on (a trade by hand, a lost fill, a ledger restored
  // from an old backup): it is recorded on the position and starts safe mode.
  absl::StatusOr<std::vector<v1::Position>> positions = store_->ListPositions();
  if (!positions.ok()) return positions.status();
  std::vector<v1::UnhedgedExposure> mismatches;
  std::vector<std::string> lines;
  const int64_t now = NowNanos();
  // Kalshi holds one signed position per market (YES contracts positive, NO negative: buying NO
  // while long YES nets out), so its YES and NO instruments are compared as a net per ticker.
  absl::flat_hash_map<std::string, int64_t> kalshi_ledger_net;
  for (const v1::Position& p : *positions) {
    const std::string& sym = p.instrument_id().symbol();
    if (p.venue() != v1::VENUE_KALSHI || sym.size() < 4) continue;
    const bool no = absl::EndsWith(sym, ":NO");
    const std::string ticker = sym.substr(0, sym.rfind(':'));
    kalshi_ledger_net[ticker] += no ? -p.size_micros() : p.size_micros();
  }
  for (v1::Position position : *positions) {
    const std::optional<Venue> venue = VenueFromProto(position.venue());
    if (!venue.has_value()) continue;
    auto gw = gateways_.find(*venue);
    if (gw == gateways_.end()) continue;
    const std::string& symbol = position.instrument_id().symbol();
    int64_t ledger = position.size_micros();
    absl::StatusOr<int64_t> held = gw->second->PositionOf(symbol);
    if (held.ok() && *venue == Venue::kKalshi && symbol.rfind(':') != std::string::npos) {
      // Compare nets: venue YES − NO of the ticker against the ledger's.
      const std::string ticker = symbol.substr(0, symbol.rfind(':'));
      const bool no = absl::EndsWith(symbol, ":NO");
      absl::StatusOr<int64_t> other =
          gw->second->PositionOf(absl::StrCat(ticker, no ? ":YES" : ":NO"));
      if (!other.ok()) {
        held = other.status();
      } else {
        const int64_t venue_net = no ? *other - *held : *held - *other;
        ledger = kalshi_ledger_net[ticker];
        held = venue_net;
      }
    }
    if (absl::IsUnimplemented(held.status())) continue;
    if (!held.ok()) {
      return absl::UnavailableError(
          absl::StrCat("recovery: position of ", symbol, ": ", held.status().message()));
    }
    position.set_venue_size_micros(
        *venue == Venue::kKalshi ? position.size_micros() + (*held - ledger) : *held);
    position.set_reconciled_unix_nanos(now);
    if (absl::Status s = store_->UpsertPosition(position); !s.ok()) return s;
    if (*held != ledger) {
      v1::UnhedgedExposure e;
      *e.mutable_instrument_id() = position.instrument_id();
      e.set_size_micros(std::abs(*held - ledger));
      // Worst case: the difference is worth up to 1 USD per share either way.
      e.set_worst_case_loss_micros(e.size_micros());
      e.set_since_unix_nanos(now);
      mismatches.push_back(std::move(e));
      lines.push_back(absl::StrCat(symbol, ": ledger ", ledger, ", venue ", *held));
    }
  }
  absl::MutexLock lock(&mu_);
  for (auto& [key, p] : positions_) {
    for (const v1::Position& stored : *positions) {
      if (PositionKey(stored.venue(), stored.instrument_id().symbol()) == key) {
        p.set_reconciled_unix_nanos(now);
      }
    }
  }
  if (!mismatches.empty()) {
    EnterSafeMode(absl::StrCat("positions differ from the venue: ", absl::StrJoin(lines, "; ")),
                  std::move(mismatches));
  }
  return absl::OkStatus();
}

absl::Status ExecutionEngine::AdoptExternal(Venue venue, const VenueOrderReport& report) {
  const v1::Venue pv = venue == Venue::kKalshi ? v1::VENUE_KALSHI : v1::VENUE_POLYMARKET;
  const std::string venue_name = venue == Venue::kKalshi ? "kalshi" : "polymarket";
  const std::string execution_id = absl::StrCat("external-", venue_name);
  const int64_t now = NowNanos();
  v1::Execution holder;
  holder.set_execution_id(execution_id);
  holder.set_opportunity_id(execution_id);
  holder.set_state(v1::EXECUTION_STATE_CLOSED);
  holder.set_close_reason(v1::CLOSE_REASON_RECOVERED);
  holder.set_close_message("orders found at the venue that this ledger did not place");
  holder.set_mode(config_.mode);
  holder.set_created_unix_nanos(now);
  holder.set_updated_unix_nanos(now);
  holder.set_closed_unix_nanos(now);
  if (absl::Status s = store_->InsertExecution(holder, v1::Opportunity(), {});
      !s.ok() && !absl::IsAlreadyExists(s)) {
    return s;
  }
  v1::Order order;
  const std::string id =
      report.venue_order_id.empty() ? report.client_order_id : report.venue_order_id;
  order.set_client_order_id(absl::StrCat("ext-", id));
  order.set_venue_order_id(report.venue_order_id);
  order.set_execution_id(execution_id);
  order.set_venue(pv);
  order.mutable_instrument_id()->set_venue(pv);
  order.mutable_instrument_id()->set_symbol(report.symbol.empty() ? "unknown" : report.symbol);
  order.set_side(report.buy ? v1::SIDE_BUY : v1::SIDE_SELL);
  order.set_status(report.filled_size_micros > 0 ? v1::ORDER_STATUS_PARTIALLY_FILLED
                                                 : v1::ORDER_STATUS_ACCEPTED);
  order.set_limit_price_micros(std::clamp<int64_t>(report.price_micros, 0, kOne));
  order.set_size_micros(std::max<int64_t>(report.size_micros, 1));
  order.set_filled_size_micros(report.filled_size_micros);
  order.set_mode(config_.mode);
  order.set_created_unix_nanos(now);
  order.set_updated_unix_nanos(now);
  if (absl::Status s = store_->InsertOrder(order, {"adopted_external", report.venue_order_id});
      !s.ok() && !absl::IsAlreadyExists(s)) {
    return s;
  }
  store::RiskEventRecord event{.kind = "external_order", .reason = "adopted"};
  event.venue = pv;
  event.message = absl::StrCat("venue order ", id, " on ", report.symbol, " is not ours");
  event.actor = config_.instance_id;
  (void)store_->AppendRiskEvent(event);
  absl::MutexLock lock(&mu_);
  ++stats_.external_orders;
  return absl::OkStatus();
}

}  // namespace arbor::exec
