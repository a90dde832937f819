import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeData, encodeData, type BridgeMessage } from '../../shared/bridge-wire.ts';
import { APP_VERSION, WIRE_PROTOCOL_VERSION } from '../../shared/version.ts';
import { freePort } from '../../e2e/processes.ts';
import { bundleBridge } from './bundle.ts';
import { ensureExecutables, EXECUTABLES, OUT_DIR, ROOT } from './build-executables.ts';
import { readSha256Sums, sha256File, SUMS_FILE } from './checksums.ts';
import { certificateTable } from './pe-signature.ts';
import { elfSeaBlob, fuseFlipped, readPe, SEA_BLOB_MAGIC } from './sea-blob.ts';

const run = promisify(execFile);
const LINUX = join(OUT_DIR, EXECUTABLES['linux-x64']);
const WINDOWS = join(OUT_DIR, EXECUTABLES['win-x64']);
const ORIGIN = 'http://127.0.0.1:8080';
const TOKEN = 'c'.repeat(32);

// Built (or found fresh) by the same code as `npm run build:bridge`. A cold build fetches two
// Node tarballs; with the cache warm it is the two SEA injections, about 15 s.
beforeAll(async () => {
  await ensureExecutables({ log: (l) => console.log(`[build:bridge] ${l}`) });
}, 300_000);

