# Throwaway load client: N market-channel WebSocket connections x K tokens each against a running
# arbor-venue-sim; drives S admin steps and reports frames/bytes received and snapshot time.
import asyncio, base64, json, os, sys, time, urllib.request
clob, gamma, admin = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
N, K, S = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
tokens = []
off = 0
while len(tokens) < N * K:
    page = json.load(urllib.request.urlopen(f"http://127.0.0.1:{gamma}/markets?limit=500&offset={off}"))
    if not page: break
    for m in page: tokens += json.loads(m["clobTokenIds"])
    off += 500
print("tokens fetched", len(tokens), "pages", off // 500)
stats = [[0, 0] for _ in range(N)]
async def readframe(r):
    h = await r.readexactly(2)
    n = h[1] & 127
    if n == 126: n = int.from_bytes(await r.readexactly(2), "big")
    elif n == 127: n = int.from_bytes(await r.readexactly(8), "big")
    return h[0] & 15, await r.readexactly(n)
def frame(text):
    p = text.encode(); mask = os.urandom(4)
    n = len(p)
    hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big") if n < 65536 else bytes([0x80 | 127]) + n.to_bytes(8, "big"))
    return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(p))
async def conn(i, ready):
    r, w = await asyncio.open_connection("127.0.0.1", clob, limit=1 << 24)
    key = base64.b64encode(os.urandom(16)).decode()
    w.write(f"GET /ws/market HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    await r.readuntil(b"\r\n\r\n")
    w.write(frame(json.dumps({"assets_ids": tokens[i * K:(i + 1) * K], "type": "market"})))
    ready.set_result(None)
    while True:
        op, p = await readframe(r)
        if op == 8: return
        stats[i][0] += 1; stats[i][1] += len(p)
async def main():
    t0 = time.time()
    futs = [asyncio.get_running_loop().create_future() for _ in range(N)]
    tasks = [asyncio.create_task(conn(i, futs[i])) for i in range(N)]
    await asyncio.gather(*futs)
    while sum(s[0] for s in stats) < N:  # at least the snapshots are arriving
        await asyncio.sleep(0.05)
    await asyncio.sleep(2)
    print(f"connected+subscribed {N}x{K} in {time.time()-t0:.2f}s; snapshot frames {sum(s[0] for s in stats)} bytes {sum(s[1] for s in stats)}")
    f0 = sum(s[0] for s in stats); b0 = sum(s[1] for s in stats)
    t1 = time.time()
    for _ in range(S):
        ts = time.time()
        await asyncio.get_running_loop().run_in_executor(None, lambda: urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{admin}/admin/step", method="POST")).read())
        print(f"  step {time.time()-ts:.3f}s")
    await asyncio.sleep(2)
    f1 = sum(s[0] for s in stats); b1 = sum(s[1] for s in stats)
    print(f"{S} steps: frames {f1-f0} bytes {b1-b0} ({(f1-f0)/S:.0f} frames/step); all {N} alive: {all(not t.done() for t in tasks)}; min frames/conn {min(s[0] for s in stats)}")
asyncio.run(main())
