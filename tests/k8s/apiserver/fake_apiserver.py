#!/usr/bin/env python3
"""A small, fault-injecting fake of the Kubernetes API server for tests (OPERATOR_NOTES.md §7.1, T1/T2).

It serves HTTPS on 127.0.0.1 (port 0 = any free port) and prints one JSON line when it listens:
    {"port": 43125}
Python 3.11 stdlib + jsonschema + PyYAML (Debian python3-jsonschema, python3-yaml) only.

What it implements (see docs/k8s_client.md for the full contract):
  * Bearer-token authentication (401 Unauthorized otherwise); the accepted token can be rotated.
  * Custom resources from CRD files (--crd, repeatable), Leases (coordination.k8s.io/v1) and
    Events (events.k8s.io/v1): GET, list (limit/continue), watch (chunked NDJSON with BOOKMARKs,
    timeoutSeconds, history window -> HTTP 410), POST, PUT, PATCH (merge patch RFC 7386 and
    JSON patch RFC 6902), DELETE with finalizers / deletionTimestamp.
  * A global resourceVersion counter; 409 Conflict for a stale metadata.resourceVersion;
    metadata.generation bumps only on spec changes; the status subresource.
  * CRD openAPIV3Schema: defaulting, pruning of unknown fields and validation with jsonschema
    (422 Invalid); CEL rules (x-kubernetes-validations) are NOT evaluated.
  * Discovery (/api, /apis, /apis/G/V, /version), /openapi/v3 for kubectl, server-side Tables
    from additionalPrinterColumns (kubectl get).
  * Fault injection and introspection on /_control/* (no authentication):
      POST /_control/fault    {"path": REGEX, "method": "GET", "status": 500, "count": 1,
                               "retry_after": 1, "reason": "...", "message": "..."}
                              REGEX is matched (re.search) against "path?query".
      POST /_control/watch    {"action": "drop" | "error410" | "bookmark" | "hold"} (all open
                              watches; "hold" stops delivery until the watch is dropped or
                              gets the ERROR, so changes made meanwhile are never seen by it)
      POST /_control/compact  {}  history discarded, RV advanced, open watches dropped: resuming
                                  from any older RV gets HTTP 410
      POST /_control/token    {"token": "new-token"}
      GET  /_control/requests  recorded requests [{method, path, query, headers, status}]
      POST /_control/reset_requests
      GET  /_control/state     {"resourceVersion": N, "openWatches": N, "objects": N, ...}
"""

import argparse
import base64
import copy
import datetime
import json
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jsonschema
import yaml


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_body(code, reason, message, details=None):
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure" if code >= 300 else "Success",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


class HttpError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.body = status_body(code, reason, message, details)
        self.headers = headers or {}


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    result = dict(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(doc, ops):
    """RFC 6902 JSON Patch (add, remove, replace, test, move, copy)."""
    doc = copy.deepcopy(doc)

    def parse(pointer):
        if pointer == "":
            return []
        return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]

    def parent(root, parts):
        node = root
        for p in parts[:-1]:
            node = node[int(p)] if isinstance(node, list) else node[p]
        return node

    def get(root, parts):
        node = root
        for p in parts:
            node = node[int(p)] if isinstance(node, list) else node[p]
        return node

    for op in ops:
        parts = parse(op["path"])
        kind = op["op"]
        try:
            if kind == "test":
                if get(doc, parts) != op["value"]:
                    raise HttpError(422, "Invalid", f"test failed at {op['path']}")
                continue
            if kind in ("move", "copy"):
                value = copy.deepcopy(get(doc, parse(op["from"])))
                if kind == "move":
                    src = parse(op["from"])
                    p = parent(doc, src)
                    if isinstance(p, list):
                        p.pop(int(src[-1]))
                    else:
                        del p[src[-1]]
                kind, op = "add", {"value": value}
            p = parent(doc, parts)
            last = parts[-1]
            if kind == "add":
                if isinstance(p, list):
                    if last == "-":
                        p.append(op["value"])
                    else:
                        p.insert(int(last), op["value"])
                else:
                    p[last] = op["value"]
            elif kind == "remove":
                if isinstance(p, list):
                    p.pop(int(last))
                else:
                    del p[last]
            elif kind == "replace":
                if isinstance(p, list):
                    p[int(last)] = op["value"]
                else:
                    if last not in p:
                        raise KeyError(last)
                    p[last] = op["value"]
            else:
                raise HttpError(400, "BadRequest", f"unknown JSON patch op {kind!r}")
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise HttpError(422, "Invalid", f"JSON patch {kind} {op.get('path')}: {e}")
    return doc


