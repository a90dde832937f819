/**
 * The receiving side: replies, frame sequence, and the storage handshake of LIS02-A2 4.2.1
 * (a frame that closes a group is acknowledged only once the group is stored), with a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { idempotencyKey } from '../../shared/idempotency.ts';
import { ENQ, EOT, ETB, ETX, STX } from './control.ts';
import { checksum, checksumText } from './checksum.ts';
import { AstmSession } from './session.ts';
import type { StoreEvent } from './events.ts';
import { Engine, concat, latin1, strictFramesOf } from './testing/harness.ts';

const TWO_PATIENTS = [
  'H|\\^&|||ANALYZER|||||||P|LIS2-A2|20250701120000',
  'P|1||PID1',
  'O|1|S1||^^^GLU',
  'R|1|^^^GLU|5.5|mmol/L||N||F||||20250701115900',
  'P|2||PID2',
  'O|1|S2||^^^GLU',
  'R|1|^^^GLU|7.1|mmol/L||H||F||||20250701115901',
  'L|1|N',
];

/** TWO_PATIENTS's frames, a copy of the third whose checksum fails, and a fresh receiving engine. */
function thirdFrameDamaged() {
  const frames = strictFramesOf(TWO_PATIENTS);
  const bad = Uint8Array.from(frames[2]);
  bad[5] ^= 0x01;
  return { frames, bad, e: new Engine(new AstmSession()) };
}

function later(): Engine {
  return new Engine(new AstmSession(), () => 'later');
}

describe('establishment', () => {
  it('ENQ → ACK; NAK instead while storage is failing (6.2.6)', () => {
    const e = new Engine(new AstmSession());
    e.session.setReceiveReady(false);
    e.receive([ENQ], 0);
    expect(e.replies()).toBe('N');
    expect(e.session.line).toBe('neutral');
    expect(e.of('frame-rejected')[0].reason).toContain('storage is failing');
    e.session.setReceiveReady(true);
    e.receive([ENQ], 10_000);
    expect(e.replies()).toBe('NA');
    expect(e.session.line).toBe('receiving');
    expect(e.of('session-start')).toEqual([{ type: 'session-start', direction: 'in', framing: 'auto' }]);
  });

  it('a frame outside a session is ignored, with no reply', () => {
    const e = new Engine(new AstmSession());
    e.receive(strictFramesOf(['H|\\^&'])[0], 0);
    expect(e.replies()).toBe('');
    expect(e.of('frame-rejected')[0].reason).toContain('outside a session');
  });
});

