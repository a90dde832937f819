/**
 * Every raw-wire capture in fixtures/ decoded through the whole session (link + records) and
 * checked field by field. Record-text fixtures are parsed, then also framed by our own sender's
 * framing and decoded through the receiver.
 */
import { describe, expect, it } from 'vitest';
import { AstmSession } from './session.ts';
import { Engine, concat, strictSession, simplifiedSession } from './testing/harness.ts';
import { fixtureBytes, recordLines } from './testing/fixtures.ts';
import type { AstmRecord, CommentRecord, HeaderRecord, ManufacturerRecord, OrderRecord, QueryRecord, ResultRecord } from './records/model.ts';
import { parseRecord } from './records/parse.ts';
import { STANDARD_DELIMITERS } from './records/model.ts';

function decode(bytes: Uint8Array): Engine {
  const engine = new Engine(new AstmSession());
  engine.receive(bytes);
  return engine;
}

function records(engine: Engine): AstmRecord[] {
  return engine.stores().flatMap((s) => s.records);
}

function ofType<T extends AstmRecord['type']>(engine: Engine, type: T): Extract<AstmRecord, { type: T }>[] {
  return records(engine).filter((r): r is Extract<AstmRecord, { type: T }> => r.type === type);
}

function header(engine: Engine): HeaderRecord {
  return engine.stores()[0].header!;
}

