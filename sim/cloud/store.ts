import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type {
  CommunicationLogEntry,
  DeviceStatusReport,
  Machine,
  MachineStatus,
  OrderResponse,
  PostResultsResponse,
  ResultItem,
  ResultItemOutcome,
  StoredResult,
} from '../../shared/cloud-api.ts';
import { demoMachines, demoOrders, demoStations, type DemoPorts, DEMO_PORTS } from './seed.ts';

interface State {
  machines: Machine[];
  orders: Record<number, OrderResponse[]>;
  results: StoredResult[];
  nextResultId: number;
  stations: { id: string; name: string }[];
  status: Record<number, MachineStatus>;
  logs: Record<number, (CommunicationLogEntry & { station: string })[]>;
}

/** Two stations reporting one machine within this window are both driving it. */
const CLAIM_WINDOW_MS = 10 * 60_000;

/**
 * The dev cloud's state, kept in one JSON file. Writes go to a temporary file renamed over the old
 * one, so a killed dev cloud never leaves half a file behind.
 */
export class CloudStore extends EventEmitter<{ results: [StoredResult[]]; status: [MachineStatus]; logs: [number] }> {
  private state: State;
  private readonly file: string;
  private readonly byKey = new Map<string, StoredResult>();

  constructor(dataDir: string, ports: DemoPorts = DEMO_PORTS) {
    super();
    this.file = join(dataDir, 'cloud-state.json');
    this.state = this.load() ?? { machines: demoMachines(ports), orders: demoOrders(), results: [], nextResultId: 1, stations: demoStations(), status: {}, logs: {} };
    for (const r of this.state.results) this.byKey.set(r.idempotency_key, r);
    this.save();
  }

  private load(): State | null {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as State;
    } catch {
      return null;
    }
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 1));
    renameSync(tmp, this.file);
  }

  /** Unassigned machines go to the lab's first station, so a one-PC lab needs no step. */
  machines(): Machine[] {
    const first = this.state.stations[0]?.id;
    return this.state.machines.map((m) => (m.connection_settings.station || !first ? m : { ...m, connection_settings: { ...m.connection_settings, station: first } }));
  }

  /** Changes a machine's settings, as an administrator does in the LIS. */
  updateMachine(id: number, patch: Partial<Omit<Machine, 'connection_settings'>> & { connection_settings?: Partial<Machine['connection_settings']> }): Machine {
    const m = this.machine(id);
    if (!m) throw new Error(`unknown machine ${id}`);
    Object.assign(m, { ...patch, connection_settings: { ...m.connection_settings, ...(patch.connection_settings ?? {}) } });
    this.save();
    return m;
  }

  addMachine(machine: Machine): void {
    this.state.machines.push(machine);
    this.save();
  }

  stations(): { id: string; name: string }[] {
    return this.state.stations;
  }

  reportStatus(machineId: number, report: DeviceStatusReport): MachineStatus {
    const now = Date.now();
    const previous = this.state.status[machineId];
    const claimedElsewhere = previous && previous.station !== report.station && now - Date.parse(previous.reported_at) < CLAIM_WINDOW_MS;
    const row: MachineStatus = {
      ...report,
      machine_id: machineId,
      reported_at: new Date(now).toISOString(),
      ...(claimedElsewhere ? { conflict: `stations ${previous.station} and ${report.station} both drive this machine` } : {}),
    };
    this.state.status[machineId] = row;
    this.save();
    this.emit('status', row);
    return row;
  }

  status(machineId: number): MachineStatus | undefined {
    return this.state.status[machineId];
  }

  /** Appends log entries; an entry id seen before (a re-upload) is not stored twice. */
  addLogs(machineId: number, station: string, entries: CommunicationLogEntry[]): number {
    const list = (this.state.logs[machineId] ??= []);
    const seen = new Set(list.map((e) => e.id));
    let added = 0;
    for (const e of entries) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      list.push({ ...e, station });
      added++;
    }
    if (added > 0) {
      this.save();
      this.emit('logs', machineId);
    }
    return added;
  }

  logs(machineId: number): (CommunicationLogEntry & { station: string })[] {
    return this.state.logs[machineId] ?? [];
  }

  /** Replaces one machine's orders (what `/orders` and `/work-orders` answer), as the LIS's work list changes. */
  setOrders(machineId: number, orders: OrderResponse[]): void {
    this.state.orders[machineId] = orders;
    this.save();
  }

  machine(id: number): Machine | undefined {
    return this.state.machines.find((m) => m.id === id);
  }

  order(machineId: number, barcode: string): OrderResponse {
    const found = (this.state.orders[machineId] ?? []).find((o) => o.barcode === barcode);
    return found ?? { barcode, tests: [] };
  }

  workOrders(machineId: number): OrderResponse[] {
    return (this.state.orders[machineId] ?? []).filter((o) => o.tests.length > 0);
  }

  /** Stores a batch; a key seen before returns the row it already made, never a second one. */
  postResults(items: ResultItem[]): PostResultsResponse {
    const out: ResultItemOutcome[] = [];
    const added: StoredResult[] = [];
    for (const item of items) {
      const problem = validate(item, this);
      if (problem) {
        out.push({ idempotency_key: String(item?.idempotency_key ?? ''), status: 'rejected', reason: problem });
        continue;
      }
      const existing = this.byKey.get(item.idempotency_key);
      if (existing) {
        out.push({ idempotency_key: item.idempotency_key, status: 'duplicate', id: existing.id });
        continue;
      }
      const row: StoredResult = { ...item, id: this.state.nextResultId++, stored_at: new Date().toISOString() };
      this.state.results.push(row);
      this.byKey.set(row.idempotency_key, row);
      added.push(row);
      out.push({ idempotency_key: item.idempotency_key, status: 'stored', id: row.id });
    }
    this.save();
    if (added.length > 0) this.emit('results', added);
    return { items: out };
  }

  results(filter: { machineId?: number; barcode?: string }): StoredResult[] {
    return this.state.results.filter(
      (r) => (filter.machineId === undefined || r.machine_id === filter.machineId) && (filter.barcode === undefined || r.barcode === filter.barcode),
    );
  }
}

function validate(item: ResultItem, store: CloudStore): string | null {
  if (typeof item !== 'object' || item === null) return 'not an object';
  if (typeof item.idempotency_key !== 'string' || item.idempotency_key.length < 8) return 'idempotency_key missing';
  if (!store.machine(item.machine_id)) return `unknown machine ${String(item.machine_id)}`;
  if (typeof item.barcode !== 'string' || item.barcode === '') return 'barcode missing';
  if (typeof item.test_code !== 'string' || item.test_code === '') return 'test_code missing';
  if (typeof item.value !== 'string') return 'value must be the analyzer text';
  return null;
}
