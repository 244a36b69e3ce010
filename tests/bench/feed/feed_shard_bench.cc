// feed_shard_bench: one arbor-feed process holding every Polymarket token of a large simulator
// universe (services/venue_sim/scenarios/feed_30k.json: ≥ 30 000 tokens), pinned to one core
// with taskset, with a real gRPC StreamBooks subscriber attached. Over a measurement window it
// prints the feed's sustained venue events/s and published level changes/s (from its /metrics),
// its CPU use (utime + stime from /proc) and resident memory, and the event-receive → publish
// latency p50 / p99 (the feed's arbor_feed_publish_latency_seconds histogram, interpolated
// within buckets). It is a harness, not a Google Benchmark: the figures come from two real
// processes. Run: scripts/bench_feed.sh (docs/benchmarks.md quotes its output).
//
//   feed_shard_bench --sim BIN --feed BIN --scenario FILE [--seconds 60] [--warmup 20]
//                    [--step-ms 1000] [--cpu 1] [--tokens_per_connection 200]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arbor/net/http_client.h"
#include "arbor/testing/book_mirror.h"
#include "arbor/testing/child_process.h"
#include "arbor/testing/rsa_key.h"
#include "arbor/v1/feed_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace {

struct Args {
  std::string sim;
  std::string feed;
  std::string scenario;
  int seconds = 60;
  int warmup = 20;
  int step_ms = 1000;
  int cpu = 1;
  int tokens_per_connection = 200;
  // "mirror": the subscriber rebuilds every book (BookMirror, contract-checked); "count": it only
  // reads and counts, so the figures show the feed rather than a slow consumer.
  std::string subscriber = "mirror";
};

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--sim") {
      a->sim = v;
    } else if (k == "--feed") {
      a->feed = v;
    } else if (k == "--scenario") {
      a->scenario = v;
    } else if (k == "--seconds") {
      a->seconds = std::atoi(v.c_str());
    } else if (k == "--warmup") {
      a->warmup = std::atoi(v.c_str());
    } else if (k == "--step-ms") {
      a->step_ms = std::atoi(v.c_str());
    } else if (k == "--cpu") {
      a->cpu = std::atoi(v.c_str());
    } else if (k == "--tokens_per_connection") {
      a->tokens_per_connection = std::atoi(v.c_str());
    } else if (k == "--subscriber" && (v == "mirror" || v == "count")) {
      a->subscriber = v;
    } else {
      return false;
    }
  }
  return !a->sim.empty() && !a->feed.empty() && !a->scenario.empty() && a->seconds > 0;
}

// Prometheus text → (series with labels → value).
std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(space + 1), &v)) out[std::string(line.substr(0, space))] = v;
  }
  return out;
}

// Sum of the series of metric `name` carrying the label venue="polymarket" (any label order).
double SumPolymarket(const std::map<std::string, double>& m, const std::string& name) {
  double total = 0;
  for (const auto& [k, v] : m) {
    if (k.rfind(name + "{", 0) == 0 && k.find("venue=\"polymarket\"") != std::string::npos) {
      total += v;
    }
  }
  return total;
}

// Quantile of the polymarket latency histogram between two scrapes (linear in the bucket).
double LatencyQuantile(const std::map<std::string, double>& a,
                       const std::map<std::string, double>& b, double q) {
  const std::string name = "arbor_feed_publish_latency_seconds_bucket{";
  std::vector<std::pair<double, double>> buckets;  // (le, count delta), ascending le
  for (const auto& [k, v] : b) {
    if (k.rfind(name, 0) != 0 || k.find("venue=\"polymarket\"") == std::string::npos) continue;
    const size_t at = k.find("le=\"");
    if (at == std::string::npos) continue;
    const std::string le = k.substr(at + 4, k.find('"', at + 4) - at - 4);
    double bound = 0;
    if (le == "+Inf") {
      bound = 1e9;
    } else if (!absl::SimpleAtod(le, &bound)) {
      continue;
    }
    const auto it = a.find(k);
    buckets.emplace_back(bound, v - (it == a.end() ? 0 : it->second));
  }
  std::sort(buckets.begin(), buckets.end());
  if (buckets.empty() || buckets.back().second <= 0) return 0;
  const double target = q * buckets.back().second;
  double prev_bound = 0;
  double prev_count = 0;
  for (const auto& [bound, count] : buckets) {
    if (count >= target) {
      const double span = count - prev_count;
      const double frac = span <= 0 ? 1 : (target - prev_count) / span;
      return prev_bound + frac * (std::min(bound, 10.0) - prev_bound);
    }
    prev_bound = bound;
    prev_count = count;
  }
  return prev_bound;
}

