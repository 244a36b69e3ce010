#!/usr/bin/env python3
"""Tests of the Helm chart charts/arbor without a cluster (../shared/k8s/OPERATOR_NOTES.md §7, T3).

    chart_test.py CASE [CASE...]     (ctest runs one case per test: helm.<case>)

Cases:
  lint           helm lint --strict with the defaults and with each ci/*-values.yaml.
  render_schema  helm template of each values file; every rendered object is schema-checked:
                 built-in and prometheus-operator kinds by validate_objects.mjs (kubernetes-models
                 validators + an unknown-field check), TradingPolicy by the CRD's openAPIV3Schema.
  semantics      what the chart promises: labels, immutable selectors, restricted securityContext,
                 no default resources, tokens, secrets by reference, shard count, RBAC, alerts...
  values_schema  values that break values.schema.json make helm template fail, naming the field.
  yamllint       yamllint over the chart's own YAML and every rendering.
  sync_files     the chart's copies of the canonical CRD, alert rules and scenario are identical.
  dashboard      the Grafana dashboard is valid JSON and queries only metrics the services export.
  notes          NOTES.txt renders for each values file and names what the user must do next.

helm comes from scripts/install_npm_tools.sh (tests/k8s/helm/bin/helm) or $ARBOR_HELM; without it
every case fails (never skips).
"""
import copy
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CHART = os.path.join(ROOT, "charts", "arbor")
HELM = os.environ.get("ARBOR_HELM", os.path.join(HERE, "bin", "helm"))
NODE_MODULES = os.path.join(HERE, "node", "node_modules")
RELEASE = "arbor"
NAMESPACE = "trading"
COMPONENTS = ["feed", "scanner", "executor", "operator"]

failures = []


def fail(msg):
    failures.append(msg)
    print(f"FAIL: {msg}")


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def values_files():
    """(label, path or None) for the defaults and each ci/*-values.yaml."""
    files = [("default", None)]
    for path in sorted(glob.glob(os.path.join(CHART, "ci", "*-values.yaml"))):
        files.append((os.path.basename(path)[: -len("-values.yaml")], path))
    return files


def helm(*args, check_rc=True):
    proc = subprocess.run([HELM, *args], capture_output=True, text=True, timeout=120)
    if check_rc and proc.returncode != 0:
        raise RuntimeError(f"helm {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def render(values_path=None, sets=(), chart=CHART):
    args = ["template", RELEASE, chart, "--namespace", NAMESPACE]
    if values_path:
        args += ["-f", values_path]
    for s in sets:
        args += ["--set", s]
    return helm(*args).stdout


def load_docs(text):
    return [d for d in yaml.safe_load_all(text) if d]


def load_values(values_path):
    with open(os.path.join(CHART, "values.yaml")) as f:
        values = yaml.safe_load(f)
    if values_path:
        with open(values_path) as f:
            deep_merge(values, yaml.safe_load(f) or {})
    return values


def deep_merge(base, over):
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            deep_merge(base[k], v)
        else:
            base[k] = v


def name_of(doc):
    return f"{doc['kind']}/{doc['metadata']['name']}"


def pod_spec(doc):
    if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def component_of(doc):
    return doc["metadata"].get("labels", {}).get("app.kubernetes.io/component")


def container_args(doc, name=None):
    spec = pod_spec(doc)
    for c in spec["containers"]:
        if name is None or c["name"] == name:
            return c.get("args", [])
    return []


def flag(args, name):
    """Value of --name=value in args (the last one wins, as with absl flags), or None."""
    value = None
    for a in args:
        if a.startswith(f"--{name}="):
            value = a.split("=", 1)[1]
    return value


def find(docs, kind, component=None, name=None):
    return [d for d in docs if d["kind"] == kind
            and (component is None or component_of(d) == component)
            and (name is None or d["metadata"]["name"] == name)]


# ----------------------------------------------------------------------------------- lint
def case_lint():
    for label, path in values_files():
        args = ["lint", "--strict", CHART, "--namespace", NAMESPACE]
        if path:
            args += ["-f", path]
        proc = helm(*args, check_rc=False)
        out = proc.stdout + proc.stderr
        if check(proc.returncode == 0, f"helm lint --strict ({label}) failed:\n{out}"):
            check("0 chart(s) failed" in out, f"helm lint ({label}): unexpected output:\n{out}")
            # --strict turns warnings into failures; INFO (e.g. no icon) is allowed.
            check("[WARNING]" not in out and "[ERROR]" not in out, f"helm lint ({label}):\n{out}")


# ---------------------------------------------------------------------- render_schema
def crd_schema():
    with open(os.path.join(CHART, "files", "crds", "tradingpolicies.arbor.dev.yaml")) as f:
        crd = yaml.safe_load(f)
    (version,) = [v for v in crd["spec"]["versions"] if v["storage"]]
    return crd["spec"]["group"], version["name"], crd["spec"]["names"]["kind"], \
        version["schema"]["openAPIV3Schema"]


def strictify(schema):
    """OpenAPI structural schema -> JSON Schema that, like the API server's pruning, refuses
    unknown fields (additionalProperties: false wherever properties are listed and the node does
    not preserve unknown fields)."""
    s = copy.deepcopy(schema)

    def walk(node):
        if not isinstance(node, dict):
            return
        if "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields") \
                and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for key in ("properties", "patternProperties"):
            for child in node.get(key, {}).values():
                walk(child)
        for key in ("items", "additionalProperties", "not"):
            if isinstance(node.get(key), dict):
                walk(node[key])
        for key in ("allOf", "anyOf", "oneOf"):
            for child in node.get(key, []):
                walk(child)
    walk(s)
    # metadata is an ObjectMeta: checked by the API server, not by the CRD schema.
    s.setdefault("properties", {})["metadata"] = {"type": "object"}
    return s


