import { CR, ETB, ETX, LF, STX } from './control.ts';
import { checksum, checksumText } from './checksum.ts';

/**
 * Outbound framing. Strict: each record starts a frame (as VITROS and most analyzers want),
 * records longer than the text limit continue in ETB frames, and the record's last frame ends
 * with ETX; frame numbers run 1..7, 0, 1... from the session's first frame (LIS01-A2 6.3.1).
 * Simplified: the whole message in one `STX records ETX`, nothing after.
 */

function isUtf8Continuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** `records`: each record's bytes, without CR. `utf8` keeps a character whole within a frame. */
export function strictFrames(records: readonly Uint8Array[], maxText: number, utf8: boolean): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let frameNumber = 1;
  for (const record of records) {
    const text = new Uint8Array(record.length + 1);
    text.set(record);
    text[record.length] = CR;
    let start = 0;
    while (start < text.length) {
      let stop = Math.min(text.length, start + maxText);
      if (utf8) while (stop < text.length && stop > start + 1 && isUtf8Continuation(text[stop])) stop--;
      const last = stop === text.length;
      frames.push(frame(frameNumber, text.subarray(start, stop), last ? ETX : ETB));
      frameNumber = (frameNumber + 1) % 8;
      start = stop;
    }
  }
  return frames;
}

function frame(frameNumber: number, text: Uint8Array, terminator: number): Uint8Array {
  const bytes = new Uint8Array(text.length + 7);
  bytes[0] = STX;
  bytes[1] = 0x30 + frameNumber;
  bytes.set(text, 2);
  const t = 2 + text.length;
  bytes[t] = terminator;
  const sum = checksumText(checksum(bytes, 1, t + 1));
  bytes[t + 1] = sum.charCodeAt(0);
  bytes[t + 2] = sum.charCodeAt(1);
  bytes[t + 3] = CR;
  bytes[t + 4] = LF;
  return bytes;
}

export function simplifiedFrame(records: readonly Uint8Array[]): Uint8Array {
  const length = records.reduce((n, r) => n + r.length + 1, 2);
  const bytes = new Uint8Array(length);
  bytes[0] = STX;
  let at = 1;
  for (const r of records) {
    bytes.set(r, at);
    at += r.length;
    bytes[at++] = CR;
  }
  bytes[at] = ETX;
  return bytes;
}
