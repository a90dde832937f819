import type { ResultItem } from '../../shared/cloud-api.ts';
import { CloudError, type CloudClient } from './cloud-client.ts';
import type { Table } from 'dexie';
import type { ConsoleDb, OutboxEntry } from './db.ts';

export interface NewResult {
  key: string;
  machineId: number;
  item: ResultItem;
}

const BATCH_SIZE = 100;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** While re-login fails, delivery is held, not abandoned: results wait in the outbox. */
const REAUTH_HOLD_MS = 5_000;

export function backoffMs(attempts: number, random = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempts, 16));
  // Jitter spreads the retries of many stations after a cloud outage.
  return Math.round(ceiling * (0.5 + random() / 2));
}

export interface OutboxHooks {
  /** Re-authenticate after a 401; true when a new token is in place. */
  reauthenticate(): Promise<boolean>;
  cloudState(ok: boolean, detail?: string): void;
}

/**
 * Results between the analyzer and the cloud. `add` returns only once the rows are on disk, which
 * is what lets a session ACK the analyzer; the drain then delivers them with their idempotency keys,
 * so a retry after a lost answer can never create a second cloud row.
 */
export class Outbox {
  private seq = 0;
  private draining = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** After a failed delivery the whole outbox waits, so new results do not hammer a failing cloud. */
  private holdUntil = 0;
  private failures = 0;

  constructor(
    private readonly db: ConsoleDb,
    private readonly cloud: CloudClient,
    private readonly hooks: OutboxHooks,
    private readonly view: Table<OutboxEntry, string> | null = null,
  ) {}

  /**
   * Copies rows to the UI's view of the outbox (in the relaxed state database). The UI never
   * reads the outbox itself: a UI thread stalled inside a read transaction would hold back the
   * write an analyzer's ACK waits for.
   */
  private syncView(keys: string[]): void {
    if (!this.view || keys.length === 0) return;
    const view = this.view;
    void this.db.outbox
      .bulkGet(keys)
      .then(async (rows) => {
        const present = rows.filter((r): r is OutboxEntry => !!r);
        await view.bulkPut(present);
        const gone = keys.filter((k) => !present.some((r) => r.key === k));
        if (gone.length > 0) await view.bulkDelete(gone);
      })
      .catch(() => {});
  }

  /** Deletes rows from the outbox and its view. */
  async remove(keys: string[]): Promise<void> {
    await this.db.outbox.bulkDelete(keys);
    if (this.view) await this.view.bulkDelete(keys).catch(() => {});
  }

  /** Writes under way: an update must not reload in the middle of one. */
  writing = 0;

  /** Durably records results; a key already present (an analyzer's resend) is left as it is. */
  async add(results: NewResult[]): Promise<void> {
    this.writing++;
    try {
      await this.write(results);
    } finally {
      this.writing--;
    }
    this.syncView(results.map((r) => r.key));
    this.kick();
  }

  private async write(results: NewResult[]): Promise<void> {
    const now = Date.now();
    await this.db.transaction('rw', this.db.outbox, async () => {
      const existing = await this.db.outbox.bulkGet(results.map((r) => r.key));
      const fresh: OutboxEntry[] = [];
      const seen = new Set<string>();
      results.forEach((r, i) => {
        if (existing[i] || seen.has(r.key)) return;
        seen.add(r.key);
        fresh.push({ key: r.key, machineId: r.machineId, seq: this.seq++, state: 'pending', item: r.item, createdAt: now, attempts: 0, nextAttemptAt: 0 });
      });
      if (fresh.length > 0) await this.db.outbox.bulkAdd(fresh);
    });
  }

  /** Staff asked to try again now: a dead letter goes back to pending, a backoff is cut short. */
  async retryNow(key?: string): Promise<void> {
    this.holdUntil = 0;
    const rows = key ? [await this.db.outbox.get(key)].filter((r): r is OutboxEntry => !!r) : await this.db.outbox.where('state').anyOf('pending', 'dead').toArray();
    await this.db.transaction('rw', this.db.outbox, async () => {
      for (const r of rows) if (r.state !== 'sent') await this.db.outbox.update(r.key, { state: 'pending', nextAttemptAt: 0 });
    });
    this.syncView(rows.map((r) => r.key));
    this.kick();
  }

