/**
 * Writing HL7 v2 text: segments end with CR (the standard's only segment terminator), free text is
 * escaped atom by atom, and fields copied from a received message travel raw so nothing is
 * escaped twice.
 */

import { encodingCharacters, escapeHl7, type Hl7Delimiters } from './escape.ts';
import type { Hl7Message } from './parse.ts';

/** Text to escape; `{ raw }` already in wire form; an array of components (a component may be an array of sub-components); `{ repeat }` repetitions. */
export type Hl7Field = string | { raw: string } | Hl7Components | { repeat: Array<string | Hl7Components> };
type Hl7Components = Array<string | string[]>;

export function encodeHl7(message: Hl7Message): string {
  let out = '';
  for (const s of message.segments) out += s.raw + '\r';
  return out;
}

function encodeComponents(c: Hl7Components, d: Hl7Delimiters): string {
  return c.map((part) => (typeof part === 'string' ? escapeHl7(part, d) : part.map((sub) => escapeHl7(sub, d)).join(d.subcomponent))).join(d.component);
}

export function encodeField(f: Hl7Field, d: Hl7Delimiters): string {
  if (typeof f === 'string') return escapeHl7(f, d);
  if (Array.isArray(f)) return encodeComponents(f, d);
  if ('raw' in f) return f.raw;
  return f.repeat.map((r) => (typeof r === 'string' ? escapeHl7(r, d) : encodeComponents(r, d))).join(d.repetition);
}

/** A segment whose fields start at field 1. Trailing empty fields are dropped, as HL7 allows. */
export function buildSegment(d: Hl7Delimiters, name: string, fields: Hl7Field[]): string {
  const encoded = fields.map((f) => encodeField(f, d));
  while (encoded.length > 0 && encoded[encoded.length - 1] === '') encoded.pop();
  return encoded.length === 0 ? name : name + d.field + encoded.join(d.field);
}

/** MSH with fields from MSH-3 on; MSH-1 and MSH-2 come from the delimiters. */
export function buildMsh(d: Hl7Delimiters, fromField3: Hl7Field[]): string {
  const encoded = fromField3.map((f) => encodeField(f, d));
  while (encoded.length > 0 && encoded[encoded.length - 1] === '') encoded.pop();
  return ['MSH', encodingCharacters(d), ...encoded].join(d.field);
}

export function joinSegments(lines: string[]): string {
  return lines.join('\r') + '\r';
}

/**
 * Sets raw MSH fields (numbered as in HL7, n ≥ 3) in message text, padding with empty fields as
 * needed. Used to stamp MSH-7 and MSH-10 on a message just before it is sent.
 */
export function setHeaderFields(text: string, fields: Record<number, string>): string {
  const crAt = text.indexOf('\r');
  const lfAt = text.indexOf('\n');
  const end = crAt < 0 ? (lfAt < 0 ? text.length : lfAt) : lfAt < 0 ? crAt : Math.min(crAt, lfAt);
  const sep = text.charAt(3);
  const parts = text.slice(0, end).split(sep);
  for (const [key, value] of Object.entries(fields)) {
    const index = Number(key) - 1;
    while (parts.length <= index) parts.push('');
    parts[index] = value;
  }
  return parts.join(sep) + text.slice(end);
}

/**
 * MSH-7 style `YYYYMMDDHHMMSS`. Analyzers compare it with their own clock, which carries no zone,
 * so it is written in the lab's local time (a profile offset, else the runtime's zone).
 */
export function formatHl7Timestamp(now: number, utcOffsetMinutes: number | null): string {
  const offset = utcOffsetMinutes ?? -new Date(now).getTimezoneOffset();
  const t = new Date(now + offset * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.getUTCFullYear(), 4)}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
}
