import type { AnalyzerQuery, AnalyzerResult } from './result-model.ts';

/**
 * What a driver is: everything one analyzer family needs, in pure code. The engine hands it bytes
 * and time, and gets bytes, events and a deadline back; it never knows the protocol.
 */

/** An order as the cloud knows it, for a reply to a host query. */
export interface OrderInfo {
  barcode: string;
  /** Analyzer test codes; empty means nothing ordered on this analyzer. */
  tests: string[];
  specimenType?: string;
  priority?: 'routine' | 'stat';
  patient?: { sex?: 'M' | 'F' | 'U'; birthDate?: string };
}

/**
 * The engine's answer to a query. `orders` holds one entry per specimen id asked for, in the
 * query's order (an entry with no tests is "nothing ordered" for that tube). `error` is for a
 * lookup that failed: never to be answered as "no order", which would skip a patient's tube.
 */
export type QueryAnswer = { kind: 'orders'; orders: OrderInfo[] } | { kind: 'error'; reason: string };

/** The cloud's connection settings as a driver reads them (plus profile overrides). */
export interface DeviceSettings {
  charset?: string;
  timezone?: string;
  /** Sample ids matching any of these (regular expressions) are QC samples. */
  qc_patterns?: string[];
  /** Overrides the driver's reply window for host queries, in ms. */
  reply_window_ms?: number;
  [key: string]: unknown;
}

export type DriverEvent =
  /** Results to store durably; the connection acknowledges them once `stored` says so. */
  | { type: 'results'; storeId: number; results: AnalyzerResult[]; clockSkewMs?: number }
  /** A host query; answer it with `answer(queryId, …)` inside `replyWindowMs`. */
  | { type: 'query'; queryId: number; query: AnalyzerQuery; receivedAt: number }
  /** The analyzer withdrew a query: it gets no reply. */
  | { type: 'query-cancelled'; queryId: number }
  /** A reply went out; `firstByteAt` is when its first byte was written. */
  | { type: 'query-replied'; queryId: number; reply: 'order' | 'no-order' | 'error'; firstByteAt: number }
  /** The analyzer reported an error (M/E records), or the link failed in a way staff should see. */
  | { type: 'device-error'; kind: string; message: string }
  /** Something an engineer may want in the log. */
  | { type: 'log'; message: string };

export interface DriverOutput {
  write: Uint8Array[];
  events: DriverEvent[];
  nextDeadline: number | null;
}

export interface DriverConnection {
  receive(bytes: Uint8Array, now: number): DriverOutput;
  tick(now: number): DriverOutput;
  stored(storeId: number, ok: boolean, now: number): DriverOutput;
  answer(queryId: number, answer: QueryAnswer, now: number): DriverOutput;
  /** Inside a message, or owing a reply: an update must not reload now. */
  busy(): boolean;
  /** Storage is failing: refuse new messages in the protocol's own terms. */
  setReceiveReady(ready: boolean): void;
}

export interface SerialDefaults {
  baud_rate: number;
  data_bits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stop_bits: 1 | 2;
}

export interface Driver {
  key: string;
  label: string;
  protocol: 'astm' | 'hl7';
  /** How long the analyzer waits for a query's reply before it cancels, in ms. */
  replyWindowMs: number;
  /** Bytes that reach the engine later than this after arrival are not answered. */
  staleAfterMs: number;
  serialDefaults: SerialDefaults;
  connect(settings: DeviceSettings): DriverConnection;
}
