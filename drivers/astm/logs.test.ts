/**
 * The annotated serial-monitor logs, replayed byte for byte (the analyzer's side) through one
 * session, against what an independent Python reading of the same rules found
 * (fixtures/make-expected.py → fixtures/expected/*.json): the same frames refused, the same
 * messages stored, field by field. Frames that fail their checksum as logged are negative
 * vectors: they must be refused.
 */
import { describe, expect, it } from 'vitest';
import { AstmSession } from './session.ts';
import { Engine } from './testing/harness.ts';
import { logBytes, oracle, type OracleMessage } from './testing/fixtures.ts';
import type { AstmRecord, ResultRecord } from './records/model.ts';

interface Decoded {
  engine: Engine;
  messages: AstmRecord[][];
}

function replay(log: string, framing: 'auto' | 'strict' | 'simplified' = 'auto'): Decoded {
  const engine = new Engine(new AstmSession({ framing }));
  engine.receive(logBytes(log));
  const messages: AstmRecord[][] = [];
  let current: AstmRecord[] = [];
  for (const s of engine.stores()) {
    current.push(...s.records);
    if (s.terminator !== null) {
      messages.push(current);
      current = [];
    }
  }
  return { engine, messages };
}

function asOracle(records: AstmRecord[]): OracleMessage {
  const orders = records.filter((r) => r.type === 'O');
  const results = records.filter((r): r is ResultRecord => r.type === 'R');
  return {
    records: records.map((r) => r.raw),
    specimenIds: orders.map((o) => o.specimenId[0] ?? ''),
    instrumentSpecimenIds: orders.map((o) => o.instrumentSpecimenId[0] ?? ''),
    results: results.map((r) => ({
      test: r.test.text,
      value: r.value,
      units: r.units,
      range: r.referenceRange,
      flags: r.fields[6] ?? '',
      status: r.status,
      startedAt: r.startedAt,
      completedAt: r.completedAt,
    })),
  };
}

function count(engine: Engine, letter: string): number {
  return [...engine.replies()].filter((c) => c === letter).length;
}

describe.each([
  ['astmio_snibe_maglumi_serialmonitor_log.txt', 26, 0],
  ['astmio_beckman_access2_serialmonitor_log.txt', 3, 35],
  ['astmio_mindray_bs240_log.txt', 124, 24],
])('%s', (log, messageCount, nakCount) => {
  const expected = oracle(log);
  const { engine, messages } = replay(log);

  it(`stores the ${messageCount} messages the oracle reads, field by field`, () => {
    const want = expected.flatMap((s) => s.messages);
    expect(want).toHaveLength(messageCount);
    expect(messages.map(asOracle)).toEqual(want);
  });

  it(`refuses (NAK) the ${nakCount} frames the oracle refuses, and acknowledges the rest`, () => {
    expect(count(engine, 'N')).toBe(nakCount);
    expect(expected.reduce((n, s) => n + s.naks, 0)).toBe(nakCount);
    const enqsAnswered = engine.of('session-start').filter((s) => s.direction === 'in').length;
    expect(enqsAnswered).toBe(expected.length);
    expect(count(engine, 'A')).toBe(expected.reduce((n, s) => n + s.acks, 0) + enqsAnswered);
  });

  it('every refusal says why', () => {
    const rejected = engine.of('frame-rejected').filter((r) => r.reason.endsWith('refused (NAK)'));
    expect(rejected).toHaveLength(nakCount);
    for (const r of rejected) expect(r.reason).toMatch(/checksum|frame number|expected|CR LF|header/);
  });
});