describe('frames', () => {
  it('checksums in lower case are accepted', () => {
    const frame = strictFramesOf(['H|\\^&|||X'])[0];
    const lower = Uint8Array.from(frame);
    lower[lower.length - 4] = String.fromCharCode(lower[lower.length - 4]).toLowerCase().charCodeAt(0);
    lower[lower.length - 3] = String.fromCharCode(lower[lower.length - 3]).toLowerCase().charCodeAt(0);
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), lower]), 0);
    expect(e.replies()).toBe('AA');
  });

  it('a repeat of the last accepted frame is acknowledged and dropped (6.5.1.1)', () => {
    const frames = strictFramesOf(TWO_PATIENTS);
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), frames[0], frames[1], frames[1], ...frames.slice(2), Uint8Array.of(EOT)]), 0);
    expect(e.replies()).toBe('A'.repeat(10));
    expect(e.of('frame').filter((f) => f.repeat)).toHaveLength(1);
    expect(e.stores().flatMap((s) => s.records).filter((r) => r.type === 'P')).toHaveLength(2);
  });

  it('a frame number out of sequence is refused', () => {
    const frames = strictFramesOf(TWO_PATIENTS);
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), frames[0], frames[2]]), 0);
    expect(e.replies()).toBe('AAN');
    expect(e.of('frame-rejected')[0]).toMatchObject({ frameNumber: 3, reason: 'frame 3 arrived when frame 2 was expected; refused (NAK)' });
  });

  it('a sender that ignores NAKs gets nothing taken once 6 frames in a row were refused, not even the frame whose number comes round again (6.5.1.2)', () => {
    // Nine records, one per frame: frames numbered 1..7, 0, 1, 2.
    const records = ['H|\\^&', ...Array.from({ length: 8 }, (_, i) => `R|${i + 1}|^^^T${i}|${i}`), 'L|1|N'];
    const frames = strictFramesOf(records).map((f) => Uint8Array.from(f));
    frames[0][5] ^= 0x01;
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), ...frames, Uint8Array.of(EOT)]), 0);
    expect(e.replies()).toBe('A' + 'N'.repeat(frames.length));
    expect(e.stores()).toEqual([]);
    expect(e.of('frame-rejected').at(-1)!.reason).toMatch(/after \d+ refused in a row, ignoring the NAKs/);
  });

  it('a frame refused 5 times and accepted on its 6th try is taken, and the count starts again', () => {
    const frames = strictFramesOf(TWO_PATIENTS);
    const bad = Uint8Array.from(frames[1]);
    bad[5] ^= 0x01;
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), frames[0], bad, bad, bad, bad, bad, frames[1], bad.map((b, i) => (i === 1 ? frames[2][1] : b)), frames[2], ...frames.slice(3), Uint8Array.of(EOT)]), 0);
    expect(e.replies()).toBe('AA' + 'NNNNN' + 'A' + 'N' + 'A'.repeat(frames.length - 2));
    expect(e.stores().flatMap((s) => s.records).filter((r) => r.type === 'P')).toHaveLength(2);
  });

  it('an ENQ right after a refused frame is line noise: ignored, the resent frame taken, the message stored whole', () => {
    const { frames, bad, e } = thirdFrameDamaged();
    e.receive(concat([Uint8Array.of(ENQ), frames[0], frames[1], bad, Uint8Array.of(ENQ), ...frames.slice(2), Uint8Array.of(EOT)]), 0);
    expect(e.replies()).toBe('AAAN' + 'A'.repeat(frames.length - 2));
    expect(e.of('frame-rejected').at(-1)!.reason).toContain('taken for line noise');
    expect(e.stores().flatMap((s) => s.records).filter((r) => r.type === 'P')).toHaveLength(2);
  });

  it('a second ENQ after a refused frame starts a new session (the analyzer really started over)', () => {
    const { frames, bad, e } = thirdFrameDamaged();
    e.receive(concat([Uint8Array.of(ENQ), frames[0], frames[1], bad, Uint8Array.of(ENQ), Uint8Array.of(ENQ)]), 0);
    expect(e.replies()).toBe('AAANA');
    expect(e.of('session-end').at(-1)).toMatchObject({ direction: 'in', reason: 'restarted' });
  });

  it('a frame longer than the profile allows is refused without holding it in memory', () => {
    const e = new Engine(new AstmSession({ maxFrameText: 100 }));
    e.receive([ENQ], 0);
    const big = strictFramesOf(['H|\\^&|' + 'x'.repeat(5000)], 10_000)[0];
    for (let i = 0; i < big.length; i += 64) {
      e.receive(big.subarray(i, i + 64));
      expect(e.session.bufferedBytes()).toBeLessThanOrEqual(100 + 7);
    }
    expect(e.replies()).toBe('AN');
    expect(e.of('frame-rejected')[0].reason).toContain('longer than 100 characters');
  });

  it('a checksum mismatch says what the frame says and what its bytes add up to', () => {
    const frame = Uint8Array.from(strictFramesOf(['H|\\^&|||X'])[0]);
    frame[5] ^= 0x01;
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), frame]), 0);
    expect(e.replies()).toBe('AN');
    expect(e.of('frame-rejected')[0].reason).toMatch(/^checksum mismatch: the frame says [0-9A-F]{2}, its bytes add up to [0-9A-F]{2}; refused \(NAK\)$/);
  });
});

