import { describe, expect, it } from 'vitest';
import { frameMllp } from './mllp-framer.ts';
import { parseHl7, type Hl7Message } from './parse.ts';
import { Hl7Session, type Hl7Event, type Hl7Output } from './session.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const frame = (s: string) => frameMllp(enc(s));
const oru = (id: string, extra = '') =>
  `MSH|^~\\&|ELite 580|Erba|||20250628173333||ORU^R01|${id}|P|2.3.1|||${extra}|||UNICODE\rOBR|1||S-${id}|01001^Automated Count^99MRC\rOBX|1|NM|6690-2^WBC^LN||7.13|10*3/uL|4.00-10.00|~N|||F\r`;

function written(out: Hl7Output): Hl7Message[] {
  return out.write.map((w) => {
    expect(w[0]).toBe(0x0b);
    expect([...w.subarray(w.length - 2)]).toEqual([0x1c, 0x0d]);
    return parseHl7(w.subarray(1, w.length - 2));
  });
}
const msa = (m: Hl7Message) => [m.segment('MSA')!.value(1), m.segment('MSA')!.value(2), m.segment('MSA')!.value(3)];
const ofType = <T extends Hl7Event['type']>(out: Hl7Output, type: T) => out.events.filter((e): e is Extract<Hl7Event, { type: T }> => e.type === type);

function receiveOne(session: Hl7Session, text: string, now = 1000) {
  const out = session.receive(frame(text), now);
  const [message] = ofType(out, 'message');
  return { out, message };
}