def eval_jsonpath(obj, path):
    """The JSONPath subset printer columns use: .a.b, [N], [?(@.k=="v")]."""
    tokens = re.findall(r'\.([A-Za-z0-9_\-]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_\-]+)==["\']([^"\']*)["\']\)\]', path)
    nodes = [obj]
    for name, index, fkey, fval in tokens:
        out = []
        for n in nodes:
            if name:
                if isinstance(n, dict) and name in n:
                    out.append(n[name])
            elif index:
                if isinstance(n, list) and int(index) < len(n):
                    out.append(n[int(index)])
            else:
                if isinstance(n, list):
                    out.extend(e for e in n if isinstance(e, dict) and str(e.get(fkey)) == fval)
        nodes = out
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else nodes


class ResourceType:
    def __init__(self, group, version, kind, plural, singular, namespaced=True, status=False,
                 schema=None, short_names=(), printer_columns=(), list_kind=None):
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular
        self.namespaced = namespaced
        self.status = status
        self.schema = schema
        self.short_names = list(short_names)
        self.printer_columns = list(printer_columns)
        self.list_kind = list_kind or kind + "List"
        self.validator = None
        if schema is not None:
            self.validator = jsonschema.Draft7Validator(schema)

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self):
        return (self.group, self.version, self.plural)


