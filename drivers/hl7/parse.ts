/**
 * HL7 v2 message parsing with nothing lost: every segment keeps its raw text, fields are split
 * only when first read, and values are unescaped only when asked for. Z-segments and unknown
 * segments are kept like any other.
 */

import { decodeFrame, resolveCharset, LATIN1_CHARSET, type Hl7Charset } from './charset.ts';
import { DEFAULT_DELIMITERS, unescapeHl7, type ByteDecoder, type Hl7Delimiters } from './escape.ts';

export class Hl7ParseError extends Error {
  override readonly name = 'Hl7ParseError';
}

interface ParseContext {
  delimiters: Hl7Delimiters;
  decodeBytes: ByteDecoder;
  /** Char codes of the encoding characters (-1 when undeclared), read on every field access. */
  componentCode: number;
  repetitionCode: number;
  escapeCode: number;
  subcomponentCode: number;
}

/**
 * One segment, kept as offsets into the message text: field boundaries are found on first use by
 * scanning for the field separator, and a field's text is only cut out when it is asked for.
 */
export class Hl7Segment {
  /** Offsets of this segment's field separators in the message text (MSH-1 excluded), found on first use. */
  private seps: number[] | null = null;
  private rawText: string | null = null;
  private readonly isHeader: boolean;
  /** Bounds found by bounds()/locate(): offsets in the message text, so nothing is cut out until the value is known. */
  private lo = 0;
  private hi = 0;

  constructor(
    private readonly source: string,
    private readonly start: number,
    private readonly end: number,
    readonly name: string,
    private readonly ctx: ParseContext,
  ) {
    this.isHeader = name === 'MSH';
  }

  /** The segment as sent, without its terminator. */
  get raw(): string {
    if (this.rawText === null) this.rawText = this.source.slice(this.start, this.end);
    return this.rawText;
  }

  /** Raw fields indexed by HL7 field number (index 0 is the segment name; for MSH, index 1 is the field separator). */
  get fields(): string[] {
    const out: string[] = [];
    for (let n = 0; n <= this.fieldCount; n++) out.push(this.field(n));
    return out;
  }

  get fieldCount(): number {
    const seps = this.separators();
    return this.isHeader ? seps.length + 2 : seps.length;
  }

  /** Field n exactly as sent: separators and escapes included. */
  field(n: number): string {
    if (this.isHeader && n === 1) return this.ctx.delimiters.field;
    if (!this.bounds(n)) return '';
    return this.lo === this.hi ? '' : this.source.slice(this.lo, this.hi);
  }

  repetitions(n: number): string[] {
    const f = this.field(n);
    if (f === '') return [];
    if (this.isHeader && n <= 2) return [f];
    return f.split(this.ctx.delimiters.repetition);
  }

  /** Raw components of one repetition (1-based). */
  components(n: number, rep = 1): string[] {
    const r = this.repetition(n, rep);
    return r === '' ? [] : r.split(this.ctx.delimiters.component);
  }

  /** One decoded atom: repetition, component and sub-component are 1-based. */
  value(n: number, rep = 1, comp = 1, sub = 1): string {
    if (this.isHeader && n <= 2) return rep === 1 && comp === 1 && sub === 1 ? this.field(n) : '';
    if (rep === 1 && comp === 1 && sub === 1) {
      // Most fields are one plain atom: a single scan shows there is nothing to split or decode.
      if (!this.bounds(n)) return '';
      const from = this.lo;
      const to = this.hi;
      if (this.isPlain(from, to)) return from === to ? '' : this.source.slice(from, to);
    }
    if (!this.locate(n, rep, comp, sub)) return '';
    return this.decodeRange(this.lo, this.hi);
  }

  /** Decoded repetitions of a field whose repetitions are single atoms (OBX-8 flags, MSH-18); empty ones kept. */
  values(n: number): string[] {
    if (this.isHeader && n <= 2) return [this.field(n)];
    if (!this.bounds(n)) return [];
    const from = this.lo;
    const to = this.hi;
    if (from === to) return [];
    const comp = this.ctx.componentCode;
    const rep = this.ctx.repetitionCode;
    const sub = this.ctx.subcomponentCode;
    const out: string[] = [];
    let at = from;
    for (;;) {
      const found = rep < 0 ? -1 : this.find(rep, at, to);
      const end = found < 0 ? to : found;
      let atomEnd = end;
      for (let i = at; i < end; i++) {
        const ch = this.source.charCodeAt(i);
        if (ch === comp || ch === sub) {
          atomEnd = i;
          break;
        }
      }
      out.push(this.decodeRange(at, atomEnd));
      if (found < 0) return out;
      at = found + 1;
    }
  }

