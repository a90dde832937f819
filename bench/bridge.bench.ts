import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { decodeData, encodeData, type BridgeMessage } from '../shared/bridge-wire.ts';
import { spawnSync } from 'node:child_process';
import { freePort, ROOT, spawnExecutable } from '../e2e/processes.ts';

/**
 * The bridge alone, with a Node WebSocket client standing in for the page: round-trip latency
 * analyzer → bridge → page → bridge → analyzer, throughput, and the bridge's memory with 32 devices.
 */
const ORIGIN = 'http://127.0.0.1:8080';
const TOKEN = 'b'.repeat(32);
const DEVICES = 32;

function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Memory the process owns (heap, buffers), without the executable's own pages the OS can drop. */
function anonMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/RssAnon:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

const dataDir = mkdtempSync(join(tmpdir(), 'bridge-bench-'));
const port = await freePort();
// Measure what ships: the single executable (built on demand), not the bridge under tsx.
const built = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bridge/build/build-executables.ts'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
if (built.status !== 0) throw new Error('npm run build:bridge failed');
const exe = join(ROOT, 'dist/bridge/lis-bridge-linux-x64');
const bridge = spawnExecutable(exe, ['run', '--port', String(port), '--origin', ORIGIN, '--data-dir', dataDir], { LIS_BRIDGE_TOKEN: TOKEN });
await bridge.waitFor(/listening on ws:/);
const pid = bridge.child.pid!;
const rssStart = rssMb(pid);
const anonStart = anonMb(pid);

const ws = new WebSocket(`ws://127.0.0.1:${port}`, { origin: ORIGIN });
await new Promise((ok) => ws.once('open', ok));
const conns = new Map<string, number>();
let onData: (conn: number, bytes: Uint8Array) => void = () => {};
const waiters: ((m: BridgeMessage) => void)[] = [];
ws.on('message', (raw, binary) => {
  if (binary) {
    const f = decodeData(new Uint8Array(raw as Buffer))!;
    onData(f.conn, f.payload);
    return;
  }
  const m = JSON.parse(raw.toString()) as BridgeMessage;
  if (m.t === 'conn-open') conns.set(m.device, m.conn);
  for (const w of waiters) w(m);
});
const until = (pred: (m: BridgeMessage) => boolean) => new Promise<void>((ok) => waiters.push((m) => pred(m) && ok()));
ws.send(JSON.stringify({ t: 'hello', wire: [1], token: TOKEN, app: 'bench' }));
await until((m) => m.t === 'welcome');

const analyzerPorts: number[] = [];
for (let d = 0; d < DEVICES; d++) {
  const p = await freePort();
  analyzerPorts.push(p);
  const listening = until((m) => m.t === 'device-state' && m.device === String(d) && m.state === 'listening');
  ws.send(JSON.stringify({ t: 'open-device', spec: { device: String(d), mode: 'server', port: p } }));
  await listening;
}
const sockets: Socket[] = [];
for (let d = 0; d < DEVICES; d++) {
  const opened = until((m) => m.t === 'conn-open' && m.device === String(d));
  const s = connect({ port: analyzerPorts[d], host: '127.0.0.1' });
  s.setNoDelay(true);
  sockets.push(s);
  await opened;
}
await new Promise((r) => setTimeout(r, 500));
const rssIdle = rssMb(pid);
const anonIdle = anonMb(pid);

// Round trips: the page answers each analyzer byte at once, as an ACK path does.
onData = (conn, bytes) => ws.send(encodeData(conn, Date.now(), bytes));
const latencies: number[] = [];
const ROUNDS = 5_000;
for (let i = 0; i < ROUNDS; i++) {
  const s = sockets[i % DEVICES];
  const t = process.hrtime.bigint();
  await new Promise<void>((ok) => {
    s.once('data', () => ok());
    s.write(Uint8Array.of(0x05));
  });
  latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
}
latencies.sort((a, b) => a - b);

// Throughput: all 32 analyzers send at once; the page only counts.
let received = 0;
onData = (_conn, bytes) => {
  received += bytes.length;
};
const PER_DEVICE = 4 * 1024 * 1024;
const chunk = Buffer.alloc(16 * 1024, 0x41);
const t0 = performance.now();
let rssLoad = 0;
let anonLoad = 0;
const sampler = setInterval(() => {
  rssLoad = Math.max(rssLoad, rssMb(pid));
  anonLoad = Math.max(anonLoad, anonMb(pid));
}, 100);
for (const s of sockets) for (let sent = 0; sent < PER_DEVICE; sent += chunk.length) s.write(chunk);
while (received < PER_DEVICE * DEVICES) await new Promise((r) => setTimeout(r, 5));
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
rssLoad = Math.max(rssLoad, rssMb(pid));

for (const s of sockets) s.destroy();
ws.close();
await bridge.kill();
rmSync(dataDir, { recursive: true, force: true });

console.log(`## Bridge (the shipped single executable, loopback)

| measure | value | target |
|---|---|---|
| round trip analyzer → bridge → page → bridge → analyzer, p50 | ${pct(latencies, 50).toFixed(3)} ms | |
| same, p99 (${ROUNDS} round trips) | ${pct(latencies, 99).toFixed(3)} ms | < 2 ms |
| throughput, ${DEVICES} analyzers sending at once | ${((PER_DEVICE * DEVICES) / 1024 / 1024 / seconds).toFixed(1)} MB/s | |
| RSS at start (anonymous) | ${rssStart.toFixed(1)} MB (${anonStart.toFixed(1)} MB) | |
| RSS, ${DEVICES} devices connected, idle (anonymous) | ${rssIdle.toFixed(1)} MB (${anonIdle.toFixed(1)} MB) | < 60 MB |
| RSS, ${DEVICES} devices under load, peak (anonymous) | ${rssLoad.toFixed(1)} MB (${anonLoad.toFixed(1)} MB) | < 60 MB |

RSS counts the executable's own pages, which the kernel can drop and read again (about 70 MB of
the 150 MB unstripped Node 26 binary are touched at start); "anonymous" is what the bridge itself holds.
`);
