/**
 * ASTM E1381 (CLSI LIS01-A2) link layer and E1394 (LIS02-A2) records, sans-IO. The engine
 * creates one `AstmSession` per analyzer connection and feeds it bytes and the time.
 */
export { AstmSession, type AstmOutput } from './session.ts';
export type {
  AstmEvent,
  Direction,
  DiscardedEvent,
  FrameEvent,
  FrameKind,
  FrameRejectedEvent,
  MessageEndEvent,
  RecordWarningEvent,
  SendAbortReason,
  SendAbortedEvent,
  SendDeferredEvent,
  SendDeliveredEvent,
  SessionEndEvent,
  SessionEndReason,
  SessionStartEvent,
  StoreEvent,
  StoreFailedEvent,
} from './events.ts';
export type { OrderInContext, ResultInContext, StoreGroup } from './message-assembler.ts';
export {
  MAX_ENQ_ATTEMPTS,
  MAX_FRAME_ATTEMPTS,
  MAX_FRAME_TEXT,
  MAX_MESSAGE_ATTEMPTS,
  MAX_RECORD_TEXT,
  MAX_SEND_FRAME_TEXT,
  resolveProfile,
  type AstmProfile,
  type AstmProfileOptions,
  type Charset,
  type Framing,
} from './profile.ts';
export { LIS01_TIMERS, type AstmTimers } from './timers.ts';
export type { LineState } from './line-state.ts';
export * from './records/model.ts';
export { headerDelimiters, parseRecord } from './records/parse.ts';
export { encodeMessage, encodeRecord } from './records/encode.ts';
export { escapeText, unescapeText } from './records/escape.ts';
export * as build from './records/build.ts';
export { decodeBytes, encodeText } from './charset.ts';