def load_crd(path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    types = []
    for crd in docs:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        names = spec["names"]
        for v in spec["versions"]:
            if not v.get("served", True):
                continue
            types.append(ResourceType(
                spec["group"], v["name"], names["kind"], names["plural"],
                names.get("singular", names["kind"].lower()),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                status="status" in (v.get("subresources") or {}),
                schema=(v.get("schema") or {}).get("openAPIV3Schema"),
                short_names=names.get("shortNames", []),
                printer_columns=v.get("additionalPrinterColumns", []),
                list_kind=names.get("listKind")))
    if not types:
        raise SystemExit(f"fake_apiserver: no CustomResourceDefinition in {path}")
    return types


def apply_defaults(schema, value):
    """Structural defaulting: fill `default` of absent object properties, recursively."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for name, sub in props.items():
            if name not in value and isinstance(sub, dict) and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            if name in value:
                value[name] = apply_defaults(sub, value[name])
        addl = schema.get("additionalProperties")
        if isinstance(addl, dict):
            for name in value:
                if name not in props:
                    value[name] = apply_defaults(addl, value[name])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [apply_defaults(schema["items"], v) for v in value]
    return value


def prune(schema, value, dropped, path=""):
    """Drops fields the structural schema does not declare (unless preserve-unknown-fields);
    appends the dotted path of each dropped field to `dropped`."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        preserve = schema.get("x-kubernetes-preserve-unknown-fields") or \
            schema.get("x-kubernetes-embedded-resource")
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        if props is None and addl is None:
            return value  # an untyped object (e.g. metadata: {type: object})
        out = {}
        for name, v in value.items():
            sub_path = f"{path}.{name}" if path else name
            if not path and name in ("apiVersion", "kind", "metadata"):
                out[name] = v
            elif props is not None and name in props:
                out[name] = prune(props[name], v, dropped, sub_path)
            elif isinstance(addl, dict):
                out[name] = prune(addl, v, dropped, sub_path)
            elif addl is True or preserve:
                out[name] = v
            else:
                dropped.append(sub_path)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [prune(schema["items"], v, dropped, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def human_age(timestamp):
    """kubectl's short age format (the server formats `date` printer columns)."""
    try:
        t = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return "<unknown>"
    secs = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    if secs < 120:
        return f"{max(secs, 0)}s"
    if secs < 7200:
        return f"{secs // 60}m"
    if secs < 2 * 86400:
        return f"{secs // 3600}h"
    return f"{secs // 86400}d"


BUILTIN_TYPES = [
    ResourceType("coordination.k8s.io", "v1", "Lease", "leases", "lease"),
    ResourceType("events.k8s.io", "v1", "Event", "events", "event"),
]


class Watch:
    def __init__(self):
        self.drop = False
        self.error410 = False
        self.bookmark = False
        self.hold = False  # deliver nothing (events stay in history) until drop / error410


class Store:
    def __init__(self, types, token, history_limit, bookmark_interval):
        self.cond = threading.Condition()
        self.types = {t.key: t for t in types}
        self.rv = 1000
        self.floor = self.rv  # oldest resourceVersion a watch may resume from
        self.history = []  # (rv, type, key(group, version, plural), namespace, object)
        self.history_limit = history_limit
        self.objects = {}  # (type key, namespace, name) -> object
        self.token = token
        self.faults = []
        self.requests = []
        self.watches = set()
        self.bookmark_interval = bookmark_interval
        self.continue_tokens = {}

    # --- helpers (call with self.cond held) ---
    def next_rv(self):
        self.rv += 1
        return self.rv

    def record(self, event_type, rtype, ns, obj):
        self.history.append((self.rv, event_type, rtype.key, ns, copy.deepcopy(obj)))
        if len(self.history) > self.history_limit:
            drop = len(self.history) - self.history_limit
            self.floor = self.history[drop - 1][0]
            del self.history[:drop]
        self.cond.notify_all()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-apiserver/1.0"
    store = None  # set in main()
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("fake_apiserver: " + (fmt % args) + "\n")

    def setup(self):
        super().setup()

    def handle(self):
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, OSError):
            pass  # clients that fail TLS verification or vanish mid-stream

    # --- plumbing ---
    def send_json(self, code, obj, headers=None, content_type="application/json"):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)
        self._status = code

    def body_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        ctype = self.headers.get("Content-Type", "")
        try:
            if "yaml" in ctype:
                return yaml.safe_load(raw)
            return json.loads(raw)
        except (ValueError, yaml.YAMLError) as e:
            raise HttpError(400, "BadRequest", f"cannot decode body: {e}")

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        self._status = 0
        st = self.store
        try:
            if path.startswith("/_control/"):
                self.control(method, path, query)
                return
            entry = {"method": method, "path": path, "query": url.query,
                     "headers": {k.lower(): v for k, v in self.headers.items()}, "status": 0}
            with st.cond:
                st.requests.append(entry)
                if len(st.requests) > 10000:
                    del st.requests[:1000]
                fault = None
                target = path + ("?" + url.query if url.query else "")
                for f in st.faults:
                    if f["count"] > 0 and (not f.get("method") or f["method"] == method) \
                            and re.search(f["path"], target):
                        f["count"] -= 1
                        fault = dict(f)
                        break
                token = st.token
            auth = self.headers.get("Authorization", "")
            if auth != f"Bearer {token}":
                entry["status"] = 401
                raise HttpError(401, "Unauthorized", "Unauthorized")
            if fault is not None:
                entry["status"] = fault["status"]
                # The request body must be consumed to keep the connection usable.
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {}
                if fault.get("retry_after") is not None:
                    headers["Retry-After"] = fault["retry_after"]
                code = fault["status"]
                reasons = {409: "Conflict", 410: "Expired", 429: "TooManyRequests",
                           500: "InternalError", 503: "ServiceUnavailable", 404: "NotFound",
                           422: "Invalid"}
                raise HttpError(code, fault.get("reason") or reasons.get(code, "Unknown"),
                                fault.get("message") or f"injected fault {code}", headers=headers)
            self.route(method, path, query)
            entry["status"] = self._status
        except HttpError as e:
            if self._status == 0:
                if "entry" in locals():
                    entry["status"] = e.code
                self.send_json(e.code, e.body, e.headers)

    # --- control endpoints ---
    def control(self, method, path, query):
        st = self.store
        body = self.body_json() if method == "POST" else None
        with st.cond:
            if path == "/_control/fault" and method == "POST":
                f = dict(body)
                f.setdefault("count", 1)
                st.faults.append(f)
                return self.send_json(200, {"ok": True})
            if path == "/_control/clear_faults" and method == "POST":
                st.faults.clear()
                return self.send_json(200, {"ok": True})
            if path == "/_control/watch" and method == "POST":
                action = body["action"]
                if action not in ("drop", "error410", "bookmark", "hold"):
                    raise HttpError(400, "BadRequest", f"unknown watch action {action!r}")
                for w in st.watches:
                    setattr(w, action, True)
                st.cond.notify_all()
                return self.send_json(200, {"ok": True, "watches": len(st.watches)})
            if path == "/_control/compact" and method == "POST":
                st.rv += 10
                st.floor = st.rv
                st.history.clear()
                for w in st.watches:
                    w.drop = True
                st.cond.notify_all()
                return self.send_json(200, {"ok": True, "floor": st.floor})
            if path == "/_control/token" and method == "POST":
                st.token = body["token"]
                return self.send_json(200, {"ok": True})
            if path == "/_control/requests":
                return self.send_json(200, {"requests": st.requests})
            if path == "/_control/reset_requests":
                st.requests.clear()
                return self.send_json(200, {"ok": True})
            if path == "/_control/state":
                return self.send_json(200, {
                    "resourceVersion": st.rv, "floor": st.floor, "openWatches": len(st.watches),
                    "objects": len(st.objects),
                    "faults": [f for f in st.faults if f["count"] > 0]})
        raise HttpError(404, "NotFound", f"no control endpoint {method} {path}")

    # --- routing ---
    def route(self, method, path, query):
        st = self.store
        parts = [p for p in path.split("/") if p]
        if path == "/version":
            return self.send_json(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-fake",
                                        "platform": "linux/amd64", "goVersion": "go1.23",
                                        "compiler": "gc", "buildDate": "2025-01-01T00:00:00Z",
                                        "gitCommit": "fake", "gitTreeState": "clean"})
        if path.startswith("/openapi/"):
            return self.openapi(path)
        if parts == ["api"]:
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [
                                            {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if parts == ["api", "v1"]:
            return self.send_json(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                        "groupVersion": "v1", "resources": []})
        if parts == ["apis"]:
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                        "groups": self.groups()})
        if len(parts) == 2 and parts[0] == "apis":
            for g in self.groups():
                if g["name"] == parts[1]:
                    return self.send_json(200, dict(g, kind="APIGroup", apiVersion="v1"))
            raise HttpError(404, "NotFound", "the server could not find the requested resource")
        if len(parts) == 3 and parts[0] == "apis":
            return self.resource_list(parts[1], parts[2])
        # Resource paths.
        if parts and parts[0] == "api":
            group, version, rest = "", parts[1] if len(parts) > 1 else "", parts[2:]
        elif parts and parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise HttpError(404, "NotFound", "the server could not find the requested resource")
        ns = None
        if len(rest) >= 2 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        if not rest:
            raise HttpError(404, "NotFound", "the server could not find the requested resource")
        rtype = st.types.get((group, version, rest[0]))
        if rtype is None:
            raise HttpError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) >= 3 else None
        if sub is not None and (sub != "status" or not rtype.status or len(rest) > 3):
            raise HttpError(404, "NotFound", "the server could not find the requested resource")
        if rtype.namespaced and ns is None and (name is not None or method != "GET"):
            raise HttpError(404, "NotFound", "namespace required")
        if name is None:
            if method == "GET":
                if query.get("watch") in ("1", "true"):
                    return self.watch(rtype, ns, query)
                return self.list(rtype, ns, query)
            if method == "POST":
                return self.create(rtype, ns, self.body_json(), query)
            raise HttpError(405, "MethodNotAllowed", f"{method} not allowed on a collection")
        if method == "GET":
            return self.get(rtype, ns, name)
        if method == "PUT":
            return self.update(rtype, ns, name, sub, self.body_json(), None, query)
        if method == "PATCH":
            return self.update(rtype, ns, name, sub, self.body_json(),
                               self.headers.get("Content-Type", ""), query)
        if method == "DELETE":
            return self.delete(rtype, ns, name)
        raise HttpError(405, "MethodNotAllowed", f"{method} not allowed")

    def groups(self):
        by_group = {}
        for t in self.store.types.values():
            by_group.setdefault(t.group, []).append(t.version)
        out = []
        for g, versions in sorted(by_group.items()):
            vs = [{"groupVersion": f"{g}/{v}", "version": v} for v in dict.fromkeys(versions)]
            out.append({"name": g, "versions": vs, "preferredVersion": vs[0]})
        return out

    def resource_list(self, group, version):
        resources = []
        for t in self.store.types.values():
            if t.group != group or t.version != version:
                continue
            verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
            resources.append({"name": t.plural, "singularName": t.singular, "namespaced": t.namespaced,
                              "kind": t.kind, "verbs": verbs, "shortNames": t.short_names,
                              "storageVersionHash": "fake"})
            if t.status:
                resources.append({"name": t.plural + "/status", "singularName": "",
                                  "namespaced": t.namespaced, "kind": t.kind,
                                  "verbs": ["get", "patch", "update"]})
        if not resources:
            raise HttpError(404, "NotFound", "the server could not find the requested resource")
        return self.send_json(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                    "groupVersion": f"{group}/{version}", "resources": resources})

    def openapi(self, path):
        """/openapi/v3: an index and one document per group version, built from the schemas.

        kubectl uses it to detect server-side field validation (and then sends fieldValidation)."""
        st = self.store
        if path == "/openapi/v3":
            paths = {}
            for t in st.types.values():
                p = f"apis/{t.group}/{t.version}"
                paths[p] = {"serverRelativeURL": f"/openapi/v3/{p}?hash=fake"}
            paths["api/v1"] = {"serverRelativeURL": "/openapi/v3/api/v1?hash=fake"}
            return self.send_json(200, {"paths": paths})
        m = re.fullmatch(r"/openapi/v3/apis/([^/]+)/([^/]+)", path)
        if m or path == "/openapi/v3/api/v1":
            schemas = {}
            paths = {}
            for t in st.types.values():
                if not m or (t.group, t.version) != (m.group(1), m.group(2)):
                    continue
                name = f"dev.fake.{t.group}.{t.version}.{t.kind}"
                schema = copy.deepcopy(t.schema) if t.schema else {"type": "object",
                                                                    "x-kubernetes-preserve-unknown-fields": True}
                schema["x-kubernetes-group-version-kind"] = [
                    {"group": t.group, "version": t.version, "kind": t.kind}]
                schemas[name] = schema
                base = f"/apis/{t.group}/{t.version}/namespaces/{{namespace}}/{t.plural}"
                params = [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                          {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
                          {"name": "dryRun", "in": "query", "schema": {"type": "string"}}]
                ref = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
                paths[base] = {"post": {"parameters": params, "requestBody": ref,
                                        "responses": {"201": ref}}}
                # kubectl looks for a PATCH operation tagged with the GVK that accepts
                # fieldValidation to decide that the server validates fields itself.
                gvk = {"group": t.group, "version": t.version, "kind": t.kind}
                paths[base + "/{name}"] = {
                    "get": {"responses": {"200": ref}, "x-kubernetes-group-version-kind": gvk},
                    "put": {"parameters": params, "requestBody": ref, "responses": {"200": ref},
                            "x-kubernetes-group-version-kind": gvk},
                    "patch": {"parameters": params, "responses": {"200": ref},
                              "x-kubernetes-group-version-kind": gvk}}
            return self.send_json(200, {"openapi": "3.0.0", "info": {"title": "fake", "version": "v1"},
                                        "paths": paths, "components": {"schemas": schemas}})
        raise HttpError(404, "NotFound", "the server could not find the requested resource")

    # --- objects ---
    def wants_table(self):
        return "as=Table" in self.headers.get("Accept", "")

    def object_key(self, rtype, ns, name):
        return (rtype.key, ns if rtype.namespaced else None, name)

    def get(self, rtype, ns, name):
        st = self.store
        with st.cond:
            obj = st.objects.get(self.object_key(rtype, ns, name))
            if obj is None:
                raise self.not_found(rtype, name)
            obj = copy.deepcopy(obj)
        if self.wants_table():
            return self.send_table(rtype, [obj], str(obj["metadata"]["resourceVersion"]))
        return self.send_json(200, obj)

    def not_found(self, rtype, name):
        gr = f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural
        return HttpError(404, "NotFound", f'{gr} "{name}" not found',
                         {"name": name, "group": rtype.group, "kind": rtype.plural})

    def list(self, rtype, ns, query):
        st = self.store
        limit = int(query.get("limit") or 0)
        cont = query.get("continue") or ""
        with st.cond:
            if cont:
                try:
                    snap_rv, after = json.loads(base64.urlsafe_b64decode(cont.encode()).decode())
                except (ValueError, TypeError):
                    raise HttpError(400, "BadRequest", "invalid continue token")
                if snap_rv < st.floor:
                    raise HttpError(410, "Expired", "The provided continue parameter is too old")
                snapshot = st.continue_tokens.get(cont)
                if snapshot is None:
                    raise HttpError(410, "Expired", "The provided continue parameter is too old")
            else:
                snap_rv = st.rv
                snapshot = sorted(
                    (copy.deepcopy(o) for (k, o_ns, _), o in st.objects.items()
                     if k == rtype.key and (ns is None or o_ns == ns)),
                    key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
                after = -1
            items = snapshot[after + 1:]
            next_token = ""
            if limit > 0 and len(items) > limit:
                items = items[:limit]
                next_token = base64.urlsafe_b64encode(
                    json.dumps([snap_rv, after + limit]).encode()).decode()
                st.continue_tokens[next_token] = snapshot
        if self.wants_table():
            return self.send_table(rtype, items, str(snap_rv), next_token)
        for o in items:
            o.setdefault("apiVersion", rtype.api_version)
            o.setdefault("kind", rtype.kind)
        meta = {"resourceVersion": str(snap_rv)}
        if next_token:
            meta["continue"] = next_token
            meta["remainingItemCount"] = len(snapshot) - (after + 1) - len(items)
        return self.send_json(200, {"kind": rtype.list_kind, "apiVersion": rtype.api_version,
                                    "metadata": meta, "items": items})

    def send_table(self, rtype, items, rv, cont=""):
        cols = [{"name": "Name", "type": "string", "format": "name", "priority": 0,
                 "description": "Name must be unique within a namespace."}]
        paths = [".metadata.name"]
        printer = rtype.printer_columns or [
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
        for c in printer:
            cols.append({"name": c["name"], "type": c.get("type", "string"),
                         "format": c.get("format", ""), "description": c.get("description", ""),
                         "priority": c.get("priority", 0)})
            paths.append(c["jsonPath"])
        rows = []
        for o in items:
            cells = [eval_jsonpath(o, p) for p in paths]
            for i, c in enumerate(cols):
                if c["type"] == "date" and cells[i] is not None:
                    cells[i] = human_age(cells[i])
            meta = copy.deepcopy(o["metadata"])
            rows.append({"cells": cells, "object": {"kind": "PartialObjectMetadata",
                                                    "apiVersion": "meta.k8s.io/v1",
                                                    "metadata": meta}})
        meta = {"resourceVersion": rv}
        if cont:
            meta["continue"] = cont
        return self.send_json(200, {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                                    "columnDefinitions": cols, "rows": rows})

    def validate(self, rtype, obj):
        if rtype.validator is None:
            return
        errors = sorted(rtype.validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
        if not errors:
            return
        causes = []
        for e in errors:
            field = ".".join(str(p) for p in e.absolute_path) or "<root>"
            causes.append({"reason": "FieldValueInvalid", "message": e.message, "field": field})
        name = obj.get("metadata", {}).get("name", "")
        text = "; ".join(f'{c["field"]}: {c["message"]}' for c in causes)
        raise HttpError(422, "Invalid", f'{rtype.kind}.{rtype.group} "{name}" is invalid: {text}',
                        {"name": name, "group": rtype.group, "kind": rtype.kind, "causes": causes})

    def prepare(self, rtype, obj, query):
        """Pruning, defaulting and validation of a whole object about to be stored.

        fieldValidation=Strict (kubectl's default) rejects unknown fields with 400 BadRequest
        instead of silently pruning them, like the real server."""
        if rtype.schema is not None:
            dropped = []
            obj = prune(rtype.schema, obj, dropped)
            if dropped and query.get("fieldValidation") == "Strict":
                text = ", ".join(f'unknown field "{d}"' for d in dropped)
                raise HttpError(400, "BadRequest", f"strict decoding error: {text}")
            obj = apply_defaults(rtype.schema, obj)
        self.validate(rtype, obj)
        return obj

    def create(self, rtype, ns, body, query):
        st = self.store
        if not isinstance(body, dict):
            raise HttpError(400, "BadRequest", "body must be a JSON object")
        meta = body.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        name = meta.get("name")
        if not name:
            raise HttpError(422, "Invalid", f"{rtype.kind} is invalid: metadata.name: Required value")
        if meta.get("namespace") and rtype.namespaced and meta["namespace"] != ns:
            raise HttpError(400, "BadRequest", "the namespace of the object does not match the namespace on the request")
        if rtype.status:
            body.pop("status", None)
        body["apiVersion"] = rtype.api_version
        body["kind"] = rtype.kind
        body = self.prepare(rtype, body, query)
        meta = body["metadata"]
        dry_run = query.get("dryRun") == "All"
        with st.cond:
            key = self.object_key(rtype, ns, name)
            if key in st.objects:
                gr = f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural
                raise HttpError(409, "AlreadyExists", f'{gr} "{name}" already exists',
                                {"name": name, "group": rtype.group, "kind": rtype.plural})
            if rtype.namespaced:
                meta["namespace"] = ns
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now_rfc3339()
            meta["generation"] = 1
            meta.pop("deletionTimestamp", None)
            if dry_run:
                meta["resourceVersion"] = str(st.rv)
                return self.send_json(201, body)
            meta["resourceVersion"] = str(st.next_rv())
            st.objects[key] = body
            st.record("ADDED", rtype, ns, body)
            out = copy.deepcopy(body)
        return self.send_json(201, out)

    def update(self, rtype, ns, name, sub, body, patch_type, query):
        st = self.store
        dry_run = query.get("dryRun") == "All"
        with st.cond:
            key = self.object_key(rtype, ns, name)
            old = st.objects.get(key)
            if old is None:
                raise self.not_found(rtype, name)
            if patch_type is None:  # PUT
                if not isinstance(body, dict):
                    raise HttpError(400, "BadRequest", "body must be a JSON object")
                new = copy.deepcopy(body)
                wanted_rv = (body.get("metadata") or {}).get("resourceVersion")
            elif "merge-patch" in patch_type:
                if not isinstance(body, dict):
                    raise HttpError(400, "BadRequest", "merge patch must be a JSON object")
                wanted_rv = (body.get("metadata") or {}).get("resourceVersion")
                new = merge_patch(old, body)
            elif "json-patch" in patch_type:
                new = json_patch(old, body or [])
                wanted_rv = None
                if (new.get("metadata") or {}).get("resourceVersion") != old["metadata"]["resourceVersion"]:
                    wanted_rv = new["metadata"].get("resourceVersion")
            elif "strategic-merge-patch" in patch_type:
                raise HttpError(415, "UnsupportedMediaType",
                                "strategic merge patch is not supported for custom resources")
            else:
                raise HttpError(415, "UnsupportedMediaType", f"unsupported patch type {patch_type!r}")
            if wanted_rv is not None and str(wanted_rv) != old["metadata"]["resourceVersion"]:
                gr = f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural
                raise HttpError(409, "Conflict",
                                f'Operation cannot be fulfilled on {gr} "{name}": the object has been '
                                f"modified; please apply your changes to the latest version and try again",
                                {"name": name, "group": rtype.group, "kind": rtype.plural})
            new.setdefault("metadata", {})
            new["apiVersion"] = rtype.api_version
            new["kind"] = rtype.kind
            if rtype.status:
                if sub == "status":
                    # Only status changes; everything else is taken from the stored object.
                    status = new.get("status")
                    new = copy.deepcopy(old)
                    if status is None:
                        new.pop("status", None)
                    else:
                        new["status"] = status
                else:
                    if "status" in old:
                        new["status"] = copy.deepcopy(old["status"])
                    else:
                        new.pop("status", None)
            nm, om = new["metadata"], old["metadata"]
            for field in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "namespace", "name"):
                if field in om:
                    nm[field] = om[field]
                else:
                    nm.pop(field, None)
            nm["resourceVersion"] = om["resourceVersion"]
            if not nm.get("finalizers"):
                nm.pop("finalizers", None)
        new = self.prepare(rtype, new, query)
        with st.cond:
            old = st.objects.get(key)
            if old is None:
                raise self.not_found(rtype, name)
            if new["metadata"]["resourceVersion"] != old["metadata"]["resourceVersion"]:
                raise HttpError(409, "Conflict", "the object has been modified concurrently")
            spec_changed = {k: v for k, v in new.items() if k not in ("metadata", "status", "apiVersion", "kind")} != \
                {k: v for k, v in old.items() if k not in ("metadata", "status", "apiVersion", "kind")}
            if spec_changed and sub != "status":
                new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
            if new == old:
                return self.send_json(200, copy.deepcopy(old))  # no-op write: RV unchanged
            if dry_run:
                return self.send_json(200, new)
            new["metadata"]["resourceVersion"] = str(st.next_rv())
            if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
                del st.objects[key]
                st.record("DELETED", rtype, ns, new)
            else:
                st.objects[key] = new
                st.record("MODIFIED", rtype, ns, new)
            out = copy.deepcopy(new)
        return self.send_json(200, out)

    def delete(self, rtype, ns, name):
        st = self.store
        self.rfile.read(int(self.headers.get("Content-Length") or 0))  # DeleteOptions (ignored)
        with st.cond:
            key = self.object_key(rtype, ns, name)
            obj = st.objects.get(key)
            if obj is None:
                raise self.not_found(rtype, name)
            if obj["metadata"].get("finalizers"):
                if not obj["metadata"].get("deletionTimestamp"):
                    obj = copy.deepcopy(obj)
                    obj["metadata"]["deletionTimestamp"] = now_rfc3339()
                    obj["metadata"]["deletionGracePeriodSeconds"] = 0
                    obj["metadata"]["resourceVersion"] = str(st.next_rv())
                    st.objects[key] = obj
                    st.record("MODIFIED", rtype, ns, obj)
                return self.send_json(202, copy.deepcopy(obj))
            del st.objects[key]
            obj = copy.deepcopy(obj)
            obj["metadata"]["resourceVersion"] = str(st.next_rv())
            st.record("DELETED", rtype, ns, obj)
        return self.send_json(200, obj)

    # --- watch ---
    def watch(self, rtype, ns, query):
        st = self.store
        rv_param = query.get("resourceVersion", "")
        timeout = float(query.get("timeoutSeconds") or 1800)
        bookmarks = query.get("allowWatchBookmarks") in ("1", "true")
        w = Watch()
        with st.cond:
            initial = []
            if rv_param in ("", "0"):
                start = st.rv
                initial = sorted((copy.deepcopy(o) for (k, o_ns, _), o in st.objects.items()
                                  if k == rtype.key and (ns is None or o_ns == ns)),
                                 key=lambda o: o["metadata"]["name"])
            else:
                try:
                    start = int(rv_param)
                except ValueError:
                    raise HttpError(400, "BadRequest", f"invalid resourceVersion {rv_param!r}")
                if start < st.floor:
                    raise HttpError(410, "Expired",
                                    f"too old resource version: {start} ({st.floor})")
            st.watches.add(w)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._status = 200
            for o in initial:
                self.write_chunk({"type": "ADDED", "object": o})
            last = start
            deadline = time.monotonic() + timeout
            next_bookmark = time.monotonic() + st.bookmark_interval
            while True:
                lines = []
                with st.cond:
                    while True:
                        now = time.monotonic()
                        if w.drop or w.error410 or now >= deadline:
                            break
                        if w.hold:
                            st.cond.wait(deadline - now)
                            continue
                        if w.bookmark:
                            break
                        pending = [e for e in st.history if e[0] > last and e[2] == rtype.key
                                   and (ns is None or e[3] == ns)]
                        if pending:
                            break
                        if bookmarks and now >= next_bookmark:
                            break
                        st.cond.wait(min(deadline, next_bookmark if bookmarks else deadline) - now)
                    if w.drop:
                        self.abort_connection()
                        return
                    if w.error410:
                        lines.append({"type": "ERROR", "object": status_body(
                            410, "Expired", f"too old resource version: {last} ({st.rv})")})
                    else:
                        for rv, typ, tkey, ens, obj in st.history:
                            if rv > last and tkey == rtype.key and (ns is None or ens == ns):
                                lines.append({"type": typ, "object": obj})
                        last = max(last, st.rv)
                        now = time.monotonic()
                        if bookmarks and (w.bookmark or now >= next_bookmark):
                            lines.append({"type": "BOOKMARK", "object": {
                                "kind": rtype.kind, "apiVersion": rtype.api_version,
                                "metadata": {"resourceVersion": str(last)}}})
                            next_bookmark = now + st.bookmark_interval
                        w.bookmark = False
                    timed_out = time.monotonic() >= deadline
                for line in lines:
                    self.write_chunk(line)
                if w.error410 or timed_out:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                    self.close_connection = True
                    return
        finally:
            with st.cond:
                st.watches.discard(w)

    def write_chunk(self, obj):
        data = (json.dumps(obj) + "\n").encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def abort_connection(self):
        """Drops the TCP connection mid-stream (no final chunk)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cert", required=True, help="server certificate (PEM)")
    ap.add_argument("--key", required=True, help="server private key (PEM)")
    ap.add_argument("--crd", action="append", default=[], help="CRD YAML file (repeatable)")
    ap.add_argument("--token", required=True, help="accepted bearer token")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bookmark-interval", type=float, default=1.0,
                    help="seconds between periodic BOOKMARK events")
    ap.add_argument("--history", type=int, default=10000, help="watch history window (events)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    types = list(BUILTIN_TYPES)
    for path in args.crd:
        types.extend(load_crd(path))
    Handler.store = Store(types, args.token, args.history, args.bookmark_interval)
    Handler.verbose = args.verbose

    server = Server(("127.0.0.1", args.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    # The handshake runs in the handler thread (first read), so a client that stalls or fails
    # verification cannot block the accept loop.
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
