import type { ConnId, DeviceSpec, DeviceState } from '../../shared/bridge-wire.ts';
import type { Machine } from '../../shared/cloud-api.ts';
import type { Driver, QueryAnswer } from '../../drivers/driver.ts';
import type { AnalyzerQuery, AnalyzerResult } from '../../drivers/result-model.ts';
import type { DeviceLinkState, DeviceStatus, QueryRecord } from './db.ts';
import { DeviceConnection } from './device-connection.ts';
import type { TrafficArchive } from './traffic-archive.ts';

export type LookupAnswer = QueryAnswer & { source: 'cloud' | 'cache' | 'none' };

/** What a device needs from the engine around it. */
export interface DeviceContext {
  driver(machine: Machine): Driver;
  write(conn: ConnId, bytes: Uint8Array): void;
  disconnect(conn: ConnId): void;
  store(machine: Machine, results: AnalyzerResult[], clockSkewMs: number | undefined): Promise<void>;
  lookup(machine: Machine, query: AnalyzerQuery, deadlineMs: number): Promise<LookupAnswer>;
  recordQuery(row: QueryRecord): Promise<number>;
  updateQuery(id: number, patch: Partial<QueryRecord>): Promise<void>;
  patchDevice(machineId: number, patch: (d: DeviceStatus) => void): Promise<void>;
  deviceEvent(machineId: number, kind: string, message: string): void;
  /** A connection of this device has nothing in progress: a moment an update may go in. */
  idle(): void;
  archive: TrafficArchive;
}

const BRIDGE_STATES: Record<DeviceState, DeviceLinkState> = {
  listening: 'listening',
  connecting: 'starting',
  'port-in-use': 'port-in-use',
  'not-allowed': 'not-allowed',
  error: 'error',
  closed: 'stopped',
};

export function today(now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

export function bridgeSpec(machine: Machine): DeviceSpec {
  const s = machine.connection_settings;
  return {
    device: String(machine.id),
    mode: s.mode,
    port: s.port ?? 0,
    ...(s.host ? { host: s.host } : {}),
    ...(s.allowed_peers ? { allowedPeers: s.allowed_peers } : {}),
  };
}

/**
 * One analyzer as the engine drives it: its connections, each with a fresh driver connection, and
 * what it tells the UI. Bytes that waited in the bridge longer than the analyzer waits for an
 * answer are archived and not answered: the analyzer has given up on them, and an ACK now would
 * acknowledge a frame it is about to send again.
 */
export class DeviceRunner {
  private readonly connections = new Map<ConnId, DeviceConnection>();
  /** Whether storage works: a connection opened while it fails is refused from its first ENQ. */
  private storageReady = true;

  constructor(
    public machine: Machine,
    private readonly ctx: DeviceContext,
  ) {}

  get id(): number {
    return this.machine.id;
  }

  bridgeState(state: DeviceState, detail?: string): void {
    void this.ctx.patchDevice(this.id, (d) => {
      d.state = this.connections.size > 0 && state === 'listening' ? 'connected' : BRIDGE_STATES[state];
      d.detail = detail;
    });
  }

  connOpen(conn: ConnId, remote: string): void {
    this.connections.get(conn)?.close();
    let driver: Driver;
    try {
      driver = this.ctx.driver(this.machine);
    } catch (err) {
      this.ctx.disconnect(conn);
      void this.ctx.patchDevice(this.id, (d) => {
        d.state = 'error';
        d.detail = (err as Error).message;
      });
      return;
    }
    const settings = this.machine.connection_settings;
    const replyWindowMs = typeof settings.reply_window_ms === 'number' ? settings.reply_window_ms : driver.replyWindowMs;
    const rows = new Map<number, { row: Promise<number>; at: number }>();
    const connection = new DeviceConnection(
      driver.connect(settings),
      {
        write: (bytes) => {
          this.ctx.archive.record(this.id, 'out', bytes);
          this.ctx.write(conn, bytes);
        },
        store: (results, skew) => this.ctx.store(this.machine, results, skew),
        lookup: async (queryId, query, receivedAt) => {
          const row = this.ctx.recordQuery({ machineId: this.id, at: receivedAt, barcodes: query.all ? ['ALL'] : query.sampleIds, reply: 'pending', tests: [], source: 'none' });
          rows.set(queryId, { row, at: receivedAt });
          // Half the analyzer's window for the cloud, so a slow cloud still leaves time for the cache.
          const answer = await this.ctx.lookup(this.machine, query, Math.max(100, replyWindowMs / 2 - (Date.now() - receivedAt)));
          // The analyzer is waiting: the reply goes out now, the record of it after.
          void row.then((id) =>
            this.ctx.updateQuery(id, {
              source: answer.source,
              tests: answer.kind === 'orders' ? answer.orders.flatMap((o) => o.tests) : [],
              ...(answer.kind === 'error' ? { detail: answer.reason } : {}),
            }),
          );
          return answer;
        },
        queryDone: (queryId, outcome) => {
          const entry = rows.get(queryId);
          rows.delete(queryId);
          void this.ctx.patchDevice(this.id, (d) => {
            if (outcome.reply !== 'cancelled') d.queries += 1;
          });
          if (!entry) return;
          void entry.row.then((id) =>
            this.ctx.updateQuery(id, { reply: outcome.reply, ...(outcome.firstByteAt !== undefined ? { latencyMs: Math.round(outcome.firstByteAt - entry.at) } : {}) }),
          );
        },
        log: (line) => console.info(`[${this.machine.name}] ${line}`),
        event: (kind, message) => this.ctx.deviceEvent(this.id, kind, message),
        messageSeen: () =>
          void this.ctx.patchDevice(this.id, (d) => {
            d.lastMessageAt = Date.now();
          }),
        idle: () => this.ctx.idle(),
      },
      typeof settings.stale_after_ms === 'number' ? settings.stale_after_ms : driver.staleAfterMs,
    );
    connection.setReceiveReady(this.storageReady);
    this.connections.set(conn, connection);
    void this.ctx.patchDevice(this.id, (d) => {
      d.state = 'connected';
      d.peer = remote || d.peer;
      d.detail = undefined;
    });
  }

  connClose(conn: ConnId, reason: string): void {
    this.connections.get(conn)?.close();
    this.connections.delete(conn);
    void this.ctx.patchDevice(this.id, (d) => {
      if (this.connections.size === 0) {
        d.state = this.machine.transport === 'tcp' && this.machine.connection_settings.mode === 'server' ? 'listening' : 'disconnected';
        d.peer = undefined;
      }
      d.detail = reason;
    });
  }

  data(conn: ConnId, at: number, bytes: Uint8Array): void {
    const connection = this.connections.get(conn);
    const stale = connection ? Date.now() - at > connection.staleAfterMs : false;
    this.ctx.archive.record(this.id, 'in', bytes, stale ? "stale (not answered): waited in the bridge past the analyzer's reply timer" : undefined);
    if (!connection || stale) return;
    connection.receive(bytes);
  }

  /** A recoverable serial line error: counted and shown; reading goes on. */
  lineError(name: string): void {
    this.ctx.deviceEvent(this.id, 'line-error', `Serial line error (${name}); reading goes on.`);
  }

  /** True while some connection is inside a message or owes a reply: no update may reload now. */
  busy(): boolean {
    for (const c of this.connections.values()) if (c.busy()) return true;
    return false;
  }

  stop(): void {
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }

  setStorageReady(ready: boolean): void {
    this.storageReady = ready;
    for (const c of this.connections.values()) c.setReceiveReady(ready);
  }
}
