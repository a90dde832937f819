import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DymindAnalyzer } from '../sim/analyzers/dymind-analyzer.ts';
import { queryRow } from './console-queries.ts';
import { startStack, type Stack } from './stack.ts';

const DYMIND = 5;



const CBC = [
  { code: '6690-2', name: 'WBC', value: '7.13', units: '10*3/uL', range: '4.00-10.00', flags: '~N' },
  { code: '718-7', name: 'HGB', value: '19.0', units: 'g/dL', range: '11.0-16.0', flags: 'H~A' },
  { code: '777-3', name: 'PLT', value: '58', units: '10*3/uL', range: '100-300', flags: 'L~A' },
  { code: '770-8', name: 'NEU%', value: '**.*', units: '%', range: '50.0-70.0', flags: '' },
];

describe('Dymind DH36 (HL7 / MLLP, kept-open connection) through the bridge and the console', () => {
  let stack: Stack;
  let page: Page;
  let dh36: DymindAnalyzer;

  beforeAll(async () => {
    stack = await startStack();
    stack.cloud.store.setOrders(DYMIND, [
      { barcode: 'H-ORDER', tests: ['CBC+DIFF'], specimen_type: 'whole blood', patient: { sex: 'F', birth_date: '1985-04-12' } },
      { barcode: 'H-CACHED', tests: ['CBC'], specimen_type: 'whole blood' },
    ]);
    page = await stack.openConsole({ waitForMachine: DYMIND });
    dh36 = await DymindAnalyzer.connect(stack.ports.dymind);
  });
  afterAll(async () => {
    dh36?.close();
    await stack?.close();
  });

  it('delivers ORU results once, each ACKed ACK^R01 AA under its own control id', async () => {
    const at = new Date(2026, 10, 24, 9, 30, 0);
    const sent = await dh36.sendResults('H-RES', CBC, { at });
    expect(sent.accepted).toBe(true);
    const rows = await stack.waitForResults((r) => r.barcode === 'H-RES', 4);
    expect(rows.map((r) => [r.machine_id, r.test_code, r.test_id, r.value, r.units, r.reference_range, r.flags, r.status])).toEqual([
      [DYMIND, 'WBC', '6690-2^WBC^LN', '7.13', '10*3/uL', '4.00-10.00', ['N'], 'F'],
      [DYMIND, 'HGB', '718-7^HGB^LN', '19.0', 'g/dL', '11.0-16.0', ['H', 'A'], 'F'],
      [DYMIND, 'PLT', '777-3^PLT^LN', '58', '10*3/uL', '100-300', ['L', 'A'], 'F'],
      [DYMIND, 'NEU%', '770-8^NEU%^LN', '**.*', '%', '50.0-70.0', [], 'F'],
    ]);
    // The analyzer resends (new MSH-10, same results): ACKed again, not stored again.
    expect((await dh36.sendResults('H-RES', CBC, { at })).accepted).toBe(true);
    expect((await dh36.sendResults('H-MARK', CBC.slice(0, 1), { at })).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'H-MARK');
    expect(stack.cloud.store.results({ barcode: 'H-RES' })).toHaveLength(4);
  });

  it('answers an ORM query with the ORR^O02 the analyzer accepts (AA, ORC|AF, OBR-2 = ORC-2, Test Mode)', async () => {
    const outcome = await dh36.query('H-ORDER');
    expect(outcome).toMatchObject({ kind: 'order', testMode: 'CBC+DIFF', problems: [] });
    if (outcome.kind !== 'order') return;
    expect(outcome.latencyMs).toBeLessThan(2_000);
    expect(outcome.text).toContain('\rPID|1||||^||19850412|F\r');
  });

  it('answers no order with MSA|AR', async () => {
    expect(await dh36.query('H-NOTHING')).toMatchObject({ kind: 'no-order', reason: 'no order for H-NOTHING', problems: [] });
  });

  it('with the orders endpoint failing: cached tubes from the cache, others MSA|AE with the reason, never AR', async () => {
    stack.cloud.faults.ordersStatus = 503;
    try {
      expect(await dh36.query('H-CACHED')).toMatchObject({ kind: 'order', testMode: 'CBC', problems: [] });
      const failed = await dh36.query('H-UNCACHED');
      expect(failed).toMatchObject({ kind: 'error', problems: [] });
      expect(failed.kind === 'error' && failed.reason).toMatch(/H-UNCACHED unavailable/);
    } finally {
      stack.cloud.faults.ordersStatus = null;
    }
    expect(await queryRow(page, 'H-UNCACHED', (r) => r.reply === 'error')).toMatchObject({ source: 'none' });
  });

  it('gives a query the analyzer withdrew (ORC|CA) no ORR, even when the cloud answers afterwards', async () => {
    stack.cloud.faults.ordersDelayMs = 500;
    try {
      expect((await dh36.query('H-ORDER', { replyWindowMs: 100 })).kind).toBe('cancelled');
      await queryRow(page, 'H-ORDER', (r) => r.reply === 'cancelled' && r.source === 'cloud');
    } finally {
      stack.cloud.faults.ordersDelayMs = 0;
    }
    // The next message on the connection is the reply to the next query, nothing before it.
    expect(await dh36.query('H-NOTHING')).toMatchObject({ kind: 'no-order', problems: [] });
    expect(dh36.client.pending()).toBe(0);
  });
});
