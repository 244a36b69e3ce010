// Acceptance test: the official Polymarket client (@polymarket/clob-client-v2, pinned in
// tests/crosscheck/node/package-lock.json) trades against the real arbor-venue-sim binary exactly
// as against the venue: L1 createOrDeriveApiKey, the public calls the client makes before posting
// (/tick-size, /neg-risk, /version), a signed non-marketable BUY (createAndPostOrder), the open
// orders list, cancelOrder and the empty list afterwards. Every step is asserted; any error exits
// non-zero with its message.
//
// Usage: node polymarket_sim_client.mjs <path to arbor-venue-sim> <scenario json>
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

// Loopback only: a proxy from the environment must not intercept the client's requests.
for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"]) {
  delete process.env[k];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, "node", "node_modules");
const clientDist = path.join(modules, "@polymarket", "clob-client-v2", "dist");
if (!existsSync(path.join(clientDist, "index.js")) || !existsSync(path.join(modules, "viem"))) {
  console.error(
      `FAIL: ${modules} is missing @polymarket/clob-client-v2; run scripts/install_npm_tools.sh`);
  process.exit(1);
}
const [simBinary, scenario] = process.argv.slice(2);
if (!simBinary || !existsSync(simBinary) || !scenario || !existsSync(scenario)) {
  console.error("usage: node polymarket_sim_client.mjs <arbor-venue-sim> <scenario json>");
  process.exit(2);
}

const imp = (p) => import(pathToFileURL(p).href);
const clob = await imp(path.join(clientDist, "index.js"));
const viem = await imp(path.join(modules, "viem", "_esm", "index.js"));
const viemAccounts = await imp(path.join(modules, "viem", "_esm", "accounts", "index.js"));

function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

// Starts the simulator and resolves with its ready line ({"clob_port":..,"gamma_port":..}).
function startSim() {
  const child = spawn(simBinary, ["--scenario", scenario, "--step-ms", "500"],
                      { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s; stderr: ${stderr}`)),
                             60_000);
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch (e) {
        reject(new Error(`bad ready line ${line}: ${e.message}`));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`arbor-venue-sim exited with ${code}; stderr: ${stderr}`));
    });
  });
  return { child, ready };
}

const { child, ready } = startSim();
let failed = false;
try {
  const ports = await ready;
  assert(Number.isInteger(ports.clob_port) && Number.isInteger(ports.gamma_port),
         `ready line has clob_port and gamma_port: ${JSON.stringify(ports)}`);
  const host = `http://127.0.0.1:${ports.clob_port}`;

  // A token from Gamma /markets (clobTokenIds is a JSON string of [yes, no]).
  const gamma = await fetch(`http://127.0.0.1:${ports.gamma_port}/markets?limit=20`);
  assert(gamma.ok, `Gamma /markets answers 200 (got ${gamma.status})`);
  const markets = await gamma.json();
  assert(Array.isArray(markets) && markets.length > 0, "Gamma /markets returns markets");
  const market = markets.find((m) => m.clobTokenIds && !m.negRisk) ?? markets[0];
  const tokenID = JSON.parse(market.clobTokenIds)[0];
  assert(typeof tokenID === "string" && tokenID.length > 0, "market has a YES token id");

  const account = viemAccounts.privateKeyToAccount(viemAccounts.generatePrivateKey());
  const wallet = viem.createWalletClient({ account, transport: viem.http("http://127.0.0.1:9") });
  const l1 = new clob.ClobClient({ host, chain: 137, signer: wallet, throwOnError: true });
  const creds = await l1.createOrDeriveApiKey();
  assert(creds.key && creds.secret && creds.passphrase,
         `createOrDeriveApiKey returns credentials: ${JSON.stringify(creds)}`);
  const derived = await l1.deriveApiKey();
  assert(derived.key === creds.key && derived.secret === creds.secret,
         "deriveApiKey gives the created credentials");

  const client =
      new clob.ClobClient({ host, chain: 137, signer: wallet, creds, throwOnError: true });
  const book = await client.getOrderBook(tokenID);
  assert(book.asset_id === tokenID, `getOrderBook returns the token's book`);
  const tick = await client.getTickSize(tokenID);
  const price = Number(tick);  // the lowest price on the grid: never marketable here
  const bestAsk = book.asks.length ? Math.min(...book.asks.map((l) => Number(l.price))) : 1;
  assert(bestAsk > price, `best ask ${bestAsk} is above ${price}`);

  const posted = await client.createAndPostOrder(
      { tokenID, price, side: clob.Side.BUY, size: 10 }, undefined, clob.OrderType.GTC);
  assert(posted.success === true, `postOrder succeeded: ${JSON.stringify(posted)}`);
  assert(/^0x[0-9a-f]{64}$/.test(posted.orderID), `orderID is an order hash: ${posted.orderID}`);
  assert(posted.status === "live", `a non-marketable order rests: ${posted.status}`);

  const open = await client.getOpenOrders();
  assert(open.length === 1 && open[0].id === posted.orderID,
         `getOpenOrders lists the order: ${JSON.stringify(open)}`);
  assert(open[0].asset_id === tokenID && open[0].side === "BUY" && Number(open[0].price) === price,
         `the open order has the posted token, side and price: ${JSON.stringify(open[0])}`);
  assert(Number(open[0].original_size) === 10, "the open order has the posted size");

  const canceled = await client.cancelOrder({ orderID: posted.orderID });
  assert(Array.isArray(canceled.canceled) && canceled.canceled.includes(posted.orderID),
         `cancelOrder cancels it: ${JSON.stringify(canceled)}`);
  const after = await client.getOpenOrders();
  assert(after.length === 0, `no open orders after the cancel: ${JSON.stringify(after)}`);
  console.log("PASS: official clob-client-v2 traded against arbor-venue-sim");
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e?.stack ?? e}`);
} finally {
  child.kill("SIGTERM");
}
process.exit(failed ? 1 : 0);
