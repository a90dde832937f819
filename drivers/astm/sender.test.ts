/**
 * The sending side (host → analyzer order replies), one test per LIS01-A2 clause, with a fake
 * clock: nothing here waits for real time.
 */
import { describe, expect, it } from 'vitest';
import { ACK, ENQ, EOT, ETB, ETX, NAK, STX } from './control.ts';
import { checksum } from './checksum.ts';
import { header, order, patient, terminator } from './records/build.ts';
import { AstmSession } from './session.ts';
import { Engine, strictSession } from './testing/harness.ts';
import type { AstmProfileOptions } from './profile.ts';

const REPLY = [
  header({ sender: 'LIS', version: 'LIS2-A', timestamp: '20250701120000' }),
  patient({ sequence: 1 }),
  order({ sequence: 1, specimenId: '1068687', tests: [['', '', '', '1.0+300+1.0']], priority: 'R', actionCode: 'N', specimenDescriptor: '5', reportType: 'O' }),
  terminator(),
];

function setup(options: AstmProfileOptions = {}): { e: Engine; id: number } {
  const e = new Engine(new AstmSession({ framing: 'strict', ...options }));
  const id = e.send(REPLY, 0);
  return { e, id };
}

function lastWrite(e: Engine): Uint8Array {
  return e.written[e.written.length - 1];
}

function frameText(frame: Uint8Array): string {
  return String.fromCharCode(...frame);
}

describe('establishment (6.2)', () => {
  it('sends ENQ at once when the line is neutral, and the first frame on ACK', () => {
    const { e } = setup();
    expect(e.replies()).toBe('Q');
    expect(e.lastDeadline).toBe(15_000);
    e.receive([ACK], 10);
    expect(frameText(lastWrite(e))).toMatch(/^\x021H\|\\\^&\|\|\|LIS\|\|\|\|\|\|\|\|LIS2-A\|20250701120000\r\x03[0-9A-F]{2}\r\n$/);
    expect(e.of('session-start').map((s) => s.direction)).toEqual(['out']);
  });

  it('6.2.6: NAK to ENQ → no ENQ for 10 s, then ENQ again', () => {
    const { e, id } = setup();
    e.receive([NAK], 100);
    expect(e.replies()).toBe('Q');
    expect(e.of('send-deferred')).toMatchObject([{ messageId: id, reason: 'enq-refused', retryAt: 10_100 }]);
    expect(e.lastDeadline).toBe(10_100);
    e.tick(10_099);
    expect(e.replies()).toBe('Q');
    e.tick(10_100);
    expect(e.replies()).toBe('QQ');
  });

  it('6.2.6: ENQ refused a bounded number of times ends the attempt', () => {
    const { e, id } = setup({ maxEnqAttempts: 3 });
    let t = 0;
    for (let i = 0; i < 3; i++) {
      e.receive([NAK], t);
      t += 10_000;
      e.tick(t);
    }
    expect(e.of('send-deferred')).toHaveLength(2);
    expect(e.of('send-aborted')).toMatchObject([{ messageId: id, reason: 'enq-refused', willRetry: true, retryAt: 20_000 + 10_000 }]);
  });

  it('6.5.2.1: no reply to ENQ within 15 s → EOT (termination)', () => {
    const { e, id } = setup();
    e.tick(14_999);
    expect(e.replies()).toBe('Q');
    e.tick(15_000);
    expect(e.replies()).toBe('QE');
    expect(e.of('send-aborted')).toMatchObject([{ messageId: id, reason: 'no-reply', willRetry: true }]);
  });
});

