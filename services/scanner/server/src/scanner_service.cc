#include "arbor/scanner/scanner_service.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/scanner/scanner_metrics.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

grpc::Status Invalid(const std::string& why) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, why);
}

int64_t NowUnixNanos() { return absl::ToUnixNanos(absl::Now()); }

}  // namespace

ScannerService::ScannerService(OpportunityBoard* board, HealthFn health, ScannerMetrics* metrics,
                               ScannerServiceOptions options)
    : board_(board), health_(std::move(health)), metrics_(metrics), options_(options) {}

void ScannerService::BeginShutdown() { shutting_down_.store(true); }

grpc::Status ScannerService::StreamOpportunities(
    grpc::ServerContext* context, const v1::StreamOpportunitiesRequest* request,
    grpc::ServerWriter<v1::OpportunityUpdate>* writer) {
  if (request->subscriber_id().empty()) return Invalid("subscriber_id is required");
  if (request->heartbeat_interval_nanos() < 0) {
    return Invalid(absl::StrCat("heartbeat_interval_nanos must be >= 0, got ",
                                request->heartbeat_interval_nanos()));
  }
  if (absl::Status s = ValidateFilter(request->filter()); !s.ok()) {
    return Invalid(std::string(s.message()));
  }
  if (shutting_down_.load()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "scanner shutting down");
  }
  absl::Duration heartbeat = request->heartbeat_interval_nanos() > 0
                                 ? absl::Nanoseconds(request->heartbeat_interval_nanos())
                                 : options_.default_heartbeat_interval;
  heartbeat = std::max(heartbeat, options_.min_heartbeat_interval);
  const absl::Duration poll = std::max(options_.poll_interval, absl::Milliseconds(1));

  std::shared_ptr<Subscription> sub = board_->Subscribe(request->filter());
  if (metrics_ != nullptr) metrics_->SetSubscribers(board_->Stats().subscribers);
  grpc::Status result = grpc::Status::OK;
  absl::Time last_send = absl::Now();
  v1::OpportunityUpdate update;
  while (true) {
    if (context->IsCancelled()) {
      result = grpc::Status(grpc::StatusCode::CANCELLED, "subscriber cancelled");
      break;
    }
    if (shutting_down_.load()) {
      result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "scanner shutting down");
      break;
    }
    const absl::Duration idle_left = heartbeat - (absl::Now() - last_send);
    if (sub->Next(&update, std::clamp(idle_left, absl::ZeroDuration(), poll))) {
      if (update.has_heartbeat()) {
        update.mutable_heartbeat()->set_ts_unix_nanos(NowUnixNanos());
        update.mutable_heartbeat()->set_coalesced_total(sub->dropped());
      }
      if (!writer->Write(update)) {
        result = grpc::Status(grpc::StatusCode::CANCELLED, "subscriber went away");
        break;
      }
      last_send = absl::Now();
      continue;
    }
    if (absl::Now() - last_send >= heartbeat) {
      v1::OpportunityUpdate hb;
      hb.mutable_heartbeat()->set_ts_unix_nanos(NowUnixNanos());
      hb.mutable_heartbeat()->set_coalesced_total(sub->dropped());
      if (!writer->Write(hb)) {
        result = grpc::Status(grpc::StatusCode::CANCELLED, "subscriber went away");
        break;
      }
      last_send = absl::Now();
    }
  }
  board_->Unsubscribe(sub);
  if (metrics_ != nullptr) metrics_->SetSubscribers(board_->Stats().subscribers);
  return result;
}

grpc::Status ScannerService::ListOpportunities(grpc::ServerContext* /*context*/,
                                               const v1::ListOpportunitiesRequest* request,
                                               v1::ListOpportunitiesResponse* response) {
  if (absl::Status s = ValidateFilter(request->filter()); !s.ok()) {
    return Invalid(std::string(s.message()));
  }
  size_t offset = 0;
  if (!request->page_token().empty()) {
    uint64_t parsed = 0;
    if (!absl::StartsWith(request->page_token(), "o:") ||
        !absl::SimpleAtoi(request->page_token().substr(2), &parsed)) {
      return Invalid(absl::StrCat("page_token \"", request->page_token(), "\" is not valid"));
    }
    offset = static_cast<size_t>(parsed);
  }
  const uint32_t page = request->page_size() == 0
                            ? options_.default_page_size
                            : std::min<uint32_t>(request->page_size(), options_.max_page_size);
  std::vector<v1::Opportunity> all = board_->List(request->filter());
  const size_t end = std::min(all.size(), offset + page);
  for (size_t i = offset; i < end; ++i) *response->add_opportunities() = std::move(all[i]);
  if (end < all.size()) response->set_next_page_token(absl::StrCat("o:", end));
  return grpc::Status::OK;
}

grpc::Status ScannerService::GetHealth(grpc::ServerContext* /*context*/,
                                       const v1::GetScannerHealthRequest* /*request*/,
                                       v1::GetScannerHealthResponse* response) {
  if (health_) *response = health_();
  return grpc::Status::OK;
}

}  // namespace arbor::scanner
