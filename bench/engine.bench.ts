import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { startStack } from '../e2e/stack.ts';

/**
 * The console engine in headless Chromium with the real bridge: durable outbox ingest, drain to
 * the dev cloud, ACK latency with the UI idle and busy, and how long a leader handover takes.
 */
function pct(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}

const stack = await startStack();
const lines: string[] = [];
try {
  const context = await stack.browser.newContext();
  const page = await stack.openConsole({ context });

  // Ingest: the cloud is down, so every result only has to reach IndexedDB (strict) before its ACK.
  stack.cloud.faults.resultsStatus = 503;
  const N = 300;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await sendAstmMessage({ port: stack.ports.udichem, framing: 'simplified', records: udichemResult({ barcode: `IN-${i}` }) });
  const ingest = N / ((performance.now() - t0) / 1000);

  stack.cloud.faults.resultsStatus = null;
  const t1 = performance.now();
  await page.evaluate(() => {
    const ch = new BroadcastChannel('lis-engine-commands');
    ch.postMessage({ type: 'retry-now' });
    ch.close();
  });
  await stack.until(() => stack.cloud.store.results({}).filter((r) => r.barcode.startsWith('IN-')).length >= N, 'drain', 120_000);
  const drain = N / ((performance.now() - t1) / 1000);

  // ACK latency: ENQ to the final ACK of a one-result message, as the analyzer sees it.
  const latencies = async (n: number, tag: string) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await sendAstmMessage({ port: stack.ports.udichem, framing: 'simplified', records: udichemResult({ barcode: `${tag}-${i}` }) });
      out.push(performance.now() - t);
    }
    return out;
  };
  const idle = await latencies(200, 'ACK');
  const busy = page.evaluate(() => {
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      // the UI thread is stuck
    }
  });
  const busyLat = await latencies(100, "BUSY");
  await busy;

  // Handover: the leader's tab closes; how long until the other tab's engine drives the analyzers.
  const follower = await context.newPage();
  await follower.goto(stack.cloud.url);
  await follower.locator('[data-role="follower"]').waitFor();
  const t2 = performance.now();
  await page.close();
  await follower.locator('[data-role="leader"]').waitFor();
  const leader = performance.now() - t2;
  await follower.locator('tr[data-machine="3"] td.state-listening').waitFor();
  const driving = performance.now() - t2;

  lines.push(
    '## Console engine (headless Chromium, real bridge, dev cloud)',
    '',
    '| measure | value |',
    '|---|---|',
    `| durable outbox ingest (one result per message, strict IndexedDB before each ACK) | ${ingest.toFixed(0)} results/s |`,
    `| drain to the dev cloud after an outage | ${drain.toFixed(0)} results/s |`,
    `| ENQ → final ACK, UI idle: p50 / p99 | ${pct(idle, 50).toFixed(1)} / ${pct(idle, 99).toFixed(1)} ms |`,
    `| ENQ → final ACK, UI main thread busy: p50 / p99 | ${pct(busyLat, 50).toFixed(1)} / ${pct(busyLat, 99).toFixed(1)} ms |`,
    `| leader handover: lock taken / analyzers driven again | ${leader.toFixed(0)} / ${driving.toFixed(0)} ms |`,
  );
} finally {
  await stack.close();
}
console.log(lines.join('\n'));
