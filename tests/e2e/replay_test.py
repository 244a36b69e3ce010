#!/usr/bin/env python3
"""e2e.replay: `arbor replay` (scripts/replay.py + arborctl replay) on a recorded scenario.

Records tests/data/replay/scenario_small.json through the real simulator and one feed shard
(capture + catalog snapshot + mapping), then replays the capture through the scanner and the
paper executor on throwaway PostgreSQL clusters and checks what the issue promises:
  * the same capture and seed twice give byte-identical reports (report.json and report.html),
    also when the second replay runs at recorded speed x4 instead of as fast as possible;
  * another seed gives a different report (the seed drives the paper fills);
  * an A/B run of two minimum-edge settings (0.01 vs 0.04) on the same data shows the difference:
    the stricter side finds fewer opportunities, and compare.json carries both configurations and summaries;
  * every replay found opportunities in the binary, negrisk and cross_venue lanes, executed
    some, and every PostgreSQL cluster was removed.
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def fail(msg):
    print(f"replay_test: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def replay(args, out, *flags):
    cmd = [sys.executable, os.path.join(args.source_dir, "scripts/replay.py"),
           "--build-dir", args.build_dir, "--out", out, "--progress", "lines", *flags]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300)
    print(f"$ {' '.join(cmd)}\n{proc.stdout}")
    if proc.returncode != 0:
        fail(f"replay.py exited {proc.returncode}")
    clusters = re.findall(r"PostgreSQL cluster (\S+)", proc.stdout)
    if not clusters:
        fail("replay.py did not say where its PostgreSQL cluster was")
    for cluster in clusters:
        if os.path.exists(cluster):
            fail(f"the PostgreSQL cluster {cluster} was not removed")
    return proc.stdout


def read(path):
    with open(path, "rb") as f:
        return f.read()


def check_report(path):
    report = json.loads(read(path))
    s = report["summary"]
    if s["mode"] != "replay":
        fail(f"{path}: mode {s['mode']}")
    if s["executions"] <= 0:
        fail(f"{path}: no executions")
    found = {row["lane"]: row["found"] for row in report["opportunities"]}
    for lane in ("binary", "negrisk", "cross_venue"):
        if found.get(lane, 0) <= 0:
            fail(f"{path}: no {lane} opportunity found ({found})")
    return report


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build-dir", required=True)
    p.add_argument("--source-dir", required=True)
    p.add_argument("--record-seconds", type=float, default=14)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="arbor-e2e-replay-", dir="/tmp")
    os.chmod(work, 0o755)
    try:
        scenario = os.path.join(args.source_dir, "tests/data/replay/scenario_small.json")
        first = os.path.join(work, "first")
        replay(args, first, "--scenario", scenario, "--record-seconds", str(args.record_seconds),
               "--step-ms", "200", "--seed", "3")
        capture = os.path.join(first, "capture")
        if not glob.glob(os.path.join(capture, "capture-*.jsonl")):
            fail("the recording left no capture file")
        if not glob.glob(os.path.join(capture, "catalog-*.json")):
            fail("the feed wrote no catalog snapshot beside its capture")
        report = check_report(os.path.join(first, "report.json"))

        again = os.path.join(work, "again")
        replay(args, again, "--capture", capture, "--seed", "3", "--speed", "4")
        for name in ("report.json", "report.html", "session.json"):
            if read(os.path.join(first, name)) != read(os.path.join(again, name)):
                fail(f"same capture and seed, different {name} (max speed vs recorded x4)")

        other = os.path.join(work, "seed4")
        replay(args, other, "--capture", capture, "--seed", "4")
        if read(os.path.join(first, "report.json")) == read(os.path.join(other, "report.json")):
            fail("seeds 3 and 4 gave identical reports: the paper fills ignore the seed")

        ab = os.path.join(work, "ab")
        replay(args, ab, "--capture", capture, "--seed", "3", "--min-edge", "0.01",
               "--b-min-edge", "0.04")
        compare = json.loads(read(os.path.join(ab, "compare.json")))
        a, b = compare["a"], compare["b"]
        if a["config"].get("min_edge") != "0.01" or b["config"].get("min_edge") != "0.04":
            fail(f"compare.json configurations: {a['config']} / {b['config']}")
        if not b["summary"]["opportunities_found"] < a["summary"]["opportunities_found"]:
            fail(f"min edge 0.04 found {b['summary']['opportunities_found']} opportunities, "
                 f"not fewer than min edge 0.01's {a['summary']['opportunities_found']}")
        check_report(os.path.join(ab, "a", "report.json"))
        # Side B's stricter edge may leave a lane without opportunities; its report must exist.
        if json.loads(read(os.path.join(ab, "b", "report.json")))["summary"]["mode"] != "replay":
            fail("side B's report is not a replay report")
        print(f"replay_test: OK: {report['summary']['executions']} executions, "
              f"A/B opportunities {a['summary']['opportunities_found']} vs "
              f"{b['summary']['opportunities_found']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
