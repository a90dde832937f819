/**
 * Property tests (fast-check) of the receive path on real captures: any cutting of the input
 * decodes the same, one damaged byte costs one NAK and nothing else, and random input never
 * throws, never hangs, stays in bounded memory and never yields a record that was not sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENQ, EOT, ETB, ETX, STX } from './control.ts';
import { FRAME_OVERHEAD } from './frame-reader.ts';
import { AstmSession } from './session.ts';
import type { AstmProfileOptions } from './profile.ts';
import { Engine, concat } from './testing/harness.ts';
import { fixtureBytes, logBytes, STRICT_CAPTURES } from './testing/fixtures.ts';
import { cutAt } from '../testing/bytes.ts';

interface Decoded {
  replies: string;
  groups: string[][];
  messages: number;
}

function decode(pieces: Uint8Array[], options: AstmProfileOptions = {}): Decoded {
  const e = new Engine(new AstmSession(options));
  for (const p of pieces) e.receive(p);
  return { replies: e.replies(), groups: e.stores().map((s) => s.rawTexts), messages: e.messages().length };
}

/** The frames of a raw-wire capture (ENQ … EOT), as they were sent. */
function framesOf(capture: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < capture.length; i++) {
    if (capture[i] !== STX) continue;
    let j = i + 1;
    while (capture[j] !== ETX && capture[j] !== ETB) j++;
    frames.push(capture.subarray(i, j + 5));
    i = j + 4;
  }
  return frames;
}

const RUNS = { numRuns: 60 };

function hexValue(byte: number): number {
  const c = String.fromCharCode(byte);
  return /^[0-9A-Fa-f]$/.test(c) ? parseInt(c, 16) : -1;
}

describe('checksummed framing', () => {
  describe.each(STRICT_CAPTURES)('%s', (name) => {
    const capture = fixtureBytes(name);
    const whole = decode([capture]);

    it('cut into random pieces decodes identically', () => {
      expect(whole.messages).toBe(1);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 40 }), (offsets) => {
          expect(decode(cutAt(capture, offsets))).toEqual(whole);
        }),
        RUNS,
      );
    });

    it('a byte at a time decodes identically', () => {
      const bytes = Array.from(capture, (b) => Uint8Array.of(b));
      expect(decode(bytes)).toEqual(whole);
    });

    it('one damaged byte in a frame → NAK; the frame sent again is accepted; the message is decoded once', () => {
      const frames = framesOf(capture);
      fc.assert(
        fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (frameIndex, position, flip) => {
          const k = frameIndex % frames.length;
          const original = frames[k];
          // Every byte but STX and ETB/ETX: without those a receiver cannot see that a frame was
          // sent, and the sender's reply timeout covers it (tested in sender.test.ts).
          const terminator = original.length - 5;
          const candidates = original.length - 2;
          let p = 1 + (position % candidates);
          if (p >= terminator) p++;
          const damaged = Uint8Array.from(original);
          damaged[p] ^= flip;
          // Checksum digits are read in either case (several analyzers send lower case), so a
          // damage that only changes the case of a hex letter there changes nothing.
          const sameDigit = p >= terminator + 1 && p <= terminator + 2 && hexValue(damaged[p]) === hexValue(original[p]);
          fc.pre(!sameDigit);
          const e = new Engine(new AstmSession());
          e.receive(concat([Uint8Array.of(ENQ), ...frames.slice(0, k)]));
          const before = e.replies();
          e.receive(damaged);
          expect(e.replies()).toBe(before + 'N');
          e.receive(concat([...frames.slice(k), Uint8Array.of(EOT)]));
          expect({ replies: e.replies(), groups: e.stores().map((s) => s.rawTexts), messages: e.messages().length }).toEqual({
            replies: before + 'N' + whole.replies.slice(before.length),
            groups: whole.groups,
            messages: 1,
          });
        }),
        { numRuns: 300 },
      );
    });

    it('junk between frames is ignored: the same records, never an extra one', () => {
      const frames = framesOf(capture);
      // ENQ and EOT are left out: between frames they mean what they say.
      const junkChunk = fc.uint8Array({ maxLength: 12 }).map((a) => a.map((b) => (b === ENQ || b === EOT ? 0x20 : b)));
      fc.assert(
        fc.property(fc.array(junkChunk, { minLength: frames.length, maxLength: frames.length }), (junk) => {
          const stream = concat([Uint8Array.of(ENQ), ...frames.flatMap((f, i) => [junk[i], f]), Uint8Array.of(EOT)]);
          const got = decode([stream]);
          expect(got.groups).toEqual(whole.groups);
          expect(got.messages).toBe(1);
        }),
        RUNS,
      );
    });
  });
});

