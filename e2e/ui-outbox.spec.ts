import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { QueryingAstmAnalyzer } from '../sim/analyzers/udichem-query.ts';
import { readOutbox } from './console-db.ts';
import { startStack, type Stack } from './stack.ts';
import { describeViolations, overflowing, openScreen, screenshot, seriousA11yViolations, switchLanguage, VIEWPORT } from './ui-helpers.ts';

const UDICHEM = 3;

async function a11yAndShot(page: Page, screen: string, tabs: { en: string; ar: string }, ready: string): Promise<void> {
  for (const lang of ['en', 'ar'] as const) {
    await switchLanguage(page, lang);
    await openScreen(page, tabs[lang]);
    await page.locator(ready).first().waitFor();
    const v = await seriousA11yViolations(page);
    expect(v, `${screen}-${lang}\n${describeViolations(v)}`).toEqual([]);
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, screen, lang);
  }
  await switchLanguage(page, 'en');
}

describe('console: outbox, queries and audit trail', () => {
  let stack: Stack;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack();
    const context = await stack.browser.newContext({ viewport: VIEWPORT });
    page = await stack.openConsole({ context, waitForMachine: UDICHEM });
  });
  afterAll(async () => stack?.close());

  it('lists a dead letter with the cloud\'s reason and a retrying result with its next attempt', async () => {
    stack.cloud.faults.rejectBarcodes.add('OB-REJ');
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: 'OB-REJ' }) })).accepted).toBe(true);
    await expect.poll(async () => (await readOutbox(page)).find((r) => r.item.barcode === 'OB-REJ')?.state).toBe('dead');
    stack.cloud.faults.resultsStatus = 503;
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: 'OB-WAIT' }) })).accepted).toBe(true);

    await openScreen(page, 'Outbox');
    const retrying = page.locator('[data-testid="outbox-retrying"] tbody tr', { hasText: 'OB-WAIT' });
    await retrying.waitFor();
    const headers = await page.locator('[data-testid="outbox-retrying"] thead th').allTextContents();
    const cells = await retrying.locator('td').allTextContents();
    expect(headers).toEqual(['Since', 'Analyzer', 'Sample', 'Test', 'Value', 'Attempts', 'Next attempt', 'Reason', 'Actions']);
    expect(cells.slice(1, 5)).toEqual(['Udichem 240 Plus', 'OB-WAIT', 'GLU', '99 mg/dl']);
    expect(cells[5]).toMatch(/^[1-9]\d*$/);
    expect(cells[6]).toMatch(/^(now|\d\d:\d\d:\d\d)$/);
    expect(cells[7]).toMatch(/503/);
    const dead = page.locator('[data-testid="outbox-dead"] tbody tr', { hasText: 'OB-REJ' });
    expect(await dead.locator('td.reason').textContent()).toBe('no patient order for tube OB-REJ');
    expect(await page.getByTestId('outbox-summary').textContent()).toBe('0 waiting, 1 retrying, 1 dead letters');
    // The banner says the cloud is away, and what happens meanwhile.
    await page.locator('[data-problem="cloud-unreachable"]').waitFor();
    expect(await page.locator('[data-problem="cloud-unreachable"] .problem-message').textContent()).toBe('The cloud cannot be reached. Results wait in the outbox and are sent when it is back.');
  });

  it('passes axe and is screenshotted with its problems on show', async () => {
    await a11yAndShot(page, 'outbox', { en: 'Outbox', ar: 'صندوق الإرسال' }, '[data-testid="outbox-dead"] tbody tr');
  });

  it('retries one result now, and it is delivered', async () => {
    stack.cloud.faults.resultsStatus = null;
    // The outbox re-renders whenever the engine updates a row; a dispatched click does not wait
    // for the row to hold still, which under load it may not do for long.
    await page.getByRole('button', { name: 'Retry now: OB-WAIT GLU' }).dispatchEvent('click');
    await stack.waitForResults((r) => r.barcode === 'OB-WAIT', 1, 10_000);
    await page.locator('[data-testid="outbox-retrying"] tbody tr', { hasText: 'OB-WAIT' }).waitFor({ state: 'detached' });
  });

  it('discards a dead letter only with a confirmation and a reason', async () => {
    await page.getByRole('button', { name: 'Discard… OB-REJ GLU' }).click();
    const dialog = page.getByRole('dialog', { name: 'Discard this result?' });
    await dialog.waitFor();
    expect(await dialog.locator('.what').textContent()).toBe('OB-REJ · GLU = 99 mg/dl');
    const v = await seriousA11yViolations(page);
    expect(v, describeViolations(v)).toEqual([]);
    // Cancel leaves it as it was.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await readOutbox(page)).find((r) => r.item.barcode === 'OB-REJ')).not.toHaveProperty('discarded');

    await page.getByRole('button', { name: 'Discard… OB-REJ GLU' }).click();
    await dialog.getByLabel('Your name (required)').fill('Tester');
    await dialog.getByRole('button', { name: 'Discard the result' }).click();
    expect(await dialog.getByRole('alert').textContent()).toBe('Enter the reason.');
    await dialog.getByLabel('Reason (required)').fill('tube broken, redrawn as OB-REJ2');
    await dialog.getByRole('button', { name: 'Discard the result' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.locator('[data-testid="outbox-dead"] tbody tr[data-discarded="true"]', { hasText: 'OB-REJ' });
    await row.waitFor();
    expect(await row.locator('td.reason').textContent()).toMatch(/^Discarded by Tester at \d\d:\d\d:\d\d: tube broken, redrawn as OB-REJ2$/);
    expect(await page.getByTestId('outbox-summary').textContent()).toBe('0 waiting, 0 retrying, 0 dead letters');
    expect(stack.cloud.store.results({ barcode: 'OB-REJ' })).toHaveLength(0);
  });

  it('shows each host query: barcode, reply, tests, source and latency', async () => {
    const analyzer = await QueryingAstmAnalyzer.connect(stack.ports.udichem);
    try {
      expect((await analyzer.query('B123')).kind).toBe('order');
      expect((await analyzer.query('NOPE-1')).kind).toBe('no-order');
    } finally {
      analyzer.close();
    }
    await openScreen(page, 'Queries');
    const order = page.locator('[data-testid="queries"] tbody tr', { hasText: 'B123' });
    await order.locator('td.reply-order').waitFor();
    const headers = await page.locator('[data-testid="queries"] thead th').allTextContents();
    expect(headers).toEqual(['Time', 'Analyzer', 'Barcode', 'Reply', 'Tests', 'Source', 'Latency', 'Detail']);
    const cells = await order.locator('td').allTextContents();
    expect(cells.slice(1, 6)).toEqual(['Udichem 240 Plus', 'B123', 'Order sent', 'GLU', 'Cloud']);
    expect(cells[6]).toMatch(/^\d+ ms$/);
    const none = page.locator('[data-testid="queries"] tbody tr', { hasText: 'NOPE-1' });
    await none.locator('td.reply-no-order').waitFor();
    expect((await none.locator('td').allTextContents()).slice(3, 5)).toEqual(['No order', '']);
    await a11yAndShot(page, 'queries', { en: 'Queries', ar: 'الاستعلامات' }, '[data-testid="queries"] tbody tr');
  });

  // Needs the engine to write audit entries for `discard` and `retry-now` (action names as here).
  it('records the discard and the manual retry in the audit trail (who, when, what, why)', async () => {
    await openScreen(page, 'Audit trail');
    const discard = page.locator('[data-testid="audit"] tbody tr[data-action="discard"]');
    await discard.waitFor({ timeout: 5_000 });
    const cells = await discard.locator('td').allTextContents();
    expect(cells[1]).toBe('Tester');
    expect(cells[2]).toBe('Discarded a result');
    expect(cells[3]).toContain('tube broken, redrawn as OB-REJ2');
    await page.locator('[data-testid="audit"] tbody tr[data-action="retry-now"]').waitFor({ timeout: 5_000 });
    await a11yAndShot(page, 'audit', { en: 'Audit trail', ar: 'سجل التدقيق' }, '[data-testid="audit"] tbody tr');
  });
});
