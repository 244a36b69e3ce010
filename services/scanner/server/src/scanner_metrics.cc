#include "arbor/scanner/scanner_metrics.h"

#include <string>

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

// Advances a monotonic counter to `total` (never backwards).
void AdvanceTo(prometheus::Counter& counter, uint64_t total) {
  const double target = static_cast<double>(total);
  const double current = counter.Value();
  if (target > current) counter.Increment(target - current);
}

const char* WithdrawalName(int reason) {
  switch (reason) {
    case v1::WITHDRAWAL_REASON_EDGE_GONE:
      return "edge_gone";
    case v1::WITHDRAWAL_REASON_EXPIRED:
      return "expired";
    case v1::WITHDRAWAL_REASON_BOOK_UNHEALTHY:
      return "book_unhealthy";
    case v1::WITHDRAWAL_REASON_SUPERSEDED:
      return "superseded";
    default:
      return "unspecified";
  }
}

const std::vector<double>& EdgeBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.02,
                                               0.03,  0.05,   0.075, 0.1,  0.2};
  return kBuckets;
}

}  // namespace

const std::vector<double>& ScannerMetrics::LatencyBuckets() {
  static const std::vector<double> kBuckets = {
      10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3,   2.5e-3,
      5e-3,  10e-3, 25e-3, 50e-3,  100e-3, 250e-3, 500e-3, 1.0,
  };
  return kBuckets;
}

ScannerMetrics::ScannerMetrics(prometheus::Registry& registry)
    : evaluations_(prometheus::BuildCounter()
                       .Name("arbor_scanner_lane_evaluations_total")
                       .Help("Units (markets, events, pairs) evaluated, by lane.")
                       .Register(registry)),
      detections_(prometheus::BuildCounter()
                      .Name("arbor_scanner_detections_total")
                      .Help("Opportunities emitted by the lanes (re-detections included).")
                      .Register(registry)),
      opportunities_(prometheus::BuildCounter()
                         .Name("arbor_scanner_opportunities_total")
                         .Help("New opportunities published, by lane.")
                         .Register(registry)),
      drops_(prometheus::BuildCounter()
                 .Name("arbor_scanner_drops_total")
                 .Help("Units or bundles dropped by the lanes' hygiene rules, by lane and reason.")
                 .Register(registry)),
      edge_(prometheus::BuildHistogram()
                .Name("arbor_scanner_edge_per_set_usd")
                .Help("Edge per set net of fees of published opportunities (USD), by lane.")
                .Register(registry)),
      tick_to_opportunity_(
          prometheus::BuildHistogram()
              .Name("arbor_scanner_tick_to_opportunity_seconds")
              .Help("Feed receipt of the newest source book event to opportunity creation.")
              .Register(registry)),
      pass_(prometheus::BuildHistogram()
                .Name("arbor_scanner_pass_seconds")
                .Help("Duration of one engine pass over the touched books.")
                .Register(registry)
                .Add({}, LatencyBuckets())),
      live_(prometheus::BuildGauge()
                .Name("arbor_scanner_live_opportunities")
                .Help("Opportunities currently live, by lane.")
                .Register(registry)),
      withdrawals_(prometheus::BuildCounter()
                       .Name("arbor_scanner_withdrawals_total")
                       .Help("Opportunities withdrawn, by reason.")
                       .Register(registry)),
      books_(prometheus::BuildGauge()
                 .Name("arbor_scanner_books")
                 .Help("Books in the cache by state (live, stale, quarantined, closed, "
                       "untrusted).")
                 .Register(registry)),
      shards_(prometheus::BuildGauge()
                  .Name("arbor_scanner_shards")
                  .Help("Feed shards: expected, connected, synced.")
                  .Register(registry)),
      catalog_markets_(prometheus::BuildGauge()
                           .Name("arbor_scanner_catalog_markets")
                           .Help("Markets in the scanner's catalog.")
                           .Register(registry)
                           .Add({})),
      catalog_refreshes_(prometheus::BuildCounter()
                             .Name("arbor_scanner_catalog_refreshes_total")
                             .Help("Catalog refreshes from the feed shards, by result.")
                             .Register(registry)),
      relations_reloads_(prometheus::BuildCounter()
                             .Name("arbor_scanner_relations_reloads_total")
                             .Help("Reloads of the changed relations file (combinatorial lane), "
                                   "by result; on error the old relations stay in use.")
                             .Register(registry)),
      relation_clusters_(prometheus::BuildGauge()
                             .Name("arbor_scanner_relation_clusters")
                             .Help("Clusters of related markets the combinatorial lane trades.")
                             .Register(registry)
                             .Add({})),
      subscribers_(prometheus::BuildGauge()
                       .Name("arbor_scanner_subscribers")
                       .Help("StreamOpportunities subscribers.")
                       .Register(registry)
                       .Add({})),
      subscriber_drops_(prometheus::BuildCounter()
                            .Name("arbor_scanner_subscriber_drops_total")
                            .Help("Opportunities dropped from slow subscribers' queues.")
                            .Register(registry)
                            .Add({})),
      resolutions_(prometheus::BuildCounter()
                       .Name("arbor_scanner_resolutions_total")
                       .Help("Resolved instruments from the feed, by what the scanner did.")
                       .Register(registry)),
      observations_(prometheus::BuildCounter()
                        .Name("arbor_scanner_calibration_observations_total")
                        .Help("Expiry-edge calibration observations added from resolutions.")
                        .Register(registry)
                        .Add({})) {}

