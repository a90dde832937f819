import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine } from '../shared/cloud-api.ts';
import { ACK, ENQ, EOT } from '../sim/analyzers/astm-wire.ts';
import { ByteLink } from '../sim/analyzers/byte-link.ts';
import { DymindAnalyzer } from '../sim/analyzers/dymind-analyzer.ts';
import { QueryingAstmAnalyzer } from '../sim/analyzers/udichem-query.ts';
import { freePort } from './processes.ts';
import { queryRow } from './console-queries.ts';
import { startStack, type Stack } from './stack.ts';

const GENERIC_ASTM = 6;
const GENERIC_HL7 = 7;

/** The Erba XL-1000's own bytes (a capture): one strict frame, backtick repeat delimiter. */
const ERBA = new Uint8Array(readFileSync(new URL('../drivers/analyzers/fixtures/erba_xl1000_result_backtick_repeat_delim_rawwire.bin', import.meta.url)));

function machine(id: number, driver: string, port: number, extra: Record<string, unknown> = {}): Machine {
  return {
    id,
    name: `Generic ${id}`,
    code: `GEN${id}`,
    driver,
    transport: 'tcp',
    connection_settings: { mode: 'server', host: '0.0.0.0', port, charset: 'latin1', timezone: 'Asia/Baghdad', ...extra },
  };
}

describe('generic ASTM and generic HL7 drivers, configured from the cloud, through the bridge and the console', () => {
  let stack: Stack;
  let page: Page;
  let astmPort: number;
  let hl7Port: number;

  beforeAll(async () => {
    stack = await startStack();
    astmPort = await freePort();
    hl7Port = await freePort();
    stack.cloud.store.addMachine(machine(GENERIC_ASTM, 'generic_astm', astmPort, { framing: 'strict' }));
    stack.cloud.store.addMachine(machine(GENERIC_HL7, 'generic_hl7', hl7Port, { charset: 'utf-8', hl7_test_code: 'text' }));
    stack.cloud.store.setOrders(GENERIC_ASTM, [{ barcode: 'G-ORDER', tests: ['GLU', 'ALT'] }]);
    stack.cloud.store.setOrders(GENERIC_HL7, [{ barcode: 'G7-ORDER', tests: ['CBC'] }]);
    page = await stack.openConsole({ waitForMachine: GENERIC_HL7 });
  });
  afterAll(async () => stack?.close());

  it('generic ASTM: delivers the Erba capture (backtick repeats) with its code, value, units and flags', async () => {
    const link = await ByteLink.open('127.0.0.1', astmPort);
    try {
      const frame = ERBA.subarray(1, ERBA.length - 1);
      expect(ERBA[0]).toBe(ENQ);
      link.write(Uint8Array.of(ENQ));
      expect(await link.next(5_000)).toBe(ACK);
      link.write(frame);
      expect(await link.next(5_000)).toBe(ACK);
      link.write(Uint8Array.of(EOT));
    } finally {
      link.close();
    }
    const [row] = await stack.waitForResults((r) => r.machine_id === GENERIC_ASTM && r.barcode === '1044041');
    expect(row).toMatchObject({ test_code: 'DBILL', test_id: '^^^DBILL', value: '0.3', units: 'mg/dl', flags: ['A'], status: 'F', completed_at_raw: '20200928132312' });
  });

  it('generic ASTM: order, no order, error on a failed lookup, nothing for a withdrawn query (strict framing)', async () => {
    const a = await QueryingAstmAnalyzer.connect(astmPort, { framing: 'strict', replyWindowMs: 10_000 });
    try {
      expect(await a.query('G-ORDER')).toMatchObject({ kind: 'order', problems: [], records: ['H|\\^&|||LIS|||||||P|1', 'P|1', 'O|1|G-ORDER||^^^GLU\\^^^ALT', 'L|1|N'] });
      expect(await a.query('G-NOTHING')).toMatchObject({ kind: 'no-order', problems: [] });
      stack.cloud.faults.ordersStatus = 500;
      expect(await a.query('G-UNCACHED')).toMatchObject({ kind: 'error', problems: [], records: ['H|\\^&|||LIS|||||||P|1', 'L|1|Q'] });
      stack.cloud.faults.ordersStatus = null;
      stack.cloud.faults.ordersDelayMs = 400;
      expect((await a.query('G-ORDER', { replyWindowMs: 100 })).kind).toBe('cancelled');
      await queryRow(page, 'G-ORDER', (r) => r.reply === 'cancelled' && r.source === 'cloud');
      stack.cloud.faults.ordersDelayMs = 0;
      expect(await a.query('G-NOTHING')).toMatchObject({ kind: 'no-order', problems: [] });
      expect(a.link.drain()).toEqual([]);
    } finally {
      stack.cloud.faults.ordersStatus = null;
      stack.cloud.faults.ordersDelayMs = 0;
      a.close();
    }
  });

  it('generic HL7: results with the configured code path (OBX-3.2), and ORM queries answered AA / AR / AE / not at all', async () => {
    const h = await DymindAnalyzer.connect(hl7Port, { replyWindowMs: 10_000 });
    try {
      expect((await h.sendResults('G7-RES', [{ code: '6690-2', name: 'WBC', value: '5.5', units: '10*3/uL', range: '4-10' }])).accepted).toBe(true);
      const [row] = await stack.waitForResults((r) => r.machine_id === GENERIC_HL7 && r.barcode === 'G7-RES');
      expect(row).toMatchObject({ test_code: 'WBC', value: '5.5', units: '10*3/uL', reference_range: '4-10' });
      expect(await h.query('G7-ORDER')).toMatchObject({ kind: 'order', testMode: 'CBC', problems: [] });
      expect(await h.query('G7-NOTHING')).toMatchObject({ kind: 'no-order', problems: [] });
      stack.cloud.faults.ordersStatus = 500;
      expect(await h.query('G7-UNCACHED')).toMatchObject({ kind: 'error', problems: [] });
      stack.cloud.faults.ordersStatus = null;
      stack.cloud.faults.ordersDelayMs = 400;
      expect((await h.query('G7-ORDER', { replyWindowMs: 100 })).kind).toBe('cancelled');
      await queryRow(page, 'G7-ORDER', (r) => r.reply === 'cancelled' && r.source === 'cloud');
      stack.cloud.faults.ordersDelayMs = 0;
      expect(await h.query('G7-NOTHING')).toMatchObject({ kind: 'no-order', problems: [] });
      expect(h.client.pending()).toBe(0);
    } finally {
      stack.cloud.faults.ordersStatus = null;
      stack.cloud.faults.ordersDelayMs = 0;
      h.close();
    }
  });
});
