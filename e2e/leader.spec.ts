import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { keysOf, score } from './scorecard.ts';
import { startStack, type Stack } from './stack.ts';

const UDICHEM = 3;
const SHORT = { astm_timers: { enqReplyMs: 1500, frameReplyMs: 1500, receiverReplyLimitMs: 1500, receiverReplyMarginMs: 300, receiveIdleMs: 3000 }, stale_after_ms: 1200 };

/** Sends until accepted, as an analyzer retries a message it could not deliver. */
async function deliver(stack: Stack, barcode: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const o = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode, date: '20261124' }), replyTimeoutMs: 1500 }).catch(() => ({ accepted: false }));
    if (o.accepted) return attempt;
    if (attempt > 40) throw new Error(`${barcode} never accepted`);
  }
}

describe('one leader across tabs', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ machineSettings: { [UDICHEM]: SHORT } });
  });
  afterAll(async () => stack?.close());

  it('drives from exactly one tab, and hands over to the other when the leader closes, losing and doubling nothing', async () => {
    const context = await stack.browser.newContext();
    const leader = await stack.openConsole({ context });
    const follower = await context.newPage();
    await follower.goto(stack.cloud.url);
    await leader.locator('[data-role="leader"]').waitFor();
    await follower.locator('[data-role="follower"]').waitFor();
    await follower.getByText('Another console window is driving the analyzers').waitFor();
    // The follower reads the same state: the device list the leader writes.
    await follower.locator(`tr[data-machine="${UDICHEM}"] td.state-listening`).waitFor();

    const barcodes = Array.from({ length: 12 }, (_, i) => `LH-${i}`);
    let closed = false;
    const sending = (async () => {
      for (const [i, b] of barcodes.entries()) {
        if (i === 4 && !closed) {
          closed = true;
          await leader.close({ runBeforeUnload: false });
        }
        await deliver(stack, b);
      }
    })();
    await sending;
    await follower.locator('[data-role="leader"]').waitFor();
    await stack.until(() => barcodes.every((b) => stack.cloud.store.results({ barcode: b }).length > 0), 'every result');
    for (const b of barcodes) expect(stack.cloud.store.results({ barcode: b }), b).toHaveLength(1);
    score('two tabs, leader closed mid-traffic', keysOf(barcodes, '20261124'), stack.cloud.store.results({}).filter((r) => barcodes.includes(r.barcode)));
    // Exactly one page drove at a time: the bridge never saw a second page while one was attached.
    expect(stack.bridge.output()).not.toMatch(/another page is attached/);
    await context.close();
  });

  it('keeps ACKs and timers on time while the page\'s main thread is busy for 20 s', async () => {
    const page = await stack.openConsole();
    const busy = page.evaluate(() => {
      const end = Date.now() + 20_000;
      while (Date.now() < end) {
        // the UI thread is stuck; the engine runs in its worker
      }
    });
    const started = Date.now();
    const latencies: number[] = [];
    let n = 0;
    while (Date.now() - started < 15_000) {
      const t = Date.now();
      const o = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: `BUSY-${n++}` }), replyTimeoutMs: 1500 });
      expect(o.accepted).toBe(true);
      latencies.push(Date.now() - t);
    }
    await stack.waitForResults((r) => r.barcode === `BUSY-${n - 1}`);
    expect(Date.now() - started).toBeLessThan(20_000);
    await busy;
    expect(n).toBeGreaterThan(10);
    for (let i = 0; i < n; i++) expect(stack.cloud.store.results({ barcode: `BUSY-${i}` })).toHaveLength(1);
    const busyCodes = Array.from({ length: n }, (_, i) => `BUSY-${i}`);
    score('page main thread busy for 20 s', busyCodes.map((b) => `${b}|GLU|${stack.cloud.store.results({ barcode: b })[0]?.completed_at_raw}`), stack.cloud.store.results({}).filter((r) => busyCodes.includes(r.barcode)));
  });
});
