import { buildDsrReply, buildOrrReply, buildQckReply, type Hl7Order, type Hl7Profile, type OrderLookup } from '../hl7/index.ts';
import { ordersOf } from '../hl7/hl7-order.ts';
import type { DeviceSettings, Driver, OrderInfo, QueryAnswer } from '../driver.ts';
import { Hl7Connection, type Hl7Dialect, type Hl7Reply } from '../hl7-connection.ts';

/**
 * HL7 v2 over MLLP for analyzers without a driver of their own. From the cloud's settings:
 * - `charset`: for messages whose MSH-18 is empty (table 0211 name or `utf-8`; Latin-1 by default);
 * - `host_id`: our MSH-3 where the analyzer left its MSH-5 empty (`LIS` by default);
 * - `ack_message_type`: MSH-9 of our ACKs (`ACK^R01` style by default: `ACK^<trigger>`);
 * - `hl7_test_code`: `identifier` (OBX-3.1, default) or `text` (OBX-3.2) is the code the cloud maps;
 * - `ack_timeout_ms`: how long a message of ours (DSR^Q03) waits for the analyzer's ACK.
 * Host queries: ORM^O01 `ORC|RF` is answered ORR^O02 as Mindray/Dymind hematology parse it;
 * QRY^Q02 (Mindray BS chemistry) QCK^Q02, then one DSR^Q03 per ordered tube.
 */

export function hl7Profile(settings: DeviceSettings): Partial<Hl7Profile> {
  const str = (name: string): string | undefined => (typeof settings[name] === 'string' && settings[name] !== '' ? (settings[name] as string) : undefined);
  const ackTimeout = Number(settings.ack_timeout_ms);
  return {
    ...(str('charset') ? { charset: str('charset') } : {}),
    ...(str('host_id') ? { sendingApplication: str('host_id') } : {}),
    ...(str('ack_message_type') ? { ackMessageType: str('ack_message_type') } : {}),
    ...(Number.isFinite(ackTimeout) && ackTimeout > 0 ? { ackTimeoutMs: ackTimeout } : {}),
  };
}

/** `1985-04-12` or `19850412` → HL7 DT `19850412`. */
export function hl7Date(date: string | undefined): string | undefined {
  if (!date) return undefined;
  const digits = date.replace(/-/g, '');
  return /^\d{8}$/.test(digits) ? digits : undefined;
}

function setting(settings: DeviceSettings, name: string): string | undefined {
  const v = settings[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * One hematology order: the cloud's test codes for this analyzer are run modes (`CBC`,
 * `CBC+DIFF`), joined with `+` into the Test Mode line; Take Mode and Blood Mode come from the
 * device settings (`take_mode`, `blood_mode`) when the lab sets them, else the analyzer keeps its own.
 */
export function hematologyOrder(o: OrderInfo, settings: DeviceSettings): Hl7Order {
  const birthDate = hl7Date(o.patient?.birthDate);
  const takeMode = setting(settings, 'take_mode');
  const bloodMode = setting(settings, 'blood_mode');
  return {
    sampleId: o.barcode,
    ...(o.patient ? { patient: { ...(o.patient.sex ? { sex: o.patient.sex } : {}), ...(birthDate ? { birthDate } : {}) } } : {}),
    runMode: { ...(takeMode ? { takeMode } : {}), ...(bloodMode ? { bloodMode } : {}), testMode: o.tests.join('+') },
    ...(o.priority === 'stat' ? { stat: true } : {}),
    ...(o.specimenType ? { specimenType: o.specimenType } : {}),
  };
}

/** The engine's answer as the HL7 reply builders take it: a failure stays a failure, never "no order". */
export function orderLookup(answer: QueryAnswer, toOrder: (o: OrderInfo) => Hl7Order): OrderLookup {
  if (answer.kind === 'error') return { lookupFailed: answer.reason || 'order lookup failed' };
  const ordered = answer.orders.filter((o) => o.tests.length > 0);
  return ordered.length === 0 ? null : ordered.map(toOrder);
}

/** A chemistry order for DSR^Q03: the cloud's codes are the analyzer's own test numbers. */
function chemistryOrder(o: OrderInfo): Hl7Order {
  const birthDate = hl7Date(o.patient?.birthDate);
  return {
    sampleId: o.barcode,
    ...(o.patient ? { patient: { ...(o.patient.sex ? { sex: o.patient.sex } : {}), ...(birthDate ? { birthDate } : {}) } } : {}),
    tests: o.tests.map((code) => ({ code })),
    ...(o.priority === 'stat' ? { stat: true } : {}),
    ...(o.specimenType ? { specimenType: o.specimenType } : {}),
  };
}

export function genericHl7Dialect(settings: DeviceSettings): Hl7Dialect {
  const byText = settings.hl7_test_code === 'text';
  const profile = hl7Profile(settings);
  return {
    profile: hl7Profile,
    testCode: (r) => ((byText ? r.testName : r.testCode) || r.testCode || r.testName || '').trim(),
    reply: (query, answer): Hl7Reply => {
      if (query.dialect === 'orm') return { reply: buildOrrReply(query, orderLookup(answer, (o) => hematologyOrder(o, settings)), { profile }) };
      const lookup = orderLookup(answer, chemistryOrder);
      return { reply: buildQckReply(query, lookup, { profile }), followUps: ordersOf(lookup).map((o) => buildDsrReply(query, o, { profile })) };
    },
  };
}

export const genericHl7: Driver = {
  key: 'generic_hl7',
  label: 'Generic HL7 v2 (MLLP)',
  protocol: 'hl7',
  replyWindowMs: 10_000,
  // HL7 sets no timer; MLLP senders commonly wait 10–30 s for an answer. Bytes that waited longer
  // than this in the bridge are not answered (the analyzer has resent them or given up).
  staleAfterMs: 14_000,
  serialDefaults: { baud_rate: 9600, data_bits: 8, parity: 'none', stop_bits: 1 },
  connect: (settings) => new Hl7Connection(genericHl7Dialect(settings), settings),
};
