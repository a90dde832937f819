import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkOrr } from '../../sim/analyzers/dymind-analyzer.ts';
import { dymindOrm, dymindOru } from '../../sim/analyzers/messages.ts';
import { readErbaLog } from '../hl7/fixtures/erba-log.ts';
import type { DeviceSettings, QueryAnswer } from '../driver.ts';
import { dymind } from './dymind.ts';
import { TestEngine } from './fixtures/test-engine.ts';

const LOG = readErbaLog(readFileSync(new URL('../hl7/fixtures/astmio_erba_elite580_HL7_MLLP_log.txt', import.meta.url), 'latin1'));
const RUN_MODE = new Set(['Take Mode', 'Blood Mode', 'Test Mode', 'Age', 'Remark', 'Ref Group']);

/** The host's MLLP frames as text (UTF-8), from everything written. */
function frames(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let start = -1;
  bytes.forEach((b, i) => {
    if (b === 0x0b) start = i + 1;
    else if (b === 0x1c && start >= 0) {
      out.push(Buffer.from(bytes.subarray(start, i)).toString('utf8'));
      start = -1;
    }
  });
  return out;
}

const field = (text: string, seg: string, n: number): string => {
  const line = text.split('\r').find((l) => l.startsWith(seg + '|')) ?? '';
  return (seg === 'MSH' ? ['MSH', '|', ...line.split('|').slice(1)] : line.split('|'))[n] ?? '';
};

const mllp = (text: string) => Uint8Array.from([0x0b, ...Buffer.from(text, 'utf8'), 0x1c, 0x0d]);

describe('Dymind: the Erba ELite 580 (Dymind-built) HL7 capture through the driver', () => {
  const e = new TestEngine(dymind.connect({ charset: 'utf-8' }));
  let now = Date.UTC(2025, 5, 28);
  for (const read of LOG.analyzerReads) e.apply(e.conn.receive(read, (e.now = now += 1000)));
  const acks = frames(e.takeWritten());

  it('acknowledges each whole message ACK^R01 AA after storing it, and refuses the logger-scrambled ones AE', () => {
    const codes = acks.map((a) => [field(a, 'MSH', 9), field(a, 'MSA', 1)]);
    expect(codes.filter(([, c]) => c === 'AA')).toHaveLength(83);
    expect(codes.filter(([, c]) => c === 'AE')).toHaveLength(12);
    expect(new Set(codes.map(([t]) => t))).toEqual(new Set(['ACK^R01']));
    expect(e.ofType('device-error').filter((x) => x.kind === 'hl7-damaged')).toHaveLength(12);
  });

  it('delivers every observation of the accepted messages: name codes, text values, units, ranges, each flag; run mode as attributes', () => {
    const accepted = new Set(acks.filter((a) => field(a, 'MSA', 1) === 'AA').map((a) => field(a, 'MSA', 2)));
    // A naive reading of the same messages, for comparison.
    const expected: string[][] = [];
    const all = LOG.analyzerReads.map((read) => Buffer.from(read).toString('latin1')).join('');
    {
      for (const m of all.split('\x0b').slice(1)) {
        const body = m.split('\x1c')[0];
        if (!accepted.has(field(body, 'MSH', 10))) continue;
        const sid = field(body, 'OBR', 3);
        for (const line of body.split('\r').filter((l) => l.startsWith('OBX|'))) {
          const f = line.split('|');
          if (RUN_MODE.has(f[3].split('^')[1])) continue;
          expected.push([sid, f[3].split('^')[1], f[5], f[6], f[7], (f[8] ?? '').split('~').filter((x) => x !== '').join(','), f[11]]);
        }
      }
    }
    expect(expected.length).toBeGreaterThan(2000);
    expect(e.results.map((r) => [r.sampleId, r.testCode, r.value, r.units, r.referenceRange, r.flags.join(','), r.status])).toEqual(expected);
    expect(e.results[0].attributes).toMatchObject({ 'Take Mode': 'A', 'Blood Mode': 'W', 'Test Mode': 'CBC+DIFF', 'Ref Group': 'General' });
    expect(e.results[0].testId).toBe('6690-2^WBC^LN');
  });
});

describe('Dymind ACKs only what is stored', () => {
  it('answers ACK^R01 AA with the message\'s own MSH-10 only once the engine has stored the results', () => {
    const e = new TestEngine(dymind.connect({}));
    e.autoStore = false;
    e.feed(mllp(dymindOru('c-1', 'H1', [{ code: '6690-2', name: 'WBC', value: '7.13', units: '10*3/uL', range: '4.00-10.00', flags: 'H~A' }])));
    expect(e.takeWritten()).toEqual(new Uint8Array());
    expect(e.conn.busy()).toBe(true);
    const [ev] = e.ofType('results');
    expect(ev.results[0]).toMatchObject({ sampleId: 'H1', testCode: 'WBC', value: '7.13', flags: ['H', 'A'] });
    e.apply(e.conn.stored(ev.storeId, true, e.now));
    const [ack] = frames(e.takeWritten());
    expect([field(ack, 'MSH', 9), field(ack, 'MSA', 1), field(ack, 'MSA', 2)]).toEqual(['ACK^R01', 'AA', 'c-1']);
    expect(e.conn.busy()).toBe(false);
  });

  it('sends nothing for a store that failed, so the analyzer resends, and the resend is taken', () => {
    const e = new TestEngine(dymind.connect({}));
    e.autoStore = false;
    const message = mllp(dymindOru('c-2', 'H2', [{ code: '718-7', name: 'HGB', value: '12.9', units: 'g/dL', range: '11.0-16.0' }]));
    e.feed(message);
    e.apply(e.conn.stored(e.ofType('results')[0].storeId, false, e.now));
    expect(e.takeWritten()).toEqual(new Uint8Array());
    e.feed(message);
    e.apply(e.conn.stored(e.ofType('results')[1].storeId, true, e.now));
    expect(frames(e.takeWritten()).map((a) => field(a, 'MSA', 1))).toEqual(['AA']);
  });

  it('marks QC by the machine\'s patterns and translates sample numbers', () => {
    const e = new TestEngine(dymind.connect({ qc_patterns: ['^QC'], sample_id_map: { '0042': 'LIS42' } }));
    e.feed(mllp(dymindOru('c-3', 'QC-L1', [{ code: '6690-2', name: 'WBC', value: '3.1', units: '10*3/uL', range: '' }])));
    e.feed(mllp(dymindOru('c-4', '0042', [{ code: '6690-2', name: 'WBC', value: '5.0', units: '10*3/uL', range: '' }])));
    expect(e.results.map((r) => [r.sampleId, r.qc ?? false, r.unmatched ?? false])).toEqual([
      ['QC-L1', true, true],
      ['LIS42', false, false],
    ]);
  });
});