describe('one damaged byte, exhaustively', () => {
  it('every position (but STX and ETB/ETX) and every damage of the VITROS query capture: NAK, then the resent frame is accepted', () => {
    const capture = fixtureBytes('vitros3600_hostquery_Q_rawwire.bin');
    const whole = decode([capture]);
    const frames = framesOf(capture);
    let cases = 0;
    frames.forEach((original, k) => {
      const terminator = original.length - 5;
      for (let p = 1; p < original.length; p++) {
        if (p === terminator) continue;
        for (let flip = 1; flip < 256; flip++) {
          const damaged = Uint8Array.from(original);
          damaged[p] ^= flip;
          if (p > terminator && hexValue(damaged[p]) === hexValue(original[p]) && hexValue(damaged[p]) >= 0) continue;
          const got = decode([concat([Uint8Array.of(ENQ), ...frames.slice(0, k)]), damaged, concat([...frames.slice(k), Uint8Array.of(EOT)])]);
          const refusedOnce = got.replies === whole.replies.slice(0, k + 1) + 'N' + whole.replies.slice(k + 1);
          if (!refusedOnce || JSON.stringify(got.groups) !== JSON.stringify(whole.groups) || got.messages !== 1) {
            expect({ frame: k, position: p, flip, got }).toEqual({ frame: k, position: p, flip, got: whole });
          }
          cases++;
        }
      }
    });
    expect(cases).toBeGreaterThan(20_000);
  }, 60_000);
});

/** Random bytes, with the protocol's control characters and frame digits over-represented. */
const wireByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(STX, ETX, ETB, EOT, ENQ, 0x06, 0x15, 0x0d, 0x0a, 0x30, 0x31, 0x32, 0x37, 0x7c, 0x5e, 0x5c, 0x26, 0x48, 0x4c),
);
const randomInput = fc.array(fc.array(wireByte, { maxLength: 300 }).map((a) => Uint8Array.from(a)), { maxLength: 30 });

describe('random bytes', () => {
  it('never throw, never hang, stay in bounded memory, and yield nothing (strict and auto framing)', () => {
    let refused = 0;
    for (const framing of ['auto', 'strict'] as const) {
      fc.assert(
        fc.property(randomInput, fc.nat(), (chunks, seed) => {
          const e = new Engine(new AstmSession({ framing, maxFrameText: 200 }));
          let now = seed % 1000;
          e.receive([ENQ], now);
          for (const chunk of chunks) {
            now += 7_000;
            e.receive(chunk, now);
            if (e.lastDeadline !== null && e.lastDeadline <= now) e.tick(e.lastDeadline);
            expect(e.session.bufferedBytes()).toBeLessThanOrEqual(200 + FRAME_OVERHEAD);
          }
          refused += e.of('frame-rejected').length;
          // Random bytes cannot make a frame pass its checksum, number and trailer: nothing is stored.
          expect(e.stores()).toEqual([]);
          expect(e.messages()).toEqual([]);
        }),
        { numRuns: 200 },
      );
    }
    // The input did reach the frame checks (this is not vacuous).
    expect(refused).toBeGreaterThan(20);
  });

  it('never throw or hang with simplified framing (which has no checksum to refuse them)', () => {
    fc.assert(
      fc.property(randomInput, (chunks) => {
        const e = new Engine(new AstmSession({ framing: 'simplified', maxFrameText: 200 }));
        e.receive([ENQ], 0);
        let now = 0;
        for (const chunk of chunks) {
          now += 1000;
          e.receive(chunk, now);
          expect(e.session.bufferedBytes()).toBeLessThanOrEqual(3 * (200 + FRAME_OVERHEAD));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('simplified framing', () => {
  const log = logBytes('astmio_snibe_maglumi_serialmonitor_log.txt');
  const whole = decode([log]);

  it('the Maglumi log cut into random pieces decodes identically', () => {
    expect(whole.messages).toBe(26);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 200 }), (offsets) => {
        expect(decode(cutAt(log, offsets))).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });
});
