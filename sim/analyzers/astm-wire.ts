/** Analyzer-side ASTM framing for the simulators, written independently of drivers/ on purpose:
 * a simulator that shares the engine's code would share its bugs. */

export const ENQ = 0x05;
export const ACK = 0x06;
export const NAK = 0x15;
export const EOT = 0x04;
export const STX = 0x02;
export const ETX = 0x03;
export const ETB = 0x17;
export const CR = 0x0d;
export const LF = 0x0a;

export type Framing = 'simplified' | 'strict';

function latin1(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0) & 0xff);
}

function hex2(n: number): number[] {
  return latin1(n.toString(16).toUpperCase().padStart(2, '0'));
}

/** E1381 frames: one record per frame, split at `maxText` characters with ETB. */
export function strictFrames(records: string[], maxText = 240): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let fn = 1;
  for (const record of records) {
    const text = latin1(record + '\r');
    for (let i = 0; i < text.length; i += maxText) {
      const part = text.slice(i, i + maxText);
      const last = i + maxText >= text.length;
      const body = [0x30 + fn, ...part, last ? ETX : ETB];
      const sum = body.reduce((a, b) => (a + b) & 0xff, 0);
      frames.push(new Uint8Array([STX, ...body, ...hex2(sum), CR, LF]));
      fn = (fn + 1) % 8;
    }
  }
  return frames;
}

/** What Udichem and Maglumi send: every record in one block, no frame number, no checksum. */
export function simplifiedFrames(records: string[]): Uint8Array[] {
  return [new Uint8Array([STX, ...latin1(records.map((r) => r + '\r').join('')), ETX])];
}

export function frameMessage(records: string[], framing: Framing): Uint8Array[] {
  return framing === 'strict' ? strictFrames(records) : simplifiedFrames(records);
}

export function controlName(byte: number): string {
  return { [ACK]: 'ACK', [NAK]: 'NAK', [EOT]: 'EOT', [ENQ]: 'ENQ' }[byte] ?? `0x${byte.toString(16).padStart(2, '0')}`;
}
