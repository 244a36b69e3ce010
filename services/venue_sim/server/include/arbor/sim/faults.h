// File: arbor/sim/faults.h
//
// Fault injection for the venue simulator: a seeded, deterministic FaultInjector holding rules
// that HttpServer consults before dispatching each request (status, rate_limit, latency, drop)
// and that Tick() applies to the WebSocket sessions of a server (ws_disconnect, ws_stall).
// Every injected fault is counted per kind (the admin ground truth). Rules come from a JSON file
// (`--faults FILE`, ParseFaultRules) or from POST /admin/faults.
// Single-threaded: used only on the simulator's io thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/core/clock.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/ws_session.h"

namespace arbor::sim {

enum class FaultKind {
  kStatus = 0,
  kRateLimit,
  kLatency,
  kDrop,
  kWsDisconnect,
  kWsStall,
  kWsMalformed,
  kWsSeqGap,
};
inline constexpr int kFaultKinds = 8;

// "status", "rate_limit", "latency", "drop", "ws_disconnect", "ws_stall", "ws_malformed",
// "ws_seq_gap".
std::string_view FaultKindName(FaultKind kind);

struct FaultRule {
  FaultKind kind = FaultKind::kStatus;
  // Target: a server name ("clob", "gamma", "kalshi"; "" = every faultable server), an HTTP
  // method ("" = any) and a path prefix ("" = any). WebSocket kinds use the server only.
  std::string server;
  std::string method;
  std::string path_prefix;
  // Chance that a matching request (or, for WebSocket kinds, a Tick) is hit; 1 = every one.
  double probability = 1.0;
  int64_t max_count = 0;    // the rule expires after this many hits; 0 = no limit
  int64_t duration_ms = 0;  // the rule expires this long after it was added; 0 = no limit
  // Kind parameters.
  int status = 0;             // kStatus: 4xx/5xx to answer
  std::string message;        // kStatus: error text (default: the status's reason phrase)
  int64_t retry_after_s = 1;  // kRateLimit: Retry-After seconds
  int64_t latency_ms = 0;     // kLatency: reply delay
  int close_code = 0;         // kWsDisconnect: WebSocket close code; 0 = drop the TCP connection
  int64_t stall_ms = 0;       // kWsStall: how long data frames are held
  int frames = 3;             // kWsMalformed: malformed text frames sent to each session (1-100)
};

// The malformed text frame number `i` (rotating over 4 shapes: truncated JSON, non-JSON
// garbage, wrong field types, unknown event type) that ws_malformed sends on server `server`;
// "kalshi" gets Kalshi-shaped variants, every other server Polymarket-shaped ones.
std::string MalformedFrame(std::string_view server, int i);

// What HttpServer must do with one request.
struct HttpFault {
  enum class Action { kNone, kReply, kDelay, kDrop };
  Action action = Action::kNone;
  HttpReply reply;       // kReply: answer this instead of the handler
  int64_t delay_ms = 0;  // kDelay: dispatch now, write the reply this much later
};

// Parses a rules document `{"rules":[{...},...]}` strictly: unknown keys, wrong types, unknown
// kinds or servers ("admin" cannot be targeted), out-of-range values and missing kind
// parameters are InvalidArgument naming the rule index and field.
[[nodiscard]] absl::StatusOr<std::vector<FaultRule>> ParseFaultRules(std::string_view json);
// Reads and parses a rules file (errors also name the file).
[[nodiscard]] absl::StatusOr<std::vector<FaultRule>> LoadFaultFile(const std::string& path);

class FaultInjector {
 public:
  // `clock` measures rule durations and must outlive the injector.
  FaultInjector(uint64_t seed, const Clock& clock);

  // Adds a rule (validated as by ParseFaultRules). InvalidArgument with the reason.
  [[nodiscard]] absl::Status AddRule(FaultRule rule);
  // Removes every rule (counters are kept).
  void Clear();
  // Makes the WebSocket sessions of `registry` reachable as server `server` for Tick().
  void AttachWs(std::string server, std::shared_ptr<WsRegistry> registry);
  // Makes ws_seq_gap reach server `server` ("kalshi"): `skip` must make every seq-carrying
  // subscription of every session skip one seq number on its next message (the binary wires
  // KalshiWsChannel::SkipSeqOnAllOrderbookSubscriptions). Must stay callable while attached.
  void AttachSeqGap(std::string server, std::function<void()> skip);

  // Decides the fate of one HTTP request on server `server`: the first live rule that matches
  // and fires (in insertion order) wins and is counted.
  HttpFault OnRequest(std::string_view server, std::string_view method, std::string_view path);
  // Applies the live WebSocket rules once (the binary calls it after every exchange step): a
  // firing ws_disconnect closes or drops every open session of its server(s), a ws_stall stalls
  // them for stall_ms, a ws_malformed sends each open session `frames` malformed text frames
  // (MalformedFrame 0..frames-1; the session stays open and channel seq numbers are untouched),
  // a ws_seq_gap calls the AttachSeqGap hooks of its server.
  void Tick();

  // Injected faults so far, indexed by FaultKind.
  const std::array<uint64_t, kFaultKinds>& counters() const { return counters_; }
  uint64_t counter(FaultKind kind) const { return counters_[static_cast<int>(kind)]; }
  size_t rules() const { return rules_.size(); }
  // {"rules":[{...,"hits":N,"expired":bool}],"counters":{"status":N,...}}
  std::string ToJson() const;

 private:
  struct Rule {
    FaultRule spec;
    int64_t added_ms = 0;
    int64_t hits = 0;
  };
  bool Live(const Rule& rule, int64_t now_ms) const;
  bool Fires(const Rule& rule);
  int64_t NowMs() const;

  const Clock& clock_;
  std::mt19937_64 rng_;
  std::vector<Rule> rules_;
  std::vector<std::pair<std::string, std::shared_ptr<WsRegistry>>> ws_targets_;
  std::vector<std::pair<std::string, std::function<void()>>> seq_gap_targets_;
  std::array<uint64_t, kFaultKinds> counters_{};
};

}  // namespace arbor::sim
