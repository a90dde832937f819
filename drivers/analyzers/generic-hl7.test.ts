import { describe, expect, it } from 'vitest';
import { dymindOru } from '../../sim/analyzers/messages.ts';
import { genericHl7 } from './generic-hl7.ts';
import { TestEngine } from './fixtures/test-engine.ts';

const mllp = (text: string) => Uint8Array.from([0x0b, ...Buffer.from(text, 'utf8'), 0x1c, 0x0d]);

function frames(bytes: Uint8Array): string[] {
  return Buffer.from(bytes).toString('latin1').split('\x0b').slice(1).map((f) => f.split('\x1c')[0]);
}

const field = (text: string, seg: string, n: number): string => {
  const line = text.split('\r').find((l) => l.startsWith(seg + '|')) ?? '';
  return (seg === 'MSH' ? ['MSH', '|', ...line.split('|').slice(1)] : line.split('|'))[n] ?? '';
};

const QRY =
  'MSH|^~\\&|BS-240|Mindray|||20250628173000||QRY^Q02|9|P|2.3.1||||||ASCII\r' +
  'QRD|20250628173000|R|D|2|||RD|0019|OTH|||T\r' +
  'QRF|BS-240|||||RCT|COR|ALL\r';

describe('generic HL7', () => {
  it('takes the test code from OBX-3.1 by default, OBX-3.2 when the settings say `text`', () => {
    const oru = mllp(dymindOru('g-1', 'S1', [{ code: '6690-2', name: 'WBC', value: '7.1', units: '10*3/uL', range: '4-10' }]));
    const byId = new TestEngine(genericHl7.connect({}));
    byId.feed(oru);
    const byText = new TestEngine(genericHl7.connect({ hl7_test_code: 'text' }));
    byText.feed(oru);
    expect([byId.results[0].testCode, byText.results[0].testCode]).toEqual(['6690-2', 'WBC']);
    expect(frames(byId.takeWritten()).map((a) => [field(a, 'MSH', 9), field(a, 'MSA', 1), field(a, 'MSA', 2)])).toEqual([['ACK^R01', 'AA', 'g-1']]);
  });

  it('answers QRY^Q02 with QCK^Q02 then one DSR^Q03 per ordered tube, which waits for the analyzer\'s ACK', () => {
    const e = new TestEngine(genericHl7.connect({ ack_timeout_ms: 500 }));
    e.feed(mllp(QRY));
    e.answer(1, { kind: 'orders', orders: [{ barcode: '0019', tests: ['12', '7'], priority: 'stat' }] });
    const [qck, dsr] = frames(e.takeWritten());
    expect(field(qck, 'MSH', 9)).toBe('QCK^Q02');
    expect(qck.split('\r').slice(1, 4)).toEqual(['MSA|AA|9|Message accepted|||0', 'ERR|0', 'QAK|SR|OK']);
    expect(field(dsr, 'MSH', 9)).toBe('DSR^Q03');
    expect(dsr.split('\r').filter((l) => l.startsWith('DSP|29|') || l.startsWith('DSP|30|') || l.startsWith('DSP|21|') || l.startsWith('DSP|24|'))).toEqual([
      'DSP|21||0019|||',
      'DSP|24||Y|||',
      'DSP|29||12^^^|||',
      'DSP|30||7^^^|||',
    ]);
    expect(e.ofType('query-replied').map((x) => x.reply)).toEqual(['order']);
    // No ACK^Q03 from the analyzer: the DSR is sent again after the ACK timeout.
    e.advance(600);
    expect(frames(e.takeWritten()).map((f) => field(f, 'MSH', 9))).toEqual(['DSR^Q03']);
  });

  it('answers a failed lookup QCK with MSA|AE and QAK|SR|AE, and no DSR', () => {
    const e = new TestEngine(genericHl7.connect({}));
    e.feed(mllp(QRY));
    e.answer(1, { kind: 'error', reason: 'cloud down' });
    const out = frames(e.takeWritten());
    expect(out).toHaveLength(1);
    expect(out[0].split('\r').slice(1, 4)).toEqual(['MSA|AE|9|cloud down', 'ERR|0', 'QAK|SR|AE']);
  });

  it('refuses a message type it does not take with AR', () => {
    const e = new TestEngine(genericHl7.connect({}));
    e.feed(mllp('MSH|^~\\&|X|Y|||20250628173000||ADT^A01|a-1|P|2.3.1\rPID|1\r'));
    const [ack] = frames(e.takeWritten());
    expect([field(ack, 'MSA', 1), field(ack, 'MSA', 2)]).toEqual(['AR', 'a-1']);
    expect(genericHl7).toMatchObject({ key: 'generic_hl7', protocol: 'hl7', replyWindowMs: 10_000 });
  });
});
