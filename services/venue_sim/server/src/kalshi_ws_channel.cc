#include "arbor/sim/kalshi_ws_channel.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "arbor/core/json_writer.h"
#include "boost/beast/http.hpp"
#include "simdjson.h"

namespace arbor::sim {
namespace {

namespace http = boost::beast::http;

// Documented error codes (KALSHI.md §4.1 and Kalshi's error registry).
constexpr int kUnableToProcess = 1;
constexpr int kParamsRequired = 2;
constexpr int kChannelsRequired = 3;
constexpr int kSidsRequired = 4;
constexpr int kUnknownCommand = 5;
constexpr int kUnknownSid = 7;
constexpr int kUnknownChannel = 8;
constexpr int kAuthRequired = 9;
constexpr int kInvalidParameter = 11;
constexpr int kExactlyOneSid = 12;
constexpr int kUnsupportedAction = 13;
constexpr int kMarketTickerRequired = 14;
constexpr int kActionRequired = 15;

std::string_view HeaderOf(const http::request<http::string_body>& req, std::string_view name) {
  const auto v = req[boost::beast::string_view(name.data(), name.size())];
  return std::string_view(v.data(), v.size());
}

template <typename T>
inline constexpr bool kIsVariant = false;
template <typename... Ts>
inline constexpr bool kIsVariant<std::variant<Ts...>> = true;

// Calls `fn(stream)` on the stream under what a WsRoute handler receives: a socket, a variant of
// streams (plain TCP or TLS), or a struct holding either in `socket`, such as WsSocket.
template <typename T, typename Fn>
void WithStream(T& s, Fn&& fn) {
  if constexpr (requires { s.socket; }) {
    WithStream(s.socket, std::forward<Fn>(fn));
  } else if constexpr (kIsVariant<T>) {
    std::visit(std::forward<Fn>(fn), s);
  } else {
    fn(s);
  }
}

// Answers an upgrade request with an HTTP error instead of switching protocols, over TLS when
// the connection is TLS; the connection is closed when the write completes (the last owner of
// `conn` goes away). Generic over what the route hands over, so the handler does not depend on
// the socket type.
template <typename Conn>
void RejectUpgrade(Conn conn, unsigned version, http::status status, std::string body) {
  auto held = std::make_shared<Conn>(std::move(conn));
  auto res = std::make_shared<http::response<http::string_body>>(status, version);
  res->set(http::field::content_type, "application/json");
  res->keep_alive(false);
  res->body() = std::move(body);
  res->prepare_payload();
  WithStream(*held, [&](auto& stream) {
    http::async_write(stream, *res, [held, res](boost::beast::error_code, size_t) {});
  });
}

// Kalshi's YES book side and outcome side of a trade's taker: buying YES or selling NO is a bid.
bool TakerBuysYes(const Trade& t) { return (t.taker_outcome == 0) == (t.taker_side == Side::kBuy); }

// The trade's price in YES terms: the resting order's own price, turned to YES terms.
Price YesPrice(const Trade& t) {
  return t.maker_outcome == 0 ? t.maker_price : Complement(t.maker_price);
}

}  // namespace

// One parsed client command.
struct KalshiWsChannel::Command {
  uint64_t id = 0;
  bool has_id = false;
  std::string cmd;
  bool has_params = false;
  std::vector<std::string> channels;
  std::vector<std::string> tickers;  // market_ticker and market_tickers together
  std::vector<uint64_t> sids;        // sid and sids together
  std::string action;
};

bool KalshiWsChannel::Subscription::Covers(int twin) const {
  return all_markets || std::find(twins.begin(), twins.end(), twin) != twins.end();
}

KalshiWsChannel::KalshiWsChannel(Exchange* exchange, KalshiWsAuthenticator authenticator,
                                 KalshiWsOptions options)
    : exchange_(exchange),
      authenticator_(std::move(authenticator)),
      options_(std::move(options)),
      stats_(static_cast<size_t>(exchange->kalshi_twins())) {
  for (int t = 0; t < exchange_->kalshi_twins(); ++t) {
    twin_of_engine_[&exchange_->kalshi_engine(t)] = t;
  }
  exchange_->AddTradeListener(
      [this](const MarketEngine& engine, const Trade& trade) { OnTrade(engine, trade); });
  exchange_->AddLifecycleListener([this](const LifecycleEvent& event) {
    if (event.kalshi) OnLifecycle(event);
  });
}

std::string KalshiWsChannel::LifecycleJson(const LifecycleEvent& event, uint64_t sid,
                                           uint64_t seq) const {
  const KalshiTwin& k = exchange_->universe().kalshi[static_cast<size_t>(event.index)];
  const SimMarket& m = exchange_->universe().markets[static_cast<size_t>(k.polymarket_market)];
  JsonWriter w;
  w.BeginObject()
      .Key("type")
      .String("market_lifecycle_v2")
      .Key("sid")
      .Uint(sid)
      .Key("seq")
      .Uint(seq)
      .Key("msg")
      .BeginObject()
      .Key("market_ticker")
      .String(k.ticker);
  if (event.kind == LifecycleEvent::Kind::kListed) {
    // Field set of samples/kalshi/ws_current/market_lifecycle_v2_created.json (no strike: the
    // simulated markets are yes/no questions).
    w.Key("exchange_index")
        .Int(0)
        .Key("open_ts")
        .Int(event.now_ms / 1000)
        .Key("close_ts")
        .Int(m.end_unix_s)
        .Key("additional_metadata")
        .BeginObject()
        .Key("name")
        .String(m.question)
        .Key("title")
        .String(m.question)
        .Key("yes_sub_title")
        .String("Yes")
        .Key("no_sub_title")
        .String("No")
        .Key("rules_primary")
        .String(m.question)
        .Key("rules_secondary")
        .String("")
        .Key("can_close_early")
        .Bool(true)
        .Key("event_ticker")
        .String(k.event_ticker)
        .Key("expected_expiration_ts")
        .Int(m.end_unix_s)
        .Key("strike_type")
        .String("custom")
        .EndObject()
        .Key("event_type")
        .String("created")
        .Key("price_level_structure")
        .String("linear_cent");
  } else {
    w.Key("event_type")
        .String("determined")
        .Key("result")
        .String(k.winning_outcome == 0 ? "yes" : "no")
        .Key("determination_ts")
        .Int(event.now_ms / 1000);
  }
  w.EndObject().EndObject();
  return w.Take();
}

void KalshiWsChannel::OnLifecycle(const LifecycleEvent& event) {
  if (event.kind == LifecycleEvent::Kind::kResolved) {
    // The cancels of the resolution are not published: the book is closed.
    exchange_->kalshi_engine(event.index).TakeLevelChanges();
  }
  for (auto& [ptr, c] : connections_) {
    for (auto& [sid, sub] : c.subs) {
      if (sub.channel != Channel::kMarketLifecycleV2 || !sub.Covers(event.index)) continue;
      Send(c, LifecycleJson(event, sid, NextSeq(sub)));
    }
  }
}

void KalshiWsChannel::Attach(HttpServer& server, const std::string& path) {
  server.WsRoute(path, [this](auto socket, auto request) {
    const std::string_view key = HeaderOf(request, "KALSHI-ACCESS-KEY");
    const std::string_view ts = HeaderOf(request, "KALSHI-ACCESS-TIMESTAMP");
    const std::string_view sig = HeaderOf(request, "KALSHI-ACCESS-SIGNATURE");
    std::string account;
    const bool anonymous = key.empty() && ts.empty() && sig.empty();
    if (!anonymous || !options_.allow_unauthenticated_public) {
      const std::string_view target(request.target().data(), request.target().size());
      const std::string_view req_path = target.substr(0, target.find('?'));
      absl::StatusOr<std::string> who =
          anonymous ? absl::UnauthenticatedError("missing KALSHI-ACCESS-* headers")
                    : authenticator_(key, ts, sig, "GET", req_path);
      if (!who.ok()) {
        ++rejected_upgrades_;
        JsonWriter body;
        body.BeginObject()
            .Key("error")
            .BeginObject()
            .Key("code")
            .String("unauthorized")
            .Key("message")
            .String(std::string_view(who.status().message().data(), who.status().message().size()))
            .EndObject()
            .EndObject();
        RejectUpgrade(std::move(socket), request.version(), http::status::unauthorized,
                      body.Take());
        return;
      }
      account = std::move(*who);
    }
    auto session = std::make_shared<WsSession>(
        std::move(socket), [this](WsSession& s, const std::string& text) { OnMessage(s, text); },
        [this](WsSession& s) { connections_.erase(&s); });
    Connection& c = connections_[session.get()];
    c.session = session;
    c.account = std::move(account);
    session->Accept(std::move(request));
  });
}

void KalshiWsChannel::Send(Connection& c, std::string frame) {
  c.session->Send(std::move(frame));
  ++frames_sent_;
}

void KalshiWsChannel::SendError(Connection& c, uint64_t id, int code, std::string_view msg) {
  JsonWriter w;
  w.BeginObject();
  if (id > 0) w.Key("id").Uint(id);
  w.Key("type")
      .String("error")
      .Key("msg")
      .BeginObject()
      .Key("code")
      .Int(code)
      .Key("msg")
      .String(msg)
      .EndObject()
      .EndObject();
  Send(c, w.Take());
}

uint64_t KalshiWsChannel::NextSeq(Subscription& sub) { return ++sub.seq; }

void KalshiWsChannel::SkipSeqForTesting(uint64_t sid) {
  for (auto& [ptr, c] : connections_) {
    auto it = c.subs.find(sid);
    if (it != c.subs.end()) ++it->second.seq;
  }
}

size_t KalshiWsChannel::SkipSeqOnAllOrderbookSubscriptions() {
  size_t n = 0;
  for (auto& [ptr, c] : connections_) {
    for (auto& [sid, sub] : c.subs) {
      if (sub.channel != Channel::kOrderbookDelta) continue;
      ++sub.seq;
      ++n;
    }
  }
  return n;
}

void KalshiWsChannel::SendSnapshot(Connection& c, Subscription& sub, int twin, uint64_t reply_id) {
  auto it = sub.books.find(twin);
  if (it == sub.books.end()) {
    const KalshiTwin& k = exchange_->universe().kalshi[static_cast<size_t>(twin)];
    it = sub.books.try_emplace(twin, &exchange_->kalshi_engine(twin), k.ticker, k.market_id).first;
  }
  Send(c, it->second.Snapshot(sub.sid, NextSeq(sub), reply_id));
}

void KalshiWsChannel::OnMessage(WsSession& session, const std::string& text) {
  auto it = connections_.find(&session);
  if (it == connections_.end()) return;
  Connection& c = it->second;

  Command cmd;
  simdjson::padded_string padded(text);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  bool ok = parser.iterate(padded).get(doc) == simdjson::SUCCESS &&
            doc.get_object().get(obj) == simdjson::SUCCESS;
  if (!ok) {
    SendError(c, 0, kUnableToProcess, "Unable to process message");
    return;
  }
  auto strings = [](simdjson::ondemand::value v, std::vector<std::string>* out) {
    simdjson::ondemand::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
    for (auto item : arr) {
      std::string_view s;
      if (item.get_string().get(s) != simdjson::SUCCESS) return false;
      out->emplace_back(s);
    }
    return true;
  };
  for (auto field : obj) {
    if (!ok) break;
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      ok = false;
      break;
    }
    simdjson::ondemand::value v;
    if (field.value().get(v) != simdjson::SUCCESS) {
      ok = false;
      break;
    }
    if (key == "id") {
      ok = v.get_uint64().get(cmd.id) == simdjson::SUCCESS;
      cmd.has_id = ok;
    } else if (key == "cmd") {
      std::string_view s;
      ok = v.get_string().get(s) == simdjson::SUCCESS;
      cmd.cmd = std::string(s);
    } else if (key == "params") {
      simdjson::ondemand::object params;
      ok = v.get_object().get(params) == simdjson::SUCCESS;
      cmd.has_params = ok;
      for (auto p : params) {
        if (!ok) break;
        std::string_view pk;
        simdjson::ondemand::value pv;
        if (p.unescaped_key().get(pk) != simdjson::SUCCESS ||
            p.value().get(pv) != simdjson::SUCCESS) {
          ok = false;
          break;
        }
        if (pk == "channels") {
          ok = strings(pv, &cmd.channels);
        } else if (pk == "market_tickers") {
          ok = strings(pv, &cmd.tickers);
        } else if (pk == "market_ticker") {
          std::string_view s;
          ok = pv.get_string().get(s) == simdjson::SUCCESS;
          cmd.tickers.emplace_back(s);
        } else if (pk == "sids") {
          simdjson::ondemand::array arr;
          ok = pv.get_array().get(arr) == simdjson::SUCCESS;
          for (auto item : arr) {
            uint64_t sid = 0;
            if (!ok || item.get_uint64().get(sid) != simdjson::SUCCESS) {
              ok = false;
              break;
            }
            cmd.sids.push_back(sid);
          }
        } else if (pk == "sid") {
          uint64_t sid = 0;
          ok = pv.get_uint64().get(sid) == simdjson::SUCCESS;
          cmd.sids.push_back(sid);
        } else if (pk == "action") {
          std::string_view s;
          ok = pv.get_string().get(s) == simdjson::SUCCESS;
          cmd.action = std::string(s);
        }
        // Other parameters (use_yes_price, send_initial_snapshot, ...) are accepted and
        // ignored: levels are always priced in each side's own terms (use_yes_price:false).
      }
    }
  }
  if (!ok) {
    SendError(c, cmd.has_id ? cmd.id : 0, kUnableToProcess, "Unable to process message");
    return;
  }
  if (cmd.cmd == "subscribe") {
    Subscribe(c, cmd);
  } else if (cmd.cmd == "unsubscribe") {
    Unsubscribe(c, cmd);
  } else if (cmd.cmd == "update_subscription") {
    UpdateSubscription(c, cmd);
  } else {
    SendError(c, cmd.id, kUnknownCommand, "Unknown command");
  }
}

