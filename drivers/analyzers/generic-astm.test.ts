import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { timerOverrides } from '../astm-connection.ts';
import { genericAstm, genericOrderReply } from './generic-astm.ts';
import { simplifiedMessage, strictMessage, TestEngine, textOf } from './fixtures/test-engine.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const ACK = 0x06;

describe('generic ASTM: the Erba XL-1000 captures', () => {
  it('reads the backtick repeat delimiter, the C record, a number and `NA` as text', () => {
    const e = new TestEngine(genericAstm.connect({}));
    e.feed(fixture('erba_xl1000_result_backtick_repeat_delim_rawwire.bin'));
    e.feed(fixture('erba_xl1000_result_NA_value_rawwire.bin'));
    expect([...e.takeWritten()]).toEqual([ACK, ACK, ACK, ACK]);
    expect(e.results.map((r) => [r.sampleId, r.testCode, r.testId, r.value, r.units, r.flags, r.status, r.completedAtRaw])).toEqual([
      ['1044041', 'DBILL', '^^^DBILL', '0.3', 'mg/dl', ['A'], 'F', '20200928132312'],
      ['1044041', 'CKK', '^^^CKK', 'NA', 'mg/dl', ['A'], 'F', '20200928132325'],
    ]);
  });
});

describe('generic ASTM: configured from the cloud\'s settings', () => {
  it('replies with the configured delimiters, escaping what would clash', () => {
    expect(genericOrderReply({ delimiters: '|`^&', host_id: 'H' }, { kind: 'orders', orders: [{ barcode: 'A|1', tests: ['GLU', 'T^2'] }] }).records).toEqual([
      'H|`^&|||H|||||||P|1',
      'P|1',
      'O|1|A&F&1||^^^GLU`^^^T&S&2',
      'L|1|N',
    ]);
    // A nonsense setting falls back to the standard set.
    expect(genericOrderReply({ delimiters: 'abcd' }, { kind: 'error', reason: 'x' }).records).toEqual(['H|\\^&|||LIS|||||||P|1', 'L|1|Q']);
  });

  it('takes the test code from the configured component of the test id', () => {
    const records = ['H|\\^&|||X|||||||P|1', 'P|1', 'O|1|S1||^^^GLU', 'R|1|1234^Glucose^^GLU|5.5|mmol/L||N||F||||20260101', 'L|1|N'];
    const plain = new TestEngine(genericAstm.connect({}));
    plain.feed(strictMessage(records));
    const byUniversalId = new TestEngine(genericAstm.connect({ test_code_component: 1 }));
    byUniversalId.feed(strictMessage(records));
    expect([plain.results[0].testCode, byUniversalId.results[0].testCode]).toEqual(['GLU', '1234']);
  });

  it('forces the framing the settings name, and reads timer overrides', () => {
    const e = new TestEngine(genericAstm.connect({ framing: 'simplified' }));
    e.feed(strictMessage(['H|\\^&|||X|||||||P|1', 'Q|1|^S1||ALL||||||||O', 'L|1|N']));
    // A strict frame read as simplified text is not a message: no query comes out of it.
    expect(e.queries()).toEqual([]);
    expect(timerOverrides({ astm_timers: { receiveIdleMs: 200, enqReplyMs: 'x', frameReplyMs: -1 } })).toEqual({ receiveIdleMs: 200 });
    const short = new TestEngine(genericAstm.connect({ astm_timers: { receiveIdleMs: 200 } }));
    short.feed(Uint8Array.of(0x05, 0x02));
    // The receiver's idle timer (30 s by LIS01-A2) runs 200 ms here.
    expect(short.deadline! - short.now).toBeGreaterThan(190);
    expect(short.deadline! - short.now).toBeLessThanOrEqual(200);
  });

  it('answers a simplified-framed query in simplified framing', () => {
    const e = new TestEngine(genericAstm.connect({}));
    e.feed(simplifiedMessage(['H|\\^&|||X|||||||P|1', 'Q|1|^S1||ALL||||||||O', 'L|1|N']));
    e.takeWritten();
    e.answer(1, { kind: 'orders', orders: [{ barcode: 'S1', tests: ['GLU'] }] });
    expect(textOf(e.receiveAstm())).toBe('\x05\x02H|\\^&|||LIS|||||||P|1\rP|1\rO|1|S1||^^^GLU\rL|1|N\r\x03\x04');
    expect(genericAstm.replyWindowMs).toBe(10_000);
  });
});
