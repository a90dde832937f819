/**
 * The console's weight and its inspector's speed, printed as a markdown section.
 * Run: `npx tsx bench/ui.bench.ts` (`--no-build` to measure the dist/web already there). Not part
 * of `npm test`.
 *
 * - Initial JavaScript: what index.html loads before anything is clicked (its module script and
 *   every modulepreload), gzipped at level 9; the lazily loaded screens listed apart.
 * - Inspector: 100 000 archive entries (an E1381 exchange repeated: ENQ, ACK, five checksummed
 *   frames each ACKed, EOT) written into the page's IndexedDB, then the inspector opened on them in
 *   headless Chromium at 1366×768: time to the first rows, time until all 100 000 lines are parsed
 *   and laid out, then scrolling: a smooth scroll (three rows a frame) and long jumps across the
 *   whole list, each step timed from setting scrollTop to the frame that shows the rows.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../e2e/chromium.ts';
import { startDevCloud } from '../sim/cloud/server.ts';

const ROOT = resolve(import.meta.dirname, '..');
const WEB = join(ROOT, 'dist/web');
const LINES = 100_000;
const TARGET_KB = 200;

function log(msg: string): void {
  console.error(`[ui.bench] ${msg}`);
}

function gz(file: string): number {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

function kb(n: number): string {
  return (n / 1024).toFixed(1);
}

/**
 * What a console loads before anyone clicks: index.html's module script and modulepreloads (main
 * thread), the engine's worker (started at once), and workbox-window (imported at once by the
 * service-worker registration). Screens are loaded when first visited.
 */
const AT_STARTUP = [/^worker-.*\.js$/, /^workbox-window.*\.js$/];

