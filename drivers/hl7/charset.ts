/**
 * Character sets named by MSH-18 (HL7 table 0211), decoded only from whole frames.
 *
 * Latin-1 is decoded by hand: the Encoding Standard maps the label `iso-8859-1` to windows-1252,
 * which turns bytes 0x80–0x9F into other characters, so `TextDecoder` would silently change them.
 */

export interface DecodeResult {
  text: string;
  /** Set when a byte sequence was not valid in the charset and was replaced by U+FFFD. */
  invalid: boolean;
}

export interface Hl7Charset {
  /** The name used in warnings and events (`ISO-8859-1`, `UTF-8`). */
  readonly name: string;
  decode(bytes: Uint8Array): DecodeResult;
  /** Null when we cannot write this charset (multi-byte Asian sets): replies then go out as UTF-8. */
  encode: ((text: string) => EncodeResult) | null;
}

export interface EncodeResult {
  bytes: Uint8Array;
  /** Characters the charset cannot represent, written as `?`. */
  unrepresentable: number;
}

const CR = 0x0d;
const LF = 0x0a;

/** `String.fromCharCode.apply` takes its arguments on the stack; 8 K stays far below every engine's limit. */
const DECODE_CHUNK = 8192;

const QUESTION_MARK = 0x3f;

function fromCodeUnits(units: Uint8Array | Uint16Array): string {
  if (units.length <= DECODE_CHUNK) return String.fromCharCode.apply(null, units as unknown as number[]);
  let text = '';
  for (let at = 0; at < units.length; at += DECODE_CHUNK) {
    text += String.fromCharCode.apply(null, units.subarray(at, at + DECODE_CHUNK) as unknown as number[]);
  }
  return text;
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}

/**
 * windows-1252 and Latin-1 agree on every byte except 0x80–0x9F, where windows-1252 puts letters
 * and signs above U+00FF. So the native windows-1252 decoder is used, and only text that came out
 * with such a character is decoded again by hand.
 */
const windows1252 = new TextDecoder('windows-1252');
const ABOVE_LATIN1 = /[^\u0000-\u00ff]/;

export function decodeLatin1(bytes: Uint8Array): string {
  const text = windows1252.decode(bytes);
  return ABOVE_LATIN1.test(text) ? fromCodeUnits(bytes) : text;
}

export function encodeLatin1(text: string): EncodeResult {
  const bytes = new Uint8Array(text.length);
  let unrepresentable = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0xff) bytes[i] = c;
    else {
      bytes[i] = QUESTION_MARK;
      unrepresentable++;
    }
  }
  return { bytes, unrepresentable };
}

const LATIN1: Hl7Charset = {
  name: 'ISO-8859-1',
  decode: (bytes) => ({ text: decodeLatin1(bytes), invalid: false }),
  encode: encodeLatin1,
};

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

const UTF8: Hl7Charset = {
  name: 'UTF-8',
  decode(bytes) {
    try {
      return { text: utf8Strict.decode(bytes), invalid: false };
    } catch {
      return { text: utf8Lenient.decode(bytes), invalid: true };
    }
  },
  encode: (text) => ({ bytes: utf8Encoder.encode(text), unrepresentable: 0 }),
};

/**
 * A single-byte charset as a 256-entry table. The Encoding Standard maps ISO-8859-9 and -11 to
 * windows-1254/-874 (as it maps -1 to windows-1252); in the ISO sets 0x80–0x9F are the C1 controls,
 * so those bytes are put back to U+0080–U+009F.
 */
function singleByteCharset(name: string, whatwgLabel: string, c1IsControl: boolean): Hl7Charset | null {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(whatwgLabel);
  } catch {
    return null;
  }
  const all = new Uint8Array(256);
  for (let b = 0; b < 256; b++) all[b] = b;
  const mapped = decoder.decode(all);
  if (mapped.length !== 256) return null;
  const table = new Uint16Array(256);
  const reverse = new Map<number, number>();
  for (let b = 0; b < 256; b++) {
    const unit = c1IsControl && b >= 0x80 && b <= 0x9f ? b : mapped.charCodeAt(b);
    table[b] = unit;
    if (unit !== 0xfffd && !reverse.has(unit)) reverse.set(unit, b);
  }
  return {
    name,
    decode(bytes) {
      if (isAscii(bytes)) return { text: decodeLatin1(bytes), invalid: false };
      const units = new Uint16Array(bytes.length);
      let invalid = false;
      for (let i = 0; i < bytes.length; i++) {
        const u = table[bytes[i]];
        if (u === 0xfffd) invalid = true;
        units[i] = u;
      }
      return { text: fromCodeUnits(units), invalid };
    },
    encode(text) {
      const bytes = new Uint8Array(text.length);
      let unrepresentable = 0;
      for (let i = 0; i < text.length; i++) {
        const b = reverse.get(text.charCodeAt(i));
        if (b === undefined) {
          bytes[i] = QUESTION_MARK;
          unrepresentable++;
        } else bytes[i] = b;
      }
      return { bytes, unrepresentable };
    },
  };
}