describe('VITROS 3600 (LIS2-A, one record per frame)', () => {
  it('QC results: O-3 sample^tray^cup, compact O-5 repeats, O-16 body fluid, R-7 ^0^NQ, R-9 V', () => {
    const e = decode(fixtureBytes('vitros3600_qc_result_rawwire.bin'));
    expect(e.replies()).toBe('AAAAAAAA');
    expect(e.of('frame-rejected')).toEqual([]);
    expect(e.stores()).toHaveLength(1);
    expect(e.messages()).toHaveLength(1);
    const h = header(e);
    expect([h.sender, h.version, h.timestamp, h.delimiters]).toEqual([['3600796'], 'LIS2-A', '20201111215418', STANDARD_DELIMITERS]);
    const [o] = ofType(e, 'O');
    expect(o.specimenId).toEqual(['44444411', '2', '10']);
    expect(o.tests.map((t) => [t.text, t.localCode, t.universalId])).toEqual([
      ['^^^1.0000+950+1.0', '1.0000+950+1.0', ''],
      ['951+1.0', '', '951+1.0'],
      ['952+1.0', '', '952+1.0'],
    ]);
    expect([o.priority, o.actionCode, o.specimenDescriptor, o.reportType]).toEqual(['R', 'N', ['5'], 'F']);
    const results = ofType(e, 'R');
    expect(results.map((r) => [r.sequence, r.test.localCode, r.value, r.units, r.flags, r.flagComponents, r.status, r.startedAt, r.completedAt, r.instrument])).toEqual([
      ['1', '1.0000+950+1.0', '51', '', ['NQ'], [['', '0', 'NQ']], 'V', '20201111214611', '20201111214628', '36000796'],
      ['2', '1.0000+951+1.0', '5', '', ['NQ'], [['', '0', 'NQ']], 'V', '20201111214611', '20201111214628', '36000796'],
      ['3', '1.0000+952+1.0', '56', '', ['NQ'], [['', '0', 'NQ']], 'V', '20201111214611', '20201111214628', '36000796'],
    ]);
    const store = e.stores()[0];
    expect(store.results.every((x) => x.order === o && x.patient?.sequence === '1')).toBe(true);
    expect(store.terminator?.code).toBe('N');
  });

  it('results with M records: R-7 repeat list, M attached to its R, frame numbers wrap 7 → 0', () => {
    const e = decode(fixtureBytes('vitros3600_results_with_M_records_rawwire.bin'));
    expect(e.replies()).toBe('A'.repeat(17));
    const frameNumbers = e.of('frame').filter((f) => f.direction === 'in' && f.kind === 'end').map((f) => f.frameNumber);
    expect(frameNumbers).toEqual([1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0]);
    const [o] = ofType(e, 'O');
    expect(o.specimenId).toEqual(['1111111', '3', '1']);
    expect(o.tests).toHaveLength(7);
    const results = ofType(e, 'R');
    expect(results.map((r) => [r.test.localCode, r.value, r.units, r.flags, r.status, r.completedAt, r.attached.map((m) => m.type)])).toEqual([
      ['1.0000+002+1.0', '33.86', 'nmol/L', ['FRMN', 'NR', 'NR', 'NR'], 'V', '20201111221629', []],
      ['1.0000+002+1.0', '33.46', 'nmol/L', ['NQLS', 'NR', 'NR', 'NR'], 'V', '20201111221532', ['M']],
      ['1.0000+002+1.0', '34.05', 'nmol/L', ['NQ', 'NR', 'NR', 'NR'], 'V', '20201111221551', ['M']],
      ['1.0000+002+1.0', '33.59', 'nmol/L', ['NQ', 'NR', 'NR', 'NR'], 'V', '20201111221610', ['M']],
      ['1.0000+002+1.0', '34.35', 'nmol/L', ['NQ', 'NR', 'NR', 'NR'], 'V', '20201111221629', ['M']],
      ['1.0000+950+1.0', 'No Result', '', ['NR'], 'V', '20201111215216', []],
      ['1.0000+951+1.0', 'No Result', '', ['NR'], 'V', '20201111215216', []],
      ['1.0000+952+1.0', 'No Result', '', ['NR'], 'V', '20201111215216', []],
    ]);
    const m = results[1].attached[0] as ManufacturerRecord;
    expect(m.fields).toEqual(['M', '1', 'X', '2365^20201208170419^20201111170419^^^6858', '20201111211018^N^20201209211018', '0780^20201111212505^20220531000000', '', 'N']);
  });

  it('less-than values keep their text and get a comparator', () => {
    const e = decode(fixtureBytes('vitros3600_result_lessthan_values_rawwire.bin'));
    const results = ofType(e, 'R');
    expect(results.map((r) => [r.value, r.comparator, r.flagComponents])).toEqual([
      ['8.25', undefined, [['', '1', ''], ['', '0', ''], ['', '0', ''], ['', '0', '']]],
      ['<15', '<', [['', '5', '']]],
      ['<2', '<', [['', '5', '']]],
      ['<20', '<', [['', '5', '']]],
    ]);
    expect(results[0].units).toBe('mIU/L');
    expect(results[0].attached.map((r) => r.type)).toEqual(['M']);
    expect(ofType(e, 'O')[0].specimenId).toEqual(['1068616', '1', '3']);
  });

  it('host query: H, Q, L arrives as one store group; Q-3 component 2 is the specimen id', () => {
    const e = decode(fixtureBytes('vitros3600_hostquery_Q_rawwire.bin'));
    expect(e.replies()).toBe('AAAA');
    const [store] = e.stores();
    expect(store.records.map((r) => r.type)).toEqual(['Q']);
    const q = store.queries[0];
    expect([q.specimenIds, q.startingRange, q.all, q.allTests, q.status, q.cancel]).toEqual([
      ['1068687'], [{ components: ['', '1068687'], patientId: '', specimenId: '1068687' }], false, true, 'O', false,
    ]);
    expect(store.header?.timestamp).toBe('20201121110643');
    expect(e.messages()[0].terminator.code).toBe('N');
  });

  it('query cancel: Q-13 A and L|1|T', () => {
    const e = decode(fixtureBytes('vitros3600_hostquery_abort_QA_LT_rawwire.bin'));
    const q = e.stores()[0].queries[0];
    expect([q.specimenIds, q.status, q.cancel]).toEqual([['1068687'], 'A', true]);
    expect(e.messages()[0].terminator.code).toBe('T');
  });

  describe('the two MALFORMED host replies VITROS rejected (negative vectors)', () => {
    for (const name of ['host_to_vitros3600_order_reply_MALFORMED_singleframe.bin', 'host_to_vitros3600_order_reply_MALFORMED_singleframe_2.bin']) {
      it(`${name}: a valid frame whose text crams all records with stray frame digits`, () => {
        const e = decode(concat([Uint8Array.of(0x05), fixtureBytes(name), Uint8Array.of(0x04)]));
        // The frame itself is sound (checksum right): what is wrong is inside it.
        expect(e.replies()).toBe('AA');
        expect(e.of('frame').filter((f) => f.direction === 'in' && f.kind === 'end').map((f) => f.checksumOk)).toEqual([true]);
        const warnings = e.of('record-warning').map((w) => w.reason);
        expect(warnings).toHaveLength(3);
        expect(warnings.every((w) => w.includes('looks like a frame number leaked into the record text'))).toBe(true);
        // No L record is recognised, so the message never ends and nothing is stored.
        expect(e.messages()).toEqual([]);
        const dropped = e.of('discarded')[0].rawTexts;
        expect(dropped.map((t) => t.slice(0, 2))).toEqual(['2P', '3O', '4L']);
        expect(dropped[1]).toMatch(/^3O\|1\|1068687\|\|\^\^\^1\.0000\+002\+1\.0\|R\|/);
      });
    }
  });
});

