// File: arbor/scanner/scanner_metrics.h
//
// ScannerMetrics: the scanner's Prometheus series (docs/scanner.md lists them with their labels).
//
//   arbor_scanner_lane_evaluations_total{lane}        units (markets / events / pairs) evaluated
//   arbor_scanner_detections_total{lane}              opportunities the lanes emitted
//   arbor_scanner_opportunities_total{lane}           new opportunities published
//   arbor_scanner_drops_total{lane,reason}            hygiene drops (lanes::DropReason names)
//   arbor_scanner_edge_per_set_usd{lane}              histogram of published edges per set
//   arbor_scanner_tick_to_opportunity_seconds{lane}   feed receipt of the newest source book event
//                                                     → opportunity created (histogram)
//   arbor_scanner_pass_seconds                        one engine pass (histogram)
//   arbor_scanner_live_opportunities{lane}            gauge
//   arbor_scanner_withdrawals_total{reason}           edge_gone, expired, book_unhealthy,
//   superseded arbor_scanner_books{state}                        live, stale, quarantined, closed,
//   untrusted arbor_scanner_shards{state}                       expected, connected, synced
//   arbor_scanner_catalog_markets                     markets in the catalog
//   arbor_scanner_catalog_refreshes_total{result}     ok, error
//   arbor_scanner_subscribers                         StreamOpportunities subscribers
//   arbor_scanner_subscriber_drops_total              opportunities dropped for slow subscribers
//   arbor_scanner_resolutions_total{result}           resolved instruments: learned, ignored,
//                                                     unknown (not in the catalog), error
//   arbor_scanner_calibration_observations_total      expiry-edge calibration observations added
//
// Thread-safe (prometheus-cpp metrics are).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "arbor/lanes/lanes.h"
#include "arbor/scanner/book_cache.h"
#include "arbor/scanner/feed_subscriber.h"
#include "arbor/scanner/opportunity_board.h"
#include "arbor/scanner/scan_engine.h"
#include "arbor/v1/opportunity.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace arbor::scanner {

class ScannerMetrics {
 public:
  explicit ScannerMetrics(prometheus::Registry& registry);

  // One engine pass: per-lane counters and its duration.
  void RecordPass(const ScanResult& result, double seconds);
  // One newly published opportunity (edge and tick-to-opportunity latency).
  void RecordPublished(const arbor::v1::Opportunity& o);
  // Board, book and shard state (called periodically by the lane thread).
  void UpdateBoard(const BoardStats& stats);
  void UpdateBooks(const BookSourceHealth& health);
  void SetCatalog(size_t markets);
  void CatalogRefresh(bool ok);
  // One reload of the changed relations file (combinatorial lane); after an error the old
  // relations stay in use.
  void RelationsReload(bool ok);
  // Clusters of related markets the combinatorial lane trades (after a catalog swap or reload).
  void SetRelationClusters(size_t clusters);
  void SetSubscribers(size_t n);
  // One resolved instrument: `result` is learned / ignored / unknown / error.
  void RecordResolution(const char* result, int observations);

  static const std::vector<double>& LatencyBuckets();

 private:
  prometheus::Family<prometheus::Counter>& evaluations_;
  prometheus::Family<prometheus::Counter>& detections_;
  prometheus::Family<prometheus::Counter>& opportunities_;
  prometheus::Family<prometheus::Counter>& drops_;
  prometheus::Family<prometheus::Histogram>& edge_;
  prometheus::Family<prometheus::Histogram>& tick_to_opportunity_;
  prometheus::Histogram& pass_;
  prometheus::Family<prometheus::Gauge>& live_;
  prometheus::Family<prometheus::Counter>& withdrawals_;
  prometheus::Family<prometheus::Gauge>& books_;
  prometheus::Family<prometheus::Gauge>& shards_;
  prometheus::Gauge& catalog_markets_;
  prometheus::Family<prometheus::Counter>& catalog_refreshes_;
  prometheus::Family<prometheus::Counter>& relations_reloads_;
  prometheus::Gauge& relation_clusters_;
  prometheus::Gauge& subscribers_;
  prometheus::Counter& subscriber_drops_;
  prometheus::Family<prometheus::Counter>& resolutions_;
  prometheus::Counter& observations_;
};

}  // namespace arbor::scanner
