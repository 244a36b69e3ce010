// ReplayBookFeed (replay_books.h): capture frames -> production codecs and books -> BookSnapshots
// into the scanner's BookCache.
#include "replay_books.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/time/time.h"
#include "arbor/book/order_book.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/log.h"
#include "arbor/v1/book.pb.h"
#include "arbor/venue/kalshi/book_builder.h"
#include "arbor/venue/kalshi/ws_decoder.h"
#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/market_decoder.h"

namespace arbor::arborctl {

namespace polymarket = ::arbor::venue::polymarket;
namespace kalshi = ::arbor::venue::kalshi;

struct ReplayBookFeed::Impl {
  Impl(scanner::BookCache* c, const Clock* k) : cache(c), clock(k) {}
  scanner::BookCache* cache;
  const Clock* clock;
  polymarket::MarketFrameDecoder pm_decoder;
  polymarket::BookSet pm_books;
  kalshi::WsFrameDecoder kalshi_decoder;
  kalshi::BookSet kalshi_books;
  uint64_t sequence = 0;
  v1::BookUpdate update;  // reused

  // Publishes one instrument: its levels when `live`, else an empty QUARANTINED book.
  void Publish(Venue venue, const std::string& symbol, const book::OrderBook* book, bool live,
               bool complement, int64_t recv_unix_ns, ReplayFeedStats* stats) {
    update.Clear();
    v1::BookSnapshot* s = update.mutable_snapshot();
    *s->mutable_instrument_id() =
        scanner::BookKey{.venue = venue, .instrument = InstrumentId(symbol)}.ToProto();
    s->set_sequence(++sequence);
    s->set_book_epoch(1);
    s->set_ts_event_unix_nanos(recv_unix_ns);
    s->set_ts_receipt_unix_nanos(recv_unix_ns);
    s->set_reason(v1::SNAPSHOT_REASON_VENUE_RESYNC);
    if (!live || book == nullptr) {
      s->set_status(v1::BOOK_STATUS_QUARANTINED);
    } else {
      s->set_status(v1::BOOK_STATUS_LIVE);
      auto add = [](google::protobuf::RepeatedPtrField<v1::PriceLevel>* out, int64_t price,
                    int64_t size) {
        v1::PriceLevel* l = out->Add();
        l->set_price_micros(price);
        l->set_size_micros(size);
      };
      if (!complement) {
        book->ForEachLevel(book::BookSide::kBid, [&](const book::Level& l) {
          add(s->mutable_bids(), l.price.micros(), l.size.micros());
        });
        book->ForEachLevel(book::BookSide::kAsk, [&](const book::Level& l) {
          add(s->mutable_asks(), l.price.micros(), l.size.micros());
        });
      } else {
        // The NO view of a YES book: a YES ask at p is a NO bid at 1 - p (best YES ask = best
        // NO bid), a YES bid at p a NO ask at 1 - p.
        book->ForEachLevel(book::BookSide::kAsk, [&](const book::Level& l) {
          add(s->mutable_bids(), kFixedScale - l.price.micros(), l.size.micros());
        });
        book->ForEachLevel(book::BookSide::kBid, [&](const book::Level& l) {
          add(s->mutable_asks(), kFixedScale - l.price.micros(), l.size.micros());
        });
      }
    }
    if (absl::Status st = cache->Apply(0, update); !st.ok()) {
      ARBOR_LOG(kWarning, "replay", "book cache refused a snapshot")
          .Field("instrument", symbol)
          .Field("error", std::string(st.message()));
    }
    ++stats->snapshots;
  }

  void Heartbeat(int64_t recv_unix_ns, bool initial) {
    update.Clear();
    update.mutable_heartbeat()->set_ts_unix_nanos(recv_unix_ns);
    update.mutable_heartbeat()->set_initial_snapshot_complete(initial);
    (void)cache->Apply(0, update);
  }

