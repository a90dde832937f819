import { describe, expect, it } from 'vitest';
import { concat } from '../testing/bytes.ts';
import { CR, FS, MllpFramer, VT, frameMllp, type FramerItem } from './mllp-framer.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
const frames = (items: FramerItem[]) => items.filter((i) => i.type === 'frame').map((i) => dec((i as { bytes: Uint8Array }).bytes));

describe('MllpFramer', () => {
  it('delivers several frames that arrive in one read, in order', () => {
    const f = new MllpFramer(1024);
    const items = f.push(concat([frameMllp(enc('MSH|A')), frameMllp(enc('MSH|B')), frameMllp(enc('MSH|C'))]));
    expect(frames(items)).toEqual(['MSH|A', 'MSH|B', 'MSH|C']);
    expect(items).toHaveLength(3);
  });

  it('reassembles a frame split at every possible byte, FS and CR included', () => {
    const wire = concat([frameMllp(enc('MSH|^~\\&|one\rPID|1')), frameMllp(enc('MSH|two'))]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const f = new MllpFramer(1024);
      const items = [...f.push(wire.subarray(0, cut)), ...f.push(wire.subarray(cut))];
      expect(frames(items)).toEqual(['MSH|^~\\&|one\rPID|1', 'MSH|two']);
      expect(items.filter((i) => i.type !== 'frame')).toEqual([]);
      expect(f.pendingBytes).toBe(0);
    }
  });

  it('delivers a frame at FS without waiting for the CR that a later read brings', () => {
    const f = new MllpFramer(1024);
    expect(frames(f.push(concat([Uint8Array.of(VT), enc('MSH|x'), Uint8Array.of(FS)])))).toEqual(['MSH|x']);
    expect(f.push(Uint8Array.of(CR))).toEqual([]);
    expect(frames(f.push(frameMllp(enc('MSH|y'))))).toEqual(['MSH|y']);
  });

  it('reports junk between frames and still delivers the frames around it', () => {
    const f = new MllpFramer(1024);
    const items = f.push(concat([enc('garbage'), frameMllp(enc('MSH|a')), enc('\x1c more'), frameMllp(enc('MSH|b'))]));
    expect(items.map((i) => i.type)).toEqual(['junk', 'frame', 'junk', 'frame']);
    expect(dec((items[0] as { bytes: Uint8Array }).bytes)).toBe('garbage');
    expect(dec((items[2] as { bytes: Uint8Array }).bytes)).toBe('\x1c more');
  });

  it('treats CR and LF between frames as line noise, not junk', () => {
    const f = new MllpFramer(1024);
    const items = f.push(concat([frameMllp(enc('MSH|a')), enc('\n\r\n'), frameMllp(enc('MSH|b'))]));
    expect(items.map((i) => i.type)).toEqual(['frame', 'frame']);
  });

  it('discards a frame interrupted by a new VT and reports it as junk', () => {
    const f = new MllpFramer(1024);
    const items = f.push(concat([Uint8Array.of(VT), enc('MSH|lost'), frameMllp(enc('MSH|kept'))]));
    expect(items.map((i) => i.type)).toEqual(['junk', 'frame']);
    expect(dec((items[0] as { bytes: Uint8Array }).bytes)).toBe('\x0bMSH|lost');
    expect((items[0] as { reason: string }).reason).toMatch(/interrupted/);
    expect(frames(items)).toEqual(['MSH|kept']);
  });

  it('discards a frame over the limit, keeps its head, and recovers for the next frame', () => {
    const f = new MllpFramer(100);
    const big = 'MSH|^~\\&|head' + 'x'.repeat(500);
    const wire = concat([frameMllp(enc(big)), frameMllp(enc('MSH|small'))]);
    const items: FramerItem[] = [];
    for (let at = 0; at < wire.length; at += 37) items.push(...f.push(wire.subarray(at, at + 37)));
    expect(items.map((i) => i.type)).toEqual(['frame-too-large', 'frame']);
    const tooLarge = items[0] as Extract<FramerItem, { type: 'frame-too-large' }>;
    expect(tooLarge.size).toBe(big.length);
    expect(tooLarge.limit).toBe(100);
    expect(tooLarge.complete).toBe(true);
    expect(dec(tooLarge.head)).toBe(big);
    expect(frames(items)).toEqual(['MSH|small']);
  });

  it('accepts a frame of exactly the limit', () => {
    const f = new MllpFramer(10);
    expect(frames(f.push(frameMllp(enc('MSH|567890'))))).toEqual(['MSH|567890']);
  });

  it('never holds more than the limit while a frame grows without end', () => {
    const f = new MllpFramer(1000);
    f.push(Uint8Array.of(VT));
    for (let i = 0; i < 100; i++) f.push(new Uint8Array(1000).fill(0x41));
    expect(f.pendingBytes).toBe(100_000);
    expect(f.push(Uint8Array.of(FS, CR))[0]).toMatchObject({ type: 'frame-too-large', size: 100_000, complete: true });
  });

  it('copies bytes, so a caller reusing its read buffer cannot corrupt a pending frame', () => {
    const f = new MllpFramer(1024);
    const buf = concat([Uint8Array.of(VT), enc('MSH|abc')]);
    f.push(buf);
    buf.fill(0x5a);
    expect(frames(f.push(Uint8Array.of(FS, CR)))).toEqual(['MSH|abc']);
  });
});
