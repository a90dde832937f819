import { describe, expect, it } from 'vitest';
import { analyzerBytes, decodeCapture, encodeCapture } from './capture-file.ts';
import { e1381Checksum, recordFields, visibleText, WireLineParser, type ArchiveChunk } from './wire-lines.ts';

const enc = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const STX = '\x02';
const ETX = '\x03';
const ETB = '\x17';

function frame(fn: number, text: string, end = ETX, corrupt = false): string {
  const body = `${fn}${text}${end}`;
  let sum = e1381Checksum(enc(body), 0, body.length - 1);
  if (corrupt) sum = sum === '00' ? '01' : '00';
  return `${STX}${body}${sum}\r\n`;
}

function chunk(direction: 'in' | 'out', s: string, at = 0): ArchiveChunk {
  return { at, direction, bytes: enc(s) };
}

describe('the inspector reads the wire', () => {
  it('splits an E1381 exchange into lines, checks checksums and pairs each frame with its answer', () => {
    const p = new WireLineParser();
    p.push(chunk('in', '\x05', 0));
    p.push(chunk('out', '\x06', 5));
    p.push(chunk('in', frame(1, 'H|\\^&\r'), 10));
    p.push(chunk('out', '\x06', 12));
    p.push(chunk('in', frame(2, 'R|1|^^^GLU|<15|mmol/L\r', ETX, true), 20));
    p.push(chunk('out', '\x15', 21));
    p.push(chunk('in', '\x04', 30));
    const l = p.lines;
    expect(l.map((x) => x.control ?? x.kind)).toEqual(['ENQ', 'ACK', 'frame', 'ACK', 'frame', 'NAK', 'EOT']);
    expect(l[0].reply).toEqual({ what: 'ACK', ok: true, afterMs: 5 });
    expect(l[2]).toMatchObject({ frameNo: 1, end: 'ETX', records: ['H|\\^&'], reply: { what: 'ACK', ok: true } });
    expect(l[2].checksum?.ok).toBe(true);
    expect(l[4].checksum?.ok).toBe(false);
    expect(l[4].reply?.what).toBe('NAK');
    expect(visibleText(l[2].bytes)).toMatch(/^⟨STX⟩1H\|\\\^&⟨CR⟩⟨ETX⟩[0-9A-F]{2}⟨CR⟩⟨LF⟩$/);
  });

  it('keeps a frame whole across chunks and a record whole across ETB frames', () => {
    const p = new WireLineParser();
    const f1 = frame(1, 'R|1|^^^GL', ETB);
    const f2 = frame(2, 'U|99\rL|1|N\r');
    p.push(chunk('in', f1.slice(0, 5)));
    p.push(chunk('out', '\x06'));
    p.push(chunk('in', f1.slice(5)));
    p.push(chunk('in', f2));
    expect(p.lines.filter((x) => x.kind === 'frame').map((x) => [x.frameNo, x.checksum?.ok, x.records])).toEqual([
      [1, true, []],
      [2, true, ['R|1|^^^GLU|99', 'L|1|N']],
    ]);
  });

  it('reads simplified framing (no frame number, no checksum) and HL7 over MLLP', () => {
    const p = new WireLineParser();
    p.push(chunk('in', '\x05'));
    p.push(chunk('out', '\x06'));
    p.push(chunk('in', `${STX}H|\\^&\rP|1\rL|1|N\r${ETX}`));
    p.push(chunk('out', '\x06'));
    p.push(chunk('in', '\x04'));
    p.push(chunk('in', '\x0bMSH|^~\\&|DH36\rOBX|1|NM|WBC||5.1\r\x1c\r'));
    p.push(chunk('out', '\x0bMSH|^~\\&|LIS\rMSA|AA|1\r\x1c\r'));
    const frame1 = p.lines.find((x) => x.kind === 'frame')!;
    expect(frame1).toMatchObject({ records: ['H|\\^&', 'P|1', 'L|1|N'], reply: { what: 'ACK' } });
    expect(frame1.frameNo).toBeUndefined();
    expect(frame1.checksum).toBeUndefined();
    const [oru, ack] = p.lines.filter((x) => x.kind === 'mllp');
    expect(oru.records).toEqual(['MSH|^~\\&|DH36', 'OBX|1|NM|WBC||5.1']);
    expect(oru.reply).toMatchObject({ what: 'AA', ok: true });
    expect(ack.complete).toBe(true);
  });

  it('labels fields as the standards number them', () => {
    expect(recordFields('R|1|^^^GLU|99').map((f) => f.label)).toEqual(['R-1', 'R-2', 'R-3', 'R-4']);
    expect(recordFields('OBX|1|NM').map((f) => f.label)).toEqual(['OBX', 'OBX-1', 'OBX-2']);
    expect(recordFields('MSH|^~\\&|DH36').map((f) => f.label)).toEqual(['MSH', 'MSH-2', 'MSH-3']);
  });

  it('writes a capture file that reads back, and plays only what the analyzer sent', async () => {
    const chunks = [chunk('in', '\x05', 1), chunk('out', '\x06', 2), chunk('in', frame(1, 'H|\\^&\r'), 3)];
    const blob = encodeCapture({ id: 3, name: 'Udichem' }, chunks);
    const back = decodeCapture(new Uint8Array(await blob.arrayBuffer()));
    expect(back.index?.machine).toEqual({ id: 3, name: 'Udichem' });
    expect(back.chunks.map((c) => [c.at, c.direction, visibleText(c.bytes)])).toEqual(chunks.map((c) => [c.at, c.direction, visibleText(c.bytes)]));
    expect(visibleText(analyzerBytes(back))).toBe(visibleText(enc('\x05' + frame(1, 'H|\\^&\r'))));
    expect(decodeCapture(enc('\x05\x04')).index).toBeNull();
  });
});
