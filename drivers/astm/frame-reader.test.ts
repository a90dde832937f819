import { describe, expect, it } from 'vitest';
import { ACK, ENQ, EOT, ETX, NAK, STX } from './control.ts';
import { FrameReader, type ReaderToken } from './frame-reader.ts';
import { latin1, strictFramesOf } from './testing/harness.ts';

/** What the reader makes of the input, one description per token (frames copied out, as the token is reused). */
function read(mode: 'strict' | 'simplified' | 'detect', ...chunks: (Uint8Array | number[])[]): string[] {
  const reader = new FrameReader(100, 1000);
  reader.mode = mode;
  const seen: string[] = [];
  const describe = (t: ReaderToken): string => {
    switch (t.kind) {
      case 'control': return `control ${t.byte}`;
      case 'junk': return `junk ${String.fromCharCode(...t.bytes)}`;
      case 'broken': return 'broken';
      case 'frame': return `${t.framing} ${t.frameNumber} ${t.end ? 'ETX' : 'ETB'} "${String.fromCharCode(...t.text)}" ${t.problem ?? 'ok'}`;
    }
  };
  for (const c of chunks) {
    reader.push(c instanceof Uint8Array ? c : Uint8Array.from(c));
    for (let t = reader.next(); t !== null; t = reader.next()) seen.push(describe(t));
  }
  return seen;
}

describe('frame reader', () => {
  const frame = strictFramesOf(['P|1'])[0];

  it('frames, control characters and junk, in any pieces', () => {
    const all = [ENQ, ...latin1('xy'), ...frame, ACK, NAK, EOT];
    const expected = ['control 5', 'junk xy', 'strict 1 ETX "P|1\r" ok', 'control 6', 'control 21', 'control 4'];
    expect(read('strict', all)).toEqual(expected);
    // A junk run is reported per read.
    expect(read('strict', ...all.map((b) => [b]))).toEqual(['control 5', 'junk x', 'junk y', ...expected.slice(2)]);
  });

  it('a frame cut short by another STX is dropped without a reply; the next is read', () => {
    expect(read('strict', [STX, 0x31, ...latin1('P|'), ...frame])).toEqual(['broken', 'strict 1 ETX "P|1\r" ok']);
  });

  it('a missing CR LF is a problem; the damaged trailer byte belongs to the frame', () => {
    const bad = Uint8Array.from(frame);
    bad[bad.length - 1] = ENQ;
    expect(read('strict', bad)).toEqual(['strict 1 ETX "P|1\r" the checksum is not followed by CR LF']);
  });

  it('a checksum cut by STX is a problem, and the new frame is read', () => {
    expect(read('strict', [STX, 0x31, ...latin1('P|1\r'), ETX, 0x41, ...frame])).toEqual([
      'strict 1 ETX "P|1\r" the frame ends without its two checksum characters',
      'strict 1 ETX "P|1\r" ok',
    ]);
  });

  it('detect: a digit after STX means strict; a header means simplified; anything else cannot be told', () => {
    expect(read('detect', frame)).toEqual(['strict 1 ETX "P|1\r" ok']);
    expect(read('detect', [STX, ...latin1('H|\\^&\r'), ETX])).toEqual(['simplified -1 ETX "H|\\^&\r" ok']);
    expect(read('detect', [STX, ...latin1('HH|\\^&\r'), ETX])[0]).toContain('neither a frame number nor a header');
    // A strict first frame whose number was damaged into STX: its text starts with the header, but it is refused.
    expect(read('detect', [STX, STX, ...latin1('H|\\^&\r'), ETX])).toEqual(['broken', 'simplified -1 ETX "H|\\^&\r" the first frame began inside another one (STX, STX), so its framing cannot be told']);
  });

  it('a frame over the limit is refused and not kept, across reads', () => {
    const long = strictFramesOf(['C|1|' + 'x'.repeat(300)], 1000)[0];
    const reader = new FrameReader(100, 1000);
    reader.mode = 'strict';
    let problem: string | null = null;
    for (let i = 0; i < long.length; i += 50) {
      reader.push(long.subarray(i, i + 50));
      for (let t = reader.next(); t !== null; t = reader.next()) if (t.kind === 'frame') problem = t.problem;
      expect(reader.buffered()).toBeLessThanOrEqual(107);
    }
    expect(problem).toBe('the frame is longer than 100 characters of text');
  });
});
