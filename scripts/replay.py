#!/usr/bin/env python3
"""`arbor replay`: deterministic backtests of recorded market data (docs/replay.md).

Replays a feed capture (capture-*.jsonl files plus the catalog-*.json snapshots arbor-feed
writes beside them) through the production scanner and executor code in paper mode, with
`arborctl replay`, on a throwaway PostgreSQL cluster (scripts/pg_cluster.sh; removed afterwards).

    scripts/replay.py --capture DIR [arborctl replay flags...]
    scripts/replay.py --scenario FILE --record-seconds 60 [arborctl replay flags...]

With --scenario, the scenario is first recorded: arbor-venue-sim and one arbor-feed shard with
--capture_dir run for --record-seconds (real time), and the simulator's cross-venue mapping is
saved beside the capture as mapping.json; the capture is then replayed like any other. Every
other flag (--seed, --speed, --min-edge, --b-min-edge, --out, --output, ...) goes to
`arborctl replay` (arborctl replay --help). The exit code is arborctl replay's.

Only the Python standard library is used (Debian's python3).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as arbor_run  # noqa: E402  (Child, fetch, ROOT)

ROOT = arbor_run.ROOT


def log(msg):
    print(f"[replay {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def binary(build_dir, rel):
    path = os.path.join(build_dir, rel)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} not built (scripts/replay.sh builds it)")
    return path


def record(args, capture_dir, logdir):
    """Runs the simulator and one feed shard capturing into `capture_dir` for a while."""
    os.makedirs(capture_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="arbor-record-")
    pem, pub = os.path.join(work, "kalshi.pem"), os.path.join(work, "kalshi.pub.pem")
    subprocess.run(["openssl", "genrsa", "-out", pem, "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "rsa", "-in", pem, "-pubout", "-out", pub], check=True,
                   capture_output=True)
    children = []
    try:
        sim = arbor_run.Child("record-venue-sim", [
            binary(args.build_dir, "services/venue_sim/arbor-venue-sim"),
            "--scenario", args.scenario, "--clob-port", "0", "--gamma-port", "0",
            "--kalshi-port", "0", "--admin-port", "0", "--step-ms", "0",
            "--kalshi-key", f"feed={pub}"], logdir)
        children.append(sim)
        s = sim.wait_ready(60)
        feed = arbor_run.Child("record-feed", [
            binary(args.build_dir, "services/feed/app/arbor-feed"),
            f"--polymarket_clob_url=http://127.0.0.1:{s['clob_port']}",
            f"--polymarket_gamma_url=http://127.0.0.1:{s['gamma_port']}",
            f"--polymarket_ws_url=ws://127.0.0.1:{s['clob_port']}/ws/market",
            f"--kalshi_rest_url=http://127.0.0.1:{s['kalshi_port']}/trade-api/v2",
            f"--kalshi_ws_url=ws://127.0.0.1:{s['kalshi_port']}/trade-api/ws/v2",
            "--kalshi_key_id=feed", f"--kalshi_private_key_file={pem}",
            "--grpc_listen=127.0.0.1:0", "--ops_port=0", "--ops_address=127.0.0.1",
            "--shard_index=0", "--shard_count=1", f"--capture_dir={capture_dir}"], logdir)
        children.append(feed)
        feed.wait_ready(120)
        with open(os.path.join(capture_dir, "mapping.json"), "wb") as f:
            f.write(arbor_run.fetch(f"http://127.0.0.1:{s['admin_port']}/admin/mapping"))
        log(f"recording {args.scenario} for {args.record_seconds:.0f} s into {capture_dir}")
        # The scenario's clock starts once the feed is subscribed, so its first steps are recorded.
        stepper = arbor_run.Stepper(s["admin_port"], args.step_ms)
        time.sleep(args.record_seconds)
        stepper.stop()
        if stepper.error:
            raise RuntimeError(f"simulator step failed: {stepper.error}")
    finally:
        for c in reversed(children):
            code = c.stop(15)
            if code != 0:
                log(f"{c.name} exited {code} (log {c.log_path})")
        shutil.rmtree(work, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="Other flags are passed to `arborctl replay`.")
    p.add_argument("--capture", help="capture file or directory to replay")
    p.add_argument("--scenario", help="record this simulator scenario first")
    p.add_argument("--record-seconds", type=float, default=60)
    p.add_argument("--step-ms", type=int, default=250, help="simulator step period (recording)")
    p.add_argument("--limits", default=os.path.join(ROOT, "tests/data/executor/limits_paper.json"))
    p.add_argument("--out", default="", help="output directory (default: replays/<UTC time>)")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build/release"))
    args, rest = p.parse_known_args()
    if bool(args.capture) == bool(args.scenario):
        p.error("give exactly one of --capture or --scenario")
    args.build_dir = os.path.abspath(args.build_dir)
    if not args.out:
        args.out = os.path.join(ROOT, "replays", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    os.chmod(args.out, 0o755)

    if args.scenario:
        args.scenario = os.path.abspath(args.scenario)
        args.capture = os.path.join(args.out, "capture")
        record(args, args.capture, args.out)

    # Under /tmp: as root the server runs as an unprivileged user, who cannot traverse a
    # checkout under /root (see scripts/run.py).
    pg_root = tempfile.mkdtemp(prefix="arbor-pg-", dir="/tmp")
    os.chmod(pg_root, 0o755)
    pg_dir = os.path.join(pg_root, "pg")
    pg = subprocess.run([os.path.join(ROOT, "scripts/pg_cluster.sh"), "start", pg_dir],
                        capture_output=True, text=True)
    if pg.returncode != 0:
        log(f"PostgreSQL did not start: {pg.stderr.strip()}")
        return 2
    conninfo = pg.stdout.strip().splitlines()[-1]
    log(f"PostgreSQL cluster {pg_dir}")
    git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    try:
        argv = [binary(args.build_dir, "services/arborctl/arborctl"), "replay",
                "--capture", os.path.abspath(args.capture), "--pg", conninfo,
                "--limits", os.path.abspath(args.limits), "--out", args.out,
                "--git-commit", git.stdout.strip() if git.returncode == 0 else ""] + rest
        log(" ".join(argv[1:]))
        return subprocess.run(argv).returncode
    finally:
        subprocess.run([os.path.join(ROOT, "scripts/pg_cluster.sh"), "destroy", pg_dir],
                       capture_output=True)
        shutil.rmtree(pg_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
