/**
 * The bridge wire protocol: one WebSocket between the attached page and the bridge.
 * Control messages are JSON text frames; analyzer bytes are binary frames with a fixed header, so
 * the hot path never goes through JSON. The bridge understands no analyzer protocol: it only moves
 * bytes and reports sockets.
 */

export type DeviceId = string;
/** A TCP connection to an analyzer, numbered by the bridge for its lifetime. */
export type ConnId = number;

export type DeviceState = 'listening' | 'connecting' | 'port-in-use' | 'not-allowed' | 'error' | 'closed';

/** What the page asks the bridge to do with one analyzer. */
export interface DeviceSpec {
  device: DeviceId;
  mode: 'server' | 'client';
  /** For `server`: the local port to listen on. For `client`: the analyzer's port. */
  port: number;
  /** For `client`: the analyzer's address. For `server`: the local address to bind (default all). */
  host?: string;
  /** Analyzer addresses allowed to connect (server mode); empty or absent means any. */
  allowedPeers?: string[];
}

export type PageMessage =
  | { t: 'hello'; wire: number[]; token: string; app: string; takeover?: boolean }
  | { t: 'open-device'; spec: DeviceSpec }
  | { t: 'close-device'; device: DeviceId }
  | { t: 'disconnect'; conn: ConnId }
  /**
   * Before the page reloads (an update): hold analyzer bytes from now on, as for a detached page.
   * The bridge answers `paused` after every byte sent before it, so the page knows what it got.
   */
  | { t: 'pause' }
  | { t: 'resume' }
  /**
   * Self-update (shared/bridge-release.ts): the page streams a release in BIN_KIND_UPDATE frames
   * between `update-begin` and `update-end`; the bridge verifies and stages it while analyzers are
   * served as usual, and swaps it in and restarts only on `update-apply`, which the page sends at
   * a moment no analyzer is mid-message.
   */
  | { t: 'update-begin'; version: string; size: number; sha256: string; signature: string }
  | { t: 'update-end' }
  | { t: 'update-apply' }
  | { t: 'update-abort' };

export interface BridgeInfo {
  version: string;
  wire: number;
  pid: number;
  startedAt: string;
  /** Which release the bridge can take (`linux` | `win`); absent when it cannot update itself. */
  updateOs?: BridgeOs;
}

export type BridgeOs = 'linux' | 'win';

/** Where a self-update stands, as the bridge reports it. */
export type BridgeUpdateState =
  /** Taking the release; `received` bytes are on disk (the page sends at most a window ahead). */
  | 'receiving'
  /** Verified (size, sha256, release signature) and started once: waiting for `update-apply`. */
  | 'staged'
  /** Refused; the running version carries on. `detail` says why. */
  | 'refused'
  /** Swapping in the new executable and exiting; the service manager starts it. */
  | 'restarting';

export type BridgeMessage =
  | { t: 'welcome'; wire: number; bridge: BridgeInfo }
  | { t: 'device-state'; device: DeviceId; state: DeviceState; detail?: string }
  | { t: 'conn-open'; device: DeviceId; conn: ConnId; remoteAddress: string; remotePort: number }
  | { t: 'conn-close'; device: DeviceId; conn: ConnId; reason: string }
  | { t: 'paused' }
  | { t: 'update-state'; version: string; state: BridgeUpdateState; received?: number; detail?: string }
  | { t: 'error'; message: string };

/** WebSocket close codes the bridge uses, so the page can tell a person exactly what went wrong. */
export const CLOSE = {
  badOrigin: 4403,
  badToken: 4401,
  wireMismatch: 4426,
  anotherPage: 4409,
  takenOver: 4410,
  protocolError: 4400,
  helloTimeout: 4408,
} as const;

/**
 * Binary frame: kind (u8), conn (u32 BE), arrival time in ms since epoch (f64 BE), then payload.
 * The time is when the bridge read the bytes, so the page can tell fresh bytes from stale ones.
 */
export const BIN_HEADER = 13;
export const BIN_KIND_DATA = 1;
/**
 * Page → bridge while pausing: analyzer bytes the page received but did not act on, handed back
 * (with their arrival time) so that the next page answers them.
 */
export const BIN_KIND_RETURNED = 3;
/** Page → bridge between `update-begin` and `update-end`: the next piece of the release (conn and time 0). */
export const BIN_KIND_UPDATE = 4;
/** A release piece per frame: well under the bridge's WebSocket payload limit. */
export const UPDATE_CHUNK_BYTES = 192 * 1024;

export function encodeData(conn: ConnId, at: number, payload: Uint8Array, kind = BIN_KIND_DATA): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(BIN_HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, kind);
  view.setUint32(1, conn);
  view.setFloat64(5, at);
  out.set(payload, BIN_HEADER);
  return out;
}

export interface DataFrame {
  conn: ConnId;
  at: number;
  payload: Uint8Array;
}

export function decodeData(frame: Uint8Array, kind = BIN_KIND_DATA): DataFrame | null {
  if (frame.length < BIN_HEADER) return null;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint8(0) !== kind) return null;
  return { conn: view.getUint32(1), at: view.getFloat64(5), payload: frame.subarray(BIN_HEADER) };
}

const PAGE_TYPES = new Set(['hello', 'open-device', 'close-device', 'disconnect', 'pause', 'resume', 'update-begin', 'update-end', 'update-apply', 'update-abort']);

/** Parses a page's text frame; anything not of the protocol's shape is null, never a throw. */
export function parsePageMessage(text: string): PageMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (typeof m.t !== 'string' || !PAGE_TYPES.has(m.t)) return null;
  switch (m.t) {
    case 'hello':
      return Array.isArray(m.wire) && m.wire.every((v) => typeof v === 'number') && typeof m.token === 'string'
        ? (m as unknown as PageMessage)
        : null;
    case 'open-device': {
      const s = m.spec as Record<string, unknown> | undefined;
      if (!s || typeof s.device !== 'string' || (s.mode !== 'server' && s.mode !== 'client')) return null;
      if (!Number.isInteger(s.port) || (s.port as number) < 1 || (s.port as number) > 65535) return null;
      if (s.host !== undefined && typeof s.host !== 'string') return null;
      if (s.allowedPeers !== undefined && !(Array.isArray(s.allowedPeers) && s.allowedPeers.every((p) => typeof p === 'string'))) return null;
      return m as unknown as PageMessage;
    }
    case 'close-device':
      return typeof m.device === 'string' ? (m as unknown as PageMessage) : null;
    case 'disconnect':
      return Number.isInteger(m.conn) ? (m as unknown as PageMessage) : null;
    case 'pause':
    case 'resume':
    case 'update-end':
    case 'update-apply':
    case 'update-abort':
      return m as unknown as PageMessage;
    case 'update-begin':
      return typeof m.version === 'string' &&
        Number.isSafeInteger(m.size) &&
        (m.size as number) > 0 &&
        typeof m.sha256 === 'string' &&
        typeof m.signature === 'string'
        ? (m as unknown as PageMessage)
        : null;
  }
  return null;
}
