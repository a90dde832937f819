/**
 * What one analyzer connection may override, and the defaults chosen for analyzers that say
 * nothing. Every limit is named here with the reason for its value.
 */

/**
 * 1 MiB. A Dymind/Mindray CBC message with 40 OBX lines is about 2.3 KB; with its three base64
 * histogram/scattergram images it stays under 100 KB. 1 MiB leaves room for a chemistry batch
 * while bounding what a stuck or hostile peer can make us hold for one frame.
 */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * HL7 v2 sets no acknowledgement timer; MLLP senders commonly wait 10–30 s. Analyzers answer an
 * ACK within a second when they answer at all, so 10 s notices a dead peer without resending a
 * message the analyzer is still storing.
 */
export const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/** Three tries in all: enough to ride out a lost frame, few enough not to flood a confused analyzer. */
export const DEFAULT_MAX_RETRIES = 2;

/**
 * Control ids of finished sends remembered so that a late ACK is reported as late rather than
 * unknown. The oldest are forgotten first; 1 000 covers far more than any ACK could lag behind.
 */
export const REMEMBERED_SEND_IDS = 1000;

export interface Hl7Profile {
  /**
   * Charset for messages whose MSH-18 is empty, as an HL7 table 0211 name (`8859/1`, `UNICODE UTF-8`)
   * or an Encoding Standard label (`utf-8`). Latin-1 by default: analyzers that leave MSH-18 empty
   * often send Latin-1, and Latin-1 decodes every byte without loss.
   */
  charset: string;
  maxFrameBytes: number;
  ackTimeoutMs: number;
  maxRetries: number;
  /** MSH-9 of our ACKs; null answers `ACK^<trigger of the message>` (so `ACK^R01` for an ORU^R01). */
  ackMessageType: string | null;
  /** MSH-3/MSH-4 of what we originate, and of ACKs when the message left its MSH-5/MSH-6 empty. */
  sendingApplication: string;
  sendingFacility: string;
  /** Minutes east of UTC for MSH-7 timestamps; null uses the clock's local zone. */
  utcOffsetMinutes: number | null;
  /** Start of our MSH-10 control ids, so a protocol trace shows whose message is whose. */
  controlIdPrefix: string;
}

export const DEFAULT_HL7_PROFILE: Readonly<Hl7Profile> = Object.freeze({
  charset: '8859/1',
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  ackTimeoutMs: DEFAULT_ACK_TIMEOUT_MS,
  maxRetries: DEFAULT_MAX_RETRIES,
  ackMessageType: null,
  sendingApplication: 'LIS',
  sendingFacility: '',
  utcOffsetMinutes: null,
  controlIdPrefix: 'L',
});

export function resolveProfile(overrides: Partial<Hl7Profile> = {}): Hl7Profile {
  const profile: Hl7Profile = { ...DEFAULT_HL7_PROFILE };
  for (const key of Object.keys(overrides) as (keyof Hl7Profile)[]) {
    const value = overrides[key];
    if (value !== undefined) (profile as unknown as Record<string, unknown>)[key] = value;
  }
  return profile;
}