describe('Dymind host query → ORR^O02 (byte-exact but for our MSH-7 and MSH-10)', () => {
  function replyTo(answer: QueryAnswer, settings: DeviceSettings = {}, sid = 'H3001'): { text: string; e: TestEngine } {
    const e = new TestEngine(dymind.connect(settings));
    e.feed(mllp(dymindOrm('q-9', sid)));
    expect(e.takeWritten()).toEqual(new Uint8Array());
    expect(e.queries().map((q) => q.query)).toEqual([{ sampleIds: [sid], all: false, cancel: false }]);
    e.answer(e.queries()[0].queryId, answer);
    const out = frames(e.takeWritten());
    expect(out).toHaveLength(1);
    return { text: out[0], e };
  }

  /** Our MSH as the reply must carry it, with the stamp the session put in MSH-7 and MSH-10. */
  const msh = (text: string) => `MSH|^~\\&|LIS||DH36|Dymind|${field(text, 'MSH', 7)}||ORR^O02|${field(text, 'MSH', 10)}|P|2.3.1||||||UNICODE`;

  it('answers an order: MSA|AA|<query id>, ORC|AF|<sid>, OBR-2 = ORC-2, the Test Mode from the order', () => {
    const { text, e } = replyTo(
      { kind: 'orders', orders: [{ barcode: 'H3001', tests: ['CBC+DIFF'], specimenType: 'whole blood', patient: { sex: 'M', birthDate: '1990-07-01' } }] },
      { take_mode: 'A', blood_mode: 'W' },
    );
    expect(text.split('\r')).toEqual([
      msh(text),
      'MSA|AA|q-9',
      // The engine writes an empty patient name as `^` (PID-5 family^given).
      'PID|1||||^||19900701|M',
      'PV1|1',
      'ORC|AF|H3001',
      'OBR|1|H3001||01001^Automated Count^99MRC',
      'OBX|1|IS|02001^Take Mode^99MRC||A||||||F',
      'OBX|2|IS|02002^Blood Mode^99MRC||W||||||F',
      'OBX|3|IS|02003^Test Mode^99MRC||CBC+DIFF||||||F',
      '',
    ]);
    expect(field(text, 'MSH', 7)).toMatch(/^\d{14}/);
    expect(checkOrr(text, 'q-9', 'H3001')).toEqual({ kind: 'order', testMode: 'CBC+DIFF', problems: [] });
    expect(e.ofType('query-replied')).toEqual([{ type: 'query-replied', queryId: 1, reply: 'order', firstByteAt: e.now }]);
  });

  it('answers no order with MSA|AR and a failed lookup with MSA|AE and the reason (never AR)', () => {
    const none = replyTo({ kind: 'orders', orders: [{ barcode: 'H3001', tests: [] }] });
    expect(none.text.split('\r')).toEqual([msh(none.text), 'MSA|AR|q-9|no order for H3001', '']);
    expect(none.e.ofType('query-replied')[0].reply).toBe('no-order');
    const failed = replyTo({ kind: 'error', reason: 'cloud did not answer in 1000 ms; not in the order cache' });
    expect(failed.text.split('\r')).toEqual([msh(failed.text), 'MSA|AE|q-9|cloud did not answer in 1000 ms; not in the order cache', '']);
    expect(failed.e.ofType('query-replied')[0].reply).toBe('error');
    expect(failed.e.ofType('device-error').map((x) => x.kind)).toEqual(['query-failed']);
    expect(checkOrr(failed.text, 'q-9', 'H3001')).toMatchObject({ kind: 'error', problems: [] });
  });

  it('gives a withdrawn query (ORC|CA) no reply, and acknowledges the withdrawal', () => {
    const e = new TestEngine(dymind.connect({}));
    e.feed(mllp(dymindOrm('q-1', 'H5')));
    e.feed(mllp(dymindOrm('q-2', 'H5', { cancel: true })));
    const [ack] = frames(e.takeWritten());
    expect([field(ack, 'MSA', 1), field(ack, 'MSA', 2)]).toEqual(['AA', 'q-2']);
    expect(e.ofType('query-cancelled')).toEqual([{ type: 'query-cancelled', queryId: 1 }]);
    e.answer(1, { kind: 'orders', orders: [{ barcode: 'H5', tests: ['CBC'] }] });
    expect(e.takeWritten()).toEqual(new Uint8Array());
    expect(e.conn.busy()).toBe(false);
  });

  it('declares its profile', () => {
    expect(dymind).toMatchObject({ key: 'dymind_hl7', protocol: 'hl7', replyWindowMs: 2_000 });
  });
});