describe('Horiba Yumizen H500 (125 frames, 89 ETB, records split mid-field)', () => {
  const e = decode(fixtureBytes('horiba_yumizen_h500_multiframe_rawwire.bin'));

  it('is acknowledged frame by frame, with no rejection', () => {
    const frames = e.of('frame').filter((f) => f.direction === 'in' && f.kind !== 'eot' && f.kind !== 'enq');
    expect(frames).toHaveLength(125);
    expect(frames.filter((f) => f.kind === 'intermediate')).toHaveLength(89);
    expect(frames.every((f) => f.checksumOk === true)).toBe(true);
    expect(e.replies()).toBe('A'.repeat(126));
  });

  it('header, order and comment', () => {
    const h = header(e);
    expect([h.sender, h.processingId, h.version, h.timestamp]).toEqual([['H500', '906YOXH02459', '2.2.0.5'], 'P', 'LIS2-A2', '20200407165331']);
    const [o] = ofType(e, 'O');
    expect([o.specimenId, o.tests.map((t) => t.localCode), o.priority, o.requestedAt, o.specimenDescriptor, o.reportType]).toEqual([
      ['2021679'], ['DIF'], 'R', '20200407151558', ['BLOOD'], 'F',
    ]);
    const c = o.attached[0] as CommentRecord;
    expect([c.source, c.commentType, c.text.length]).toEqual(['I', 'I', 5]);
    expect(c.text[0]).toEqual(['NON_COMPLIANT_DATA', 'WBC', 'LL_OR_LL1_INTERFERE']);
    expect(c.text[4]).toEqual(['SUSPECTED_PATHOLOGY', '', 'PLT_AGGREGATES_OR_E']);
  });

  it('M records carrying base64 histograms are reassembled whole, attached to the order', () => {
    const ms = ofType(e, 'M');
    expect(ms.map((m) => [m.sequence, m.fields[2], m.fields.map((f) => f.length)])).toEqual([
      ['1', 'HISTOGRAM', [1, 1, 9, 7, 11, 54, 1382]],
      ['2', 'HISTOGRAM', [1, 1, 9, 7, 11, 78, 1402]],
      ['3', 'MATRIX', [1, 1, 6, 4, 10, 50, 18610]],
      ['4', 'REAGENT', [1, 1, 7, 20, 101]],
    ]);
    expect(ms[2].fields[6]).toMatch(/^FLOATLE-stream\/deflate:base64\^[A-Za-z0-9+/=]+$/);
    expect(ofType(e, 'O')[0].attached.map((r) => r.type)).toEqual(['C', 'M', 'M', 'M', 'M']);
  });

  it('27 results field by field', () => {
    const results = ofType(e, 'R');
    expect(results.map((r) => [r.test.localCode, r.value, r.units, r.referenceRange, r.flags.join(','), r.status])).toEqual([
      ['PCT', '0.13', '%', '0.15 - 0.40', 'L', 'W'],
      ['NEU#', '3.03', '10E3/uL', '1.60 - 7.00', 'N', 'W'],
      ['MCV', '79.3', 'um3', '76.0 - 100.0', 'N', 'F'],
      ['P-LCR', '36.2', '%', '18.0 - 50.0', 'N', 'W'],
      ['NEU%', '67.9', '%', '40.0 - 73.0', 'N', 'W'],
      ['RDW-CV', '28.8', '%', '11.0 - 17.0', 'HH', 'F'],
      ['MPV', '9.2', 'um3', '8.0 - 11.0', 'N', 'W'],
      ['RBC', '1.74', '10E6/uL', '3.80 - 6.00', 'LL', 'F'],
      ['P-LCC', '50', '10E3/uL', '44 - 140', 'N', 'W'],
      ['MON#', '0.33', '10E3/uL', '0.20 - 0.80', 'N', 'W'],
      ['WBC', '4.55', '10E3/uL', '3.50 - 10.00', 'N', 'W'],
      ['PLT', '139', '10E3/uL', '150 - 400', 'L', 'W'],
      ['LIC%', '1.7', '%', '0.0 - 1.0', 'H', 'W'],
      ['MON%', '7.3', '%', '4.0 - 12.0', 'N', 'W'],
      ['LIC#', '0.08', '10E3/uL', '0.00 - 0.10', 'N', 'W'],
      ['LYM#', '1.02', '10E3/uL', '1.00 - 3.00', 'N', 'W'],
      ['PDW', '20.7', 'um3', '11.0 - 22.0', 'N', 'W'],
      ['HGB', '4.6', 'g/dL', '11.5 - 17.0', 'LL', 'F'],
      ['LYM%', '22.8', '%', '15.0 - 45.0', 'N', 'W'],
      ['RDW-SD', '90.5', 'um3', '37.0 - 49.0', 'HH', 'F'],
      ['BAS%', '1.4', '%', '0.0 - 2.0', 'N', 'W'],
      ['BAS#', '0.06', '10E3/uL', '0.00 - 0.15', 'N', 'W'],
      ['MCH', '26.4', 'pg', '27.0 - 34.0', 'L', 'F'],
      ['MCHC', '33.3', 'g/dL', '32.0 - 35.0', 'N', 'F'],
      ['HCT', '13.8', '%', '35.0 - 52.0', 'LL', 'F'],
      ['EOS#', '0.03', '10E3/uL', '0.00 - 0.50', 'N', 'W'],
      ['EOS%', '0.6', '%', '0.5 - 7.0', 'N', 'W'],
    ]);
    expect(results[0].test.components).toEqual(['', '', '', 'PCT', '51637-7']);
    expect([results[0].operator, results[0].startedAt, results[0].completedAt]).toEqual([['PATHO', '', 'USER'], '20200407151558', '']);
    expect(e.stores()[0].results.every((x) => x.order?.specimenId[0] === '2021679')).toBe(true);
  });

  it('no frame digit or checksum leaks into the record text', () => {
    for (const text of e.stores()[0].rawTexts) {
      expect(text).toMatch(/^[HPORCMQSL]\|/);
      expect(text).not.toMatch(/[\x00-\x1f]/);
    }
  });
});

