import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { readOutbox } from './console-db.ts';
import { startStack, type Stack } from './stack.ts';

describe('outbox durability', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  it('ACKs only once the result is in IndexedDB, and delivers it once after a reload and the cloud\'s recovery', async () => {
    const page = await stack.openConsole();
    stack.cloud.faults.resultsStatus = 500;
    const barcode = 'B-durable';
    const outcome = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode }) });
    expect(outcome.accepted).toBe(true);

    // The analyzer has its final ACK: the row must already be in the outbox, and undelivered.
    const rows = await readOutbox(page);
    expect(rows.filter((r) => r.item.barcode === barcode).map((r) => r.state)).toEqual(['pending']);
    expect(stack.cloud.store.results({ barcode })).toHaveLength(0);

    await page.reload();
    stack.cloud.faults.resultsStatus = null;
    await stack.waitForResults((r) => r.barcode === barcode);
    await page.locator('tr[data-state="sent"]').first().waitFor();
    expect(stack.cloud.store.results({ barcode })).toHaveLength(1);
    expect((await readOutbox(page)).filter((r) => r.item.barcode === barcode).map((r) => r.state)).toEqual(['sent']);
  });
});
