// Cross-check of `arborctl sign` against the official TypeScript client
// (@polymarket/clob-client-v2, pinned in tests/crosscheck/node/package-lock.json).
//
// For a few hundred deterministic pseudo-random orders (every tick size, both sides, limit and
// market, both V2 exchanges, versions 2 and 3, chains 137/80002, signature types 0-3) the official
// OrderBuilder builds and signs the order through its public API, and the result is compared
// byte for byte with arborctl's output: the POST /order `order` JSON (orderToJsonV2) and the
// EIP-712 order hash. The official builder takes the timestamp from Date.now() and the salt from
// Math.round(Math.random() * Date.now()); both are stubbed per order so the salt and timestamp
// are the ones given to arborctl (checked). L1 (ClobAuth) and L2 (HMAC) headers are compared the
// same way (createL1Headers / createL2Headers take explicit timestamps).
//
// Usage: node polymarket_sign_crosscheck.mjs <path to arborctl>   (exit 0 = all equal)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, "node", "node_modules");
const clientDist = path.join(modules, "@polymarket", "clob-client-v2", "dist");
if (!existsSync(path.join(clientDist, "index.js")) || !existsSync(path.join(modules, "viem"))) {
  console.error(
    `FAIL: ${modules} is missing @polymarket/clob-client-v2; run scripts/install_npm_tools.sh`);
  process.exit(1);
}
const arborctl = process.argv[2];
if (!arborctl || !existsSync(arborctl)) {
  console.error("usage: node polymarket_sign_crosscheck.mjs <path to arborctl>");
  process.exit(2);
}

const imp = (p) => import(pathToFileURL(p).href);
const clob = await imp(path.join(clientDist, "index.js"));
const { ExchangeOrderBuilderV2 } = await imp(
    path.join(clientDist, "order-utils", "exchangeOrderBuilderV2.js"));
const viem = await imp(path.join(modules, "viem", "_esm", "index.js"));
const viemAccounts = await imp(path.join(modules, "viem", "_esm", "accounts", "index.js"));

// Hardhat/Anvil account #0 (TEST_VECTORS.md §1; public, never funded).
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const account = viemAccounts.privateKeyToAccount(KEY);
const wallet = viem.createWalletClient({ account, transport: viem.http("http://127.0.0.1:9") });

// mulberry32: small deterministic PRNG so every run checks the same orders.
let seed = 0x5eed1234;
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const TICKS = ["0.1", "0.01", "0.005", "0.0025", "0.001", "0.0001"];
const TICK_UNITS = { "0.1": 1000, "0.01": 100, "0.005": 50, "0.0025": 25, "0.001": 10, "0.0001": 1 };
const FUNDERS = ["0x995c9b1f779c04e65AF8ea3360F96c43b5e62316",
                 "0xf7fB45986800e2D259BAa25B56466bd02dA37a44"];
const TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563";

// Price as exact decimal text: k ticks, k in [1, 1/tick - 1].
function priceText(tick) {
  const units = TICK_UNITS[tick];
  const k = randInt(1, 10000 / units - 1);
  const v = k * units;  // in 1e-4
  return (v / 10000).toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
}
function sizeText() {
  const whole = randInt(0, 2000);
  const frac = randInt(0, 9999).toString().padStart(4, "0").slice(0, randInt(0, 4));
  const t = frac.length ? `${whole}.${frac}` : `${whole}`;
  return Number(t) >= 0.01 ? t : "5";
}

const cases = [];
const N = 384;
for (let i = 0; i < N; i++) {
  const tick = TICKS[i % TICKS.length];
  const side = (Math.floor(i / 6) % 2) ? "SELL" : "BUY";
  const version = (Math.floor(i / 12) % 2) ? 3 : 2;
  const negRisk = (Math.floor(i / 24) % 2) === 1;
  const signatureType = Math.floor(i / 48) % 4;
  const kind = (Math.floor(i / 192) % 2) ? "market" : "limit";
  const chainId = rand() < 0.5 ? 137 : 80002;
  const timestamp = 1713398400000 + randInt(0, 1e9);
  const salt = randInt(1, 2 ** 31) * 1000 + randInt(0, 999);
  const maker = signatureType === 0 ? account.address : FUNDERS[i % 2];
  cases.push({
    chain_id: chainId, version, neg_risk: negRisk, tick_size: tick, price: priceText(tick),
    size: sizeText(), side, signature_type: signatureType, maker, token_id: TOKEN,
    salt, timestamp, kind,
  });
}

// Official client, with Date.now / Math.random stubbed so salt and timestamp are the given ones.
async function officialOrder(c) {
  const realNow = Date.now;
  const realRandom = Math.random;
  Date.now = () => c.timestamp;
  Math.random = () => c.salt / c.timestamp;
  try {
    const builder = new clob.OrderBuilder(wallet, c.chain_id, c.signature_type,
                                          c.signature_type === 0 ? undefined : c.maker);
    const side = c.side === "BUY" ? clob.Side.BUY : clob.Side.SELL;
    const options = { tickSize: c.tick_size, negRisk: c.neg_risk };
    const signed = c.kind === "limit"
        ? await builder.buildOrder(
              { tokenID: c.token_id, price: Number(c.price), size: Number(c.size), side },
              options, c.version)
        : await builder.buildMarketOrder(
              { tokenID: c.token_id, price: Number(c.price), amount: Number(c.size), side,
                orderType: clob.OrderType.FOK },
              options, c.version);
    const cfg = clob.getContractConfig(c.chain_id);
    const contract = c.version === 3 ? cfg.exchangeV3
                                     : (c.neg_risk ? cfg.negRiskExchangeV2 : cfg.exchangeV2);
    const hasher = new ExchangeOrderBuilderV2(contract, c.chain_id, wallet, undefined,
                                              String(c.version));
    const hash = hasher.buildOrderHash(hasher.buildOrderTypedData(signed));
    const body = clob.orderToJsonV2(signed, "", clob.OrderType.GTC);
    return { order: JSON.stringify(body.order), hash, salt: signed.salt };
  } finally {
    Date.now = realNow;
    Math.random = realRandom;
  }
}

