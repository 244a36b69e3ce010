#include "arbor/sim/polymarket_market_channel.h"

#include <utility>
#include <vector>

#include "arbor/sim/polymarket_feed.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

constexpr char kInvalidOperation[] = "INVALID OPERATION";

}  // namespace

PolymarketMarketChannel::PolymarketMarketChannel(Exchange* exchange) : exchange_(exchange) {
  const int n = exchange_->markets();
  touch_.resize(static_cast<size_t>(2 * n));
  for (int i = 0; i < n; ++i) {
    for (int outcome = 0; outcome < 2; ++outcome) {
      touch_[static_cast<size_t>(2 * i + outcome)] = CurrentTouch(i, outcome);
    }
  }
  exchange_->AddTradeListener([this](const MarketEngine& engine, const Trade& trade) {
    if (sessions_.empty()) return;  // nobody to tell; do not queue
    const int market = exchange_->MarketOfToken(engine.config().yes_token);
    if (market >= 0) trades_.push_back(PendingTrade{market, trade});  // Kalshi twins: -1
  });
  exchange_->AddTickChangeListener([this](int market, Price old_tick, Price new_tick) {
    auto [it, inserted] = tick_changes_.try_emplace(market, TickChange{old_tick, new_tick});
    if (!inserted) it->second.new_tick = new_tick;
  });
  exchange_->AddLifecycleListener([this](const LifecycleEvent& event) {
    if (!event.kalshi) OnLifecycle(event);
  });
}

void PolymarketMarketChannel::OnLifecycle(const LifecycleEvent& event) {
  const int market = event.index;
  MarketEngine& e = exchange_->engine(market);
  // Listing quotes and resolution cancels are not published as price_change: a new market's
  // subscribers get a snapshot below; a resolved market's book is dead.
  e.TakeLevelChanges();
  tick_changes_.erase(market);
  for (int outcome = 0; outcome < 2; ++outcome) {
    touch_[static_cast<size_t>(2 * market + outcome)] = CurrentTouch(market, outcome);
  }
  const SimMarket& m = exchange_->universe().markets[static_cast<size_t>(market)];
  const bool listed = event.kind == LifecycleEvent::Kind::kListed;
  std::string frame;
  for (auto& [ptr, sub] : sessions_) {
    if (!sub.custom_features) continue;
    if (frame.empty()) {
      frame = listed ? PolymarketWsNewMarketEvent(exchange_->universe(), m, event.now_ms)
                     : PolymarketWsMarketResolvedEvent(m, event.now_ms);
    }
    Send(sub, frame);
  }
  if (!listed) return;
  for (auto& [ptr, sub] : sessions_) {
    std::vector<std::string> assets;
    for (int outcome = 0; outcome < 2; ++outcome) {
      if (sub.assets.contains(e.token(outcome))) assets.push_back(e.token(outcome));
    }
    if (!assets.empty()) SendSnapshots(sub, assets, event.now_ms);
  }
}

PolymarketMarketChannel::Touch PolymarketMarketChannel::CurrentTouch(int market,
                                                                     int outcome) const {
  const MarketEngine& e = exchange_->engine(market);
  return Touch{e.BestPrice(outcome, Side::kBuy), e.BestPrice(outcome, Side::kSell)};
}

void PolymarketMarketChannel::PublishTickChange(int market, const TickChange& change,
                                                int64_t now_ms) {
  const MarketEngine& e = exchange_->engine(market);
  for (auto& [ptr, sub] : sessions_) {
    std::vector<std::string> assets;
    for (int outcome = 0; outcome < 2; ++outcome) {
      if (!sub.assets.contains(e.token(outcome))) continue;
      Send(sub,
           PolymarketWsTickSizeChangeEvent(e, outcome, change.old_tick, change.new_tick, now_ms));
      assets.push_back(e.token(outcome));
    }
    if (!assets.empty()) SendSnapshots(sub, assets, now_ms);
  }
}

void PolymarketMarketChannel::Attach(HttpServer& server, const std::string& path) {
  server.WsRoute(path, [this](auto socket, auto req) {
    auto session = std::make_shared<WsSession>(
        std::move(socket), [this](WsSession& s, const std::string& text) { OnMessage(s, text); },
        [this](WsSession& s) { sessions_.erase(&s); });
    sessions_[session.get()].session = session;
    session->Accept(std::move(req));
  });
}

void PolymarketMarketChannel::Send(Subscriber& sub, std::string frame) {
  sub.session->Send(std::move(frame));
  ++frames_sent_;
}

void PolymarketMarketChannel::SendSnapshots(Subscriber& sub, const std::vector<std::string>& assets,
                                            int64_t now_ms) {
  if (sub.assets.size() > kMaxSnapshotAssets) return;  // the venue's silent limit
  std::string frame = "[";
  bool any = false;
  for (const std::string& asset : assets) {
    const int market = exchange_->MarketOfToken(asset);
    if (market < 0) continue;
    const MarketEngine& e = exchange_->engine(market);
    absl::StatusOr<venue::polymarket::BookSummary> s =
        PolymarketBookSummary(e, e.token(0) == asset ? 0 : 1, now_ms);
    if (!s.ok()) continue;
    if (any) frame += ",";
    frame += PolymarketWsBookEvent(*s);
    any = true;
  }
  frame += "]";
  if (any) Send(sub, std::move(frame));
}

