import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHl7, DEFAULT_DELIMITERS } from './escape.ts';
import { frameMllp, VT } from './mllp-framer.ts';
import { parseHl7 } from './parse.ts';
import { Hl7Session, type Hl7Event } from './session.ts';
import { concat, cutAt } from '../testing/bytes.ts';

const utf8 = new TextEncoder();

function message(i: number, value: string): string {
  return (
    `MSH|^~\\&|DH36|Dymind|||20250628173333||ORU^R01|M${i}|P|2.3.1||||||UNICODE UTF-8\r` +
    `OBR|1||S${i}|01001^Automated Count^99MRC\r` +
    `OBX|1|ST|09001^Remark^99MRC||${escapeHl7(value, DEFAULT_DELIMITERS)}||||||F\r`
  );
}

/** An engine that stores everything at once: each message event is answered with stored(ok). */
function drive(session: Hl7Session, chunks: Uint8Array[]) {
  const messages: Array<Extract<Hl7Event, { type: 'message' }>> = [];
  const acks: string[] = [];
  const other: Hl7Event[] = [];
  let now = 1_000;
  const take = (write: Uint8Array[]) => {
    for (const w of write) acks.push(parseHl7(w.subarray(1, w.length - 2)).segment('MSA')!.value(2));
  };
  for (const chunk of chunks) {
    const out = session.receive(chunk, now++);
    take(out.write);
    for (const e of out.events) {
      if (e.type === 'message') {
        messages.push(e);
        take(session.stored(e.storeId, true, now).write);
      } else if (e.type !== 'frame') other.push(e);
    }
  }
  return { messages, acks, other };
}

describe('Hl7Session over random TCP segmentation', () => {
  it('delivers every message once and acknowledges it once, however frames are split or coalesced', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.uint8Array({ maxLength: 8 }).map((b) => b.filter((x) => x !== VT)), { maxLength: 12 }),
        (values, cuts, junk) => {
          const parts: Uint8Array[] = [];
          values.forEach((v, i) => {
            parts.push(junk[i] ?? new Uint8Array(0));
            parts.push(frameMllp(utf8.encode(message(i, v))));
          });
          const { messages, acks, other } = drive(new Hl7Session(), cutAt(concat(parts), cuts));
          const ids = values.map((_, i) => `M${i}`);
          expect(messages.map((m) => m.controlId)).toEqual(ids);
          expect(acks).toEqual(ids);
          // Escapes and multi-byte UTF-8 characters come back exactly, wherever the reads were cut.
          expect(messages.map((m) => m.message.segment('OBX')!.value(5))).toEqual(values);
          expect(other.every((e) => e.type === 'junk')).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  }, 60_000);

  it('never throws or stalls on random bytes, and still delivers the next good frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 128, max: 4096 }), (noise, cuts, limit) => {
        const session = new Hl7Session({ maxFrameBytes: limit });
        const good = frameMllp(utf8.encode('MSH|^~\\&|A|B|||1||ORU^R01|GOOD|P|2.3.1\r'));
        const { messages, acks } = drive(session, [...cutAt(noise, cuts), good]);
        expect(messages.at(-1)?.controlId).toBe('GOOD');
        expect(acks.at(-1)).toBe('GOOD');
      }),
      { numRuns: 400 },
    );
  }, 60_000);
});
