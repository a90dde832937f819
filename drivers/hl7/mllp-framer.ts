/**
 * MLLP (HL7 v2 Minimal Lower Layer Protocol) block framing: `VT <message> FS CR`.
 *
 * Bytes go in as TCP delivers them; whole frames come out as bytes, still undecoded, because the
 * charset is only known once MSH-18 can be read, and a UTF-8 character may straddle two reads.
 */

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;
const LF = 0x0a;

/**
 * Bytes kept from the start of a frame that overran the size limit: MSH is 100–300 bytes, so 4 KiB
 * keeps it whole and the session can still name the message (MSH-10) when it rejects it.
 */
export const TOO_LARGE_HEAD_BYTES = 4096;

export type FramerItem =
  | { type: 'frame'; bytes: Uint8Array }
  | { type: 'junk'; bytes: Uint8Array; reason: string }
  | { type: 'frame-too-large'; size: number; limit: number; head: Uint8Array; complete: boolean };

type FramerState = 'between' | 'in-frame' | 'discarding' | 'after-end';

const EMPTY = new Uint8Array(0);

export function frameMllp(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(message.length + 3);
  out[0] = VT;
  out.set(message, 1);
  out[message.length + 1] = FS;
  out[message.length + 2] = CR;
  return out;
}

export class MllpFramer {
  private state: FramerState = 'between';
  private parts: Uint8Array[] = [];
  private size = 0;
  private head: Uint8Array = EMPTY;
  /** Whether the last part still views the caller's chunk, which the caller may reuse. */
  private lastPartBorrowed = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held for a frame whose end block has not arrived yet. */
  get pendingBytes(): number {
    return this.state === 'in-frame' || this.state === 'discarding' ? this.size : 0;
  }

  push(chunk: Uint8Array): FramerItem[] {
    const out: FramerItem[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.state === 'after-end') {
        // FS and CR may come in separate reads: the frame was delivered at FS, the CR is swallowed here.
        if (chunk[i] === CR) i++;
        this.state = 'between';
        continue;
      }
      if (this.state === 'between') {
        const vt = chunk.indexOf(VT, i);
        const gapEnd = vt < 0 ? n : vt;
        if (gapEnd > i) reportGap(chunk.subarray(i, gapEnd), out);
        if (vt < 0) break;
        this.startFrame();
        i = vt + 1;
        continue;
      }
      const fs = chunk.indexOf(FS, i);
      const stop = fs < 0 ? n : fs;
      const vtInside = chunk.subarray(i, stop).indexOf(VT);
      if (vtInside >= 0) {
        this.take(chunk.subarray(i, i + vtInside));
        out.push(this.abandon());
        this.startFrame();
        i += vtInside + 1;
        continue;
      }
      this.take(chunk.subarray(i, stop));
      if (fs < 0) break;
      out.push(this.finish());
      this.state = 'after-end';
      i = fs + 1;
    }
    if (this.lastPartBorrowed) {
      const last = this.parts.length - 1;
      this.parts[last] = this.parts[last].slice();
      this.lastPartBorrowed = false;
    }
    return out;
  }

  private startFrame(): void {
    this.state = 'in-frame';
    this.parts = [];
    this.size = 0;
    this.head = EMPTY;
  }

  private take(part: Uint8Array): void {
    if (part.length === 0) return;
    if (this.state === 'in-frame' && this.size + part.length > this.maxFrameBytes) {
      this.state = 'discarding';
      this.head = concat(this.parts, Math.min(this.size, TOO_LARGE_HEAD_BYTES));
      this.parts = [];
      this.lastPartBorrowed = false;
    }
    if (this.state === 'discarding') {
      if (this.head.length < TOO_LARGE_HEAD_BYTES) {
        const more = part.subarray(0, TOO_LARGE_HEAD_BYTES - this.head.length);
        this.head = concat([this.head, more], this.head.length + more.length);
      }
      this.size += part.length;
      return;
    }
    this.parts.push(part);
    this.size += part.length;
    this.lastPartBorrowed = true;
  }

  private finish(): FramerItem {
    if (this.state === 'discarding') return this.tooLarge(true);
    const bytes = concat(this.parts, this.size);
    this.parts = [];
    this.lastPartBorrowed = false;
    return { type: 'frame', bytes };
  }

  private abandon(): FramerItem {
    if (this.state === 'discarding') return this.tooLarge(false);
    const partial = concat(this.parts, this.size);
    const bytes = new Uint8Array(partial.length + 1);
    bytes[0] = VT;
    bytes.set(partial, 1);
    this.parts = [];
    this.lastPartBorrowed = false;
    return {
      type: 'junk',
      bytes,
      reason: 'frame interrupted: a new start block (VT) arrived before this frame\'s end block (FS); the partial frame is discarded',
    };
  }

  private tooLarge(complete: boolean): FramerItem {
    const item: FramerItem = { type: 'frame-too-large', size: this.size, limit: this.maxFrameBytes, head: this.head, complete };
    this.head = EMPTY;
    return item;
  }
}

/** CR and LF between frames are line noise some senders add after `FS CR`; anything else is junk. */
function reportGap(gap: Uint8Array, out: FramerItem[]): void {
  for (let k = 0; k < gap.length; k++) {
    const b = gap[k];
    if (b !== CR && b !== LF) {
      out.push({ type: 'junk', bytes: gap.slice(), reason: 'bytes outside a VT…FS CR frame were skipped' });
      return;
    }
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    if (at >= total) break;
    const room = total - at;
    const piece = p.length > room ? p.subarray(0, room) : p;
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