void PolymarketMarketChannel::OnMessage(WsSession& session, const std::string& text) {
  auto it = sessions_.find(&session);
  if (it == sessions_.end()) return;
  Subscriber& sub = it->second;
  if (text == "PING") {
    Send(sub, "PONG");
    return;
  }
  simdjson::padded_string padded(text);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    Send(sub, kInvalidOperation);
    return;
  }
  std::vector<std::string> assets;
  std::string type;
  std::string operation;
  std::optional<bool> custom;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      Send(sub, kInvalidOperation);
      return;
    }
    if (key == "assets_ids") {
      simdjson::ondemand::array arr;
      if (field.value().get_array().get(arr) != simdjson::SUCCESS) {
        Send(sub, kInvalidOperation);
        return;
      }
      for (auto item : arr) {
        std::string_view id;
        if (item.get_string().get(id) == simdjson::SUCCESS) assets.emplace_back(id);
      }
    } else if (key == "custom_feature_enabled") {
      bool on = false;
      if (field.value().get_bool().get(on) != simdjson::SUCCESS) {
        Send(sub, kInvalidOperation);
        return;
      }
      custom = on;
    } else if (key == "type" || key == "operation") {
      std::string_view v;
      if (field.value().get_string().get(v) == simdjson::SUCCESS) {
        (key == "type" ? type : operation) = std::string(v);
      }
    }
  }
  const int64_t now_ms = last_now_ms_;
  if (type == "market" && operation.empty()) {
    if (sub.initialized) {
      Send(sub, kInvalidOperation);  // the initial frame may be sent once per connection
      return;
    }
    sub.initialized = true;
    if (custom) sub.custom_features = *custom;
    for (const std::string& a : assets) sub.assets.insert(a);
    SendSnapshots(sub, assets, now_ms);
  } else if (operation == "subscribe") {
    // The venue applies custom_feature_enabled before looking at the assets.
    if (custom) sub.custom_features = *custom;
    std::vector<std::string> added;
    for (const std::string& a : assets) {
      if (sub.assets.insert(a).second) added.push_back(a);
    }
    SendSnapshots(sub, added, now_ms);
  } else if (operation == "unsubscribe") {
    for (const std::string& a : assets) sub.assets.erase(a);
  } else {
    Send(sub, kInvalidOperation);
  }
}

absl::Status PolymarketMarketChannel::Publish(int64_t now_ms) {
  last_now_ms_ = now_ms;
  const int n = static_cast<int>(exchange_->universe().markets.size());
  for (int i = 0; i < n; ++i) {
    MarketEngine& e = exchange_->engine(i);
    std::vector<LevelChange> changes = e.TakeLevelChanges();
    if (auto tc = tick_changes_.find(i); tc != tick_changes_.end()) {
      // The snapshots that follow the tick change carry this step's levels.
      PublishTickChange(i, tc->second, now_ms);
      changes.clear();
    }
    if (changes.empty() || sessions_.empty()) continue;
    // Rendered at most once per subset of tokens: both, YES only, NO only.
    std::string rendered[3];
    for (auto& [ptr, sub] : sessions_) {
      const bool yes = sub.assets.contains(e.token(0));
      const bool no = sub.assets.contains(e.token(1));
      if (!yes && !no) continue;
      const int variant = yes && no ? 0 : (yes ? 1 : 2);
      if (rendered[variant].empty()) {
        std::vector<LevelChange> subset;
        for (const LevelChange& c : changes) {
          if (variant == 0 || (variant == 1) == (c.outcome == 0)) subset.push_back(c);
        }
        absl::StatusOr<std::string> event = PolymarketWsPriceChangeEvent(e, subset, now_ms);
        if (!event.ok()) return event.status();
        rendered[variant] = std::move(*event);
      }
      if (!rendered[variant].empty()) Send(sub, rendered[variant]);
    }
    // Touches after the level changes that made them (custom-feature connections only).
    for (int outcome = 0; outcome < 2; ++outcome) {
      Touch& last = touch_[static_cast<size_t>(2 * i + outcome)];
      const Touch now = CurrentTouch(i, outcome);
      if (now == last) continue;
      last = now;
      std::string event;
      for (auto& [ptr, sub] : sessions_) {
        if (!sub.custom_features || !sub.assets.contains(e.token(outcome))) continue;
        if (event.empty()) event = PolymarketWsBestBidAskEvent(e, outcome, now_ms);
        Send(sub, event);
      }
    }
  }
  tick_changes_.clear();
  for (const PendingTrade& p : trades_) {
    const MarketEngine& e = exchange_->engine(p.market);
    const std::string& token = e.token(p.trade.taker_outcome);
    std::string event;
    for (auto& [ptr, sub] : sessions_) {
      if (!sub.assets.contains(token)) continue;
      if (event.empty()) event = PolymarketWsLastTradeEvent(e, p.trade, now_ms);
      Send(sub, event);
    }
  }
  trades_.clear();
  return absl::OkStatus();
}

}  // namespace arbor::sim