bool KalshiWsChannel::ResolveTickers(Connection& c, const Command& cmd, std::vector<int>* twins) {
  for (const std::string& t : cmd.tickers) {
    const int twin = exchange_->KalshiTwinOfTicker(t);
    if (twin < 0) {
      SendError(c, cmd.id, kInvalidParameter, "Unknown market ticker: " + t);
      return false;
    }
    if (std::find(twins->begin(), twins->end(), twin) == twins->end()) twins->push_back(twin);
  }
  return true;
}

void KalshiWsChannel::Subscribe(Connection& c, const Command& cmd) {
  if (!cmd.has_params) return SendError(c, cmd.id, kParamsRequired, "Params required");
  if (cmd.channels.empty()) return SendError(c, cmd.id, kChannelsRequired, "Channels required");
  std::vector<Channel> channels;
  for (const std::string& name : cmd.channels) {
    Channel ch;
    if (name == "orderbook_delta") {
      ch = Channel::kOrderbookDelta;
    } else if (name == "ticker") {
      ch = Channel::kTicker;
    } else if (name == "trade") {
      ch = Channel::kTrade;
    } else if (name == "fill") {
      ch = Channel::kFill;
    } else if (name == "market_lifecycle_v2") {
      ch = Channel::kMarketLifecycleV2;
    } else {
      return SendError(c, cmd.id, kUnknownChannel, "Unknown channel name");
    }
    if ((ch == Channel::kOrderbookDelta || ch == Channel::kFill) && c.account.empty()) {
      return SendError(c, cmd.id, kAuthRequired, "Authentication required");
    }
    if (ch == Channel::kOrderbookDelta && cmd.tickers.empty()) {
      return SendError(c, cmd.id, kMarketTickerRequired, "Market Ticker required");
    }
    channels.push_back(ch);
  }
  std::vector<int> twins;
  if (!ResolveTickers(c, cmd, &twins)) return;
  for (size_t i = 0; i < channels.size(); ++i) {
    Subscription& sub = c.subs[c.next_sid];
    sub.sid = c.next_sid++;
    sub.channel = channels[i];
    sub.twins = twins;
    sub.all_markets = twins.empty();
    JsonWriter w;
    w.BeginObject()
        .Key("id")
        .Uint(cmd.id)
        .Key("type")
        .String("subscribed")
        .Key("msg")
        .BeginObject()
        .Key("channel")
        .String(cmd.channels[i])
        .Key("sid")
        .Uint(sub.sid)
        .EndObject()
        .EndObject();
    Send(c, w.Take());
    if (sub.channel == Channel::kOrderbookDelta) {
      for (int twin : twins) SendSnapshot(c, sub, twin, 0);
    }
  }
}

