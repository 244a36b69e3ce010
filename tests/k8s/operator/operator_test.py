#!/usr/bin/env python3
"""The operator end to end without a cluster (OPERATOR_NOTES.md §7.1 T1): two real arbor-operator
replicas against the fault-injecting fake API server over HTTPS (a CA made here), driving a real
paper arbor-executor (with its own throwaway PostgreSQL cluster) over gRPC.

What it checks, in order:
  1. leader election: exactly one replica holds the Lease;
  2. a new TradingPolicy gets the finalizer, status (observedGeneration, Ready=True
     LimitsApplied, stage 0) and the executor runs stage 0's limits (arborctl executor status);
  3. promotion: stage 0's window (3 s, no gates) ends → stage 1 on the executor, Promoted event;
  4. faults: a 409 on the status write and an in-stream 410 on the watch do not stop it;
  5. abort via spec → safe stage 0 on the executor, Aborted=True; clearing it resumes;
  6. failover: SIGTERM to the leader releases the Lease; the other replica takes over and
     reconciles the next spec change (a stage edit restarts the evidence window);
  7. executor loss: the executor stops → Degraded=True ExecutorUnavailable after
     failover.executorUnhealthyAfter; it comes back → Degraded=False;
  8. deletion: the finalizer makes the executor fail closed (capital cap 0) before the object goes;
  9. operator metrics on /metrics.
Exits 0 on success; prints what failed otherwise.
"""

import argparse
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

NS = "trading"
TOKEN = "operator-test-token"
TP_PATH = f"/apis/arbor.dev/v1alpha1/namespaces/{NS}/tradingpolicies"


def log(msg):
    print(f"[operator_test] {msg}", flush=True)


class Failure(Exception):
    pass


