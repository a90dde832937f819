/**
 * Turns the traffic archive's byte chunks into the lines a person reads in the inspector: one line
 * per control character (ENQ, ACK, NAK, EOT), per ASTM frame (STX … ETX|ETB, checksum, CR LF), per
 * HL7 message (VT … FS CR) and per run of bytes outside any of those. Written apart from the
 * drivers on purpose: the inspector checks the wire itself (checksums are recomputed here from the
 * bytes), so it shows what a driver got wrong instead of repeating it.
 *
 * Each direction has its own state, since a frame may arrive in several chunks while the other side
 * answers in between. A line takes its place in time order at its first byte and is completed as
 * its remaining bytes arrive.
 */

import { ACK, CR, ENQ, EOT, ETB, ETX, LF, NAK, STX } from '../../../drivers/astm/control.ts';
import { FS, VT } from '../../../drivers/hl7/mllp-framer.ts';

export const CONTROL_NAMES: Record<number, string> = {
  [STX]: 'STX',
  [ETX]: 'ETX',
  [EOT]: 'EOT',
  [ENQ]: 'ENQ',
  [ACK]: 'ACK',
  [LF]: 'LF',
  [VT]: 'VT',
  [CR]: 'CR',
  [NAK]: 'NAK',
  [ETB]: 'ETB',
  [FS]: 'FS',
};

/** A run of bytes outside frames is cut into lines at LF, or at this length. */
const MAX_TEXT_LINE = 1024;

export type Direction = 'in' | 'out';
export type LineKind = 'control' | 'frame' | 'mllp' | 'text';

export interface ArchiveChunk {
  id?: number;
  at: number;
  direction: Direction;
  bytes: Uint8Array;
  summary?: string;
  simulated?: boolean;
}

export interface Checksum {
  sent: string;
  computed: string;
  ok: boolean;
}

export interface WireLine {
  /** Position in time order. */
  n: number;
  at: number;
  dir: Direction;
  kind: LineKind;
  /** A growing array while the line is incomplete, then a compact copy. */
  bytes: ArrayLike<number>;
  /** For control lines: `ENQ`, `ACK`, `NAK`, `EOT`. */
  control?: string;
  frameNo?: number;
  end?: 'ETX' | 'ETB';
  /** Undefined while the frame is incomplete or when it carries none (simplified framing). */
  checksum?: Checksum;
  /** Records that end in this line (ASTM: joined across ETB frames; HL7: segments). */
  records: string[];
  /** What the other side answered: ACK/NAK to an ENQ or a frame, or an HL7 accept/reject. */
  reply?: { what: string; ok: boolean; afterMs: number };
  simulated: boolean;
  /** The engine's own remark when it adds something the bytes do not say (stale bytes). */
  note?: string;
  complete: boolean;
}

interface DirState {
  mode: 'idle' | 'frame' | 'trailer' | 'mllp' | 'mllp-end' | 'text';
  line: WireLine | null;
  /** The open line's bytes so far (the same array as its `bytes` until it completes). */
  buf: number[];
  trailerHex: number;
  trailerCr: boolean;
  /** ASTM record text continued from an ETB frame. */
  carry: string;
  /** The last line of this direction that waits for the other side's answer. */
  awaiting: WireLine | null;
  awaitingSince: number;
}

const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