void KalshiWsChannel::Unsubscribe(Connection& c, const Command& cmd) {
  if (!cmd.has_params) return SendError(c, cmd.id, kParamsRequired, "Params required");
  if (cmd.sids.empty()) return SendError(c, cmd.id, kSidsRequired, "Subscription IDs required");
  for (uint64_t sid : cmd.sids) {
    auto it = c.subs.find(sid);
    if (it == c.subs.end()) {
      SendError(c, cmd.id, kUnknownSid, "Unknown subscription ID");
      continue;
    }
    const uint64_t seq = NextSeq(it->second);
    c.subs.erase(it);
    JsonWriter w;
    w.BeginObject()
        .Key("id")
        .Uint(cmd.id)
        .Key("sid")
        .Uint(sid)
        .Key("seq")
        .Uint(seq)
        .Key("type")
        .String("unsubscribed")
        .EndObject();
    Send(c, w.Take());
  }
}

void KalshiWsChannel::UpdateSubscription(Connection& c, const Command& cmd) {
  if (!cmd.has_params) return SendError(c, cmd.id, kParamsRequired, "Params required");
  if (cmd.sids.size() != 1) {
    return SendError(c, cmd.id, kExactlyOneSid, "Exactly one subscription ID is required");
  }
  if (cmd.action.empty()) return SendError(c, cmd.id, kActionRequired, "Action required");
  if (cmd.action != "add_markets" && cmd.action != "delete_markets" &&
      cmd.action != "get_snapshot") {
    return SendError(c, cmd.id, kUnsupportedAction, "Unsupported action");
  }
  if (cmd.tickers.empty()) {
    return SendError(c, cmd.id, kMarketTickerRequired, "Market Ticker required");
  }
  auto it = c.subs.find(cmd.sids[0]);
  if (it == c.subs.end()) return SendError(c, cmd.id, kUnknownSid, "Unknown subscription ID");
  Subscription& sub = it->second;
  std::vector<int> twins;
  if (!ResolveTickers(c, cmd, &twins)) return;

  if (cmd.action == "get_snapshot") {
    if (sub.channel != Channel::kOrderbookDelta) {
      return SendError(c, cmd.id, kUnsupportedAction, "Unsupported action");
    }
    for (int twin : twins) {
      if (!sub.Covers(twin)) {
        const std::string& t = exchange_->universe().kalshi[static_cast<size_t>(twin)].ticker;
        return SendError(c, cmd.id, kInvalidParameter, "Market not in subscription: " + t);
      }
    }
    for (int twin : twins) SendSnapshot(c, sub, twin, cmd.id);
  } else if (cmd.action == "add_markets") {
    if (!sub.all_markets) {
      for (int twin : twins) {
        if (sub.Covers(twin)) continue;
        sub.twins.push_back(twin);
        if (sub.channel == Channel::kOrderbookDelta) SendSnapshot(c, sub, twin, 0);
      }
    }
  } else {  // delete_markets
    for (int twin : twins) {
      sub.twins.erase(std::remove(sub.twins.begin(), sub.twins.end(), twin), sub.twins.end());
      sub.books.erase(twin);
    }
  }
  JsonWriter w;
  w.BeginObject()
      .Key("id")
      .Uint(cmd.id)
      .Key("sid")
      .Uint(sub.sid)
      .Key("seq")
      .Uint(NextSeq(sub))
      .Key("type")
      .String("ok")
      .Key("msg")
      .BeginObject()
      .Key("market_tickers")
      .BeginArray();
  for (int twin : sub.twins) {
    w.String(exchange_->universe().kalshi[static_cast<size_t>(twin)].ticker);
  }
  w.EndArray().EndObject().EndObject();
  Send(c, w.Take());
}

