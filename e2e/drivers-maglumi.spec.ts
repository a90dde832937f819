import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMaglumiResults } from '../sim/analyzers/maglumi-analyzer.ts';
import { QueryingAstmAnalyzer } from '../sim/analyzers/udichem-query.ts';
import { queryRow } from './console-queries.ts';
import { startStack, type Stack } from './stack.ts';

const MAGLUMI_800 = 1;
const MAGLUMI_X3 = 2;

describe('Maglumi 800 / X3 (simplified framing) through the bridge and the console', () => {
  let stack: Stack;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack();
    stack.cloud.store.setOrders(MAGLUMI_800, [{ barcode: 'M-ORDER', tests: ['TSH II', 'FT4'], specimen_type: 'serum' }]);
    page = await stack.openConsole({ waitForMachine: MAGLUMI_X3 });
  });
  afterAll(async () => stack?.close());

  it('delivers a message with a rerun (the same test twice, an hour apart) as two results, once each', async () => {
    const results = [
      { test: 'TT4 II', value: '8.421', units: 'ug/dL', range: '5 to 13', at: '20250630191502' },
      { test: 'TSH II', value: '1.399', units: 'uIU/mL', range: '0.3 to 4.5', at: '20250630192120' },
      { test: 'TSH II', value: '1.411', units: 'uIU/mL', range: '0.3 to 4.5', at: '20250630203450' },
    ];
    const sent = await sendMaglumiResults({ port: stack.ports.maglumi800, sampleId: '25141515', results });
    expect(sent).toEqual({ accepted: true, replies: ['ACK', 'ACK'] });
    const rows = await stack.waitForResults((r) => r.barcode === '25141515', 3);
    expect(rows.map((r) => [r.machine_id, r.test_code, r.test_id, r.value, r.units, r.reference_range, r.flags, r.completed_at_raw])).toEqual([
      [MAGLUMI_800, 'TT4 II', '^^^TT4 II', '8.421', 'ug/dL', '5 to 13', ['N'], '20250630191502'],
      [MAGLUMI_800, 'TSH II', '^^^TSH II', '1.399', 'uIU/mL', '0.3 to 4.5', ['N'], '20250630192120'],
      [MAGLUMI_800, 'TSH II', '^^^TSH II', '1.411', 'uIU/mL', '0.3 to 4.5', ['N'], '20250630203450'],
    ]);
    // The same message again, then one from the X3: the 800's results are not stored twice.
    await sendMaglumiResults({ port: stack.ports.maglumi800, sampleId: '25141515', results });
    await sendMaglumiResults({ port: stack.ports.maglumiX3, sampleId: 'X3-MARK', results: [{ test: 'FERRITIN', value: '120.5', units: 'ng/mL', range: '30 to 400', at: '20250701101010' }] });
    const [x3] = await stack.waitForResults((r) => r.barcode === 'X3-MARK');
    expect(x3).toMatchObject({ machine_id: MAGLUMI_X3, test_code: 'FERRITIN', value: '120.5' });
    expect(stack.cloud.store.results({ barcode: '25141515' })).toHaveLength(3);
  });

  it('answers a host query in the generic form (order, no order, error on a failed lookup, none when withdrawn)', async () => {
    const maglumi = await QueryingAstmAnalyzer.connect(stack.ports.maglumi800, { framing: 'simplified' });
    try {
      expect(await maglumi.query('M-ORDER')).toMatchObject({ kind: 'order', problems: [], orders: [{ sampleId: 'M-ORDER', tests: ['TSH II', 'FT4'] }] });
      expect(await maglumi.query('M-NOTHING')).toMatchObject({ kind: 'no-order', problems: [] });
      stack.cloud.faults.ordersStatus = 503;
      expect(await maglumi.query('M-UNCACHED')).toMatchObject({ kind: 'error', problems: [] });
      stack.cloud.faults.ordersStatus = null;
      stack.cloud.faults.ordersDelayMs = 400;
      expect((await maglumi.query('M-ORDER', { replyWindowMs: 100 })).kind).toBe('cancelled');
      // The engine has had the cloud's late answer for the withdrawn query.
      await queryRow(page, 'M-ORDER', (r) => r.reply === 'cancelled' && r.source === 'cloud');
      stack.cloud.faults.ordersDelayMs = 0;
      // The withdrawn query's late answer must not come before this one's.
      expect(await maglumi.query('M-NOTHING', { replyWindowMs: 5_000 })).toMatchObject({ kind: 'no-order', problems: [] });
      expect(maglumi.link.drain()).toEqual([]);
    } finally {
      stack.cloud.faults.ordersStatus = null;
      stack.cloud.faults.ordersDelayMs = 0;
      maglumi.close();
    }
  });
});