function multiByteCharset(name: string, whatwgLabel: string): Hl7Charset | null {
  let strict: TextDecoder;
  let lenient: TextDecoder;
  try {
    strict = new TextDecoder(whatwgLabel, { fatal: true });
    lenient = new TextDecoder(whatwgLabel);
  } catch {
    return null;
  }
  return {
    name,
    decode(bytes) {
      try {
        return { text: strict.decode(bytes), invalid: false };
      } catch {
        return { text: lenient.decode(bytes), invalid: true };
      }
    },
    encode: null,
  };
}

const cache = new Map<string, Hl7Charset | null>();

/**
 * Table 0211 names first, then Encoding Standard labels (profiles may say `utf-8` or `windows-1250`).
 * UTF-16 and UTF-32 are refused: their bytes can contain VT and FS, which MLLP cannot carry.
 */
export function resolveCharset(label: string): Hl7Charset | null {
  const key = label.trim().toUpperCase();
  const known = cache.get(key);
  if (known !== undefined) return known;
  const charset = lookup(key);
  cache.set(key, charset);
  return charset;
}

function lookup(key: string): Hl7Charset | null {
  if (key === '' || key === 'ASCII' || key === '8859/1' || key === 'ISO-8859-1' || key === 'LATIN1' || key === 'ISO IR6' || key === 'ISO_IR 6') {
    return LATIN1;
  }
  if (key === 'UNICODE' || key === 'UNICODE UTF-8' || key === 'UTF-8' || key === 'UTF8') return UTF8;
  if (key.startsWith('UNICODE UTF-16') || key.startsWith('UNICODE UTF-32') || key.startsWith('UTF-16') || key.startsWith('UTF-32')) {
    return null;
  }
  const part = /^(?:8859\/|ISO-?8859-)(\d{1,2})$/.exec(key);
  if (part) {
    const n = Number(part[1]);
    return singleByteCharset(`ISO-8859-${n}`, `iso-8859-${n}`, n === 9 || n === 11);
  }
  switch (key) {
    case 'GB 18030-2000':
      return multiByteCharset('GB18030', 'gb18030');
    case 'BIG-5':
      return multiByteCharset('Big5', 'big5');
    case 'KS X 1001':
      return multiByteCharset('EUC-KR', 'euc-kr');
    case 'ISO IR87':
      return multiByteCharset('ISO-2022-JP', 'iso-2022-jp');
  }
  let encoding: string;
  try {
    encoding = new TextDecoder(key.toLowerCase()).encoding;
  } catch {
    return null;
  }
  if (encoding === 'utf-8') return UTF8;
  if (encoding.startsWith('utf-16')) return null;
  return singleByteCharset(encoding.toUpperCase(), encoding, false) ?? multiByteCharset(encoding.toUpperCase(), encoding);
}

export const LATIN1_CHARSET = LATIN1;
export const UTF8_CHARSET = UTF8;

/**
 * MSH-18 read straight from the frame's bytes, before anything else is decoded: labels are ASCII,
 * so reading the MSH segment as Latin-1 is exact for them whatever the rest of the message holds.
 * Returns '' when MSH-18 is absent or the frame does not start with MSH.
 */
export function declaredCharset(frame: Uint8Array): string {
  let start = 0;
  while (start < frame.length && (frame[start] === CR || frame[start] === LF)) start++;
  if (frame[start] !== 0x4d || frame[start + 1] !== 0x53 || frame[start + 2] !== 0x48) return '';
  const fieldSep = frame[start + 3];
  if (fieldSep === undefined || fieldSep === CR || fieldSep === LF) return '';
  const repetition = frame[start + 5];
  // MSH-1 is the separator itself, so MSH-18 begins after the 17th separator.
  let at = start + 3;
  for (let seen = 1; seen < 17; seen++) {
    at = nextInSegment(frame, at + 1, fieldSep);
    if (at < 0) return '';
  }
  const from = at + 1;
  let to = from;
  while (to < frame.length) {
    const b = frame[to];
    if (b === fieldSep || b === repetition || b === CR || b === LF) break;
    to++;
  }
  return decodeLatin1(frame.subarray(from, to)).trim();
}

/** Index of the next byte equal to b before the end of the segment, or -1. */
function nextInSegment(frame: Uint8Array, from: number, b: number): number {
  for (let i = from; i < frame.length; i++) {
    const c = frame[i];
    if (c === b) return i;
    if (c === CR || c === LF) return -1;
  }
  return -1;
}

export interface FrameText {
  text: string;
  charset: Hl7Charset;
  /** MSH-18 as sent ('' when empty). */
  declared: string;
  warnings: string[];
}

export function decodeFrame(frame: Uint8Array, profileCharset: string): FrameText {
  const warnings: string[] = [];
  const declared = declaredCharset(frame);
  let charset: Hl7Charset | null = null;
  if (declared !== '') {
    charset = resolveCharset(declared);
    if (!charset) warnings.push(`MSH-18 "${declared}" is not a charset we can decode; used the profile's ${profileCharset}`);
  }
  if (!charset) {
    charset = resolveCharset(profileCharset);
    if (!charset) {
      warnings.push(`profile charset "${profileCharset}" is unknown; decoded as ISO-8859-1`);
      charset = LATIN1;
    }
  }
  const { text, invalid } = charset.decode(frame);
  if (invalid) warnings.push(`bytes not valid in ${charset.name} were replaced by U+FFFD`);
  return { text, charset, declared, warnings };
}