  /** A whole repetition (1-based) decoded, its component and sub-component separators left in place. */
  text(n: number, rep = 1): string {
    if (this.isHeader && n <= 2) return rep === 1 ? this.field(n) : '';
    if (!this.locate(n, rep, 0, 0)) return '';
    return this.decodeRange(this.lo, this.hi);
  }

  decode(raw: string): string {
    return unescapeHl7(raw, this.ctx.delimiters, this.ctx.decodeBytes);
  }

  private repetition(n: number, rep: number): string {
    const f = this.field(n);
    if (this.isHeader && n <= 2) return rep === 1 ? f : '';
    return pick(f, this.ctx.delimiters.repetition, rep);
  }

  /**
   * Narrows field n to one repetition, component and sub-component (1-based; 0 keeps the whole
   * level) and leaves the bounds in lo/hi. False when the field or the piece does not exist.
   */
  private locate(n: number, rep: number, comp: number, sub: number): boolean {
    if (!this.bounds(n)) return false;
    const ctx = this.ctx;
    return this.narrow(ctx.repetitionCode, rep) && this.narrow(ctx.componentCode, comp) && this.narrow(ctx.subcomponentCode, sub);
  }

  /** Keeps the k-th piece of lo..hi split by the character with code sep (k = 0 keeps all). */
  private narrow(sep: number, k: number): boolean {
    if (k === 0 || this.lo === this.hi) return true;
    if (sep < 0) return k === 1;
    let lo = this.lo;
    const hi = this.hi;
    for (let i = 1; i < k; i++) {
      const at = this.find(sep, lo, hi);
      if (at < 0) return false;
      lo = at + 1;
    }
    const end = this.find(sep, lo, hi);
    this.lo = lo;
    if (end >= 0) this.hi = end;
    return true;
  }

  private isPlain(from: number, to: number): boolean {
    const { componentCode: c, repetitionCode: r, escapeCode: e, subcomponentCode: s } = this.ctx;
    const text = this.source;
    for (let i = from; i < to; i++) {
      const ch = text.charCodeAt(i);
      if (ch === c || ch === r || ch === e || ch === s) return false;
    }
    return true;
  }

  /** Bounded search: indexOf would run on through the rest of the message when the character is rare. */
  private find(code: number, from: number, to: number): number {
    const text = this.source;
    for (let i = from; i < to; i++) if (text.charCodeAt(i) === code) return i;
    return -1;
  }

  private decodeRange(from: number, to: number): string {
    if (from === to) return '';
    const raw = this.source.slice(from, to);
    const esc = this.ctx.escapeCode;
    if (esc < 0) return raw;
    for (let i = from; i < to; i++) if (this.source.charCodeAt(i) === esc) return unescapeHl7(raw, this.ctx.delimiters, this.ctx.decodeBytes);
    return raw;
  }

  private separators(): number[] {
    if (this.seps !== null) return this.seps;
    const sep = this.ctx.delimiters.field;
    const text = this.source;
    let count = 0;
    // MSH-1 is the separator itself: MSH-2 starts right after it, so the scan starts past it.
    for (let i = text.indexOf(sep, this.isHeader ? this.start + 4 : this.start); i >= 0 && i < this.end; i = text.indexOf(sep, i + 1)) {
      scratch[count++] = i;
    }
    this.seps = scratch.slice(0, count);
    return this.seps;
  }

  /** Puts field n's offsets in lo/hi; false when the segment has no such field. */
  private bounds(n: number): boolean {
    const seps = this.separators();
    if (this.isHeader) {
      // MSH-1 (the separator) and MSH-2 (from just after it) are not delimited by earlier separators.
      if (n === 0) return this.set(this.start, this.start + 3);
      if (n === 2) return this.set(this.start + 4, seps.length > 0 ? seps[0] : this.end);
      const k = n - 3;
      if (k < 0 || k >= seps.length) return false;
      return this.set(seps[k] + 1, k + 1 < seps.length ? seps[k + 1] : this.end);
    }
    if (n === 0) return this.set(this.start, seps.length > 0 ? seps[0] : this.end);
    if (n - 1 >= seps.length) return false;
    return this.set(seps[n - 1] + 1, n < seps.length ? seps[n] : this.end);
  }

