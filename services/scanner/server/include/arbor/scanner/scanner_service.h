// File: arbor/scanner/scanner_service.h
//
// ScannerService: arbor.v1.Scanner over an OpportunityBoard (sync gRPC API; the executor and
// arborctl are a handful of subscribers, so a thread per stream is fine).
//
//   StreamOpportunities  replay of live matches, initial_snapshot_complete heartbeat, then
//                        changes; heartbeats (with the subscriber's drop count) when idle.
//   ListOpportunities    live matches by expected profit, paged (page_token = offset into that
//                        order, "o:<n>"; a page may repeat or skip an entry if the set changes
//                        between pages — the list is a snapshot of a moving set).
//   GetHealth            whatever the owner's health callback returns.
//
// Invalid requests get INVALID_ARGUMENT with the reason (missing subscriber_id, negative
// heartbeat, unknown lane/venue, bad page token). BeginShutdown() ends every stream with
// UNAVAILABLE and refuses new ones, so grpc::Server::Shutdown does not wait on open streams.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include "absl/time/time.h"
#include "arbor/scanner/opportunity_board.h"
#include "arbor/v1/scanner_service.grpc.pb.h"

namespace arbor::scanner {

class ScannerMetrics;

struct ScannerServiceOptions {
  absl::Duration default_heartbeat_interval = absl::Seconds(1);
  absl::Duration min_heartbeat_interval = absl::Milliseconds(100);
  // How often a stream checks for cancellation / shutdown while idle.
  absl::Duration poll_interval = absl::Milliseconds(50);
  uint32_t default_page_size = 100;
  uint32_t max_page_size = 1000;
};

class ScannerService final : public arbor::v1::Scanner::Service {
 public:
  using HealthFn = std::function<arbor::v1::GetScannerHealthResponse()>;

  // `board` (not owned) must outlive the service; `metrics` may be null.
  ScannerService(OpportunityBoard* board, HealthFn health, ScannerMetrics* metrics,
                 ScannerServiceOptions options = {});

  grpc::Status StreamOpportunities(
      grpc::ServerContext* context, const arbor::v1::StreamOpportunitiesRequest* request,
      grpc::ServerWriter<arbor::v1::OpportunityUpdate>* writer) override;
  grpc::Status ListOpportunities(grpc::ServerContext* context,
                                 const arbor::v1::ListOpportunitiesRequest* request,
                                 arbor::v1::ListOpportunitiesResponse* response) override;
  grpc::Status GetHealth(grpc::ServerContext* context,
                         const arbor::v1::GetScannerHealthRequest* request,
                         arbor::v1::GetScannerHealthResponse* response) override;

  // Ends open streams (UNAVAILABLE) and refuses new ones. Idempotent.
  void BeginShutdown();

 private:
  OpportunityBoard* const board_;
  const HealthFn health_;
  ScannerMetrics* const metrics_;
  const ScannerServiceOptions options_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace arbor::scanner
