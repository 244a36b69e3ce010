#include "arbor/scanner/scan_engine.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace arbor::scanner {
namespace {

// Rejection reasons kept in a CatalogLoadReport (the count is always exact).
constexpr size_t kMaxReportedErrors = 20;

void NoteError(CatalogLoadReport& r, std::string error) {
  ++r.rejected;
  if (r.errors.size() < kMaxReportedErrors) r.errors.push_back(std::move(error));
}

}  // namespace

const char* LaneName(arbor::v1::Lane lane) {
  switch (lane) {
    case arbor::v1::LANE_BINARY:
      return "binary";
    case arbor::v1::LANE_NEGRISK:
      return "negrisk";
    case arbor::v1::LANE_CROSS_VENUE:
      return "cross_venue";
    case arbor::v1::LANE_COMBINATORIAL:
      return "combinatorial";
    case arbor::v1::LANE_EXPIRY_EDGE:
      return "expiry_edge";
    case arbor::v1::LANE_FAIR_VALUE:
      return "fair_value";
    default:
      return "unspecified";
  }
}

ScanEngine::ScanEngine(const lanes::BookReader* books, const Clock* clock,
                       ScanEngineOptions options)
    : books_(books), clock_(clock) {
  if (options.binary_enabled) {
    options.binary.scanner_id = options.scanner_id;
    lanes_.push_back(std::make_unique<LaneAdapter<lanes::BinaryLane>>(
        arbor::v1::LANE_BINARY, &catalog_, books_, clock_, options.binary));
  }
  if (options.negrisk_enabled) {
    options.negrisk.scanner_id = options.scanner_id;
    lanes_.push_back(std::make_unique<LaneAdapter<lanes::NegRiskLane>>(
        arbor::v1::LANE_NEGRISK, &catalog_, books_, clock_, options.negrisk));
  }
  if (options.cross_venue_enabled) {
    options.cross_venue.scanner_id = options.scanner_id;
    lanes_.push_back(std::make_unique<LaneAdapter<lanes::CrossVenueLane>>(
        arbor::v1::LANE_CROSS_VENUE, &catalog_, books_, clock_, std::move(options.mapping),
        options.cross_venue, options.cross_venue_gates));
  }
  if (options.combinatorial_enabled) {
    options.combinatorial.scanner_id = options.scanner_id;
    auto lane = std::make_unique<LaneAdapter<lanes::CombinatorialLane>>(
        arbor::v1::LANE_COMBINATORIAL, &catalog_, books_, clock_, std::move(options.relations),
        options.combinatorial, options.combinatorial_gates);
    combinatorial_ = &lane->impl();
    lanes_.push_back(std::move(lane));
  }
  if (options.expiry_edge_enabled) {
    calibration_ = options.calibration;
    if (calibration_ == nullptr) {
      // Default bands cannot fail to build.
      calibration_ = std::make_shared<quant::CalibrationTable>(*quant::CalibrationTable::Create());
    }
    options.expiry_edge.lane.scanner_id = options.scanner_id;
    auto lane = std::make_unique<LaneAdapter<lanes::ExpiryEdgeLane>>(
        arbor::v1::LANE_EXPIRY_EDGE, &catalog_, books_, clock_, calibration_.get(),
        options.expiry_edge);
    expiry_edge_ = &lane->impl();
    lanes_.push_back(std::move(lane));
  }
}

std::vector<lanes::InstrumentKey> ScanEngine::Instruments() const {
  std::vector<lanes::InstrumentKey> out;
  out.reserve(instruments_.size());
  for (const auto& [key, market] : instruments_) out.push_back(key);
  return out;
}

absl::StatusOr<int> ScanEngine::OnInstrumentResolved(const lanes::InstrumentKey& key,
                                                     int64_t settlement_price_micros) {
  auto it = instruments_.find(key);
  if (it == instruments_.end()) {
    return absl::NotFoundError(
        absl::StrCat("resolved instrument ", key.ToString(), " is not in the catalog"));
  }
  const auto& [market_id, outcome] = it->second;
  if (!resolved_markets_.insert(market_id).second) return 0;
  if (expiry_edge_ == nullptr) return 0;
  std::shared_ptr<const lanes::LaneMarket> market = catalog_.FindMarket(market_id);
  if (market == nullptr || market->outcomes.size() != 2) return 0;
  if (settlement_price_micros == 1'000'000) return OnMarketResolved(market_id, outcome);
  if (settlement_price_micros == 0) return OnMarketResolved(market_id, 1 - outcome);
  expiry_edge_->ForgetMarket(market_id);  // a split settlement says nothing about either side
  return 0;
}

