import type { AnalyzerResult } from '../../drivers/result-model.ts';
import type { DriverBinding, SessionOutput } from './protocol-session.ts';

export interface ConnectionIo {
  write(bytes: Uint8Array): void;
  /** Resolves once the results are durably in the outbox; rejects when storage failed. */
  store(results: AnalyzerResult[]): Promise<void>;
  log(line: string): void;
  messageSeen(): void;
}

/**
 * One analyzer connection: feeds bytes to the driver's session, writes what it answers, runs its
 * timers, and tells it when a group of results is safely stored, which is when it may ACK.
 * Stores run one after another so the analyzer's order is the outbox's order.
 */
export class DeviceConnection<E> {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private storing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly binding: DriverBinding<E>,
    private readonly io: ConnectionIo,
  ) {}

  receive(bytes: Uint8Array): void {
    this.apply(this.binding.session.receive(bytes, Date.now()));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private apply(out: SessionOutput<E>): void {
    if (this.closed) return;
    for (const bytes of out.write) this.io.write(bytes);
    for (const event of out.events) {
      const line = this.binding.describe(event);
      if (line) this.io.log(line);
      const request = this.binding.storeRequest(event);
      if (request) {
        this.io.messageSeen();
        this.storing = this.storing.then(() => this.store(request.storeId, request.results));
      }
    }
    this.schedule(out.nextDeadline);
  }

  private async store(storeId: number, results: AnalyzerResult[]): Promise<void> {
    let ok = true;
    try {
      await this.io.store(results);
    } catch (err) {
      ok = false;
      this.io.log(`storing ${results.length} result(s) failed; the analyzer will be asked to resend: ${(err as Error).message}`);
    }
    this.apply(this.binding.session.stored(storeId, ok, Date.now()));
  }

  private schedule(deadline: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (deadline === null) return;
    this.timer = setTimeout(() => this.apply(this.binding.session.tick(Date.now())), Math.max(0, deadline - Date.now()));
  }
}
