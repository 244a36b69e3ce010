// Signing rate of the official TypeScript client (@polymarket/clob-client-v2, installed by
// scripts/install_npm_tools.sh) on this machine: OrderBuilder.buildOrder (amounts + EIP-712 +
// secp256k1 via viem) for limit orders, one at a time, after a warm-up.
// Usage: node tests/bench/polymarket_signing/official_sign_bench.mjs [orders=3000]
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, "..", "..", "crosscheck", "node", "node_modules");
const dist = path.join(modules, "@polymarket", "clob-client-v2", "dist", "index.js");
if (!existsSync(dist)) {
  console.error(`missing ${dist}; run scripts/install_npm_tools.sh`);
  process.exit(1);
}
const imp = (p) => import(pathToFileURL(p).href);
const clob = await imp(dist);
const viem = await imp(path.join(modules, "viem", "_esm", "index.js"));
const accounts = await imp(path.join(modules, "viem", "_esm", "accounts", "index.js"));

const account = accounts.privateKeyToAccount(
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
const wallet = viem.createWalletClient({ account, transport: viem.http("http://127.0.0.1:9") });
const builder = new clob.OrderBuilder(wallet, 137, 0);
const token = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const n = Number(process.argv[2] || 3000);

async function sign(i) {
  return builder.buildOrder(
      { tokenID: token, price: (1 + (i % 98)) / 100, size: 5 + (i % 200),
        side: i & 1 ? clob.Side.SELL : clob.Side.BUY },
      { tickSize: "0.01", negRisk: false }, 2);
}

for (let i = 0; i < 300; i++) await sign(i);
const lat = [];
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const s = process.hrtime.bigint();
  await sign(i);
  lat.push(Number(process.hrtime.bigint() - s) / 1000);
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
lat.sort((a, b) => a - b);
const p = (q) => lat[Math.floor(q * (lat.length - 1))].toFixed(1);
console.log(`official clob-client-v2 1.1.0: ${n} orders in ${secs.toFixed(3)} s = ` +
            `${(n / secs).toFixed(0)} orders/s; latency us p50 ${p(0.5)} p99 ${p(0.99)}`);
