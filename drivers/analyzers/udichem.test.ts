import { describe, expect, it } from 'vitest';
import { readGenericReply } from '../../sim/analyzers/udichem-query.ts';
import { udichemQuery, udichemResult } from '../../sim/analyzers/messages.ts';
import type { DeviceSettings, QueryAnswer } from '../driver.ts';
import { simplifiedMessage, strictMessage, TestEngine, textOf } from './fixtures/test-engine.ts';
import { udichem } from './udichem.ts';

const ACK = 0x06;

function reply(answer: QueryAnswer, query = simplifiedMessage(udichemQuery('U2001')), settings: DeviceSettings = {}): { text: string; e: TestEngine } {
  const e = new TestEngine(udichem.connect(settings));
  e.feed(query);
  expect(new Set(e.takeWritten())).toEqual(new Set([ACK]));
  e.answer(e.queries()[0].queryId, answer);
  return { text: textOf(e.receiveAstm()), e };
}

/** The host's simplified transmission: ENQ, STX records ETX, EOT. */
const simplified = (records: string[]) => textOf(simplifiedMessage(records));

describe('Udichem (query-driven, simplified framing)', () => {
  it('answers an order in the form the field middleware used (byte-exact, simplified framing)', () => {
    const { text, e } = reply({ kind: 'orders', orders: [{ barcode: 'U2001', tests: ['GLU', 'UREA', 'CREA'] }] });
    expect(text).toBe(simplified(['H|\\^&|||LIS|||||||P|1', 'P|1', 'O|1|U2001||^^^GLU\\^^^UREA\\^^^CREA', 'L|1|N']));
    expect(readGenericReply(['H|\\^&|||LIS|||||||P|1', 'P|1', 'O|1|U2001||^^^GLU\\^^^UREA\\^^^CREA', 'L|1|N']).problems).toEqual([]);
    expect(e.ofType('query-replied').map((x) => x.reply)).toEqual(['order']);
  });

  it('answers no order with H then L|1|I and a failed lookup with H then L|1|Q', () => {
    expect(reply({ kind: 'orders', orders: [{ barcode: 'U2001', tests: [] }] }).text).toBe(simplified(['H|\\^&|||LIS|||||||P|1', 'L|1|I']));
    const failed = reply({ kind: 'error', reason: 'cloud did not answer, not in cache' });
    expect(failed.text).toBe(simplified(['H|\\^&|||LIS|||||||P|1', 'L|1|Q']));
    expect(failed.e.ofType('query-replied').map((x) => x.reply)).toEqual(['error']);
  });

  it('takes the host id from the settings and replies strict to an analyzer that sent strict frames', () => {
    const { text } = reply({ kind: 'orders', orders: [{ barcode: 'U2001', tests: ['GLU'] }] }, strictMessage(udichemQuery('U2001')), { host_id: 'LAB1' });
    expect(text).toBe(textOf(strictMessage(['H|\\^&|||LAB1|||||||P|1', 'P|1', 'O|1|U2001||^^^GLU', 'L|1|N'])));
  });

  it('answers several tubes of one query in one session, one P/O group per ordered tube in the query\'s order', () => {
    const query = simplifiedMessage(['H|\\^&||PSWD|Udichem|||||Lis||P|E1394-97|20260101', 'Q|1|^B\\^A\\^C||ALL||||||||O', 'L|1|N']);
    const { text, e } = reply(
      { kind: 'orders', orders: [{ barcode: 'B', tests: ['GLU'] }, { barcode: 'A', tests: [] }, { barcode: 'C', tests: ['UREA'] }] },
      query,
    );
    expect(e.queries()[0].query.sampleIds).toEqual(['B', 'A', 'C']);
    expect(text).toBe(simplified(['H|\\^&|||LIS|||||||P|1', 'P|1', 'O|1|B||^^^GLU', 'P|2', 'O|1|C||^^^UREA', 'L|1|N']));
  });

  it('reads results, QC by the machine\'s patterns, and withdraws a cancelled query', () => {
    const e = new TestEngine(udichem.connect({ qc_patterns: ['^QC-', '[invalid'] }));
    e.feed(simplifiedMessage(udichemResult({ barcode: 'QC-LOW', value: '55', date: '20260101' })));
    e.feed(simplifiedMessage(udichemResult({ barcode: 'B1', value: '099', date: '20260101' })));
    expect(e.results.map((r) => [r.sampleId, r.testCode, r.value, r.units, r.referenceRange, r.qc ?? false])).toEqual([
      ['QC-LOW', 'GLU', '55', 'mg/dl', '70 to 110', true],
      ['B1', 'GLU', '099', 'mg/dl', '70 to 110', false],
    ]);
    e.feed(simplifiedMessage(udichemQuery('U9')));
    e.feed(simplifiedMessage(udichemQuery('U9', { cancel: true })));
    expect(e.ofType('query-cancelled')).toHaveLength(1);
    e.takeWritten();
    e.answer(e.queries()[0].queryId, { kind: 'orders', orders: [{ barcode: 'U9', tests: ['GLU'] }] });
    expect([...e.takeWritten()]).toEqual([]);
  });

  it('translates the analyzer\'s sample number to the LIS barcode, and delivers an unknown one marked unmatched', () => {
    const e = new TestEngine(udichem.connect({ sample_id_map: { '17': 'LIS-0017' }, qc_patterns: ['^QC'] }));
    e.feed(simplifiedMessage(udichemResult({ barcode: '17', date: '20260101' })));
    e.feed(simplifiedMessage(udichemResult({ barcode: '18', date: '20260101' })));
    expect(e.results.map((r) => [r.sampleId, r.unmatched ?? false, r.attributes])).toEqual([
      ['LIS-0017', false, { analyzer_sample_id: '17' }],
      ['18', true, { analyzer_sample_id: '18' }],
    ]);
  });

  it('declares its profile', () => {
    expect(udichem).toMatchObject({ key: 'udichem_astm', protocol: 'astm', replyWindowMs: 5_000, serialDefaults: { baud_rate: 9600, data_bits: 8, parity: 'none', stop_bits: 1 } });
  });
});
