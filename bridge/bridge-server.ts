import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  BIN_KIND_RETURNED,
  BIN_KIND_UPDATE,
  CLOSE,
  encodeData,
  decodeData,
  parsePageMessage,
  type BridgeInfo,
  type BridgeMessage,
  type BridgeOs,
  type PageMessage,
  type ConnId,
  type DeviceId,
} from '../shared/bridge-wire.ts';
import { APP_VERSION, WIRE_PROTOCOL_VERSION } from '../shared/version.ts';
import { AnalyzerPorts } from './analyzer-ports.ts';
import { DetachBuffer } from './detach-buffer.ts';
import type { BridgeLog } from './bridge-log.ts';
import { DEFAULT_POLICY, refusal, type LocalPolicy } from './local-policy.ts';
import { FailureLimiter, tokenMatches } from './page-auth.ts';
import type { SelfUpdate } from './self-update.ts';

export interface BridgeOptions {
  port: number;
  /** Origins whose pages may attach (the cloud that serves the console). */
  allowedOrigins: string[];
  token: string;
  /** How long analyzer sockets stay open after the page detaches (a reload). */
  graceMs?: number;
  /** Bytes buffered per device while detached. */
  detachBufferBytes?: number;
  policy?: LocalPolicy;
  log: BridgeLog;
  /** Present when this bridge can replace itself (the executable, built with a release key). */
  selfUpdate?: { updater: SelfUpdate; os: BridgeOs; restart: () => void };
  /** A console attached (a new build on trial counts this as proof it works). */
  onPageAttached?: () => void;
}

/** The bridge tells the page how far a release has reached the disk at most this often. */
const UPDATE_PROGRESS_BYTES = 1024 * 1024;

/** Control messages are small; analyzer chunks are relayed in pieces well below this. */
export const MAX_WS_PAYLOAD = 256 * 1024;
const HELLO_TIMEOUT_MS = 5_000;
/**
 * Bytes queued for a page that reads slower than analyzers send: past the high mark the bridge
 * stops reading analyzer sockets (TCP holds the analyzers back) until the page catches up, so a
 * slow page never grows the bridge's memory.
 */
const PAGE_QUEUE_HIGH = 1024 * 1024;
const PAGE_QUEUE_LOW = 256 * 1024;
const BACKPRESSURE_POLL_MS = 5;
export const DEFAULT_GRACE_MS = 20_000;
const DEFAULT_DETACH_BUFFER = 1024 * 1024;

export interface RunningBridge {
  port: number;
  info: BridgeInfo;
  server: Server;
  close(): Promise<void>;
}