  private set(lo: number, hi: number): boolean {
    this.lo = lo;
    this.hi = hi;
    return true;
  }
}

/** Separator offsets are collected here, then copied out at their exact count: one allocation per segment. */
const scratch: number[] = [];

/** The k-th (1-based) piece of s split by sep, without splitting more than needed. */
function pick(s: string, sep: string, k: number): string {
  if (sep === '') return k === 1 ? s : '';
  let start = 0;
  for (let i = 1; i < k; i++) {
    const at = s.indexOf(sep, start);
    if (at < 0) return '';
    start = at + sep.length;
  }
  const end = s.indexOf(sep, start);
  return end < 0 ? (start === 0 ? s : s.slice(start)) : s.slice(start, end);
}

export class Hl7Message {
  constructor(
    readonly segments: Hl7Segment[],
    readonly delimiters: Hl7Delimiters,
    /** The charset the message was decoded with (or, for text input, would be written in). */
    readonly charset: Hl7Charset,
    /** MSH-18 as sent ('' when empty: the profile's charset was used). */
    readonly declaredCharset: string,
    /** Things the parser noticed without refusing the message (unknown charset, nameless segment). */
    readonly warnings: string[],
  ) {}

  get header(): Hl7Segment {
    return this.segments[0];
  }

  segment(name: string, occurrence = 1): Hl7Segment | undefined {
    let seen = 0;
    for (const s of this.segments) if (s.name === name && ++seen === occurrence) return s;
    return undefined;
  }

  all(name: string): Hl7Segment[] {
    return this.segments.filter((s) => s.name === name);
  }

  /** MSH-10. */
  get controlId(): string {
    return this.header.value(10);
  }

  /** MSH-9.1 (`ORU`). */
  get messageCode(): string {
    return this.header.value(9, 1, 1);
  }

  /** MSH-9.2 (`R01`). */
  get triggerEvent(): string {
    return this.header.value(9, 1, 2);
  }

  /** MSH-9 as `code^trigger` in the standard separator, whatever the message used. */
  get messageType(): string {
    const trigger = this.triggerEvent;
    return trigger === '' ? this.messageCode : `${this.messageCode}^${trigger}`;
  }

  /** MSH-12.1. */
  get version(): string {
    return this.header.value(12);
  }

  decode(raw: string): string {
    return unescapeHl7(raw, this.delimiters, this.charset === LATIN1_CHARSET ? latin1Bytes : (b) => this.charset.decode(b).text);
  }
}

const latin1Bytes: ByteDecoder = (bytes) => LATIN1_CHARSET.decode(bytes).text;

export interface ParseOptions {
  /** Charset for bytes whose MSH-18 is empty (the device profile's); Latin-1 by default. */
  charset?: string;
}

/**
 * Parses one message from a whole frame's bytes (charset from MSH-18, else options.charset) or from
 * text already decoded. Throws Hl7ParseError when there is no usable MSH segment.
 */
export function parseHl7(input: string | Uint8Array, options: ParseOptions = {}): Hl7Message {
  const fallback = options.charset ?? '8859/1';
  if (typeof input !== 'string') {
    const frame = decodeFrame(input, fallback);
    return parseText(frame.text, frame.charset, frame.declared, frame.warnings);
  }
  return parseText(input, null, null, [], fallback);
}