describe('Hl7Session: acknowledging what the analyzer sends', () => {
  it('sends nothing on receipt, and AA only once the engine has stored the message', () => {
    const s = new Hl7Session();
    const { out, message } = receiveOne(s, oru('A1'));
    expect(out.write).toEqual([]);
    expect(message).toMatchObject({ kind: 'oru', answer: 'store', controlId: 'A1', messageType: 'ORU^R01' });
    expect(s.awaitingAnswer).toEqual([message.storeId]);
    const acks = written(s.stored(message.storeId, true, 2000));
    expect(s.awaitingAnswer).toEqual([]);
    expect(acks).toHaveLength(1);
    expect(msa(acks[0])).toEqual(['AA', 'A1', 'Message accepted']);
  });

  it('builds the ACK the analyzer expects: sender and receiver swapped, its version and charset, our own control id', () => {
    const s = new Hl7Session({ utcOffsetMinutes: 0 });
    const { message } = receiveOne(s, oru('A1'));
    const [ack] = written(s.stored(message.storeId, true, Date.UTC(2025, 5, 28, 17, 33, 34)));
    const h = ack.header;
    expect(h.raw).toBe(`MSH|^~\\&|LIS||ELite 580|Erba|20250628173334||ACK^R01|${h.value(10)}|P|2.3.1||||||UNICODE`);
    expect(h.value(10)).not.toBe('A1');
    expect(h.value(10).length).toBeLessThanOrEqual(20);
    expect(ack.segment('MSA')!.raw).toBe('MSA|AA|A1|Message accepted|||0');
  });

  it('echoes MSH-5/6 into MSH-3/4 when the analyzer filled them, and honours a fixed ACK type', () => {
    const s = new Hl7Session({ ackMessageType: 'ACK^R01' });
    const { message } = receiveOne(s, 'MSH|^~\\&|BC|Lab|HOST|Ward|1||ORM^O01|Q1|P|2.4\rORC|NW|1\r');
    const [ack] = written(s.reject(message.storeId, 'AR', 'orders are not accepted', 1));
    expect(ack.header.fields.slice(3, 7)).toEqual(['HOST', 'Ward', 'BC', 'Lab']);
    expect(ack.header.value(9, 1, 1) + '^' + ack.header.value(9, 1, 2)).toBe('ACK^R01');
    expect(ack.version).toBe('2.4');
    expect(msa(ack)).toEqual(['AR', 'Q1', 'orders are not accepted']);
  });

  it('sends no ACK when storing failed, so the analyzer resends, and acknowledges the resend', () => {
    const s = new Hl7Session();
    const first = receiveOne(s, oru('A1')).message;
    expect(s.stored(first.storeId, false, 1).write).toEqual([]);
    const again = receiveOne(s, oru('A1')).message;
    expect(again.storeId).not.toBe(first.storeId);
    expect(msa(written(s.stored(again.storeId, true, 2))[0])).toEqual(['AA', 'A1', 'Message accepted']);
  });

  it('answers AE with the reason', () => {
    const s = new Hl7Session();
    const { message } = receiveOne(s, oru('A1'));
    expect(msa(written(s.reject(message.storeId, 'AE', 'OBX 18: set id 38', 1))[0])).toEqual(['AE', 'A1', 'OBX 18: set id 38']);
  });

  it('merges a resend that arrives while the first copy is still being stored: one ACK answers both', () => {
    const s = new Hl7Session();
    const first = receiveOne(s, oru('A1')).message;
    const { out } = receiveOne(s, oru('A1'));
    expect(ofType(out, 'message')).toEqual([]);
    expect(ofType(out, 'duplicate')).toEqual([{ type: 'duplicate', storeId: first.storeId, controlId: 'A1' }]);
    expect(written(s.stored(first.storeId, true, 2))).toHaveLength(1);
  });

  it('refuses a second answer for the same message', () => {
    const s = new Hl7Session();
    const { message } = receiveOne(s, oru('A1'));
    s.stored(message.storeId, true, 1);
    const out = s.stored(message.storeId, true, 2);
    expect(out.write).toEqual([]);
    expect(ofType(out, 'usage-error')[0].reason).toMatch(/not awaiting an answer/);
    expect(ofType(s.reject(999, 'AE', 'x', 3), 'usage-error')).toHaveLength(1);
  });

  it('acknowledges several messages that arrived in one read, each once', () => {
    const s = new Hl7Session();
    const out = s.receive(new Uint8Array([...frame(oru('A1')), ...frame(oru('A2')), ...frame(oru('A3'))]), 1);
    const messages = ofType(out, 'message');
    expect(messages.map((m) => m.controlId)).toEqual(['A1', 'A2', 'A3']);
    const acks = messages.flatMap((m) => written(s.stored(m.storeId, true, 2)));
    expect(acks.map((a) => msa(a)[1])).toEqual(['A1', 'A2', 'A3']);
    expect(new Set(acks.map((a) => a.controlId)).size).toBe(3);
  });

  it('reports the frames in both directions for the protocol inspector', () => {
    const s = new Hl7Session();
    const { out, message } = receiveOne(s, oru('A1'), 5);
    expect(ofType(out, 'frame')).toEqual([{ type: 'frame', direction: 'in', bytes: enc(oru('A1')), at: 5 }]);
    const ackOut = s.stored(message.storeId, true, 6);
    expect(ofType(ackOut, 'frame')).toEqual([{ type: 'frame', direction: 'out', bytes: ackOut.write[0].subarray(1, -2), at: 6 }]);
  });
});

describe('Hl7Session: enhanced acknowledgement mode (MSH-15/16)', () => {
  it('AL/AL: a commit ACK (CA) then the application ACK (AA), both after storing', () => {
    const s = new Hl7Session();
    const { out, message } = receiveOne(s, oru('E1', 'AL|AL'));
    expect(out.write).toEqual([]);
    expect(written(s.stored(message.storeId, true, 1)).map((a) => msa(a)[0])).toEqual(['CA', 'AA']);
  });

  it('NE/AL: only the application ACK; AL/NE: only the commit ACK', () => {
    const s = new Hl7Session();
    const a = receiveOne(s, oru('E1', 'NE|AL')).message;
    expect(written(s.stored(a.storeId, true, 1)).map((m) => msa(m)[0])).toEqual(['AA']);
    const b = receiveOne(s, oru('E2', 'AL|NE')).message;
    expect(written(s.stored(b.storeId, true, 1)).map((m) => msa(m)[0])).toEqual(['CA']);
  });

  it('ER/ER: nothing on success, CR and AR on a reject', () => {
    const s = new Hl7Session();
    const a = receiveOne(s, oru('E1', 'ER|ER')).message;
    expect(s.stored(a.storeId, true, 1).write).toEqual([]);
    const b = receiveOne(s, oru('E2', 'ER|ER')).message;
    expect(written(s.reject(b.storeId, 'AR', 'no', 1)).map((m) => msa(m)[0])).toEqual(['CR', 'AR']);
  });
});