def validate_custom_resource(doc, where):
    group, version, kind, schema = crd_schema()
    check(doc["apiVersion"] == f"{group}/{version}",
          f"{where}: {name_of(doc)} apiVersion {doc['apiVersion']} is not the CRD's {group}/{version}")
    validator = jsonschema.Draft7Validator(strictify(schema))
    for err in validator.iter_errors(doc):
        fail(f"{where}: {name_of(doc)} against the CRD schema: {'/'.join(map(str, err.path))}: {err.message}")
    # The CRD's CEL rule that matters most for a sample: lane weights sum to 100 %.
    lanes = doc.get("spec", {}).get("lanes", [])
    check(sum(l.get("weightBps", 0) for l in lanes) == 10000,
          f"{where}: {name_of(doc)} lane weights do not sum to 10000 bps")


def case_render_schema():
    if not check(os.path.isdir(NODE_MODULES),
                 f"{NODE_MODULES} is missing: run scripts/install_npm_tools.sh"):
        return
    items = []
    _, _, crd_kind, _ = crd_schema()
    kinds = set()
    for label, path in values_files():
        docs = load_docs(render(path))
        check(len(docs) > 10, f"{label}: only {len(docs)} objects rendered")
        for doc in docs:
            check({"apiVersion", "kind", "metadata"} <= doc.keys(), f"{label}: object without apiVersion/kind/metadata: {str(doc)[:200]}")
            kinds.add(doc["kind"])
            if doc["kind"] == crd_kind:
                validate_custom_resource(doc, label)
            else:
                items.append({"where": label, "object": doc})
    proc = subprocess.run(["node", os.path.join(HERE, "validate_objects.mjs")],
                          input=json.dumps(items), capture_output=True, text=True, timeout=300)
    print(proc.stdout.strip())
    if proc.returncode != 0:
        fail(f"validate_objects.mjs found problems:\n{proc.stdout}{proc.stderr}")
    # Every kind the chart can render was covered by at least one values file.
    for kind in ["CustomResourceDefinition", "StatefulSet", "Deployment", "Service", "ServiceAccount",
                 "Role", "RoleBinding", "NetworkPolicy",
                 "PodDisruptionBudget", "ConfigMap", "PodMonitor", "PrometheusRule", crd_kind]:
        check(kind in kinds, f"no values file renders a {kind}; the schema check never saw one")


# -------------------------------------------------------------------------- semantics
STANDARD_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                   "app.kubernetes.io/component", "app.kubernetes.io/part-of",
                   "app.kubernetes.io/managed-by", "helm.sh/chart"]
FORBIDDEN_IN_SELECTORS = ["helm.sh/chart", "app.kubernetes.io/version", "app.kubernetes.io/managed-by"]


