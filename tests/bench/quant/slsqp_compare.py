#!/usr/bin/env python3
"""Cross-check of `arborctl quant project` against a straightforward SciPy SLSQP minimisation.

For each instance (a JSON file in the `arborctl quant project` input format) the valid joint
outcomes Z are enumerated by depth-first search over the blocks, and the generalised KL
divergence D(mu || p) = sum mu ln(mu/p) - mu + p is minimised over conv(Z) with SLSQP, the
variables being convex weights over the enumerated vertices (mu = V^T w, sum w = 1, w >= 0).
The result is compared with arborctl's projection (Barrier Frank-Wolfe over the CBC oracle).

Instances: every *.json in --data (default tests/data/quant) plus, with --bench BIN, the small
generated instances of `BIN --emit-json NAME` (tests/bench/quant/projection_bench).

  slsqp_compare.py --arborctl build/release/services/arborctl/arborctl \
      --bench build/release/tests/bench/quant/projection_bench            # side-by-side table
  slsqp_compare.py --arborctl ... --check                                 # exit 1 on mismatch

--check asserts agreement only (divergence within 1e-6 relative, mu within 1e-4); timings are
printed for the docs and never asserted. Needs numpy and scipy (Debian: python3-numpy,
python3-scipy, installed by scripts/install_deps.sh --tests).
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    from scipy.optimize import minimize
except ImportError:
    # The interpreter CMake found (e.g. a pyenv shim) may lack the Debian packages that
    # /usr/bin/python3 has; re-run there once before failing.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath(
            "/usr/bin/python3") and not os.environ.get("ARBOR_SLSQP_REEXEC"):
        os.environ["ARBOR_SLSQP_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL: numpy and scipy are needed (apt-get install python3-numpy python3-scipy, or "
          "scripts/install_deps.sh --tests)", file=sys.stderr)
    sys.exit(1)

BENCH_INSTANCES = ["bracket8", "bracket8-games", "election-tiny",
                   "election-margins-tiny", "election-cand-tiny"]
DIVERGENCE_RTOL = 1e-6
MU_ATOL = 1e-4


class Model:
    """Blocks, prices and constraints of one instance, by outcome index."""

    def __init__(self, doc):
        self.names = []
        self.prices = []
        self.blocks = []  # lists of outcome indices
        index = {}
        for block in doc["blocks"]:
            members = []
            for name, price in zip(block["outcomes"], block["prices"]):
                index[name] = len(self.names)
                members.append(len(self.names))
                self.names.append(name)
                self.prices.append(float(price))
            self.blocks.append(members)
        self.block_of = {}
        for b, members in enumerate(self.blocks):
            for i in members:
                self.block_of[i] = b
        # Rows (terms {index: coef}, op, rhs).
        self.rows = []
        for c in doc.get("constraints", []):
            (kind, value), = c.items()
            if kind == "implies":
                self.rows.append(({index[value[0]]: 1.0, index[value[1]]: -1.0}, "<=", 0.0))
            elif kind == "excludes":
                self.rows.append((self._terms([(value[0], 1.0), (value[1], 1.0)], index), "<=",
                                  1.0))
            elif kind == "equivalent":
                self.rows.append((self._terms([(value[0], 1.0), (value[1], -1.0)], index), "=",
                                  0.0))
            elif kind == "at_most_one":
                self.rows.append((self._terms([(n, 1.0) for n in value], index), "<=", 1.0))
            elif kind == "linear":
                self.rows.append((self._terms(list(value["terms"].items()), index), value["op"],
                                  float(value["rhs"])))
            else:
                raise ValueError("unknown constraint kind " + kind)
        self.p = np.array(self.prices)

    @staticmethod
    def _terms(pairs, index):
        terms = {}
        for name, coef in pairs:
            terms[index[name]] = terms.get(index[name], 0.0) + float(coef)
        return terms

    def vertices(self, limit=200000):
        """Z by depth-first search; each row is checked once its last block is assigned."""
        last_block = []
        for terms, _, _ in self.rows:
            last_block.append(max(self.block_of[i] for i in terms) if terms else -1)
        rows_at = [[] for _ in self.blocks]
        for k, b in enumerate(last_block):
            if b >= 0:
                rows_at[b].append(k)
        z = [0] * len(self.names)
        out = []

        def ok(k):
            terms, op, rhs = self.rows[k]
            lhs = sum(coef * z[i] for i, coef in terms.items())
            if op == "<=":
                return lhs <= rhs + 1e-9
            if op == ">=":
                return lhs >= rhs - 1e-9
            return abs(lhs - rhs) <= 1e-9

        def dfs(b):
            if b == len(self.blocks):
                out.append(list(z))
                if len(out) > limit:
                    raise RuntimeError("more than %d valid joint outcomes" % limit)
                return
            for i in self.blocks[b]:
                z[i] = 1
                if all(ok(k) for k in rows_at[b]):
                    dfs(b + 1)
                z[i] = 0

        dfs(0)
        return np.array(out, dtype=float)


def generalised_kl(mu, p):
    mu = np.asarray(mu)
    pos = mu > 0
    return float(np.sum(mu[pos] * np.log(mu[pos] / p[pos])) + np.sum(p - mu))


def slsqp(model, V):
    """min_w D(V^T w || p) over the simplex; returns (mu, divergence, seconds)."""
    p = model.p
    live = V.max(axis=0) > 0  # outcomes some vertex sets; the others have mu = 0
    Vl, pl = V[:, live], p[live]
    constant = float(np.sum(p[~live]))

    def f(w):
        mu = np.maximum(Vl.T @ w, 1e-300)
        return float(np.sum(mu * np.log(mu / pl) - mu + pl)) + constant

    def grad(w):
        mu = np.maximum(Vl.T @ w, 1e-300)
        return Vl @ np.log(mu / pl)

    k = V.shape[0]
    w0 = np.full(k, 1.0 / k)
    start = time.perf_counter()
    res = minimize(f, w0, jac=grad, method="SLSQP", bounds=[(0.0, 1.0)] * k,
                   constraints=[{"type": "eq", "fun": lambda w: np.sum(w) - 1.0,
                                 "jac": lambda w: np.ones_like(w)}],
                   options={"ftol": 1e-15, "maxiter": 5000})
    seconds = time.perf_counter() - start
    w = np.clip(res.x, 0.0, None)
    w /= w.sum()
    mu = V.T @ w
    return mu, generalised_kl(mu, p), seconds, res


def run_arborctl(arborctl, path, gap):
    start = time.perf_counter()
    proc = subprocess.run([arborctl, "quant", "project", "--input", path, "--gap", repr(gap)],
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("arborctl exited %d: %s" % (proc.returncode, proc.stderr.strip()))
    return json.loads(proc.stdout), seconds


def instances(args, tmpdir):
    for path in sorted(glob.glob(os.path.join(args.data, "*.json"))):
        yield os.path.splitext(os.path.basename(path))[0], path
    if args.bench:
        for name in BENCH_INSTANCES:
            proc = subprocess.run([args.bench, "--emit-json", name], capture_output=True,
                                  text=True, check=True)
            path = os.path.join(tmpdir, name + ".json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(proc.stdout)
            yield name, path


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arborctl", required=True)
    parser.add_argument("--bench", help="projection_bench binary (adds generated instances)")
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "data", "quant"))
    parser.add_argument("--gap", type=float, default=1e-10, help="arborctl --gap")
    parser.add_argument("--check", action="store_true", help="exit 1 unless all agree")
    args = parser.parse_args()

    header = ("%-22s %8s %6s %16s %16s %9s %9s %10s %10s" %
              ("instance", "outcomes", "|Z|", "D arborctl", "D SLSQP", "rel dD", "max|dmu|",
               "arborctl_ms", "slsqp_ms"))
    print(header)
    failures = []
    count = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        for name, path in instances(args, tmpdir):
            with open(path, encoding="utf-8") as f:
                model = Model(json.load(f))
            V = model.vertices()
            out, t_arbor = run_arborctl(args.arborctl, path, args.gap)
            mu_arbor = np.array([out["mu"][n] for n in model.names])
            mu_s, d_s, t_s, res = slsqp(model, V)
            d_a = out["divergence"]
            rel = abs(d_a - d_s) / max(abs(d_s), 1e-12)
            dmu = float(np.max(np.abs(mu_arbor - mu_s)))
            print("%-22s %8d %6d %16.12f %16.12f %9.2e %9.2e %10.1f %10.1f" %
                  (name, len(model.names), V.shape[0], d_a, d_s, rel, dmu, t_arbor * 1e3,
                   t_s * 1e3))
            count += 1
            if not res.success:
                failures.append("%s: SLSQP did not converge (%s)" % (name, res.message))
            if rel > DIVERGENCE_RTOL:
                failures.append("%s: divergence %.12g vs SLSQP %.12g (relative %.2e > %g)" %
                                (name, d_a, d_s, rel, DIVERGENCE_RTOL))
            if dmu > MU_ATOL:
                failures.append("%s: max |mu - mu_SLSQP| = %.2e > %g" % (name, dmu, MU_ATOL))
            # arborctl's certificate: D(mu) - D(mu*) <= gap, and SLSQP's point is in conv(Z).
            if d_a > d_s + out["gap"] + 1e-9:
                failures.append("%s: arborctl D %.12g exceeds SLSQP D %.12g + gap %.3g" %
                                (name, d_a, d_s, out["gap"]))
    if count == 0:
        failures.append("no instances found in %s" % args.data)
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    if args.check and failures:
        return 1
    if args.check:
        print("OK: %d instances agree (divergence within %g relative, mu within %g)" %
              (count, DIVERGENCE_RTOL, MU_ATOL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
