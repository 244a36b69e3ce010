#include "arbor/testing/book_mirror.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace arbor::testing {

std::string BookMirror::Key(const arbor::v1::InstrumentId& id) {
  return absl::StrCat(static_cast<int>(id.venue()), "/", id.symbol());
}

void BookMirror::Violation(std::string what) {
  ++stats_.violations;
  if (stats_.violation_samples.size() < 10) stats_.violation_samples.push_back(std::move(what));
}

void BookMirror::Apply(const arbor::v1::BookUpdate& update) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.messages;
  switch (update.payload_case()) {
    case arbor::v1::BookUpdate::kSnapshot: {
      const auto& s = update.snapshot();
      MirroredBook& b = books_[Key(s.instrument_id())];
      b.bids.clear();
      b.asks.clear();
      for (int i = 0; i < s.bids_size(); ++i) {
        if (i > 0 && s.bids(i).price_micros() >= s.bids(i - 1).price_micros()) {
          Violation(absl::StrCat("unsorted bids in snapshot of ", s.instrument_id().symbol()));
        }
        b.bids[s.bids(i).price_micros()] = s.bids(i).size_micros();
      }
      for (int i = 0; i < s.asks_size(); ++i) {
        if (i > 0 && s.asks(i).price_micros() <= s.asks(i - 1).price_micros()) {
          Violation(absl::StrCat("unsorted asks in snapshot of ", s.instrument_id().symbol()));
        }
        b.asks[s.asks(i).price_micros()] = s.asks(i).size_micros();
      }
      b.sequence = s.sequence();
      b.status = s.status();
      ++b.snapshots;
      ++stats_.snapshots;
      if (s.reason() == arbor::v1::SNAPSHOT_REASON_COALESCED) ++stats_.coalesced_snapshots;
      break;
    }
    case arbor::v1::BookUpdate::kDeltas: {
      const auto& group = update.deltas();
      ++stats_.delta_groups;
      if (group.deltas_size() == 0) Violation("empty delta group");
      for (int i = 0; i < group.deltas_size(); ++i) {
        const auto& d = group.deltas(i);
        const bool last = (d.flags() & arbor::v1::BOOK_DELTA_FLAG_LAST) != 0;
        if (last != (i + 1 == group.deltas_size())) {
          Violation(absl::StrCat("F_LAST misplaced in group of ", d.instrument_id().symbol()));
        }
        auto it = books_.find(Key(d.instrument_id()));
        if (it == books_.end()) {
          Violation(absl::StrCat("delta before snapshot for ", d.instrument_id().symbol()));
          continue;
        }
        MirroredBook& b = it->second;
        if (d.sequence() != b.sequence + 1) {
          Violation(absl::StrCat("sequence ", d.sequence(), " after ", b.sequence, " for ",
                                 d.instrument_id().symbol()));
        }
        b.sequence = d.sequence();
        Ladder& side = d.side() == arbor::v1::BOOK_SIDE_BID ? b.bids : b.asks;
        switch (d.action()) {
          case arbor::v1::BOOK_ACTION_SET:
            side[d.price_micros()] = d.size_micros();
            break;
          case arbor::v1::BOOK_ACTION_DELETE:
            side.erase(d.price_micros());
            break;
          case arbor::v1::BOOK_ACTION_CLEAR:
            if (d.side() == arbor::v1::BOOK_SIDE_UNSPECIFIED) {
              b.bids.clear();
              b.asks.clear();
            } else {
              side.clear();
            }
            break;
          default:
            Violation(absl::StrCat("bad action for ", d.instrument_id().symbol()));
        }
      }
      break;
    }
    case arbor::v1::BookUpdate::kStatus: {
      const auto& s = update.status();
      auto it = books_.find(Key(s.instrument_id()));
      if (it == books_.end()) {
        Violation(absl::StrCat("status before snapshot for ", s.instrument_id().symbol()));
      } else {
        it->second.status = s.status();
        it->second.last_status_reason = s.reason();
      }
      ++stats_.status_updates;
      break;
    }
    case arbor::v1::BookUpdate::kInstrument: {
      const auto& u = update.instrument();
      if (u.kind() != arbor::v1::INSTRUMENT_UPDATE_KIND_RESOLVED) break;
      ++stats_.resolutions;
      auto it = books_.find(Key(u.instrument().instrument_id()));
      if (it == books_.end()) {
        Violation(absl::StrCat("resolution before snapshot for ",
                               u.instrument().instrument_id().symbol()));
      } else if (it->second.status != arbor::v1::BOOK_STATUS_CLOSED) {
        Violation(absl::StrCat("resolution of a book not closed: ",
                               u.instrument().instrument_id().symbol()));
      } else if (!u.instrument().has_settlement_price_micros()) {
        Violation(absl::StrCat("resolution without a settlement price: ",
                               u.instrument().instrument_id().symbol()));
      } else {
        it->second.settlement_price_micros = u.instrument().settlement_price_micros();
      }
      break;
    }
    case arbor::v1::BookUpdate::kHeartbeat:
      ++stats_.heartbeats;
      if (update.heartbeat().initial_snapshot_complete()) stats_.initial_burst_complete = true;
      break;
    default:
      break;
  }
}

MirrorStats BookMirror::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::map<std::string, MirroredBook> BookMirror::books() const {
  std::lock_guard<std::mutex> lock(mu_);
  return books_;
}

}  // namespace arbor::testing
