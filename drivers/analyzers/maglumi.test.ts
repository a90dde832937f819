import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readGenericReply } from '../../sim/analyzers/udichem-query.ts';
import { maglumiTransmissions } from './fixtures/maglumi-log.ts';
import { simplifiedMessage, strictMessage, TestEngine, textOf } from './fixtures/test-engine.ts';
import { maglumi } from './maglumi.ts';

const LOG = readFileSync(new URL('./fixtures/astmio_snibe_maglumi_serialmonitor_log.txt', import.meta.url), 'latin1');
const MESSAGES = maglumiTransmissions(LOG);
const ACK = 0x06;

/** The R records of a transmission, read naively from its text (independently of the driver). */
function rRecords(t: Uint8Array): string[][] {
  return textOf(t.subarray(2, -2)).split('\r').filter((r) => r.startsWith('R|')).map((r) => r.split('|'));
}

describe('Maglumi capture through the driver', () => {
  it('turns the serial-monitor log into whole simplified-framed transmissions', () => {
    expect(MESSAGES.length).toBeGreaterThanOrEqual(20);
    for (const m of MESSAGES) {
      expect(textOf(m)).toMatch(/^\x05\x02H\|\\\^&\|\|PSWD\|Maglumi User\|[^\x02\x03]*L\|1\|N\r\x03\x04$/);
    }
  });

  it('acknowledges every message and delivers every result once, with name codes, text ranges and R-13 times', () => {
    const e = new TestEngine(maglumi.connect({ timezone: 'Asia/Baghdad' }));
    const expected: string[][] = [];
    for (const m of MESSAGES) {
      const sampleId = textOf(m).match(/\rO\|1\|([^|]*)\|/)![1];
      for (const f of rRecords(m)) expected.push([sampleId, f[2].slice(3), f[3], f[4], f[5], f[6], f[12]]);
      e.feed(m);
      // ENQ and the one block, each ACKed; the EOT needs no answer.
      expect([...e.takeWritten()]).toEqual([ACK, ACK]);
    }
    expect(e.results.map((r) => [r.sampleId, r.testCode, r.value, r.units, r.referenceRange, r.flags.join(','), r.completedAtRaw])).toEqual(expected);
    expect(e.results.every((r) => r.testId === `^^^${r.testCode}` && r.status === '' && !r.qc)).toBe(true);
    expect(e.ofType('device-error')).toEqual([]);
  });

  it('keeps both results of a rerun (same test twice in one message, an hour apart)', () => {
    const e = new TestEngine(maglumi.connect({}));
    for (const m of MESSAGES) e.feed(m);
    const tsh = e.results.filter((r) => r.sampleId === '25141515' && r.testCode === 'TSH II');
    expect(tsh.map((r) => [r.value, r.completedAtRaw])).toEqual([
      ['1.399', '20250630192120'],
      ['1.411', '20250630203450'],
    ]);
    expect(tsh[0]).toMatchObject({ units: 'uIU/mL', referenceRange: '0.3 to 4.5', flags: ['N'] });
  });

  it('reads a strict-framed message too (a Maglumi set to E1381 frames)', () => {
    const e = new TestEngine(maglumi.connect({}));
    e.feed(strictMessage(['H|\\^&||PSWD|Maglumi User|||||Lis||P|E1394-97|20250701', 'P|1', 'O|1|M1||^^^FT4', 'R|1|^^^FT4|12.1|pmol/L|9 to 19|N||||||20250701101010', 'L|1|N']));
    expect(e.results.map((r) => [r.sampleId, r.testCode, r.value])).toEqual([['M1', 'FT4', '12.1']]);
  });

  it('answers a Q record in the generic ASTM form, framed as the analyzer sends (unverified on a Maglumi)', () => {
    const e = new TestEngine(maglumi.connect({}));
    e.feed(simplifiedMessage(['H|\\^&||PSWD|Maglumi User|||||Lis||P|E1394-97|20250701', 'Q|1|^M1001||ALL||||||||O', 'L|1|N']));
    e.takeWritten();
    e.answer(1, { kind: 'orders', orders: [{ barcode: 'M1001', tests: ['TSH II', 'FT4'] }] });
    expect(textOf(e.receiveAstm())).toBe('\x05\x02H|\\^&|||LIS|||||||P|1\rP|1\rO|1|M1001||^^^TSH II\\^^^FT4\rL|1|N\r\x03\x04');
    expect(readGenericReply(['H|\\^&|||LIS|||||||P|1', 'P|1', 'O|1|M1001||^^^TSH II\\^^^FT4', 'L|1|N']).problems).toEqual([]);
    expect(maglumi).toMatchObject({ key: 'maglumi_astm', replyWindowMs: 10_000 });
  });
});
