import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER } from '../sim/cloud/seed.ts';
import { APP_VERSION, WIRE_PROTOCOL_VERSION } from '../shared/version.ts';
import { engineCommand } from './console-db.ts';
import { spawnTs, type Spawned } from './processes.ts';
import { startStack, type Stack } from './stack.ts';
import { describeViolations, openScreen, overflowing, screenshot, seriousA11yViolations, switchLanguage, VIEWPORT } from './ui-helpers.ts';

const UDICHEM = 3;
const NEW_TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';

/**
 * In the page only: a stand-in for Chrome's serial port chooser (headless, a real `requestPort()`
 * opens a chooser nobody can answer), and a listener that records the commands the UI sends.
 */
function pageDoubles(): void {
  const w = window as unknown as { __commands: unknown[]; __portRequests: number };
  w.__commands = [];
  w.__portRequests = 0;
  new BroadcastChannel('lis-engine-commands').onmessage = (e) => w.__commands.push(e.data);
  Object.defineProperty(navigator, 'serial', {
    configurable: true,
    value: {
      requestPort: async () => {
        w.__portRequests++;
        return { getInfo: () => ({ usbVendorId: 0x0403, usbProductId: 0x6001 }) };
      },
      getPorts: async () => [],
      addEventListener: () => {},
    },
  });
}

const commands = (page: Page) => page.evaluate(() => (window as unknown as { __commands: { type: string }[] }).__commands);
const problem = (page: Page, id: string) => page.locator(`[data-problem="${id}"]`);

async function a11yAndShot(page: Page, screen: string, ready: () => Promise<unknown>): Promise<void> {
  for (const lang of ['en', 'ar'] as const) {
    await switchLanguage(page, lang);
    await ready();
    const v = await seriousA11yViolations(page);
    expect(v, `${screen}-${lang}\n${describeViolations(v)}`).toEqual([]);
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, screen, lang);
  }
  await switchLanguage(page, 'en');
}

