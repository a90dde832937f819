import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { StoredResult } from '../shared/cloud-api.ts';
import { startDevCloud, type DevCloud } from '../sim/cloud/server.ts';
import type { DemoPorts } from '../sim/cloud/seed.ts';
import { launchChromium } from './chromium.ts';
import { freePort, ROOT, spawnTs, type Spawned } from './processes.ts';
import { Supervisor } from './supervisor.ts';

export interface Stack {
  cloud: DevCloud;
  /** Takes the dev cloud off the network, as an outage does. */
  stopCloud(): Promise<void>;
  /** Brings it back on the same address with the same data. */
  startCloud(): Promise<void>;
  /** The bridge process running now (a new one after the supervisor restarted it). */
  readonly bridge: Spawned;
  supervisor: Supervisor | null;
  bridgePort: number;
  bridgeToken: string;
  ports: DemoPorts;
  browser: Browser;
  dataDir: string;
  startBridge(): Promise<Spawned>;
  /** Opens the console in a fresh browser context and waits until the named machine is listening. */
  openConsole(opts?: { waitForMachine?: number; context?: BrowserContext; query?: string; waitForState?: string }): Promise<Page>;
  /** Resolves when `check` holds, re-checked whenever the dev cloud's store changes. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the cloud holds at least `count` results matching the filter. */
  waitForResults(filter: (r: StoredResult) => boolean, count?: number, timeoutMs?: number): Promise<StoredResult[]>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** How long the bridge keeps analyzer sockets for a detached page. */
  graceMs?: number;
  /** Run the bridge under a supervisor that restarts it when it dies, as the installed service does. */
  supervised?: boolean;
  /** Start no bridge: the test puts its own (an old version, say) on `bridgePort`. */
  noBridge?: boolean;
  /** Patch machine settings before the console first reads them (short-timer profiles). */
  machineSettings?: Record<number, Record<string, unknown>>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lis-e2e-'));
  const ports: DemoPorts = {
    maglumi800: await freePort(),
    maglumiX3: await freePort(),
    udichem: await freePort(),
    vitros: await freePort(),
    dymind: await freePort(),
  };
  const bridgePort = await freePort();
  const bridgeToken = randomBytes(16).toString('hex');
  const cloudOptions = {
    dataDir: join(dataDir, 'cloud'),
    webRoot: join(ROOT, 'dist/web-e2e'),
    ports,
    bridge: { url: `ws://127.0.0.1:${bridgePort}`, token: bridgeToken },
  };
  let cloud = await startDevCloud(cloudOptions);
  for (const [id, settings] of Object.entries(opts.machineSettings ?? {})) cloud.store.updateMachine(Number(id), { connection_settings: settings });
  const bridgeArgs = ['--port', String(bridgePort), '--origin', cloud.origin, '--data-dir', join(dataDir, 'bridge'), ...(opts.graceMs ? ['--grace-ms', String(opts.graceMs)] : [])];
  const bridgeEnv = { LIS_BRIDGE_TOKEN: bridgeToken };
  const startBridge = async () => {
    const b = spawnTs('bridge/main.ts', bridgeArgs, bridgeEnv);
    await b.waitFor(/listening on ws:/);
    return b;
  };
  const supervisor = opts.supervised ? await Supervisor.run('bridge/main.ts', bridgeArgs, bridgeEnv, /listening on ws:/) : null;
  let bridge = supervisor || opts.noBridge ? null : await startBridge();
  const browser = await launchChromium();

  const stack: Stack = {
    get cloud() {
      return cloud;
    },
    async stopCloud() {
      await cloud.close();
    },
    async startCloud() {
      cloud = await startDevCloud({ ...cloudOptions, port: Number(new URL(cloud.origin).port) });
    },
    get bridge() {
      return supervisor ? supervisor.current : bridge!;
    },
    supervisor,
    bridgePort,
    bridgeToken,
    ports,
    browser,
    dataDir,
    async startBridge() {
      bridge = await startBridge();
      return bridge;
    },
    async openConsole({ waitForMachine = 3, context, query = '', waitForState = 'listening' } = {}) {
      const ctx = context ?? (await browser.newContext());
      const page = await ctx.newPage();
      page.on('console', (m) => {
        if (process.env.E2E_VERBOSE) console.log(`[page] ${m.text()}`);
      });
      await page.goto(cloud.url + query);
      await page.locator(`tr[data-machine="${waitForMachine}"] td.state-${waitForState}`).waitFor({ timeout: 20_000 });
      return page;
    },
    until(check, what, timeoutMs = 20_000) {
      return new Promise((ok, fail) => {
        const events = ['results', 'status', 'logs'] as const;
        const done = () => {
          for (const e of events) cloud.store.off(e, test);
          clearTimeout(timer);
        };
        const test = () => {
          if (!check()) return;
          done();
          ok();
        };
        const timer = setTimeout(() => {
          done();
          fail(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        for (const e of events) cloud.store.on(e, test);
        test();
      });
    },
    waitForResults(filter, count = 1, timeoutMs = 20_000) {
      return new Promise((ok, fail) => {
        const check = () => {
          const rows = cloud.store.results({}).filter(filter);
          if (rows.length >= count) {
            cloud.store.off('results', check);
            clearTimeout(timer);
            ok(rows);
          }
        };
        const timer = setTimeout(() => {
          cloud.store.off('results', check);
          fail(new Error(`timed out waiting for ${count} result(s); the cloud holds ${cloud.store.results({}).length}`));
        }, timeoutMs);
        cloud.store.on('results', check);
        check();
      });
    },
    async close() {
      await browser.close();
      if (supervisor) await supervisor.stop();
      else await bridge?.kill();
      await cloud.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}
