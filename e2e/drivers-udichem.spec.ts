import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { QueryingAstmAnalyzer } from '../sim/analyzers/udichem-query.ts';
import { queryRow } from './console-queries.ts';
import { startStack, type Stack } from './stack.ts';

const UDICHEM = 3;



describe('Udichem (query-driven) through the bridge and the console', () => {
  let stack: Stack;
  let page: Page;
  let udichem: QueryingAstmAnalyzer;

  beforeAll(async () => {
    stack = await startStack();
    stack.cloud.store.setOrders(UDICHEM, [
      { barcode: 'U-ORDER', tests: ['GLU', 'UREA', 'CREA'], specimen_type: 'serum', priority: 'stat' },
      { barcode: 'U-CACHED', tests: ['GLU'], specimen_type: 'serum' },
    ]);
    page = await stack.openConsole({ waitForMachine: UDICHEM });
    udichem = await QueryingAstmAnalyzer.connect(stack.ports.udichem, { framing: 'simplified' });
  });
  afterAll(async () => {
    udichem?.close();
    await stack?.close();
  });

  it('asks, gets the order in the field form, runs it, and its results are delivered once', async () => {
    const outcome = await udichem.query('U-ORDER');
    expect(outcome).toMatchObject({ kind: 'order', problems: [], orders: [{ sampleId: 'U-ORDER', tests: ['GLU', 'UREA', 'CREA'] }] });
    if (outcome.kind !== 'order') return;
    expect(outcome.records).toEqual(['H|\\^&|||LIS|||||||P|1', 'P|1', 'O|1|U-ORDER||^^^GLU\\^^^UREA\\^^^CREA', 'L|1|N']);
    for (const [i, test] of outcome.orders[0].tests.entries()) {
      expect((await udichem.send(udichemResult({ barcode: 'U-ORDER', test, value: `${90 + i}.0`, date: '20261124' }))).accepted).toBe(true);
    }
    const rows = await stack.waitForResults((r) => r.barcode === 'U-ORDER', 3);
    expect(rows.map((r) => [r.test_code, r.value, r.units, r.reference_range, r.flags]).sort()).toEqual([
      ['CREA', '92.0', 'mg/dl', '70 to 110', ['N']],
      ['GLU', '90.0', 'mg/dl', '70 to 110', ['N']],
      ['UREA', '91.0', 'mg/dl', '70 to 110', ['N']],
    ]);
    // A resend of the first result, then a marker: still three rows.
    await udichem.send(udichemResult({ barcode: 'U-ORDER', test: 'GLU', value: '90.0', date: '20261124' }));
    await udichem.send(udichemResult({ barcode: 'U-MARK', date: '20261124' }));
    await stack.waitForResults((r) => r.barcode === 'U-MARK');
    expect(stack.cloud.store.results({ barcode: 'U-ORDER' })).toHaveLength(3);
  });

  it('answers a tube with nothing ordered with H then L|1|I, which the analyzer accepts', async () => {
    expect(await udichem.query('U-NOTHING')).toMatchObject({ kind: 'no-order', problems: [], records: ['H|\\^&|||LIS|||||||P|1', 'L|1|I'] });
  });

  it('with the orders endpoint failing: cached tubes from the cache, others "error in last query" (L|1|Q), never "no order"', async () => {
    stack.cloud.faults.ordersStatus = 500;
    try {
      expect(await udichem.query('U-CACHED')).toMatchObject({ kind: 'order', problems: [], orders: [{ sampleId: 'U-CACHED', tests: ['GLU'] }] });
      expect(await udichem.query('U-UNCACHED')).toMatchObject({ kind: 'error', problems: [], records: ['H|\\^&|||LIS|||||||P|1', 'L|1|Q'] });
    } finally {
      stack.cloud.faults.ordersStatus = null;
    }
    expect(await queryRow(page, 'U-CACHED', (r) => r.reply === 'order')).toMatchObject({ source: 'cache' });
    expect(await queryRow(page, 'U-UNCACHED', (r) => r.reply === 'error')).toMatchObject({ source: 'none' });
  });

  it('gives a withdrawn query no reply', async () => {
    stack.cloud.faults.ordersDelayMs = 600;
    try {
      expect((await udichem.query('U-ORDER', { replyWindowMs: 150 })).kind).toBe('cancelled');
      await queryRow(page, 'U-ORDER', (r) => r.reply === 'cancelled' && r.source === 'cloud');
    } finally {
      stack.cloud.faults.ordersDelayMs = 0;
    }
    expect(await udichem.query('U-NOTHING')).toMatchObject({ kind: 'no-order', problems: [] });
    expect(udichem.link.drain()).toEqual([]);
  });
});
