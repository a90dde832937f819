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
}

export type DeviceLinkState = 'starting' | 'listening' | 'connected' | 'disconnected' | 'port-in-use' | 'error' | 'stopped';

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
  received: number;
}

/** Engine-wide state the UI shows in its banner. */
export interface EngineStatus {
  id: 'engine';
  bridge: 'connecting' | 'connected' | 'down' | 'refused';
  bridgeDetail?: string;
  cloud: 'ok' | 'unreachable' | 'login-needed';
  cloudDetail?: string;
  leader: boolean;
  updatedAt: number;
}

export interface Setting {
  key: string;
  value: unknown;
}

/**
 * The console's database. Chrome commits IndexedDB transactions "relaxed" by default (reported
 * before the data reaches the disk); the outbox must be on disk before an analyzer is ACKed, so
 * every transaction here is strict.
 */
export class ConsoleDb extends Dexie {
  outbox!: Table<OutboxEntry, string>;
  devices!: Table<DeviceStatus, number>;
  status!: Table<EngineStatus, string>;
  settings!: Table<Setting, string>;

  constructor(name = 'lis-console') {
    super(name, { chromeTransactionDurability: 'strict' });
    this.version(1).stores({
      outbox: 'key, state, machineId, [state+nextAttemptAt], createdAt',
      devices: 'machineId',
      status: 'id',
      settings: 'key',
    });
  }
}

export const db = new ConsoleDb();
