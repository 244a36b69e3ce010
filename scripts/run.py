#!/usr/bin/env python3
"""The one-machine run: the whole arbor system as separate processes on loopback.

Started by scripts/run.sh (which installs packages and builds first). Starts, in order:
a throwaway PostgreSQL cluster (scripts/pg_cluster.sh), arbor-venue-sim with a scenario,
one feed shard, one scanner and the executor (paper mode by default, or sim mode against
the simulator), every one on ephemeral ports read from its ready line, so two runs on one
machine never collide. Shows live progress, stops on Ctrl-C / SIGTERM / --duration, stops
every process (executor first, so it drains its open legs), removes the cluster unless
--keep, and writes the session summary (summary.json) into the run directory.

Only the Python standard library is used (Debian's python3).
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print(f"arbor run: {msg}", file=sys.stderr, flush=True)


# ---- Prometheus text format ----------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """[(name, {label: value}, float)] of a /metrics body; comments and bad lines skipped."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group(2) or ""))
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        out.append((m.group(1), labels, value))
    return out


def metric_sum(samples, metric, **match):
    """Sum of the samples of `metric` whose labels include `match`."""
    return sum(v for n, l, v in samples
               if n == metric and all(l.get(k) == want for k, want in match.items()))


def metric_by(samples, metric, label):
    """{label value: sum} of the samples of `metric`."""
    out = {}
    for n, l, v in samples:
        if n == metric and label in l:
            out[l[label]] = out.get(l[label], 0.0) + v
    return out


def merged_buckets(samples, name):
    """[(le, cumulative count)] of a histogram, summed over its label sets (e.g. per lane)."""
    by_le = {}
    for n, l, v in samples:
        if n == name + "_bucket" and "le" in l:
            le = float("inf") if l["le"] == "+Inf" else float(l["le"])
            by_le[le] = by_le.get(le, 0.0) + v
    return sorted(by_le.items())


def histogram_quantile(samples, name, q):
    """The upper bound of the bucket holding quantile q (seconds), or None without samples."""
    buckets = merged_buckets(samples, name)
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    for le, count in buckets:
        if count >= rank:
            return le
    return buckets[-1][0]


# ---- Processes -----------------------------------------------------------------------------

class Child:
    """One arbor process: stdout's first line is its JSON ready line, everything else is logged."""

    def __init__(self, name, argv, logdir):
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(logdir, f"{name}.log")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.ready = None
        self._ready_event = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.exit_code = None

    def _read(self):
        for raw in self.proc.stdout:
            if self.ready is None:
                try:
                    self.ready = json.loads(raw)
                    self._ready_event.set()
                    continue
                except ValueError:
                    pass
            self._log.write(raw)
            self._log.flush()
        self._ready_event.set()

    def wait_ready(self, timeout):
        self._ready_event.wait(timeout)
        if self.ready is None:
            raise RuntimeError(f"{self.name} did not start (exit {self.proc.poll()}); "
                               f"see {self.log_path}")
        return self.ready

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code (negative = signal)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop within {timeout:.0f} s; SIGKILL")
                self.proc.kill()
                self.proc.wait()
        self.exit_code = self.proc.returncode
        self._reader.join(5)
        self._log.close()
        return self.exit_code


