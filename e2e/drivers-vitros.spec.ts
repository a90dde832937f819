import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vitrosRejection, vitrosResult } from '../sim/analyzers/messages.ts';
import { VitrosAnalyzer } from '../sim/analyzers/vitros-analyzer.ts';
import { engineCommand } from './console-db.ts';
import { queryRow } from './console-queries.ts';
import { startStack, type Stack } from './stack.ts';

const VITROS = 4;


/** Resolves once the dev cloud has answered the live order lookup for this barcode. */
function ordersServed(stack: Stack, barcode: string): Promise<void> {
  return new Promise((ok) => {
    const server = stack.cloud.server;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (!req.url?.includes(`/orders?barcode=${encodeURIComponent(barcode)}`)) return;
      server.off('request', onRequest);
      res.once('finish', () => ok());
    };
    server.on('request', onRequest);
  });
}


describe('VITROS 4600 through the bridge and the console', () => {
  let stack: Stack;
  let page: Page;
  let vitros: VitrosAnalyzer;
  /** Every device event the console reported for the VITROS, across status reports. */
  const reported: Array<{ kind: string; message: string }> = [];

  beforeAll(async () => {
    stack = await startStack();
    stack.cloud.store.on('status', (row) => {
      if (row.machine_id === VITROS) reported.push(...(row.events ?? []));
    });
    stack.cloud.store.setOrders(VITROS, [
      { barcode: 'V-ORDER', tests: ['300', '330'], specimen_type: 'serum', priority: 'routine' },
      { barcode: 'V-STAT', tests: ['309'], specimen_type: 'serum', priority: 'stat' },
      { barcode: 'V-CACHED', tests: ['300'], specimen_type: 'serum', priority: 'routine' },
    ]);
    page = await stack.openConsole({ waitForMachine: VITROS });
    vitros = await VitrosAnalyzer.connect({ port: stack.ports.vitros });
  });
  afterAll(async () => {
    vitros?.close();
    await stack?.close();
  });

  it('delivers results once, with assay codes, text values, units and flags; a resend is not stored twice', async () => {
    const records = vitrosResult('V-RES', [
      { assay: '309', value: '140', units: 'mmol/L', flags: '^0^NQ' },
      { assay: '300', value: '<15', units: 'mg/dL', flags: '^5^' },
      { assay: '950', value: '12' },
    ]);
    expect((await vitros.send(records)).accepted).toBe(true);
    const rows = await stack.waitForResults((r) => r.barcode === 'V-RES', 3);
    expect(rows.map((r) => [r.machine_id, r.test_code, r.test_id, r.value, r.units, r.flags, r.status]).sort()).toEqual(
      [
        [VITROS, '300', '^^^1.0000+300+1.0', '<15', 'mg/dL', ['5'], 'V'],
        [VITROS, '309', '^^^1.0000+309+1.0', '140', 'mmol/L', ['NQ'], 'V'],
        [VITROS, '950', '^^^1.0000+950+1.0', '12', '', ['0'], 'V'],
      ].sort(),
    );
    // The analyzer sends the same message again (it missed our last ACK): stored once.
    expect((await vitros.send(records)).accepted).toBe(true);
    expect((await vitros.send(vitrosResult('V-RES-MARK', [{ assay: '309', value: '141', units: 'mmol/L' }]))).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'V-RES-MARK');
    expect(stack.cloud.store.results({ barcode: 'V-RES' })).toHaveLength(3);
  });

  it('answers a query with the order the analyzer accepts: one record per frame, full assay ids, body fluid 5', async () => {
    const outcome = await vitros.query('V-ORDER');
    expect(outcome.kind).toBe('order');
    if (outcome.kind !== 'order') return;
    expect(outcome.reply.orders).toEqual([{ sampleId: 'V-ORDER', assays: ['300', '330'], priority: 'R', bodyFluid: '5' }]);
    expect(outcome.reply.records[0]).toMatch(/^H\|\\\^&\|\|\|LIS\|\|\|\|\|\|\|\|LIS2-A\|\d{14}$/);
    expect(outcome.latencyMs).toBeLessThan(2_400);
    const stat = await vitros.query('V-STAT');
    expect(stat.kind === 'order' && stat.reply.orders[0]).toEqual({ sampleId: 'V-STAT', assays: ['309'], priority: 'S', bodyFluid: '5' });
    const row = await queryRow(page, 'V-ORDER', (r) => r.reply === 'order');
    expect(row).toMatchObject({ source: 'cloud', latencyMs: expect.any(Number) });
  });

  it('answers a tube with nothing ordered with "no order" (L|1|I), which the analyzer accepts', async () => {
    const outcome = await vitros.query('V-NOTHING');
    expect(outcome.kind).toBe('no-order');
    if (outcome.kind !== 'no-order') return;
    expect(outcome.reply.records.map((r) => r.split('|')[0])).toEqual(['H', 'L']);
    expect(outcome.reply.terminator).toBe('I');
  });

  it('with the orders endpoint failing answers from the cache, and with no cache entry answers "error in last query", not "no order"', async () => {
    stack.cloud.faults.ordersStatus = 503;
    try {
      const cached = await vitros.query('V-CACHED');
      expect(cached.kind === 'order' && cached.reply.orders[0].assays).toEqual(['300']);
      const failed = await vitros.query('V-UNCACHED');
      expect(failed.kind).toBe('error');
      if (failed.kind !== 'error') return;
      expect(failed.reply.records.map((r) => r.split('|')[0])).toEqual(['H', 'L']);
      expect(failed.reply.terminator).toBe('Q');
    } finally {
      stack.cloud.faults.ordersStatus = null;
    }
    expect(await queryRow(page, 'V-CACHED', (r) => r.reply === 'order')).toMatchObject({ source: 'cache' });
    expect(await queryRow(page, 'V-UNCACHED', (r) => r.reply === 'error')).toMatchObject({ source: 'none' });
  });

  it('gives a query the analyzer withdrew (Q-13 A, L|1|T) no reply, even when the cloud answers afterwards', async () => {
    stack.cloud.faults.ordersDelayMs = 600;
    const served = ordersServed(stack, 'V-LATE');
    try {
      // This analyzer gives up after 150 ms: the cloud's answer comes 600 ms after the query.
      expect((await vitros.query('V-LATE', { replyWindowMs: 150 })).kind).toBe('cancelled');
      await served;
    } finally {
      stack.cloud.faults.ordersDelayMs = 0;
    }
    // The engine has the cloud's answer for the withdrawn query; it must not reach the line.
    await queryRow(page, 'V-LATE', (r) => r.source === 'cloud' && r.reply === 'cancelled');
    const next = await vitros.query('V-ORDER');
    expect(next.kind === 'order' && next.reply.orders.map((o) => o.sampleId)).toEqual(['V-ORDER']);
    expect(vitros.link.drain()).toEqual([]);
    expect((await queryRow(page, 'V-LATE', () => true)).reply).toBe('cancelled');
  });

  it('shows the analyzer\'s M…E record (an order it could not use) and the failed lookup as device errors', async () => {
    expect((await vitros.send(vitrosRejection('V-ORDER'))).accepted).toBe(true);
    await engineCommand(page, { type: 'report-now' });
    await stack.until(() => reported.some((e) => e.kind === 'analyzer-error' && /PY1 033: Unable to find program/.test(e.message)), 'the VITROS error in a status report');
    // The earlier "error in last query" reply (cloud down, not cached) raised an alert too.
    expect(reported.some((e) => e.kind === 'query-failed' && e.message.includes('V-UNCACHED'))).toBe(true);
  });
});