absl::Status KalshiWsChannel::Publish(int64_t now_ms) {
  last_now_ms_ = now_ms;
  for (int twin = 0; twin < exchange_->kalshi_twins(); ++twin) {
    std::vector<LevelChange> changes = exchange_->kalshi_engine(twin).TakeLevelChanges();
    if (changes.empty()) continue;
    stats_[static_cast<size_t>(twin)].dirty = true;
    for (auto& [ptr, c] : connections_) {
      for (auto& [sid, sub] : c.subs) {
        if (sub.channel != Channel::kOrderbookDelta) continue;
        auto book = sub.books.find(twin);
        if (book == sub.books.end()) continue;
        for (std::string& frame : book->second.Deltas(changes, sid, &sub.seq, now_ms)) {
          Send(c, std::move(frame));
        }
      }
    }
  }
  for (int twin = 0; twin < exchange_->kalshi_twins(); ++twin) {
    TwinStats& st = stats_[static_cast<size_t>(twin)];
    if (!st.dirty) continue;
    st.dirty = false;
    for (auto& [ptr, c] : connections_) {
      for (auto& [sid, sub] : c.subs) {
        if (sub.channel == Channel::kTicker && sub.Covers(twin)) {
          Send(c, TickerJson(twin, sid, now_ms));
        }
      }
    }
  }
  return absl::OkStatus();
}

