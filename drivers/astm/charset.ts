import type { Charset } from './profile.ts';

/**
 * Bytes to text and back, per the device's charset, without ever losing a byte: an accented
 * letter must not NAK a frame or vanish from a patient's name. Our own code does every decoding
 * where the charset matters: TextDecoder's UTF-8 replaces bad bytes with U+FFFD, and its
 * "latin1" label silently means Windows-1252. Pure ASCII reads the same in every charset, and
 * only there TextDecoder is used, because it is several times faster than anything in script.
 *
 * UTF-8 that is not valid keeps each bad byte as a lone surrogate U+DC80..U+DCFF (the
 * "surrogateescape" scheme of PEP 383): the text shows where it was, and encoding gives the
 * byte back.
 */

/** `String.fromCharCode.apply` takes its arguments on the stack; stay well below engine limits. */
const FROM_CHAR_CODE_CHUNK = 8192;

function fromCodes(codes: ArrayLike<number>, start: number, end: number): string {
  if (end - start <= FROM_CHAR_CODE_CHUNK) {
    return String.fromCharCode.apply(null, (codes as Uint8Array).subarray(start, end) as unknown as number[]);
  }
  let text = '';
  for (let i = start; i < end; i += FROM_CHAR_CODE_CHUNK) {
    const stop = Math.min(end, i + FROM_CHAR_CODE_CHUNK);
    text += String.fromCharCode.apply(null, (codes as Uint8Array).subarray(i, stop) as unknown as number[]);
  }
  return text;
}

/** Windows-1252's 0x80..0x9F. The five bytes it leaves undefined map to the C1 controls, as WHATWG does, so none is lost. */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];
const CP1252_REVERSE = new Map<number, number>(CP1252_HIGH.map((code, i) => [code, 0x80 + i]));

/** Lone surrogates standing for bytes that were not valid UTF-8. */
const ESCAPED_BYTE_BASE = 0xdc00;

export interface Decoded {
  text: string;
  /** UTF-8 only: the bytes of a character cut by the end of the frame, to be completed by the next. */
  rest: Uint8Array | null;
  /** UTF-8 only: bytes that were not valid UTF-8 and are kept as U+DC80..U+DCFF. */
  escaped: number;
}

/**
 * Decodes `bytes`. `ascii` (no byte has the high bit set, known from the frame scan) lets every
 * charset take the same fast path. `carry` is the `rest` of the previous call; `final` says no
 * more text follows, so a cut character is kept as escaped bytes instead of carried.
 */
export function decodeBytes(charset: Charset, bytes: Uint8Array, ascii: boolean, carry: Uint8Array | null, final: boolean): Decoded {
  if (charset === 'utf-8' && (carry !== null || !ascii)) return decodeUtf8(joinBytes(carry, bytes), final);
  if (ascii) return { text: ASCII.decode(bytes), rest: null, escaped: 0 };
  if (charset === 'latin1') return { text: fromCodes(bytes, 0, bytes.length), rest: null, escaped: 0 };
  return { text: decodeWindows1252(bytes), rest: null, escaped: 0 };
}

/** Only ever given bytes below 0x80, where every charset agrees and nothing can be replaced. */
const ASCII = new TextDecoder('utf-8');

function joinBytes(head: Uint8Array | null, tail: Uint8Array): Uint8Array {
  if (head === null || head.length === 0) return tail;
  const joined = new Uint8Array(head.length + tail.length);
  joined.set(head, 0);
  joined.set(tail, head.length);
  return joined;
}

function decodeWindows1252(bytes: Uint8Array): string {
  const codes = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    codes[i] = b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : b;
  }
  return fromCodes(codes as unknown as Uint8Array, 0, codes.length);
}

/** How many bytes a UTF-8 sequence starting with `lead` has, or 0 when `lead` cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

function decodeUtf8(bytes: Uint8Array, final: boolean): Decoded {
  const codes = new Uint16Array(bytes.length);
  let n = 0;
  let escaped = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      codes[n++] = b;
      i++;
      continue;
    }
    const len = sequenceLength(b);
    if (len > 0 && i + len > bytes.length && !final && continuationsValid(bytes, i, bytes.length)) {
      return { text: fromCodes(codes as unknown as Uint8Array, 0, n), rest: bytes.slice(i), escaped };
    }
    const cp = len > 0 && i + len <= bytes.length ? codePointAt(bytes, i, len) : -1;
    if (cp < 0) {
      codes[n++] = ESCAPED_BYTE_BASE + b;
      escaped++;
      i++;
      continue;
    }
    if (cp >= 0x10000) {
      const v = cp - 0x10000;
      codes[n++] = 0xd800 + (v >> 10);
      codes[n++] = 0xdc00 + (v & 0x3ff);
    } else {
      codes[n++] = cp;
    }
    i += len;
  }
  return { text: fromCodes(codes as unknown as Uint8Array, 0, n), rest: null, escaped };
}

function continuationsValid(bytes: Uint8Array, from: number, to: number): boolean {
  for (let k = from + 1; k < to; k++) if ((bytes[k] & 0xc0) !== 0x80) return false;
  return true;
}

/** The code point of a complete sequence, or -1 when it is malformed, overlong, a surrogate or out of range. */
function codePointAt(bytes: Uint8Array, i: number, len: number): number {
  if (!continuationsValid(bytes, i, i + len)) return -1;
  const b0 = bytes[i];
  let cp: number;
  if (len === 2) cp = ((b0 & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
  else if (len === 3) cp = ((b0 & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
  else cp = ((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
  const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  return cp;
}

export interface Encoded {
  bytes: Uint8Array;
  /** Characters the charset has no byte for; each was sent as `?`. */
  unmappable: number;
}

const QUESTION_MARK = 0x3f;

export function encodeText(charset: Charset, text: string): Encoded {
  if (charset === 'utf-8') return encodeUtf8(text);
  const bytes = new Uint8Array(text.length);
  let unmappable = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let b: number | undefined;
    if (charset === 'latin1') b = c <= 0xff ? c : undefined;
    else b = c < 0x80 || (c >= 0xa0 && c <= 0xff) ? c : CP1252_REVERSE.get(c);
    if (b === undefined) {
      unmappable++;
      b = QUESTION_MARK;
    }
    bytes[i] = b;
  }
  return { bytes, unmappable };
}

function encodeUtf8(text: string): Encoded {
  const bytes = new Uint8Array(text.length * 3);
  let n = 0;
  let unmappable = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      bytes[n++] = c - ESCAPED_BYTE_BASE;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      unmappable++;
      bytes[n++] = QUESTION_MARK;
    } else if (c < 0x80) {
      bytes[n++] = c;
    } else if (c < 0x800) {
      bytes[n++] = 0xc0 | (c >> 6);
      bytes[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      bytes[n++] = 0xe0 | (c >> 12);
      bytes[n++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[n++] = 0x80 | (c & 0x3f);
    } else {
      bytes[n++] = 0xf0 | (c >> 18);
      bytes[n++] = 0x80 | ((c >> 12) & 0x3f);
      bytes[n++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[n++] = 0x80 | (c & 0x3f);
    }
  }
  return { bytes: bytes.slice(0, n), unmappable };
}
