import { connect, createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE, decodeData, encodeData, type BridgeMessage } from '../shared/bridge-wire.ts';
import { freePort, spawnTs, type Spawned } from '../e2e/processes.ts';
import { MAX_WS_PAYLOAD } from './bridge-server.ts';

const ORIGIN = 'http://127.0.0.1:8080';
const TOKEN = 'a'.repeat(32);

/** A page stand-in: a Node WebSocket client that records what the bridge says. */
class FakePage {
  readonly messages: BridgeMessage[] = [];
  readonly data: Uint8Array[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw, binary) => {
      if (binary) this.data.push(decodeData(new Uint8Array(raw as Buffer))!.payload);
      else this.messages.push(JSON.parse(raw.toString()) as BridgeMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((ok) => ws.on('close', (code) => ok(code)));
  }

  static async open(port: number, origin = ORIGIN, token = TOKEN, takeover = false): Promise<FakePage> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { origin });
    const page = new FakePage(ws);
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    ws.send(JSON.stringify({ t: 'hello', wire: [1], token, app: 'test', takeover }));
    return page;
  }

  async until<T>(pick: () => T | undefined, what: string): Promise<T> {
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      await Promise.race([
        new Promise<void>((ok) => this.waiters.push(ok)),
        this.closed.then((code) => {
          throw new Error(`socket closed (${code}) while waiting for ${what}`);
        }),
      ]);
    }
  }

  message<T extends BridgeMessage['t']>(t: T, pred: (m: Extract<BridgeMessage, { t: T }>) => boolean = () => true) {
    return this.until(() => this.messages.find((m): m is Extract<BridgeMessage, { t: T }> => m.t === t && pred(m as Extract<BridgeMessage, { t: T }>)), t);
  }
}

describe('the bridge process', () => {
  let bridge: Spawned;
  let port: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-test-'));

  beforeAll(async () => {
    port = await freePort();
    bridge = spawnTs('bridge/main.ts', ['--port', String(port), '--origin', ORIGIN, '--data-dir', dataDir], { LIS_BRIDGE_TOKEN: TOKEN });
    await bridge.waitFor(/listening on ws:/);
  });
  afterAll(async () => {
    await bridge.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second instance, naming the running one', async () => {
    const second = spawnTs('bridge/main.ts', ['--port', String(port), '--origin', ORIGIN], { LIS_BRIDGE_TOKEN: TOKEN });
    expect(await second.exited).toBe(2);
    expect(second.output()).toMatch(new RegExp(`another bridge is already running .*pid ${bridge.child.pid}`));
  });

  it('refuses a page from another origin, and one with a wrong token, with distinct close codes', async () => {
    const foreign = await FakePage.open(port, 'https://evil.example');
    expect(await foreign.closed).toBe(CLOSE.badOrigin);
    const unpaired = await FakePage.open(port, ORIGIN, 'b'.repeat(32));
    expect(await unpaired.closed).toBe(CLOSE.badToken);
    await bridge.waitFor(/page-refused why=wrong pairing token/);
    const logged = readFileSync(join(dataDir, 'bridge.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', event: 'page-refused', origin: 'https://evil.example' }));
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', event: 'page-refused', why: 'wrong pairing token' }));
  });

  it('closes a page that sends an oversized message, and stays up for the next', async () => {
    const page = await FakePage.open(port, ORIGIN, TOKEN, true);
    await page.message('welcome');
    page.ws.send(new Uint8Array(MAX_WS_PAYLOAD + 1));
    expect(await page.closed).toBe(1009);
    const next = await FakePage.open(port, ORIGIN, TOKEN, true);
    await next.message('welcome');
    next.ws.close();
  });

  it('refuses a port outside its local allow-list, whatever the page asks', async () => {
    const page = await FakePage.open(port, ORIGIN, TOKEN, true);
    await page.message('welcome');
    page.ws.send(JSON.stringify({ t: 'open-device', spec: { device: '9', mode: 'server', port: 80 } }));
    page.ws.send(JSON.stringify({ t: 'open-device', spec: { device: '10', mode: 'client', host: '127.0.0.1', port: 9 } }));
    expect((await page.message('device-state', (m) => m.device === '9')).state).toBe('not-allowed');
    expect((await page.message('device-state', (m) => m.device === '10')).state).toBe('not-allowed');
    page.ws.close();
  });

  it('refuses an analyzer address that is not in the device\'s allow-list', async () => {
    const page = await FakePage.open(port, ORIGIN, TOKEN, true);
    await page.message('welcome');
    const analyzerPort = await freePort();
    page.ws.send(JSON.stringify({ t: 'open-device', spec: { device: '11', mode: 'server', port: analyzerPort, allowedPeers: ['10.9.8.7'] } }));
    await page.message('device-state', (m) => m.device === '11' && m.state === 'listening');
    const stranger = connect({ port: analyzerPort, host: '127.0.0.1' });
    await new Promise<void>((ok) => stranger.on('close', () => ok()));
    await bridge.waitFor(/analyzer-refused device=11 remote=127.0.0.1/);
    expect(page.messages.some((m) => m.t === 'conn-open' && m.device === '11')).toBe(false);
    page.ws.close();
  });

  it('answers /health with CORS for the allowed origin only', async () => {
    const ok = await fetch(`http://127.0.0.1:${port}/health`, { headers: { origin: ORIGIN } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await ok.json()).toMatchObject({ wire: 1, pid: bridge.child.pid });
    const other = await fetch(`http://127.0.0.1:${port}/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('relays analyzer bytes both ways, and refuses a second page unless it takes over', async () => {
    const page = await FakePage.open(port);
    await page.message('welcome');
    const analyzerPort = await freePort();
    page.ws.send(JSON.stringify({ t: 'open-device', spec: { device: '7', mode: 'server', port: analyzerPort } }));
    await page.message('device-state', (m) => m.device === '7' && m.state === 'listening');

    const analyzer = connect({ port: analyzerPort, host: '127.0.0.1' });
    const received: number[] = [];
    analyzer.on('data', (d) => received.push(...d));
    const open = await page.message('conn-open', (m) => m.device === '7');
    analyzer.write(Buffer.from([0x05]));
    await page.until(() => (page.data.length > 0 ? page.data : undefined), 'data');
    expect([...page.data[0]]).toEqual([0x05]);
    page.ws.send(encodeData(open.conn, Date.now(), new Uint8Array([0x06])));
    await new Promise<void>((ok) => analyzer.once('data', () => ok()));
    expect(received).toEqual([0x06]);

    const second = await FakePage.open(port);
    expect(await second.closed).toBe(CLOSE.anotherPage);
    const taker = await FakePage.open(port, ORIGIN, TOKEN, true);
    await taker.message('welcome');
    expect(await page.closed).toBe(CLOSE.takenOver);
    taker.ws.close();
    analyzer.destroy();
  });

  it('reports a port another program holds as port in use', async () => {
    const holder = await new Promise<Server>((ok) => {
      const s = createServer();
      s.listen(0, '0.0.0.0', () => ok(s));
    });
    const held = (holder.address() as { port: number }).port;
    const page = await FakePage.open(port, ORIGIN, TOKEN, true);
    await page.message('welcome');
    page.ws.send(JSON.stringify({ t: 'open-device', spec: { device: '8', mode: 'server', port: held } }));
    const state = await page.message('device-state', (m) => m.device === '8' && m.state !== 'closed');
    expect(state.state).toBe('port-in-use');
    page.ws.close();
    holder.close();
  });
});