std::string KalshiWsChannel::TickerJson(int twin, uint64_t sid, int64_t now_ms) const {
  const KalshiTwin& k = exchange_->universe().kalshi[static_cast<size_t>(twin)];
  const MarketEngine& e = exchange_->kalshi_engine(twin);
  const TwinStats& st = stats_[static_cast<size_t>(twin)];
  // Best YES bid: the higher of the YES bids and 1 - NO asks (Kalshi's YES ladder); best YES
  // ask: the lower of the YES asks and 1 - NO bids. Levels() lists best first.
  Price bid;
  Quantity bid_size;
  Price ask = kPriceOne;
  Quantity ask_size;
  auto consider = [](const std::vector<std::pair<Price, Quantity>>& levels, bool complement,
                     bool is_bid, Price* best, Quantity* size) {
    for (const auto& [p, q] : levels) {
      const Price yes = complement ? Complement(p) : p;
      if (is_bid ? yes > *best : yes < *best) {
        *best = yes;
        *size = q;
      } else if (yes == *best) {
        *size += q;
      }
    }
  };
  consider(e.Levels(0, Side::kBuy), false, true, &bid, &bid_size);
  consider(e.Levels(1, Side::kSell), true, true, &bid, &bid_size);
  consider(e.Levels(0, Side::kSell), false, false, &ask, &ask_size);
  consider(e.Levels(1, Side::kBuy), true, false, &ask, &ask_size);
  JsonWriter w;
  w.BeginObject()
      .Key("type")
      .String("ticker")
      .Key("sid")
      .Uint(sid)
      .Key("msg")
      .BeginObject()
      .Key("market_id")
      .String(k.market_id)
      .Key("market_ticker")
      .String(k.ticker);
  if (st.traded) w.Key("price_dollars").String(st.last_price.ToFixedString(4));
  w.Key("yes_bid_dollars")
      .String(bid.ToFixedString(4))
      .Key("yes_ask_dollars")
      .String(ask.ToFixedString(4))
      .Key("volume_fp")
      .String(st.volume.ToFixedString(2))
      .Key("dollar_volume")
      .Int(st.dollar_volume.micros() / 1'000'000)
      .Key("yes_bid_size_fp")
      .String(bid_size.ToFixedString(2))
      .Key("yes_ask_size_fp")
      .String(ask_size.ToFixedString(2));
  if (st.traded) w.Key("last_trade_size_fp").String(st.last_size.ToFixedString(2));
  w.Key("ts_ms").Int(now_ms).EndObject().EndObject();
  return w.Take();
}

