import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult, yyyymmdd } from '../sim/analyzers/messages.ts';
import { QueryingAstmAnalyzer } from '../sim/analyzers/udichem-query.ts';
import { CLOSE } from '../shared/bridge-wire.ts';
import { readStore } from './console-db.ts';
import { ROOT } from './processes.ts';
import { keysOf, score } from './scorecard.ts';
import { startStack, type Stack } from './stack.ts';

const V2 = '0.1.1-e2e';
const V2_DIR = join(ROOT, 'dist/web-e2e-v2');

/** A long message: many results, each record over 240 characters, so it spans dozens of ETB frames. */
function longMessage(barcode: string): string[] {
  const d = yyyymmdd();
  const comment = 'x'.repeat(300);
  const results = Array.from({ length: 12 }, (_, i) => `R|${i + 1}|^^^T${i}|${100 + i}|mg/dl|70 to 110|N||F||||${d}|${comment}`);
  return [`H|\\^&||PSWD|Udichem|||||Lis||P|E1394-97|${d}`, 'P|1', `O|1|${barcode}||^^^T0`, ...results, 'L|1|N'];
}

describe('code updates from the cloud', () => {
  let stack: Stack | undefined;
  beforeAll(() => {
    // v2 of the console: the same code stamped with another version, as the next deployment.
    const built = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--mode', 'e2e', '--logLevel', 'error'], {
      cwd: ROOT,
      env: { ...process.env, LIS_APP_VERSION: V2, LIS_BUILD_ID: 'v2-e2e', LIS_OUT_DIR: V2_DIR },
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
  }, 120_000);
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('applies a new build only between messages: every result once, no aborted transmission, and the page reports v2', async () => {
    stack = await startStack();
    const page = await stack.openConsole();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    expect(await page.getAttribute('html', 'data-app-version')).not.toBe(V2);

    let stop = false;
    const outcomes: { barcode: string; accepted: boolean; replies: string[] }[] = [];
    const analyzer = (async () => {
      for (let i = 0; !stop; i++) {
        const barcode = `UPD-${i}`;
        const o = await sendAstmMessage({ port: stack!.ports.udichem, framing: 'strict', records: longMessage(barcode) });
        outcomes.push({ barcode, ...o });
      }
    })();
    try {
      while (outcomes.length < 2) await new Promise((r) => setTimeout(r, 50));
      stack.cloud.publish(V2_DIR);
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
      await page
        .waitForFunction((v) => document.documentElement.dataset.appVersion === v, V2, { timeout: 30_000 })
        .catch(async (err: Error) => {
          throw new Error(`${err.message}\n${await updateDiagnostics(page, stack!)}`);
        });
      await page.locator('tr[data-machine="3"] td.state-connected').waitFor();
      const before = outcomes.length;
      while (outcomes.length < before + 2) await new Promise((r) => setTimeout(r, 50));
    } finally {
      stop = true;
      await analyzer.catch(() => {});
    }

    expect(outcomes.filter((o) => !o.accepted)).toEqual([]);
    const barcodes = outcomes.map((o) => o.barcode);
    await stack.until(() => barcodes.every((b) => stack!.cloud.store.results({ barcode: b }).length >= 12), 'every result of every message');
    const tests = Array.from({ length: 12 }, (_, i) => `T${i}`);
    score('console update mid-traffic', keysOf(barcodes, yyyymmdd(), tests), stack.cloud.store.results({}).filter((r) => r.barcode.startsWith('UPD-')));
  }, 150_000);

  it('with a query pending when v2 arrives, the reply goes out before the reload', async () => {
    stack = await startStack();
    const page = await stack.openConsole();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    stack.cloud.faults.ordersDelayMs = 1_500;
    const asked = new Promise<void>((ok) => (stack!.cloud.faults.onOrdersRequest = ok));
    const analyzer = await QueryingAstmAnalyzer.connect(stack.ports.udichem);
    try {
      const query = analyzer.query('B123');
      await asked;
      stack.cloud.publish(V2_DIR);
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
      const outcome = await query;
      expect(outcome).toMatchObject({ kind: 'order', problems: [] });
      await page.waitForFunction((v) => document.documentElement.dataset.appVersion === v, V2, { timeout: 30_000 });
    } finally {
      analyzer.close();
    }
  });

  it('starts from the precache with the cloud down, drives the analyzers, and delivers when the cloud returns', async () => {
    stack = await startStack();
    const page = await stack.openConsole();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await stack.stopCloud();
    await page.reload();
    await page.locator('tr[data-machine="3"] td.state-listening').waitFor();
    const o = await sendAstmMessage({ port: stack.ports.udichem, framing: 'simplified', records: udichemResult({ barcode: 'OFFLINE-1' }) });
    expect(o.accepted).toBe(true);
    await stack.startCloud();
    await stack.waitForResults((r) => r.barcode === 'OFFLINE-1', 1, 90_000);
    expect(stack.cloud.store.results({ barcode: 'OFFLINE-1' })).toHaveLength(1);
  }, 120_000);

  it('tells staff to update a bridge that speaks another wire protocol, and drives nothing through it', async () => {
    stack = await startStack({ noBridge: true });
    const old = new WebSocketServer({ host: '127.0.0.1', port: stack.bridgePort });
    old.on('connection', (ws) => ws.once('message', () => ws.close(CLOSE.wireMismatch, 'bridge speaks wire protocol 0')));
    try {
      const page = await stack.browser.newPage();
      await page.goto(stack.cloud.url);
      await page.getByText('Update the bridge to a version that speaks wire protocol 1').first().waitFor();
      expect(await page.locator('tr[data-machine="3"] td.state-listening').count()).toBe(0);
      expect(await page.locator('tr[data-machine="3"] td.state-connected').count()).toBe(0);
    } finally {
      await new Promise((r) => old.close(r));
    }
  });
});

/** What an engineer needs when an update did not go in: worker states, the engine's word, the bridge's log. */
async function updateDiagnostics(page: Page, stack: Stack): Promise<string> {
  const workers = await page
    .evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return JSON.stringify({ waiting: r?.waiting?.state, installing: r?.installing?.state, active: r?.active?.state });
    })
    .catch((e: Error) => e.message);
  const status = await readStore(page, 'status', 'lis-state').catch((e: Error) => e.message);
  const audit = await readStore<{ action: string; detail: string }>(page, 'audit', 'lis-state').catch(() => []);
  let bridgeLog = '';
  try {
    bridgeLog = readFileSync(join(stack.dataDir, 'bridge', 'bridge.log'), 'utf8').split('\n').slice(-30).join('\n');
  } catch (e) {
    bridgeLog = (e as Error).message;
  }
  return [`service workers: ${workers}`, `engine status: ${JSON.stringify(status)}`, `audit: ${JSON.stringify(audit.slice(-10))}`, `bridge log:\n${bridgeLog}`].join('\n');
}
