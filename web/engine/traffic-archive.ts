import type { CommunicationLogEntry } from '../../shared/cloud-api.ts';
import type { ArchiveDb, ArchiveEntry } from './db.ts';

const FLUSH_EVERY_MS = 250;
const FLUSH_AT_ENTRIES = 200;
const UPLOAD_BATCH = 500;

const CONTROL_NAMES: Record<number, string> = { 0x02: 'STX', 0x03: 'ETX', 0x04: 'EOT', 0x05: 'ENQ', 0x06: 'ACK', 0x0a: 'LF', 0x0b: 'VT', 0x0d: 'CR', 0x15: 'NAK', 0x17: 'ETB', 0x1c: 'FS' };

/** A readable one-line rendering of wire bytes: control characters named, text as Latin-1. */
export function describeBytes(bytes: Uint8Array, max = 120): string {
  let out = '';
  for (let i = 0; i < bytes.length && out.length < max; i++) {
    const b = bytes[i];
    const name = CONTROL_NAMES[b];
    out += name ? `<${name}>` : b < 0x20 || b === 0x7f ? `<${b.toString(16).padStart(2, '0')}>` : String.fromCharCode(b);
  }
  return out.length >= max ? out.slice(0, max) + '…' : out;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Every byte in and out, per device. Writes are batched off the ACK path; uploads go to the
 * cloud's communication logs so support can read a device's traffic without reaching the PC.
 */
export class TrafficArchive {
  private pending: ArchiveEntry[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly db: ArchiveDb) {}

  record(machineId: number, direction: 'in' | 'out', bytes: Uint8Array, summary?: string, simulated = false): void {
    this.pending.push({ machineId, at: Date.now(), direction, bytes: bytes.slice(), summary: summary ?? describeBytes(bytes), uploaded: 0, ...(simulated ? { simulated } : {}) });
    if (this.pending.length >= FLUSH_AT_ENTRIES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    try {
      await this.db.archive.bulkAdd(batch);
    } catch (err) {
      // The archive is for diagnosis; losing a batch of it must never touch results.
      console.warn('[archive] could not write traffic', err);
    }
  }

  /** Uploads what the cloud has not seen yet; returns how many entries went up. */
  async upload(station: string, send: (machineId: number, entries: CommunicationLogEntry[], station: string) => Promise<unknown>): Promise<number> {
    await this.flush();
    const rows = await this.db.archive.where('uploaded').equals(0).limit(UPLOAD_BATCH).toArray();
    const byMachine = new Map<number, ArchiveEntry[]>();
    for (const r of rows) byMachine.set(r.machineId, [...(byMachine.get(r.machineId) ?? []), r]);
    let sent = 0;
    for (const [machineId, entries] of byMachine) {
      await send(
        machineId,
        entries.map((e) => ({ id: `${station}:${e.id}`, at: new Date(e.at).toISOString(), direction: e.direction, bytes_base64: base64(e.bytes), summary: e.summary ?? '', ...(e.simulated ? { simulated: true } : {}) })),
        station,
      );
      await this.db.archive.where('id').anyOf(entries.map((e) => e.id!)).modify({ uploaded: 1 });
      sent += entries.length;
    }
    return sent;
  }

  /** Drops uploaded traffic older than the retention the cloud sets. */
  async prune(olderThan: number): Promise<void> {
    await this.db.archive.where('at').below(olderThan).and((e) => e.uploaded === 1).delete();
  }

  /** Removes the oldest uploaded traffic until the archive's bytes fit the cap. */
  async trimTo(maxBytes: number): Promise<void> {
    let total = 0;
    await this.db.archive.each((e) => {
      total += e.bytes.length + 64;
    });
    if (total <= maxBytes) return;
    const drop: number[] = [];
    await this.db.archive
      .orderBy('id')
      .filter((e) => e.uploaded === 1)
      .until(() => total <= maxBytes)
      .each((e) => {
        total -= e.bytes.length + 64;
        drop.push(e.id!);
      });
    await this.db.archive.bulkDelete(drop);
  }

  async clear(): Promise<void> {
    this.pending = [];
    await this.db.archive.clear();
  }
}