// Auth requests: L1 (ClobAuth) and L2 (HMAC) with explicit timestamps.
const SECRET = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const creds = { key: "00000000-0000-0000-0000-000000000000", secret: SECRET,
                passphrase: "a".repeat(64) };
const authCases = [
  { auth: "l1", chain_id: 137, timestamp: "1713398400", nonce: 0 },
  { auth: "l1", chain_id: 80002, timestamp: "10000000", nonce: 23 },
  { auth: "l2", secret: SECRET, api_key: creds.key, passphrase: creds.passphrase,
    timestamp: "1713398400", method: "GET", path: "/data/orders", body: "" },
  { auth: "l2", secret: "c2VjcmV0LXdpdGgtdXJsLXNhZmUtY2hhcnM_Pz8-Pg==", api_key: creds.key,
    passphrase: creds.passphrase, timestamp: "1700000000", method: "POST", path: "/order",
    body: '{"order":{"salt":1},"owner":"x","orderType":"GTC"}' },
  { auth: "l2", secret: SECRET, api_key: creds.key, passphrase: creds.passphrase,
    timestamp: "1", method: "DELETE", path: "/orders", body: '["0xabc","0xdef"]' },
];
async function officialAuth(a) {
  if (a.auth === "l1") {
    return clob.createL1Headers(wallet, a.chain_id, a.nonce, Number(a.timestamp));
  }
  return clob.createL2Headers(
      wallet, { key: a.api_key, secret: a.secret, passphrase: a.passphrase },
      { method: a.method, requestPath: a.path, body: a.body || undefined }, Number(a.timestamp));
}

const dir = mkdtempSync(path.join(tmpdir(), "arbor-crosscheck-"));
const keyFile = path.join(dir, "key");
writeFileSync(keyFile, KEY + "\n", { mode: 0o600 });
const input = [...cases, ...authCases].map((c) => JSON.stringify(c)).join("\n") + "\n";
const run = spawnSync(arborctl, ["sign", "--key-file", keyFile], { input, encoding: "utf8",
                                                                    maxBuffer: 64 << 20 });
rmSync(dir, { recursive: true, force: true });
if (run.status !== 0) {
  console.error(`FAIL: arborctl exited ${run.status}\n${run.stderr}\n${run.stdout.slice(0, 2000)}`);
  process.exit(1);
}
const lines = run.stdout.trimEnd().split("\n");
if (lines.length !== cases.length + authCases.length) {
  console.error(`FAIL: expected ${cases.length + authCases.length} lines, got ${lines.length}`);
  process.exit(1);
}
if (run.stdout.includes(KEY.slice(2))) {
  console.error("FAIL: arborctl output contains the private key");
  process.exit(1);
}

let failures = 0;
const counts = {};
for (let i = 0; i < cases.length; i++) {
  const c = cases[i];
  const ours = JSON.parse(lines[i]);
  const official = await officialOrder(c);
  const oursOrder = JSON.stringify(ours.order);
  const ok = official.salt === String(c.salt) && ours.hash === official.hash &&
             oursOrder === official.order && lines[i].startsWith(`{"order":${official.order},`);
  const key = `${c.kind}/${c.side}/tick ${c.tick_size}/v${c.version}/sig${c.signature_type}`;
  counts[key] = (counts[key] || 0) + 1;
  if (!ok) {
    failures++;
    if (failures <= 10) {
      console.error(`MISMATCH case ${i} ${JSON.stringify(c)}\n  ours:     ${lines[i]}\n` +
                    `  official: {"order":${official.order},"hash":"${official.hash}"}` +
                    ` (salt ${official.salt})`);
    }
  }
}
for (let j = 0; j < authCases.length; j++) {
  const ours = JSON.parse(lines[cases.length + j]);
  const official = await officialAuth(authCases[j]);
  if (JSON.stringify(ours.headers) !== JSON.stringify(official)) {
    failures++;
    console.error(`MISMATCH auth ${JSON.stringify(authCases[j])}\n  ours:     ` +
                  `${JSON.stringify(ours.headers)}\n  official: ${JSON.stringify(official)}`);
  }
}
const kinds = Object.keys(counts).length;
if (failures > 0) {
  console.error(`FAIL: ${failures} of ${cases.length + authCases.length} differ`);
  process.exit(1);
}
console.log(`OK: ${cases.length} orders (${kinds} kind/side/tick/version/signature-type ` +
            `combinations) and ${authCases.length} auth header sets identical to ` +
            `@polymarket/clob-client-v2`);
