import type { AnalyzerResult } from '../../drivers/result-model.ts';

/** The sans-IO shape every protocol engine in drivers/ has: bytes and time in; bytes, events and a deadline out. */
export interface SessionOutput<E> {
  write: Uint8Array[];
  events: E[];
  nextDeadline: number | null;
}

export interface ProtocolSession<E> {
  receive(bytes: Uint8Array, now: number): SessionOutput<E>;
  tick(now: number): SessionOutput<E>;
  stored(storeId: number, ok: boolean, now: number): SessionOutput<E>;
}

/** What the engine needs from a driver for one connection: its session, and how its events read. */
export interface DriverBinding<E> {
  session: ProtocolSession<E>;
  /** Results to store durably before the session may acknowledge, or null for other events. */
  storeRequest(event: E): { storeId: number; results: AnalyzerResult[] } | null;
  /** A line for the engine's log, or null for events not worth one. */
  describe(event: E): string | null;
}
