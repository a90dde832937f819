import {
  BIN_KIND_RETURNED,
  BIN_KIND_UPDATE,
  CLOSE,
  decodeData,
  encodeData,
  type BridgeInfo,
  type BridgeMessage,
  type ConnId,
  type DeviceId,
  type DeviceSpec,
  type DeviceState,
  type PageMessage,
} from '../../shared/bridge-wire.ts';
import { SUPPORTED_WIRE_VERSIONS } from '../../shared/version.ts';

export type BridgeLinkState = 'connecting' | 'connected' | 'down' | 'refused';

export interface BridgeEvents {
  state(state: BridgeLinkState, detail?: string, closeCode?: number): void;
  welcome(info: BridgeInfo): void;
  deviceState(device: DeviceId, state: DeviceState, detail?: string): void;
  connOpen(device: DeviceId, conn: ConnId, remote: string): void;
  connClose(device: DeviceId, conn: ConnId, reason: string): void;
  data(conn: ConnId, at: number, bytes: Uint8Array): void;
  /** The bridge holds analyzer bytes from now on; every byte sent before is already delivered. */
  paused?(): void;
  /** How a self-update the page is sending stands (see BridgeUpdater). */
  updateState?(msg: Extract<BridgeMessage, { t: 'update-state' }>): void;
}

/** What each refusal means for the person at the PC. */
const REFUSALS: Record<number, string> = {
  [CLOSE.badOrigin]: 'The bridge does not accept this console\'s address. Reinstall the bridge from this console\'s download page.',
  [CLOSE.badToken]: 'The bridge is not paired with this console. Enter the pairing code shown by the bridge in Settings.',
  [CLOSE.wireMismatch]: `The bridge on this PC is too old or too new for this console. Update the bridge to a version that speaks wire protocol ${SUPPORTED_WIRE_VERSIONS.join(' or ')} (download it from this console's Settings).`,
  [CLOSE.anotherPage]: 'Another console window on this PC is driving the analyzers. Close it, or take over from here.',
  [CLOSE.takenOver]: 'Another console window took over the analyzers.',
};

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

/** The WebSocket to the bridge on this PC, reconnecting with backoff for as long as it is wanted. */
export class BridgeTransport {
  private ws: WebSocket | null = null;
  private stopped = false;
  private delay = RECONNECT_MIN_MS;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly events: BridgeEvents,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000, 'console stopping');
    this.ws = null;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private connect(): void {
    this.events.state('connecting');
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let welcomed = false;
    ws.onopen = () => {
      this.sendJson({ t: 'hello', wire: [...SUPPORTED_WIRE_VERSIONS], token: this.token, app: 'lis-console' });
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (ev.data instanceof ArrayBuffer) {
        const frame = decodeData(new Uint8Array(ev.data));
        if (frame) this.events.data(frame.conn, frame.at, frame.payload);
        return;
      }
      const msg = JSON.parse(String(ev.data)) as BridgeMessage;
      switch (msg.t) {
        case 'welcome':
          if (!SUPPORTED_WIRE_VERSIONS.includes(msg.wire)) {
            ws.close(1000, 'unsupported wire protocol');
            this.events.state('refused', REFUSALS[CLOSE.wireMismatch]);
            return;
          }
          welcomed = true;
          this.delay = RECONNECT_MIN_MS;
          this.events.state('connected');
          this.events.welcome(msg.bridge);
          break;
        case 'device-state':
          this.events.deviceState(msg.device, msg.state, msg.detail);
          break;
        case 'conn-open':
          this.events.connOpen(msg.device, msg.conn, msg.remoteAddress);
          break;
        case 'conn-close':
          this.events.connClose(msg.device, msg.conn, msg.reason);
          break;
        case 'paused':
          this.events.paused?.();
          break;
        case 'update-state':
          this.events.updateState?.(msg);
          break;
        case 'error':
          console.warn('[bridge]', msg.message);
          break;
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const refusal = REFUSALS[ev.code] ?? (ev.reason === 'unsupported wire protocol' ? REFUSALS[CLOSE.wireMismatch] : undefined);
      if (refusal) this.events.state('refused', refusal, ev.code);
      else this.events.state('down', welcomed ? 'The bridge connection was lost; reconnecting.' : 'The bridge is not running on this PC. Start it (or install it) and this console connects by itself.');
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(RECONNECT_MAX_MS, this.delay * 2);
    };
  }

  private sendJson(msg: PageMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  openDevice(spec: DeviceSpec): void {
    this.sendJson({ t: 'open-device', spec });
  }

  closeDevice(device: DeviceId): void {
    this.sendJson({ t: 'close-device', device });
  }

  disconnect(conn: ConnId): void {
    this.sendJson({ t: 'disconnect', conn });
  }

  pause(): void {
    this.sendJson({ t: 'pause' });
  }

  /** Hands analyzer bytes back to the bridge unanswered, for the next page (see BIN_KIND_RETURNED). */
  giveBack(conn: ConnId, at: number, bytes: Uint8Array): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeData(conn, at, bytes, BIN_KIND_RETURNED));
  }

  resume(): void {
    this.sendJson({ t: 'resume' });
  }

  updateControl(msg: Extract<PageMessage, { t: `update-${string}` }>): void {
    this.sendJson(msg);
  }

  /** The next piece of a release; false when the bridge is not connected. */
  updatePiece(bytes: Uint8Array): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encodeData(0, 0, bytes, BIN_KIND_UPDATE));
    return true;
  }

  write(conn: ConnId, bytes: Uint8Array): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encodeData(conn, Date.now(), bytes));
    return true;
  }
}