  void ApplyPolymarket(std::string_view frame, int64_t recv, ReplayFeedStats* stats) {
    absl::StatusOr<const polymarket::MarketFrame*> decoded = pm_decoder.Decode(frame);
    if (!decoded.ok()) {
      ++(decoded.status().code() == absl::StatusCode::kUnimplemented ? stats->unknown
                                                                     : stats->malformed);
      return;
    }
    const polymarket::MarketFrame& f = **decoded;
    // Collect the assets first: Apply may leave some applied and some refused.
    absl::btree_set<std::string> touched;
    for (const polymarket::BookEvent& e : f.books()) touched.emplace(e.asset_id);
    for (const polymarket::PriceChangeEvent& e : f.price_changes()) {
      for (const polymarket::PriceChangeEntry& x : e.entries) touched.emplace(x.asset_id);
    }
    for (const polymarket::TickSizeChangeEvent& e : f.tick_size_changes()) {
      touched.emplace(e.asset_id);
    }
    if (absl::Status s = pm_books.Apply(f); !s.ok()) {
      ++stats->rejected;
    } else {
      ++stats->applied;
    }
    for (const std::string& asset : touched) {
      const std::optional<polymarket::BookState> state = pm_books.State(asset);
      Publish(Venue::kPolymarket, asset, pm_books.Find(asset),
              state.has_value() && *state == polymarket::BookState::kLive, false, recv, stats);
    }
  }

  void PublishKalshi(const std::string& ticker, int64_t recv, ReplayFeedStats* stats) {
    const std::optional<kalshi::MarketStatus> status = kalshi_books.Status(ticker);
    const bool live = status.has_value() && status->live;
    const book::OrderBook* book = kalshi_books.Find(ticker);
    Publish(Venue::kKalshi, ticker + ":YES", book, live, false, recv, stats);
    Publish(Venue::kKalshi, ticker + ":NO", book, live, true, recv, stats);
  }

  void ApplyKalshi(std::string_view frame, int64_t recv, ReplayFeedStats* stats) {
    if (absl::Status s = kalshi_decoder.Decode(frame); !s.ok()) {
      ++(s.code() == absl::StatusCode::kUnimplemented ? stats->unknown : stats->malformed);
      return;
    }
    const kalshi::WsMessage& m = kalshi_decoder.message();
    std::string ticker;
    switch (m.type) {
      case kalshi::MessageType::kOrderbookSnapshot:
        ticker = std::string(m.snapshot.market_ticker);
        break;
      case kalshi::MessageType::kOrderbookDelta:
        ticker = std::string(m.delta.market_ticker);
        break;
      case kalshi::MessageType::kMarketLifecycleV2:
        ticker = std::string(m.lifecycle.market_ticker);
        break;
      default:
        break;
    }
    const kalshi::ApplyResult r = kalshi_books.Apply(m);
    const bool ok =
        r.outcome == kalshi::ApplyOutcome::kApplied || r.outcome == kalshi::ApplyOutcome::kIgnored;
    ++(ok && !r.gap ? stats->applied : stats->rejected);
    absl::btree_set<std::string> touched;
    if (!ticker.empty() && kalshi_books.Find(ticker) != nullptr) touched.insert(ticker);
    // A gap stales every book on the subscription (until the venue resends snapshots).
    if (r.gap) {
      for (std::string& t : kalshi_books.MarketsOnSid(r.gap->sid)) touched.insert(std::move(t));
    }
    for (const std::string& t : touched) PublishKalshi(t, recv, stats);
  }
};

ReplayBookFeed::ReplayBookFeed(scanner::BookCache* cache, const Clock* clock)
    : impl_(std::make_unique<Impl>(cache, clock)) {
  cache->BeginStream(0);
  impl_->Heartbeat(absl::ToUnixNanos(clock->Now()), /*initial=*/true);
}

ReplayBookFeed::~ReplayBookFeed() = default;

void ReplayBookFeed::Apply(Venue venue, int64_t recv_unix_ns, std::string_view frame) {
  ++stats_.records;
  if (venue == Venue::kPolymarket) {
    impl_->ApplyPolymarket(frame, recv_unix_ns, &stats_);
  } else {
    impl_->ApplyKalshi(frame, recv_unix_ns, &stats_);
  }
  impl_->Heartbeat(recv_unix_ns, /*initial=*/false);
}

}  // namespace arbor::arborctl
