import { resolveTimers, type AstmTimers } from './timers.ts';

/**
 * How a device frames its messages. `strict`: E1381 frames with frame numbers and checksums.
 * `simplified`: `STX records CR ETX`, no frame number, no checksum (Snibe Maglumi, Udichem).
 * `auto`: decided on the first frame after each ENQ and kept for that session.
 */
export type Framing = 'auto' | 'strict' | 'simplified';

/** The cloud's `connection_settings.charset`. Latin-1/Windows-1252 unless the device says otherwise. */
export type Charset = 'latin1' | 'windows-1252' | 'utf-8';

/**
 * LIS01-A2 allows frame text up to 64 000 characters; E1381-95 allowed 240. We receive both.
 * The limit bounds the memory one connection can hold for a frame in progress.
 */
export const MAX_FRAME_TEXT = 64_000;

/**
 * E1381-95's 240-character frame text: analyzers built to it reject longer frames, and every
 * analyzer built to LIS01-A2 accepts it, so it is what we send unless a profile says otherwise.
 */
export const MAX_SEND_FRAME_TEXT = 240;

/** 6.5.1.2: a frame that fails this many times ends the attempt (EOT). "5 NAKs then ACK" still delivers. */
export const MAX_FRAME_ATTEMPTS = 6;

/**
 * 6.2.6 asks for a bounded number of ENQ retries after NAKs and names no number; six, like frame
 * retries, gives a busy analyzer a minute (six 10 s waits) before the attempt is given up.
 */
export const MAX_ENQ_ATTEMPTS = 6;

/**
 * Ours: how many times a whole outbound message is tried before it is dropped with an event.
 * An order reply repeated much later than its query is worse than none, so this stays small.
 */
export const MAX_MESSAGE_ATTEMPTS = 3;

/**
 * Ours: the longest record (text between CRs, across ETB frames) we assemble. The largest seen
 * in the captures is a Yumizen histogram of about 4 KB; a record past this is a runaway sender
 * and is dropped with an event rather than growing memory without end.
 */
export const MAX_RECORD_TEXT = 1_000_000;

export interface AstmProfile {
  framing: Framing;
  charset: Charset;
  maxFrameText: number;
  maxSendFrameText: number;
  maxFrameAttempts: number;
  maxEnqAttempts: number;
  maxMessageAttempts: number;
  maxRecordText: number;
  timers: AstmTimers;
}

/** What a caller passes: any subset, timers included. */
export type AstmProfileOptions = Partial<Omit<AstmProfile, 'timers'>> & { timers?: Partial<AstmTimers> };

export function resolveProfile(options: AstmProfileOptions = {}): AstmProfile {
  const { timers, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return {
    framing: 'auto',
    charset: 'windows-1252',
    maxFrameText: MAX_FRAME_TEXT,
    maxSendFrameText: MAX_SEND_FRAME_TEXT,
    maxFrameAttempts: MAX_FRAME_ATTEMPTS,
    maxEnqAttempts: MAX_ENQ_ATTEMPTS,
    maxMessageAttempts: MAX_MESSAGE_ATTEMPTS,
    maxRecordText: MAX_RECORD_TEXT,
    ...defined,
    timers: resolveTimers(timers),
  };
}
