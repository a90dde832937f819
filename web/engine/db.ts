import Dexie, { type Table } from 'dexie';
import type { ResultItem } from '../../shared/cloud-api.ts';

export type DeliveryState = 'pending' | 'sent' | 'dead';

/** One result on its way to the cloud. Keyed by its idempotency key, so a resent result is one row. */
export interface OutboxEntry {
  key: string;
  machineId: number;
  /** Per-device arrival order; the drain keeps it. */
  seq: number;
  state: DeliveryState;
  item: ResultItem;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  cloudId?: number;
  sentAt?: number;
  /** Set when staff discarded the result instead of delivering it. */
  discarded?: { reason: string; who: string; at: number };
}

export type DeviceLinkState =
  | 'starting'
  | 'listening'
  | 'connected'
  | 'disconnected'
  | 'port-in-use'
  | 'not-allowed'
  | 'serial-not-granted'
  | 'error'
  | 'stopped';

export interface DeviceStatus {
  machineId: number;
  name: string;
  driver: string;
  transport: string;
  port?: number;
  state: DeviceLinkState;
  detail?: string;
  peer?: string;
  lastMessageAt?: number;
  /** Counters for today (reset at local midnight by the engine). */
  day: string;
  received: number;
  queries: number;
  naks: number;
  errors: number;
  station?: string;
}

/** Every byte in and out, per device, for the inspector and for upload to the cloud's logs. */
export interface ArchiveEntry {
  id?: number;
  machineId: number;
  at: number;
  direction: 'in' | 'out';
  bytes: Uint8Array;
  /** What the protocol layer made of it (`ENQ`, `frame 1 ok`, `NAK`), when known. */
  summary?: string;
  simulated?: boolean;
  uploaded: 0 | 1;
}

/** A device error or notable protocol event (M/E records, NAK bursts, timeouts). */
export interface DeviceEvent {
  id?: number;
  machineId: number;
  at: number;
  kind: string;
  message: string;
  reported: 0 | 1;
}

/** One host query: an analyzer asked which tests a tube needs. */
export interface QueryRecord {
  id?: number;
  machineId: number;
  at: number;
  barcodes: string[];
  /** What the analyzer was told. */
  reply: 'order' | 'no-order' | 'error' | 'cancelled' | 'pending';
  tests: string[];
  source: 'cloud' | 'cache' | 'none';
  /** Query received → first reply byte written, in ms. */
  latencyMs?: number;
  detail?: string;
  simulated?: boolean;
}

/** Who did what, when and why: discards, retries, takeovers, pairing, simulator use. */
export interface AuditEntry {
  id?: number;
  at: number;
  who: string;
  action: string;
  detail: string;
  uploaded: 0 | 1;
}

/** Engine-wide state the UI shows in its banner. */
export interface EngineStatus {
  id: 'engine';
  bridge: 'connecting' | 'connected' | 'down' | 'refused';
  bridgeDetail?: string;
  cloud: 'ok' | 'unreachable' | 'login-needed';
  cloudDetail?: string;
  leader: boolean;
  station?: string;
  stationName?: string;
  bridgeVersion?: string;
  bridgeWire?: number;
  storage: 'ok' | 'failing';
  storageDetail?: string;
  persisted?: boolean;
  /** Storage used and available to this origin, from the browser's estimate. */
  storageUsedMb?: number;
  storageQuotaMb?: number;
  /** A new console build is waiting for an idle moment. */
  updateWaiting?: boolean;
  /** The cloud requires at least this version. */
  minimumVersion?: string;
  updatedAt: number;
}

export interface Setting {
  key: string;
  value: unknown;
}

/**
 * Results and credentials. Chrome commits IndexedDB transactions "relaxed" by default (reported
 * before the data reaches the disk); the outbox must be on disk before an analyzer is ACKed, so
 * every transaction here is strict, and nothing else lives here to slow that path down.
 */
export class ConsoleDb extends Dexie {
  outbox!: Table<OutboxEntry, string>;
  settings!: Table<Setting, string>;

  constructor(name = 'lis-console') {
    super(name, { chromeTransactionDurability: 'strict' });
    this.version(1).stores({
      outbox: 'key, state, machineId, [state+nextAttemptAt], createdAt, sentAt',
      settings: 'key',
    });
  }
}

/**
 * What the console shows and reports: device states, counters, events, queries, the audit trail.
 * Rebuilt by the engine as it runs, so a relaxed commit loses nothing that matters.
 */
export class StateDb extends Dexie {
  /** The UI's copy of the outbox, kept by the engine; the UI never opens the outbox itself. */
  results!: Table<OutboxEntry, string>;
  devices!: Table<DeviceStatus, number>;
  status!: Table<EngineStatus, string>;
  events!: Table<DeviceEvent, number>;
  queries!: Table<QueryRecord, number>;
  audit!: Table<AuditEntry, number>;

  constructor(name = 'lis-state') {
    super(name, { chromeTransactionDurability: 'relaxed' });
    this.version(1).stores({
      results: 'key, state, machineId, createdAt, sentAt',
      devices: 'machineId',
      status: 'id',
      events: '++id, machineId, at, reported',
      queries: '++id, machineId, at',
      audit: '++id, at, uploaded',
    });
  }
}

/**
 * The traffic archive, apart from the outbox: it is written for every byte, and a relaxed commit
 * there costs nothing that matters, while strict commits would slow the path that ACKs analyzers.
 */
export class ArchiveDb extends Dexie {
  archive!: Table<ArchiveEntry, number>;

  constructor(name = 'lis-archive') {
    super(name, { chromeTransactionDurability: 'relaxed' });
    this.version(1).stores({ archive: '++id, machineId, at, [machineId+id], uploaded' });
  }
}

export const db = new ConsoleDb();
export const stateDb = new StateDb();
export const archiveDb = new ArchiveDb();
