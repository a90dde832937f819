import { decodeBytes } from '../charset.ts';
import type { Charset } from '../profile.ts';
import type { Delimiters } from './model.ts';

/**
 * LIS02-A2 escape sequences (6.6): `&F& &S& &R& &E&` stand for the field, component, repeat and
 * escape delimiters; `&Xhh…&` for bytes given in hex (any even number of digits, decoded in the
 * device's charset). `&H&` (highlight), `&N&` (normal) and local `&Z…&` carry no character: they
 * are kept in the text as markers. An escape character that starts none of these is text, as
 * real analyzers write a bare `&` in names and units.
 */

export function unescapeText(text: string, d: Delimiters, charset: Charset): string {
  const e = d.escape;
  if (e === '') return text;
  let open = text.indexOf(e);
  if (open < 0) return text;
  let out = '';
  let copied = 0;
  while (open >= 0) {
    const close = text.indexOf(e, open + 1);
    if (close < 0) break;
    const meaning = escapeMeaning(text.slice(open + 1, close), d, charset);
    if (meaning === null) {
      // The opening character was plain text; the closing one may open a real sequence.
      open = close;
      continue;
    }
    out += text.slice(copied, open) + meaning;
    copied = close + 1;
    open = text.indexOf(e, copied);
  }
  return out + text.slice(copied);
}

function escapeMeaning(sequence: string, d: Delimiters, charset: Charset): string | null {
  switch (sequence) {
    case 'F': return d.field;
    case 'S': return d.component;
    case 'R': return d.repeat;
    case 'E': return d.escape;
    case 'H':
    case 'N': return d.escape + sequence + d.escape;
  }
  if (sequence.startsWith('Z')) return d.escape + sequence + d.escape;
  if (sequence.length >= 3 && sequence[0] === 'X' && sequence.length % 2 === 1 && /^[0-9A-Fa-f]+$/.test(sequence.slice(1))) {
    const bytes = new Uint8Array((sequence.length - 1) / 2);
    for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(sequence.slice(1 + 2 * k, 3 + 2 * k), 16);
    return decodeBytes(charset, bytes, false, null, true).text;
  }
  return null;
}

/**
 * Length of the marker (`&H&`, `&N&`, `&Z…&`) starting at `i`, or 0. A `&Z…&` holding a
 * delimiter, CR or LF is not one: written as is, it would break the record apart.
 */
function markerLength(text: string, i: number, d: Delimiters): number {
  const e = d.escape;
  const kind = text[i + 1];
  if ((kind === 'H' || kind === 'N') && text[i + 2] === e) return 3;
  if (kind !== 'Z') return 0;
  const close = text.indexOf(e, i + 2);
  if (close < 0) return 0;
  const inside = text.slice(i + 2, close);
  const breaks = [d.field, d.repeat, d.component, '\r', '\n'].some((c) => c !== '' && inside.includes(c));
  return breaks ? 0 : close - i + 1;
}

function needsEscape(text: string, d: Delimiters): boolean {
  const has = (c: string) => c !== '' && text.includes(c);
  return has(d.field) || has(d.repeat) || has(d.component) || has(d.escape) || text.includes('\r') || text.includes('\n');
}

/**
 * The inverse of `unescapeText`: delimiters become escapes, markers stay markers, and CR/LF
 * become hex escapes, as a bare CR would end the record.
 */
export function escapeText(text: string, d: Delimiters): string {
  if (!needsEscape(text, d)) return text;
  const e = d.escape;
  // A header that defines no escape character leaves no way to write a delimiter inside a value;
  // CR and LF at least must not end the record early.
  if (e === '') return text.replace(/[\r\n]/g, ' ');
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === e) {
      const marker = markerLength(text, i, d);
      if (marker > 0) {
        out += text.slice(i, i + marker);
        i += marker - 1;
      } else {
        out += e + 'E' + e;
      }
    } else if (c === d.field) out += e + 'F' + e;
    else if (c === d.component) out += e + 'S' + e;
    else if (c === d.repeat) out += e + 'R' + e;
    else if (c === '\r') out += e + 'X0D' + e;
    else if (c === '\n') out += e + 'X0A' + e;
    else out += c;
  }
  return out;
}

/**
 * Rewrites one field's text from one delimiter set to another, keeping every escape sequence's
 * meaning (hex escapes and markers are carried over as they are, so no charset is needed).
 */
export function redelimitField(text: string, from: Delimiters, to: Delimiters): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === from.repeat) out += to.repeat;
    else if (c === from.component) out += to.component;
    else if (c === from.escape && c !== '') {
      const close = text.indexOf(from.escape, i + 1);
      const sequence = close > i ? text.slice(i + 1, close) : '';
      const plain = plainEscape(sequence);
      if (plain !== null) {
        out += escapeText(from[plain], to);
        i = close;
      } else if (close > i && isCarriedSequence(sequence)) {
        out += to.escape + sequence + to.escape;
        i = close;
      } else {
        out += escapeText(c, to);
      }
    } else out += escapeText(c, to);
  }
  return out;
}

function plainEscape(sequence: string): keyof Delimiters | null {
  switch (sequence) {
    case 'F': return 'field';
    case 'S': return 'component';
    case 'R': return 'repeat';
    case 'E': return 'escape';
    default: return null;
  }
}

function isCarriedSequence(sequence: string): boolean {
  return sequence === 'H' || sequence === 'N' || sequence.startsWith('Z') || /^X(?:[0-9A-Fa-f]{2})+$/.test(sequence);
}