absl::StatusOr<int> ScanEngine::OnMarketResolved(std::string_view market_id, int winning_outcome) {
  if (expiry_edge_ == nullptr) return 0;
  return expiry_edge_->OnMarketResolved(market_id, winning_outcome);
}

absl::StatusOr<size_t> ScanEngine::ReplaceRelations(std::vector<relations::Relation> relations) {
  if (combinatorial_ == nullptr) {
    return absl::FailedPreconditionError("the combinatorial lane is not enabled");
  }
  combinatorial_->SetRelations(std::move(relations));
  return combinatorial_->cluster_count();
}

void ScanEngine::AddLane(std::unique_ptr<ScanLane> lane) {
  lane->RebuildIndex();
  lanes_.push_back(std::move(lane));
}

CatalogLoadReport ScanEngine::ReplaceCatalog(absl::Span<const arbor::v1::Market> markets,
                                             absl::Span<const arbor::v1::Event> events) {
  CatalogLoadReport report;
  auto catalog = std::make_shared<lanes::InMemoryMarketCatalog>();
  absl::flat_hash_map<lanes::InstrumentKey, std::pair<std::string, int>> instruments;
  for (const arbor::v1::Market& m : markets) {
    absl::StatusOr<lanes::LaneMarket> lm = lanes::MarketFromProto(m);
    if (!lm.ok()) {
      NoteError(report, absl::StrCat("market ", m.market_id(), ": ", lm.status().message()));
      continue;
    }
    if (!lm->fees.has_value()) ++report.unknown_fees;
    for (size_t i = 0; i < lm->outcomes.size(); ++i) {
      instruments.emplace(lm->outcomes[i], std::make_pair(lm->market_id, static_cast<int>(i)));
    }
    catalog->Upsert(*std::move(lm));
    ++report.markets;
  }
  for (const arbor::v1::Event& e : events) {
    absl::StatusOr<lanes::LaneEvent> le = lanes::EventFromProto(e);
    if (!le.ok()) {
      NoteError(report, absl::StrCat("event ", e.event_id(), ": ", le.status().message()));
      continue;
    }
    catalog->Upsert(*std::move(le));
    ++report.events;
  }
  catalog_.Replace(std::move(catalog));
  market_count_ = report.markets;
  instruments_ = std::move(instruments);
  // Forget learned-from markets that left the catalog (bounded memory over a long uptime).
  absl::erase_if(resolved_markets_,
                 [&](const std::string& id) { return catalog_.FindMarket(id) == nullptr; });
  for (const std::unique_ptr<ScanLane>& lane : lanes_) lane->RebuildIndex();
  return report;
}

template <typename F>
ScanResult ScanEngine::Run(F&& evaluate) {
  ScanResult result;
  result.lanes.reserve(lanes_.size());
  for (const std::unique_ptr<ScanLane>& lane : lanes_) {
    lanes::LaneEvaluation e = evaluate(*lane);
    LaneResult lr;
    lr.lane = lane->lane();
    lr.counters = e.counters;
    lr.opportunities = e.opportunities.size();
    result.lanes.push_back(lr);
    for (arbor::v1::Opportunity& o : e.opportunities) {
      result.opportunities.push_back(std::move(o));
    }
  }
  return result;
}

ScanResult ScanEngine::OnBooksChanged(absl::Span<const lanes::InstrumentKey> keys) {
  return Run([keys](ScanLane& lane) { return lane.OnBooksChanged(keys); });
}

ScanResult ScanEngine::EvaluateAll() {
  return Run([](ScanLane& lane) { return lane.EvaluateAll(); });
}

}  // namespace arbor::scanner
