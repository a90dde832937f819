/**
 * HL7 v2 over MLLP, sans-IO. The engine drives one Hl7Session per analyzer connection and uses the
 * pure helpers to read results and build query replies.
 */

export { Hl7Session } from './session.ts';
export type { Hl7Answer, Hl7Event, Hl7Output, SendOptions } from './session.ts';
export { DEFAULT_HL7_PROFILE, DEFAULT_ACK_TIMEOUT_MS, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_RETRIES, resolveProfile } from './profile.ts';
export type { Hl7Profile } from './profile.ts';
export type { OutboundEvent } from './outbound.ts';

export { MllpFramer, frameMllp, VT, FS, CR } from './mllp-framer.ts';
export type { FramerItem } from './mllp-framer.ts';
export { decodeFrame, declaredCharset, decodeLatin1, encodeLatin1, resolveCharset } from './charset.ts';
export type { Hl7Charset } from './charset.ts';
export { DEFAULT_DELIMITERS, escapeHl7, unescapeHl7 } from './escape.ts';
export type { Hl7Delimiters } from './escape.ts';
export { Hl7Message, Hl7ParseError, Hl7Segment, parseHl7 } from './parse.ts';
export type { ParseOptions } from './parse.ts';
export { buildMsh, buildSegment, encodeHl7, formatHl7Timestamp, joinSegments, setHeaderFields } from './encode.ts';
export type { Hl7Field } from './encode.ts';
export { ackRequest, buildAck, plannedAcks, readAck } from './ack.ts';
export type { AckCode, ApplicationAckCode, BuildAckOptions, CommitAckCode, ReceivedAck } from './ack.ts';
export { messageKind } from './message-kind.ts';
export type { Hl7MessageKind } from './message-kind.ts';
export { DEFAULT_SAMPLE_ATTRIBUTE_NAMES, extractOruResults } from './oru-results.ts';
export type { ArchivedObservation, Hl7Result, OruExtraction, OruExtractOptions, SampleInfo } from './oru-results.ts';
export { parseHostQuery } from './host-query.ts';
export type { Hl7HostQuery, HostQueryDialect, HostQueryParse } from './host-query.ts';
export type { Hl7Order, LookupFailure, OrderLookup } from './hl7-order.ts';
export { AUTOMATED_COUNT, DYMIND_RUN_MODE_CODES, buildOrrReply } from './orr-reply.ts';
export type { OrrReplyOptions, RunModeCodes } from './orr-reply.ts';
export { buildDsrReply, buildQckReply } from './qck-dsr-reply.ts';
export type { ResponseStamp } from './response-header.ts';