describe('Snibe Maglumi: simplified framing', () => {
  const { engine, messages } = replay('astmio_snibe_maglumi_serialmonitor_log.txt');

  it('is detected on the first frame, and the same decode results when the profile forces it', () => {
    expect(engine.of('frame').filter((f) => f.direction === 'in' && f.kind === 'simplified')).toHaveLength(26);
    const forced = replay('astmio_snibe_maglumi_serialmonitor_log.txt', 'simplified');
    expect(forced.messages.map(asOracle)).toEqual(messages.map(asOracle));
  });

  it('test ids are names, ranges are text, results keep their own times', () => {
    const first = messages[0].filter((r): r is ResultRecord => r.type === 'R');
    expect(first.map((r) => [r.test.localCode, r.value, r.units, r.referenceRange, r.flags, r.completedAt])).toEqual([
      ['TT3 II', '1.171', 'ng/mL', '0.75 to 2.1', ['N'], '20250630151157'],
      ['TT4 II', '10.78', 'ug/dL', '5 to 13', ['N'], '20250630150745'],
      ['TSH II', '3.007', 'uIU/mL', '0.3 to 4.5', ['N'], '20250630152021'],
    ]);
  });

  it('a rerun (the same test twice on one sample, an hour apart) keeps both results', () => {
    const rerun = messages.find((m) => m.some((r) => r.type === 'O' && r.specimenId[0] === '25141515'))!;
    const tsh = rerun.filter((r): r is ResultRecord => r.type === 'R' && r.test.localCode === 'TSH II');
    expect(tsh.map((r) => [r.value, r.completedAt])).toEqual([['1.399', '20250630192120'], ['1.411', '20250630203450']]);
  });

  it('the message whose EOT follows ETX without waiting for our ACK is still stored', () => {
    const m = messages.find((msg) => msg.some((r) => r.type === 'O' && r.specimenId[0] === '25059232'));
    expect(m).toBeDefined();
  });
});

describe('Mindray BS-240', () => {
  const { messages } = replay('astmio_mindray_bs240_log.txt');

  it('reads `L|475|N` (a non-standard terminator sequence), sender `Mindry`, the specimen id in O-4, result times in R-12', () => {
    // The log's first message fails its checksum (lost micro sign): the first stored is the second.
    const first = messages[0];
    const [o] = first.filter((r) => r.type === 'O');
    expect(o.type === 'O' && [o.specimenId, o.instrumentSpecimenId]).toEqual([['8', '', ''], ['2025105875']]);
    const [r] = first.filter((x): x is ResultRecord => x.type === 'R');
    expect([r.test.universalId, r.test.name, r.value, r.valueComponents, r.units, r.status, r.operator, r.startedAt, r.completedAt, r.instrument]).toEqual([
      'CREAS', 'Creatinine (Sarcosine Oxidase Method)', '3.216365', ['3.216365', '', '', '', ''], 'mg/dL', 'F', ['0'], '20250701154742', '', 'Mindry',
    ]);
    const ends = replay('astmio_mindray_bs240_log.txt').engine.messages();
    expect([ends[0].header?.sender, ends[0].terminator.sequence, ends[0].terminator.code]).toEqual([['Mindry', '', ''], '475', 'N']);
  });

  it('a frame that lost its micro sign (0xB5) fails its checksum; with the byte put back it passes and reads µmol/L', () => {
    const bytes = logBytes('astmio_mindray_bs240_log.txt');
    const text = String.fromCharCode(...bytes.subarray(0, 4096));
    const start = text.indexOf('\x02');
    const end = text.indexOf('\n', start) + 1;
    const frame = text.slice(start, end);
    expect(frame).toContain('|mol/L|');

    const asLogged = new Engine(new AstmSession());
    asLogged.receive([0x05, ...Array.from(frame, (c) => c.charCodeAt(0)), 0x04]);
    expect(asLogged.replies()).toBe('AN');
    expect(asLogged.of('frame-rejected')[0].reason).toContain('checksum mismatch: the frame says BB, its bytes add up to 06');

    const repaired = frame.replace('|mol/L|', '|\xb5mol/L|');
    const fixed = new Engine(new AstmSession());
    fixed.receive([0x05, ...Array.from(repaired, (c) => c.charCodeAt(0)), 0x04]);
    expect(fixed.replies()).toBe('AA');
    const units = fixed.stores()[0].results.map((x) => x.result.units);
    expect(units[units.length - 1]).toBe('µmol/L');
  });
});
