/**
 * What a received message asks of the engine, from MSH-9 and, for ORM, ORC-1: the hematology
 * host query is an ORM^O01 whose ORC-1 is `RF` (or `CA` to withdraw it), not an order.
 */

import type { Hl7Message } from './parse.ts';

export type Hl7MessageKind = 'oru' | 'query-orm' | 'query-qry' | 'ack' | 'other';

export function messageKind(message: Hl7Message): Hl7MessageKind {
  switch (message.messageCode) {
    case 'ACK':
      return 'ack';
    case 'ORU':
      return 'oru';
    case 'ORM':
      return message.all('ORC').some((orc) => isQueryControl(orc.value(1))) ? 'query-orm' : 'other';
    case 'QRY':
      return message.segment('QRD') ? 'query-qry' : 'other';
    default:
      return 'other';
  }
}

export function isQueryControl(orc1: string): boolean {
  return orc1 === 'RF' || orc1 === 'CA';
}

/**
 * Message codes that answer another message and are not acknowledged in original mode; anything
 * else we originate (orders, DSR^Q03 for the Mindray BS family) waits for an ACK.
 */
const RESPONSE_CODES = new Set(['ACK', 'ORR', 'ORL', 'OSR', 'QCK', 'RSP', 'RTB']);

export function expectsAck(messageCode: string): boolean {
  return !RESPONSE_CODES.has(messageCode);
}
