#!/usr/bin/env python3
"""kubectl (v1.32, /usr/bin/kubectl) against fake_apiserver.py over HTTPS with a generated CA.

Checks that the fake speaks enough of the API for kubectl and that the TradingPolicy CRD works
with it: apply of every example policy, get -o json, get tp (server-side Table from the CRD's
additionalPrinterColumns), patch --type merge bumping metadata.generation, rejection of an
invalid object with the schema reason (422) and of an unknown field (strict server-side field
validation), delete.

Uses k8s/crds/tradingpolicies.arbor.dev.yaml and k8s/examples/*.yaml when they exist, else the
minimal copies in testdata/. Fails (does not skip) when kubectl is missing.
Run: python3 tests/k8s/apiserver/kubectl_test.py --source-dir .
"""

import argparse
import copy
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "kubectl-test-token"


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def make_certs(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = lambda *a: subprocess.run(list(a), check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", *ec, "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt",
        "-days", "2", "-subj", "/CN=arbor-kubectl-test-ca")
    run("openssl", "req", *ec, "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr",
        "-subj", "/CN=127.0.0.1")
    with open(f"{d}/server.ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.crt", "-CAkey",
        f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/server.crt", "-days", "2",
        "-extfile", f"{d}/server.ext")


def policies_from(paths):
    out = []
    for p in paths:
        with open(p) as f:
            for doc in yaml.safe_load_all(f):
                if doc and doc.get("kind") == "TradingPolicy":
                    out.append((p, doc))
    return out


class Kubectl:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.env = dict(os.environ, KUBECONFIG=f"{workdir}/kubeconfig", HOME=workdir)
        self.cache = f"{workdir}/kube-cache"

    def __call__(self, *args, stdin=None, ok=True):
        cmd = [self.binary, "--cache-dir", self.cache, "--request-timeout", "30s", *args]
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=self.env,
                           timeout=120)
        print(f"$ kubectl {' '.join(args)}  -> rc={r.returncode}")
        for line in (r.stdout + r.stderr).splitlines()[:40]:
            print(f"    {line}")
        if ok and r.returncode != 0:
            raise Failure(f"kubectl {' '.join(args)} failed: {r.stderr.strip()}")
        return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    args = ap.parse_args()

    kubectl_bin = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.path.exists("/usr/bin/kubectl") else None)
    if kubectl_bin is None:
        print("FAIL: kubectl not found (expected /usr/bin/kubectl, v1.32)")
        return 1

    crd = os.path.join(args.source_dir, "k8s/crds/tradingpolicies.arbor.dev.yaml")
    if not os.path.exists(crd):
        crd = os.path.join(HERE, "testdata/tradingpolicy_crd.yaml")
    examples = policies_from(sorted(glob.glob(os.path.join(args.source_dir, "k8s/examples/*.yaml"))))
    if not examples:
        examples = policies_from([os.path.join(HERE, "testdata/tradingpolicy_example.yaml")])
    check(examples, "no TradingPolicy examples found")
    print(f"CRD: {crd}")
    print(f"examples: {sorted(set(p for p, _ in examples))}")
    with open(crd) as f:
        crd_doc = next(d for d in yaml.safe_load_all(f) if d and d.get("kind") == "CustomResourceDefinition")
    version = next(v for v in crd_doc["spec"]["versions"] if v.get("storage", True))
    printer_columns = [c["name"] for c in version.get("additionalPrinterColumns", []) if not c.get("priority")]

    workdir = tempfile.mkdtemp(prefix="arbor_kubectl_")
    server = None
    try:
        make_certs(workdir)
        server = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fake_apiserver.py"), "--cert", f"{workdir}/server.crt",
             "--key", f"{workdir}/server.key", "--token", TOKEN, "--crd", crd],
            stdout=subprocess.PIPE, text=True)
        port = json.loads(server.stdout.readline())["port"]
        with open(f"{workdir}/kubeconfig", "w") as f:
            yaml.safe_dump({
                "apiVersion": "v1", "kind": "Config",
                "clusters": [{"name": "fake", "cluster": {
                    "server": f"https://127.0.0.1:{port}",
                    "certificate-authority": f"{workdir}/ca.crt"}}],
                "users": [{"name": "test", "user": {"token": TOKEN}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "test",
                                                          "namespace": "default"}}],
                "current-context": "fake"}, f)
        kubectl = Kubectl(kubectl_bin, workdir)

        # apply every example (default validation: kubectl finds fieldValidation support in the
        # fake's /openapi/v3 and leaves validation to the server)
        for path, doc in examples:
            r = kubectl("apply", "-f", "-", stdin=yaml.safe_dump(doc))
            check("created" in r.stdout, f"apply of {path} did not create: {r.stdout}")

        path, first = examples[0]
        name = first["metadata"]["name"]
        ns = first["metadata"].get("namespace", "default")

        # get -o json
        r = kubectl("get", "tradingpolicies", "-n", ns, "-o", "json")
        listed = json.loads(r.stdout)
        names = [i["metadata"]["name"] for i in listed["items"]]
        check(name in names, f"{name} not in kubectl get -o json: {names}")
        obj = next(i for i in listed["items"] if i["metadata"]["name"] == name)
        check(obj["apiVersion"] == "arbor.dev/v1alpha1", f"apiVersion {obj['apiVersion']}")
        check(obj["metadata"]["generation"] == 1, f"generation {obj['metadata']['generation']}")
        check(obj["metadata"].get("uid") and obj["metadata"].get("creationTimestamp"), "uid/creationTimestamp")

        # get tp: the short name and the printer columns (server-side Table)
        r = kubectl("get", "tp", "-n", ns)
        header = r.stdout.splitlines()[0].split()
        expected = ["NAME"] + [c.upper() for c in printer_columns]
        check(" ".join(header) == " ".join(" ".join(expected).split()),
              f"columns {header} != {expected}")
        check(any(line.split()[0] == name for line in r.stdout.splitlines()[1:]), f"{name} not listed")

        # patch --type merge bumps generation
        r = kubectl("patch", "tp", name, "-n", ns, "--type", "merge", "-p", '{"spec":{"abort":true}}')
        check("patched" in r.stdout, r.stdout)
        r = kubectl("get", "tp", name, "-n", ns, "-o", "json")
        patched = json.loads(r.stdout)
        check(patched["spec"].get("abort") is True, f"spec.abort not set: {patched['spec']}")
        check(patched["metadata"]["generation"] == 2, f"generation {patched['metadata']['generation']}")

        # invalid: wrong type -> 422 Invalid naming the field
        bad = copy.deepcopy(first)
        bad["metadata"]["name"] = "invalid-policy"
        bad["spec"]["abort"] = "not-a-boolean"
        r = kubectl("apply", "-f", "-", stdin=yaml.safe_dump(bad), ok=False)
        check(r.returncode != 0, "invalid object was accepted")
        check("is invalid" in r.stderr and "spec.abort" in r.stderr, f"no schema reason: {r.stderr}")
        r = kubectl("get", "tp", "invalid-policy", "-n", ns, ok=False)
        check(r.returncode != 0 and "NotFound" in r.stderr, "invalid object exists")

        # unknown field -> strict server-side field validation rejects it
        unknown = copy.deepcopy(first)
        unknown["metadata"]["name"] = "unknown-field"
        unknown["spec"]["noSuchField"] = 1
        r = kubectl("apply", "-f", "-", stdin=yaml.safe_dump(unknown), ok=False)
        check(r.returncode != 0 and 'unknown field "spec.noSuchField"' in r.stderr,
              f"unknown field not rejected: {r.stderr}")

        # delete
        r = kubectl("delete", "tp", name, "-n", ns)
        check("deleted" in r.stdout, r.stdout)
        r = kubectl("get", "tp", name, "-n", ns, ok=False)
        check(r.returncode != 0, "deleted object still there")
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        if server is not None:
            server.send_signal(signal.SIGKILL)  # our own child, by PID
            server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    print("PASS: kubectl against the fake API server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
