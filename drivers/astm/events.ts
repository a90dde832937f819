import type { StoreGroup } from './message-assembler.ts';
import type { HeaderRecord, TerminatorRecord } from './records/model.ts';

/**
 * What an ASTM session tells the engine. Plain data, a discriminated union on `type`. Texts in
 * `reason` are written for the lab technician who reads the protocol log.
 */

export type Direction = 'in' | 'out';

/** `intermediate`/`end`: strict frames ending in ETB/ETX; `simplified`: `STX records ETX`; `junk`: bytes outside any frame. */
export type FrameKind = 'enq' | 'ack' | 'nak' | 'eot' | 'intermediate' | 'end' | 'simplified' | 'junk';

/** Every byte on the line, both ways, for the live protocol inspector and the archive. */
export interface FrameEvent {
  type: 'frame';
  direction: Direction;
  kind: FrameKind;
  /**
   * The bytes as they crossed the line (strict frames: STX through LF). The engine may keep
   * them; nothing overwrites them. Incoming frames share 64 KB buffers: `slice()` one before
   * storing it on its own (a structured clone of a view copies its whole buffer).
   */
  bytes: Uint8Array;
  frameNumber?: number;
  checksumOk?: boolean;
  /** A frame we had already accepted, sent again (its ACK was lost): acknowledged and dropped (6.5.1.1). */
  repeat?: boolean;
}

export interface SessionStartEvent {
  type: 'session-start';
  direction: Direction;
  /** Inbound only: the framing in force (`auto` until the first frame decides). */
  framing?: 'strict' | 'simplified' | 'auto';
}

export type SessionEndReason = 'eot' | 'receive-timeout' | 'restarted' | 'delivered' | 'aborted' | 'interrupted' | 'contention';

export interface SessionEndEvent {
  type: 'session-end';
  direction: Direction;
  reason: SessionEndReason;
}

/** A frame refused (NAK), or ignored when no session was open. */
export interface FrameRejectedEvent {
  type: 'frame-rejected';
  reason: string;
  frameNumber?: number;
}

/**
 * A group to store durably, then to confirm with `stored(storeId, ok)`: the frame that closed it
 * is acknowledged only then. A host query (H, Q, L) arrives as a group too.
 */
export interface StoreEvent extends StoreGroup {
  type: 'store';
  storeId: number;
}

/** Storing failed or took too long: the frame was refused (NAK) and the analyzer will send it again. */
export interface StoreFailedEvent {
  type: 'store-failed';
  storeIds: number[];
  reason: string;
}

/** A message's terminator (L) was accepted and everything before it stored. */
export interface MessageEndEvent {
  type: 'message-end';
  header: HeaderRecord | null;
  terminator: TerminatorRecord;
}

/** Received records dropped because the message broke off before they could be stored (6.5.2.4). */
export interface DiscardedEvent {
  type: 'discarded';
  reason: string;
  rawTexts: string[];
}

/** Something odd in the records that did not stop them being read. */
export interface RecordWarningEvent {
  type: 'record-warning';
  reason: string;
  raw: string;
}

export interface SendDeliveredEvent {
  type: 'send-delivered';
  messageId: number;
}

export type SendAbortReason = 'nak-limit' | 'no-reply' | 'enq-refused' | 'receiver-interrupt' | 'cancelled';

/** An attempt to send a message ended (EOT) before its last frame was acknowledged; it is repeated in full if `willRetry`. */
export interface SendAbortedEvent {
  type: 'send-aborted';
  messageId: number;
  reason: SendAbortReason;
  text: string;
  willRetry: boolean;
  /** When the repeat may start (it also waits for a neutral line); null when the message is dropped. */
  retryAt: number | null;
}

/** The analyzer took the line first (contention) or answered our ENQ with NAK; the message waits, nothing was sent. */
export interface SendDeferredEvent {
  type: 'send-deferred';
  messageId: number;
  reason: 'contention' | 'enq-refused';
  text: string;
  retryAt: number | null;
}

export type AstmEvent =
  | FrameEvent
  | SessionStartEvent
  | SessionEndEvent
  | FrameRejectedEvent
  | StoreEvent
  | StoreFailedEvent
  | MessageEndEvent
  | DiscardedEvent
  | RecordWarningEvent
  | SendDeliveredEvent
  | SendAbortedEvent
  | SendDeferredEvent;