describe('console: settings, about, and the banner\'s fixes', () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  let newBridge: Spawned | undefined;

  beforeAll(async () => {
    stack = await startStack();
    context = await stack.browser.newContext({ viewport: VIEWPORT });
    await context.addInitScript(pageDoubles);
    page = await stack.openConsole({ context, waitForMachine: UDICHEM });
  });
  afterAll(async () => {
    await newBridge?.kill();
    await stack?.close();
  });

  it('shows the station, switches language, and grants a serial port from the page', async () => {
    await openScreen(page, 'Settings');
    expect(await page.getByTestId('station').textContent()).toBe('This PC, as the LIS assigned it: Lab PC 1 (lab-pc-1)');
    await page.getByRole('radio', { name: 'العربية' }).check();
    await page.locator('html[lang="ar"][dir="rtl"]').waitFor();
    expect(await page.locator('#screen-title').textContent()).toBe('الإعدادات');
    await page.getByRole('radio', { name: 'English' }).check();
    await page.locator('html[lang="en"][dir="ltr"]').waitFor();

    await page.getByRole('button', { name: 'Grant a serial port…' }).click();
    await page.getByText('Port granted. The engine binds it to the analyzer that waits for one.').waitFor();
    expect(await page.evaluate(() => (window as unknown as { __portRequests: number }).__portRequests)).toBe(1);
    expect((await commands(page)).map((c) => c.type)).toContain('serial-granted');
    expect(await page.getByText('No analyzer of this station uses a serial port.').count()).toBe(1);
  });

  it('asks for persistent storage on a click, and tells the engine', async () => {
    await problem(page, 'not-persisted').waitFor();
    // What an installed app or a policy would give: Chrome's durable-storage permission for the origin.
    const cdp = await context.newCDPSession(page);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    await cdp.send('Browser.grantPermissions', { origin: stack.cloud.origin, permissions: ['durableStorage'], browserContextId: targetInfo.browserContextId });
    await problem(page, 'not-persisted').getByRole('button', { name: 'Keep data on this PC' }).click();
    await problem(page, 'not-persisted').waitFor({ state: 'detached' });
    expect(await commands(page)).toContainEqual({ type: 'persisted', persisted: true });
  });

  it('shows the pairing form when the bridge refuses the console\'s code (the bridge was reinstalled with a new one)', async () => {
    await stack.bridge.kill();
    newBridge = spawnTs('bridge/main.ts', ['--port', String(stack.bridgePort), '--origin', stack.cloud.origin, '--data-dir', join(stack.dataDir, 'bridge-new')], { LIS_BRIDGE_TOKEN: NEW_TOKEN });
    await newBridge.waitFor(/listening on ws:/);
    await problem(page, 'not-paired').waitFor({ timeout: 20_000 });
    expect(await problem(page, 'not-paired').locator('.problem-message').textContent()).toBe('This console is not paired with the bridge on this PC.');
    expect(await page.getByTestId('bridge-state').textContent()).toBe('refused');
    await a11yAndShot(page, 'banner-pairing', () => problem(page, 'not-paired').waitFor());
  });

  // Needs the engine to keep a pairing a person entered, instead of replacing it at once with the
  // cloud's (GET /lis/stations/bridge-pairing), which still names the old code here.
  it('pairs from the banner with the code the bridge shows', async () => {
    await problem(page, 'not-paired').getByLabel('Pairing code').fill(NEW_TOKEN);
    await problem(page, 'not-paired').getByRole('button', { name: 'Pair' }).click();
    expect(await commands(page)).toContainEqual({ type: 'pair-bridge', token: NEW_TOKEN, url: `ws://127.0.0.1:${stack.bridgePort}` });
    await page.locator('[data-testid="bridge-state"][data-state="connected"]').waitFor({ timeout: 15_000 });
    await problem(page, 'not-paired').waitFor({ state: 'detached' });
  });

  it('says when the bridge is not running, checks it on a click, and recovers', async () => {
    await newBridge?.kill();
    await stack.bridge.kill();
    await problem(page, 'bridge-down').waitFor({ timeout: 15_000 });
    expect(await problem(page, 'bridge-down').locator('.problem-message').textContent()).toBe('The bridge is not running on this PC, so no analyzer on the network can reach this console.');
    await problem(page, 'bridge-down').getByRole('button', { name: 'Check the bridge now' }).click();
    await problem(page, 'bridge-down').getByText('No answer from the bridge on this PC.').waitFor();
    await a11yAndShot(page, 'banner-bridge-down', () => problem(page, 'bridge-down').waitFor());
    // The bridge as installed, with the code the cloud knows: the console pairs by itself.
    await stack.startBridge();
    await page.locator('[data-testid="bridge-state"][data-state="connected"]').waitFor({ timeout: 20_000 });
    await problem(page, 'bridge-down').waitFor({ state: 'detached' });
  });

  it('asks for a login when the engine needs one, and logs in from the banner', async () => {
    await openScreen(page, 'Settings');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Yes, log out' }).click();
    await problem(page, 'login-needed').waitFor();
    expect(await problem(page, 'login-needed').locator('.problem-message').textContent()).toBe('Log in to the LIS. Results are kept in the outbox until then.');
    await a11yAndShot(page, 'banner-login', () => problem(page, 'login-needed').waitFor());
    await problem(page, 'login-needed').getByLabel('Email').fill(DEMO_USER.email);
    await problem(page, 'login-needed').getByLabel('Password').fill(DEMO_USER.password);
    await problem(page, 'login-needed').getByRole('button', { name: 'Log in' }).click();
    await problem(page, 'login-needed').waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('says plainly in a second window that another window is active, read-only', async () => {
    const second = await context.newPage();
    await second.goto(stack.cloud.url);
    await second.locator('[data-testid="engine-role"][data-role="follower"]').waitFor();
    expect(await problem(second, 'follower').locator('.problem-message').textContent()).toBe(
      'Another console window is driving the analyzers. This window shows the same data, read-only.',
    );
    expect(await second.locator('.role-label').textContent()).toBe('Read-only window');
    await second.locator(`tr[data-machine="${UDICHEM}"] td.state-listening`).waitFor();
    await a11yAndShot(second, 'banner-follower', () => problem(second, 'follower').waitFor());
    await second.close();
  });

  it('shows versions, build and storage in About', async () => {
    await openScreen(page, 'About');
    const fact = (name: string) => page.locator(`[data-fact="${name}"]`).textContent();
    expect(await fact('app-version')).toBe(APP_VERSION);
    // The build the engine reports to the cloud with each device's status is the one shown here.
    await engineCommand(page, { type: 'report-now' });
    await stack.until(() => !!stack.cloud.store.status(UDICHEM)?.app_build, 'a status report');
    expect(await fact('build')).toBe(stack.cloud.store.status(UDICHEM)!.app_build);
    expect(await fact('build')).toMatch(/^[0-9a-z]{6,}$/);
    await expect.poll(() => fact('bridge-version')).toBe(APP_VERSION);
    expect(await fact('wire')).toBe(String(WIRE_PROTOCOL_VERSION));
    expect(await fact('storage')).toMatch(/^Persistent · [\d.]+ (B|KB|MB) used of [\d.]+ (MB|GB|TB)$/);
    await a11yAndShot(page, 'about', () => page.locator('[data-fact="storage"]').waitFor());
    await openScreen(page, 'Settings');
    await a11yAndShot(page, 'settings', () => page.getByTestId('station').waitFor());
  });
});
