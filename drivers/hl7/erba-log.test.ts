/**
 * The Dymind-built Erba ELite 580 capture, replayed read by read through the session as the
 * analyzer sent it. The 83 whole messages are checked OBX by OBX against a naive split of their
 * own text; the 12 that the logger reassembled out of order are reported, answered AE, not stored.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readErbaLog } from './fixtures/erba-log.ts';
import { extractOruResults, type OruExtraction } from './oru-results.ts';
import { parseHl7 } from './parse.ts';
import { Hl7Session, type Hl7Event } from './session.ts';

const LOG = readErbaLog(readFileSync(new URL('./fixtures/astmio_erba_elite580_HL7_MLLP_log.txt', import.meta.url), 'latin1'));

/** The logger wrote the second 1 KiB chunk of these after the third; found by hand in the log, see fixtures/README.md. */
const SCRAMBLED = [
  '031416ea601f4d8fa02c823f6fa42b8e',
  'a567a54c438147c5918728dcfd6c24af',
  'e79b8f4c9bf24bf7907b38990b3878c7',
  '5232209d376c4f6aa6fe725413b1cf57',
  'b4e9fa0fbd584c9ab07eeb05038f15bc',
  '8f97f1bc912a455698b6abe49b711e4a',
  'f76884ac5cd143ff8c9898e4c04495ab',
  '4d620eae76f54c24ab851ca062eb771e',
  '10ef4b5b451f40789ed09a8d102438fe',
  'c0d770f73aa7401f97239e8b08d22dbd',
  'dfbe9236e79f4a4da752350ae6295cc0',
  'a2a3a56ab9d1436d9d921de6707d5c59',
];

const RUN_MODE = ['Take Mode', 'Blood Mode', 'Test Mode', 'Age', 'Remark', 'Ref Group'];

interface Replayed {
  sequence: Hl7Event[];
  messages: Array<Extract<Hl7Event, { type: 'message' }>>;
  extractions: Map<string, OruExtraction>;
  acks: Array<{ code: string; id: string; type: string }>;
}

/** An engine: stores whole ORUs, answers AE to those extractOruResults finds damaged. */
function replay(): Replayed {
  const session = new Hl7Session({ ackMessageType: 'ACK^R01' });
  const sequence: Hl7Event[] = [];
  const messages: Replayed['messages'] = [];
  const extractions = new Map<string, OruExtraction>();
  const acks: Replayed['acks'] = [];
  const collect = (write: Uint8Array[]) => {
    for (const w of write) {
      const ack = parseHl7(w.subarray(1, -2));
      acks.push({ code: ack.segment('MSA')!.value(1), id: ack.segment('MSA')!.value(2), type: ack.messageType });
    }
  };
  let now = Date.UTC(2025, 5, 28);
  for (const read of LOG.analyzerReads) {
    const out = session.receive(read, (now += 50_000));
    collect(out.write);
    for (const e of out.events) {
      if (e.type === 'frame') continue;
      sequence.push(e);
      if (e.type !== 'message') continue;
      messages.push(e);
      const x = extractOruResults(e.message);
      extractions.set(e.controlId, x);
      collect(x.problems.length > 0 ? session.reject(e.storeId, 'AE', x.problems.join('; '), now).write : session.stored(e.storeId, true, now).write);
    }
  }
  return { sequence, messages, extractions, acks };
}

const R = replay();
const whole = R.messages.filter((m) => !SCRAMBLED.includes(m.controlId));

