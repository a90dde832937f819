import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLoadAnalyzers, p99, runLoad } from './load-run.ts';
import { score } from './scorecard.ts';
import { startStack, type Stack } from './stack.ts';

/** The CI-sized load run; `npm run soak -- --minutes 60` is the long one. */
const LOAD_MS = Number(process.env.LIS_LOAD_MS ?? 60_000);

describe('16 analyzers at once (ASTM and HL7, results and queries)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  it('delivers every result once and answers every query with the order', async () => {
    const machines = await addLoadAnalyzers(stack, 16);
    const page = await stack.openConsole({ waitForMachine: machines[15].id });
    for (const m of machines) {
      await page
        .locator(`tr[data-machine="${m.id}"] td.state-listening`)
        .waitFor()
        .catch(async (err: Error) => {
          const row = await page.locator(`tr[data-machine="${m.id}"]`).innerText().catch(() => 'no row');
          throw new Error(`${err.message}\nmachine ${m.id} (port ${m.connection_settings.port}) shows: ${row}`);
        });
    }
    const report = await runLoad(stack, machines, LOAD_MS);
    const barcodes = new Set(report.expected.map((k) => k.split('|')[0]));
    await stack.until(() => [...barcodes].every((b) => stack.cloud.store.results({ barcode: b }).length > 0), 'every load result', 120_000);

    // The samplers really read both heaps (a silent sampler would make the scorecard's columns empty).
    expect(report.engineHeapMb.some((mb) => mb > 0)).toBe(true);
    expect(report.pageHeapMb.some((mb) => mb > 0)).toBe(true);
    expect(report.queryFailures).toEqual([]);
    expect(report.queries).toBeGreaterThan(16);
    score(
      `16 analyzers for ${Math.round(LOAD_MS / 1000)} s`,
      report.expected,
      stack.cloud.store.results({}).filter((r) => barcodes.has(r.barcode)),
      {
        peakMemoryMb: Math.max(...report.bridgeRssMb),
        peakPageHeapMb: Math.max(...report.pageHeapMb),
        peakEngineHeapMb: Math.max(...report.engineHeapMb),
        p99QueryMs: p99(report.queryLatenciesMs),
      },
      { ignoreTime: true },
    );
  }, LOAD_MS + 240_000);
});
