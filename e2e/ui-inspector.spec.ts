import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { ACK, ENQ, EOT, NAK, strictFrames } from '../sim/analyzers/astm-wire.ts';
import { ByteLink } from '../sim/analyzers/byte-link.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { decodeCapture } from '../web/ui/inspector/capture-file.ts';
import { startStack, type Stack } from './stack.ts';
import { describeViolations, overflowing, screenshot, seriousA11yViolations, switchLanguage, VIEWPORT } from './ui-helpers.ts';

const UDICHEM = 3;
const GRID = '.vgrid';
const ROWS = '.vgrid .vbody .vrow';

/** An analyzer whose first frame is damaged on the line: its checksum no longer matches. */
async function sendWithDamagedFrame(port: number, barcode: string): Promise<string[]> {
  const link = await ByteLink.open('127.0.0.1', port);
  const replies: string[] = [];
  const reply = async () => {
    const b = await link.next(5_000);
    replies.push(b === ACK ? 'ACK' : b === NAK ? 'NAK' : String(b));
    return b;
  };
  try {
    link.write(Uint8Array.of(ENQ));
    await reply();
    const frames = strictFrames(udichemResult({ barcode }));
    const damaged = frames[0].slice();
    damaged[damaged.length - 3] = damaged[damaged.length - 3] === 0x30 ? 0x31 : 0x30;
    link.write(damaged);
    if ((await reply()) === NAK) link.write(frames[0]), await reply();
    for (const f of frames.slice(1)) {
      link.write(f);
      await reply();
    }
  } finally {
    link.write(Uint8Array.of(EOT));
    link.close();
  }
  return replies;
}

async function cellsOfRows(page: Page): Promise<string[][]> {
  return page.locator(ROWS).evaluateAll((rows) =>
    rows
      .map((r) => ({ y: Number(r.getAttribute('aria-rowindex')), cells: [...r.children].map((c) => c.textContent ?? '') }))
      .sort((a, b) => a.y - b.y)
      .map((r) => r.cells),
  );
}

const status = (page: Page) => page.getByTestId('inspector-count').textContent();

