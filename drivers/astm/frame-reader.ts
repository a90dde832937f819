import { ACK, CR, ENQ, EOT, ETB, ETX, LF, NAK, STX } from './control.ts';
import { checksumText, hexDigitValue } from './checksum.ts';

/**
 * Cuts the incoming byte stream into frames and control characters, whatever pieces it arrives
 * in (a byte at a time, or many frames in one read). It checks what a frame can show by itself
 * (checksum, trailer, length, frame-number digit); frame sequence and sessions are the receiver's.
 *
 * The hot path: one pass over each byte (summing the checksum as it goes), no allocation per
 * byte or per frame. Each read is copied once, whole, so that frames lying inside it can be
 * handed out as views that stay valid; only a frame cut by the end of a read is copied again,
 * into one buffer bounded by the frame-size limit.
 */

/** `detect`: the first frame of a session decides (see `FrameToken.framing`). */
export type ReaderMode = 'strict' | 'simplified' | 'detect';

/** One object, reused for every frame: read it before asking the reader for the next token. */
export interface FrameToken {
  kind: 'frame';
  framing: 'strict' | 'simplified';
  /** STX through the frame's last byte: a view into the reader's copy of the input, which nothing overwrites, so it may be kept. */
  raw: Uint8Array;
  /** The record text: after the frame number (strict) or STX (simplified), before ETB/ETX. Same lifetime as `raw`. */
  text: Uint8Array;
  /** No byte of the frame has its high bit set: every charset decodes it the same way. */
  ascii: boolean;
  /** 0..7, or -1 for simplified framing or an unreadable number. */
  frameNumber: number;
  /** ETX (a record ends here) rather than ETB (the text goes on in the next frame). */
  end: boolean;
  /** null for simplified framing, which has no checksum. */
  checksumOk: boolean | null;
  /** Why the frame must be refused (NAK), for a technician; null when it is sound. */
  problem: string | null;
}

/** ENQ, EOT, ACK or NAK outside a frame. */
export interface ControlToken { kind: 'control'; byte: number }
/** Bytes outside any frame that mean nothing (a run of them is one token). CR and LF between frames are skipped silently. */
export interface JunkToken { kind: 'junk'; bytes: Uint8Array }
/** A frame cut short by the start of another (STX before its ETB/ETX). No reply is due: the next frame gets one. */
export interface BrokenToken { kind: 'broken'; reason: string; raw: Uint8Array }

export type ReaderToken = FrameToken | ControlToken | JunkToken | BrokenToken;

/** STX, frame number, ETB/ETX, two checksum characters, CR, LF around the text. */
export const FRAME_OVERHEAD = 7;

/**
 * Reads are copied into slabs of this size: one allocation serves many small reads (a TCP
 * segment carries 1460 bytes, a serial read often one frame), where one each cost more than
 * cutting the frames out of them. A read larger than a slab gets its own.
 */
const SLAB_BYTES = 64 * 1024;

const OUT = 0;
const NUMBER = 1;
const TEXT = 2;
const CHECK1 = 3;
const CHECK2 = 4;
const TRAILER_CR = 5;
const TRAILER_LF = 6;

/** Why a strict frame ended before its last byte. */
const CUT_CHECKSUM = 1;
const CUT_TRAILER = 2;

const EMPTY = new Uint8Array(0);
const DIGIT_0 = 0x30;
const DIGIT_7 = 0x37;
const DIGIT_9 = 0x39;
const LETTER_H = 0x48;

export class FrameReader {
  mode: ReaderMode = 'detect';

  /** Our own copy of the read being cut into frames. */
  private chunk: Uint8Array = EMPTY;
  private slab: Uint8Array = EMPTY;
  private slabUsed = 0;
  private pos = 0;
  /** The receiver waits for storage: input is kept, within a bound, not read. */
  private paused = false;
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;

  private state = OUT;
  private framing: 'strict' | 'simplified' = 'strict';
  private detected = false;
  private frameStart = 0;
  /** Bytes of the current frame that came in earlier chunks; `stored` of them are in `buf`. */
  private partial = 0;
  private stored = 0;
  private buf: Uint8Array = EMPTY;
  private overflow = false;
  /** This frame's STX came inside another frame (that one was cut short). */
  private restarted = false;
  private sum = 0;
  private high = 0;
  private end = false;
  /** Index of ETB/ETX within the frame's raw bytes. */
  private terminatorAt = 0;
  private check1 = 0;
  private check2 = 0;
  private trailerOk = false;
  private readonly token: FrameToken = {
    kind: 'frame', framing: 'strict', raw: EMPTY, text: EMPTY, ascii: true, frameNumber: -1, end: true, checksumOk: null, problem: null,
  };

  constructor(
    private readonly maxFrameText: number,
    private readonly maxQueuedBytes: number,
  ) {}