describe('Hl7Session: bad input', () => {
  it('reports a frame without MSH and sends nothing', () => {
    const s = new Hl7Session();
    const out = s.receive(frame('PID|1\r'), 1);
    expect(out.write).toEqual([]);
    expect(ofType(out, 'parse-error')[0]).toMatchObject({ answered: false });
    expect(ofType(out, 'parse-error')[0].reason).toMatch(/does not start with an MSH/);
  });

  it('rejects with AR a message with no control id or type', () => {
    const s = new Hl7Session();
    const out = s.receive(frame('MSH|^~\\&|A|B|||1||ORU^R01||P|2.3.1\r'), 1);
    expect(ofType(out, 'parse-error')[0]).toMatchObject({ answered: true, reason: 'MSH-10 (message control id) is empty' });
    expect(msa(written(out)[0])[0]).toBe('AR');
  });

  it('refuses an oversized message with AR naming its control id, then carries on', () => {
    const s = new Hl7Session({ maxFrameBytes: 200 });
    const big = oru('BIG') + `NTE|1||${'x'.repeat(1000)}\r`;
    const out = s.receive(new Uint8Array([...frame(big), ...frame(oru('A2'))]), 1);
    expect(ofType(out, 'frame-too-large')[0]).toMatchObject({ size: enc(big).length, limit: 200, controlId: 'BIG', answered: true });
    expect(msa(written(out)[0])).toEqual(['AR', 'BIG', `message of ${enc(big).length} bytes exceeds the 200-byte limit`]);
    expect(ofType(out, 'message').map((m) => m.controlId)).toEqual(['A2']);
  });

  it('reports junk and keeps going', () => {
    const s = new Hl7Session();
    const out = s.receive(new Uint8Array([...enc('noise'), ...frame(oru('A1'))]), 1);
    expect(ofType(out, 'junk')).toHaveLength(1);
    expect(ofType(out, 'message')).toHaveLength(1);
  });
});

