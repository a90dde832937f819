/**
 * Acknowledgements (HL7 v2 chapter 2.9). Original mode: one application ACK (AA, AE, AR) per
 * message. Enhanced mode, asked for by MSH-15/MSH-16: a commit ACK (CA, CE, CR) and an
 * application ACK, each sent or not as the message's accept/application-ack types say.
 */

import { buildSegment, joinSegments } from './encode.ts';
import type { Hl7Message } from './parse.ts';
import type { Hl7Profile } from './profile.ts';
import { replyDelimiters, responseMsh } from './response-header.ts';

export type ApplicationAckCode = 'AA' | 'AE' | 'AR';
export type CommitAckCode = 'CA' | 'CE' | 'CR';
export type AckCode = ApplicationAckCode | CommitAckCode;

export interface BuildAckOptions {
  code: AckCode;
  /** MSA-3 text; for AE/AR, why. */
  reason?: string;
  /** Our MSH-10 for the ACK itself. */
  controlId: string;
  now: number;
  profile?: Partial<Pick<Hl7Profile, 'ackMessageType' | 'sendingApplication' | 'sendingFacility' | 'utcOffsetMinutes'>>;
}

const ACCEPTED_TEXT = 'Message accepted';
/** MSA-6 `0` (no error): what the Dymind ELite 580's own host sent, and what Mindray's interface guides show. */
const NO_ERROR_CONDITION = '0';

export function ackMessageType(message: Hl7Message, configured: string | null | undefined): string {
  if (configured) return configured;
  const trigger = message.triggerEvent;
  return trigger === '' ? 'ACK' : `ACK^${trigger}`;
}

export function buildAck(message: Hl7Message, options: BuildAckOptions): string {
  const d = replyDelimiters(message);
  const profile = options.profile ?? {};
  const accepted = options.code === 'AA' || options.code === 'CA';
  return joinSegments([
    responseMsh(message, d, ackMessageType(message, profile.ackMessageType), { controlId: options.controlId, now: options.now, profile }),
    buildSegment(d, 'MSA', [
      options.code,
      message.header.value(10),
      options.reason ?? (accepted ? ACCEPTED_TEXT : ''),
      '',
      '',
      accepted ? NO_ERROR_CONDITION : '',
    ]),
  ]);
}

export interface ReceivedAck {
  code: string;
  /** MSA-2: the control id of the message being acknowledged. */
  acknowledgedId: string;
  text: string;
}

export function readAck(message: Hl7Message): ReceivedAck | null {
  const msa = message.segment('MSA');
  if (!msa) return null;
  return { code: msa.value(1).toUpperCase(), acknowledgedId: msa.value(2), text: msa.value(3) };
}

export type AckCondition = 'AL' | 'NE' | 'ER' | 'SU';

export interface AckRequest {
  enhanced: boolean;
  accept: AckCondition;
  application: AckCondition;
}

/** MSH-15/MSH-16: both empty is original mode; in enhanced mode an empty one means "always". */
export function ackRequest(message: Hl7Message): AckRequest {
  const accept = message.header.value(15).toUpperCase();
  const application = message.header.value(16).toUpperCase();
  if (accept === '' && application === '') return { enhanced: false, accept: 'NE', application: 'AL' };
  return { enhanced: true, accept: condition(accept), application: condition(application) };
}

function condition(v: string): AckCondition {
  return v === 'NE' || v === 'ER' || v === 'SU' ? v : 'AL';
}

function wanted(cond: AckCondition, success: boolean): boolean {
  return cond === 'AL' || (cond === 'ER' && !success) || (cond === 'SU' && success);
}

/**
 * Which ACKs a message gets for an outcome. The commit ACK is only sent once the message is stored
 * (or refused): a CA tells the sender it may forget the message, so sending it earlier could lose it.
 */
export function plannedAcks(request: AckRequest, outcome: ApplicationAckCode): AckCode[] {
  const success = outcome === 'AA';
  if (!request.enhanced) return [outcome];
  const commit: CommitAckCode = outcome === 'AR' ? 'CR' : 'CA';
  const codes: AckCode[] = [];
  if (wanted(request.accept, commit === 'CA')) codes.push(commit);
  if (wanted(request.application, success)) codes.push(outcome);
  return codes;
}