  /** Adds input (copied). Returns how many bytes were dropped because too much arrived while the receiver was waiting. */
  push(bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    if (!this.paused && this.pos >= this.chunk.length && this.queue.length === 0) {
      this.chunk = this.copy(bytes);
      this.pos = 0;
      return 0;
    }
    const room = this.paused ? Math.max(0, this.maxQueuedBytes - this.buffered()) : bytes.length;
    const kept = Math.min(room, bytes.length);
    if (kept > 0) {
      this.queue.push(this.copy(bytes.subarray(0, kept)));
      this.queuedBytes += kept;
    }
    return bytes.length - kept;
  }

  private copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length > SLAB_BYTES) return bytes.slice();
    if (this.slabUsed + bytes.length > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const copy = this.slab.subarray(this.slabUsed, this.slabUsed + bytes.length);
    copy.set(bytes);
    this.slabUsed += bytes.length;
    return copy;
  }

  /** Bytes this reader holds in memory: a frame in progress and input kept while the receiver waits. */
  buffered(): number {
    return this.stored + (this.paused ? this.chunk.length - this.pos : 0) + this.queuedBytes;
  }

  /** The receiver waits for storage: what arrives meanwhile is kept only up to the bound. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Forgets a frame in progress (the session it belonged to is over). */
  dropFrame(): void {
    this.state = OUT;
    this.partial = 0;
    this.stored = 0;
  }

  next(): ReaderToken | null {
    for (;;) {
      if (this.pos >= this.chunk.length && !this.nextChunk()) return null;
      let token: ReaderToken | null;
      switch (this.state) {
        case OUT: token = this.readOutside(); break;
        case NUMBER: token = this.readNumber(); break;
        case TEXT: token = this.readText(); break;
        case CHECK1: token = this.readCheck(1); break;
        case CHECK2: token = this.readCheck(2); break;
        default: token = this.readTrailer(); break;
      }
      if (token !== null) return token;
    }
  }

  private nextChunk(): boolean {
    if (this.state !== OUT) this.stash(this.chunk.length);
    const next = this.queue.shift();
    this.frameStart = 0;
    this.pos = 0;
    if (next === undefined) {
      this.chunk = EMPTY;
      return false;
    }
    this.queuedBytes -= next.length;
    this.chunk = next;
    return true;
  }

  /** Moves the current frame's bytes up to `upTo` of this chunk into `buf`, within the size limit. */
  private stash(upTo: number): void {
    const segment = this.chunk.subarray(this.frameStart, upTo);
    const total = this.partial + segment.length;
    if (!this.overflow && total > this.maxFrameText + FRAME_OVERHEAD) this.overflow = true;
    if (!this.overflow) {
      if (this.buf.length < total) {
        const grown = new Uint8Array(Math.min(Math.max(total, this.buf.length * 2, 256), this.maxFrameText + FRAME_OVERHEAD));
        grown.set(this.buf.subarray(0, this.stored));
        this.buf = grown;
      }
      this.buf.set(segment, this.stored);
      this.stored = total;
    }
    this.partial = total;
    this.frameStart = upTo;
  }

  private readOutside(): ReaderToken | null {
    const c = this.chunk;
    const i = this.pos;
    const b = c[i];
    if (b === STX) {
      this.beginFrame(i, false);
      return null;
    }
    if (b === ENQ || b === EOT || b === ACK || b === NAK) {
      this.pos = i + 1;
      return { kind: 'control', byte: b };
    }
    if (b === CR || b === LF) {
      this.pos = i + 1;
      return null;
    }
    let j = i + 1;
    for (; j < c.length; j++) {
      const x = c[j];
      if (x === STX || x === ENQ || x === EOT || x === ACK || x === NAK || x === CR || x === LF) break;
    }
    this.pos = j;
    return { kind: 'junk', bytes: c.subarray(i, j) };
  }

  private beginFrame(at: number, restarted: boolean): void {
    this.restarted = restarted;
    this.state = NUMBER;
    this.frameStart = at;
    this.pos = at + 1;
    this.partial = 0;
    this.stored = 0;
    this.overflow = false;
    this.sum = 0;
    this.high = 0;
  }

  private readNumber(): ReaderToken | null {
    const b = this.chunk[this.pos];
    this.detected = this.mode === 'detect';
    if (b === STX || b === ETX || b === ETB) {
      this.framing = this.mode === 'simplified' ? 'simplified' : 'strict';
      this.state = TEXT;
      return this.readText();
    }
    if (this.mode === 'detect') this.framing = b >= DIGIT_0 && b <= DIGIT_9 ? 'strict' : 'simplified';
    else this.framing = this.mode;
    this.sum = b;
    this.high = b;
    this.pos++;
    this.state = TEXT;
    return null;
  }

  private readText(): ReaderToken | null {
    const c = this.chunk;
    const n = c.length;
    let i = this.pos;
    let sum = this.sum;
    let high = this.high;
    for (; i < n; i++) {
      const b = c[i];
      if (b <= ETB && (b === ETX || b === ETB || b === STX)) break;
      sum += b;
      high |= b;
    }
    this.sum = sum;
    this.high = high;
    this.pos = i;
    if (i === n) return null;
    const b = c[i];
    if (b === STX) {
      const broken: BrokenToken = {
        kind: 'broken',
        reason: 'a frame was cut short by the start of another (STX before its ETB/ETX); it was dropped',
        raw: this.copy(this.frameBytes(i)),
      };
      this.beginFrame(i, true);
      return broken;
    }
    this.sum += b;
    this.end = b === ETX;
    this.terminatorAt = this.partial + (i - this.frameStart);
    this.pos = i + 1;
    if (this.framing === 'simplified') return this.complete(null);
    this.state = CHECK1;
    return null;
  }

  private readCheck(which: 1 | 2): ReaderToken | null {
    const b = this.chunk[this.pos];
    if (b === STX) return this.complete(CUT_CHECKSUM);
    this.pos++;
    if (which === 1) {
      this.check1 = b;
      this.state = CHECK2;
    } else {
      this.check2 = b;
      this.state = TRAILER_CR;
    }
    return null;
  }

  /**
   * A conforming sender sends CR LF after the checksum and then waits for our reply, so whatever
   * stands in their place is a damaged trailer and belongs to this frame; only STX, the start of
   * another frame, is left to be read again.
   */
  private readTrailer(): ReaderToken | null {
    const b = this.chunk[this.pos];
    if (b === STX) return this.complete(CUT_TRAILER);
    this.pos++;
    if (this.state === TRAILER_CR) {
      this.trailerOk = b === CR;
      this.state = TRAILER_LF;
      return null;
    }
    return this.complete(this.trailerOk && b === LF ? null : CUT_TRAILER);
  }

  /** The current frame's bytes from STX up to `upTo` in this chunk. */
  private frameBytes(upTo: number): Uint8Array {
    if (this.partial === 0) return this.chunk.subarray(this.frameStart, upTo);
    this.stash(upTo);
    return this.buf.subarray(0, this.stored);
  }

  private complete(cut: typeof CUT_CHECKSUM | typeof CUT_TRAILER | null): FrameToken {
    const whole = this.partial === 0;
    // A frame cut across reads was gathered in `buf`, which the next one reuses: copy it out.
    const raw = whole ? this.frameBytes(this.pos) : this.copy(this.frameBytes(this.pos));
    const length = whole ? raw.length : this.partial;
    this.state = OUT;
    this.partial = 0;
    this.stored = 0;
    const strict = this.framing === 'strict';
    const tooLong = this.overflow || length > this.maxFrameText + FRAME_OVERHEAD;
    const textStart = strict ? 2 : 1;
    const numberByte = raw.length > 1 && this.terminatorAt > 1 ? raw[1] : -1;
    const frameNumber = strict && numberByte >= DIGIT_0 && numberByte <= DIGIT_7 ? numberByte - DIGIT_0 : -1;
    const t = this.token;
    t.framing = this.framing;
    t.raw = raw;
    t.text = tooLong || this.terminatorAt < textStart ? EMPTY : raw.subarray(textStart, this.terminatorAt);
    t.ascii = (this.high & 0x80) === 0;
    t.frameNumber = frameNumber;
    t.end = this.end;
    t.checksumOk = null;
    t.problem = null;
    if (tooLong) {
      t.problem = `the frame is longer than ${this.maxFrameText} characters of text`;
    } else if (strict) {
      const h1 = hexDigitValue(this.check1);
      const h2 = hexDigitValue(this.check2);
      const computed = this.sum & 0xff;
      t.checksumOk = cut !== CUT_CHECKSUM && h1 >= 0 && h2 >= 0 && h1 * 16 + h2 === computed;
      if (cut === CUT_CHECKSUM) {
        t.problem = 'the frame ends without its two checksum characters';
      } else if (h1 < 0 || h2 < 0) {
        t.problem = `the checksum characters ${printable(this.check1)}${printable(this.check2)} are not hex digits`;
      } else if (!t.checksumOk) {
        t.problem = `checksum mismatch: the frame says ${printable(this.check1)}${printable(this.check2)}, its bytes add up to ${checksumText(computed)}`;
      } else if (cut === CUT_TRAILER) {
        t.problem = 'the checksum is not followed by CR LF';
      } else if (frameNumber < 0) {
        t.problem = `the frame number ${numberByte < 0 ? 'is missing' : `'${printable(numberByte)}' is not a digit 0 to 7`}`;
      }
    } else if (this.detected && (!looksLikeHeader(t.text) || this.restarted)) {
      // A restarted frame may be a strict one whose frame number was damaged into STX: its text
      // then starts with the header, and taking it for simplified framing would lock the session wrongly.
      t.problem = this.restarted
        ? 'the first frame began inside another one (STX, STX), so its framing cannot be told'
        : 'the first frame starts with neither a frame number nor a header record, so its framing cannot be told';
    }
    return t;
  }
}

/** `H` and a delimiter: a header record, the only record a message may start with. */
function looksLikeHeader(text: Uint8Array): boolean {
  if (text.length < 2 || text[0] !== LETTER_H) return false;
  const d = text[1];
  const alphanumeric = (d >= 0x30 && d <= 0x39) || (d >= 0x41 && d <= 0x5a) || (d >= 0x61 && d <= 0x7a);
  return !alphanumeric && d > 0x20;
}

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `<0x${byte.toString(16).padStart(2, '0')}>`;
}