def selectors_of(doc):
    """Every label selector map in the object (immutable workload selectors, Service selectors,
    PDB/NetworkPolicy/PodMonitor selectors and NetworkPolicy peers)."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("matchLabels",) and isinstance(v, dict):
                    found.append((f"{path}.{k}", v))
                elif k == "selector" and isinstance(v, dict) and doc["kind"] == "Service":
                    found.append((f"{path}.{k}", v))
                else:
                    walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
    walk(doc.get("spec", {}), "spec")
    return found


def check_security(doc, where):
    spec = pod_spec(doc)
    psc = spec.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot is not true")
    check(isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] > 0, f"{where}: pod runAsUser is not a fixed non-root UID")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where}: pod seccompProfile is not RuntimeDefault")
    check(not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"), f"{where}: host namespaces used")
    for c in spec.get("initContainers", []) + spec["containers"]:
        csc = c.get("securityContext", {})
        w = f"{where} container {c['name']}"
        check(csc.get("allowPrivilegeEscalation") is False, f"{w}: allowPrivilegeEscalation is not false")
        check(csc.get("readOnlyRootFilesystem") is True, f"{w}: readOnlyRootFilesystem is not true")
        check(csc.get("capabilities", {}).get("drop") == ["ALL"], f"{w}: capabilities.drop is not [ALL]")
        check(not csc.get("capabilities", {}).get("add"), f"{w}: adds capabilities")
        check(csc.get("privileged") in (None, False), f"{w}: privileged")
        check(csc.get("runAsNonRoot", True) is True and csc.get("runAsUser", 1) != 0, f"{w}: may run as root")
        check(csc.get("seccompProfile", {}).get("type", "RuntimeDefault") == "RuntimeDefault", f"{w}: seccomp")
        mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
        check("/tmp" in mounts, f"{w}: no writable /tmp (emptyDir) under a read-only root file system")
        probes = [p for p in ("readinessProbe", "livenessProbe") if p in c]
        check(len(probes) == 2, f"{w}: missing readiness or liveness probe")
        if component_of(doc) in COMPONENTS:
            for p in ("startupProbe", "readinessProbe", "livenessProbe"):
                check(c.get(p, {}).get("httpGet", {}).get("port") == "ops", f"{w}: {p} is not on the ops port")
            check(c["readinessProbe"]["httpGet"]["path"] == "/readyz", f"{w}: readiness is not /readyz")
            check(c["livenessProbe"]["httpGet"]["path"] == "/healthz", f"{w}: liveness is not /healthz")
    for v in spec.get("volumes", []):
        check("hostPath" not in v, f"{where}: hostPath volume {v['name']}")


def check_secrets(doc, where):
    """Secrets are referenced, never created; every referenced Secret is a configured one."""
    spec = pod_spec(doc)
    for v in spec.get("volumes", []):
        if "secret" in v:
            check("items" in v["secret"], f"{where}: secret volume {v['name']} mounts every key (no items)")
            check(v["secret"].get("defaultMode", 0o644) & 0o007 == 0,
                  f"{where}: secret volume {v['name']} is world-readable")


def case_semantics():
    for label, path in values_files():
        values = load_values(path)
        docs = load_docs(render(path))
        where = lambda d: f"{label}: {name_of(d)}"  # noqa: E731
        check(not find(docs, "Secret"), f"{label}: the chart renders a Secret (credentials are references only)")

        for d in docs:
            labels = d["metadata"].get("labels", {})
            for l in STANDARD_LABELS:
                check(l in labels, f"{where(d)}: label {l} missing")
            check(labels.get("app.kubernetes.io/instance") == RELEASE, f"{where(d)}: wrong instance label")
            check(labels.get("app.kubernetes.io/part-of") == "arbor", f"{where(d)}: part-of is not arbor")
            if d["kind"] != "CustomResourceDefinition" and d["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
                expect_ns = NAMESPACE
                if d["kind"] in ("PodMonitor",):
                    expect_ns = values["monitoring"]["podMonitor"]["namespace"] or NAMESPACE
                if d["kind"] == "PrometheusRule":
                    expect_ns = values["monitoring"]["prometheusRule"]["namespace"] or NAMESPACE
                if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-dashboard"):
                    expect_ns = values["monitoring"]["grafanaDashboard"]["namespace"] or NAMESPACE
                check(d["metadata"].get("namespace") == expect_ns, f"{where(d)}: namespace {d['metadata'].get('namespace')} != {expect_ns}")
            for sel_path, sel in selectors_of(d):
                for l in FORBIDDEN_IN_SELECTORS:
                    check(l not in sel, f"{where(d)}: {sel_path} contains {l}")
            spec = pod_spec(d)
            if spec is None:
                continue
            # Workload selectors match the pod template; pod labels carry the standard set.
            sel = d["spec"]["selector"]["matchLabels"]
            tmpl_labels = d["spec"]["template"]["metadata"]["labels"]
            check(all(tmpl_labels.get(k) == v for k, v in sel.items()), f"{where(d)}: selector does not match the pod labels")
            check(set(sel) == {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"},
                  f"{where(d)}: selector {sorted(sel)} is not name/instance/component")
            for l in STANDARD_LABELS:
                check(l in tmpl_labels, f"{where(d)}: pod label {l} missing")
            check_security(d, where(d))
            check_secrets(d, where(d))
            comp = component_of(d)
            # Only the operator gets an API token (pod and ServiceAccount).
            check(spec.get("automountServiceAccountToken") is (comp == "operator"),
                  f"{where(d)}: automountServiceAccountToken is {spec.get('automountServiceAccountToken')}")
            # No default resources: only what the values file sets.
            comp_values = values["venueSim" if comp == "venue-sim" else comp]
            for c in spec["containers"]:
                check(c.get("resources", {}) == (comp_values.get("resources") or {}),
                      f"{where(d)}: resources {c.get('resources')} not exactly the configured ones")
            # Images: the configured repository, tag = appVersion unless a digest is pinned.
            img = spec["containers"][0]["image"]
            repo = values["image"]["repository"]
            if values["image"].get("digest"):
                check(img == f"{repo}@{values['image']['digest']}", f"{where(d)}: image {img} ignores the digest")
            else:
                with open(os.path.join(CHART, "Chart.yaml")) as f:
                    app_version = yaml.safe_load(f)["appVersion"]
                check(img == f"{repo}:{values['image']['tag'] or app_version}", f"{where(d)}: image {img}")
            check(spec["containers"][0]["command"][0].startswith("/usr/local/bin/arbor-"), f"{where(d)}: command")

        for sa in find(docs, "ServiceAccount"):
            check(sa.get("automountServiceAccountToken") is (component_of(sa) == "operator"),
                  f"{label}: {name_of(sa)} automountServiceAccountToken")

        check_feed(label, values, docs)
        check_executor(label, values, docs)
        check_operator(label, values, docs)
        check_rbac(label, values, docs)
        check_network_policies(label, values, docs)
        check_monitoring(label, values, docs)
        check_crd(label, values, docs)


def feed_addresses(values):
    feed = f"{RELEASE}-feed"
    return ",".join(f"{feed}-{i}.{feed}-headless.{NAMESPACE}.svc:{values['feed']['grpcPort']}"
                    for i in range(values["feed"]["shards"]))


def check_feed(label, values, docs):
    (sts,) = find(docs, "StatefulSet", "feed")
    n = values["feed"]["shards"]
    args = container_args(sts)
    check(sts["spec"]["replicas"] == n, f"{label}: feed replicas {sts['spec']['replicas']} != shards {n}")
    check(flag(args, "shard_count") == str(n), f"{label}: feed --shard_count {flag(args, 'shard_count')} != replicas {n}")
    check(flag(args, "shard_index") == "-1" and flag(args, "pod_name") == "$(POD_NAME)",
          f"{label}: feed does not derive its shard from the pod name")
    (headless,) = find(docs, "Service", "feed")
    check(headless["spec"]["clusterIP"] == "None" and sts["spec"]["serviceName"] == headless["metadata"]["name"],
          f"{label}: feed StatefulSet is not governed by its headless Service")
    check(flag(args, "grpc_listen") == f"0.0.0.0:{values['feed']['grpcPort']}", f"{label}: feed --grpc_listen")
    check(flag(args, "ops_port") == str(values["feed"]["opsPort"]) and flag(args, "ops_address") == "0.0.0.0", f"{label}: feed ops")
    sim = values["venueSim"]["enabled"]
    clob = flag(args, "polymarket_clob_url")
    if not values["venues"]["polymarket"]["clobUrl"]:
        check(("venue-sim" in clob) == sim, f"{label}: feed CLOB URL {clob} (simulator enabled: {sim})")
    if sim:
        # Its default is loopback; other pods must reach it through its Service.
        (sim_deploy,) = find(docs, "Deployment", "venue-sim")
        sim_args = container_args(sim_deploy)
        check(sim_args[sim_args.index("--listen-address") + 1] == "0.0.0.0" if "--listen-address" in sim_args else False,
              f"{label}: venue simulator must listen on 0.0.0.0, args {sim_args}")
    kalshi = "kalshi" in values["feed"]["venues"]
    check((flag(args, "kalshi_key_id") == "$(KALSHI_KEY_ID)") == kalshi, f"{label}: feed Kalshi key id flag")
    env = {e["name"]: e for e in pod_spec(sts)["containers"][0].get("env", [])}
    if kalshi:
        ref = env["KALSHI_KEY_ID"]["valueFrom"]["secretKeyRef"]
        check(ref["name"] == values["feed"]["kalshi"]["existingSecret"], f"{label}: feed Kalshi secret")
    pdb = find(docs, "PodDisruptionBudget", "feed")
    check(len(pdb) == int(values["feed"]["podDisruptionBudget"]["enabled"]), f"{label}: feed PDB")
    (scanner,) = find(docs, "Deployment", "scanner")
    check(flag(container_args(scanner), "feeds") == feed_addresses(values),
          f"{label}: scanner --feeds {flag(container_args(scanner), 'feeds')} != {feed_addresses(values)}")


def check_executor(label, values, docs):
    ex = values["executor"]
    (sts,) = find(docs, "StatefulSet", "executor")
    args = container_args(sts)
    check(sts["spec"]["replicas"] == ex["replicas"], f"{label}: executor replicas")
    check(sts["spec"]["podManagementPolicy"] == "Parallel", f"{label}: executor pods must start in parallel")
    check(sts["spec"]["updateStrategy"]["type"] == ex["updateStrategy"]["type"], f"{label}: executor updateStrategy")
    check(flag(args, "instance_id") == "$(POD_NAME)", f"{label}: executor --instance_id")
    check(flag(args, "mode") == ex["mode"], f"{label}: executor --mode")
    check(flag(args, "grpc_listen") == f"0.0.0.0:{ex['grpcPort']}", f"{label}: executor --grpc_listen")
    check(flag(args, "ops_address") == "0.0.0.0" and flag(args, "ops_port") == str(ex["opsPort"]), f"{label}: executor ops")
    pg = values["postgresql"]
    conninfo = flag(args, "pg") or ""
    for part in (f"host={pg['host']}", f"port={pg['port']}", f"dbname={pg['database']}", f"user={pg['user']}",
                 f"sslmode={pg['sslMode']}"):
        check(part in conninfo.split(" "), f"{label}: executor --pg {conninfo!r} lacks {part}")
    check("password" not in conninfo, f"{label}: a password in --pg")
    check(flag(args, "pg_password_file") is not None, f"{label}: executor --pg_password_file")
    check(flag(args, "auth_token_file") is not None, f"{label}: executor --auth_token_file")
    check(flag(args, "feeds") == feed_addresses(values), f"{label}: executor --feeds")
    check((flag(args, "tls_cert_file") is not None) == ex["tls"]["enabled"], f"{label}: executor TLS flags")
    trading = ex["mode"] != "paper"
    for f in ("polymarket_key_file", "kalshi_key_id_file", "kalshi_private_key_file", "kalshi_url", "polymarket_clob_url"):
        check((flag(args, f) is not None) == trading, f"{label}: executor --{f} present in {ex['mode']} mode")
    # Secret volumes point at the configured existing Secrets.
    secret_names = {v["secret"]["secretName"] for v in pod_spec(sts)["volumes"] if "secret" in v}
    want = {pg["existingSecret"], ex["auth"]["existingSecret"]}
    if ex["tls"]["enabled"]:
        want.add(ex["tls"]["existingSecret"])
    if trading:
        want |= {ex["polymarket"]["existingSecret"], ex["kalshi"]["existingSecret"]}
    check(secret_names == want, f"{label}: executor secret volumes {sorted(secret_names)} != {sorted(want)}")
    # The Service routes to ready pods only (the leader); the PDB keeps the leader.
    svc = find(docs, "Service", "executor", f"{RELEASE}-executor")[0]
    check(not svc["spec"].get("publishNotReadyAddresses"), f"{label}: executor Service publishes not-ready pods")
    check(svc["spec"]["ports"][0]["port"] == ex["grpcPort"], f"{label}: executor Service port")
    pdb = find(docs, "PodDisruptionBudget", "executor")
    if ex["podDisruptionBudget"]["enabled"]:
        check(len(pdb) == 1 and pdb[0]["spec"].get("minAvailable") == 1, f"{label}: executor PDB minAvailable 1")
    if ex["subscribeScanner"]:
        check(flag(args, "scanner") == f"{RELEASE}-scanner.{NAMESPACE}.svc:{values['scanner']['grpcPort']}",
              f"{label}: executor --scanner {flag(args, 'scanner')}")


def check_operator(label, values, docs):
    op = values["operator"]
    (dep,) = find(docs, "Deployment", "operator")
    args = container_args(dep)
    names = sorted({a.split("=", 1)[0] for a in args})
    allowed = {"--namespace", "--executor", "--executor_token_file", "--executor_tls_ca_file", "--feeds",
               "--lease_name", "--identity", "--ops_address", "--ops_port", "--resync", "--log_level"}
    extra = {a.split("=", 1)[0] for a in op["extraArgs"]}
    check(set(names) <= allowed | extra, f"{label}: operator flags {set(names) - allowed - extra} are not the operator's")
    check(dep["spec"]["replicas"] == op["replicas"], f"{label}: operator replicas")
    check(flag(args, "namespace") == NAMESPACE, f"{label}: operator --namespace")
    check(flag(args, "executor") == f"{RELEASE}-executor.{NAMESPACE}.svc:{values['executor']['grpcPort']}", f"{label}: operator --executor")
    check(flag(args, "feeds") == feed_addresses(values), f"{label}: operator --feeds")
    check(flag(args, "lease_name") == op["leaseName"], f"{label}: operator --lease_name")
    check(flag(args, "identity") == "$(POD_NAME)", f"{label}: operator --identity")
    check(flag(args, "ops_port") == "9092" or flag(args, "ops_port") == str(op["opsPort"]), f"{label}: operator --ops_port")
    check(flag(args, "resync") == op["resync"], f"{label}: operator --resync")
    tls = values["executor"]["tls"]["enabled"]
    check((flag(args, "executor_tls_ca_file") is not None) == tls, f"{label}: operator --executor_tls_ca_file")
    for v in pod_spec(dep)["volumes"]:
        if "secret" in v and v["secret"]["secretName"] == values["executor"]["tls"]["existingSecret"]:
            keys = [i["key"] for i in v["secret"]["items"]]
            check(keys == [values["executor"]["tls"]["caKey"]], f"{label}: operator mounts executor TLS keys {keys}, not only the CA")


def rules_by_resource(rules):
    out = {}
    for r in rules:
        for g in r.get("apiGroups", []):
            for res in r["resources"]:
                key = (g, res, tuple(r.get("resourceNames", [])))
                out.setdefault(key, set()).update(r["verbs"])
    return out


def check_rbac(label, values, docs):
    op = values["operator"]
    roles = find(docs, "Role") + find(docs, "ClusterRole")
    check(not find(docs, "ClusterRole"), f"{label}: the operator needs no ClusterRole")
    got = {}
    for r in roles:
        for k, v in rules_by_resource(r["rules"]).items():
            got.setdefault(k, set()).update(v)
        for rule in r["rules"]:
            check("*" not in rule["verbs"] and "*" not in rule["resources"] and "*" not in rule.get("apiGroups", []),
                  f"{label}: {name_of(r)} uses a wildcard")
    want = {
        ("arbor.dev", "tradingpolicies", ()): {"get", "list", "watch", "patch", "update"},
        ("arbor.dev", "tradingpolicies/status", ()): {"get", "patch", "update"},
        ("arbor.dev", "tradingpolicies/finalizers", ()): {"update"},
        ("", "events", ()): {"create", "patch"},
        ("events.k8s.io", "events", ()): {"create", "patch"},
        ("coordination.k8s.io", "leases", ()): {"create"},
        ("coordination.k8s.io", "leases", (op["leaseName"],)): {"get", "update", "patch"},
    }
    check(got == want, f"{label}: operator RBAC {sorted((k, sorted(v)) for k, v in got.items())} is not exactly the least-privilege set")
    for r in roles:
        check(r["kind"] == "Role", f"{label}: {name_of(r)} kind")
    bindings = find(docs, "RoleBinding") + find(docs, "ClusterRoleBinding")
    check(len(bindings) == len(roles), f"{label}: {len(bindings)} bindings for {len(roles)} roles")
    for b in bindings:
        check(b["subjects"] == [{"kind": "ServiceAccount", "name": f"{RELEASE}-operator", "namespace": NAMESPACE}],
              f"{label}: {name_of(b)} binds {b['subjects']}")
        check(any(r["metadata"]["name"] == b["roleRef"]["name"] and r["kind"] == b["roleRef"]["kind"] for r in roles),
              f"{label}: {name_of(b)} refers to a missing role")


def check_network_policies(label, values, docs):
    nps = find(docs, "NetworkPolicy")
    if not values["networkPolicy"]["enabled"]:
        check(not nps, f"{label}: NetworkPolicies rendered while disabled")
        return
    comps = COMPONENTS + (["venue-sim"] if values["venueSim"]["enabled"] else [])
    by_comp = {component_of(n): n for n in nps}
    check(sorted(by_comp) == sorted(comps), f"{label}: NetworkPolicies for {sorted(by_comp)} != {sorted(comps)}")
    for comp, n in by_comp.items():
        check(n["spec"]["policyTypes"] == ["Ingress", "Egress"], f"{label}: {name_of(n)} policyTypes")
        check(n["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == comp, f"{label}: {name_of(n)} selects {comp}")

    def peers_from(n, port):
        out = []
        for rule in n["spec"].get("ingress", []):
            if any(p.get("port") == port for p in rule.get("ports", [])):
                out += rule.get("from", [])
        return out

    def comps_in(peers):
        return sorted(p["podSelector"]["matchLabels"].get("app.kubernetes.io/component")
                      for p in peers if "podSelector" in p and "app.kubernetes.io/component" in p["podSelector"].get("matchLabels", {})
                      and "namespaceSelector" not in p)
    check(comps_in(peers_from(by_comp["executor"], "grpc")) == ["operator"], f"{label}: executor gRPC ingress components")
    check(any(p.get("podSelector", {}).get("matchLabels") == values["networkPolicy"]["executorClients"]["podLabels"]
              for p in peers_from(by_comp["executor"], "grpc")), f"{label}: executor gRPC open to arborctl clients")
    check(comps_in(peers_from(by_comp["scanner"], "grpc")) == ["executor"], f"{label}: scanner gRPC ingress")
    check(comps_in(peers_from(by_comp["feed"], "grpc")) == ["executor", "operator", "scanner"], f"{label}: feed gRPC ingress")
    check(peers_from(by_comp["operator"], "grpc") == [], f"{label}: operator has gRPC ingress")
    for comp in COMPONENTS:
        metrics = peers_from(by_comp[comp], "ops")
        check(len(metrics) == 1 and metrics[0]["namespaceSelector"] == values["networkPolicy"]["metrics"]["namespaceSelector"],
              f"{label}: {comp} ops ingress is not the monitoring namespace selector")
    # Egress: PostgreSQL port from the executor only; API server ports from the operator only.
    pg_port = values["postgresql"]["port"]
    for comp, n in by_comp.items():
        ports = {p.get("port") for r in n["spec"].get("egress", []) for p in r.get("ports", [])}
        check((pg_port in ports) == (comp == "executor"), f"{label}: {comp} egress to PostgreSQL port {pg_port}")
        if comp != "operator":
            check(not ({6443} & ports), f"{label}: {comp} may reach the API server port")


def check_monitoring(label, values, docs):
    mon = values["monitoring"]
    pms = find(docs, "PodMonitor")
    check(len(pms) == (4 if mon["podMonitor"]["enabled"] else 0), f"{label}: {len(pms)} PodMonitors")
    for pm in pms:
        for k, v in mon["podMonitor"]["additionalLabels"].items():
            check(pm["metadata"]["labels"].get(k) == v, f"{label}: {name_of(pm)} lacks additional label {k}")
        check(pm["spec"]["podMetricsEndpoints"][0]["port"] == "ops", f"{label}: {name_of(pm)} not on the ops port")
    rules = find(docs, "PrometheusRule")
    pr = mon["prometheusRule"]
    check(len(rules) == int(pr["enabled"]), f"{label}: PrometheusRule count")
    if rules:
        with open(os.path.join(ROOT, "k8s", "alerts", "arbor-alerts.yaml")) as f:
            canonical = yaml.safe_load(f)
        want = {r["alert"] for g in canonical["groups"] for r in g["rules"] if "alert" in r} - set(pr["excludeRules"])
        got = [r for g in rules[0]["spec"]["groups"] for r in g["rules"]]
        check({r.get("alert") for r in got if "alert" in r} == want, f"{label}: PrometheusRule alerts differ from the canonical rules minus excludeRules")
        base = pr["runbookBaseUrl"].rstrip("/")
        for r in got:
            if "alert" in r:
                url = r.get("annotations", {}).get("runbook_url", "")
                check(url == f"{base}/{r['alert']}.md", f"{label}: {r['alert']} runbook_url {url!r} does not use {base}")
        canon_rules = {r["alert"]: r for g in canonical["groups"] for r in g["rules"] if "alert" in r}
        for r in got:
            c = copy.deepcopy(canon_rules.get(r.get("alert"), {}))
            c.get("annotations", {}).pop("runbook_url", None)
            r2 = copy.deepcopy(r)
            r2.get("annotations", {}).pop("runbook_url", None)
            check(r2 == c, f"{label}: rule {r.get('alert')} differs from the canonical one beyond runbook_url")
        for k, v in pr["additionalLabels"].items():
            check(rules[0]["metadata"]["labels"].get(k) == v, f"{label}: PrometheusRule lacks label {k}")
        # What Prometheus will load: the rendered groups pass promtool (Debian package prometheus).
        if check(shutil.which("promtool") is not None, "promtool is not installed (scripts/install_deps.sh --tests)"):
            with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
                yaml.safe_dump({"groups": rules[0]["spec"]["groups"]}, f)
                f.flush()
                proc = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
                check(proc.returncode == 0, f"{label}: promtool check rules on the PrometheusRule:\n{proc.stdout}{proc.stderr}")
    dash = [d for d in find(docs, "ConfigMap") if d["metadata"]["labels"].get("grafana_dashboard") == "1"]
    check(len(dash) == int(mon["grafanaDashboard"]["enabled"]), f"{label}: dashboard ConfigMap count")


def check_crd(label, values, docs):
    crds = find(docs, "CustomResourceDefinition")
    check(len(crds) == int(values["crds"]["create"]), f"{label}: CRD count")
    if crds:
        with open(os.path.join(ROOT, "k8s", "crds", "tradingpolicies.arbor.dev.yaml")) as f:
            canonical = yaml.safe_load(f)
        crd = crds[0]
        check(crd["metadata"].get("annotations", {}).get("helm.sh/resource-policy") == "keep", f"{label}: CRD lacks resource-policy keep")
        check(crd["spec"] == canonical["spec"] and crd["metadata"]["name"] == canonical["metadata"]["name"],
              f"{label}: rendered CRD differs from k8s/crds/tradingpolicies.arbor.dev.yaml")
    tps = find(docs, "TradingPolicy")
    check(len(tps) == int(values["examplePolicy"]["enabled"]), f"{label}: example TradingPolicy count")
    for tp in tps:
        check(tp["metadata"].get("annotations", {}).get("helm.sh/hook") == "post-install",
              f"{label}: the example policy must be a post-install hook (the CRD is new on first install)")


# ---------------------------------------------------------------------- values_schema
BAD_VALUES = [
    # (description, --set arguments or a values document, text the error must contain)
    ("unknown top-level key", {"bogus": 1}, "bogus"),
    ("unknown nested key (typo)", {"feed": {"shard": 3}}, "shard"),
    ("unknown key in executor.tls", {"executor": {"tls": {"clientAuth": True}}}, "clientAuth"),
    ("wrong type: shards as a string", {"feed": {"shards": "three"}}, "feed.shards"),
    ("wrong type: networkPolicy.enabled as a string", {"networkPolicy": {"enabled": "yes"}}, "networkPolicy.enabled"),
    ("out of range: zero feed shards", {"feed": {"shards": 0}}, "feed.shards"),
    ("out of range: more shards than the binary allows", {"feed": {"shards": 5000}}, "feed.shards"),
    ("out of range: three executors", {"executor": {"replicas": 3}}, "executor.replicas"),
    ("out of range: port 70000", {"executor": {"grpcPort": 70000}}, "executor.grpcPort"),
    ("invalid enum: executor mode", {"executor": {"mode": "yolo"}}, "executor.mode"),
    ("invalid enum: scanner lane", {"scanner": {"lanes": ["binary", "martingale"]}}, "scanner.lanes"),
    ("invalid enum: log level", {"operator": {"logLevel": "verbose"}}, "operator.logLevel"),
    ("invalid enum: sslMode", {"postgresql": {"sslMode": "maybe"}}, "postgresql.sslMode"),
    ("bad duration", {"operator": {"resync": "15 seconds"}}, "operator.resync"),
    ("bad digest", {"image": {"digest": "latest"}}, "image.digest"),
]
# Combinations the schema cannot express; the templates fail with a message naming the values.
BAD_COMBINATIONS = [
    ("live trading against the simulator", {"executor": {"mode": "live"}, "venueSim": {"enabled": True}}, "executor.mode=live"),
    ("sim mode without a simulator", {"executor": {"mode": "sim"}}, "executor.mode=sim"),
    ("Kalshi without its key", {"feed": {"kalshi": {"existingSecret": ""}}}, "feed.kalshi.existingSecret"),
    ("no executor token", {"executor": {"auth": {"existingSecret": ""}}}, "executor.auth.existingSecret"),
    ("TLS without a Secret", {"executor": {"tls": {"enabled": True}}}, "executor.tls.existingSecret"),
    ("cross_venue without a mapping", {"scanner": {"lanes": ["cross_venue"]}}, "scanner.venueMapping"),
]


def case_values_schema():
    with tempfile.TemporaryDirectory() as tmp:
        for i, (what, doc, needle) in enumerate(BAD_VALUES + BAD_COMBINATIONS):
            path = os.path.join(tmp, f"bad{i}.yaml")
            with open(path, "w") as f:
                yaml.safe_dump(doc, f)
            proc = helm("template", RELEASE, CHART, "--namespace", NAMESPACE, "-f", path, check_rc=False)
            if check(proc.returncode != 0, f"values_schema: {what}: helm template accepted {doc}"):
                check(needle in proc.stderr, f"values_schema: {what}: error does not mention {needle!r}:\n{proc.stderr}")
            if (what, doc, needle) in BAD_VALUES:
                check("values don't meet the specifications of the schema" in proc.stderr,
                      f"values_schema: {what}: rejected, but not by values.schema.json:\n{proc.stderr}")
    # And every shipped values file passes it.
    for label, path in values_files():
        render(path)


# --------------------------------------------------------------------------- yamllint
def case_yamllint():
    if not check(shutil.which("yamllint") is not None, "yamllint is not installed (scripts/install_deps.sh --tests)"):
        return
    config = os.path.join(HERE, "yamllint.yaml")
    static = [os.path.join(CHART, "Chart.yaml"), os.path.join(CHART, "values.yaml")] + \
        sorted(glob.glob(os.path.join(CHART, "ci", "*.yaml")))
    proc = subprocess.run(["yamllint", "-s", "-c", config, *static], capture_output=True, text=True)
    check(proc.returncode == 0, f"yamllint (chart files):\n{proc.stdout}{proc.stderr}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in values_files():
            out = os.path.join(tmp, f"{label}.yaml")
            with open(out, "w") as f:
                f.write(render(path))
            proc = subprocess.run(["yamllint", "-s", "-c", config, out], capture_output=True, text=True)
            check(proc.returncode == 0, f"yamllint (rendered {label}):\n{proc.stdout}{proc.stderr}")


# ------------------------------------------------------------------------- sync_files
def case_sync_files():
    proc = subprocess.run([os.path.join(ROOT, "scripts", "sync_chart_files.sh"), "--check"],
                          capture_output=True, text=True)
    check(proc.returncode == 0, f"chart copies differ from the canonical files:\n{proc.stderr}")
    pairs = [("k8s/crds/tradingpolicies.arbor.dev.yaml", "charts/arbor/files/crds/tradingpolicies.arbor.dev.yaml"),
             ("k8s/alerts/arbor-alerts.yaml", "charts/arbor/files/alerts/arbor-alerts.yaml"),
             ("services/venue_sim/scenarios/default.json", "charts/arbor/files/venue-sim/default.json")]
    for src, dst in pairs:
        a, b = os.path.join(ROOT, src), os.path.join(ROOT, dst)
        if check(os.path.isfile(a) and os.path.isfile(b), f"{src} or {dst} missing"):
            with open(a, "rb") as fa, open(b, "rb") as fb:
                check(fa.read() == fb.read(), f"{dst} is not byte-identical to {src} (run scripts/sync_chart_files.sh)")


# -------------------------------------------------------------------------- dashboard
def exported_metrics():
    """arbor_* metric names the docs list (docs/*.md), plus the operator's (issue 8)."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, "docs", "*.md")):
        with open(path) as f:
            names |= set(re.findall(r"\barbor_[a-z0-9_]+", f.read()))
    names |= {"arbor_tradingpolicy_stage", "arbor_tradingpolicy_condition", "arbor_operator_reconciles_total"}
    return names


def case_dashboard():
    with open(os.path.join(CHART, "files", "dashboards", "arbor-overview.json")) as f:
        dash = json.load(f)
    known = exported_metrics()
    panels = [p for p in dash["panels"] if p["type"] != "row"]
    check(len(panels) >= 12, f"dashboard has only {len(panels)} panels")
    ids = [p["id"] for p in dash["panels"]]
    check(len(ids) == len(set(ids)), "dashboard panel ids are not unique")
    titles = " ".join(p["title"] for p in dash["panels"]).lower()
    for topic in ("feed", "opportunities", "pnl", "drawdown", "exposure", "stage"):
        check(topic in titles, f"dashboard has no panel about {topic}")
    for p in panels:
        for t in p["targets"]:
            for metric in re.findall(r"\barbor_[a-z0-9_]+", t["expr"]):
                base = re.sub(r"_(bucket|sum|count)$", "", metric)
                check(metric in known or base in known, f"dashboard panel {p['title']!r}: {metric} is not a documented metric")
            check(t["expr"].count("(") == t["expr"].count(")"), f"dashboard panel {p['title']!r}: unbalanced parentheses")
    docs = load_docs(render(sets=["monitoring.grafanaDashboard.enabled=true"]))
    (cm,) = [d for d in docs if d["kind"] == "ConfigMap"]
    check(json.loads(cm["data"]["arbor-overview.json"]) == dash, "the dashboard ConfigMap does not carry the dashboard file")


# ------------------------------------------------------------------------------ notes
def case_notes():
    # helm template does not render NOTES.txt; render it as a named template in a copy of the chart.
    with tempfile.TemporaryDirectory() as tmp:
        chart = os.path.join(tmp, "arbor")
        shutil.copytree(CHART, chart)
        notes = os.path.join(chart, "templates", "NOTES.txt")
        with open(notes) as f:
            text = f.read()
        os.remove(notes)
        with open(os.path.join(chart, "templates", "_test_notes.tpl"), "w") as f:
            f.write('{{- define "test.notes" }}' + text + "{{- end }}")
        with open(os.path.join(chart, "templates", "zz-test-notes.yaml"), "w") as f:
            f.write('notes: {{ include "test.notes" . | toJson }}\n')
        for label, path in values_files():
            values = load_values(path)
            args = ["template", RELEASE, chart, "--namespace", NAMESPACE, "--show-only", "templates/zz-test-notes.yaml"]
            if path:
                args += ["-f", path]
            out = yaml.safe_load(helm(*args).stdout)["notes"]
            for needle in ("kubectl", "get tp", "arborctl", values["executor"]["auth"]["existingSecret"],
                           values["postgresql"]["existingSecret"], NAMESPACE):
                check(needle in out, f"notes ({label}): no mention of {needle!r}")
            check("<no value>" not in out, f"notes ({label}): a value is missing:\n{out}")


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main(argv):
    if not argv or any(a not in CASES for a in argv):
        print(f"usage: {argv and argv[0]} CASE...; cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    if not (os.path.isfile(HELM) and os.access(HELM, os.X_OK)):
        print(f"FAIL: helm not found at {HELM}: run scripts/install_npm_tools.sh (or set ARBOR_HELM)")
        return 1
    for name in argv:
        try:
            CASES[name]()
        except Exception as e:  # noqa: BLE001 - a crash is a failure with its message
            fail(f"{name}: {type(e).__name__}: {e}")
    if failures:
        print(f"0 passed, {len(failures)} failed")
        return 1
    print(f"{len(argv)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