  /** Staff gave up on a result, with a reason; the row stays, marked, for the audit trail. */
  async discard(key: string, reason: string, who: string): Promise<void> {
    if (reason.trim() === '') throw new Error('a reason is required to discard a result');
    await this.db.outbox.where('key').equals(key).and((r) => r.state !== 'sent').modify({ state: 'dead', discarded: { reason, who, at: Date.now() } });
    this.syncView([key]);
  }

  /** Can storage take a write again? Used to leave the refusing state after a quota error. */
  async probeStorage(): Promise<boolean> {
    try {
      await this.db.settings.put({ key: 'storage-probe', value: new Uint8Array(64 * 1024) });
      await this.db.settings.delete('storage-probe');
      return true;
    } catch (err) {
      console.warn('[outbox] storage probe failed:', (err as Error).name, (err as Error).message);
      return false;
    }
  }

  kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.draining) {
      this.again = true;
      return;
    }
    void this.drain();
  }

  private schedule(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.max(0, at - Date.now()));
  }

  private async drain(): Promise<void> {
    if (Date.now() < this.holdUntil) {
      this.schedule(this.holdUntil);
      return;
    }
    this.draining = true;
    try {
      do {
        this.again = false;
        while (await this.deliverBatch()) {
          // keep going while full batches were delivered
        }
      } while (this.again);
      const next = await this.db.outbox.where('state').equals('pending').sortBy('nextAttemptAt');
      if (next.length > 0) this.schedule(next[0].nextAttemptAt);
    } catch (err) {
      console.error('[outbox] drain failed', err);
      this.schedule(Date.now() + BACKOFF_BASE_MS);
    } finally {
      this.draining = false;
    }
  }

  /** Sends one batch; true when another may be due right away. */
  private async deliverBatch(): Promise<boolean> {
    const now = Date.now();
    const due = await this.db.outbox.where('[state+nextAttemptAt]').between(['pending', -Infinity], ['pending', now], true, true).toArray();
    if (due.length === 0) return false;
    due.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
    const batch = due.slice(0, BATCH_SIZE);
    try {
      const res = await this.cloud.postResults(batch.map((e) => e.item));
      if (this.failures > 0) this.hooks.cloudState(true);
      this.failures = 0;
      this.holdUntil = 0;
      const byKey = new Map((res.items ?? []).map((i) => [i.idempotency_key, i]));
      const sentAt = Date.now();
      await this.db.transaction('rw', this.db.outbox, async () => {
        for (const entry of batch) {
          const outcome = byKey.get(entry.key);
          if (!outcome) {
            await this.db.outbox.update(entry.key, { attempts: entry.attempts + 1, nextAttemptAt: sentAt + backoffMs(entry.attempts), lastError: 'the cloud did not answer for this result' });
          } else if (outcome.status === 'rejected') {
            await this.db.outbox.update(entry.key, { state: 'dead', lastError: outcome.reason, attempts: entry.attempts + 1 });
          } else {
            await this.db.outbox.update(entry.key, { state: 'sent', cloudId: outcome.id, sentAt, attempts: entry.attempts + 1 });
          }
        }
      });
      this.syncView(batch.map((e) => e.key));
      return due.length > batch.length;
    } catch (err) {
      if (!(err instanceof CloudError)) throw err;
      if (err.unauthorized) {
        this.hooks.cloudState(false, 'login expired');
        if (await this.hooks.reauthenticate()) return true;
        this.holdUntil = Date.now() + REAUTH_HOLD_MS;
        await this.postpone(batch, this.holdUntil, err.message, false);
        return false;
      }
      if (err.retryable) {
        this.hooks.cloudState(false, err.message);
        this.holdUntil = Date.now() + backoffMs(this.failures++);
        await this.postpone(batch, this.holdUntil, err.message, true);
        return false;
      }
      await this.db.transaction('rw', this.db.outbox, async () => {
        for (const entry of batch) await this.db.outbox.update(entry.key, { state: 'dead', lastError: err.message, attempts: entry.attempts + 1 });
      });
      this.syncView(batch.map((e) => e.key));
      return true;
    }
  }

  private async postpone(batch: OutboxEntry[], at: number, reason: string, countAttempt: boolean): Promise<void> {
    await this.db.transaction('rw', this.db.outbox, async () => {
      for (const e of batch) {
        await this.db.outbox.update(e.key, { attempts: countAttempt ? e.attempts + 1 : e.attempts, nextAttemptAt: at, lastError: reason });
      }
    });
    this.syncView(batch.map((e) => e.key));
  }
}