void ScannerMetrics::RecordResolution(const char* result, int observations) {
  resolutions_.Add({{"result", result}}).Increment();
  if (observations > 0) observations_.Increment(observations);
}

void ScannerMetrics::RecordPass(const ScanResult& result, double seconds) {
  pass_.Observe(seconds);
  for (const LaneResult& lr : result.lanes) {
    const std::string lane = LaneName(lr.lane);
    if (lr.counters.units_evaluated > 0) {
      evaluations_.Add({{"lane", lane}})
          .Increment(static_cast<double>(lr.counters.units_evaluated));
    }
    if (lr.counters.emitted > 0) {
      detections_.Add({{"lane", lane}}).Increment(static_cast<double>(lr.counters.emitted));
    }
    for (int r = 0; r < lanes::kDropReasonCount; ++r) {
      if (lr.counters.drops[r] == 0) continue;
      drops_
          .Add({{"lane", lane},
                {"reason", lanes::DropReasonName(static_cast<lanes::DropReason>(r))}})
          .Increment(static_cast<double>(lr.counters.drops[r]));
    }
  }
}

void ScannerMetrics::RecordPublished(const v1::Opportunity& o) {
  const std::string lane = LaneName(o.lane());
  opportunities_.Add({{"lane", lane}}).Increment();
  edge_.Add({{"lane", lane}}, EdgeBuckets())
      .Observe(static_cast<double>(o.edge_per_set_micros()) / 1e6);
  if (o.source_ts_receipt_unix_nanos() > 0 &&
      o.created_unix_nanos() >= o.source_ts_receipt_unix_nanos()) {
    tick_to_opportunity_.Add({{"lane", lane}}, LatencyBuckets())
        .Observe(static_cast<double>(o.created_unix_nanos() - o.source_ts_receipt_unix_nanos()) /
                 1e9);
  }
}

void ScannerMetrics::UpdateBoard(const BoardStats& stats) {
  for (const auto& [lane, s] : stats.lanes) {
    live_.Add({{"lane", LaneName(static_cast<v1::Lane>(lane))}}).Set(s.live);
  }
  for (const auto& [reason, n] : stats.withdrawals) {
    AdvanceTo(withdrawals_.Add({{"reason", WithdrawalName(reason)}}), n);
  }
  AdvanceTo(subscriber_drops_, stats.subscriber_drops);
  subscribers_.Set(static_cast<double>(stats.subscribers));
}

void ScannerMetrics::UpdateBooks(const BookSourceHealth& h) {
  books_.Add({{"state", "live"}}).Set(static_cast<double>(h.books.live));
  books_.Add({{"state", "stale"}}).Set(static_cast<double>(h.books.stale));
  books_.Add({{"state", "quarantined"}}).Set(static_cast<double>(h.books.quarantined));
  books_.Add({{"state", "closed"}}).Set(static_cast<double>(h.books.closed));
  books_.Add({{"state", "untrusted"}}).Set(static_cast<double>(h.books.untrusted));
  shards_.Add({{"state", "expected"}}).Set(static_cast<double>(h.shards));
  shards_.Add({{"state", "connected"}}).Set(static_cast<double>(h.connected));
  shards_.Add({{"state", "synced"}}).Set(static_cast<double>(h.synced));
}

void ScannerMetrics::SetCatalog(size_t markets) {
  catalog_markets_.Set(static_cast<double>(markets));
}

void ScannerMetrics::CatalogRefresh(bool ok) {
  catalog_refreshes_.Add({{"result", ok ? "ok" : "error"}}).Increment();
}

void ScannerMetrics::RelationsReload(bool ok) {
  relations_reloads_.Add({{"result", ok ? "ok" : "error"}}).Increment();
}

void ScannerMetrics::SetRelationClusters(size_t clusters) {
  relation_clusters_.Set(static_cast<double>(clusters));
}

void ScannerMetrics::SetSubscribers(size_t n) { subscribers_.Set(static_cast<double>(n)); }

}  // namespace arbor::scanner
