import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readVitrosReply, vitrosReplyProblems } from '../../sim/analyzers/vitros-reply-check.ts';
import type { DeviceSettings, OrderInfo, QueryAnswer } from '../driver.ts';
import { bytesOf, strictMessage, TestEngine, textOf } from './fixtures/test-engine.ts';
import { vitros, vitrosAssayList } from './vitros.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const QC = fixture('vitros3600_qc_result_rawwire.bin');
const LESS_THAN = fixture('vitros3600_result_lessthan_values_rawwire.bin');
const WITH_M = fixture('vitros3600_results_with_M_records_rawwire.bin');
const QUERY = fixture('vitros3600_hostquery_Q_rawwire.bin');
const ABORT = fixture('vitros3600_hostquery_abort_QA_LT_rawwire.bin');
const MALFORMED = [fixture('host_to_vitros3600_order_reply_MALFORMED_singleframe.bin'), fixture('host_to_vitros3600_order_reply_MALFORMED_singleframe_2.bin')];

const SETTINGS: DeviceSettings = { timezone: 'UTC', host_id: 'LIS' };
const ENQ = 0x05;
const ACK = 0x06;
const EOT = 0x04;

function engine(settings: DeviceSettings = SETTINGS): TestEngine {
  return new TestEngine(vitros.connect(settings));
}

/** The host's transmission for these records, framed independently of the driver: ENQ, one strict frame per record, EOT. */
function expectedTransmission(records: string[]): string {
  return textOf(strictMessage(records));
}

const order = (o: Partial<OrderInfo> & { barcode: string }): OrderInfo => ({ tests: [], ...o });

/** Sends the captured query, answers it, plays the analyzer's ACKs; returns the host's bytes and the engine. */
function replyTo(answer: QueryAnswer, settings: DeviceSettings = SETTINGS, query: Uint8Array = QUERY): { bytes: Uint8Array; e: TestEngine } {
  const e = engine(settings);
  e.feed(query);
  e.takeWritten();
  const [q] = e.queries();
  e.answer(q.queryId, answer);
  return { bytes: e.receiveAstm(), e };
}