describe('console: the live protocol inspector', () => {
  let stack: Stack;
  let page: Page;
  let damagedReplies: string[];

  beforeAll(async () => {
    stack = await startStack();
    const context = await stack.browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
    page = await stack.openConsole({ context, waitForMachine: UDICHEM });
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: 'INS-STRICT', value: '<15', units: 'mmol/L' }) })).accepted).toBe(true);
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'simplified', records: udichemResult({ barcode: 'INS-SIMPLE' }) })).accepted).toBe(true);
    damagedReplies = await sendWithDamagedFrame(stack.ports.udichem, 'INS-DAMAGED');
    await stack.waitForResults((r) => r.barcode === 'INS-DAMAGED');
  });
  afterAll(async () => stack?.close());

  it('shows frames in both directions in time order, with control symbols, frame numbers, checksums, replies, gaps and decoded records', async () => {
    await page.getByRole('link', { name: 'Inspect traffic: Udichem 240 Plus' }).click();
    await page.getByRole('heading', { name: 'Protocol inspector' }).waitFor();
    await expect.poll(() => status(page)).toMatch(/^\d+ of \d+ lines/);
    await page.locator(GRID).focus();
    await page.keyboard.press('Home');
    const rows = await cellsOfRows(page);
    // The strict message first: ENQ (answered ACK), the host's ACK, then frame 1, the header.
    expect(rows[0].slice(2)).toEqual(['IN', '', '⟨ENQ⟩', '', 'ACK', '']);
    expect(rows[0][0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
    expect(rows[1].slice(1, 5)).toEqual([rows[1][1], 'OUT', '', '⟨ACK⟩']);
    expect(rows[1][1]).toMatch(/^\+\d+ ms$/);
    expect(rows[2].slice(2, 4)).toEqual(['IN', '1']);
    expect(rows[2][4]).toMatch(/^⟨STX⟩1H\|\\\^&\|\|PSWD\|Udichem.*⟨CR⟩⟨ETX⟩[0-9A-F]{2}⟨CR⟩⟨LF⟩$/);
    expect(rows[2].slice(5, 7)).toEqual(['ok', 'ACK']);
    expect(rows[2][7]).toMatch(/^H\|\\\^&\|\|PSWD\|Udichem/);
    // The result record, decoded beside its frame: `<15` as sent.
    const result = rows.find((r) => r[7].startsWith('R|1|^^^GLU|<15|mmol/L'));
    expect(result?.[3]).toBe('4');
    expect(result?.[5]).toBe('ok');
  });

  it('shows simplified framing and a damaged frame as they were on the wire', async () => {
    await page.getByLabel('Search').fill('INS-SIMPLE');
    await expect.poll(() => status(page)).toMatch(/^1 of /);
    const simple = await cellsOfRows(page);
    // One block, no frame number, no checksum: its five records as five rows beside it.
    expect(simple.map((r) => r[7].split('|')[0])).toEqual(['H', 'P', 'O', 'R', 'L']);
    expect(simple[0].slice(3, 7)).toEqual(['', simple[0][4], 'none', 'ACK']);
    expect(await page.locator(`${ROWS} mark`).first().textContent()).toBe('INS-SIMPLE');

    await page.getByLabel('Search').fill('');
    await page.getByLabel('Show').selectOption({ label: 'Problems only' });
    await expect.poll(() => status(page)).toMatch(/^[1-9]\d* of /);
    const problems = await cellsOfRows(page);
    const damaged = problems.find((r) => r[5] === 'BAD');
    expect(damaged, JSON.stringify(problems)).toBeDefined();
    // The reply column says what the engine answered, exactly as the analyzer received it.
    expect(damaged![6]).toBe(damagedReplies[1]);
    await page.getByLabel('Show').selectOption({ label: 'Everything' });
  });

  it('filters by direction, pauses and resumes live, and shows the selected line in full', async () => {
    await page.getByLabel('Direction').selectOption({ label: 'Console → analyzer' });
    await expect.poll(async () => (await cellsOfRows(page)).every((r) => r[2] === 'OUT' || r[2] === '')).toBe(true);
    await page.getByLabel('Direction').selectOption({ label: 'Both directions' });

    const shown = async () => Number(/^(\d+) of/.exec((await status(page)) ?? '')?.[1]);
    const before = await shown();
    await page.getByRole('button', { name: 'Pause' }).click();
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: 'INS-LIVE' }) })).accepted).toBe(true);
    await expect.poll(() => status(page), { timeout: 10_000 }).toMatch(/Paused: [1-9]\d* new lines not shown yet/);
    // Nothing new is shown while paused: the rows on screen hold still.
    expect(await shown()).toBe(before);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(shown).toBeGreaterThan(before);
    // The new message is at the end; End goes there, and from there the view follows new lines.
    await page.locator(GRID).focus();
    await page.keyboard.press('End');
    await expect.poll(() => status(page)).toMatch(/Following new lines/);
    await expect.poll(async () => (await cellsOfRows(page)).some((r) => r[7].includes('INS-LIVE'))).toBe(true);

    await page.getByLabel('Search').fill('INS-LIVE');
    await expect.poll(() => status(page)).toMatch(/^1 of /);
    await page.locator(GRID).focus();
    await page.keyboard.press('Home');
    const detail = page.getByTestId('inspector-detail');
    await expect.poll(() => detail.textContent()).toMatch(/ASTM frame #3/);
    const text = (await detail.textContent()) ?? '';
    expect(text).toMatch(/ok: sent ([0-9A-F]{2}), computed \1/);
    expect(text).toMatch(/ACK after \d+ ms/);
    expect(await detail.locator('table.fields caption').allTextContents()).toEqual(['O']);
    expect(await detail.locator('table.fields tr', { hasText: 'O-3' }).locator('td').textContent()).toBe('INS-LIVE');
    await page.getByLabel('Search').fill('');
  });

  it('exports a capture file (raw bytes after a JSON index) and a text log', async () => {
    const [capture] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export capture file' }).click()]);
    expect(capture.suggestedFilename()).toMatch(/^Udichem_240_Plus-.*\.lcap$/);
    const file = decodeCapture(new Uint8Array(readFileSync((await capture.path())!)));
    expect(file.index?.machine).toEqual({ id: UDICHEM, name: 'Udichem 240 Plus' });
    const inBytes = Buffer.concat(file.chunks.filter((c) => c.direction === 'in').map((c) => Buffer.from(c.bytes))).toString('latin1');
    expect(inBytes).toContain('O|1|INS-STRICT||^^^GLU');
    expect(file.chunks.some((c) => c.direction === 'out' && c.bytes[0] === ACK)).toBe(true);
    const [log] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export text log' }).click()]);
    const text = readFileSync((await log.path())!, 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\tIN \t⟨ENQ⟩$/m);
    expect(text).toMatch(/\tOUT\t⟨ACK⟩$/m);
  });

  it('passes axe in both languages and is screenshotted', async () => {
    await page.locator(GRID).focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    for (const lang of ['en', 'ar'] as const) {
      await switchLanguage(page, lang);
      await page.locator(`${ROWS}.active`).waitFor();
      const v = await seriousA11yViolations(page);
      expect(v, describeViolations(v)).toEqual([]);
      expect(await overflowing(page)).toEqual([]);
      await screenshot(page, 'inspector', lang);
    }
    await switchLanguage(page, 'en');
  });
});
