import { describe, expect, it } from 'vitest';
import { frameMllp } from './mllp-framer.ts';
import { buildOrrReply } from './orr-reply.ts';
import { parseHostQuery, type Hl7HostQuery } from './host-query.ts';
import { parseHl7 } from './parse.ts';
import { buildDsrReply, buildQckReply } from './qck-dsr-reply.ts';
import { Hl7Session, type Hl7Event } from './session.ts';
import type { Hl7Order } from './hl7-order.ts';

const ORM = 'MSH|^~\\&|ELite 580|Erba|||20250628173000||ORM^O01|q-17|P|2.3.1||||||UNICODE\rORC|RF||25059651||IP\r';
const QRY =
  'MSH|^~\\&|BS-240|Mindray|||20250628173000||QRY^Q02|9|P|2.3.1||||||ASCII\r' +
  'QRD|20250628173000|R|D|2|||RD|0019|OTH|||T\r' +
  'QRF|BS-240|||||RCT|COR|ALL\r';

function query(text: string): Hl7HostQuery {
  const parsed = parseHostQuery(parseHl7(text));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.query;
}

const order: Hl7Order = {
  sampleId: '25059651',
  patient: { id: 'P-7', family: 'Doe', given: 'Jane', sex: 'F', birthDate: '19800615' },
  runMode: { takeMode: 'A', bloodMode: 'W', testMode: 'CBC+DIFF', refGroup: 'Woman' },
};

describe('parseHostQuery', () => {
  it('reads the hematology query: ORM^O01 with ORC|RF||<sample id>||IP', () => {
    expect(query(ORM)).toMatchObject({ dialect: 'orm', controlId: 'q-17', sampleIds: ['25059651'], all: false, cancel: false });
  });

  it('reads several tubes in one query, in order, and a withdrawal', () => {
    expect(query(ORM + 'ORC|RF||S2||IP\r').sampleIds).toEqual(['25059651', 'S2']);
    expect(query(ORM.replace('ORC|RF', 'ORC|CA')).cancel).toBe(true);
  });

  it('reads the chemistry query: QRY^Q02 with the barcode in QRD-8', () => {
    expect(query(QRY)).toMatchObject({ dialect: 'qry', controlId: '9', sampleIds: ['0019'], all: false });
    expect(query(QRY.replace('|RD|0019|', '|RD|ALL|'))).toMatchObject({ all: true, sampleIds: [] });
  });

  it('explains what it cannot use', () => {
    expect(parseHostQuery(parseHl7(ORM.replace('ORC|RF||25059651', 'ORC|RF||')))).toEqual({ ok: false, reason: 'ORC 2: no sample id in ORC-3, ORC-2 or the OBR after it' });
    expect(parseHostQuery(parseHl7(ORM.replace('ORC|RF', 'ORC|NW'))).ok).toBe(false);
    expect(parseHostQuery(parseHl7(QRY.replace('|RD|0019|', '|RD||')))).toEqual({ ok: false, reason: 'QRD-8 holds no barcode' });
  });
});

describe('buildOrrReply (hematology)', () => {
  it('answers an order with ORR^O02: MSA|AA, PID, ORC|AF, OBR-2 = ORC-2, the run-mode OBX lines', () => {
    const text = buildOrrReply(query(ORM), order, { controlId: 'L1', now: Date.UTC(2025, 5, 28, 17, 30, 1), profile: { utcOffsetMinutes: 0 } });
    expect(text.split('\r')).toEqual([
      'MSH|^~\\&|LIS||ELite 580|Erba|20250628173001||ORR^O02|L1|P|2.3.1||||||UNICODE',
      'MSA|AA|q-17',
      'PID|1||P-7^^^^MR||Doe^Jane||19800615|F',
      'PV1|1',
      'ORC|AF|25059651',
      'OBR|1|25059651||01001^Automated Count^99MRC',
      'OBX|1|IS|02001^Take Mode^99MRC||A||||||F',
      'OBX|2|IS|02002^Blood Mode^99MRC||W||||||F',
      'OBX|3|IS|02003^Test Mode^99MRC||CBC+DIFF||||||F',
      'OBX|4|IS|03001^Ref Group^99MRC||Woman||||||F',
      '',
    ]);
  });

  it('answers no order with MSA|AR and a failed lookup with MSA|AE and the reason, never AR', () => {
    expect(buildOrrReply(query(ORM), null, { controlId: 'L2' }).split('\r')[1]).toBe('MSA|AR|q-17|no order for 25059651');
    expect(buildOrrReply(query(ORM), { lookupFailed: 'cloud did not answer within 1000 ms and the cache has no entry' }, { controlId: 'L3' }).split('\r')[1]).toBe(
      'MSA|AE|q-17|cloud did not answer within 1000 ms and the cache has no entry',
    );
  });

  it('escapes free text from the order', () => {
    const text = buildOrrReply(query(ORM), { ...order, patient: { family: 'O|Brien^x' } });
    expect(parseHl7(text).segment('PID')!.value(5)).toBe('O|Brien^x');
  });
});