describe('Erba XL-1000 (whole message in one frame)', () => {
  it('backtick repeat delimiter, C record attached to its result', () => {
    const e = decode(fixtureBytes('erba_xl1000_result_backtick_repeat_delim_rawwire.bin'));
    expect(e.replies()).toBe('AA');
    const h = header(e);
    expect([h.delimiters, h.version, h.timestamp, h.processingId]).toEqual([{ field: '|', repeat: '`', component: '^', escape: '&' }, 'E 1394-97', '20200928132312', 'P']);
    const [p] = ofType(e, 'P');
    expect(p.sex).toBe('U');
    const [o] = ofType(e, 'O');
    expect([o.specimenId, o.tests[0].localCode, o.specimenDescriptor]).toEqual([['1044041'], 'DBILL', ['SERUM']]);
    const [r] = ofType(e, 'R');
    expect([r.value, r.units, r.referenceRange, r.flags, r.abnormalityNature, r.status, r.completedAt]).toEqual(['0.3', 'mg/dl', '', ['A'], 'N', 'F', '20200928132312']);
    expect(r.attached).toHaveLength(1);
    expect((r.attached[0] as CommentRecord).text).toEqual([['Instrument Flag A']]);
  });

  it('a non-numeric value stays text', () => {
    const e = decode(fixtureBytes('erba_xl1000_result_NA_value_rawwire.bin'));
    const [r] = ofType(e, 'R');
    expect([r.test.localCode, r.value, r.comparator, r.units]).toEqual(['CKK', 'NA', undefined, 'mg/dl']);
  });
});

