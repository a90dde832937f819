import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult, yyyymmdd } from '../sim/analyzers/messages.ts';
import { launchPersistent } from './chromium.ts';
import { readOutbox } from './console-db.ts';
import { keysOf, score } from './scorecard.ts';
import { startStack, type Stack } from './stack.ts';

const UDICHEM = 3;

function fiveResults(barcode: string): string[] {
  const d = yyyymmdd();
  const tests = ['GLU', 'UREA', 'CREA', 'ALT', 'AST'];
  return [`H|\\^&||PSWD|Udichem|||||Lis||P|E1394-97|${d}`, 'P|1', `O|1|${barcode}||${tests.map((t) => `^^^${t}`).join('\\')}`, ...tests.map((t, i) => `R|${i + 1}|^^^${t}|${90 + i}|mg/dl|70 to 110|N||||||${d}`), 'L|1|N'];
}

describe('the outbox under cloud faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  it('takes 500 results while the cloud is down, each ACKed after its durable write, and delivers each once on recovery', async () => {
    const page = await stack.openConsole();
    stack.cloud.faults.resultsStatus = 500;
    for (let i = 0; i < 100; i++) {
      const o = await sendAstmMessage({ port: stack.ports.udichem, framing: i % 2 ? 'strict' : 'simplified', records: fiveResults(`DOWN-${i}`) });
      expect(o.accepted).toBe(true);
    }
    const pending = (await readOutbox(page)).filter((r) => r.item.barcode.startsWith('DOWN-'));
    expect(pending).toHaveLength(500);
    expect(pending.every((r) => r.state === 'pending')).toBe(true);
    expect(stack.cloud.store.results({}).filter((r) => r.barcode.startsWith('DOWN-'))).toHaveLength(0);

    stack.cloud.faults.resultsStatus = null;
    await stack.until(() => stack.cloud.store.results({}).filter((r) => r.barcode.startsWith('DOWN-')).length >= 500, '500 results', 120_000);
    const stored = stack.cloud.store.results({}).filter((r) => r.barcode.startsWith('DOWN-'));
    expect(new Set(stored.map((r) => r.idempotency_key)).size).toBe(500);
    expect(stored).toHaveLength(500);
    const barcodes = Array.from({ length: 100 }, (_, i) => `DOWN-${i}`);
    score('cloud answering 500 while 500 results arrive', keysOf(barcodes, yyyymmdd(), ['GLU', 'UREA', 'CREA', 'ALT', 'AST']), stored);
    await page.close();
    // Delivery resumes on the outbox's backoff after the outage, which may be most of a minute.
  }, 150_000);

  it('re-authenticates after a 401 with no dead letter, and dead-letters only the item the cloud rejects', async () => {
    const page = await stack.openConsole();
    stack.cloud.expireLogins();
    stack.cloud.faults.rejectBarcodes.add('REJ-2');
    for (const b of ['REJ-1', 'REJ-2', 'REJ-3']) {
      expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: b }) })).accepted).toBe(true);
    }
    await stack.waitForResults((r) => r.barcode === 'REJ-3');
    await page.locator('tr[data-state="dead"]').first().waitFor();
    const rows = (await readOutbox(page)).filter((r) => r.item.barcode.startsWith('REJ-'));
    expect(rows.filter((r) => r.state === 'dead').map((r) => [r.item.barcode, r.lastError])).toEqual([['REJ-2', 'no patient order for tube REJ-2']]);
    expect(rows.filter((r) => r.state === 'sent').map((r) => r.item.barcode).sort()).toEqual(['REJ-1', 'REJ-3']);
    expect((await readOutbox(page)).filter((r) => r.state === 'dead')).toHaveLength(1);
    await page.close();
  });
});

describe('the outbox across a browser restart', () => {
  let stack: Stack;
  const profile = mkdtempSync(join(tmpdir(), 'lis-profile-'));
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('resumes delivery after the browser is closed and started again', async () => {
    let browser = await launchPersistent(profile);
    const page = await browser.newPage();
    await page.goto(stack.cloud.url);
    await page.locator(`tr[data-machine="${UDICHEM}"] td.state-listening`).waitFor();
    stack.cloud.faults.resultsStatus = 503;
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: 'RESTART-1' }) })).accepted).toBe(true);
    expect((await readOutbox(page)).filter((r) => r.item.barcode === 'RESTART-1').map((r) => r.state)).toEqual(['pending']);
    await browser.close();

    stack.cloud.faults.resultsStatus = null;
    browser = await launchPersistent(profile);
    const again = browser.pages()[0] ?? (await browser.newPage());
    await again.goto(stack.cloud.url);
    await stack.waitForResults((r) => r.barcode === 'RESTART-1');
    expect(stack.cloud.store.results({ barcode: 'RESTART-1' })).toHaveLength(1);
    score('browser closed and reopened', keysOf(['RESTART-1'], stack.cloud.store.results({ barcode: 'RESTART-1' })[0].completed_at_raw), stack.cloud.store.results({ barcode: 'RESTART-1' }));
    await browser.close();
  });
});