describe('storage handshake (LIS02-A2 4.2.1)', () => {
  it('the frame that closes a group is acknowledged only after stored(id, true)', () => {
    const frames = strictFramesOf(TWO_PATIENTS);
    const e = later();
    e.receive([ENQ], 0);
    for (const f of frames.slice(0, 4)) e.receive(f);
    expect(e.replies()).toBe('AAAAA');
    e.receive(frames[4], 100); // P|2: closes patient 1's group
    expect(e.replies()).toBe('AAAAA');
    const [first] = e.stores();
    expect(first.rawTexts).toEqual(TWO_PATIENTS.slice(1, 4));
    expect(first.results.map((r) => [r.patient?.laboratoryPatientId, r.order?.specimenId[0], r.result.value])).toEqual([['PID1', 'S1', '5.5']]);
    expect(e.lastDeadline).toBe(100 + 14_000);
    e.stored(first.storeId, true, 200);
    expect(e.replies()).toBe('AAAAAA');
    for (const f of frames.slice(5)) e.receive(f, 300);
    expect(e.replies()).toBe('AAAAAAAA');
    const [, second] = e.stores();
    expect(second.rawTexts).toEqual(TWO_PATIENTS.slice(4, 7));
    expect(second.terminator?.code).toBe('N');
    expect(e.messages()).toEqual([]);
    e.stored(second.storeId, true, 400);
    expect(e.replies()).toBe('AAAAAAAAA');
    expect(e.messages()).toHaveLength(1);
  });

  it('a new O after R records closes the group; the next group inherits its P', () => {
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), ...strictFramesOf(['H|\\^&', 'P|1||PID1', 'O|1|S1||^^^A', 'R|1|^^^A|1', 'C|1|I|note', 'O|2|S1||^^^B', 'R|1|^^^B|2', 'L|1|N']), Uint8Array.of(EOT)]), 0);
    const [g1, g2] = e.stores();
    expect(g1.records.map((r) => r.type)).toEqual(['P', 'O', 'R', 'C']);
    expect(g1.results[0].result.attached.map((r) => r.type)).toEqual(['C']);
    expect(g2.records.map((r) => r.type)).toEqual(['O', 'R']);
    expect(g2.parents.patient?.laboratoryPatientId).toBe('PID1');
    expect(g2.results[0].patient?.laboratoryPatientId).toBe('PID1');
  });

  it('storage failure → NAK; the analyzer sends the frame again and the group is offered again', () => {
    const frames = strictFramesOf(TWO_PATIENTS);
    const e = later();
    e.receive(concat([Uint8Array.of(ENQ), ...frames.slice(0, 5)]), 0);
    const [first] = e.stores();
    e.stored(first.storeId, false, 10);
    expect(e.replies()).toBe('AAAAAN');
    expect(e.of('store-failed')).toMatchObject([{ storeIds: [first.storeId] }]);
    e.receive(frames[4], 20);
    const [, again] = e.stores();
    expect(again.storeId).not.toBe(first.storeId);
    expect(again.rawTexts).toEqual(first.rawTexts);
    e.stored(again.storeId, true, 30);
    expect(e.replies()).toBe('AAAAANA');
    e.receive(concat([...frames.slice(5), Uint8Array.of(EOT)]), 40);
    e.stored(e.stores()[2].storeId, true, 50);
    expect(e.messages()).toHaveLength(1);
    expect(e.stores().map((s) => s.records[0].raw)).toEqual(['P|1||PID1', 'P|1||PID1', 'P|2||PID2']);
  });

  it('no answer from storage → NAK before the 15 s reply limit; a late success is not offered twice', () => {
    const frames = strictFramesOf(TWO_PATIENTS);
    const e = later();
    e.receive(concat([Uint8Array.of(ENQ), ...frames.slice(0, 5)]), 1_000);
    const [first] = e.stores();
    e.tick(14_999);
    expect(e.replies()).toBe('AAAAA');
    e.tick(15_000);
    expect(e.replies()).toBe('AAAAAN');
    expect(e.of('store-failed')[0].reason).toContain('15 s reply limit');
    e.stored(first.storeId, true, 15_500);
    expect(e.replies()).toBe('AAAAAN');
    e.receive(frames[4], 16_000);
    expect(e.stores()).toHaveLength(1);
    expect(e.replies()).toBe('AAAAANA');
  });

  it('all records in one frame: each group offered, the frame acknowledged when all are stored', () => {
    const e = later();
    e.receive(concat([Uint8Array.of(ENQ), ...strictFramesOf([TWO_PATIENTS.join('\r')], 64_000)]), 0);
    const [g1, g2] = e.stores();
    expect([g1.rawTexts.length, g2.rawTexts.length]).toEqual([3, 3]);
    e.stored(g1.storeId, true, 1);
    expect(e.replies()).toBe('A');
    e.stored(g2.storeId, false, 2);
    expect(e.replies()).toBe('AN');
    e.receive(strictFramesOf([TWO_PATIENTS.join('\r')], 64_000)[0], 3);
    const offered = e.stores().slice(2);
    expect(offered.map((s) => s.rawTexts[0])).toEqual(['P|2||PID2']);
    e.stored(offered[0].storeId, true, 4);
    expect(e.replies()).toBe('ANA');
    expect(e.messages()).toHaveLength(1);
  });

  it('what arrives while a frame waits for storage is read after (EOT straight after ETX, as Maglumi does)', () => {
    const e = later();
    e.receive(concat([Uint8Array.of(ENQ, STX), latin1('H|\\^&\rP|1\rO|1|S1||^^^TSH II\rR|1|^^^TSH II|1.4|uIU/mL\rL|1|N\r'), Uint8Array.of(ETX, EOT)]), 0);
    expect(e.replies()).toBe('A');
    expect(e.session.line).toBe('receiving');
    e.stored(e.stores()[0].storeId, true, 5);
    expect(e.replies()).toBe('AA');
    expect(e.messages()).toHaveLength(1);
    expect(e.session.line).toBe('neutral');
  });

  it('more input than an analyzer may send while we wait is dropped, with an event, in bounded memory', () => {
    const e = new Engine(new AstmSession({ maxFrameText: 1000 }), () => 'later');
    e.receive(concat([Uint8Array.of(ENQ), ...strictFramesOf(TWO_PATIENTS.slice(0, 5))]), 0);
    e.receive(new Uint8Array(5000).fill(0x41), 1);
    expect(e.session.bufferedBytes()).toBeLessThanOrEqual(2 * (1000 + 7));
    expect(e.of('frame-rejected').at(-1)?.reason).toMatch(/byte\(s\) arrived while a frame waited for storage/);
  });
});

