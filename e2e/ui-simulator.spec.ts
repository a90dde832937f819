import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredResult } from '../shared/cloud-api.ts';
import { startStack, type Stack } from './stack.ts';
import { describeViolations, overflowing, openScreen, screenshot, seriousA11yViolations, switchLanguage, VIEWPORT } from './ui-helpers.ts';

const UDICHEM = 3;
const VITROS = 4;
const SCRIPT = '<script>alert(1)</script>';
/** A VITROS 3600 recording from the field (ENQ … EOT as sent): `<15`, `<2`, `<20` among its values. */
const VITROS_CAPTURE = '/work/shared/captures/vitros3600_result_lessthan_values_rawwire.bin';

type Flagged = StoredResult & { test_data?: boolean };

describe('console: the simulator, safe by construction', () => {
  let stack: Stack;
  let page: Page;
  const dialogs: string[] = [];
  const sandboxOf = (id: number) => stack.cloud.store.machine(id)?.sandbox_id;

  beforeAll(async () => {
    stack = await startStack();
    const context = await stack.browser.newContext({ viewport: VIEWPORT });
    page = await stack.openConsole({ context, waitForMachine: UDICHEM });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });
  afterAll(async () => stack?.close());

  it('sends a test result in one click, shows what was sent and how it was ACKed, and it reaches the sandbox as test data', async () => {
    const sandbox = sandboxOf(UDICHEM);
    expect(sandbox, 'the dev cloud names a sandbox copy of the Udichem').toBeDefined();
    expect(sandbox).not.toBe(UDICHEM);

    await openScreen(page, 'Simulator');
    expect(await page.getByTestId('test-data-banner').textContent()).toMatch(/^TEST DATA Everything you send here goes to a sandbox copy of the analyzer/);
    await page.getByLabel('Analyzer', { exact: true }).selectOption({ label: 'Udichem 240 Plus' });
    expect(await page.getByTestId('sandbox-note').textContent()).toBe(`Test data goes to sandbox machine ${sandbox} in the LIS.`);
    await page.getByLabel('Sample id').fill(SCRIPT);
    await page.getByLabel('Result value').fill('<15');
    await page.getByLabel('Your name (required)').fill('Tester');
    await page.getByRole('button', { name: 'Send a test result' }).click();

    // The exchange, as the archive recorded it: the analyzer's ENQ and frames, each answered ACK.
    const exchange = page.getByTestId('sim-exchange');
    await exchange.locator('tbody tr', { hasText: '⟨EOT⟩' }).waitFor({ timeout: 20_000 });
    const rows = await exchange.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows[0].slice(1, 3)).toEqual(['IN', '⟨ENQ⟩']);
    expect(rows[0][4]).toBe('ACK');
    const frames = rows.filter((r) => r[2].startsWith('⟨STX⟩'));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((r) => r[3] === 'ok' && r[4] === 'ACK')).toBe(true);
    // The markup in the sample id shows up literally, in the raw bytes and in the decoded record.
    expect(frames.some((r) => r[2].includes(`O|1|${SCRIPT}`) && r[5].includes(SCRIPT))).toBe(true);
    expect(await exchange.locator('script').count()).toBe(0);

    // It reaches the dev cloud on the sandbox machine, flagged as test data; nothing on the real one.
    const stored = (await stack.waitForResults((r) => r.barcode === SCRIPT)) as Flagged[];
    expect(stored.map((r) => [r.machine_id, r.test_data, r.value])).toEqual([[sandbox, true, '<15']]);
    expect(stack.cloud.store.results({ machineId: UDICHEM })).toEqual([]);

    // The console shows it as TEST DATA, on the sandbox, and never runs the markup.
    const results = page.locator('[data-testid="results"] tbody tr', { hasText: 'alert(1)' });
    await results.waitFor();
    expect(await results.locator('td.sample').textContent()).toBe(SCRIPT);
    expect(await results.getAttribute('data-test-data')).toBe('true');
    expect(await results.locator('.badge-test').textContent()).toBe('TEST DATA');
    expect(await results.locator('td').nth(1).textContent()).toBe('Udichem 240 Plus (sandbox)');
    expect(dialogs).toEqual([]);
  });

  it('sends a test query and shows the host\'s answer', async () => {
    await page.getByLabel('Sample id').fill('B123');
    await page.getByRole('button', { name: 'Send a test query' }).click();
    const exchange = page.getByTestId('sim-exchange');
    await exchange.locator('tbody tr', { hasText: 'Q|1|^B123' }).waitFor({ timeout: 20_000 });
    // The host's reply is a message of its own: ENQ from the console, then its order for B123.
    await exchange.locator('tbody tr[data-dir="out"]', { hasText: 'O|1|B123' }).waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('sim-transcript').textContent()).toMatch(/simulated a query/);
  });

  it('replays a capture file from the field the same way, as test data on the sandbox', async () => {
    await page.getByLabel('Analyzer', { exact: true }).selectOption({ label: 'VITROS 4600' });
    await page.getByLabel(/^Capture file/).setInputFiles(VITROS_CAPTURE);
    const summary = page.getByTestId('capture-summary');
    await summary.waitFor();
    // ENQ, nine frames (1–7, 0, 1: the frame number wraps), EOT.
    expect(await summary.textContent()).toBe(`vitros3600_result_lessthan_values_rawwire.bin: 11 lines, ${readFileSync(VITROS_CAPTURE).length} bytes from the analyzer.`);
    const preview = await page.getByTestId('capture-preview').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(preview[0][2]).toBe('⟨ENQ⟩');
    expect(preview.filter((r) => r[2].startsWith('⟨STX⟩')).every((r) => r[3] === 'ok')).toBe(true);
    expect(preview.some((r) => r[5].includes('R|2|^^^1.0000+950+1.0|<15'))).toBe(true);
    await page.getByRole('button', { name: 'Replay as this analyzer' }).click();

    const sandbox = sandboxOf(VITROS)!;
    await stack.until(() => stack.cloud.store.results({ machineId: sandbox }).length > 0, 'replayed VITROS results', 20_000);
    const stored = stack.cloud.store.results({ machineId: sandbox }) as Flagged[];
    expect(stored.every((r) => r.test_data === true)).toBe(true);
    expect(stored.map((r) => r.value)).toContain('<15');
    expect(stack.cloud.store.results({ machineId: VITROS })).toEqual([]);
  });

  it('records simulator use in the audit trail', async () => {
    await openScreen(page, 'Audit trail');
    await page.locator('[data-testid="audit"] tbody tr[data-action="simulate"]').first().waitFor();
    await page.locator('[data-testid="audit"] tbody tr[data-action="replay"]').first().waitFor();
    expect(await page.locator('[data-testid="audit"] tbody tr[data-action="simulate"] td').nth(1).first().textContent()).toBe('Tester');
    for (const lang of ['en', 'ar'] as const) {
      await switchLanguage(page, lang);
      await page.locator('[data-testid="audit"] tbody tr').first().waitFor();
      const v = await seriousA11yViolations(page);
      expect(v, describeViolations(v)).toEqual([]);
      expect(await overflowing(page)).toEqual([]);
      await screenshot(page, 'audit', lang);
    }
    await switchLanguage(page, 'en');
  });

  it('passes axe in both languages and is screenshotted', async () => {
    for (const lang of ['en', 'ar'] as const) {
      await switchLanguage(page, lang);
      await openScreen(page, lang === 'en' ? 'Simulator' : 'المحاكي');
      await page.getByTestId('test-data-banner').waitFor();
      const v = await seriousA11yViolations(page);
      expect(v, describeViolations(v)).toEqual([]);
      expect(await overflowing(page)).toEqual([]);
      await screenshot(page, 'simulator', lang);
    }
    await switchLanguage(page, 'en');
  });
});
