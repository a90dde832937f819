import type { DriverConnection, DriverEvent, DriverOutput, QueryAnswer } from '../../drivers/driver.ts';
import type { AnalyzerQuery, AnalyzerResult } from '../../drivers/result-model.ts';

export interface ConnectionIo {
  write(bytes: Uint8Array): void;
  /** Resolves once the results are durably in the outbox; rejects when storage failed. */
  store(results: AnalyzerResult[], clockSkewMs: number | undefined): Promise<void>;
  /** Looks the query up (cloud, then cache) and resolves with what to tell the analyzer. */
  lookup(queryId: number, query: AnalyzerQuery, receivedAt: number): Promise<QueryAnswer & { source: 'cloud' | 'cache' | 'none' }>;
  queryDone(queryId: number, outcome: { reply: 'order' | 'no-order' | 'error' | 'cancelled'; firstByteAt?: number }): void;
  log(line: string): void;
  event(kind: string, message: string): void;
  messageSeen(): void;
  /** The connection has just finished what it was doing: nothing is in progress or owed. */
  idle(): void;
}

/**
 * One analyzer connection: feeds bytes to the driver, writes what it answers, runs its timers,
 * tells it when results are safely stored (which is when it may ACK), and answers its queries.
 * Stores run one after another so the analyzer's order is the outbox's order.
 */
export class DeviceConnection {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private storing: Promise<void> = Promise.resolve();
  private pendingStores = 0;
  private closed = false;

  constructor(
    private readonly driver: DriverConnection,
    private readonly io: ConnectionIo,
    readonly staleAfterMs: number,
  ) {}

  receive(bytes: Uint8Array): void {
    this.apply(this.driver.receive(bytes, Date.now()));
  }

  busy(): boolean {
    return this.pendingStores > 0 || this.driver.busy();
  }

  setReceiveReady(ready: boolean): void {
    this.driver.setReceiveReady(ready);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private apply(out: DriverOutput): void {
    if (this.closed) return;
    for (const bytes of out.write) this.io.write(bytes);
    for (const event of out.events) this.handle(event);
    this.schedule(out.nextDeadline);
    if (!this.busy()) this.io.idle();
  }

  private handle(event: DriverEvent): void {
    switch (event.type) {
      case 'results':
        this.io.messageSeen();
        this.pendingStores++;
        this.storing = this.storing.then(() => this.store(event.storeId, event.results, event.clockSkewMs));
        return;
      case 'query':
        this.io.messageSeen();
        void this.io.lookup(event.queryId, event.query, event.receivedAt).then((answer) => {
          if (!this.closed) this.apply(this.driver.answer(event.queryId, answer, Date.now()));
        });
        return;
      case 'query-cancelled':
        this.io.queryDone(event.queryId, { reply: 'cancelled' });
        return;
      case 'query-replied':
        this.io.queryDone(event.queryId, { reply: event.reply, firstByteAt: event.firstByteAt });
        return;
      case 'device-error':
        this.io.event(event.kind, event.message);
        return;
      case 'log':
        this.io.log(event.message);
        return;
    }
  }

  private async store(storeId: number, results: AnalyzerResult[], clockSkewMs: number | undefined): Promise<void> {
    let ok = true;
    try {
      await this.io.store(results, clockSkewMs);
    } catch (err) {
      ok = false;
      this.io.event('storage-failed', `Results could not be saved on this PC (${(err as Error).message}); the analyzer was asked to send them again.`);
    }
    this.pendingStores--;
    this.apply(this.driver.stored(storeId, ok, Date.now()));
  }

  private schedule(deadline: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (deadline === null) return;
    this.timer = setTimeout(() => this.apply(this.driver.tick(Date.now())), Math.max(0, deadline - Date.now()));
  }
}
