import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { frameMessage } from '../sim/analyzers/astm-wire.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { startStack, type Stack } from './stack.ts';

const UDICHEM = 3;

describe('an analyzer result travels TCP → bridge → PWA → IndexedDB outbox → cloud, once', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    await stack.openConsole({ waitForMachine: UDICHEM });
  });
  afterAll(async () => stack?.close());

  for (const framing of ['simplified', 'strict'] as const) {
    it(`stores the Udichem message with ${framing} framing exactly once`, async () => {
      const barcode = `B-${framing}`;
      const records = udichemResult({ barcode });
      const outcome = await sendAstmMessage({ port: stack.ports.udichem, framing, records });

      expect(outcome.accepted).toBe(true);
      // ENQ, then every frame, each answered with ACK.
      expect(outcome.replies).toEqual(Array(1 + frameMessage(records, framing).length).fill('ACK'));
      const [row] = await stack.waitForResults((r) => r.barcode === barcode);
      expect(row).toMatchObject({ machine_id: UDICHEM, barcode, test_code: 'GLU', value: '99', units: 'mg/dl', reference_range: '70 to 110' });
      expect(stack.cloud.store.results({ barcode })).toHaveLength(1);
    });
  }

  it('stores a message sent twice (an analyzer resending after a timeout) once', async () => {
    const barcode = 'B-twice';
    const records = udichemResult({ barcode, date: '20261124' });
    const first = await sendAstmMessage({ port: stack.ports.udichem, framing: 'simplified', records });
    await stack.waitForResults((r) => r.barcode === barcode);
    const second = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records });
    expect([first.accepted, second.accepted]).toEqual([true, true]);

    // A second, different result is delivered after the resend; once it is in the cloud, the resend
    // has been through the same outbox and cannot still be on its way.
    const marker = 'B-twice-marker';
    await sendAstmMessage({ port: stack.ports.udichem, framing: 'simplified', records: udichemResult({ barcode: marker }) });
    await stack.waitForResults((r) => r.barcode === marker);
    expect(stack.cloud.store.results({ barcode })).toHaveLength(1);
  });
});
