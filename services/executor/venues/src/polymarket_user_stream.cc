// PolymarketUserStream: one user-channel WebSocket with reconnects; trade events become the
// fills of our orders through the gateway's PolymarketOrderFills. See the header.
#include "arbor/executor/polymarket_user_stream.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "arbor/core/check.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/log.h"
#include "arbor/core/strings.h"

namespace arbor::executor {
namespace pm = venue::polymarket;

namespace {

// The longest single wait of the supervisor: deadlines are on the injected clock, waits on the
// real one, so a simulated clock moved by hand is noticed within this.
constexpr int64_t kMaxWaitNanos = 100'000'000;
// How long the close handshake may run before the client is torn down.
constexpr std::chrono::seconds kCloseWait(1);

void Cleanse(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(ToAbsl(s)); }

int64_t Nanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

// A wait of `left` nanoseconds of the injected clock, in real time, capped at kMaxWaitNanos.
std::chrono::nanoseconds WaitFor(int64_t left) {
  return std::chrono::nanoseconds(std::clamp<int64_t>(left, 0, kMaxWaitNanos));
}

// Statuses under which a trade is a fill: matched, then settling on chain. RETRYING /
// MATCHED_NOT_BROADCASTED / unknown ones are left to polling (the REST path reports every status
// but FAILED; a match pushed later with MINED / CONFIRMED is delivered then).
bool IsFillStatus(pm::TradeStatus status) {
  return status == pm::TradeStatus::kMatched || status == pm::TradeStatus::kMined ||
         status == pm::TradeStatus::kConfirmed;
}

// Logs the 1st, 2nd, 4th, 8th, ... occurrence: malformed frames stay visible without flooding.
bool PowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace

// One WebSocket connection's state. `decoder` is used only on that client's I/O thread; the
// other fields are guarded by the stream's mu_ (a change of `closed` is signalled on cv_).
struct PolymarketUserStream::Connection {
  pm::UserFrameDecoder decoder;
  bool closed = false;      // on_close delivered
  bool subscribed = false;  // the venue answered after the subscribe frame
  int close_code = 0;
  std::string close_reason;
  int64_t last_frame_nanos = 0;
};

PolymarketUserStream::Options PolymarketUserStream::OptionsFor(const PolymarketGateway& gateway,
                                                               net::Origin origin) {
  Options o;
  o.clob = std::move(origin);
  o.creds = gateway.credentials();
  o.our_address = gateway.maker_address();
  o.fee_exponent = gateway.fee_exponent();
  return o;
}

PolymarketUserStream::PolymarketUserStream(Options options, const Clock* clock,
                                           FillCallback on_fills)
    : options_(std::move(options)),
      clock_(clock),
      on_fills_(std::move(on_fills)),
      our_address_lower_(Lower(options_.our_address)) {
  ARBOR_CHECK(clock_ != nullptr, "PolymarketUserStream needs a clock");
  ARBOR_CHECK(static_cast<bool>(on_fills_), "PolymarketUserStream needs a fill callback");
}

PolymarketUserStream::~PolymarketUserStream() {
  Stop();
  Cleanse(&options_.creds.api_key);
  Cleanse(&options_.creds.secret);
  Cleanse(&options_.creds.passphrase);
}

void PolymarketUserStream::Start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_ || stopping_) return;
    started_ = true;
  }
  thread_ = std::thread([this] { Run(); });
}

void PolymarketUserStream::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PolymarketUserStream::Stats PolymarketUserStream::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

bool PolymarketUserStream::TakerIsOurs(const pm::TradeEvent& trade) const {
  // The event goes to each participant; trader_side says which side the receiver was. The
  // top-level maker_address is the taker order's maker (checked too, for payloads without
  // trader_side and for a match between two of our own orders).
  if (trade.trader_side == pm::TraderSide::kTaker) return true;
  return !our_address_lower_.empty() && Lower(trade.maker_address) == our_address_lower_;
}

bool PolymarketUserStream::MakerIsOurs(const pm::MakerOrderFill& leg) const {
  if (!our_address_lower_.empty() && Lower(leg.maker_address) == our_address_lower_) return true;
  return !options_.creds.api_key.empty() && leg.owner == options_.creds.api_key;
}