describe('transfer (6.3, 6.5.1.2)', () => {
  it('frames of at most 240 text characters, ETB for intermediate ones, frame numbers 1..7, 0', () => {
    const long = 'C|1|I|' + 'x'.repeat(1000);
    const e = new Engine(new AstmSession({ framing: 'strict' }));
    e.send(['H|\\^&', long, 'L|1|N'], 0);
    e.receive([ACK]);
    while (e.of('send-delivered').length === 0) e.receive([ACK]);
    const frames = e.written.filter((w) => w.length > 1);
    expect(frames.map((f) => f[1] - 0x30)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(frames.map((f) => f[f.length - 5])).toEqual([ETX, ETB, ETB, ETB, ETB, ETX, ETX]);
    for (const f of frames) {
      expect(f[0]).toBe(STX);
      expect(f.length - 7).toBeLessThanOrEqual(240);
      const sum = checksum(f, 1, f.length - 4);
      expect(String.fromCharCode(f[f.length - 4], f[f.length - 3])).toBe(sum.toString(16).toUpperCase().padStart(2, '0'));
    }
    const text = frames.slice(1, 6).map((f) => frameText(f.subarray(2, f.length - 5))).join('');
    expect(text).toBe(long + '\r');
    expect(e.replies().endsWith('E')).toBe(true);
  });

  it('5 NAKs then ACK → the same frame each time, then delivered', () => {
    const { e, id } = setup();
    e.receive([ACK], 1);
    const first = lastWrite(e);
    for (let i = 0; i < 5; i++) {
      e.receive([NAK], 2 + i);
      expect(lastWrite(e)).toEqual(first);
    }
    for (let i = 0; i < 4; i++) e.receive([ACK], 10 + i);
    expect(e.replies()).toBe('Q' + 'F'.repeat(6) + 'FFF' + 'E');
    expect(e.of('send-delivered')).toEqual([{ type: 'send-delivered', messageId: id }]);
    expect(e.of('send-aborted')).toEqual([]);
    expect(e.session.line).toBe('neutral');
  });

  it('6 NAKs → EOT and an abort event; the message is repeated in full later', () => {
    const { e, id } = setup();
    e.receive([ACK], 1);
    e.receive([ACK], 2);
    for (let i = 0; i < 6; i++) e.receive([NAK], 3 + i);
    expect(e.replies()).toBe('QFF' + 'F'.repeat(5) + 'E');
    const [aborted] = e.of('send-aborted');
    expect(aborted).toMatchObject({ messageId: id, reason: 'nak-limit', willRetry: true, retryAt: 8 + 10_000 });
    expect(aborted.text).toContain('frame 2 of 4 failed 6 times');
    expect(e.lastDeadline).toBe(10_008);
    e.clearWritten();
    e.tick(10_008);
    e.receive([ACK], 10_009);
    expect(frameText(lastWrite(e))).toMatch(/^\x021H\|/);
  });

  it('any reply other than ACK or EOT counts as a NAK', () => {
    const { e } = setup();
    e.receive([ACK], 1);
    const first = lastWrite(e);
    e.receive([0x41], 2);
    expect(lastWrite(e)).toEqual(first);
    expect(e.replies()).toBe('QFF');
  });

  it('6.5.2.3: no reply to a frame within 15 s → EOT, abort, message kept', () => {
    const { e, id } = setup();
    e.receive([ACK], 1_000);
    e.tick(15_999);
    expect(e.replies()).toBe('QF');
    e.tick(16_000);
    expect(e.replies()).toBe('QFE');
    expect(e.of('send-aborted')).toMatchObject([{ messageId: id, reason: 'no-reply', willRetry: true }]);
  });

  it('a message that keeps failing is dropped after the attempt limit, with an event', () => {
    const { e, id } = setup({ maxMessageAttempts: 2, timers: { retryAfterAbortMs: 5 } });
    e.tick(15_000);
    e.tick(15_005);
    e.tick(30_005);
    expect(e.replies()).toBe('QEQE');
    expect(e.of('send-aborted').map((a) => [a.messageId, a.willRetry])).toEqual([[id, true], [id, false]]);
    expect(e.lastDeadline).toBeNull();
  });
});

describe('contention (6.2.7.1, 6.5.2.2)', () => {
  const analyzerMessage = strictSession(['H|\\^&|||VITROS', 'Q|1|^1068687||ALL||||||||O', 'L|1|N']);

  it('an ENQ answering ours: we stop, ACK its next ENQ, receive its message, then send ours at once', () => {
    const { e, id } = setup();
    e.receive([ENQ], 5);
    expect(e.replies()).toBe('Q');
    expect(e.session.line).toBe('contention');
    expect(e.of('send-deferred')).toMatchObject([{ messageId: id, reason: 'contention' }]);
    expect(e.lastDeadline).toBe(20_005);
    e.receive(analyzerMessage, 1_005);
    expect(e.stores()).toHaveLength(1);
    expect(e.stores()[0].queries[0].specimenIds).toEqual(['1068687']);
    // ACK to its ENQ and its three frames, then our ENQ right after its EOT: no fixed pause.
    expect(e.replies()).toBe('QAAAAQ');
    expect(e.session.line).toBe('sending');
  });

  it('no ENQ from the analyzer within 20 s → the line is neutral and ours goes', () => {
    const { e } = setup();
    e.receive([ENQ], 5);
    e.tick(20_004);
    expect(e.replies()).toBe('Q');
    e.tick(20_005);
    expect(e.replies()).toBe('QQ');
  });
});

describe('receiver interrupt (6.3.5)', () => {
  it('EOT in place of ACK: EOT at once, message kept, quiet for 15 s', () => {
    const { e, id } = setup();
    e.receive([ACK], 1);
    e.receive([ACK], 2);
    e.receive([EOT], 3);
    expect(e.replies()).toBe('QFFE');
    expect(e.of('send-aborted')).toMatchObject([{ messageId: id, reason: 'receiver-interrupt', willRetry: true, retryAt: 15_003 }]);
    expect(e.of('session-end').map((s) => s.reason)).toEqual(['interrupted']);
    e.tick(15_002);
    expect(e.replies()).toBe('QFFE');
    e.tick(15_003);
    expect(e.replies()).toBe('QFFEQ');
    e.receive([ACK], 15_004);
    expect(frameText(lastWrite(e))).toMatch(/^\x021H\|/);
  });

  it('…or until the analyzer has sent its message, whichever comes first', () => {
    const { e } = setup();
    e.receive([ACK], 1);
    e.receive([EOT], 2);
    e.receive(strictSession(['H|\\^&|||VITROS', 'P|1', 'O|1|S1||^^^1.0000+300+1.0', 'R|1|^^^1.0000+300+1.0|5.2|mmol/L||||F', 'L|1|N']), 500);
    expect(e.stores()).toHaveLength(1);
    expect(e.replies()).toBe('QFE' + 'A'.repeat(6) + 'Q');
  });

  it('EOT in place of the last frame\'s ACK still delivers', () => {
    const { e, id } = setup();
    for (let i = 0; i < 4; i++) e.receive([ACK], i);
    e.receive([EOT], 5);
    expect(e.of('send-delivered')).toEqual([{ type: 'send-delivered', messageId: id }]);
    expect(e.replies()).toBe('QFFFFE');
  });
});

describe('outbox', () => {
  it('messages go out one session each, in order', () => {
    const e = new Engine(new AstmSession({ framing: 'strict' }));
    const a = e.send(['H|\\^&', 'L|1|N'], 0);
    const b = e.send(['H|\\^&', 'L|1|I'], 0);
    for (let i = 0; i < 8; i++) e.receive([ACK], i);
    expect(e.of('send-delivered').map((d) => d.messageId)).toEqual([a, b]);
    expect(e.replies()).toBe('QFFEQFFE');
  });

  it('a queued reply can be withdrawn (a query the analyzer cancelled gets no reply)', () => {
    const e = new Engine(new AstmSession({ framing: 'strict' }));
    e.send(['H|\\^&', 'L|1|N'], 0);
    const b = e.send(['H|\\^&', 'L|1|I'], 0);
    e.take(e.session.cancelSend(b, 1));
    for (let i = 0; i < 4; i++) e.receive([ACK], i + 2);
    expect(e.replies()).toBe('QFFE');
    expect(e.of('send-aborted')).toMatchObject([{ messageId: b, reason: 'cancelled', willRetry: false }]);
  });

  it('simplified framing sends the whole message in one block, nothing after ETX', () => {
    const e = new Engine(new AstmSession({ framing: 'simplified' }));
    e.send(['H|\\^&|||LIS', 'P|1', 'O|1|25059232||^^^TSH II', 'L|1|N'], 0);
    e.receive([ACK], 1);
    expect(frameText(lastWrite(e))).toBe('\x02H|\\^&|||LIS\rP|1\rO|1|25059232||^^^TSH II\rL|1|N\r\x03');
    e.receive([ACK], 2);
    expect(e.replies()).toBe('QFE');
  });

  it("with framing 'auto', replies use the framing the analyzer last used", () => {
    const e = new Engine(new AstmSession());
    e.receive([ENQ, STX, ...Array.from('H|\\^&\rQ|1|^S1||ALL\rL|1|N\r', (c) => c.charCodeAt(0)), ETX, EOT], 0);
    expect(e.stores()).toHaveLength(1);
    e.send(['H|\\^&', 'L|1|I'], 1);
    e.receive([ACK], 2);
    expect(frameText(lastWrite(e))).toBe('\x02H|\\^&\rL|1|I\r\x03');
  });

  it('characters the charset cannot carry are sent as ? with a warning', () => {
    const e = new Engine(new AstmSession({ framing: 'simplified', charset: 'latin1' }));
    e.send(['H|\\^&', 'P|1||||Nguyễn^Văn', 'L|1|N'], 0);
    e.receive([ACK], 1);
    expect(frameText(lastWrite(e))).toContain('P|1||||Nguy?n^V?n');
    expect(e.of('record-warning')[0].reason).toContain('2 character(s) have no byte in latin1');
  });
});
