#include "arbor/lanes/combinatorial_lane.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "arbor/quant/arbitrage_trade.h"
#include "arbor/quant/frank_wolfe.h"
#include "arbor/quant/ip_oracle.h"
#include "arbor/quant/polytope_model.h"
#include "arbor/relations/relation_store.h"

namespace arbor::lanes {
namespace {

constexpr double kScale = 1e6;  // price / quantity micros per unit
// W >= 1 is checked on integer-valued sums; this absorbs floating-point noise only.
constexpr double kPayoffSlack = 1e-9;

LaneConfig WithMaxEdge(LaneConfig config, Price max_edge_per_set) {
  config.max_edge_per_set = max_edge_per_set;
  return config;
}

std::string OutcomeName(const std::string& market_id, int outcome) {
  return absl::StrCat(market_id, "#", outcome);
}

// Taker fee of one share at `price` (the fee of 100 shares / 100: fee functions round per fill).
double FeePerShare(const quant::LegFees& fees, Price price) {
  absl::StatusOr<Money> fee = fees.Fee(Quantity::FromUnits(100), price);
  if (!fee.ok()) return 0;
  return static_cast<double>(fee->micros()) / kScale / 100.0;
}

}  // namespace

struct CombinatorialLane::Cluster {
  std::string id;
  std::vector<std::string> market_ids;  // sorted
  std::vector<relations::Relation> edges;
  double confidence = 1.0;  // lowest of the relations
  // Built on first evaluation after a rebuild; `problem` non-empty = rejected until the next one.
  bool built = false;
  std::string problem;
  quant::PolytopeModel model;
  std::unique_ptr<quant::IpOracle> oracle;
  std::unique_ptr<quant::BarrierFrankWolfe> fw;
  std::vector<quant::Vertex> warm;  // active set of the last projection
};

CombinatorialLane::CombinatorialLane(const MarketCatalog* catalog, const BookReader* books,
                                     const Clock* clock, std::vector<relations::Relation> relations,
                                     LaneConfig config, CombinatorialConfig comb)
    : BundleLaneBase(catalog, books, clock, WithMaxEdge(std::move(config), comb.max_edge_per_set)),
      relations_(std::move(relations)),
      comb_(comb) {
  RebuildIndex();
}

CombinatorialLane::~CombinatorialLane() = default;

void CombinatorialLane::SetRelations(std::vector<relations::Relation> relations) {
  relations_ = std::move(relations);
  RebuildIndex();
}

void CombinatorialLane::RebuildIndex() {
  index_.clear();
  units_.clear();
  clusters_.clear();
  // The store validates and de-duplicates the relations and links markets into connected
  // components (relations/relation_store.h); an invalid relation is left out, never traded.
  relations::RelationStore store;
  for (const relations::Relation& r : relations_) (void)store.Add(r);
  for (relations::RelationCluster& rc : store.Clusters(comb_.min_confidence, 0)) {
    auto cl = std::make_unique<Cluster>();
    cl->market_ids = std::move(rc.market_ids);
    cl->edges = std::move(rc.relations);
    for (const relations::Relation& r : cl->edges)
      cl->confidence = std::min(cl->confidence, r.confidence);
    cl->id = absl::StrCat("cluster:", cl->market_ids.front());
    for (const std::string& mid : cl->market_ids) {
      std::shared_ptr<const LaneMarket> m = catalog_->FindMarket(mid);
      if (m == nullptr) continue;
      for (const InstrumentKey& k : m->outcomes) index_[k].push_back(cl->id);
    }
    units_.push_back(cl->id);
    clusters_[cl->id] = std::move(cl);
  }
  std::sort(units_.begin(), units_.end());
  for (auto& [key, ids] : index_) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
}

void CombinatorialLane::EvaluateUnit(const std::string& cluster_id, LaneCounters& c,
                                     std::vector<Candidate>& out) {
  auto drop = [&c](DropReason r) { ++c.drops[static_cast<int>(r)]; };
  auto it = clusters_.find(cluster_id);
  if (it == clusters_.end()) return;
  Cluster& cl = *it->second;

  // ---- Markets: every one known, binary, tradable, with a fee model ----
  std::vector<std::shared_ptr<const LaneMarket>> markets;
  markets.reserve(cl.market_ids.size());
  for (const std::string& mid : cl.market_ids) {
    std::shared_ptr<const LaneMarket> m = catalog_->FindMarket(mid);
    if (m == nullptr || m->outcomes.size() != 2) return drop(DropReason::kRelationRejected);
    markets.push_back(std::move(m));
  }
  if (static_cast<int>(markets.size()) > comb_.max_cluster_markets) {
    return drop(DropReason::kRelationRejected);
  }
  for (const auto& m : markets) {
    if (!m->tradable) return drop(DropReason::kMarketNotTradable);
    if (!m->fees.has_value()) return drop(DropReason::kUnknownFeeModel);
  }

  // ---- The model, its oracle and Frank-Wolfe state (once per rebuild) ----
  if (!cl.built) {
    cl.built = true;
    auto build = [&]() -> absl::Status {
      for (const auto& m : markets) {
        if (absl::Status s = cl.model.AddBlock(
                m->market_id, {OutcomeName(m->market_id, 0), OutcomeName(m->market_id, 1)},
                {0.5, 0.5});
            !s.ok()) {
          return s;
        }
      }
      // Questions of one NegRisk event are mutually exclusive (at most one resolves YES), from
      // the catalog, whether or not the relations file says so. Not "exactly one": an event may
      // be augmented or the cluster may hold only some of its questions.
      std::map<std::string, std::vector<std::string>> neg_risk_yes;
      for (const auto& m : markets) {
        if (m->neg_risk && !m->neg_risk_market_id.empty()) {
          neg_risk_yes[m->neg_risk_market_id].push_back(OutcomeName(m->market_id, 0));
        }
      }
      for (const auto& [event, yes] : neg_risk_yes) {
        if (yes.size() < 2) continue;
        if (absl::Status s = cl.model.AddAtMostOne(yes); !s.ok()) return s;
      }
      for (const relations::Relation& r : cl.edges) {
        const std::string a = OutcomeName(r.a.market_id, r.a.outcome);
        const std::string b = OutcomeName(r.b.market_id, r.b.outcome);
        absl::Status s;
        switch (r.kind) {
          case relations::RelationKind::kImplies:
            s = cl.model.AddImplies(a, b);
            break;
          case relations::RelationKind::kExcludes:
            s = cl.model.AddExcludes(a, b);
            break;
          case relations::RelationKind::kEquivalent:
            s = cl.model.AddEquivalent(a, b);
            break;
        }
        if (!s.ok()) return s;
      }
      int64_t candidates = 1;
      for (int b = 0; b < cl.model.num_blocks() && candidates <= comb_.enumerate_up_to; ++b) {
        candidates *= static_cast<int64_t>(cl.model.block(b).outcomes.size());
      }
      if (candidates <= comb_.enumerate_up_to) {
        absl::StatusOr<std::unique_ptr<quant::BruteForceOracle>> o =
            quant::BruteForceOracle::Create(cl.model, comb_.enumerate_up_to);
        if (!o.ok()) return o.status();
        cl.oracle = *std::move(o);
      } else {
        absl::StatusOr<std::unique_ptr<quant::CbcOracle>> o = quant::CbcOracle::Create(cl.model);
        if (!o.ok()) return o.status();
        cl.oracle = *std::move(o);
      }
      quant::FrankWolfeOptions options;
      options.gap_tolerance = comb_.gap_tolerance;
      options.max_iterations = comb_.max_iterations;
      cl.fw = std::make_unique<quant::BarrierFrankWolfe>(cl.model, *cl.oracle, options);
      return cl.fw->Initialize();
    };
    if (absl::Status s = build(); !s.ok()) cl.problem = std::string(s.message());
  }
  if (!cl.problem.empty()) return drop(DropReason::kRelationRejected);

  // ---- Books and prices: best ask + taker fee per share, every token (block order) ----
  std::vector<InstrumentKey> keys;
  for (const auto& m : markets) keys.insert(keys.end(), m->outcomes.begin(), m->outcomes.end());
  std::vector<LaneBook> books;
  if (std::optional<DropReason> r = ReadBooks(keys, books)) return drop(*r);
  const int n = static_cast<int>(keys.size());
  std::vector<double> prices(n);
  for (int i = 0; i < n; ++i) {
    if (books[i].asks.empty()) {
      prices[i] = 1.0;  // cannot be bought: as dear as the most it could pay
      continue;
    }
    const Price ask = books[i].asks.front().price;
    prices[i] =
        static_cast<double>(ask.micros()) / kScale + FeePerShare(*markets[i / 2]->fees, ask);
  }

  // ---- Projection, warm-started from the previous active set ----
  // Asks of a market's two tokens sum to 1 + its spread + fees: a uniform overpricing that is no
  // arbitrage but, left in, makes every token look dear to the projection and hides violations
  // smaller than the spread. Each block is therefore scaled to sum to 1, so the projection sees
  // only the logical inconsistency between markets; what the chosen legs really cost, spread and
  // fees included, is priced from the books below.
  std::vector<double> normalized(prices);
  for (int i = 0; i + 1 < n; i += 2) {
    const double sum = prices[i] + prices[i + 1];
    normalized[i] = prices[i] / sum;
    normalized[i + 1] = prices[i + 1] / sum;
  }
  absl::StatusOr<quant::ProjectionResult> projected = cl.fw->Project(normalized, cl.warm);
  if (!projected.ok() && !cl.warm.empty()) {
    cl.warm.clear();
    projected = cl.fw->Project(normalized);
  }
  if (!projected.ok()) return drop(DropReason::kPricingError);
  cl.warm.clear();
  for (const quant::WeightedVertex& v : projected->active_set) cl.warm.push_back(v.z);

  // ---- The bundle: tokens the projection says are cheap, trimmed while W >= 1 ----
  std::vector<int> set;
  for (int i = 0; i < n; ++i) {
    if (!books[i].asks.empty() && projected->mu[i] > normalized[i] + comb_.leg_threshold) {
      set.push_back(i);
    }
  }
  auto worst_count = [&](const std::vector<int>& legs) -> std::optional<double> {
    std::vector<double> q(n, 0.0);
    for (int i : legs) q[i] = 1.0;
    absl::StatusOr<double> w = quant::OracleWorstCase(*cl.oracle, q);
    if (!w.ok()) return std::nullopt;
    return *w;
  };
  if (set.size() < 2) return;  // inside M (up to fees and spread): nothing to buy
  std::optional<double> w = worst_count(set);
  if (!w.has_value()) return drop(DropReason::kPricingError);
  if (*w < 1.0 - kPayoffSlack) return;  // no covering set at these prices
  std::vector<int> by_price = set;
  std::sort(by_price.begin(), by_price.end(), [&](int a, int b) {
    return prices[a] > prices[b] || (prices[a] == prices[b] && a < b);
  });
  for (int i : by_price) {
    if (set.size() <= 2) break;
    std::vector<int> trial;
    for (int j : set) {
      if (j != i) trial.push_back(j);
    }
    std::optional<double> tw = worst_count(trial);
    if (!tw.has_value()) return drop(DropReason::kPricingError);
    if (*tw >= 1.0 - kPayoffSlack) set = std::move(trial);
  }

  BundleSpec spec;
  spec.kind = quant::BundleKind::kBuyAll;
  spec.lane = arbor::v1::LANE_COMBINATORIAL;
  // The relations guarantee at least one leg pays in every valid outcome (W >= 1, checked above
  // and again on the sized legs below); the pricer's own enumeration sees the legs as one block.
  spec.exhaustive = true;
  for (int i : set) {
    spec.instruments.push_back(&keys[i]);
    spec.books.push_back(&books[i]);
    spec.markets.push_back(markets[i / 2].get());
    const std::string& mid = markets[i / 2]->market_id;
    if (std::find(spec.market_ids.begin(), spec.market_ids.end(), mid) == spec.market_ids.end()) {
      spec.market_ids.push_back(mid);
    }
  }
  const size_t before = out.size();
  PriceBundle(spec, c, out);
  if (out.size() == before) return;

  // ---- Oracle check of the sized legs, then the lane's own fields ----
  arbor::v1::Opportunity& o = out.back().opportunity;
  std::vector<double> q(n, 0.0);
  for (const arbor::v1::OpportunityLeg& leg : o.legs()) {
    absl::StatusOr<InstrumentKey> key = InstrumentKey::FromProto(leg.instrument_id());
    if (!key.ok()) continue;
    for (int i : set) {
      if (keys[i] == *key) q[i] += static_cast<double>(leg.size_micros()) / kScale;
    }
  }
  absl::StatusOr<double> worst = quant::OracleWorstCase(*cl.oracle, q);
  const double payoff = static_cast<double>(o.worst_case_payoff_micros()) / kScale;
  if (!worst.ok() || *worst < payoff - 1e-6) {
    out.pop_back();
    return drop(DropReason::kWorstCaseMismatch);
  }
  // Every leg's event (the market itself when it has none), so that the executor's per-event
  // exposure limits see the bundle.
  for (int i : set) {
    const LaneMarket& m = *markets[i / 2];
    const std::string& event = m.event_id.empty() ? m.market_id : m.event_id;
    if (std::find(o.event_ids().begin(), o.event_ids().end(), event) == o.event_ids().end()) {
      o.add_event_ids(event);
    }
  }
  o.set_confidence(cl.confidence);
  for (const relations::Relation& r : cl.edges) o.add_relation_ids(r.id);
  o.set_projection_divergence(projected->divergence);
  o.set_projection_gap(projected->gap);
  out.back().event_key = cl.id;
}

}  // namespace arbor::lanes
