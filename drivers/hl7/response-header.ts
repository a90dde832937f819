/**
 * The MSH of anything we send in answer to a received message (ACK, ORR, QCK, DSR): sender and
 * receiver swapped (MSH-3/4 ↔ MSH-5/6), the sender's processing id, version and charset echoed,
 * so an analyzer that checks them finds its own values.
 */

import { DEFAULT_DELIMITERS, type Hl7Delimiters } from './escape.ts';
import { buildMsh, formatHl7Timestamp, type Hl7Field } from './encode.ts';
import type { Hl7Message, Hl7Segment } from './parse.ts';
import { DEFAULT_HL7_PROFILE, type Hl7Profile } from './profile.ts';

export type ResponseProfile = Partial<Pick<Hl7Profile, 'sendingApplication' | 'sendingFacility' | 'utcOffsetMinutes'>>;

export interface ResponseStamp {
  /** Our MSH-10; left empty, the session stamps a unique one when it sends the message. */
  controlId?: string;
  /** Left undefined, MSH-7 stays empty and the session stamps it when it sends the message. */
  now?: number;
  profile?: ResponseProfile;
}

/**
 * Replies use the sender's own delimiters when they are complete, so its parser meets nothing new;
 * a sender that declared no escape or sub-component character gets the standard set.
 */
export function replyDelimiters(message: Hl7Message): Hl7Delimiters {
  const d = message.delimiters;
  return d.escape !== '' && d.subcomponent !== '' ? { ...d, truncation: '' } : { ...DEFAULT_DELIMITERS };
}

/** A received field (first repetition) re-encoded for a reply atom by atom, so a change of delimiters cannot corrupt it. */
export function copyField(message: Hl7Message, segment: Hl7Segment, n: number): Hl7Field {
  const sub = message.delimiters.subcomponent;
  const comps = segment.components(n);
  if (comps.length <= 1 && (sub === '' || segment.field(n).indexOf(sub) < 0)) return segment.value(n);
  return comps.map((c, ci) => {
    const subs = sub === '' ? 1 : c.split(sub).length;
    if (subs === 1) return segment.value(n, 1, ci + 1);
    return Array.from({ length: subs }, (_, si) => segment.value(n, 1, ci + 1, si + 1));
  });
}

export function responseMsh(message: Hl7Message, d: Hl7Delimiters, messageType: string, stamp: ResponseStamp): string {
  const msh = message.header;
  const profile = stamp.profile ?? {};
  return buildMsh(d, [
    msh.field(5) === '' ? (profile.sendingApplication ?? DEFAULT_HL7_PROFILE.sendingApplication) : copyField(message, msh, 5),
    msh.field(6) === '' ? (profile.sendingFacility ?? DEFAULT_HL7_PROFILE.sendingFacility) : copyField(message, msh, 6),
    copyField(message, msh, 3),
    copyField(message, msh, 4),
    stamp.now === undefined ? '' : formatHl7Timestamp(stamp.now, profile.utcOffsetMinutes ?? null),
    '',
    messageType.split('^'),
    stamp.controlId ?? '',
    msh.value(11) || 'P',
    copyField(message, msh, 12),
    '',
    '',
    '',
    '',
    '',
    msh.values(18)[0] ?? '',
  ]);
}