function latin1(bytes: number[], from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** E1381: the sum of the bytes from the frame number through ETB/ETX, modulo 256, as two hex digits. */
export function e1381Checksum(bytes: ArrayLike<number>, from: number, toInclusive: number): string {
  let sum = 0;
  for (let i = from; i <= toInclusive; i++) sum = (sum + bytes[i]) & 0xff;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** The fields of an ASTM or HL7 record (split at `|`), labelled as the standards number them. */
export function recordFields(record: string): { label: string; value: string }[] {
  const parts = record.split('|');
  const type = parts[0] ?? '';
  const hl7 = /^[A-Z][A-Z0-9]{2}$/.test(type);
  if (hl7) {
    // HL7: MSH-1 is the field separator itself, so MSH's fields are numbered one higher.
    const shift = type === 'MSH' ? 1 : 0;
    return parts.map((value, i) => ({ label: i === 0 ? type : `${type}-${i + shift}`, value }));
  }
  // ASTM: the record type is field 1 (`R-1`), the sequence number field 2, and so on.
  return parts.map((value, i) => ({ label: `${type || '?'}-${i + 1}`, value }));
}

/** What an HL7 acknowledgement (MSA-1) says, if the message is one. */
function hl7Ack(records: string[]): { what: string; ok: boolean } | null {
  const msa = records.find((r) => r.startsWith('MSA|'));
  if (!msa) return null;
  const code = msa.split('|')[1] ?? '';
  return { what: code || 'MSA', ok: code === 'AA' || code === 'CA' };
}

/**
 * Incremental parser: feed archive chunks in archive order; read `lines`. `dirtyFrom` tells the
 * view the first line that was added or changed since it last looked.
 */
export class WireLineParser {
  readonly lines: WireLine[] = [];
  /** Lowest index of a line added or changed since `takeDirty()`. */
  private dirty = Number.POSITIVE_INFINITY;
  private readonly state: Record<Direction, DirState> = {
    in: { mode: 'idle', line: null, buf: [], trailerHex: 0, trailerCr: false, carry: '', awaiting: null, awaitingSince: 0 },
    out: { mode: 'idle', line: null, buf: [], trailerHex: 0, trailerCr: false, carry: '', awaiting: null, awaitingSince: 0 },
  };
  /** Archive id of the last chunk fed. */
  lastId = 0;
  bytesIn = 0;

  push(chunk: ArchiveChunk): void {
    if (chunk.id !== undefined) this.lastId = chunk.id;
    const st = this.state[chunk.direction];
    const simulated = !!chunk.simulated;
    const note = chunk.summary && chunk.summary.startsWith('stale') ? chunk.summary : undefined;
    const bytes = chunk.bytes;
    if (chunk.direction === 'in') this.bytesIn += bytes.length;
    for (let i = 0; i < bytes.length; i++) this.byte(st, chunk, bytes[i], simulated, note);
    // A run of loose text is shown as it stands at the end of a chunk, and continued by the next.
  }

  pushAll(chunks: Iterable<ArchiveChunk>): void {
    for (const c of chunks) this.push(c);
  }

  /** The first line that changed since the last call, or null; then forgets. */
  takeDirty(): number | null {
    const d = this.dirty;
    this.dirty = Number.POSITIVE_INFINITY;
    return Number.isFinite(d) ? d : null;
  }

  private touch(line: WireLine): void {
    if (line.n < this.dirty) this.dirty = line.n;
  }

  private open(st: DirState, chunk: ArchiveChunk, kind: LineKind, simulated: boolean, note: string | undefined): WireLine {
    st.buf = [];
    const line: WireLine = { n: this.lines.length, at: chunk.at, dir: chunk.direction, kind, bytes: st.buf, records: [], simulated, complete: false, ...(note ? { note } : {}) };
    this.lines.push(line);
    this.touch(line);
    st.line = line;
    return line;
  }

  private byte(st: DirState, chunk: ArchiveChunk, b: number, simulated: boolean, note: string | undefined): void {
    const line = st.line;
    switch (st.mode) {
      case 'frame':
        if (b === STX || b === ENQ || b === EOT) {
          // A frame broken off: close it as it is, then read this byte afresh.
          this.finishFrame(st, chunk.at);
          return this.byte(st, chunk, b, simulated, note);
        }
        st.buf.push(b);
        if (b === ETX || b === ETB) {
          line!.end = b === ETX ? 'ETX' : 'ETB';
          st.mode = 'trailer';
          st.trailerHex = 0;
          st.trailerCr = false;
          // The receiver may answer before the checksum's CR LF is read (simplified framing).
          this.await(st, line!, chunk.at);
        }
        this.touch(line!);
        return;
      case 'trailer':
        if (!st.trailerCr && st.trailerHex < 2 && isHex(b)) {
          st.buf.push(b);
          st.trailerHex++;
          this.touch(line!);
          return;
        }
        if (!st.trailerCr && b === CR) {
          st.buf.push(b);
          st.trailerCr = true;
          this.touch(line!);
          return;
        }
        if (b === LF && (st.trailerCr || st.trailerHex > 0)) {
          st.buf.push(b);
          this.finishFrame(st, chunk.at);
          return;
        }
        this.finishFrame(st, chunk.at);
        return this.byte(st, chunk, b, simulated, note);
      case 'mllp':
        st.buf.push(b);
        if (b === FS) st.mode = 'mllp-end';
        this.touch(line!);
        return;
      case 'mllp-end':
        if (b === CR) {
          st.buf.push(b);
          this.finishMllp(st, chunk.at);
          return;
        }
        this.finishMllp(st, chunk.at);
        return this.byte(st, chunk, b, simulated, note);
      case 'text':
        if (b === STX || b === VT || b === ENQ || b === ACK || b === NAK || b === EOT) {
          this.finishText(st);
          return this.byte(st, chunk, b, simulated, note);
        }
        st.buf.push(b);
        this.touch(line!);
        if (b === LF || st.buf.length >= MAX_TEXT_LINE) this.finishText(st);
        return;
      case 'idle':
        break;
    }
    if (b === STX) {
      this.open(st, chunk, 'frame', simulated, note);
      st.buf.push(b);
      st.mode = 'frame';
      return;
    }
    if (b === VT) {
      this.open(st, chunk, 'mllp', simulated, note);
      st.buf.push(b);
      st.mode = 'mllp';
      return;
    }
    if (b === ENQ || b === ACK || b === NAK || b === EOT) {
      const l = this.open(st, chunk, 'control', simulated, note);
      l.bytes = Uint8Array.of(b);
      l.control = CONTROL_NAMES[b];
      l.complete = true;
      st.line = null;
      if (b === ENQ) this.await(st, l, chunk.at);
      else if (b === ACK || b === NAK) this.answer(chunk.direction, l.control, b === ACK, chunk.at);
      else if (b === EOT) {
        // The end of a transmission: nothing of the sender's waits for an answer any more.
        st.awaiting = null;
      }
      return;
    }
    this.open(st, chunk, 'text', simulated, note);
    st.buf.push(b);
    st.mode = 'text';
    if (b === LF) this.finishText(st);
  }

  private await(st: DirState, line: WireLine, at: number): void {
    st.awaiting = line;
    st.awaitingSince = at;
  }

  /** An ACK/NAK (or HL7 acknowledgement) from `dir` answers what the other side sent last. */
  private answer(dir: Direction, what: string, ok: boolean, at: number): void {
    const other = this.state[dir === 'in' ? 'out' : 'in'];
    const line = other.awaiting;
    if (!line || line.reply) return;
    line.reply = { what, ok, afterMs: Math.max(0, at - other.awaitingSince) };
    other.awaiting = null;
    this.touch(line);
  }

  private finishFrame(st: DirState, _at: number): void {
    const line = st.line!;
    const b = st.buf;
    const endIdx = line.end ? b.lastIndexOf(line.end === 'ETX' ? ETX : ETB) : -1;
    const textEnd = endIdx >= 0 ? endIdx : b.length;
    const fnByte = b[1];
    const strictTrailer = endIdx >= 0 && st.trailerHex === 2;
    // A frame number is a digit 0–7 right after STX; simplified framing starts with the record type.
    const numbered = fnByte !== undefined && fnByte >= 0x30 && fnByte <= 0x37;
    if (numbered) line.frameNo = fnByte - 0x30;
    if (strictTrailer) {
      const sent = String.fromCharCode(b[endIdx + 1], b[endIdx + 2]).toUpperCase();
      const computed = e1381Checksum(b, 1, endIdx);
      line.checksum = { sent, computed, ok: sent === computed };
    }
    const text = latin1(b, numbered ? 2 : 1, textEnd);
    const all = st.carry + text;
    const parts = all.split('\r');
    if (line.end === 'ETB') st.carry = parts.pop() ?? '';
    else st.carry = '';
    line.records = parts.map((r) => r.replace(/^\n+/, '')).filter((r) => r !== '');
    this.close(st, line);
  }

  /** The line is whole: its bytes move to a compact copy. */
  private close(st: DirState, line: WireLine): void {
    line.bytes = Uint8Array.from(st.buf);
    st.buf = [];
    line.complete = true;
    st.line = null;
    st.mode = 'idle';
    this.touch(line);
  }

  private finishMllp(st: DirState, at: number): void {
    const line = st.line!;
    const b = st.buf;
    const fs = b.lastIndexOf(FS);
    const body = latin1(b, 1, fs >= 0 ? fs : b.length);
    line.records = body.split('\r').map((r) => r.replace(/^\n+/, '')).filter((r) => r !== '');
    this.close(st, line);
    const ack = hl7Ack(line.records);
    if (ack) this.answer(line.dir, ack.what, ack.ok, at);
    else this.await(st, line, at);
  }

  private finishText(st: DirState): void {
    this.close(st, st.line!);
  }
}

/** True when a person would want to look at this line: a failed checksum, a NAK, a rejection, stale bytes. */
export function isProblem(line: WireLine): boolean {
  return (line.checksum !== undefined && !line.checksum.ok) || line.control === 'NAK' || (line.reply !== undefined && !line.reply.ok) || line.note !== undefined;
}

export interface VisibleSegment {
  text: string;
  control: boolean;
}

/** The line's bytes as text, control characters as ⟨NAME⟩ symbols (others as ⟨1B⟩). */
export function visibleSegments(bytes: ArrayLike<number>, decoder?: TextDecoder): VisibleSegment[] {
  const out: VisibleSegment[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    out.push({ text: decoder ? decoder.decode(Uint8Array.from(run)) : String.fromCharCode(...run), control: false });
    run = [];
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x20 || b === 0x7f) {
      flush();
      const name = CONTROL_NAMES[b] ?? b.toString(16).toUpperCase().padStart(2, '0');
      out.push({ text: `⟨${name}⟩`, control: true });
    } else {
      run.push(b);
      if (run.length >= 4096) flush();
    }
  }
  flush();
  return out;
}

export function visibleText(bytes: ArrayLike<number>, decoder?: TextDecoder): string {
  return visibleSegments(bytes, decoder)
    .map((s) => s.text)
    .join('');
}

export function hexDump(bytes: ArrayLike<number>, max = 1024): string {
  const out: string[] = [];
  for (let i = 0; i < Math.min(bytes.length, max); i++) out.push(bytes[i].toString(16).toUpperCase().padStart(2, '0'));
  return out.join(' ') + (bytes.length > max ? ' …' : '');
}
