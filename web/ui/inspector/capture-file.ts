import { visibleText, type ArchiveChunk, type Direction } from './wire-lines.ts';

/**
 * The inspector's capture file: the raw bytes exactly as on the wire, after a small JSON index.
 *
 *   LISCAP1\n
 *   {"format":"lis-capture","version":1,"machine":{…},"exportedAt":"…",
 *    "columns":["at","direction","offset","length","simulated"],"entries":[[…],…]}\n
 *   <raw bytes of every entry, back to back>
 *
 * `offset` counts from the first raw byte. A file without the magic line is read as raw bytes the
 * analyzer sent (the field's own `.bin` recordings), so support can replay either.
 */

export const CAPTURE_MAGIC = 'LISCAP1\n';
export const CAPTURE_EXTENSION = '.lcap';

export interface CaptureMachine {
  id: number;
  name?: string;
  driver?: string;
}

export interface CaptureIndex {
  format: 'lis-capture';
  version: 1;
  machine: CaptureMachine;
  exportedAt: string;
  columns: ['at', 'direction', 'offset', 'length', 'simulated'];
  entries: [number, Direction, number, number, 0 | 1][];
}

export interface Capture {
  /** Null for a raw recording with no index. */
  index: CaptureIndex | null;
  chunks: ArchiveChunk[];
}

export function encodeCapture(machine: CaptureMachine, chunks: ArchiveChunk[], now = new Date()): Blob {
  let offset = 0;
  const entries: CaptureIndex['entries'] = chunks.map((c) => {
    const row: CaptureIndex['entries'][number] = [c.at, c.direction, offset, c.bytes.length, c.simulated ? 1 : 0];
    offset += c.bytes.length;
    return row;
  });
  const index: CaptureIndex = { format: 'lis-capture', version: 1, machine, exportedAt: now.toISOString(), columns: ['at', 'direction', 'offset', 'length', 'simulated'], entries };
  return new Blob([CAPTURE_MAGIC, JSON.stringify(index), '\n', ...chunks.map((c) => c.bytes as Uint8Array<ArrayBuffer>)], { type: 'application/octet-stream' });
}

export function decodeCapture(file: Uint8Array): Capture {
  const magic = new TextEncoder().encode(CAPTURE_MAGIC);
  const hasMagic = file.length > magic.length && magic.every((b, i) => file[i] === b);
  if (!hasMagic) return { index: null, chunks: [{ at: 0, direction: 'in', bytes: file }] };
  const nl = file.indexOf(0x0a, magic.length);
  if (nl < 0) throw new Error('capture index is not terminated');
  const index = JSON.parse(new TextDecoder().decode(file.subarray(magic.length, nl))) as CaptureIndex;
  if (index.format !== 'lis-capture' || index.version !== 1 || !Array.isArray(index.entries)) throw new Error('not a lis-capture v1 file');
  const raw = file.subarray(nl + 1);
  const chunks = index.entries.map(([at, direction, offset, length, simulated]) => {
    if (offset < 0 || offset + length > raw.length) throw new Error('capture entry outside the file');
    return { at, direction, bytes: raw.subarray(offset, offset + length), ...(simulated ? { simulated: true } : {}) };
  });
  return { index, chunks };
}

/** What the analyzer sent, back to back: the bytes a replay plays as the analyzer. */
export function analyzerBytes(capture: Capture): Uint8Array {
  const parts = capture.chunks.filter((c) => c.direction === 'in');
  const out = new Uint8Array(parts.reduce((n, c) => n + c.bytes.length, 0));
  let at = 0;
  for (const c of parts) {
    out.set(c.bytes, at);
    at += c.bytes.length;
  }
  return out;
}

/** A plain-text log: one entry per line, ISO time, direction, bytes with control symbols. */
export function encodeTextLog(machine: CaptureMachine, chunks: ArchiveChunk[]): Blob {
  const lines = [`# ${machine.name ?? 'machine'} (${machine.id}${machine.driver ? `, ${machine.driver}` : ''}), exported ${new Date().toISOString()}`];
  for (const c of chunks) lines.push(`${new Date(c.at).toISOString()}\t${c.direction === 'in' ? 'IN ' : 'OUT'}${c.simulated ? '\tTEST' : ''}\t${visibleText(c.bytes)}`);
  return new Blob([lines.join('\n') + '\n'], { type: 'text/plain;charset=utf-8' });
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