std::vector<std::pair<std::string, std::vector<exec::VenueFill>>> PolymarketUserStream::FillsOf(
    const pm::TradeEvent& trade) const {
  std::vector<std::pair<std::string, std::vector<exec::VenueFill>>> out;
  if (!IsFillStatus(trade.status)) return out;
  std::vector<std::string> ids;
  auto add = [&ids](std::string_view id) {
    std::string lower = Lower(id);
    if (!lower.empty() && std::find(ids.begin(), ids.end(), lower) == ids.end()) {
      ids.push_back(std::move(lower));
    }
  };
  if (TakerIsOurs(trade)) add(trade.taker_order_id);
  for (const pm::MakerOrderFill& leg : trade.maker_orders) {
    if (MakerIsOurs(leg)) add(leg.order_id);
  }
  for (std::string& id : ids) {
    // The gateway's own function: the same match gives the same fills on both paths.
    std::vector<exec::VenueFill> fills =
        PolymarketOrderFills(id, absl::MakeConstSpan(&trade, 1), options_.fee_exponent);
    if (!fills.empty()) out.emplace_back(std::move(id), std::move(fills));
  }
  return out;
}

bool PolymarketUserStream::WaitUntilStopping(int64_t deadline_nanos) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const int64_t left = deadline_nanos - clock_->MonotonicNanos();
    if (left <= 0) return false;
    cv_.wait_for(lock, WaitFor(left), [this] { return stopping_; });
  }
  return true;
}

void PolymarketUserStream::Run() {
  // Seeded per process start so that several executors do not reconnect in lockstep.
  net::Backoff backoff(options_.backoff, static_cast<uint64_t>(clock_->MonotonicNanos()));
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    // A connection that was accepted resets the backoff; one refused at once (bad credentials,
    // the venue down) backs off further each time.
    if (RunConnection()) backoff.Reset();
    const absl::Duration delay = backoff.Next();
    if (WaitUntilStopping(clock_->MonotonicNanos() + Nanos(delay))) return;
  }
}

bool PolymarketUserStream::RunConnection() {
  auto conn = std::make_shared<Connection>();
  net::WsHandlers handlers;
  handlers.on_message = [this, conn](std::string_view message, bool is_text) {
    OnMessage(*conn, message, is_text);
  };
  handlers.on_close = [this, conn](const net::WsCloseInfo& info) { OnClose(*conn, info); };
  absl::StatusOr<std::unique_ptr<net::WsClient>> connected =
      net::WsClient::Connect(options_.ws, options_.clob, options_.path, {}, std::move(handlers));
  if (!connected.ok()) {
    uint64_t failures;
    {
      std::lock_guard<std::mutex> lock(mu_);
      failures = ++stats_.connect_failures;
    }
    if (PowerOfTwo(failures)) {
      ARBOR_LOG(kWarning, "executor", "polymarket user channel: connect failed")
          .Field("error", FromAbsl(connected.status().message()))
          .Field("failures", static_cast<int64_t>(failures));
    }
    return false;
  }
  std::unique_ptr<net::WsClient> client = std::move(*connected);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.connects;
    if (stats_.connects > 1) ++stats_.reconnects;
    conn->last_frame_nanos = clock_->MonotonicNanos();
  }

  // {"auth":{"apiKey","secret","passphrase"},"markets":[...],"type":"user"}. Built in one
  // reserved buffer (no reallocation leaves copies of the secret behind) and cleansed once
  // queued.
  std::string subscribe;
  subscribe.reserve(128 +
                    2 * (options_.creds.api_key.size() + options_.creds.secret.size() +
                         options_.creds.passphrase.size()) +
                    70 * options_.markets.size());
  subscribe += "{\"auth\":{\"apiKey\":\"";
  AppendJsonEscaped(&subscribe, options_.creds.api_key);
  subscribe += "\",\"secret\":\"";
  AppendJsonEscaped(&subscribe, options_.creds.secret);
  subscribe += "\",\"passphrase\":\"";
  AppendJsonEscaped(&subscribe, options_.creds.passphrase);
  subscribe += "\"},\"markets\":[";
  for (size_t i = 0; i < options_.markets.size(); ++i) {
    if (i > 0) subscribe += ',';
    subscribe += '"';
    AppendJsonEscaped(&subscribe, options_.markets[i]);
    subscribe += '"';
  }
  subscribe += "],\"type\":\"user\"}";
  absl::Status sent = client->SendText(subscribe);
  Cleanse(&subscribe);
  // The venue sends no subscribe acknowledgement: a PONG to this PING (or any event) after the
  // subscribe frame means the subscription was read and accepted (a refusal closes the socket).
  if (sent.ok()) sent = client->SendText("PING");

  int64_t next_ping = clock_->MonotonicNanos() + Nanos(options_.ping_interval);
  bool idle = false;
  bool stopping = false;
  while (sent.ok()) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      const int64_t now = clock_->MonotonicNanos();
      const int64_t idle_deadline = conn->last_frame_nanos + Nanos(options_.idle_timeout);
      const int64_t deadline = std::min(next_ping, idle_deadline);
      if (!stopping_ && !conn->closed && deadline > now) {
        cv_.wait_for(lock, WaitFor(deadline - now),
                     [this, &conn] { return stopping_ || conn->closed; });
      }
      stopping = stopping_;
      if (stopping || conn->closed) break;
      if (clock_->MonotonicNanos() - conn->last_frame_nanos >= Nanos(options_.idle_timeout)) {
        idle = true;
        ++stats_.idle_timeouts;
        break;
      }
    }
    if (clock_->MonotonicNanos() >= next_ping) {
      sent = client->SendText("PING");
      next_ping = clock_->MonotonicNanos() + Nanos(options_.ping_interval);
    }
  }

  bool subscribed;
  bool closed;
  int close_code;
  std::string close_reason;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.connected = false;
    subscribed = conn->subscribed;
    closed = conn->closed;
    close_code = conn->close_code;
    close_reason = conn->close_reason;
  }
  if (!closed) {
    // Ours to end (Stop, idle watchdog, a failed send): a close handshake, briefly awaited.
    (void)client->Close(1000, stopping ? "stopping" : "reconnecting");
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, kCloseWait, [&conn] { return conn->closed; });
  }
  client.reset();  // joins the I/O thread: no callback of this connection runs after this

  if (!stopping) {
    const char* cause = idle         ? "idle timeout"
                        : !sent.ok() ? "send failed"
                        : closed     ? "closed by the venue"
                                     : "unknown";
    ARBOR_LOG(kWarning, "executor", "polymarket user channel lost; reconnecting")
        .Field("cause", cause)
        .Field("close_code", static_cast<int64_t>(close_code))
        .Field("reason", Abbreviate(close_reason))
        .Field("was_subscribed", subscribed);
  }
  return subscribed;
}