std::string KalshiWsChannel::FillJson(int twin, const Trade& t, bool taker, uint64_t sid) const {
  const KalshiTwin& k = exchange_->universe().kalshi[static_cast<size_t>(twin)];
  const uint64_t engine_id = taker ? t.taker_order_id : t.maker_order_id;
  KalshiOrderRef ref;
  if (options_.order_ref) {
    ref = options_.order_ref(engine_id);
  } else {
    ref.order_id = std::to_string(engine_id);
  }
  const int outcome = taker ? t.taker_outcome : t.maker_outcome;
  const Side side = taker ? t.taker_side : (t.taker_side == Side::kBuy ? Side::kSell : Side::kBuy);
  // A maker on the other token (mint/merge) trades the same direction as the taker.
  const Side own_side = (!taker && t.maker_outcome != t.taker_outcome) ? t.taker_side : side;
  const bool bid = (outcome == 0) == (own_side == Side::kBuy);
  const char* outcome_name = outcome == 0 ? "yes" : "no";
  JsonWriter w;
  w.BeginObject()
      .Key("type")
      .String("fill")
      .Key("sid")
      .Uint(sid)
      .Key("msg")
      .BeginObject()
      .Key("trade_id")
      .String(std::to_string(t.trade_id))
      .Key("order_id")
      .String(ref.order_id);
  if (!ref.client_order_id.empty()) w.Key("client_order_id").String(ref.client_order_id);
  w.Key("market_ticker")
      .String(k.ticker)
      .Key("is_taker")
      .Bool(taker)
      .Key("side")
      .String(outcome_name)
      .Key("yes_price_dollars")
      .String(YesPrice(t).ToFixedString(4))
      .Key("count_fp")
      .String(t.size.ToFixedString(2))
      .Key("fee_cost")
      .String((taker ? t.taker_fee : Money()).ToFixedString(6))
      .Key("action")
      .String(own_side == Side::kBuy ? "buy" : "sell")
      .Key("ts_ms")
      .Int(last_now_ms_)
      .Key("purchased_side")
      .String(outcome_name)
      .Key("outcome_side")
      .String(outcome_name)
      .Key("book_side")
      .String(bid ? "bid" : "ask")
      .EndObject()
      .EndObject();
  return w.Take();
}