/** `now` of the test engine when it answers, as the reply's header writes it (UTC settings). */
function stamp(e: TestEngine): string {
  return new Date(e.now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

describe('VITROS results (captures through the driver)', () => {
  it('reads the QC capture: sid^tray^cup, HIL indices as sample-quality indices, R-7 flags, R-9 status; QC by pattern', () => {
    const e = engine({ ...SETTINGS, qc_patterns: ['^444444'] });
    e.feed(QC);
    // ENQ and each of the 7 frames answered ACK, nothing else.
    expect([...e.takeWritten()]).toEqual(Array(8).fill(ACK));
    expect(e.results).toEqual(
      ['950', '951', '952'].map((code, i) => ({
        sampleId: '44444411',
        sampleIdParts: ['2', '10'],
        testCode: code,
        testId: `^^^1.0000+${code}+1.0`,
        value: ['51', '5', '56'][i],
        units: '',
        referenceRange: '',
        flags: ['NQ'],
        status: 'V',
        completedAtRaw: '20201111214628',
        kind: 'sample-quality-index',
        qc: true,
      })),
    );
    expect(e.ofType('device-error')).toEqual([]);
  });

  it('keeps `<15` style values as text with their comparator, the dilution in the test id, and code 001 apart from HIL', () => {
    const e = engine();
    e.feed(LESS_THAN);
    expect(e.results.map((r) => [r.testCode, r.testId, r.value, r.comparator ?? null, r.kind ?? 'test'])).toEqual([
      ['001', '^^^1.0000+001+1.0', '8.25', null, 'test'],
      ['950', '^^^1.0000+950+1.0', '<15', '<', 'sample-quality-index'],
      ['951', '^^^1.0000+951+1.0', '<2', '<', 'sample-quality-index'],
      ['952', '^^^1.0000+952+1.0', '<20', '<', 'sample-quality-index'],
    ]);
    expect(e.results[0]).toMatchObject({ sampleId: '1068616', sampleIdParts: ['1', '3'], units: 'mIU/L', flags: ['1', '0', '0', '0'], status: 'V' });
    expect(e.results.every((r) => !r.qc)).toBe(true);
    // M|1|X (reagent lot information) is not an error.
    expect(e.ofType('device-error')).toEqual([]);
  });

  it('reads the capture with M records and the 7→0 frame-number wrap: every R, reruns kept apart by time', () => {
    const e = engine();
    e.feed(WITH_M);
    expect([...e.takeWritten()]).toEqual(Array(17).fill(ACK));
    expect(e.results).toHaveLength(8);
    const sodium = e.results.filter((r) => r.testCode === '002');
    expect(sodium.map((r) => [r.value, r.completedAtRaw])).toEqual([
      ['33.86', '20201111221629'],
      ['33.46', '20201111221532'],
      ['34.05', '20201111221551'],
      ['33.59', '20201111221610'],
      ['34.35', '20201111221629'],
    ]);
    expect(sodium[0].flags).toEqual(['FRMN', 'NR', 'NR', 'NR']);
    expect(e.results.slice(5).map((r) => [r.testCode, r.value, r.kind])).toEqual([
      ['950', 'No Result', 'sample-quality-index'],
      ['951', 'No Result', 'sample-quality-index'],
      ['952', 'No Result', 'sample-quality-index'],
    ]);
  });

  it('translates by position (tray^cup) when the lab keys its map so, and marks what it cannot match', () => {
    const e = engine({ ...SETTINGS, sample_id_map: { '1^3': 'LIS-7' }, sample_id_map_key: 'position' });
    e.feed(LESS_THAN);
    e.feed(QC);
    expect([...new Set(e.results.map((r) => `${r.sampleId} ${r.unmatched ?? false} ${r.attributes?.analyzer_sample_id}`))]).toEqual(['LIS-7 false 1068616', '44444411 true 44444411']);
  });

  it('surfaces M…E and E records as device errors', () => {
    const e = engine();
    e.feed(strictMessage(['H|\\^&|||3600796||||||||LIS2-A|20201121111012', 'M|1|E|PY1|033|N|Unable to find program', 'E|1|Printer offline', 'L|1|N']));
    expect(e.ofType('device-error').map((x) => [x.kind, x.message])).toEqual([
      ['analyzer-error', 'VITROS error PY1 033: Unable to find program'],
      ['analyzer-error', 'VITROS error record: E|1|Printer offline'],
    ]);
  });

  it('reports the analyzer clock skew from the header, in the machine\'s zone', () => {
    const e = engine({ timezone: 'Asia/Baghdad' });
    e.now = Date.UTC(2020, 10, 21, 10, 7, 0);
    e.feed(LESS_THAN);
    const [ev] = e.ofType('results');
    // 20201121130405 in Baghdad (UTC+3) is 10:04:05 UTC.
    expect(Math.round(ev.clockSkewMs! / 1000)).toBe(-175);
  });
});

describe('VITROS host query and replies (byte-exact)', () => {
  it('reads the captured query: specimen id from Q-3 component 2', () => {
    const e = engine();
    e.feed(QUERY);
    expect([...e.takeWritten()]).toEqual([ACK, ACK, ACK, ACK]);
    expect(e.queries().map((q) => q.query)).toEqual([{ sampleIds: ['1068687'], all: false, cancel: false }]);
  });

  it('answers an order in the verified single-assay form, one record per frame', () => {
    const { bytes, e } = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300'], specimenType: 'serum' })] });
    expect(textOf(bytes)).toBe(
      expectedTransmission([
        `H|\\^&|||LIS||||||||LIS2-A|${stamp(e)}`,
        'P|1',
        'O|1|1068687||^^^1.0+300+1.0|R||||||N||||5||||||||||O',
        'L|1|N',
      ]),
    );
    expect(vitrosReplyProblems(bytes)).toEqual([]);
    expect(e.ofType('query-replied')).toEqual([{ type: 'query-replied', queryId: 1, reply: 'order', firstByteAt: e.ofType('query-replied')[0].firstByteAt }]);
  });

  it('writes several assays each as a full test id, priority S for stat, body fluid from the table', () => {
    const { bytes, e } = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300', '330'], specimenType: 'Serum', priority: 'stat' })] });
    expect(textOf(bytes)).toBe(
      expectedTransmission([
        `H|\\^&|||LIS||||||||LIS2-A|${stamp(e)}`,
        'P|1',
        'O|1|1068687||^^^1.0+300+1.0\\^^^1.0+330+1.0|S||||||N||||5||||||||||O',
        'L|1|N',
      ]),
    );
    expect(vitrosReplyProblems(bytes)).toEqual([]);
  });

  it('offers the compact assay list VITROS itself sends, as a profile option', () => {
    expect(vitrosAssayList(['300', '330', '309'], 'compact')).toBe('^^^1.0+300+1.0\\330+1.0\\309+1.0');
    const { bytes } = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300', '330'], specimenType: 'serum' })] }, { ...SETTINGS, vitros_assay_list: 'compact' });
    expect(readVitrosReply(bytes).reply.records[2]).toBe('O|1|1068687||^^^1.0+300+1.0\\330+1.0|R||||||N||||5||||||||||O');
    expect(readVitrosReply(bytes).reply.orders[0].assays).toEqual(['300', '330']);
    expect(vitrosReplyProblems(bytes)).toEqual([]);
  });

  it('answers "no order" with H then L|1|I, and a failed lookup with H then L|1|Q (never "no order")', () => {
    const none = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687' })] });
    expect(textOf(none.bytes)).toBe(expectedTransmission([`H|\\^&|||LIS||||||||LIS2-A|${stamp(none.e)}`, 'L|1|I']));
    expect(none.e.ofType('query-replied')[0].reply).toBe('no-order');
    const failed = replyTo({ kind: 'error', reason: 'cloud down, not cached' });
    expect(textOf(failed.bytes)).toBe(expectedTransmission([`H|\\^&|||LIS||||||||LIS2-A|${stamp(failed.e)}`, 'L|1|Q']));
    expect(failed.e.ofType('query-replied')[0].reply).toBe('error');
    // A failed lookup is also an alert staff see; "no order" is not.
    expect(failed.e.ofType('device-error').map((x) => [x.kind, x.message])).toEqual([['query-failed', 'Host query for 1068687 answered with an error (the tube runs nothing): cloud down, not cached']]);
    expect(none.e.ofType('device-error')).toEqual([]);
    expect(vitrosReplyProblems(none.bytes)).toEqual([]);
    expect(vitrosReplyProblems(failed.bytes)).toEqual([]);
  });

  it('writes the header time on the analyzer\'s clock (the machine\'s zone)', () => {
    const { bytes, e } = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687' })] }, { timezone: 'Asia/Baghdad' });
    const local = new Date(e.now + 3 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    expect(readVitrosReply(bytes).reply.records[0]).toBe(`H|\\^&|||LIS||||||||LIS2-A|${local}`);
  });

  it('never sends an unknown specimen type as serum: O-16 empty and a visible warning; lab codes from settings', () => {
    const { bytes, e } = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300'], specimenType: 'plasma' })] });
    expect(readVitrosReply(bytes).reply.records[2]).toBe('O|1|1068687||^^^1.0+300+1.0|R||||||N||||||||||||||O');
    expect(e.ofType('device-error')).toHaveLength(1);
    expect(e.ofType('device-error')[0]).toMatchObject({ kind: 'order-warning' });
    expect(e.ofType('device-error')[0].message).toMatch(/plasma.*not as serum/);
    const configured = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300'], specimenType: 'Plasma' })] }, { ...SETTINGS, body_fluid_codes: { plasma: '7' } });
    expect(readVitrosReply(configured.bytes).reply.orders[0].bodyFluid).toBe('7');
    expect(configured.e.ofType('device-error')).toEqual([]);
    const missing = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300'] })] });
    expect(missing.e.ofType('device-error')[0].message).toMatch(/"\(none\)"/);
  });

  it('answers several specimen ids in one session: one P/O group per id, in the query\'s order', () => {
    const query = strictMessage(['H|\\^&|||3600796||||||||LIS2-A|20201121110643', 'Q|1|^S2\\^S1||ALL||||||||O', 'L|1|N']);
    const { bytes, e } = replyTo(
      { kind: 'orders', orders: [order({ barcode: 'S2', tests: ['309'], specimenType: 'serum' }), order({ barcode: 'S1', tests: ['300'], specimenType: 'serum' })] },
      SETTINGS,
      query,
    );
    expect(e.queries()[0].query.sampleIds).toEqual(['S2', 'S1']);
    expect(readVitrosReply(bytes).reply.records.slice(1)).toEqual([
      'P|1',
      'O|1|S2||^^^1.0+309+1.0|R||||||N||||5||||||||||O',
      'P|2',
      'O|1|S1||^^^1.0+300+1.0|R||||||N||||5||||||||||O',
      'L|1|N',
    ]);
    expect(vitrosReplyProblems(bytes)).toEqual([]);
  });

  it('records the first reply byte (its ENQ) and sends exactly one reply', () => {
    const e = engine();
    e.feed(QUERY);
    e.takeWritten();
    const [q] = e.queries();
    e.now += 40;
    e.answer(q.queryId, { kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300'], specimenType: 'serum' })] });
    expect(e.written[0]).toBe(ENQ);
    expect(e.ofType('query-replied')).toEqual([{ type: 'query-replied', queryId: q.queryId, reply: 'order', firstByteAt: e.now }]);
    e.receiveAstm();
    // A second answer to the same query writes nothing.
    e.answer(q.queryId, { kind: 'error', reason: 'again' });
    expect(e.takeWritten()).toEqual(new Uint8Array());
    expect(e.ofType('query-replied')).toHaveLength(1);
  });
});

describe('VITROS withdrawn queries', () => {
  it('gives a query the analyzer cancelled (Q-13 A, L|1|T) no reply at all', () => {
    const e = engine();
    e.feed(QUERY);
    e.feed(ABORT);
    expect(e.ofType('query-cancelled')).toEqual([{ type: 'query-cancelled', queryId: 1 }]);
    e.takeWritten();
    e.answer(1, { kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300'], specimenType: 'serum' })] });
    e.advance(60_000);
    expect([...e.takeWritten()]).toEqual([]);
    expect(e.ofType('query-replied')).toEqual([]);
    expect(e.conn.busy()).toBe(false);
  });

  it('withdraws a reply that was waiting for the line when the cancel arrives', () => {
    const e = engine();
    e.feed(QUERY);
    // The analyzer starts its withdrawal (ENQ and the header frame) while the cloud is answering.
    const chunks = [...ABORT];
    const headerEnd = ABORT.indexOf(0x0a) + 1;
    e.feed(Uint8Array.from(chunks.slice(0, headerEnd)));
    e.answer(1, { kind: 'orders', orders: [order({ barcode: '1068687', tests: ['300'], specimenType: 'serum' })] });
    e.feed(Uint8Array.from(chunks.slice(headerEnd)));
    e.advance(60_000);
    expect(e.ofType('query-cancelled')).toEqual([{ type: 'query-cancelled', queryId: 1 }]);
    expect([...e.takeWritten()].filter((b) => b !== ACK)).toEqual([]);
    expect(e.ofType('query-replied')).toEqual([]);
  });

  it('leaves alone a reply already on the wire, and queries for other tubes', () => {
    const e = engine();
    e.feed(strictMessage(['H|\\^&|||3600796||||||||LIS2-A|20201121110643', 'Q|1|^OTHER||ALL||||||||O', 'L|1|N']));
    e.feed(QUERY);
    e.feed(strictMessage(['H|\\^&|||3600796||||||||LIS2-A|20201121110653', 'Q|1|^1068687||ALL||||||||A', 'L|1|N']));
    expect(e.ofType('query-cancelled')).toEqual([{ type: 'query-cancelled', queryId: 2 }]);
    e.takeWritten();
    e.answer(1, { kind: 'orders', orders: [order({ barcode: 'OTHER', tests: ['300'], specimenType: 'serum' })] });
    expect(vitrosReplyProblems(e.receiveAstm())).toEqual([]);
  });
});

describe('what VITROS rejects', () => {
  it('recognises both malformed replies from the field as replies VITROS refuses', () => {
    for (const bytes of MALFORMED) {
      const problems = vitrosReplyProblems(bytes);
      expect(problems).toContain('frame 1: holds 4 records; VITROS takes one record per frame');
      expect(problems.some((p) => /type "2P" \(a frame number leaked into the text\)/.test(p))).toBe(true);
      expect(problems).toContain('no terminator (L) record');
    }
  });

  it('refuses other breaks of the rules: bad checksum, frame numbers, header version, assay form', () => {
    const good = strictMessage(['H|\\^&|||LIS||||||||LIS2-A|20201121111002', 'P|1', 'O|1|S1||^^^1.0+300+1.0|R||||||N||||5||||||||||O', 'L|1|N']);
    expect(vitrosReplyProblems(good)).toEqual([]);
    const badSum = good.slice();
    badSum[good.indexOf(0x03) + 1] = 0x30;
    expect(vitrosReplyProblems(badSum)[0]).toMatch(/^frame 1: checksum/);
    expect(vitrosReplyProblems(strictMessage(['H|\\^&|||LIS||||||||E1394-97|20201121111002', 'L|1|I']))).toEqual(['H-13 is "E1394-97", not LIS2-A']);
    expect(vitrosReplyProblems(strictMessage(['H|\\^&|||LIS||||||||LIS2-A|20201121111002', 'P|1', 'O|1|S1||^^^300|R||||||N||||5||||||||||O', 'L|1|N']))).toEqual([
      'O record 1: O-5 repeat 1 "^^^300" is not an assay id ^^^<dil>+<code>+<dil>',
    ]);
    expect(vitrosReplyProblems(strictMessage(['H|\\^&|||LIS||||||||LIS2-A|20201121111002', 'L|1|N']))).toEqual(['L|1|N with no order: "no order" is L|1|I']);
    expect(vitrosReplyProblems(bytesOf('\x05\x024L|1|N\r\x03' + 'XX\r\n\x04'))[0]).toBe('frame 1: frame number 4 where 1 was due');
  });

  it('sees no problem in our reply to the captured query (the capture that VITROS cancelled 10 s later)', () => {
    const { bytes } = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687', tests: ['002'], specimenType: 'serum' })] });
    expect(vitrosReplyProblems(bytes)).toEqual([]);
    expect(bytes[bytes.length - 1]).toBe(EOT);
  });
});

describe('VITROS driver profile', () => {
  it('declares its reply window, strict framing and key', () => {
    expect(vitros).toMatchObject({ key: 'vitros_astm', protocol: 'astm', replyWindowMs: 2_400 });
    // Strict framing even when the settings ask otherwise: our reply to a simplified-framed query is still strict.
    const { bytes } = replyTo({ kind: 'orders', orders: [order({ barcode: '1068687' })] }, { ...SETTINGS, framing: 'simplified' });
    expect(vitrosReplyProblems(bytes)).toEqual([]);
  });
});