void PolymarketUserStream::OnClose(Connection& conn, const net::WsCloseInfo& info) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    conn.closed = true;
    conn.close_code = info.code;
    conn.close_reason =
        info.reason.empty() ? std::string(FromAbsl(info.error.message())) : info.reason;
    stats_.connected = false;
  }
  cv_.notify_all();
}

void PolymarketUserStream::OnMessage(Connection& conn, std::string_view message, bool is_text) {
  const int64_t now = clock_->MonotonicNanos();
  absl::StatusOr<pm::UserFrame> frame =
      is_text ? conn.decoder.Decode(message)
              : absl::StatusOr<pm::UserFrame>(absl::InvalidArgumentError("binary frame"));
  std::vector<std::pair<std::string, std::vector<exec::VenueFill>>> deliveries;
  bool confirmed_now = false;
  uint64_t malformed = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.frames;
    conn.last_frame_nanos = now;
    if (!frame.ok()) {
      malformed = ++stats_.malformed;
    } else {
      switch (frame->kind) {
        case pm::FrameKind::kPong:
          ++stats_.pongs;
          break;
        case pm::FrameKind::kEvents:
          for (const pm::UserEvent& event : frame->events) {
            if (const auto* trade = std::get_if<pm::TradeEvent>(&event)) {
              ++stats_.trades;
              if (!IsFillStatus(trade->status)) ++stats_.skipped_trades;
              for (auto& d : FillsOf(*trade)) deliveries.push_back(std::move(d));
            } else {
              ++stats_.orders;
            }
          }
          break;
        case pm::FrameKind::kNoNewAssets:
        case pm::FrameKind::kInvalidOperation:
          break;
      }
      // Anything the venue answers after the subscribe frame means it took it.
      if (!conn.subscribed && !conn.closed) {
        conn.subscribed = true;
        stats_.connected = true;
        ++stats_.subscriptions;
        confirmed_now = true;
      }
    }
  }
  if (!frame.ok()) {
    if (PowerOfTwo(malformed)) {
      ARBOR_LOG(kWarning, "executor", "polymarket user channel: malformed frame skipped")
          .Field("error", Abbreviate(FromAbsl(frame.status().message()), 160))
          .Field("malformed", static_cast<int64_t>(malformed));
    }
    return;
  }
  if (frame->kind == pm::FrameKind::kInvalidOperation) {
    ARBOR_LOG(kWarning, "executor",
              "polymarket user channel: the venue answered INVALID OPERATION");
  }
  if (confirmed_now && options_.on_subscribed) options_.on_subscribed();
  uint64_t delivered = 0;
  for (auto& [id, fills] : deliveries) {
    delivered += fills.size();
    on_fills_(std::move(id), std::move(fills));
  }
  if (delivered > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.fills_delivered += delivered;
  }
}

}  // namespace arbor::executor
