/**
 * Test-only: the real bridge process, and a page stand-in talking to it over a WebSocket from
 * Node (with any origin, token or frames a test wants to send).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { decodeData, type BridgeMessage } from '../../shared/bridge-wire.ts';
import { freePort, spawnTs, type Spawned } from '../../e2e/processes.ts';

export const TEST_ORIGIN = 'http://127.0.0.1:8080';

export interface BridgeUnderTest {
  port: number;
  token: string;
  origin: string;
  dataDir: string;
  process: Spawned;
  stop(): Promise<void>;
}

/** Starts `bridge/main.ts` as its own process on a free port, with a data directory of its own. */
export async function startBridgeProcess(opts: { token: string; origin?: string; args?: string[]; env?: Record<string, string> }): Promise<BridgeUnderTest> {
  const port = await freePort();
  const origin = opts.origin ?? TEST_ORIGIN;
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-test-'));
  const proc = spawnTs('bridge/main.ts', ['--port', String(port), '--origin', origin, '--data-dir', dataDir, ...(opts.args ?? [])], { LIS_BRIDGE_TOKEN: opts.token, ...opts.env });
  await proc.waitFor(/listening on ws:/, 30_000);
  return {
    port,
    token: opts.token,
    origin,
    dataDir,
    process: proc,
    async stop() {
      await proc.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A page stand-in: records every message the bridge sends, and how the socket closed. */
export class TestPage {
  readonly messages: BridgeMessage[] = [];
  readonly binary: Uint8Array[] = [];
  /** Anything the bridge sent that is not a message of the protocol. */
  readonly malformed: string[] = [];
  readonly closed: Promise<number>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const frame = decodeData(new Uint8Array(raw));
        if (frame) this.binary.push(frame.payload);
        else this.malformed.push(`binary frame of ${raw.length} bytes`);
      } else {
        try {
          const m = JSON.parse(raw.toString()) as BridgeMessage;
          if (typeof m !== 'object' || m === null || typeof m.t !== 'string') this.malformed.push(raw.toString());
          else this.messages.push(m);
        } catch {
          this.malformed.push(raw.toString());
        }
      }
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((ok) => ws.on('close', (code) => ok(code)));
  }

  /** Opens the socket (origin as given); resolves once it is open, or with the refusal. */
  static async connect(port: number, origin: string | null, host = '127.0.0.1'): Promise<TestPage> {
    const ws = new WebSocket(`ws://${host}:${port}`, origin === null ? {} : { origin });
    const page = new TestPage(ws);
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
      ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
    });
    return page;
  }

  /** Connects and says hello; with the right token and origin the bridge answers `welcome`. */
  static async attach(port: number, opts: { origin: string; token: string; takeover?: boolean }): Promise<TestPage> {
    const page = await TestPage.connect(port, opts.origin);
    page.send({ t: 'hello', wire: [1], token: opts.token, app: 'test', takeover: opts.takeover ?? true });
    return page;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  async until<T>(pick: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await Promise.race([
        new Promise<void>((ok) => this.waiters.push(ok)),
        new Promise<void>((ok) => setTimeout(ok, Math.min(left, 250))),
        this.closed.then((code) => {
          throw new Error(`socket closed (${code}) while waiting for ${what}`);
        }),
      ]);
    }
  }

  message<T extends BridgeMessage['t']>(t: T, pred: (m: Extract<BridgeMessage, { t: T }>) => boolean = () => true, timeoutMs?: number) {
    return this.until(() => this.messages.find((m): m is Extract<BridgeMessage, { t: T }> => m.t === t && pred(m as Extract<BridgeMessage, { t: T }>)), t, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await Promise.race([this.closed, new Promise((ok) => setTimeout(ok, 2_000))]);
  }
}

/** GET /health: the bridge's status, or the error that stopped it answering. */
export async function health(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
