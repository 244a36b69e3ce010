// The user channel keeps one Subscriber per session; events come from PolymarketTrading's sink
// and are routed by the signer address the API key belongs to.
#include "arbor/sim/polymarket_user_channel.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

constexpr uint16_t kPolicyViolation = 1008;

bool ReadMarkets(simdjson::ondemand::value v, std::vector<std::string>* out) {
  simdjson::ondemand::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
  for (auto item : arr) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) return false;
    out->push_back(absl::AsciiStrToLower(ToAbsl(s)));
  }
  return true;
}

}  // namespace

PolymarketUserChannel::PolymarketUserChannel(PolymarketTrading* trading) : trading_(trading) {
  trading_->SetUserEventSink([this](std::string_view address, std::string_view condition_id,
                                    std::string frame) { Deliver(address, condition_id, frame); });
}

void PolymarketUserChannel::Attach(HttpServer& server, const std::string& path) {
  server.WsRoute(path, [this](auto socket, auto request) {
    auto session = std::make_shared<WsSession>(
        std::move(socket), [this](WsSession& s, const std::string& text) { OnMessage(s, text); },
        [this](WsSession& s) { sessions_.erase(&s); });
    sessions_[session.get()].session = session;
    session->Accept(std::move(request));
  });
}

void PolymarketUserChannel::OnMessage(WsSession& session, const std::string& text) {
  auto it = sessions_.find(&session);
  if (it == sessions_.end()) return;
  Subscriber& sub = it->second;
  if (text == "PING") {
    session.Send("PONG");
    return;
  }
  simdjson::padded_string body(text);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    if (sub.address.empty()) session.Close(kPolicyViolation, "invalid subscription");
    return;
  }
  std::string api_key, secret, passphrase, operation;
  std::vector<std::string> markets;
  bool has_markets = false;
  bool ok = true;
  for (auto field : obj) {
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
    if (key == "auth") {
      simdjson::ondemand::object auth;
      if (v.get_object().get(auth) != simdjson::SUCCESS) {
        ok = false;
        break;
      }
      for (auto a : auth) {
        std::string_view k, s;
        if (a.unescaped_key().get(k) != simdjson::SUCCESS ||
            a.value().get_string().get(s) != simdjson::SUCCESS) {
          ok = false;
          break;
        }
        if (k == "apiKey") api_key = std::string(s);
        if (k == "secret") secret = std::string(s);
        if (k == "passphrase") passphrase = std::string(s);
      }
    } else if (key == "markets") {
      has_markets = true;
      ok = ReadMarkets(v, &markets);
    } else if (key == "operation") {
      std::string_view s;
      ok = v.get_string().get(s) == simdjson::SUCCESS;
      operation = std::string(s);
    }
    if (!ok) break;
  }
  if (sub.address.empty()) {
    const PolymarketApiKey* key = ok ? trading_->FindApiKey(api_key) : nullptr;
    if (key == nullptr || key->secret != secret || key->passphrase != passphrase) {
      session.Close(kPolicyViolation, "invalid auth");
      return;
    }
    sub.address = key->address;
    for (std::string& m : markets) sub.markets.insert(std::move(m));
    return;
  }
  if (!ok || !has_markets) return;
  for (std::string& m : markets) {
    if (operation == "unsubscribe") {
      sub.markets.erase(m);
    } else {
      sub.markets.insert(std::move(m));
    }
  }
}

void PolymarketUserChannel::Deliver(std::string_view address, std::string_view condition_id,
                                    const std::string& frame) {
  const std::string market = absl::AsciiStrToLower(ToAbsl(condition_id));
  for (auto& [ptr, sub] : sessions_) {
    if (sub.address != address) continue;
    if (!sub.markets.empty() && !sub.markets.contains(market)) continue;
    sub.session->Send(frame);
    ++frames_sent_;
  }
}

}  // namespace arbor::sim
