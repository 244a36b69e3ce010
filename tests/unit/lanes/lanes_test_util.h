// Shared fakes and builders for the arbor::lanes tests: an in-memory BookReader that counts reads,
// decimal literals, and catalog builders for binary markets and NegRisk events.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"
#include "arbor/lanes/inputs.h"

namespace arbor::lanes::testing {

inline Price P(std::string_view s) { return *Price::Parse(s); }
inline Quantity Q(std::string_view s) { return *Quantity::Parse(s); }
inline Money M(std::string_view s) { return *Money::Parse(s); }

inline InstrumentKey Key(std::string_view symbol) {
  return InstrumentKey{Venue::kPolymarket, InstrumentId(symbol)};
}

// {{"0.62", "100"}, ...} best first as given.
inline std::vector<book::Level> Ladder(
    std::initializer_list<std::pair<const char*, const char*>> levels) {
  std::vector<book::Level> out;
  for (const auto& [price, size] : levels) out.push_back({P(price), Q(size)});
  return out;
}

struct StoredBook {
  std::vector<book::Level> bids;
  std::vector<book::Level> asks;
  BookStatus status = BookStatus::kLive;
  bool trusted = true;
  bool fresh = true;
  uint64_t sequence = 1;
  uint64_t epoch = 1;
  int64_t ts_event_unix_nanos = 1'700'000'000'000'000'000;
  int64_t ts_receipt_unix_nanos = 1'700'000'000'001'000'000;
};

class FakeBookReader final : public BookReader {
 public:
  StoredBook& Set(const InstrumentKey& key, std::vector<book::Level> bids,
                  std::vector<book::Level> asks) {
    auto stored = std::make_shared<StoredBook>();
    stored->bids = std::move(bids);
    stored->asks = std::move(asks);
    books_[key] = stored;
    return *stored;
  }
  StoredBook& Get(const InstrumentKey& key) { return *books_.at(key); }

  std::optional<LaneBook> Read(const InstrumentKey& key, absl::Duration) const override {
    ++reads_[key];
    auto it = books_.find(key);
    if (it == books_.end()) return std::nullopt;
    const std::shared_ptr<StoredBook>& s = it->second;
    LaneBook b;
    b.bids = s->bids;
    b.asks = s->asks;
    b.status = s->status;
    b.trusted = s->trusted;
    b.fresh = s->fresh;
    b.sequence = s->sequence;
    b.epoch = s->epoch;
    b.ts_event_unix_nanos = s->ts_event_unix_nanos;
    b.ts_receipt_unix_nanos = s->ts_receipt_unix_nanos;
    b.owner = s;
    return b;
  }

  int reads(const InstrumentKey& key) const {
    auto it = reads_.find(key);
    return it == reads_.end() ? 0 : it->second;
  }
  int total_reads() const {
    int n = 0;
    for (const auto& [k, v] : reads_) n += v;
    return n;
  }
  void ResetReads() { reads_.clear(); }

 private:
  absl::flat_hash_map<InstrumentKey, std::shared_ptr<StoredBook>> books_;
  mutable absl::flat_hash_map<InstrumentKey, int> reads_;
};

// A 2-outcome Polymarket market "<id>" with instruments "<id>-Y" / "<id>-N", tick 0.01, no fee,
// no minimums, lot 0.01.
inline LaneMarket BinaryMarket(const std::string& id, const std::string& event_id = "") {
  LaneMarket m;
  m.market_id = id;
  m.event_id = event_id;
  m.outcomes = {Key(id + "-Y"), Key(id + "-N")};
  m.fees = quant::LegFees::None();
  m.grid = {{P("0.01"), P("0.99"), P("0.01")}};
  return m;
}

inline InstrumentKey Yes(const std::string& market) { return Key(market + "-Y"); }
inline InstrumentKey No(const std::string& market) { return Key(market + "-N"); }

// A NegRisk event "<id>" over markets "<id>.0", "<id>.1", ... (question index i). Markets in
// `placeholders` are placeholders; `augmented` marks the event and its markets.
inline void AddNegRiskEvent(InMemoryMarketCatalog& catalog, const std::string& id, int n,
                            bool augmented = false, std::vector<int> placeholders = {}) {
  LaneEvent e;
  e.event_id = id;
  e.neg_risk = true;
  e.neg_risk_market_id = "0xnr-" + id;
  e.augmented = augmented;
  for (int i = 0; i < n; ++i) {
    LaneMarket m = BinaryMarket(id + "." + std::to_string(i), id);
    m.neg_risk = true;
    m.neg_risk_market_id = e.neg_risk_market_id;
    m.augmented = augmented;
    m.question_index = static_cast<uint32_t>(i);
    for (int p : placeholders) m.placeholder = m.placeholder || p == i;
    e.market_ids.push_back(m.market_id);
    catalog.Upsert(std::move(m));
  }
  catalog.Upsert(std::move(e));
}

}  // namespace arbor::lanes::testing