describe('timeouts and broken sessions', () => {
  it('30 s without a frame discards only the group not yet stored (6.5.2.4)', () => {
    const frames = strictFramesOf(TWO_PATIENTS);
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), ...frames.slice(0, 6)]), 0);
    expect(e.stores()).toHaveLength(1);
    expect(e.lastDeadline).toBe(30_000);
    e.tick(29_999);
    expect(e.of('discarded')).toEqual([]);
    e.tick(30_000);
    expect(e.of('discarded')).toMatchObject([{ rawTexts: ['P|2||PID2', 'O|1|S2||^^^GLU'] }]);
    expect(e.of('discarded')[0].reason).toContain('30 s');
    expect(e.of('session-end')).toEqual([{ type: 'session-end', direction: 'in', reason: 'receive-timeout' }]);
    expect(e.session.line).toBe('neutral');
    expect(e.lastDeadline).toBeNull();
  });

  it('EOT before the terminator drops the unstored group and a record cut by ETB', () => {
    const frames = strictFramesOf(['H|\\^&', 'P|1', 'O|1|S1||^^^GLU', 'R|1|^^^GLU|5.5|' + 'x'.repeat(300)]);
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), ...frames.slice(0, 4), Uint8Array.of(EOT)]), 0);
    expect(e.replies()).toBe('AAAAA');
    const [d] = e.of('discarded');
    expect(d.rawTexts.map((t) => t.slice(0, 6))).toEqual(['P|1', 'O|1|S1', 'R|1|^^']);
  });

  it('an ENQ in the middle of a session starts a new one (the last EOT was lost)', () => {
    const frames = strictFramesOf(TWO_PATIENTS);
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), ...frames.slice(0, 3), Uint8Array.of(ENQ), ...frames, Uint8Array.of(EOT)]), 0);
    expect(e.of('session-end').map((s) => s.reason)).toEqual(['restarted', 'eot']);
    expect(e.of('discarded')).toHaveLength(1);
    expect(e.messages()).toHaveLength(1);
  });
});

describe('framing detection', () => {
  it('a strict first frame whose number is damaged is refused, not taken as simplified', () => {
    const frames = strictFramesOf(['H|\\^&|||X', 'L|1|N']);
    const damaged = Uint8Array.from(frames[0]);
    damaged[1] = 'H'.charCodeAt(0);
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), damaged]), 0);
    expect(e.replies()).toBe('AN');
    e.receive(concat([...frames, Uint8Array.of(EOT)]), 1);
    expect(e.replies()).toBe('ANAA');
    expect(e.messages()).toHaveLength(1);
  });

  it('a strict analyzer whose first frame lost its number: its numbered frames are refused, not read as records', () => {
    const frames = strictFramesOf(['H|\\^&|||X', 'P|1', 'L|1|N']);
    const lost = concat([frames[0].subarray(0, 1), frames[0].subarray(2)]);
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ), lost, frames[1]]), 0);
    expect(e.replies()).toBe('AAN');
    expect(e.of('frame-rejected')[0].reason).toContain('uses strict framing');
  });

  it('a profile can force either framing', () => {
    const simplified = concat([Uint8Array.of(ENQ, STX), latin1('H|\\^&\rL|1|N\r'), Uint8Array.of(ETX, EOT)]);
    const forcedStrict = new Engine(new AstmSession({ framing: 'strict' }));
    forcedStrict.receive(concat([simplified, latin1('xxx')]), 0);
    expect(forcedStrict.replies()).toBe('AN');
    expect(forcedStrict.of('frame-rejected')[0].reason).toContain('checksum characters');
    const forcedSimplified = new Engine(new AstmSession({ framing: 'simplified' }));
    forcedSimplified.receive(simplified, 0);
    expect(forcedSimplified.replies()).toBe('AA');
    expect(forcedSimplified.of('session-start')[0]).toMatchObject({ framing: 'simplified' });
  });

  it('simplified records never carry a frame digit or checksum', () => {
    const e = new Engine(new AstmSession());
    e.receive(concat([Uint8Array.of(ENQ, STX), latin1('H|\\^&\rP|1\rO|1|S9||^^^X\rR|1|^^^X|3\rL|1|N\r'), Uint8Array.of(ETX, EOT)]), 0);
    expect(e.stores()[0].rawTexts).toEqual(['P|1', 'O|1|S9||^^^X', 'R|1|^^^X|3']);
  });
});

