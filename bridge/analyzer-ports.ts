import { connect, createServer, Socket, type Server } from 'node:net';
import type { ConnId, DeviceId, DeviceSpec, DeviceState } from '../shared/bridge-wire.ts';

export interface PortEvents {
  deviceState(device: DeviceId, state: DeviceState, detail?: string): void;
  connOpen(device: DeviceId, conn: ConnId, remoteAddress: string, remotePort: number): void;
  connData(conn: ConnId, at: number, bytes: Uint8Array): void;
  connClose(device: DeviceId, conn: ConnId, reason: string): void;
  peerRefused(device: DeviceId, remoteAddress: string): void;
}

interface Device {
  spec: DeviceSpec;
  server: Server | null;
  conns: Set<ConnId>;
  /** Connect mode: the pending reconnect, and how long the next wait is. */
  retry: ReturnType<typeof setTimeout> | null;
  retryMs: number;
}

/** Connect mode backs off to this, so an analyzer that is switched off is not hammered. */
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
const KEEPALIVE_MS = 30_000;

/**
 * The analyzer side of the bridge: TCP listeners and connections, one device each. It moves bytes
 * and reports sockets; it never reads them.
 */
export class AnalyzerPorts {
  private readonly devices = new Map<DeviceId, Device>();
  private readonly sockets = new Map<ConnId, { device: DeviceId; socket: Socket }>();
  private nextConn = 1;

  constructor(private readonly events: PortEvents) {}

  open(spec: DeviceSpec): void {
    const existing = this.devices.get(spec.device);
    if (existing && sameSpec(existing.spec, spec)) {
      this.events.deviceState(spec.device, existing.server?.listening ? 'listening' : 'closed');
      return;
    }
    if (existing) this.close(spec.device);
    const device: Device = { spec, server: null, conns: new Set(), retry: null, retryMs: RECONNECT_MIN_MS };
    this.devices.set(spec.device, device);
    if (spec.mode === 'server') this.listen(device);
    else this.dial(device);
  }

  /** Connect mode: we call the analyzer, and call again with backoff whenever the line drops. */
  private dial(device: Device): void {
    const { spec } = device;
    device.retry = null;
    this.events.deviceState(spec.device, 'connecting');
    const socket = connect({ host: spec.host ?? '', port: spec.port });
    socket.once('connect', () => {
      device.retryMs = RECONNECT_MIN_MS;
      this.adopt(device, socket);
    });
    socket.once('error', (err) => {
      if (socket.connecting) this.events.deviceState(spec.device, 'error', `cannot reach ${spec.host}:${spec.port}: ${err.message}`);
    });
    socket.once('close', () => {
      if (this.devices.get(spec.device) !== device) return;
      device.retry = setTimeout(() => this.dial(device), device.retryMs);
      device.retryMs = Math.min(RECONNECT_MAX_MS, device.retryMs * 2);
    });
  }

  private listen(device: Device): void {
    const { spec } = device;
    const server = createServer((socket) => this.accept(device, socket));
    device.server = server;
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (this.devices.get(spec.device) !== device) return;
      device.server = null;
      const state: DeviceState = err.code === 'EADDRINUSE' ? 'port-in-use' : err.code === 'EACCES' ? 'not-allowed' : 'error';
      this.events.deviceState(spec.device, state, `${err.code ?? 'error'} on port ${spec.port}: ${err.message}`);
    });
    // No address-reuse option: a port another program holds must fail here, not be shared.
    server.listen({ port: spec.port, host: spec.host && spec.host !== '' ? spec.host : '0.0.0.0' }, () => {
      if (this.devices.get(spec.device) === device) this.events.deviceState(spec.device, 'listening');
    });
  }

  private accept(device: Device, socket: Socket): void {
    const remote = normaliseAddress(socket.remoteAddress ?? '');
    const allowed = device.spec.allowedPeers;
    if (allowed && allowed.length > 0 && !allowed.includes(remote)) {
      this.events.peerRefused(device.spec.device, remote);
      socket.destroy();
      return;
    }
    this.adopt(device, socket);
  }

  private adopt(device: Device, socket: Socket): void {
    const remote = normaliseAddress(socket.remoteAddress ?? '');
    const conn = this.nextConn++;
    device.conns.add(conn);
    this.sockets.set(conn, { device: device.spec.device, socket });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    this.events.connOpen(device.spec.device, conn, remote, socket.remotePort ?? 0);
    socket.on('data', (chunk: Buffer) => this.events.connData(conn, Date.now(), chunk));
    let reason = 'closed by analyzer';
    socket.on('error', (err) => {
      reason = `socket error: ${err.message}`;
    });
    socket.on('close', () => {
      device.conns.delete(conn);
      this.sockets.delete(conn);
      this.events.connClose(device.spec.device, conn, reason);
    });
  }

  write(conn: ConnId, bytes: Uint8Array): boolean {
    const entry = this.sockets.get(conn);
    if (!entry || entry.socket.destroyed) return false;
    entry.socket.write(bytes);
    return true;
  }

  /** Stops reading from every analyzer socket; TCP flow control then holds analyzers back. */
  pauseAll(): void {
    for (const { socket } of this.sockets.values()) socket.pause();
  }

  resumeAll(): void {
    for (const { socket } of this.sockets.values()) socket.resume();
  }

  disconnect(conn: ConnId): void {
    this.sockets.get(conn)?.socket.destroy();
  }

  close(device: DeviceId): void {
    const d = this.devices.get(device);
    if (!d) return;
    this.devices.delete(device);
    if (d.retry) clearTimeout(d.retry);
    d.server?.close();
    for (const conn of d.conns) this.sockets.get(conn)?.socket.destroy();
    this.events.deviceState(device, 'closed');
  }

  closeAll(): void {
    for (const id of [...this.devices.keys()]) this.close(id);
  }

  listeners(): { device: DeviceId; mode: DeviceSpec['mode']; port: number; listening: boolean; connections: number }[] {
    return [...this.devices.values()].map((d) => ({
      device: d.spec.device,
      mode: d.spec.mode,
      port: d.spec.port,
      listening: d.server?.listening ?? false,
      connections: d.conns.size,
    }));
  }
}

function sameSpec(a: DeviceSpec, b: DeviceSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function normaliseAddress(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