def scrape(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            return parse_metrics(r.read().decode("utf-8", "replace"))
    except OSError:
        return None


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read()


FEED_MODES = {0: "-", 1: "stream", 2: "hybrid", 3: "poll"}


class Stepper:
    """Steps the simulator (POST /admin/step) every `period_ms` on a thread. The simulator runs
    with --step-ms 0 (no timer of its own), so the scenario's clock — and its scheduled
    mispricings — starts only once every process is ready to see it."""

    def __init__(self, admin_port, period_ms):
        self.url = f"http://127.0.0.1:{admin_port}/admin/step"
        self.period = period_ms / 1000.0
        self.stopped = threading.Event()
        self.steps = 0
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        next_at = time.monotonic()
        while not self.stopped.is_set():
            try:
                req = urllib.request.Request(self.url, data=b"", method="POST")
                with urllib.request.urlopen(req, timeout=10) as r:
                    r.read()
                self.steps += 1
            except OSError as e:
                self.error = str(e)
                return
            next_at += self.period
            self.stopped.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self.stopped.set()
        self.thread.join(15)


def enum_suffix(value, prefix):
    """'LANE_CROSS_VENUE' -> 'cross_venue' (the metric-label spelling)."""
    return value[len(prefix):].lower() if value.startswith(prefix) else value.lower()


def histogram_buckets(samples, name):
    """[[le, cumulative count], ..., ["+Inf", n]] of a Prometheus histogram, for the report."""
    return [["+Inf" if le == float("inf") else le, int(count)]
            for le, count in merged_buckets(samples, name)]


def session_execution(e):
    """One closed arbor.v1.Execution (proto3 JSON) as a report session execution."""
    legs = e.get("legs", [])
    venues = sorted({enum_suffix(l.get("planned", {}).get("instrument_id", {})
                                 .get("venue", "VENUE_UNSPECIFIED"), "VENUE_") for l in legs})
    submitted = sum(1 for l in legs if l.get("client_order_ids"))
    filled = 0
    slippage = 0
    for l in legs:
        planned = l.get("planned", {})
        size = abs(int(l.get("filled_size_micros", "0")))  # signed: negative = delivered
        if size > 0 and size >= int(planned.get("size_micros", "0")):
            filled += 1
        if size > 0 and "avg_fill_price_micros" in l:
            # Paid above the planned VWAP on a buy (received below it on a sell) is slippage;
            # integer micros, rounded toward minus infinity.
            diff = int(l["avg_fill_price_micros"]) - int(planned.get("expected_vwap_micros", "0"))
            if planned.get("side") == "SIDE_SELL":
                diff = -diff
            slippage += diff * size // 1_000_000
    return {
        "execution_id": e["execution_id"],
        "lane": enum_suffix(e.get("lane", "LANE_UNSPECIFIED"), "LANE_"),
        "venues": venues or ["unknown"],
        "opened_unix_nanos": int(e.get("created_unix_nanos", "0")),
        "closed_unix_nanos": int(e.get("closed_unix_nanos", "0")),
        "close_reason": enum_suffix(e.get("close_reason", "CLOSE_REASON_UNSPECIFIED"),
                                    "CLOSE_REASON_"),
        "realized_pnl_micros": int(e.get("realized_pnl_micros", "0")),
        "expected_profit_micros": int(e.get("expected_profit_micros", "0")),
        "legs_submitted": submitted,
        "legs_filled": min(filled, submitted),
        "slippage_micros": slippage,
    }


# The lane built to catch each kind of injected mispricing (services/venue_sim, docs/venue_sim.md);
# "" = no lane for that kind.
EXPECTED_LANE = {
    "binary_underpriced": "binary", "binary_overpriced": "binary",
    "negrisk_yes_under": "negrisk", "negrisk_no_under": "negrisk",
    "cross_venue_gap": "cross_venue",
    "implies_violation": "combinatorial", "excludes_violation": "combinatorial",
}


def published_opportunities(path):
    """Opportunities streamed by `arborctl scanner --output json watch` (one JSON per line)."""
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict):
                    opp = item.get("opportunity", item)
                    if isinstance(opp, dict) and "legs" in opp:
                        out.append(opp)
    except OSError:
        pass
    return out


def market_of_instrument(catalog):
    """instrument symbol -> market id, from `arborctl feed --output json markets`."""
    out = {}
    for m in catalog.get("markets", []):
        for ins in m.get("instruments", []):
            symbol = ins.get("instrument_id", {}).get("symbol")
            if symbol:
                out[symbol] = m.get("market_id", "")
    return out


