import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { startStack, type Stack } from './stack.ts';
import { describeViolations, overflowing, openScreen, screenshot, seriousA11yViolations, switchLanguage, VIEWPORT } from './ui-helpers.ts';

const UDICHEM = 3;
const SCRIPT = '<script>alert(1)</script>';

/** Left edges of each character of the element's text, in text order (Range.getClientRects). */
function charLefts(page: Page, selector: string): Promise<{ text: string; lefts: number[] }> {
  return page.locator(selector).first().evaluate((el) => {
    const node = [...el.childNodes].find((n) => n.nodeType === Node.TEXT_NODE) ?? el.firstChild!;
    const text = node.textContent ?? '';
    const lefts: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const r = document.createRange();
      r.setStart(node, i);
      r.setEnd(node, i + 1);
      lefts.push(r.getClientRects()[0].left);
    }
    return { text, lefts };
  });
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

describe('console: devices dashboard and results, in English and Arabic', () => {
  let stack: Stack;
  let page: Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    const context = await stack.browser.newContext({ viewport: VIEWPORT, locale: 'en-US' });
    page = await stack.openConsole({ context, waitForMachine: UDICHEM });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // Real analyzer traffic: a `<15 mmol/L` result (a unit the LIS maps as mg/dl) and one whose
    // sample id is markup.
    for (const r of [udichemResult({ barcode: 'LT-15', value: '<15', units: 'mmol/L' }), udichemResult({ barcode: SCRIPT, value: '7' })]) {
      expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: r })).accepted).toBe(true);
    }
    await stack.waitForResults((r) => r.barcode === SCRIPT);
    await stack.waitForResults((r) => r.barcode === 'LT-15');
  });
  afterAll(async () => stack?.close());

  it('shows each analyzer with its state, last message and today\'s counters', async () => {
    const row = page.locator(`[data-testid="devices"] tr[data-machine="${UDICHEM}"]`);
    await row.locator('td.state-listening, td.state-connected').waitFor();
    await expect.poll(() => row.locator('[data-count="sent"]').textContent()).toBe('2');
    expect(await row.locator('th').textContent()).toBe('Udichem 240 Plus');
    expect(await row.locator('td').nth(0).textContent()).toBe('udichem_astm');
    expect(await row.locator('td').nth(1).textContent()).toBe(`TCP ${stack.ports.udichem}`);
    expect(await row.locator('[data-count="received"]').textContent()).toBe('2');
    expect(await row.locator('[data-count="queued"]').textContent()).toBe('0');
    expect(await row.locator('[data-count="failed"]').textContent()).toBe('0');
    expect(await row.locator('td').nth(3).textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
    const headers = await page.locator('[data-testid="devices"] thead th').allTextContents();
    expect(headers).toEqual(['Analyzer', 'Driver', 'Connection', 'State', 'Last message', 'Received', 'Queued', 'Sent', 'Failed', 'Queries', 'NAKs', 'Errors', 'Actions']);
    // Every analyzer the LIS assigned to this station is listed.
    expect(await page.locator('[data-testid="devices"] tbody tr').count()).toBe(5);
    // The latest results below, newest first, with their delivery state.
    await page.locator('[data-testid="results"] tr[data-state="sent"]').first().waitFor();
    expect(await page.locator('[data-testid="results"] tbody tr').first().locator('td.sample').textContent()).toBe(SCRIPT);
  });

  it('renders analyzer text as text: a sample id that is markup shows up literally and runs nothing', async () => {
    const cell = page.locator('[data-testid="results"] td.sample', { hasText: 'alert(1)' }).first();
    expect(await cell.textContent()).toBe(SCRIPT);
    expect(await cell.innerHTML()).toContain('&lt;script&gt;');
    expect(await page.locator('[data-testid="results"] script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('lists every result with its value, units, type, delivery, matching and warnings', async () => {
    await openScreen(page, 'Results');
    const row = page.locator('[data-testid="results"] tbody tr', { hasText: 'LT-15' });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    const headers = await page.locator('[data-testid="results"] thead th').allTextContents();
    const cell = (h: string) => cells[headers.indexOf(h)];
    expect(headers).toEqual(['Received', 'Analyzer', 'Sample', 'Test', 'Value', 'Units', 'Range', 'Flags', 'Status', 'Type', 'Delivery', 'Matched', 'Warnings']);
    expect([cell('Analyzer'), cell('Sample'), cell('Test'), cell('Value'), cell('Units'), cell('Range')]).toEqual(['Udichem 240 Plus', 'LT-15', 'GLU', '<15', 'mmol/L', '70 to 110']);
    expect([cell('Type'), cell('Delivery'), cell('Matched')]).toEqual(['Patient', 'Sent', 'Matched']);
    expect(cell('Warnings')).toBe('Unit differs from the LIS mapping: mmol/L ≠ mg/dl');
    // The search narrows the list to one sample.
    await page.getByLabel('Find a sample or test').fill('lt-15');
    await expect.poll(() => page.locator('[data-testid="results"] tbody tr').count()).toBe(1);
    await page.getByLabel('Find a sample or test').fill('');
  });

  it('keeps `<15` in its visual order in Arabic, isolated left-to-right', async () => {
    await switchLanguage(page, 'ar');
    await page.getByRole('heading', { name: 'النتائج' }).waitFor();
    const value = '[data-testid="results"] tbody tr:has-text("LT-15") td.value bdi';
    expect(await page.locator(value).getAttribute('dir')).toBe('ltr');
    const v = await charLefts(page, value);
    expect(v.text).toBe('<15');
    expect(increasing(v.lefts), `x of < 1 5: ${v.lefts}`).toBe(true);
    const units = await charLefts(page, '[data-testid="results"] tbody tr:has-text("LT-15") td:nth-child(6) bdi');
    expect(units.text).toBe('mmol/L');
    expect(increasing(units.lefts)).toBe(true);
    // The check can fail: the same text, not isolated, in this right-to-left page reads `15>`.
    const bare = await page.evaluate(() => {
      const p = document.createElement('p');
      p.textContent = '<15';
      document.querySelector('main')!.append(p);
      const lefts = [0, 1, 2].map((i) => {
        const r = document.createRange();
        r.setStart(p.firstChild!, i);
        r.setEnd(p.firstChild!, i + 1);
        return r.getClientRects()[0].left;
      });
      p.remove();
      return lefts;
    });
    expect(increasing(bare)).toBe(false);
    // The page itself is right-to-left, and its headings read Arabic.
    expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual(['rtl', 'ar']);
    expect(await page.locator('[data-testid="results"] thead th').first().textContent()).toBe('وقت الاستلام');
  });

  it('passes axe with no serious or critical violation, fits 1366×768, and is screenshotted in both languages', async () => {
    for (const lang of ['en', 'ar'] as const) {
      await switchLanguage(page, lang);
      for (const [screen, tab] of [
        ['devices', lang === 'en' ? 'Devices' : 'الأجهزة'],
        ['results', lang === 'en' ? 'Results' : 'النتائج'],
      ] as const) {
        await openScreen(page, tab);
        await page.locator('[data-testid="results"] tbody tr').first().waitFor();
        const v = await seriousA11yViolations(page);
        expect(v, describeViolations(v)).toEqual([]);
        expect(await overflowing(page)).toEqual([]);
        await screenshot(page, screen, lang);
      }
    }
  });

  it('can be driven from the keyboard: skip link, tabs, focus on the new screen\'s title', async () => {
    await switchLanguage(page, 'en');
    await page.goto(stack.cloud.url);
    await page.locator('[data-testid="devices"]').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    // Past the language buttons, Tab walks the screens' tabs; Enter opens one.
    for (let i = 0; i < 6 && (await page.evaluate(() => document.activeElement?.textContent)) !== 'Outbox'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Outbox');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Outbox', level: 2 }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('screen-title');
  });
});