function initialJs(): { rows: [string, string, number, number][]; total: number; mainThread: number; lazy: [string, number][] } {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const fromHtml = new Set<string>();
  for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) fromHtml.add(m[1].replace(/^\/?assets\//, ''));
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) fromHtml.add(m[1].replace(/^\/?assets\//, ''));
  const assets = readdirSync(join(WEB, 'assets')).filter((f) => f.endsWith('.js'));
  const rows: [string, string, number, number][] = [];
  const lazy: [string, number][] = [];
  for (const f of assets) {
    const file = join(WEB, 'assets', f);
    if (fromHtml.has(f)) rows.push([f, 'index.html (main thread)', readFileSync(file).length, gz(file)]);
    else if (AT_STARTUP.some((re) => re.test(f))) rows.push([f, f.startsWith('worker') ? 'engine worker, started at load' : 'imported at load (service worker registration)', readFileSync(file).length, gz(file)]);
    else lazy.push([f, gz(file)]);
  }
  return { rows, total: rows.reduce((n, r) => n + r[3], 0), mainThread: rows.filter((r) => r[1].startsWith('index.html')).reduce((n, r) => n + r[3], 0), lazy };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function inspector(): Promise<{ firstRowsMs: number; allLinesMs: number; smooth: number[]; jumps: number[]; longTasks: number; missed: number; rows: number; phases: Record<string, number> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lis-ui-bench-'));
  const cloud = await startDevCloud({ dataDir, webRoot: WEB });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // tsx keeps function names with a `__name` helper that functions sent to the page would miss.
    await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    const page = await context.newPage();
    // The inspector opens the archive through the app's own schema (Dexie); then the entries are
    // written through bare IndexedDB, and the inspector is opened afresh on them.
    await page.goto(`${cloud.url}#/inspector/1`);
    await page.getByText('No traffic recorded for this analyzer yet.').waitFor({ timeout: 60_000 });
    log(`writing ${LINES} archive entries`);
    await page.evaluate((lines) => {
      const enc = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
      const frame = (fn: number, text: string) => {
        const body = enc(`${fn}${text}\r\x03`);
        let sum = 0;
        for (const b of body) sum = (sum + b) & 0xff;
        return Uint8Array.from([0x02, ...body, ...enc(sum.toString(16).toUpperCase().padStart(2, '0')), 0x0d, 0x0a]);
      };
      const message = (i: number): { direction: 'in' | 'out'; bytes: Uint8Array }[] => {
        const records = ['H|\\^&||PSWD|Udichem|||||Lis||P|E1394-97|20261124', 'P|1', `O|1|B${i}||^^^GLU`, `R|1|^^^GLU|${90 + (i % 20)}|mg/dl|70 to 110|N||||||20261124101500`, 'L|1|N'];
        const out: { direction: 'in' | 'out'; bytes: Uint8Array }[] = [{ direction: 'in', bytes: Uint8Array.of(0x05) }, { direction: 'out', bytes: Uint8Array.of(0x06) }];
        records.forEach((r, k) => out.push({ direction: 'in', bytes: frame(k + 1, r) }, { direction: 'out', bytes: Uint8Array.of(0x06) }));
        out.push({ direction: 'in', bytes: Uint8Array.of(0x04) });
        return out;
      };
      return new Promise<void>((ok, fail) => {
        const open = indexedDB.open('lis-archive');
        open.onsuccess = () => {
          const tx = open.result.transaction('archive', 'readwrite');
          const store = tx.objectStore('archive');
          let at = Date.now() - lines * 5;
          let n = 0;
          for (let i = 0; n < lines; i++) {
            for (const e of message(i)) {
              if (n++ >= lines) break;
              store.add({ machineId: 1, at: (at += 5), direction: e.direction, bytes: e.bytes, uploaded: 1 });
            }
          }
          tx.oncomplete = () => {
            open.result.close();
            ok();
          };
          tx.onerror = () => fail(tx.error);
        };
        open.onerror = () => fail(open.error);
      });
    }, LINES);

    await page.evaluate(() => {
      location.hash = '#/devices';
    });
    await page.locator('h2', { hasText: 'Analyzers' }).waitFor();
    log('opening the inspector');
    const started = await page.evaluate(() => {
      location.hash = '#/inspector/1';
      return performance.now();
    });
    await page.waitForFunction(() => document.querySelectorAll('.vgrid .vbody .vrow').length > 0, undefined, { polling: 'raf', timeout: 120_000 });
    const firstRowsMs = (await page.evaluate(() => performance.now())) - started;
    await page.waitForFunction((n) => new RegExp(`^${n} of ${n} lines`).test(document.querySelector('[data-testid="inspector-count"]')?.textContent ?? ''), LINES, { polling: 'raf', timeout: 300_000 });
    const allLinesMs = (await page.evaluate(() => performance.now())) - started;
    const rows = Number(await page.locator('.vgrid').getAttribute('data-row-count'));
    const phases = await page.evaluate(() =>
      Object.fromEntries(['read', 'parse', 'layout'].map((p) => [p, performance.getEntriesByName(`inspector:${p}`).reduce((n, e) => n + e.duration, 0)])),
    );

    log('scrolling');
    const scroll = await page.evaluate(async () => {
      const grid = document.querySelector('.vgrid') as HTMLElement;
      const frame = () => new Promise<number>((ok) => requestAnimationFrame(ok));
      let longTasks = 0;
      let missed = 0;
      const po = new PerformanceObserver((list) => (longTasks += list.getEntries().length));
      try {
        po.observe({ type: 'longtask', buffered: false });
      } catch {
        // longtask entries are not supported here
      }
      const step = async (top: number) => {
        const t0 = performance.now();
        grid.scrollTop = top;
        await frame();
        // The rows for the new position must be drawn by the frame after the scroll.
        const first = Math.floor(top / 24);
        const drawn = [...grid.querySelectorAll('.vbody .vrow')].some((r) => Number(r.getAttribute('aria-rowindex')) - 2 === first);
        if (!drawn) missed++;
        return performance.now() - t0;
      };
      const smooth: number[] = [];
      grid.scrollTop = 0;
      await frame();
      for (let i = 1; i <= 300; i++) smooth.push(await step(i * 72));
      const jumps: number[] = [];
      const max = grid.scrollHeight - grid.clientHeight;
      for (let i = 0; i < 60; i++) jumps.push(await step(Math.round(((i * 7919) % 60) / 59 * max)));
      po.disconnect();
      return { smooth, jumps, longTasks, missed };
    });
    return { firstRowsMs, allLinesMs, rows, phases, ...scroll };
  } finally {
    await browser.close();
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    log('building dist/web (production)');
    execSync('npx vite build --logLevel error', { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const size = initialJs();
  const insp = await inspector();
  const f = (n: number) => n.toFixed(1);
  const out = [
    '## Console UI (bench/ui.bench.ts)',
    '',
    `JavaScript loaded at startup (gzip -9): **${kb(size.total)} KB** (target ≤ ${TARGET_KB} KB: ${size.total / 1024 <= TARGET_KB ? 'met' : 'NOT met'}); on the page's main thread alone ${kb(size.mainThread)} KB.`,
    '',
    '| file | loaded by | bytes | gzipped |',
    '|---|---|---:|---:|',
    ...size.rows.map(([f2, by, raw, g]) => `| ${f2} | ${by} | ${raw} | ${g} |`),
    '',
    `Loaded when first needed (gzipped KB): ${size.lazy.map(([n, g]) => `${n.replace(/-[\w-]{8}\.js$/, '')} ${kb(g)}`).join(', ')}.`,
    '',
    `Inspector with ${LINES.toLocaleString('en')} lines (${insp.rows.toLocaleString('en')} rows) in headless Chromium, 1366×768:`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| first rows on screen after opening | ${f(insp.firstRowsMs)} ms |`,
    `| all ${LINES.toLocaleString('en')} lines read, parsed and laid out | ${f(insp.allLinesMs)} ms |`,
    `| of which: IndexedDB reads / parsing / layout of rows | ${f(insp.phases.read)} / ${f(insp.phases.parse)} / ${f(insp.phases.layout)} ms |`,
    `| smooth scroll, 300 steps of 3 rows: p50 / p95 / max per step | ${f(percentile(insp.smooth, 50))} / ${f(percentile(insp.smooth, 95))} / ${f(Math.max(...insp.smooth))} ms |`,
    `| jumps across the whole list, 60 steps: p50 / p95 / max per step | ${f(percentile(insp.jumps, 50))} / ${f(percentile(insp.jumps, 95))} / ${f(Math.max(...insp.jumps))} ms |`,
    `| long tasks (> 50 ms) while scrolling | ${insp.longTasks} |`,
    `| steps whose rows were not drawn by the next frame | ${insp.missed} of 360 |`,
    '',
    'A step is timed from setting scrollTop to the next animation frame, which must already show the rows for the new position: one frame, about 16.7 ms at 60 Hz, is the floor.',
  ];
  console.log(out.join('\n'));
}

await main();
