/**
 * What the bridge refuses, on the real process (bridge-process.test.ts has the basic cases: a
 * foreign origin, a wrong token, one oversized binary message, port 80 and an unlisted target):
 * every way an origin or a token can be nearly right, a page that never says hello, guessing at
 * speed, oversized text before and after the handshake, ports and targets just outside its
 * allow-lists, clients that are not on this machine; and its token never reaches its log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '../shared/bridge-wire.ts';
import { freePort } from '../e2e/processes.ts';
import { MAX_WS_PAYLOAD } from './bridge-server.ts';
import { health, startBridgeProcess, TestPage, TEST_ORIGIN, type BridgeUnderTest } from './testing/bridge-page.ts';

const TOKEN = 'c0ffee' + 'a1b2c3d4'.repeat(3) + '9f8e';
/** Tokens a page might try that are nearly the right one. */
const NEAR_MISSES = ['', TOKEN.slice(0, -1), TOKEN + 'x', TOKEN.toUpperCase(), ` ${TOKEN}`, `${TOKEN}\u0000`, TOKEN.slice(0, -1) + 'f'];

/** How a socket to the bridge ended: its close code, or the HTTP status of a refused upgrade. */
async function outcome(page: Promise<TestPage>): Promise<number | string> {
  try {
    return await (await page).closed;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Connects and sends one frame first (no hello, or a hello of the caller's making). */
async function firstFrame(port: number, origin: string | null, frame: string | Uint8Array): Promise<number | string> {
  return outcome(
    TestPage.connect(port, origin).then((p) => {
      p.ws.send(frame);
      return p;
    }),
  );
}

function nonLoopbackIPv4(): string | null {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

/** Resolves with how a TCP connection to host:port ended: 'connected', or the error code. */
function tcpOutcome(host: string, port: number): Promise<string> {
  return new Promise((ok) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      ok('timeout');
    }, 5_000);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      ok('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      ok(e.code ?? e.message);
    });
  });
}