struct ProcStat {
  double cpu_seconds = 0;
  long rss_kib = 0;
};

ProcStat ReadProc(pid_t pid) {
  ProcStat s;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t close = content.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(content.substr(close + 2));
    std::vector<std::string> f;
    std::string x;
    while (rest >> x) f.push_back(x);
    // Fields after the command: state is f[0]; utime is field 14 → f[11], stime f[12].
    if (f.size() > 12) {
      s.cpu_seconds = (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) /
                      static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::atol(line.c_str() + 6);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: feed_shard_bench --sim BIN --feed BIN --scenario FILE [--seconds N] "
                 "[--warmup N] [--step-ms N] [--cpu N] [--tokens_per_connection N]\n");
    return 1;
  }
  char tmpl[] = "/tmp/arbor_feed_bench_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  const arbor::testing::RsaKey key = arbor::testing::MakeRsaKey(tmpl, "bench");

  const absl::Time sim_start = absl::Now();
  auto sim = arbor::testing::ChildProcess::Start({args.sim, "--scenario", args.scenario,
                                                  "--step-ms", std::to_string(args.step_ms),
                                                  "--kalshi-key", "bench=" + key.public_pem_file});
  if (!sim.ok()) return 1;
  auto sim_ready = sim->ReadLine();
  if (!sim_ready.ok()) {
    std::fprintf(stderr, "simulator did not start\n");
    return 1;
  }
  std::printf("simulator ready in %.1f s: %s\n", absl::ToDoubleSeconds(absl::Now() - sim_start),
              sim_ready->c_str());
  auto port = [&](const char* k) { return arbor::testing::JsonIntField(*sim_ready, k); };

  const absl::Time feed_start = absl::Now();
  auto feed = arbor::testing::ChildProcess::Start({
      "/usr/bin/taskset",
      "-c",
      std::to_string(args.cpu),
      args.feed,
      "--venues=polymarket",
      absl::StrCat("--polymarket_clob_url=http://127.0.0.1:", port("clob_port")),
      absl::StrCat("--polymarket_gamma_url=http://127.0.0.1:", port("gamma_port")),
      absl::StrCat("--polymarket_ws_url=ws://127.0.0.1:", port("clob_port"), "/ws/market"),
      "--grpc_listen=127.0.0.1:0",
      "--ops_port=0",
      "--ops_address=127.0.0.1",
      absl::StrCat("--tokens_per_connection=", args.tokens_per_connection),
      "--reconcile_interval=300s",
      "--log_level=warning",
  });
  if (!feed.ok()) return 1;
  auto feed_ready = feed->ReadLine();
  if (!feed_ready.ok()) {
    std::fprintf(stderr, "arbor-feed did not start\n");
    return 1;
  }
  const int instruments = arbor::testing::JsonIntField(*feed_ready, "instruments");
  const int ops_port = arbor::testing::JsonIntField(*feed_ready, "ops_port");

  auto channel = grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", arbor::testing::JsonIntField(*feed_ready, "grpc_port")),
      grpc::InsecureChannelCredentials());
  auto stub = arbor::v1::FeedShard::NewStub(channel);
  arbor::testing::BookMirror mirror;
  grpc::ClientContext stream_ctx;
  std::atomic<bool> ended{false};
  std::atomic<uint64_t> counted_messages{0};
  std::atomic<uint64_t> counted_coalesced{0};
  std::thread reader([&] {
    arbor::v1::StreamBooksRequest req;
    req.set_subscriber_id("feed-shard-bench");
    auto r = stub->StreamBooks(&stream_ctx, req);
    arbor::v1::BookUpdate u;
    if (args.subscriber == "mirror") {
      while (r->Read(&u)) mirror.Apply(u);
    } else {
      while (r->Read(&u)) {
        ++counted_messages;
        if (u.has_snapshot() && u.snapshot().reason() == arbor::v1::SNAPSHOT_REASON_COALESCED) {
          ++counted_coalesced;
        }
      }
    }
    (void)r->Finish();
    ended = true;
  });

  auto http = arbor::net::HttpClient::Create({});
  if (!http.ok()) return 1;
  auto scrape = [&]() -> std::map<std::string, double> {
    auto r = (*http)->Send(
        arbor::net::Origin{
            .tls = false, .host = "127.0.0.1", .port = static_cast<uint16_t>(ops_port)},
        {.target = "/metrics"});
    return r.ok() ? ParseMetrics(r->body) : std::map<std::string, double>{};
  };
  auto ready = [&]() {
    auto r = (*http)->Send(
        arbor::net::Origin{
            .tls = false, .host = "127.0.0.1", .port = static_cast<uint16_t>(ops_port)},
        {.target = "/readyz"});
    return r.ok() && r->status == 200;
  };
  while (!ready()) {
    if (absl::Now() - feed_start > absl::Minutes(10)) {
      std::fprintf(stderr, "feed never became ready\n");
      return 1;
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  std::printf("feed ready (every book snapshotted) in %.1f s: %d instruments\n",
              absl::ToDoubleSeconds(absl::Now() - feed_start), instruments);
  absl::SleepFor(absl::Seconds(args.warmup));

  const auto m0 = scrape();
  const ProcStat p0 = ReadProc(feed->pid());
  const absl::Time t0 = absl::Now();
  absl::SleepFor(absl::Seconds(args.seconds));
  const auto m1 = scrape();
  const ProcStat p1 = ReadProc(feed->pid());
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);

  const double events =
      SumPolymarket(m1, "arbor_feed_events_total") - SumPolymarket(m0, "arbor_feed_events_total");
  const double latency_count = SumPolymarket(m1, "arbor_feed_publish_latency_seconds_count") -
                               SumPolymarket(m0, "arbor_feed_publish_latency_seconds_count");
  arbor::testing::MirrorStats stats = mirror.stats();
  if (args.subscriber == "count") {
    stats.messages = counted_messages.load();
    stats.coalesced_snapshots = counted_coalesced.load();
  }
  std::printf(
      "window %.1f s, step %d ms, %d tokens/connection, feed pinned to cpu %d, subscriber %s\n"
      "  venue events/s          %.0f\n"
      "  publishes/s             %.0f (snapshots + delta groups)\n"
      "  feed CPU                %.1f %% of one core\n"
      "  feed RSS                %ld MiB\n"
      "  receive->publish p50    %.1f us\n"
      "  receive->publish p99    %.1f us\n"
      "  subscriber: %llu messages, %llu coalesced snapshots, %llu contract violations, "
      "stream %s\n",
      secs, args.step_ms, args.tokens_per_connection, args.cpu, args.subscriber.c_str(),
      events / secs, latency_count / secs, 100.0 * (p1.cpu_seconds - p0.cpu_seconds) / secs,
      p1.rss_kib / 1024, 1e6 * LatencyQuantile(m0, m1, 0.50), 1e6 * LatencyQuantile(m0, m1, 0.99),
      static_cast<unsigned long long>(stats.messages),
      static_cast<unsigned long long>(stats.coalesced_snapshots),
      static_cast<unsigned long long>(stats.violations), ended ? "ENDED" : "open");

  stream_ctx.TryCancel();
  reader.join();
  const int feed_rc = feed->Stop(SIGTERM);
  sim->Stop(SIGTERM);
  arbor::testing::RemoveRsaKeyFiles(key);
  rmdir(tmpl);
  return feed_rc == 0 ? 0 : 1;
}
