// Offline schema check of rendered Kubernetes objects (tests/k8s/helm/chart_test.py).
//
//   node validate_objects.mjs < objects.json
//
// stdin: a JSON array of {"where": "...", "object": {...}}. For each object:
//   1. the JSON-schema validator that kubernetes-models (built-in kinds) or
//      @kubernetes-models/prometheus-operator (PodMonitor, PrometheusRule, ...) ships for its
//      apiVersion/kind (types, enums, patterns, formats, required fields);
//   2. an unknown-field check, which those validators skip (the upstream OpenAPI schemas allow
//      additional properties): every key must be a property of its type, read from the packages'
//      TypeScript declarations (`export interface IX { "field"?: T; }`), recursively.
// A kind neither package models is an error: the chart must not render what we cannot check.
// Prints one line per problem and exits 1 if there is any; prints a count on success.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node", "node_modules");

// ------------------------------------------------------------------- model lookup
function modelPath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") {
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  }
  return group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

// ------------------------------------------------------------------- declarations
// FQ interface name -> { props: {name: typeExpr}, extendsTypeMeta: bool }
const interfaces = new Map();
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "node_modules") walk(p, out);
    } else if (name.endsWith(".d.ts")) {
      out.push(p);
    }
  }
  return out;
}
// `"name"?: Type;` members of an interface body; a Type may span lines ({ [key: string]: X }).
function parseMembers(body) {
  const props = {};
  const re = /"([^"]+)"\??:\s*/g;
  let m;
  while ((m = re.exec(body)) !== null) {
    let depth = 0;
    let i = re.lastIndex;
    for (; i < body.length; i++) {
      const ch = body[i];
      if (ch === "{" || ch === "<" || ch === "(") depth++;
      else if (ch === "}" || ch === ">" || ch === ")") depth--;
      else if (ch === ";" && depth === 0) break;
    }
    props[m[1]] = body.slice(re.lastIndex, i).replace(/\s+/g, " ").trim();
    re.lastIndex = i + 1;
  }
  return props;
}
function parseDeclarations(file) {
  const text = readFileSync(file, "utf8");
  const local = new Map();
  const ifaceRe = /export interface (\w+)(?: extends [\w, ]+)? \{([\s\S]*?)\n\}/g;
  let m;
  while ((m = ifaceRe.exec(text)) !== null) {
    const body = m[2].replace(/\/\*\*[\s\S]*?\*\//g, "");
    local.set(m[1], parseMembers(body));
  }
  const aliasRe = /export type \{([^}]*)\}/g;
  while ((m = aliasRe.exec(text)) !== null) {
    for (const part of m[1].split(",")) {
      const am = /^\s*(\w+) as (\w+)\s*$/.exec(part);
      if (am && local.has(am[1])) interfaces.set(am[2], local.get(am[1]));
    }
  }
  // Top-level models (Deployment, PodMonitor): keyed by file for lookup by path.
  return local;
}
const topLevel = new Map(); // module path (without .d.ts) -> props of its first interface
for (const root of ["kubernetes-models", "@kubernetes-models/apimachinery", "@kubernetes-models/prometheus-operator"]) {
  for (const file of walk(join(modules, root), [])) {
    const local = parseDeclarations(file);
    const rel = file.slice(modules.length + 1, -".d.ts".length);
    const first = local.values().next();
    if (!first.done) topLevel.set(rel, first.value);
  }
}

// The named interface types a type expression may hold a value of (objects only).
function referenced(typeExpr) {
  return [...typeExpr.matchAll(/\b(I[A-Z]\w+)\b/g)].map((x) => x[1]).filter((n) => interfaces.has(n));
}
function unknownFields(value, props, path, out) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (!(key in props)) {
      out.push(`${path}.${key}: unknown field`);
      continue;
    }
    const t = props[key];
    const refs = referenced(t);
    if (refs.length !== 1) continue; // a scalar, a free-form map, or ambiguous: nothing more to check
    const inner = interfaces.get(refs[0]);
    const isArray = /^Array<|\[\]$/.test(t);
    const isMap = /^\{ ?\[key: string\]:/.test(t);
    if (isArray && Array.isArray(child)) {
      child.forEach((item, i) => unknownFields(item, inner, `${path}.${key}[${i}]`, out));
    } else if (isMap && child && typeof child === "object") {
      for (const [k, v] of Object.entries(child)) unknownFields(v, inner, `${path}.${key}.${k}`, out);
    } else if (!isArray && !isMap) {
      unknownFields(child, inner, `${path}.${key}`, out);
    }
  }
}

// ------------------------------------------------------------------- main
const items = JSON.parse(readFileSync(0, "utf8"));
const problems = [];
let checked = 0;
for (const { where, object } of items) {
  const what = `${where}: ${object.kind}/${object.metadata?.name}`;
  const path = modelPath(object.apiVersion ?? "", object.kind ?? "");
  let Model;
  try {
    // The packages are ESM-only with wildcard exports ("./apps/v1/*" -> "./apps/v1/*.js"), and
    // this script lives outside node/, so import the file itself.
    const mod = await import(pathToFileURL(join(modules, `${path}.js`)).href);
    Model = mod[object.kind];
  } catch (e) {
    problems.push(`${what}: no schema for ${object.apiVersion} ${object.kind} (${path})`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (e) {
    problems.push(`${what}: ${e.message}`);
  }
  const props = topLevel.get(path);
  if (!props) {
    problems.push(`${what}: no declarations for ${path}`);
    continue;
  }
  const unknown = [];
  unknownFields(object, props, "", unknown);
  for (const u of unknown) problems.push(`${what}: ${u}`);
  checked++;
}
for (const p of problems) console.log(p);
if (problems.length > 0) process.exit(1);
console.log(`validate_objects: ${checked} objects valid (${interfaces.size} types known)`);