describe('the bridge\'s refusals', () => {
  let bridge: BridgeUnderTest;
  /** Each refused handshake counts against a bridge's failure limiter (20 a minute): origins and guessing get bridges of their own. */
  let origins: BridgeUnderTest;
  let limited: BridgeUnderTest;
  let listenPort: number;
  let connectPort: number;
  /** Opened first and left silent: the hello timeout (5 s) runs while the other tests do. */
  let silent: Promise<TestPage>;

  beforeAll(async () => {
    listenPort = await freePort();
    connectPort = await freePort();
    [bridge, origins, limited] = await Promise.all([
      startBridgeProcess({ token: TOKEN, args: ['--allow-listen', String(listenPort), '--allow-connect', `127.0.0.1:${connectPort}`] }),
      startBridgeProcess({ token: TOKEN }),
      startBridgeProcess({ token: TOKEN }),
    ]);
    silent = TestPage.connect(bridge.port, TEST_ORIGIN);
  });
  afterAll(async () => {
    await Promise.all([bridge?.stop(), origins?.stop(), limited?.stop()]);
  });

  it('refuses every origin but the configured one, however close, and a request with none', async () => {
    const port = origins.port;
    const near = [null, 'null', `${TEST_ORIGIN}/`, TEST_ORIGIN.toUpperCase(), 'http://localhost:8080', 'http://127.0.0.1:8081', `${TEST_ORIGIN}.evil.example`, 'https://127.0.0.1:8080', 'file://'];
    const codes = await Promise.all(near.map((origin) => firstFrame(port, origin, JSON.stringify({ t: 'hello', wire: [1], token: TOKEN, app: 'test' }))));
    expect(codes).toEqual(near.map(() => CLOSE.badOrigin));
    const good = await TestPage.attach(port, { origin: TEST_ORIGIN, token: TOKEN });
    await good.message('welcome');
    await good.close();
  });

  it('cannot be locked against the console by pages of other origins (any web page the lab PC opens can try)', async () => {
    const port = origins.port;
    const attempts = Array.from({ length: 30 }, (_, i) => firstFrame(port, `https://site-${i}.example`, JSON.stringify({ t: 'hello', wire: [1], token: TOKEN, app: 'test' })));
    expect(new Set(await Promise.all(attempts))).toEqual(new Set([CLOSE.badOrigin]));
    const good = await TestPage.attach(port, { origin: TEST_ORIGIN, token: TOKEN });
    await good.message('welcome');
    await good.close();
  });

  it('refuses a hello without a token, and every near miss of the token', async () => {
    const port = bridge.port;
    const noToken = await firstFrame(port, TEST_ORIGIN, JSON.stringify({ t: 'hello', wire: [1], app: 'test' }));
    expect(noToken).toBe(CLOSE.protocolError);
    const numeric = await firstFrame(port, TEST_ORIGIN, JSON.stringify({ t: 'hello', wire: [1], token: 123, app: 'test' }));
    expect(numeric).toBe(CLOSE.protocolError);
    const codes = await Promise.all(NEAR_MISSES.map((token) => firstFrame(port, TEST_ORIGIN, JSON.stringify({ t: 'hello', wire: [1], token, app: 'test' }))));
    expect(codes).toEqual(NEAR_MISSES.map(() => CLOSE.badToken));
    // The right token in a binary frame is not a hello either.
    expect(await firstFrame(port, TEST_ORIGIN, new TextEncoder().encode(JSON.stringify({ t: 'hello', wire: [1], token: TOKEN, app: 'test' })))).toBe(CLOSE.protocolError);
  });

  it('closes a page that sends oversized text, before the handshake and after it, and stays up', async () => {
    const huge = 'x'.repeat(MAX_WS_PAYLOAD + 1);
    expect(await firstFrame(bridge.port, TEST_ORIGIN, huge)).toBe(1009);
    const page = await TestPage.attach(bridge.port, { origin: TEST_ORIGIN, token: TOKEN });
    await page.message('welcome');
    page.ws.send(JSON.stringify({ t: 'close-device', device: huge }));
    expect(await page.closed).toBe(1009);
    expect((await health(bridge.port)).status).toBe(200);
    const next = await TestPage.attach(bridge.port, { origin: TEST_ORIGIN, token: TOKEN });
    await next.message('welcome');
    await next.close();
  });

  it('listens and connects only where its local allow-lists say, whatever the page asks', async () => {
    const page = await TestPage.attach(bridge.port, { origin: TEST_ORIGIN, token: TOKEN });
    await page.message('welcome');
    const asks: [string, Record<string, unknown>][] = [
      ['next-port', { mode: 'server', port: listenPort === 65535 ? listenPort - 1 : listenPort + 1 }],
      ['bridge-port', { mode: 'server', port: bridge.port }],
      ['other-port', { mode: 'client', host: '127.0.0.1', port: connectPort === 65535 ? connectPort - 1 : connectPort + 1 }],
      ['other-host', { mode: 'client', host: '127.0.0.2', port: connectPort }],
      ['by-name', { mode: 'client', host: 'localhost', port: connectPort }],
      ['no-host', { mode: 'client', port: connectPort }],
      ['own-control-port', { mode: 'client', host: '127.0.0.1', port: bridge.port }],
      ['lan', { mode: 'client', host: '10.0.0.1', port: connectPort }],
    ];
    for (const [device, spec] of asks) page.send({ t: 'open-device', spec: { device, ...spec } });
    for (const [device] of asks) expect((await page.message('device-state', (m) => m.device === device)).state, device).toBe('not-allowed');
    // What the lists do name is allowed.
    page.send({ t: 'open-device', spec: { device: 'listed-port', mode: 'server', port: listenPort } });
    page.send({ t: 'open-device', spec: { device: 'listed-target', mode: 'client', host: '127.0.0.1', port: connectPort } });
    expect((await page.message('device-state', (m) => m.device === 'listed-port')).state).toBe('listening');
    expect((await page.message('device-state', (m) => m.device === 'listed-target')).state).toBe('connecting');
    page.send({ t: 'close-device', device: 'listed-port' });
    page.send({ t: 'close-device', device: 'listed-target' });
    await page.message('device-state', (m) => m.device === 'listed-target' && m.state === 'closed');
    await page.close();
    const log = readFileSync(join(bridge.dataDir, 'bridge.log'), 'utf8');
    for (const [device] of asks) expect(log).toContain(`"event":"device-refused","device":"${device}"`);
  });

  it('is reachable on 127.0.0.1 only: a client on this machine\'s network address is refused', async ({ skip }) => {
    const ip = nonLoopbackIPv4();
    if (ip === null) skip('this machine has no non-loopback IPv4 address');
    expect(await tcpOutcome('127.0.0.1', bridge.port)).toBe('connected');
    expect(await tcpOutcome(ip!, bridge.port)).toBe('ECONNREFUSED');
    await expect(TestPage.connect(bridge.port, TEST_ORIGIN, ip!)).rejects.toThrow(/ECONNREFUSED/);
    await expect(fetch(`http://${ip}:${bridge.port}/health`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  });

  it('refuses everyone for a while after 20 failed handshakes in a minute, the right token included', async () => {
    const port = limited.port;
    const wrong = Array.from({ length: 20 }, (_, i) => firstFrame(port, TEST_ORIGIN, JSON.stringify({ t: 'hello', wire: [1], token: `guess-${i}`, app: 'test' })));
    expect(new Set(await Promise.all(wrong))).toEqual(new Set([CLOSE.badToken]));
    await expect(TestPage.attach(port, { origin: TEST_ORIGIN, token: TOKEN })).rejects.toThrow(/429/);
    // Still alive, and says so.
    expect((await health(port)).status).toBe(200);
  });

  it('never writes its token, or a token a page tried, to its log or its output', async () => {
    // A good handshake and bad ones, so both paths have been logged.
    const good = await TestPage.attach(bridge.port, { origin: TEST_ORIGIN, token: TOKEN });
    await good.message('welcome');
    await good.close();
    const tried = 'tried-token-0123456789abcdef';
    expect(await firstFrame(bridge.port, TEST_ORIGIN, JSON.stringify({ t: 'hello', wire: [1], token: tried, app: 'test' }))).toBe(CLOSE.badToken);
    expect(await firstFrame(bridge.port, 'https://evil.example', JSON.stringify({ t: 'hello', wire: [1], token: TOKEN, app: 'test' }))).toBe(CLOSE.badOrigin);
    await bridge.process.waitFor(/page-refused why=wrong pairing token/);
    const file = join(bridge.dataDir, 'bridge.log');
    expect(existsSync(file)).toBe(true);
    const log = readFileSync(file, 'utf8');
    expect(log).toContain('"event":"page-attached"');
    expect(log).toContain('"why":"wrong pairing token"');
    for (const secret of [TOKEN, TOKEN.toUpperCase(), tried, ...NEAR_MISSES.filter((t) => t.length >= 16).map((t) => t.trim())]) {
      expect(log, 'bridge.log').not.toContain(secret);
      expect(bridge.process.output(), 'bridge output').not.toContain(secret);
    }
  });

  it('closes a socket that never says hello', async () => {
    const page = await silent;
    expect(await page.closed).toBe(CLOSE.helloTimeout);
    expect(page.messages).toEqual([]);
  }, 15_000);
});

describe('a bridge that made its own token', () => {
  let bridge: BridgeUnderTest;
  beforeAll(async () => {
    // No token given: the bridge makes one on first run and keeps it in its data directory.
    bridge = await startBridgeProcess({ token: '', env: { LIS_BRIDGE_TOKEN: '' } });
  });
  afterAll(async () => bridge?.stop());

  it('keeps it out of bridge.log (it shows it once on its console, for pairing)', async () => {
    const token = readFileSync(join(bridge.dataDir, 'pairing-token'), 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const page = await TestPage.attach(bridge.port, { origin: TEST_ORIGIN, token });
    await page.message('welcome');
    await page.close();
    expect(await firstFrame(bridge.port, TEST_ORIGIN, JSON.stringify({ t: 'hello', wire: [1], token: token.slice(1), app: 'test' }))).toBe(CLOSE.badToken);
    await bridge.process.waitFor(/page-refused why=wrong pairing token/);
    const log = readFileSync(join(bridge.dataDir, 'bridge.log'), 'utf8');
    expect(log).toContain('"event":"page-attached"');
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.slice(1));
  });
});