def session_injections(truth, opportunities, markets):
    """Each injected mispricing of the simulator's ground truth, and which lanes published an
    opportunity with a leg on one of its markets during the run. A leg names its market directly
    (split / merge / convert legs) or through its instrument (`markets`: symbol -> market id)."""
    lanes_by_market = {}
    for o in opportunities:
        lane = enum_suffix(o.get("lane", "LANE_UNSPECIFIED"), "LANE_")
        for leg in o.get("legs", []):
            market = leg.get("market_id") or markets.get(
                leg.get("instrument_id", {}).get("symbol", ""))
            if market:
                lanes_by_market.setdefault(market, set()).add(lane)
    mispricings = truth.get("mispricings", {})
    out = []
    for m in mispricings.get("history", []) + mispricings.get("active", []):
        seen = set()
        for market in m.get("markets", []):
            seen |= lanes_by_market.get(market, set())
        expected = EXPECTED_LANE.get(m.get("kind", ""), "")
        out.append({"kind": m.get("kind", "unknown"), "expected_lane": expected,
                    "detected": bool(expected) and expected in seen,
                    "detected_by": sorted(seen)})
    return out


# ---- The run -------------------------------------------------------------------------------

class Run:
    def __init__(self, args):
        self.args = args
        self.children = []
        self.stop_requested = threading.Event()
        self.started = time.time()
        self.pg_dir = None
        self.pg_started = False
        self.failure = None
        self.snapshots = {}
        self.executor = None
        self.report_path = None

    def executor_started(self):
        return getattr(self, "executor", None) is not None

    def binary(self, rel):
        path = os.path.join(self.args.build_dir, rel)
        if not os.access(path, os.X_OK):
            raise RuntimeError(f"{path} not built (scripts/run.sh builds it)")
        return path

    def start(self, name, argv, timeout=60):
        child = Child(name, argv, self.args.run_dir)
        self.children.append(child)
        ready = child.wait_ready(timeout)
        log(f"{name} ready: {json.dumps(ready)}")
        return ready

    def setup(self):
        a = self.args
        work = os.path.join(a.run_dir, "work")
        os.makedirs(work, exist_ok=True)
        # PostgreSQL runs as an unprivileged user when we are root: it must traverse the path.
        os.chmod(a.run_dir, 0o755)
        os.chmod(work, 0o755)
        # The cluster lives under /tmp, not in the run directory: as root the server runs as an
        # unprivileged user, who cannot traverse a checkout under /root (mode 0700 on a fresh
        # Debian machine). pg_cluster.sh creates and chowns the directory itself.
        self.pg_dir = os.path.join(tempfile.mkdtemp(prefix="arbor-pg-", dir="/tmp"), "pg")
        os.chmod(os.path.dirname(self.pg_dir), 0o755)
        pg = subprocess.run([os.path.join(ROOT, "scripts/pg_cluster.sh"), "start", self.pg_dir],
                            capture_output=True, text=True)
        if pg.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {pg.stderr.strip()}")
        self.pg_started = True
        conninfo = pg.stdout.strip().splitlines()[-1]
        log(f"PostgreSQL: {conninfo}")

        # Kalshi API keys (RSA) for the feed and the executor: the simulator gets the public
        # halves. The executor's wallet key is a fresh random secp256k1 key (sim mode).
        keys = {}
        for who in ("feed", "executor"):
            pem = os.path.join(work, f"kalshi_{who}.pem")
            pub = os.path.join(work, f"kalshi_{who}.pub.pem")
            subprocess.run(["openssl", "genrsa", "-out", pem, "2048"], check=True,
                           capture_output=True)
            subprocess.run(["openssl", "rsa", "-in", pem, "-pubout", "-out", pub], check=True,
                           capture_output=True)
            keys[who] = (pem, pub)
        token = os.path.join(work, "executor.token")
        with open(token, "w") as f:
            f.write(secrets.token_urlsafe(24) + "\n")
        os.chmod(token, 0o600)
        self.token_file = token

        sim = self.start("venue-sim", [
            self.binary("services/venue_sim/arbor-venue-sim"), "--scenario", a.scenario,
            "--clob-port", "0", "--gamma-port", "0", "--kalshi-port", "0", "--admin-port", "0",
            "--step-ms", "0",
            "--kalshi-key", f"feed={keys['feed'][1]}",
            "--kalshi-key", f"executor={keys['executor'][1]}"])
        self.sim = sim
        clob, gamma, kalshi, admin = (sim["clob_port"], sim["gamma_port"], sim["kalshi_port"],
                                      sim["admin_port"])

        feed = self.start("feed-0", [
            self.binary("services/feed/app/arbor-feed"),
            f"--polymarket_clob_url=http://127.0.0.1:{clob}",
            f"--polymarket_gamma_url=http://127.0.0.1:{gamma}",
            f"--polymarket_ws_url=ws://127.0.0.1:{clob}/ws/market",
            f"--kalshi_rest_url=http://127.0.0.1:{kalshi}/trade-api/v2",
            f"--kalshi_ws_url=ws://127.0.0.1:{kalshi}/trade-api/ws/v2",
            "--kalshi_key_id=feed", f"--kalshi_private_key_file={keys['feed'][0]}",
            "--grpc_listen=127.0.0.1:0", "--ops_port=0", "--ops_address=127.0.0.1",
            "--shard_index=0", "--shard_count=1"], timeout=120)
        self.feed = feed
        feed_addr = f"127.0.0.1:{feed['grpc_port']}"

        # The cross-venue lane trades the simulator's Kalshi twins on the mapping it publishes.
        mapping = os.path.join(work, "mapping.json")
        with open(mapping, "wb") as f:
            f.write(fetch(f"http://127.0.0.1:{admin}/admin/mapping"))
        # The combinatorial lane trades the simulator's related markets on the relations file it
        # publishes (what a reviewer would curate; docs/relations.md).
        relations = os.path.join(work, "relations.json")
        with open(relations, "wb") as f:
            f.write(fetch(f"http://127.0.0.1:{admin}/admin/relations"))
        scanner = self.start("scanner-0", [
            self.binary("services/scanner/arbor-scanner"), f"--feeds={feed_addr}",
            f"--lanes={a.lanes}", f"--venue_mapping={mapping}", f"--relations={relations}",
            "--grpc_listen=127.0.0.1:0", "--ops_port=0", "--ops_address=127.0.0.1",
            "--scanner_id=scanner-0"], timeout=120)
        self.scanner = scanner
        # Every opportunity the scanner publishes, for the report's ground-truth check.
        self.watch_path = os.path.join(a.run_dir, "opportunities.jsonl")
        self.watch_out = open(self.watch_path, "wb")
        self.watcher = subprocess.Popen(
            [self.binary("services/arborctl/arborctl"), "scanner",
             "--scanner", f"127.0.0.1:{scanner['grpc_port']}", "--output", "json", "watch"],
            stdout=self.watch_out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            start_new_session=True)

        executor_argv = [
            self.binary("services/executor/arbor-executor"), f"--mode={a.mode}",
            f"--pg={conninfo}", f"--auth_token_file={token}", f"--limits_file={a.limits}",
            f"--scanner=127.0.0.1:{scanner['grpc_port']}", f"--feeds={feed_addr}",
            "--grpc_listen=127.0.0.1:0", "--ops_port=0", "--ops_address=127.0.0.1",
            f"--paper_seed={a.seed}", f"--max_unwind_loss={a.max_unwind_loss}",
            *a.executor_arg]
        if a.mode == "sim":
            wallet = os.path.join(work, "polymarket.key")
            with open(wallet, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
            os.chmod(wallet, 0o600)
            kid = os.path.join(work, "kalshi_executor.id")
            with open(kid, "w") as f:
                f.write("executor\n")
            executor_argv += [
                f"--polymarket_clob_url=http://127.0.0.1:{clob}",
                f"--polymarket_key_file={wallet}",
                f"--kalshi_url=http://127.0.0.1:{kalshi}/trade-api/v2",
                f"--kalshi_key_id_file={kid}",
                f"--kalshi_private_key_file={keys['executor'][0]}"]
        self.executor = self.start("executor", executor_argv, timeout=120)
        # Everything is up: the scenario's clock starts now.
        self.stepper = Stepper(admin, a.step_ms)
        log(f"simulator stepping every {a.step_ms} ms")

    def arborctl(self, *args):
        """`arborctl executor --output json ARGS` against this run's executor, parsed."""
        out = subprocess.run(
            [self.binary("services/arborctl/arborctl"), "executor",
             "--executor", f"127.0.0.1:{self.executor['grpc_port']}",
             "--token-file", self.token_file, "--output", "json", "--timeout", "30s", *args],
            capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"arborctl executor {' '.join(args)}: {out.stderr.strip()}")
        return json.loads(out.stdout)

    def collect_session(self):
        """The report's session input, from the executor's API and the processes' metrics."""
        executions = self.arborctl("executions", "--limit", "1000000").get("executions", [])
        safe = self.arborctl("safe-mode")
        snap = self.snapshots
        scan = snap.get("scanner", [])
        ex = snap.get("executor", [])
        denials = {k: int(v) for k, v in
                   metric_by(ex, "arbor_executor_denials_total", "reason").items() if v > 0}
        safe_mode = []
        state = safe.get("state", safe)
        if state.get("active"):
            safe_mode.append({"reason": state.get("reason") or "unhedged_exposure",
                              "started_unix_nanos": int(state.get("entered_unix_nanos", "0"))})
        latencies = []
        for name, samples, metric in (
                ("submit_to_intent", ex, "arbor_executor_submit_to_ack_seconds"),
                ("leg_ack", ex, "arbor_executor_leg_ack_seconds"),
                ("leg_fill", ex, "arbor_executor_leg_fill_seconds"),
                ("tick_to_opportunity", scan, "arbor_scanner_tick_to_opportunity_seconds")):
            buckets = histogram_buckets(samples, metric)
            if buckets:
                latencies.append({"name": name, "buckets": buckets})
        git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True)
        return {
            "arbor_session": 1,
            "meta": {"mode": self.args.mode, "scenario": os.path.basename(self.args.scenario),
                     "seed": str(self.args.seed),
                     "git_commit": git.stdout.strip() if git.returncode == 0 else "",
                     "started_unix_nanos": int(self.started * 1e9),
                     "ended_unix_nanos": time.time_ns()},
            "executions": [session_execution(e) for e in executions
                           if e.get("state") == "EXECUTION_STATE_CLOSED"],
            "opportunities": {k: int(v) for k, v in
                              metric_by(scan, "arbor_scanner_opportunities_total",
                                        "lane").items()},
            "skips": [{"reason": f"risk_denied:{k}", "count": v} for k, v in denials.items()],
            "latencies": latencies,
            "risk_events": {"denials": denials, "kill_switch": [], "safe_mode": safe_mode},
            "injections": self.injections(),
        }

    def injections(self):
        """Ground truth (/admin/truth) against what the scanner published (the watch file)."""
        if getattr(self, "watcher", None) is not None and self.watcher.poll() is None:
            self.watcher.terminate()
            try:
                self.watcher.wait(10)
            except subprocess.TimeoutExpired:
                self.watcher.kill()
                self.watcher.wait()
            self.watch_out.close()
        truth = json.loads(fetch(f"http://127.0.0.1:{self.sim['admin_port']}/admin/truth"))
        out = subprocess.run(
            [self.binary("services/arborctl/arborctl"), "feed",
             "--feed", f"127.0.0.1:{self.feed['grpc_port']}", "--output", "json", "--timeout",
             "30s", "markets", "--include-closed", "--limit", "1000000"],
            capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"arborctl feed markets: {out.stderr.strip()}")
        markets = market_of_instrument(json.loads(out.stdout))
        with open(os.path.join(self.args.run_dir, "ground_truth.json"), "w") as f:
            json.dump({"step": truth.get("step"), "mispricings": truth.get("mispricings")}, f,
                      indent=1)
        return session_injections(truth, published_opportunities(self.watch_path), markets)

    def write_report(self):
        """session.json -> report.html + report.json (arborctl report build)."""
        session = self.collect_session()
        path = os.path.join(self.args.run_dir, "session.json")
        with open(path, "w") as f:
            json.dump(session, f, indent=1)
        html = os.path.join(self.args.run_dir, "report.html")
        out = subprocess.run(
            [self.binary("services/arborctl/arborctl"), "report", "build", "--input", path,
             "--html", html, "--json", os.path.join(self.args.run_dir, "report.json")],
            capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"arborctl report build: {out.stderr.strip()}")
        self.report_path = html
        log(f"report: {html}")

    # ---- progress ----

    def collect(self):
        snap = {}
        for name, ready in (("feed", self.feed), ("scanner", self.scanner),
                            ("executor", self.executor)):
            samples = scrape(ready["ops_port"])
            if samples is not None:
                snap[name] = samples
        return snap

    def figures(self, snap):
        feed = snap.get("feed", [])
        scan = snap.get("scanner", [])
        ex = snap.get("executor", [])
        p = lambda q: histogram_quantile(ex, "arbor_executor_submit_to_ack_seconds", q)
        t = lambda q: histogram_quantile(scan, "arbor_scanner_tick_to_opportunity_seconds", q)
        return {
            "elapsed_seconds": round(time.time() - self.started, 1),
            "markets": {"polymarket": self.sim.get("markets"),
                        "kalshi": self.sim.get("kalshi_markets")},
            "books_live": metric_sum(scan, "arbor_scanner_books", state="live"),
            "feed_books_live": {v: metric_sum(feed, "arbor_feed_books", venue=v, state="live")
                                for v in ("polymarket", "kalshi")},
            # The feed's acquisition mode per venue (arbor.v1.FeedMode: 1 stream, 2 hybrid,
            # 3 poll) and the REST divergences it confirmed: a degraded feed explains missed or
            # phantom opportunities.
            "feed_mode": {v: FEED_MODES.get(int(metric_sum(feed, "arbor_feed_mode", venue=v)), "?")
                          for v in ("polymarket", "kalshi")},
            "feed_divergences": {v: metric_sum(feed, "arbor_feed_divergences_total", venue=v)
                                 for v in ("polymarket", "kalshi")},
            "opportunities_by_lane": metric_by(scan, "arbor_scanner_opportunities_total", "lane"),
            "executions_accepted": metric_sum(ex, "arbor_executor_events_total", event="intents"),
            "executions_closed": metric_by(ex, "arbor_executor_executions_closed_total",
                                           "reason"),
            "denials": metric_by(ex, "arbor_executor_denials_total", "reason"),
            "orders_sent": metric_sum(ex, "arbor_executor_events_total", event="orders_sent"),
            "fills": metric_sum(ex, "arbor_executor_events_total", event="fills"),
            "realized_pnl_usd": metric_sum(ex, "arbor_executor_usd", name="realized_pnl"),
            "drawdown_usd": metric_sum(ex, "arbor_executor_usd", name="drawdown"),
            "safe_mode": metric_sum(ex, "arbor_executor_state", name="safe_mode"),
            "submit_to_ack_seconds": {"p50": p(0.5), "p99": p(0.99)},
            "tick_to_opportunity_seconds": {"p50": t(0.5), "p99": t(0.99)},
        }

    @staticmethod
    def render(f):
        ms = lambda s: "-" if s is None else ("inf" if s == float("inf") else f"{s * 1e3:.1f}")
        us = lambda s: "-" if s is None else ("inf" if s == float("inf") else f"{s * 1e6:.0f}")
        lanes = ", ".join(f"{k} {v:.0f}" for k, v in sorted(f["opportunities_by_lane"].items()))
        closed = ", ".join(f"{k} {v:.0f}" for k, v in sorted(f["executions_closed"].items()))
        denied = ", ".join(f"{k} {v:.0f}" for k, v in sorted(f["denials"].items()))
        return "\n".join([
            f"arbor · {f['elapsed_seconds']:.0f} s · markets {f['markets']['polymarket']} "
            f"Polymarket + {f['markets']['kalshi']} Kalshi · books live {f['books_live']:.0f}"
            f" · feed {f['feed_mode']['polymarket']}/{f['feed_mode']['kalshi']} (divergences "
            f"{f['feed_divergences']['polymarket']:.0f}/{f['feed_divergences']['kalshi']:.0f})",
            f"  opportunities  {lanes or '-'}   (tick→opp p50 ≤ "
            f"{us(f['tick_to_opportunity_seconds']['p50'])} µs, p99 ≤ "
            f"{us(f['tick_to_opportunity_seconds']['p99'])} µs)",
            f"  executions     accepted {f['executions_accepted']:.0f}; closed {closed or '-'}",
            f"  orders / fills {f['orders_sent']:.0f} / {f['fills']:.0f}   denials "
            f"{denied or '-'}",
            f"  PnL            realised {f['realized_pnl_usd']:+.2f} USD, drawdown "
            f"{f['drawdown_usd']:.2f} USD" + ("   SAFE MODE: no new risk until acknowledged "
                                             "(arborctl executor safe-mode / ack-safe-mode)"
                                             if f["safe_mode"] else ""),
            f"  latency        submit→intent committed p50 ≤ "
            f"{ms(f['submit_to_ack_seconds']['p50'])} ms, p99 ≤ "
            f"{ms(f['submit_to_ack_seconds']['p99'])} ms",
        ])

    def monitor(self):
        a = self.args
        tty = sys.stdout.isatty()
        deadline = self.started + a.duration if a.duration > 0 else None
        last_print = 0.0
        lines = 0
        while not self.stop_requested.is_set():
            for c in self.children:
                if not c.alive():
                    self.failure = f"{c.name} exited unexpectedly ({c.proc.returncode}); " \
                                   f"see {c.log_path}"
                    return
            snap = self.collect()
            if snap:
                self.snapshots = snap
            now = time.time()
            if now - last_print >= (1 if tty else a.progress_every):
                text = self.render(self.figures(self.snapshots))
                if tty and lines:
                    sys.stdout.write(f"\x1b[{lines}F\x1b[J")
                sys.stdout.write(text + "\n")
                sys.stdout.flush()
                lines = text.count("\n") + 1
                last_print = now
            if deadline is not None and now >= deadline:
                return
            self.stop_requested.wait(1)

    def teardown(self):
        # Final figures while everything still serves, then stop downstream-first: the executor
        # drains its open legs before the scanner and feed that feed it go away.
        self.report_path = None
        if getattr(self, "stepper", None) is not None:
            self.stepper.stop()
            if self.stepper.error and not self.failure:
                self.failure = f"simulator step failed: {self.stepper.error}"
        if self.children and self.executor_started():
            self.quiesce()
            try:
                self.write_report()
            except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as e:
                self.failure = self.failure or f"session report: {e}"
            self.take_snapshot()
        if getattr(self, "watcher", None) is not None and self.watcher.poll() is None:
            self.watcher.kill()
            self.watcher.wait()
        order = {"executor": 0, "scanner-0": 1, "feed-0": 2, "venue-sim": 3}
        for c in sorted(self.children, key=lambda c: order.get(c.name, 9)):
            code = c.stop(30 if c.name == "executor" else 15)
            log(f"{c.name} stopped (exit {code})")
        if self.pg_started:
            action = "stop" if self.args.keep else "destroy"
            subprocess.run([os.path.join(ROOT, "scripts/pg_cluster.sh"), action, self.pg_dir],
                           capture_output=True)
            log(f"PostgreSQL {'stopped (kept: ' + self.pg_dir + ')' if self.args.keep else 'removed'}")
            if not self.args.keep:
                shutil.rmtree(os.path.dirname(self.pg_dir), ignore_errors=True)
            if not self.args.keep:
                shutil.rmtree(os.path.join(self.args.run_dir, "work"), ignore_errors=True)

    def take_snapshot(self):
        """Scrapes every process still serving; a stopped one keeps its last figures."""
        snap = self.collect()
        if snap:
            self.snapshots = {**self.snapshots, **snap}

    def quiesce(self, timeout=20):
        """Stops new trading so the session report and the summary describe the same executions:
        the scanner (the executor's only source of opportunities) is stopped after a last scrape,
        then the executor is given `timeout` seconds to close what it has open."""
        self.take_snapshot()
        scanner = next((c for c in self.children if c.name == "scanner-0"), None)
        if scanner is None:
            return
        log(f"scanner-0 stopped (exit {scanner.stop(15)}); closing open executions")
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if not self.arborctl("executions", "--open").get("executions"):
                    break
            except (RuntimeError, ValueError, subprocess.TimeoutExpired):
                pass
            time.sleep(0.5)
        self.take_snapshot()

    def summary(self):
        figures = self.figures(self.snapshots) if self.snapshots else {}
        return {
            "mode": self.args.mode,
            "scenario": self.args.scenario,
            "seed": self.args.seed,
            "duration_seconds": round(time.time() - self.started, 1),
            "failure": self.failure,
            "processes": {c.name: {"exit_code": c.exit_code, "pid": c.proc.pid,
                                   "log": c.log_path}
                          for c in self.children},
            "report": self.report_path,
            "postgres_removed": self.pg_started and not self.args.keep and
                                not os.path.exists(self.pg_dir or ""),
            "figures": figures,
        }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["paper", "sim"], default="paper",
                   help="executor mode: paper (Monte Carlo fills, no orders) or sim (real "
                        "signed orders against the simulator)")
    p.add_argument("--duration", type=float, default=0,
                   help="seconds to run (0 = until Ctrl-C)")
    p.add_argument("--scenario",
                   default=os.path.join(ROOT, "services/venue_sim/scenarios/default.json"))
    p.add_argument("--step-ms", type=int, default=250, help="simulator step period")
    p.add_argument("--lanes", default="binary,negrisk,cross_venue,combinatorial")
    p.add_argument("--limits", default=os.path.join(ROOT, "tests/data/executor/limits_paper.json"))
    p.add_argument("--seed", type=int, default=1, help="paper fill model seed")
    p.add_argument("--max-unwind-loss", default="0.03",
                   help="executor --max_unwind_loss (USD per share): the default scenario's "
                        "spread is 0.02, so a tighter bound (rounded to the 0.01 tick) could "
                        "not unwind a lone leg and would leave it exposed (safe mode)")
    p.add_argument("--executor-arg", action="append", default=[],
                   help="extra arbor-executor flag, repeatable (e.g. "
                        "--executor-arg=--paper_fill_probability=1)")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build/release"))
    p.add_argument("--run-dir", default="",
                   help="where logs and summary.json go (default: runs/<UTC time>)")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL cluster")
    p.add_argument("--progress-every", type=float, default=10,
                   help="seconds between progress blocks when stdout is not a terminal")
    args = p.parse_args()
    args.scenario = os.path.abspath(args.scenario)
    args.limits = os.path.abspath(args.limits)
    args.build_dir = os.path.abspath(args.build_dir)
    if not args.run_dir:
        args.run_dir = os.path.join(ROOT, "runs", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    args.run_dir = os.path.abspath(args.run_dir)
    os.makedirs(args.run_dir, exist_ok=True)

    run = Run(args)

    def on_signal(signum, _frame):
        log(f"signal {signum}: stopping")
        run.stop_requested.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        run.setup()
        log(f"running ({'until Ctrl-C' if args.duration <= 0 else f'{args.duration:.0f} s'}); "
            f"logs in {args.run_dir}")
        run.monitor()
    except Exception as e:  # noqa: BLE001 - any setup failure stops the run cleanly
        run.failure = str(e)
    finally:
        run.teardown()
        summary = run.summary()
        path = os.path.join(args.run_dir, "summary.json")
        with open(path, "w") as f:
            json.dump(summary, f, indent=2, sort_keys=True)
        if summary["figures"]:
            print(Run.render(summary["figures"]))
        log(f"summary: {path}")
    if run.failure:
        log(f"FAILED: {run.failure}")
        code = 1
    bad = {c.name: c.exit_code for c in run.children if c.exit_code not in (0, None)}
    if bad:
        log(f"processes that did not exit cleanly: {bad}")
        code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