describe('Erba ELite 580 HL7 capture', () => {
  it('is understood line by line: analyzer reads, the host\'s ACK lines and its raw FS bytes, nothing else', () => {
    expect(LOG.unexplained).toEqual([]);
    expect(LOG.analyzerReads).toHaveLength(87);
    expect(LOG.hostAckLines).toHaveLength(174);
    expect(LOG.hostEndBlocks).toBe(86);
  });

  it('holds 95 ORU^R01 frames, 12 runs of skipped bytes and nothing else', () => {
    expect(R.messages).toHaveLength(95);
    expect(new Set(R.messages.map((m) => m.controlId)).size).toBe(95);
    expect(R.messages.every((m) => m.kind === 'oru' && m.messageType === 'ORU^R01' && m.message.charset.name === 'UTF-8')).toBe(true);
    const junk = R.sequence.filter((e) => e.type === 'junk');
    expect(junk).toHaveLength(12);
    expect(junk.every((j) => j.type === 'junk' && j.bytes.length === 1024)).toBe(true);
    expect(R.sequence.filter((e) => e.type !== 'message' && e.type !== 'junk')).toEqual([]);
  });

  it('detects and reports exactly the 12 scrambled messages, each followed by its displaced chunk', () => {
    const damaged = R.messages.filter((m) => R.extractions.get(m.controlId)!.problems.length > 0).map((m) => m.controlId);
    expect(damaged).toEqual(SCRAMBLED);
    for (const id of SCRAMBLED) {
      const problems = R.extractions.get(id)!.problems;
      expect(problems[0]).toBe('OBX 17 (segment 21): result status (OBX-11) is missing: the segment looks cut short');
    }
    R.sequence.forEach((e, i) => {
      if (e.type === 'junk') {
        const before = R.sequence[i - 1];
        expect(before.type === 'message' && SCRAMBLED.includes(before.controlId)).toBe(true);
      }
    });
  });

  it('answers every message exactly once: AA for the 83 whole ones, AE with the reason for the scrambled ones', () => {
    expect(R.acks.map((a) => a.id)).toEqual(R.messages.map((m) => m.controlId));
    expect(R.acks.every((a) => a.type === 'ACK^R01')).toBe(true);
    expect(R.acks.filter((a) => a.code === 'AE').map((a) => a.id)).toEqual(SCRAMBLED);
    expect(R.acks.filter((a) => a.code === 'AA')).toHaveLength(83);
  });

  it('ACKs the 8 messages the original host never acknowledged (it sent one ACK per read, not per message)', () => {
    const hostAcked = new Set(LOG.hostAckLines.filter((l) => l.startsWith('MSA|')).map((l) => l.split('|')[2]));
    const missed = R.messages.map((m) => m.controlId).filter((id) => !hostAcked.has(id));
    expect(missed).toHaveLength(8);
    expect(missed.every((id) => R.acks.some((a) => a.id === id))).toBe(true);
  });

  it('reads every OBX of every whole message: values, units, ranges, each flag repetition, status, run mode', () => {
    let obxCount = 0;
    for (const m of whole) {
      const x = R.extractions.get(m.controlId)!;
      // The oracle: a naive split of the message's own text (the capture has no escapes and no sub-components).
      const lines = new TextDecoder('latin1').decode(m.raw).split('\r').filter((l) => l !== '');
      const obr = lines.find((l) => l.startsWith('OBR|'))!.split('|');
      const obx = lines.filter((l) => l.startsWith('OBX|')).map((l) => l.split('|'));
      obxCount += obx.length;
      const tests = obx.filter((f) => !RUN_MODE.includes(f[3].split('^')[1]));
      const modes = obx.filter((f) => RUN_MODE.includes(f[3].split('^')[1]));
      expect(x.problems).toEqual([]);
      expect(x.archived).toEqual([]);
      expect(x.samples).toEqual([{ sampleId: obr[3], sampleIdParts: [], attributes: Object.fromEntries(modes.map((f) => [f[3].split('^')[1], f[5]])), observedAtRaw: obr[7] }]);
      expect(modes).toHaveLength(6);
      expect(x.results.map((r) => [r.setId, r.testId, r.testCode, r.testName, r.rawValue, r.units, r.referenceRange, r.flags, r.status, r.completedAtRaw, r.sampleId])).toEqual(
        tests.map((f) => [f[1], f[3], f[3].split('^')[0], f[3].split('^')[1], f[5], f[6], f[7], f[8].split('~').filter((s) => s !== ''), f[11], obr[7], obr[3]]),
      );
      for (const r of x.results) {
        expect(r.value).toBe(r.rawValue);
        expect(r.attributes).toBe(x.samples[0].attributes);
        expect(r.invalid ?? false).toBe(r.valueType === 'NM' ? !/^\d+\.?\d*$/.test(r.value) : r.value === '');
      }
    }
    expect(obxCount).toBe(3052);
    expect(whole.reduce((n, m) => n + R.extractions.get(m.controlId)!.results.length, 0)).toBe(2554);
  });

  it('keeps the flag repetitions exactly as sent (H~A, L~A, ~A, ~N)', () => {
    const forms = new Map<string, number>();
    for (const m of whole) for (const obx of m.message.all('OBX')) if (obx.field(8) !== '') forms.set(obx.field(8), (forms.get(obx.field(8)) ?? 0) + 1);
    expect([...forms.keys()].sort()).toEqual(['H~A', 'L~A', '~A', '~N']);
    const first = R.extractions.get('031416ea601f4d8fa02c823f6fa42b8e')!;
    expect(first.results.find((r) => r.testName === 'NEU%')).toMatchObject({ value: '43.2', flags: ['L', 'A'] });
    const mon = R.extractions.get('ac84fae48b0e475996af764673f793fb')!.results.find((r) => r.testName === 'MCHC')!;
    expect(mon).toMatchObject({ value: '30.6', units: 'g/dL', referenceRange: '32.0-36.0', flags: ['L', 'A'], status: 'F', testId: '786-4^MCHC^LN' });
  });

  it('reads the run mode of every whole message', () => {
    const modes = new Set(whole.map((m) => JSON.stringify(R.extractions.get(m.controlId)!.samples[0].attributes)));
    expect([...modes]).toEqual([JSON.stringify({ 'Take Mode': 'A', 'Blood Mode': 'W', 'Test Mode': 'CBC+DIFF', Age: '', Remark: '', 'Ref Group': 'General' })]);
  });

  it('gives the first whole message the values the log shows', () => {
    const x = R.extractions.get('ac84fae48b0e475996af764673f793fb')!;
    expect(x.samples[0].sampleId).toBe('25059143');
    expect(x.results).toHaveLength(30);
    expect(x.results.slice(0, 3).map((r) => [r.testName, r.value, r.units, r.flags])).toEqual([
      ['WBC', '6.75', '10*3/uL', ['N']],
      ['NEU%', '62.1', '%', ['N']],
      ['LYM%', '29.7', '%', ['N']],
    ]);
    expect(x.results.at(-1)).toMatchObject({ testName: 'P-LCC', value: '57', units: '10*9/L', referenceRange: '30-90' });
  });
});