function parseText(
  input: string,
  knownCharset: Hl7Charset | null,
  knownDeclared: string | null,
  warnings: string[],
  fallback = '8859/1',
): Hl7Message {
  let start = 0;
  while (start < input.length && (input.charCodeAt(start) === 13 || input.charCodeAt(start) === 10)) start++;
  const text = start === 0 ? input : input.slice(start);
  if (!text.startsWith('MSH')) {
    throw new Hl7ParseError(`message does not start with an MSH segment (starts with ${JSON.stringify(text.slice(0, 20))})`);
  }
  const delimiters = readDelimiters(text);
  let charset = knownCharset;
  let declared = knownDeclared;
  const segments: Hl7Segment[] = [];
  const code = (ch: string) => (ch === '' ? -1 : ch.charCodeAt(0));
  const ctx: ParseContext = {
    delimiters,
    decodeBytes: latin1Bytes,
    componentCode: code(delimiters.component),
    repetitionCode: code(delimiters.repetition),
    escapeCode: code(delimiters.escape),
    subcomponentCode: code(delimiters.subcomponent),
  };
  const hasLf = text.indexOf('\n') >= 0;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\r', at);
    if (hasLf) {
      const lf = text.indexOf('\n', at);
      if (lf >= 0 && (end < 0 || lf < end)) end = lf;
    }
    if (end < 0) end = text.length;
    if (end > at) {
      const name = segmentName(text, at, end, delimiters.field);
      if (name === '') warnings.push(`segment ${segments.length + 1} has no valid segment name: ${JSON.stringify(text.slice(at, Math.min(end, at + 30)))}`);
      segments.push(new Hl7Segment(text, at, end, name, ctx));
    }
    // CRLF is one terminator; any other CR or LF ends a (possibly empty) segment on its own.
    at = text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
  }
  if (charset === null || declared === null) {
    declared = segments[0].values(18)[0]?.trim() ?? '';
    charset = resolveCharset(declared === '' ? fallback : declared) ?? LATIN1_CHARSET;
  }
  if (charset !== LATIN1_CHARSET) {
    const cs = charset;
    ctx.decodeBytes = (b) => cs.decode(b).text;
  }
  return new Hl7Message(segments, delimiters, charset, declared, warnings);
}

/** Nearly every message declares the standard set: recognised without the checks below. */
const STANDARD_HEADER = 'MSH|^~\\&|';

function readDelimiters(text: string): Hl7Delimiters {
  if (text.startsWith(STANDARD_HEADER)) return DEFAULT_DELIMITERS;
  const field = text.charAt(3);
  if (field === '' || /[A-Za-z0-9\r\n]/.test(field)) {
    throw new Hl7ParseError(`MSH-1 field separator ${JSON.stringify(field)} is not usable`);
  }
  const end = text.indexOf(field, 4);
  const lineEnd = firstLineEnd(text);
  const enc = text.slice(4, end < 0 || end > lineEnd ? lineEnd : end);
  if (enc.length < 2 || enc.length > 5) {
    throw new Hl7ParseError(`MSH-2 encoding characters ${JSON.stringify(enc)} must be 2 to 5 characters`);
  }
  const chars = [field, ...enc];
  if (new Set(chars).size !== chars.length || /[A-Za-z0-9 ]/.test(enc)) {
    throw new Hl7ParseError(`MSH-2 encoding characters ${JSON.stringify(enc)} must be distinct non-alphanumeric characters`);
  }
  return {
    field,
    component: enc.charAt(0),
    repetition: enc.charAt(1),
    escape: enc.charAt(2),
    subcomponent: enc.charAt(3),
    truncation: enc.charAt(4),
  };
}

function firstLineEnd(text: string): number {
  const cr = text.indexOf('\r');
  const lf = text.indexOf('\n');
  if (cr < 0) return lf < 0 ? text.length : lf;
  return lf < 0 || cr < lf ? cr : lf;
}

/** Three characters, an upper-case letter then letters or digits (Z-segments included), then the field separator or the end. */
function segmentName(text: string, start: number, end: number, fieldSep: string): string {
  if (end - start < 3) return '';
  const a = text.charCodeAt(start);
  if (a < 65 || a > 90) return '';
  for (let k = 1; k < 3; k++) {
    const c = text.charCodeAt(start + k);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return '';
  }
  if (end - start > 3 && text.charAt(start + 3) !== fieldSep) return '';
  const name = text.slice(start, start + 3);
  return COMMON_NAMES.get(name) ?? name;
}

/** Interned names of the segments met in every message, so name comparisons stay cheap. */
const COMMON_NAMES = new Map(['MSH', 'PID', 'PV1', 'OBR', 'OBX', 'ORC', 'MSA', 'QRD', 'QRF', 'NTE', 'ERR'].map((n) => [n, n]));