describe('the built executables', { timeout: 60_000 }, () => {
  it('Linux: --version prints the bridge and wire-protocol versions, with no Node warning', async () => {
    const { stdout, stderr } = await run(LINUX, ['--version']);
    expect(stdout).toBe(`lis-bridge ${APP_VERSION} (wire protocol ${WIRE_PROTOCOL_VERSION})\n`);
    expect(stderr).toBe('');
  });

  it('Linux: takes no Node options from NODE_OPTIONS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sea-node-options-'));
    try {
      const preload = join(dir, 'preload.cjs');
      writeFileSync(preload, 'console.log("PRELOADED")');
      const { stdout } = await run(LINUX, ['--version'], { env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
      expect(stdout).not.toContain('PRELOADED');
      expect(stdout).toContain(`lis-bridge ${APP_VERSION}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Linux: install copies the executable to its home and registers that copy, not a script', async () => {
    const dataDir = join(tmpdir(), 'lis-bridge-install-check');
    const { stdout } = await run(LINUX, ['install', '--dry-run', '--data-dir', dataDir]);
    const home = join(dataDir, 'bin', 'lis-bridge');
    expect(stdout).toContain(`copy ${LINUX} -> ${home}\n`);
    expect(stdout).toContain(`ExecStart=${home} run --data-dir ${dataDir}\n`);
  });

  it('Windows: a PE32+ x64 image with the NODE_SEA_BLOB resource injected and the fuse flipped', async () => {
    const exe = readFileSync(WINDOWS);
    expect(exe.toString('latin1', 0, 2)).toBe('MZ');
    const pe = readPe(exe);
    expect(exe.toString('latin1', pe.peOffset, pe.peOffset + 4)).toBe('PE\0\0');
    expect(pe.machine).toBe(0x8664);
    expect(pe.sections.map((s) => s.name)).toContain('.rsrc');
    expect(fuseFlipped(exe)).toBe(true);
    expect(pe.seaBlob).not.toBeNull();
    expect(pe.seaBlob!.readUInt32LE(0)).toBe(SEA_BLOB_MAGIC);
    // node.exe 26 is about 100 MB; the blob adds the bundle, a few hundred KB.
    expect(exe.length).toBeGreaterThan(60 * 2 ** 20);
    expect(exe.length).toBeLessThan(200 * 2 ** 20);
    expect(pe.seaBlob!.length).toBeLessThan(5 * 2 ** 20);
    // node.exe's own signature, which the injection would have broken, is gone: unsigned, ready to sign.
    expect(certificateTable(exe)).toBeNull();

    // It is the bridge as it is now, and the same blob the Linux executable (tested below) runs.
    const { code } = await bundleBridge(ROOT);
    expect(pe.seaBlob!.includes(code, 0, 'utf8')).toBe(true);
    const linuxBlob = elfSeaBlob(readFileSync(LINUX));
    expect(linuxBlob).not.toBeNull();
    expect(pe.seaBlob!.equals(linuxBlob!)).toBe(true);
  });

  it(`${SUMS_FILE} matches both files`, async () => {
    const sums = readSha256Sums(join(OUT_DIR, SUMS_FILE));
    expect(Object.keys(sums).sort()).toEqual(Object.values(EXECUTABLES).sort());
    for (const [name, hex] of Object.entries(sums)) expect(await sha256File(join(OUT_DIR, name)), name).toBe(hex);
    expect(statSync(LINUX).mode & 0o111).not.toBe(0);
  });
});

/** The page, played by a Node WebSocket client. */
class FakePage {
  readonly messages: BridgeMessage[] = [];
  readonly data: Uint8Array[] = [];
  private wake: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw, binary) => {
      if (binary) this.data.push(decodeData(new Uint8Array(raw as Buffer))!.payload);
      else this.messages.push(JSON.parse(raw.toString()) as BridgeMessage);
      for (const w of this.wake.splice(0)) w();
    });
  }

  static async open(port: number): Promise<FakePage> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { origin: ORIGIN });
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    const page = new FakePage(ws);
    ws.send(JSON.stringify({ t: 'hello', wire: [WIRE_PROTOCOL_VERSION], token: TOKEN, app: 'executable-test' }));
    return page;
  }

  async until<T>(pick: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((ok) => {
        this.wake.push(ok);
        setTimeout(ok, 200);
      });
    }
  }

  message<T extends BridgeMessage['t']>(t: T, pred: (m: Extract<BridgeMessage, { t: T }>) => boolean = () => true) {
    return this.until(() => this.messages.find((m): m is Extract<BridgeMessage, { t: T }> => m.t === t && pred(m as Extract<BridgeMessage, { t: T }>)), t);
  }
}

describe('the Linux executable as the bridge', { timeout: 30_000 }, () => {
  let bridge: ChildProcess;
  let output = '';
  let port: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'sea-bridge-'));

  beforeAll(async () => {
    port = await freePort();
    bridge = spawn(LINUX, ['run', '--port', String(port), '--origin', ORIGIN, '--data-dir', dataDir], {
      env: { ...process.env, LIS_BRIDGE_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`the executable did not start listening:\n${output}`)), 20_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (/listening on ws:/.test(output)) {
          clearTimeout(timer);
          ok();
        }
      };
      bridge.stdout!.on('data', onData);
      bridge.stderr!.on('data', onData);
      bridge.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`the executable exited (${code}) before listening:\n${output}`));
      });
    });
  }, 30_000);

  afterAll(async () => {
    if (bridge && bridge.exitCode === null && bridge.signalCode === null) {
      const exited = new Promise((ok) => bridge.once('exit', ok));
      bridge.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('greets the page, listens for an analyzer, and relays bytes both ways', async () => {
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { pid: number; version: string; wire: number };
    expect(health).toMatchObject({ pid: bridge.pid, version: APP_VERSION, wire: WIRE_PROTOCOL_VERSION });

    const page = await FakePage.open(port);
    const welcome = await page.message('welcome');
    expect(welcome.bridge).toMatchObject({ version: APP_VERSION, wire: WIRE_PROTOCOL_VERSION, pid: bridge.pid });

    const analyzerPort = await freePort();
    page.ws.send(JSON.stringify({ t: 'open-device', spec: { device: 'sea-1', mode: 'server', port: analyzerPort } }));
    await page.message('device-state', (m) => m.device === 'sea-1' && m.state === 'listening');

    const analyzer = connect({ port: analyzerPort, host: '127.0.0.1' });
    const received: number[] = [];
    analyzer.on('data', (d) => received.push(...d));
    const open = await page.message('conn-open', (m) => m.device === 'sea-1');

    // analyzer → bridge → page: an ENQ and a frame fragment.
    analyzer.write(Buffer.from([0x05, 0x02, 0x31, 0x48]));
    await page.until(() => (page.data.reduce((n, d) => n + d.length, 0) >= 4 ? true : undefined), 'analyzer bytes');
    expect(Buffer.concat(page.data)).toEqual(Buffer.from([0x05, 0x02, 0x31, 0x48]));

    // page → bridge → analyzer: the ACK.
    page.ws.send(encodeData(open.conn, Date.now(), new Uint8Array([0x06])));
    await page.until(() => (received.length > 0 ? true : undefined), 'bytes at the analyzer');
    expect(received).toEqual([0x06]);

    analyzer.destroy();
    await page.message('conn-close', (m) => m.conn === open.conn);
    page.ws.close();
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((ok) => bridge.once('exit', (code) => ok(code)));
    bridge.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