/** Record-text fixtures: parsed directly, and through our framing and receiver. */
function parseLines(lines: string[]): AstmRecord[] {
  let delimiters = STANDARD_DELIMITERS;
  return lines.map((line) => {
    const r = parseRecord(line, delimiters, 'windows-1252');
    if (r.type === 'H') delimiters = r.delimiters;
    return r;
  });
}

function throughLink(lines: string[], framing: 'strict' | 'simplified'): Engine {
  const engine = new Engine(new AstmSession({ framing }));
  engine.receive(framing === 'strict' ? strictSession(lines) : simplifiedSession(lines));
  return engine;
}

describe('record-text fixtures', () => {
  for (const name of [
    'goastm_immucor_galileo_result.astm', 'goastm_immucor_galileo_order.astm', 'goastm_biorad_ihcom_bloodtype.astm',
    'goastm_euroimmun_analyzer1_igg.astm', 'tgenaux_ortho_vision_LIS2A_example.txt', 'tgenaux_phadia_LIS2A2_example.txt',
  ]) {
    it(`${name} decodes the same through strict and simplified framing as parsed directly`, () => {
      const lines = recordLines(name);
      const direct = parseLines(lines).filter((r) => r.type !== 'H' && r.type !== 'L');
      for (const framing of ['strict', 'simplified'] as const) {
        const e = throughLink(lines, framing);
        expect(e.of('frame-rejected')).toEqual([]);
        expect(records(e).map((r) => r.raw)).toEqual(direct.map((r) => r.raw));
        expect(records(e).map((r) => ({ ...r, attached: undefined }))).toEqual(direct.map((r) => ({ ...r, attached: undefined })));
      }
    });
  }

  it('Immucor Galileo: components inside results, two orders, each result under its order', () => {
    const e = throughLink(recordLines('goastm_immucor_galileo_result.astm'), 'strict');
    const groups = e.stores();
    // A new O after R records stores the first order's group before it (LIS02-A2 4.2.1).
    expect(groups).toHaveLength(2);
    expect(groups[1].parents.patient?.name).toEqual(['Patient', 'Test']);
    const results = groups.flatMap((g) => g.results);
    expect(results.map((x) => [x.order?.tests[0].localCode, x.result.test.localCode, x.result.value, x.result.valueComponents, x.result.status, x.result.operator[0]])).toEqual([
      ['ABOD Full', 'Rh Ctrl', '0', ['0', '0', '0'], 'F', 'brentp'],
      ['ABOD Full', 'Anti-A', '0', ['0', '0', '0'], 'F', 'brentp'],
      ['ABOD Full', 'Anti-B', '3+', ['3+', '3+', '45'], 'F', 'brentp'],
      ['ABOD Full', 'Anti-AB', '3+', ['3+', '3+', '45'], 'F', 'brentp'],
      ['ABOD Full', 'Anti-D1', '3+', ['3+', '3+', '29'], 'F', 'brentp'],
      ['ABOD Full', 'Anti-D2', '3+', ['3+', '3+', '40'], 'F', 'brentp'],
      ['ABOD Full', 'A1 Cells', '2+', ['2+', '2+', '17'], 'F', 'brentp'],
      ['ABOD Full', 'B Cells', '0', ['0', '0', '0'], 'F', 'brentp'],
      ['ABOD Full', 'ABOD Full Interp', 'B Pos', ['B Pos'], 'F', 'brentp'],
      ['Screen', 'Screen 1', '4+', ['4+', '4+', '100'], 'F', 'brentp'],
      ['Screen', 'Screen 2', '4+', ['4+', '4+', '99'], 'F', 'brentp'],
      ['Screen', 'Screen 3', '4+', ['4+', '4+', '100'], 'F', 'brentp'],
      ['Screen', 'Pos Ctrl', '4+', ['4+', '4+', '100'], 'F', 'brentp'],
      ['Screen', 'Screen Interp', 'Pos', ['Pos'], 'F', 'brentp'],
    ]);
    expect(results.every((x) => x.result.completedAt === '20060306164429' && x.result.instrument === 'M0002')).toBe(true);
    expect(results.every((x) => x.patient?.practicePatientId === '1171984' && x.order?.specimenId[0] === '0651439A')).toBe(true);
  });

  it('Immucor Galileo order: patient, order, comment', () => {
    const e = throughLink(recordLines('goastm_immucor_galileo_order.astm'), 'strict');
    const [p] = ofType(e, 'P');
    expect([p.practicePatientId, p.name, p.birthDate, p.sex]).toEqual(['1171984', ['Patient', 'Test'], '19590422', 'M']);
    const [o] = ofType(e, 'O');
    expect([o.specimenId, o.tests[0].localCode, o.priority, o.actionCode, o.specimenDescriptor]).toEqual([['0651439A'], 'Crossmatch', 'R', 'N', ['Blood', 'Patient']]);
    expect((o.attached[0] as CommentRecord).text).toEqual([['Donor', 'R02460']]);
    expect(header(e).receiver).toEqual(['Echo']);
  });

  it('Bio-Rad IH-Com blood type: repeats in O-4, long test names, comments per result', () => {
    const e = throughLink(recordLines('goastm_biorad_ihcom_bloodtype.astm'), 'strict');
    const [o] = ofType(e, 'O');
    expect(o.specimenId).toEqual(['1122206642']);
    expect(o.instrumentSpecimenId).toEqual(['1122206642', '', '', '']);
    expect(o.tests[0].components).toEqual(['', '', '', 'MO10', '', '28343', '']);
    const results = ofType(e, 'R');
    expect(results.map((r) => [r.test.localCode, r.test.components[4], r.value, r.units, r.status, r.operator[0], r.completedAt])).toEqual([
      ['AntiA', 'MO10', '40', 'C', 'R', 'lalina', ''],
      ['AntiB', 'MO10', '0', 'C', 'R', 'lalina', ''],
      ['AntiD', 'MO10', '0', 'C', 'R', 'lalina', ''],
      ['Result', 'MO10', 'A', 'C', 'S', 'lalina', ''],
    ]);
    expect(results[3].valueComponents).toEqual(['A', 'NEG', 'NEG', 'ccee', 'K-', 'NEG', '', '', '']);
    expect(results.map((r) => r.attached.length)).toEqual([1, 1, 1, 1]);
  });

  it('Euroimmun: thirteen patients, each its own group; comma decimals and > values', () => {
    const e = throughLink(recordLines('goastm_euroimmun_analyzer1_igg.astm'), 'strict');
    const groups = e.stores();
    expect(groups.length).toBe(recordLines('goastm_euroimmun_analyzer1_igg.astm').filter((l) => l.startsWith('P|')).length);
    const results = groups.flatMap((g) => g.results);
    expect(results.slice(0, 4).map((x) => [x.patient?.laboratoryPatientId, x.result.test.localCode, x.result.value, x.result.comparator, x.result.units])).toEqual([
      ['TEST-27-079-5-1', 'SARSCOV2IGA', '>8', '>', 'Ratio'],
      ['TEST-27-077-5-1', 'SARSCOV2IGA', '7,41', undefined, 'Ratio'],
      ['TEST-27-062-5-1', 'SARSCOV2IGA', '>8', '>', 'Ratio'],
      ['TEST-27-019-5-1', 'SARSCOV2IGA', '6,77', undefined, 'Ratio'],
    ]);
    expect(header(e).fields).toEqual(['H', '\\^&']);
  });

  it('Ortho Vision: O-5 without components, M records after each R, L with no sequence', () => {
    const e = throughLink(recordLines('tgenaux_ortho_vision_LIS2A_example.txt'), 'strict');
    const h = header(e);
    expect([h.sender, h.version]).toEqual([['OCD', 'VISION', '5.10.0.46252', 'JNumber'], 'LIS2-A']);
    const [p] = ofType(e, 'P');
    expect([p.practicePatientId, p.patientIdNumber3, p.name]).toEqual(['PID123456', 'NID123456', ['Brown', 'Bobby', 'B']]);
    const [o] = ofType(e, 'O');
    expect([o.specimenId, o.tests.map((t) => t.universalId), o.priority]).toEqual([['SID101'], ['ABO-D'], 'N']);
    const results = ofType(e, 'R');
    expect(results.map((r) => [r.test.universalId, r.value, r.flags.join(), r.status, r.operator, r.completedAt, r.attached.length])).toEqual([
      ['ABO', 'A', 'T', 'F', ['Automatic'], '20240307151236', 3],
      ['Rh', 'NEG', 'T', 'F', ['Automatic'], '20240307151236', 2],
    ]);
    expect(e.messages()[0].terminator).toMatchObject({ sequence: '', code: '' });
  });

  it('Phadia: three orders with a result and comment each', () => {
    const e = throughLink(recordLines('tgenaux_phadia_LIS2A2_example.txt'), 'strict');
    const results = e.stores().flatMap((g) => g.results);
    expect(results.map((x) => [x.order?.sequence, x.order?.specimenId, x.result.test.localCode, x.result.value, x.result.units, x.result.completedAt])).toEqual([
      ['1', ['B7650020', 'N', '', '0'], 't2', '9.34', 'kUA/l', '20030503124704'],
      ['2', ['B7650020', 'N', '', '0'], 't3', 'Examine', 'kUA/l', '20030503124706'],
      ['3', ['B7650020', 'N', '', '0'], 'a-IgE', '199', 'kU/l', '20030503124710'],
    ]);
    expect(results.map((x) => (x.result.attached[0] as CommentRecord).text[0][0])).toEqual(['Response value in RU 2140', 'Response value in RU 576', 'Response value in RU 1575']);
    expect(header(e).receiver).toEqual(['', '127.0.0.1']);
  });
});

describe('typed records carry the raw text for the archive', () => {
  it('the query record of the VITROS capture', () => {
    const e = decode(fixtureBytes('vitros3600_hostquery_Q_rawwire.bin'));
    const q = e.stores()[0].records[0] as QueryRecord;
    expect(q.raw).toBe('Q|1|^1068687||ALL||||||||O');
    const o = decode(fixtureBytes('vitros3600_qc_result_rawwire.bin')).stores()[0].records[1] as OrderRecord;
    expect(o.raw).toBe('O|1|44444411^2^10||^^^1.0000+950+1.0\\951+1.0\\952+1.0|R||||||N||||5||||||||||F');
    const r = decode(fixtureBytes('vitros3600_qc_result_rawwire.bin')).stores()[0].records[2] as ResultRecord;
    expect(r.raw).toBe('R|1|^^^1.0000+950+1.0|51|||^0^NQ||V|||20201111214611|20201111214628|36000796');
  });
});