void KalshiWsChannel::OnTrade(const MarketEngine& engine, const Trade& trade) {
  auto found = twin_of_engine_.find(&engine);
  if (found == twin_of_engine_.end()) return;  // a Polymarket market
  const int twin = found->second;
  TwinStats& st = stats_[static_cast<size_t>(twin)];
  const Price yes_price = YesPrice(trade);
  st.volume += trade.size;
  st.dollar_volume += Notional(yes_price, trade.size, Rounding::kHalfUp);
  st.last_price = yes_price;
  st.last_size = trade.size;
  st.traded = true;
  st.dirty = true;
  if (connections_.empty()) return;
  const KalshiTwin& k = exchange_->universe().kalshi[static_cast<size_t>(twin)];
  const bool taker_yes = TakerBuysYes(trade);
  for (auto& [ptr, c] : connections_) {
    for (auto& [sid, sub] : c.subs) {
      if (!sub.Covers(twin)) continue;
      if (sub.channel == Channel::kTrade) {
        JsonWriter w;
        w.BeginObject()
            .Key("type")
            .String("trade")
            .Key("sid")
            .Uint(sid)
            .Key("seq")
            .Uint(NextSeq(sub))
            .Key("msg")
            .BeginObject()
            .Key("trade_id")
            .String(std::to_string(trade.trade_id))
            .Key("market_ticker")
            .String(k.ticker)
            .Key("yes_price_dollars")
            .String(yes_price.ToFixedString(4))
            .Key("no_price_dollars")
            .String(Complement(yes_price).ToFixedString(4))
            .Key("count_fp")
            .String(trade.size.ToFixedString(2))
            .Key("taker_side")
            .String(taker_yes ? "yes" : "no")
            .Key("taker_outcome_side")
            .String(taker_yes ? "yes" : "no")
            .Key("taker_book_side")
            .String(taker_yes ? "bid" : "ask")
            .Key("is_block_trade")
            .Bool(false)
            .Key("ts_ms")
            .Int(last_now_ms_)
            .EndObject()
            .EndObject();
        Send(c, w.Take());
      } else if (sub.channel == Channel::kFill && !c.account.empty()) {
        if (c.account == trade.taker_account) Send(c, FillJson(twin, trade, true, sid));
        if (c.account == trade.maker_account) Send(c, FillJson(twin, trade, false, sid));
      }
    }
  }
}

}  // namespace arbor::sim