describe('charsets', () => {
  function frame(fn: number, bytes: number[], terminator: number): Uint8Array {
    const f = [STX, 0x30 + fn, ...bytes, terminator];
    const sum = checksumText(checksum(Uint8Array.from(f), 1, f.length));
    return Uint8Array.from([...f, sum.charCodeAt(0), sum.charCodeAt(1), 0x0d, 0x0a]);
  }

  it('Windows-1252 by default: é and µ are read, not NAKed', () => {
    const e = new Engine(new AstmSession());
    const bytes = [...latin1('H|\\^&\rP|1||||Ren'), 0xe9, ...latin1('e\rO|1|S1||^^^B12\rR|1|^^^B12|5|'), 0xb5, ...latin1('mol/L\rL|1|N\r')];
    e.receive(concat([Uint8Array.of(ENQ), frame(1, bytes, ETX), Uint8Array.of(EOT)]), 0);
    const [s] = e.stores();
    expect(s.records[0].type === 'P' && s.records[0].name).toEqual(['Renée']);
    expect(s.results[0].result.units).toBe('µmol/L');
  });

  it('UTF-8 profile: a character cut by an ETB frame boundary is read whole; bad bytes are kept and reported', () => {
    const e = new Engine(new AstmSession({ charset: 'utf-8' }));
    const text = [...latin1('H|\\^&\rP|1||||Jos'), 0xc3]; // é = C3 A9, cut after C3
    const rest = [0xa9, ...latin1('\rC|1|I|bad '), 0xff, ...latin1('\rL|1|N\r')];
    e.receive(concat([Uint8Array.of(ENQ), frame(1, text, ETB), frame(2, rest, ETX), Uint8Array.of(EOT)]), 0);
    const [s] = e.stores();
    expect(s.records[0].type === 'P' && s.records[0].name).toEqual(['José']);
    const c = s.records[1];
    expect(c.type === 'C' && c.text[0][0]).toBe('bad \udcff');
    expect(e.of('record-warning')[0].reason).toContain('1 byte(s) were not valid UTF-8');
  });
});

describe('a message interrupted after its first patient group, then repeated', () => {
  it('stores the first group once, drops the broken rest, and the repeat stores nothing twice', async () => {
    const machineId = 7;
    const table = new Map<string, string>();
    let inserted = 0;
    const pending: Promise<void>[] = [];
    const store = (s: StoreEvent): boolean => {
      for (const { order, result } of s.results) {
        pending.push(
          idempotencyKey({
            machineId, sampleId: order?.specimenId[0] ?? '', testId: result.test.text, status: result.status,
            completedAtRaw: result.completedAt || result.startedAt, value: result.value, units: result.units,
          }).then((key) => {
            if (!table.has(key)) {
              table.set(key, `${order?.specimenId[0]} ${result.value}`);
              inserted++;
            }
          }),
        );
      }
      return true;
    };
    const e = new Engine(new AstmSession(), store);
    const frames = strictFramesOf(TWO_PATIENTS);
    // Frames up to P|2 arrive (P|1's group is stored when P|2 comes), then the line goes quiet.
    e.receive(concat([Uint8Array.of(ENQ), ...frames.slice(0, 6)]), 0);
    e.tick(30_000);
    await Promise.all(pending);
    expect(e.stores()).toHaveLength(1);
    expect(e.of('discarded')).toHaveLength(1);
    expect([...table.values()]).toEqual(['S1 5.5']);

    // LIS02-A2 4.2.2: the analyzer repeats the message (from its start).
    e.receive(concat([Uint8Array.of(ENQ), ...frames, Uint8Array.of(EOT)]), 40_000);
    await Promise.all(pending);
    expect(e.stores()).toHaveLength(3);
    expect(e.stores()[1].rawTexts).toEqual(e.stores()[0].rawTexts);
    expect(inserted).toBe(2);
    expect([...table.values()]).toEqual(['S1 5.5', 'S2 7.1']);
  });
});