export async function startBridge(opts: BridgeOptions): Promise<RunningBridge> {
  const log = opts.log;
  const policy = opts.policy ?? DEFAULT_POLICY;
  const info: BridgeInfo = {
    version: APP_VERSION,
    wire: WIRE_PROTOCOL_VERSION,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    ...(opts.selfUpdate ? { updateOs: opts.selfUpdate.os } : {}),
  };
  const limiter = new FailureLimiter();
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  let page: WebSocket | null = null;
  let pageSince: string | null = null;
  let graceTimer: NodeJS.Timeout | null = null;
  let backpressure: NodeJS.Timeout | null = null;
  /** The page asked to stop receiving (it is about to reload): analyzer bytes wait here. */
  let paused = false;
  /** What the pausing page handed back, in arrival order; it goes before what was held since. */
  const returnedWhilePaused: { device: DeviceId; chunk: { conn: ConnId; at: number; bytes: Uint8Array } }[] = [];
  const settleReturned = () => {
    const byDevice = new Map<DeviceId, { conn: ConnId; at: number; bytes: Uint8Array }[]>();
    for (const r of returnedWhilePaused.splice(0)) byDevice.set(r.device, [...(byDevice.get(r.device) ?? []), r.chunk]);
    for (const [device, chunks] of byDevice) {
      let buf = buffers.get(device);
      if (!buf) buffers.set(device, (buf = new DetachBuffer(opts.detachBufferBytes ?? DEFAULT_DETACH_BUFFER)));
      buf.returned(chunks);
    }
  };
  const connDevice = new Map<ConnId, { device: DeviceId; remoteAddress: string; remotePort: number }>();
  const buffers = new Map<DeviceId, DetachBuffer>();

  const send = (msg: BridgeMessage): void => {
    if (page && page.readyState === page.OPEN) page.send(JSON.stringify(msg));
  };

  const ports = new AnalyzerPorts({
    deviceState: (device, state, detail) => {
      log(state === 'listening' || state === 'closed' || state === 'connecting' ? 'info' : 'warn', 'device-state', { device, state, ...(detail ? { detail } : {}) });
      send({ t: 'device-state', device, state, ...(detail ? { detail } : {}) });
    },
    connOpen: (device, conn, remoteAddress, remotePort) => {
      connDevice.set(conn, { device, remoteAddress, remotePort });
      log('info', 'analyzer-connected', { device, conn, remote: `${remoteAddress}:${remotePort}` });
      send({ t: 'conn-open', device, conn, remoteAddress, remotePort });
    },
    connData: (conn, at, bytes) => {
      if (page && !paused) {
        page.send(encodeData(conn, at, bytes));
        if (page.bufferedAmount > PAGE_QUEUE_HIGH && !backpressure) {
          ports.pauseAll();
          backpressure = setInterval(() => {
            if (page && page.bufferedAmount > PAGE_QUEUE_LOW) return;
            clearInterval(backpressure!);
            backpressure = null;
            ports.resumeAll();
          }, BACKPRESSURE_POLL_MS);
        }
        return;
      }
      const device = connDevice.get(conn)?.device;
      if (device === undefined) return;
      let buf = buffers.get(device);
      if (!buf) buffers.set(device, (buf = new DetachBuffer(opts.detachBufferBytes ?? DEFAULT_DETACH_BUFFER)));
      buf.push({ conn, at, bytes: new Uint8Array(bytes) });
    },
    connClose: (device, conn, reason) => {
      connDevice.delete(conn);
      log('info', 'analyzer-disconnected', { device, conn, reason });
      send({ t: 'conn-close', device, conn, reason });
    },
    peerRefused: (device, remoteAddress) => log('warn', 'analyzer-refused', { device, remote: remoteAddress, why: 'not in the device\'s allowed analyzer addresses' }),
  });

  const http = createServer((req, res) => health(req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });

  function corsOrigin(req: IncomingMessage): string | null {
    const origin = req.headers.origin;
    return typeof origin === 'string' && opts.allowedOrigins.includes(origin) ? origin : null;
  }

  function health(req: IncomingMessage, res: ServerResponse): void {
    const origin = corsOrigin(req);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (origin) {
      headers['access-control-allow-origin'] = origin;
      headers.vary = 'Origin';
    }
    if (req.url !== '/health') {
      res.writeHead(404, headers).end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, headers).end(
      JSON.stringify({
        ...info,
        uptimeS: Math.round(process.uptime()),
        attachedPage: pageSince ? { since: pageSince } : null,
        listeners: ports.listeners(),
      }),
    );
  }

  http.on('upgrade', (req, socket, head) => {
    const now = Date.now();
    if (limiter.blocked(now)) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\n\r\n');
      return;
    }
    if (!corsOrigin(req)) {
      // Not counted against the limiter: a page of another origin never reaches the hello, so it
      // cannot guess the token, and counting it would let any web page lock the console out.
      log('warn', 'page-refused', { origin: req.headers.origin ?? null, why: 'origin not allowed' });
      // Completing the upgrade lets the page see a distinct close code instead of a bare failure.
      wss.handleUpgrade(req, socket, head, (ws) => ws.close(CLOSE.badOrigin, 'origin not allowed'));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket): void {
    let attached = false;
    const helloTimer = setTimeout(() => ws.close(CLOSE.helloTimeout, 'no hello'), HELLO_TIMEOUT_MS);
    ws.on('error', (err) => log('warn', 'page-socket-error', { error: err.message }));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!attached) {
        clearTimeout(helloTimer);
        const msg = isBinary ? null : parsePageMessage(data.toString());
        if (!msg || msg.t !== 'hello') {
          limiter.record(Date.now());
          ws.close(CLOSE.protocolError, 'expected hello');
          return;
        }
        if (!tokenMatches(opts.token, msg.token)) {
          limiter.record(Date.now());
          log('warn', 'page-refused', { why: 'wrong pairing token' });
          ws.close(CLOSE.badToken, 'wrong pairing token');
          return;
        }
        if (!msg.wire.includes(WIRE_PROTOCOL_VERSION)) {
          log('warn', 'page-refused', { why: 'wire protocol mismatch', page: msg.wire, bridge: WIRE_PROTOCOL_VERSION });
          ws.close(CLOSE.wireMismatch, `bridge speaks wire protocol ${WIRE_PROTOCOL_VERSION}`);
          return;
        }
        if (page && !msg.takeover) {
          log('warn', 'page-refused', { why: 'another page is attached' });
          ws.close(CLOSE.anotherPage, 'another console is attached');
          return;
        }
        if (page) {
          log('info', 'page-takeover');
          page.close(CLOSE.takenOver, 'taken over by another console');
        }
        attached = true;
        attach(ws);
        return;
      }
      if (isBinary) {
        const bytes = toBytes(data);
        const frame = decodeData(bytes);
        if (frame) {
          ports.write(frame.conn, frame.payload);
          return;
        }
        const piece = opts.selfUpdate ? decodeData(bytes, BIN_KIND_UPDATE) : null;
        if (piece) {
          opts.selfUpdate!.updater.chunk(piece.payload, (written) => {
            if (written - reported < UPDATE_PROGRESS_BYTES && written < (updatingTo?.size ?? 0)) return;
            reported = written;
            if (updatingTo) send({ t: 'update-state', version: updatingTo.version, state: 'receiving', received: written });
          });
          return;
        }
        const back = paused ? decodeData(bytes, BIN_KIND_RETURNED) : null;
        const device = back ? connDevice.get(back.conn)?.device : undefined;
        if (back && device !== undefined) {
          returnedWhilePaused.push({ device, chunk: { conn: back.conn, at: back.at, bytes: new Uint8Array(back.payload) } });
        }
        return;
      }
      const msg = parsePageMessage(data.toString());
      if (!msg) {
        send({ t: 'error', message: 'unrecognised message' });
        return;
      }
      if (msg.t === 'open-device') {
        const why = refusal(policy, msg.spec);
        if (why) {
          log('warn', 'device-refused', { device: msg.spec.device, why });
          send({ t: 'device-state', device: msg.spec.device, state: 'not-allowed', detail: why });
        } else ports.open(msg.spec);
      }
      else if (msg.t === 'close-device') ports.close(msg.device);
      else if (msg.t === 'disconnect') ports.disconnect(msg.conn);
      else if (msg.t.startsWith('update-')) void onUpdateMessage(msg);
      else if (msg.t === 'pause') {
        paused = true;
        returnedWhilePaused.length = 0;
        send({ t: 'paused' });
      } else if (msg.t === 'resume') {
        settleReturned();
        paused = false;
        flushBuffers(ws);
      }
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (page === ws) {
        settleReturned();
        detach();
      }
    });
  }

  let updatingTo: { version: string; size: number } | null = null;
  let reported = 0;
  async function onUpdateMessage(msg: PageMessage): Promise<void> {
    const su = opts.selfUpdate;
    const version = msg.t === 'update-begin' ? msg.version : (updatingTo?.version ?? '');
    if (!su) {
      send({ t: 'update-state', version, state: 'refused', detail: 'this bridge cannot update itself (it is not the installed executable); install the new version by hand' });
      return;
    }
    const refused = (detail: string) => {
      log('warn', 'update-refused', { version, reason: detail });
      send({ t: 'update-state', version, state: 'refused', detail });
    };
    try {
      if (msg.t === 'update-begin') {
        updatingTo = { version: msg.version, size: msg.size };
        reported = 0;
        const why = await su.updater.begin(msg);
        if (why) return refused(why);
        send({ t: 'update-state', version, state: 'receiving', received: 0 });
      } else if (msg.t === 'update-end') {
        const verdict = await su.updater.end();
        if (!verdict.ok) return refused(verdict.reason);
        send({ t: 'update-state', version, state: 'staged' });
      } else if (msg.t === 'update-apply') {
        const verdict = await su.updater.apply();
        if (!verdict.ok) return refused(verdict.reason);
        send({ t: 'update-state', version, state: 'restarting' });
        su.restart();
      } else if (msg.t === 'update-abort') {
        await su.updater.abort();
        updatingTo = null;
      }
    } catch (err) {
      refused(`the update failed on this PC: ${(err as Error).message}`);
    }
  }

  function attach(ws: WebSocket): void {
    settleReturned();
    page = ws;
    pageSince = new Date().toISOString();
    if (graceTimer) clearTimeout(graceTimer);
    graceTimer = null;
    log('info', 'page-attached');
    opts.onPageAttached?.();
    send({ t: 'welcome', wire: WIRE_PROTOCOL_VERSION, bridge: info });
    for (const l of ports.listeners()) send({ t: 'device-state', device: l.device, state: l.listening ? 'listening' : 'closed' });
    for (const [conn, c] of connDevice) send({ t: 'conn-open', device: c.device, conn, remoteAddress: c.remoteAddress, remotePort: c.remotePort });
    paused = false;
    flushBuffers(ws);
  }

  function flushBuffers(ws: WebSocket): void {
    for (const buf of buffers.values()) for (const c of buf.drain()) ws.send(encodeData(c.conn, c.at, c.bytes));
  }

  function detach(): void {
    page = null;
    pageSince = null;
    log('info', 'page-detached', { graceMs });
    graceTimer = setTimeout(() => {
      log('warn', 'grace-expired', { action: 'closing analyzer sockets so analyzers keep their results' });
      ports.closeAll();
      buffers.clear();
    }, graceMs);
  }

  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(opts.port, '127.0.0.1', () => ok());
  });
  const port = (http.address() as AddressInfo).port;
  log('info', `listening on ws://127.0.0.1:${port}`, { version: info.version, wire: info.wire, pid: info.pid });
  return {
    port,
    info,
    server: http,
    close: async () => {
      if (graceTimer) clearTimeout(graceTimer);
      if (backpressure) clearInterval(backpressure);
      ports.closeAll();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((ok) => {
        http.closeAllConnections();
        http.close(() => ok());
      });
    },
  };
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