describe('buildQckReply and buildDsrReply (Mindray BS chemistry)', () => {
  const chem: Hl7Order = {
    sampleId: '0019',
    patient: { id: '1212', family: 'Tommy', sex: 'M', birthDate: '19620824000000' },
    collectedAt: '20250628120000',
    specimenType: 'serum',
    tests: [{ code: '1' }, { code: '12' }],
  };

  it('QCK^Q02 says OK, NF or AE', () => {
    const q = query(QRY);
    expect(buildQckReply(q, chem, { controlId: 'L4' }).split('\r')).toEqual(['MSH|^~\\&|LIS||BS-240|Mindray|||QCK^Q02|L4|P|2.3.1||||||ASCII', 'MSA|AA|9|Message accepted|||0', 'ERR|0', 'QAK|SR|OK', '']);
    expect(buildQckReply(q, null).split('\r')[3]).toBe('QAK|SR|NF');
    const failed = buildQckReply(q, { lookupFailed: 'cloud down' }).split('\r');
    expect(failed.slice(1, 4)).toEqual(['MSA|AE|9|cloud down', 'ERR|0', 'QAK|SR|AE']);
  });

  it('DSR^Q03 echoes QRD and QRF and carries the patient, the sample and one DSP per test', () => {
    const lines = buildDsrReply(query(QRY), chem, { controlId: 'L5' }).split('\r');
    expect(lines.slice(0, 6)).toEqual([
      'MSH|^~\\&|LIS||BS-240|Mindray|||DSR^Q03|L5|P|2.3.1||||||ASCII',
      'MSA|AA|9|Message accepted|||0',
      'ERR|0',
      'QAK|SR|OK',
      'QRD|20250628173000|R|D|2|||RD|0019|OTH|||T',
      'QRF|BS-240|||||RCT|COR|ALL',
    ]);
    const dsp = lines.slice(6, -2);
    expect(dsp).toHaveLength(30);
    expect(dsp[0]).toBe('DSP|1||1212|||');
    expect(dsp[2]).toBe('DSP|3||Tommy|||');
    expect(dsp[3]).toBe('DSP|4||19620824000000|||');
    expect(dsp[4]).toBe('DSP|5||M|||');
    expect(dsp[5]).toBe('DSP|6|||||');
    expect(dsp[20]).toBe('DSP|21||0019|||');
    expect(dsp[22]).toBe('DSP|23||20250628120000|||');
    expect(dsp[23]).toBe('DSP|24||N|||');
    expect(dsp[25]).toBe('DSP|26||serum|||');
    expect(dsp.slice(28)).toEqual(['DSP|29||1^^^|||', 'DSP|30||12^^^|||']);
    expect(lines.at(-2)).toBe('DSC||');
  });
});

describe('Hl7Session: a host query end to end', () => {
  const messageEvent = (events: Hl7Event[]) => events.find((e): e is Extract<Hl7Event, { type: 'message' }> => e.type === 'message')!;

  it('ORM query → the engine looks the order up → ORR written at once, exactly one reply', () => {
    const s = new Hl7Session();
    const e = messageEvent(s.receive(frameMllp(new TextEncoder().encode(ORM)), 0).events);
    expect(e).toMatchObject({ kind: 'query-orm', answer: 'reply' });
    const parsed = parseHostQuery(e.message);
    if (!parsed.ok) throw new Error(parsed.reason);
    const out = s.reply(e.storeId, buildOrrReply(parsed.query, order), 150);
    expect(out.write).toHaveLength(1);
    const orr = parseHl7(out.write[0].subarray(1, -2));
    expect(orr.messageType).toBe('ORR^O02');
    expect(orr.segment('MSA')!.value(2)).toBe('q-17');
    expect(orr.controlId).not.toBe('');
    expect(orr.header.value(7)).not.toBe('');
    expect(out.nextDeadline).toBeNull();
    expect(s.reply(e.storeId, buildOrrReply(parsed.query, order), 160).write).toEqual([]);
  });

  it('QRY → QCK at once, then DSR^Q03 waits for the analyzer\'s ACK^Q03', () => {
    const s = new Hl7Session();
    const e = messageEvent(s.receive(frameMllp(new TextEncoder().encode(QRY)), 0).events);
    expect(e).toMatchObject({ kind: 'query-qry', answer: 'reply' });
    const parsed = parseHostQuery(e.message);
    if (!parsed.ok) throw new Error(parsed.reason);
    const chem: Hl7Order = { sampleId: '0019', tests: [{ code: '1' }] };
    expect(s.reply(e.storeId, buildQckReply(parsed.query, chem), 10).write).toHaveLength(1);
    const dsrOut = s.send(buildDsrReply(parsed.query, chem), 11);
    const dsrId = parseHl7(dsrOut.write[0].subarray(1, -2)).controlId;
    expect(dsrOut.nextDeadline).not.toBeNull();
    const ack = `MSH|^~\\&|BS-240|Mindray|||1||ACK^Q03|77|P|2.3.1\rMSA|AA|${dsrId}|Message accepted|||0\r`;
    const acked = s.receive(frameMllp(new TextEncoder().encode(ack)), 20);
    expect(acked.events.some((x) => x.type === 'send-acked' && x.controlId === dsrId)).toBe(true);
  });
});