def wait_for(what, predicate, timeout=60.0, interval=0.2):
    """Polls predicate() until it returns a truthy value; the generous timeout is a hang guard,
    never a speed assertion."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as e:  # noqa: BLE001 - a transient error is just "not yet"
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise Failure(f"timed out waiting for {what} (last: {last!r})")


def make_certs(d):
    def run(*argv):
        subprocess.run(argv, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=arbor-test-ca", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr")
    with open(f"{d}/san.ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.crt",
        "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "1", "-extfile", f"{d}/san.ext",
        "-out", f"{d}/server.crt")


class Api:
    def __init__(self, port, ca):
        self.base = f"https://127.0.0.1:{port}"
        self.ctx = ssl.create_default_context(cafile=ca)

    def request(self, method, path, body=None, content_type="application/json", auth=True):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if auth:
            req.add_header("Authorization", f"Bearer {TOKEN}")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def get(self, path):
        return self.request("GET", path)

    def policy(self, name):
        code, obj = self.get(f"{TP_PATH}/{name}")
        return obj if code == 200 else None

    def patch_spec(self, name, spec_patch):
        code, obj = self.request("PATCH", f"{TP_PATH}/{name}", {"spec": spec_patch},
                                 "application/merge-patch+json")
        if code != 200:
            raise Failure(f"patch {name}: {code} {obj}")
        return obj

    def control(self, path, body=None):
        return self.request("POST" if body is not None else "GET", f"/_control/{path}", body,
                            auth=False)


def condition(obj, ctype):
    for c in (obj or {}).get("status", {}).get("conditions", []):
        if c["type"] == ctype:
            return c
    return None


def cond_is(obj, ctype, status, reason=None):
    c = condition(obj, ctype)
    return c is not None and c["status"] == status and (reason is None or c["reason"] == reason)


class Harness:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="arbor-operator-test-", dir="/tmp")
        # PostgreSQL runs as an unprivileged user when we are root: it must reach pg/.
        os.chmod(self.tmp, 0o755)
        self.procs = {}
        self.pg_dir = os.path.join(self.tmp, "pg")
        self.exec_token = os.path.join(self.tmp, "executor.token")
        with open(self.exec_token, "w") as f:
            f.write("exec-secret\n")
        self.kube_token = os.path.join(self.tmp, "kube.token")
        with open(self.kube_token, "w") as f:
            f.write(TOKEN + "\n")

    def binary(self, rel):
        return os.path.join(self.args.build_dir, rel)

    def start(self, name, argv, ready_line=True):
        out = open(os.path.join(self.tmp, f"{name}.log"), "wb")
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=out, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        self.procs[name] = p
        if not ready_line:
            return p, None
        line = p.stdout.readline()
        if not line:
            raise Failure(f"{name} exited before listening (see {out.name}): rc={p.wait()}")
        return p, json.loads(line)

    def stop(self, name, sig=signal.SIGTERM):
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return None
        p.send_signal(sig)
        try:
            return p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    def start_fake(self):
        make_certs(self.tmp)
        _, ready = self.start("apiserver", [
            sys.executable, os.path.join(self.args.source_dir, "tests/k8s/apiserver/fake_apiserver.py"),
            "--cert", f"{self.tmp}/server.crt", "--key", f"{self.tmp}/server.key",
            "--crd", os.path.join(self.args.source_dir, "k8s/crds/tradingpolicies.arbor.dev.yaml"),
            "--token", TOKEN])
        self.api = Api(ready["port"], f"{self.tmp}/ca.crt")
        log(f"fake API server on {ready['port']}")

    def start_pg(self):
        r = subprocess.run([os.path.join(self.args.source_dir, "scripts/pg_cluster.sh"), "start",
                            self.pg_dir], check=True, capture_output=True, text=True)
        self.conninfo = r.stdout.strip().splitlines()[-1]

    def start_executor(self):
        _, ready = self.start("executor", [
            self.binary("services/executor/arbor-executor"), "--mode=paper",
            f"--pg={self.conninfo}", f"--auth_token_file={self.exec_token}",
            f"--grpc_listen=127.0.0.1:{getattr(self, 'exec_port', 0)}", "--ops_port=0",
            "--ops_address=127.0.0.1", "--lease_ttl=2s", "--log_level=warning"])
        self.exec_port = ready["grpc_port"]
        wait_for("executor ready leader", lambda: self.executor_status().get("leader"), 60)
        log(f"executor on {self.exec_port}")

    def executor_status(self):
        r = subprocess.run([self.binary("services/arborctl/arborctl"), "executor",
                            "--executor", f"127.0.0.1:{self.exec_port}",
                            "--token-file", self.exec_token, "--output", "json", "status"],
                           capture_output=True, text=True, timeout=20)
        if r.returncode != 0:
            return {}
        return json.loads(r.stdout)

    def start_operator(self, name):
        _, ready = self.start(name, [
            self.binary("operator/arbor-operator"), f"--namespace={NS}",
            f"--kube_api_url={self.api.base}", f"--kube_token_file={self.kube_token}",
            f"--kube_ca_file={self.tmp}/ca.crt", f"--executor=127.0.0.1:{self.exec_port}",
            f"--executor_token_file={self.exec_token}", f"--identity={name}",
            "--lease_duration=4s", "--renew_deadline=3s", "--retry_period=500ms",
            "--resync=1s", "--ops_address=127.0.0.1", "--ops_port=0", "--log_level=warning"])
        return ready

    def lease_holder(self):
        code, lease = self.api.get(f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases/arbor-operator")
        return lease["spec"].get("holderIdentity", "") if code == 200 else ""

    def close(self):
        for name in list(self.procs):
            self.stop(name)
        if os.path.isdir(self.pg_dir):
            subprocess.run([os.path.join(self.args.source_dir, "scripts/pg_cluster.sh"),
                            "destroy", self.pg_dir], capture_output=True)


def active_limits(status):
    return status.get("active_limits", {})


def active_policy(status):
    return status.get("active_policy", {})


def policy_object():
    return {
        "apiVersion": "arbor.dev/v1alpha1", "kind": "TradingPolicy",
        "metadata": {"name": "canary", "namespace": NS},
        "spec": {
            "lanes": [{"name": "binary", "weightBps": 6000},
                      {"name": "negrisk", "weightBps": 4000}],
            "stages": [
                {"name": "probe", "capitalCapCents": 5000, "minDuration": "3s",
                 "lanes": ["binary"]},
                {"name": "ramp", "capitalCapCents": 20000, "minDuration": "1h"},
            ],
            "risk": {"maxOrderNotionalCents": 2500, "dailyLossCapCents": 2000,
                     "maxDrawdownCents": 3000},
            "failover": {"executorUnhealthyAfter": "2s", "killSwitchOnExecutorLoss": False},
        },
    }


def run(args):
    h = Harness(args)
    try:
        h.start_fake()
        h.start_pg()
        h.start_executor()
        ops = {n: h.start_operator(n)["ops_port"] for n in ("operator-a", "operator-b")}

        # 1. One leader.
        leader = wait_for("a lease holder", h.lease_holder, 30)
        assert leader in ops, leader
        other = "operator-b" if leader == "operator-a" else "operator-a"
        log(f"leader {leader}")

        # 2. Create → finalizer, status, stage 0 limits on the executor.
        code, created = h.api.request("POST", TP_PATH, policy_object())
        if code != 201:
            raise Failure(f"create: {code} {created}")
        uid = created["metadata"]["uid"]
        obj = wait_for("Ready=True at stage 0", lambda: (
            (o := h.api.policy("canary")) and cond_is(o, "Ready", "True", "LimitsApplied") and o), 60)
        assert "arbor.dev/limits-release" in obj["metadata"].get("finalizers", []), obj["metadata"]
        assert obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
        st = h.executor_status()
        log(f"executor policy after create: {active_policy(st)}")
        assert active_policy(st).get("policy_uid") == uid, st

        # 3. Promotion after the 3 s window.
        obj = wait_for("promotion to ramp", lambda: (
            (o := h.api.policy("canary")) and o["status"].get("currentStageName") == "ramp" and o), 60)
        st = wait_for("executor on stage 1", lambda: (
            (s := h.executor_status()) and active_policy(s).get("stage_index") == 1 and s), 30)
        assert int(active_limits(st)["capital_cap_micros"]) == 200_000_000, active_limits(st)
        # Events are posted after the status write: wait for them too.
        def reasons_seen():
            code, events = h.api.get(f"/apis/events.k8s.io/v1/namespaces/{NS}/events")
            reasons = {e.get("reason") for e in events.get("items", [])}
            return {"Started", "Promoted"} <= reasons and reasons
        wait_for("Started and Promoted events", reasons_seen, 30)

        # 4. Faults: the next status write gets 409 once; open watches get an in-stream 410.
        h.api.control("fault", {"path": "tradingpolicies/canary/status", "method": "PATCH",
                                "status": 409, "count": 1, "reason": "Conflict"})
        h.api.control("watch", {"action": "error410"})

        # 5. Abort → safe stage; clear → resumed.
        h.api.patch_spec("canary", {"abort": True})
        obj = wait_for("Aborted=True", lambda: (
            (o := h.api.policy("canary")) and cond_is(o, "Aborted", "True", "AbortRequested") and o), 60)
        assert obj["status"]["currentStage"] == 0, obj["status"]
        wait_for("executor back on stage 0", lambda: active_policy(h.executor_status()).get("stage_index", 0) == 0 and
                 int(active_limits(h.executor_status())["capital_cap_micros"]) == 50_000_000, 30)
        code, state = h.api.control("requests")
        conflicts = [r for r in state["requests"] if r["status"] == 409 and r["path"].endswith("/status")]
        assert conflicts, "the injected 409 was never hit"
        h.api.patch_spec("canary", {"abort": False})
        wait_for("Aborted=False Resumed", lambda: cond_is(h.api.policy("canary"), "Aborted", "False", "Resumed"), 60)

        # 6. Leader failover: SIGTERM releases the Lease; the other replica acts.
        rc = h.stop(leader)
        assert rc == 0, f"{leader} exited {rc}"
        wait_for(f"{other} to lead", lambda: h.lease_holder() == other, 30)
        obj = h.api.patch_spec("canary", {"stages": [
            {"name": "probe", "capitalCapCents": 5000, "minDuration": "1h", "lanes": ["binary"]},
            {"name": "ramp", "capitalCapCents": 20000, "minDuration": "1h"}]})
        gen = obj["metadata"]["generation"]
        obj = wait_for("the new leader to observe the stage edit", lambda: (
            (o := h.api.policy("canary")) and o["status"].get("observedGeneration") == gen and o), 60)
        assert obj["status"]["currentStage"] == 0

        # The event is posted after the status write, so it may trail observedGeneration (seen
        # under ASan): wait for it rather than read the list once.
        def spec_changed_by_other():
            code, events = h.api.get(f"/apis/events.k8s.io/v1/namespaces/{NS}/events")
            spec_changed = [e for e in events.get("items", []) if e.get("reason") == "SpecChanged"]
            return spec_changed and spec_changed[-1]["reportingInstance"] == other and spec_changed
        wait_for(f"a SpecChanged event from {other}", spec_changed_by_other, 30)

        # 7. Executor loss → Degraded; back → healthy.
        h.stop("executor")
        wait_for("Degraded=True ExecutorUnavailable",
                 lambda: cond_is(h.api.policy("canary"), "Degraded", "True", "ExecutorUnavailable"), 60)
        assert cond_is(h.api.policy("canary"), "Ready", "False")
        h.start_executor()
        wait_for("Degraded=False", lambda: cond_is(h.api.policy("canary"), "Degraded", "False"), 60)
        wait_for("Ready=True again", lambda: cond_is(h.api.policy("canary"), "Ready", "True"), 60)

        # 9. Metrics of the acting replica.
        text = urllib.request.urlopen(f"http://127.0.0.1:{ops[other]}/metrics", timeout=10).read().decode()
        for needle in ('arbor_operator_leader 1', 'arbor_tradingpolicy_stage{namespace="trading",policy="canary"} 0',
                       'arbor_tradingpolicy_condition{namespace="trading",policy="canary",type="Ready"} 1',
                       'arbor_operator_reconciles_total{result="success"}'):
            assert needle in text, f"{needle!r} not in /metrics"

        # 8. Deletion: fail-closed limits first, then the object goes.
        code, _ = h.api.request("DELETE", f"{TP_PATH}/canary")
        assert code in (200, 202), code
        wait_for("the object to be deleted", lambda: h.api.get(f"{TP_PATH}/canary")[0] == 404, 60)
        st = h.executor_status()
        assert int(active_limits(st).get("capital_cap_micros", 0)) == 0, active_limits(st)
        assert active_policy(st).get("stage_name") == "deleted", active_policy(st)

        rc = h.stop(other)
        assert rc == 0, f"{other} exited {rc}"
        log("PASS")
        return 0
    except Exception as e:  # noqa: BLE001 - report any failure with the process logs
        import traceback
        log(f"FAIL: {e}\n{traceback.format_exc()}")
        for name in os.listdir(h.tmp):
            if name.endswith(".log"):
                with open(os.path.join(h.tmp, name), errors="replace") as f:
                    tail = f.read()[-3000:]
                log(f"--- {name} (tail) ---\n{tail}")
        return 1
    finally:
        h.close()
        if not args.keep:
            shutil.rmtree(h.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    sys.exit(run(ap.parse_args()))


if __name__ == "__main__":
    main()