describe('Hl7Session: messages we send', () => {
  const dsr = 'MSH|^~\\&|LIS||BS-240|Mindray|||DSR^Q03||P|2.3.1||||||ASCII\rMSA|AA|Q1\r';
  const ackFor = (id: string, code = 'AA') => frame(`MSH|^~\\&|BS-240|Mindray|LIS||1||ACK^Q03|x${id}|P|2.3.1\rMSA|${code}|${id}\r`);

  it('stamps MSH-7 and a unique MSH-10, waits for the ACK, and reports it', () => {
    const s = new Hl7Session({ ackTimeoutMs: 5000, utcOffsetMinutes: 0 });
    const out = s.send(dsr, 1000);
    const [sent] = written(out);
    const controlId = sent.controlId;
    expect(sent.header.value(7)).toBe('19700101000001');
    expect(ofType(out, 'send-queued')[0]).toMatchObject({ sendId: 1, controlId, messageType: 'DSR^Q03', expectsAck: true });
    expect(out.nextDeadline).toBe(6000);
    const acked = s.receive(ackFor(controlId), 1500);
    expect(ofType(acked, 'send-acked')).toEqual([{ type: 'send-acked', sendId: 1, controlId, code: 'AA', text: '' }]);
    expect(ofType(acked, 'message')[0]).toMatchObject({ kind: 'ack', answer: 'none' });
    expect(acked.write).toEqual([]);
    expect(acked.nextDeadline).toBeNull();
  });

  it('resends on timeout with the same bytes, a bounded number of times, then fails', () => {
    const s = new Hl7Session({ ackTimeoutMs: 1000, maxRetries: 2 });
    const first = s.send(dsr, 0).write[0];
    expect(s.tick(999).write).toEqual([]);
    const retry1 = s.tick(1000);
    expect(retry1.write).toEqual([first]);
    expect(ofType(retry1, 'send-retry')[0].attempt).toBe(2);
    expect(s.tick(2000).write).toEqual([first]);
    const gaveUp = s.tick(3000);
    expect(gaveUp.write).toEqual([]);
    expect(ofType(gaveUp, 'send-failed')[0].reason).toBe('no ACK after 3 attempts, 1000 ms each');
    expect(gaveUp.nextDeadline).toBeNull();
  });

  it('sends one message at a time and never matches a late ACK to the next message', () => {
    const s = new Hl7Session({ ackTimeoutMs: 1000, maxRetries: 0 });
    const a = written(s.send(dsr, 0))[0].controlId;
    const queued = s.send(dsr, 10);
    expect(queued.write).toEqual([]);
    const failed = s.tick(1000);
    expect(ofType(failed, 'send-failed')[0].controlId).toBe(a);
    const b = written(failed)[0].controlId;
    expect(b).not.toBe(a);
    const late = s.receive(ackFor(a), 1100);
    expect(ofType(late, 'unmatched-ack')).toEqual([{ type: 'unmatched-ack', controlId: a, code: 'AA', late: true }]);
    expect(ofType(late, 'send-acked')).toEqual([]);
    expect(late.nextDeadline).toBe(2000);
    expect(ofType(s.receive(ackFor(b), 1200), 'send-acked')[0].controlId).toBe(b);
  });

  it('reports a refusal (AE/AR) as a failed send without retrying', () => {
    const s = new Hl7Session();
    const id = written(s.send(dsr, 0))[0].controlId;
    const out = s.receive(ackFor(id, 'AR'), 1);
    expect(ofType(out, 'send-failed')[0]).toMatchObject({ controlId: id, code: 'AR', reason: 'refused with AR' });
    expect(out.nextDeadline).toBeNull();
  });

  it('writes a response (ORR, QCK) at once, without waiting for an ACK or behind queued sends', () => {
    const s = new Hl7Session();
    s.send(dsr, 0);
    const out = s.send('MSH|^~\\&|LIS||BC|Mindray|||QCK^Q02||P|2.3.1\rMSA|AA|Q1\rQAK|SR|NF\r', 1);
    expect(out.write).toHaveLength(1);
    expect(ofType(out, 'send-queued')[0].expectsAck).toBe(false);
    expect(out.nextDeadline).not.toBeNull();
  });

  it('fails waiting sends when the connection closes, and refuses work afterwards', () => {
    const s = new Hl7Session();
    s.send(dsr, 0);
    s.send(dsr, 0);
    const { message } = receiveOne(s, oru('A1'));
    const out = s.close(5);
    expect(ofType(out, 'send-failed').map((e) => e.reason)).toEqual(['connection closed before the ACK', 'connection closed before the ACK']);
    expect(s.stored(message.storeId, true, 6).write).toEqual([]);
    expect(ofType(s.send(dsr, 7), 'usage-error')).toHaveLength(1);
    expect(ofType(s.receive(frame(oru('A2')), 8), 'usage-error')).toHaveLength(1);
  });

  it('reports, rather than throws, an outgoing message that does not parse', () => {
    const s = new Hl7Session();
    const out = s.send('not hl7', 0);
    expect(out.write).toEqual([]);
    expect(ofType(out, 'usage-error')[0].reason).toMatch(/outgoing message/);
  });
});
