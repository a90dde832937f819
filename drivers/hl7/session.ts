/**
 * One analyzer connection speaking HL7 v2 over MLLP, with no I/O: bytes and the time go in; bytes
 * to write, events and the next deadline come out.
 *
 * Each received message gets a storeId. The engine answers it exactly once: `stored()` once its
 * results are durably kept (then, and only then, AA goes out; a failed store sends nothing, so the
 * analyzer resends), `reject()` for AE/AR, or `reply()` with a query answer. Bad input never
 * throws: it becomes an event, and an ACK where HL7 says one is due.
 */

import { ackRequest, buildAck, plannedAcks, readAck, type AckCode, type AckRequest, type ApplicationAckCode } from './ack.ts';
import { UTF8_CHARSET, resolveCharset, type Hl7Charset } from './charset.ts';
import { encodeHl7, formatHl7Timestamp, setHeaderFields } from './encode.ts';
import { expectsAck, messageKind, type Hl7MessageKind } from './message-kind.ts';
import { frameMllp, MllpFramer, type FramerItem } from './mllp-framer.ts';
import { OutboundQueue, type OutboundEvent, type OutboundSink } from './outbound.ts';
import { Hl7Message, Hl7ParseError, parseHl7 } from './parse.ts';
import { resolveProfile, type Hl7Profile } from './profile.ts';

export interface Hl7Output {
  write: Uint8Array[];
  events: Hl7Event[];
  nextDeadline: number | null;
}

/** How the engine must answer a message event. */
export type Hl7Answer = 'store' | 'reply' | 'none';

export type Hl7Event =
  | {
      type: 'message';
      storeId: number;
      kind: Hl7MessageKind;
      /** `store`: call stored() or reject(); `reply`: build a reply and call reply() (or reject()); `none`: an ACK, informational. */
      answer: Hl7Answer;
      message: Hl7Message;
      /** The frame's bytes between VT and FS. */
      raw: Uint8Array;
      controlId: string;
      messageType: string;
      /** Charset and structure notes that did not stop parsing. */
      warnings: string[];
    }
  | { type: 'frame'; direction: 'in' | 'out'; bytes: Uint8Array; at: number }
  | { type: 'junk'; bytes: Uint8Array; reason: string }
  | { type: 'frame-too-large'; size: number; limit: number; controlId: string | null; answered: boolean }
  | { type: 'parse-error'; reason: string; raw: Uint8Array; answered: boolean }
  /** The analyzer resent a message still awaiting the engine's answer: one answer covers both. */
  | { type: 'duplicate'; storeId: number; controlId: string }
  | { type: 'send-queued'; sendId: number; controlId: string; messageType: string; expectsAck: boolean }
  | OutboundEvent
  /** The engine called a method wrongly (unknown storeId, second answer, session closed); nothing was written. */
  | { type: 'usage-error'; reason: string }
  /** A bug of ours caught at the session boundary, so one bad frame cannot stop the connection. */
  | { type: 'internal-error'; reason: string };

export interface SendOptions {
  /** Override whether to wait for an ACK (default: no for responses such as ORR, QCK, ACK; yes otherwise). */
  expectAck?: boolean;
}

interface PendingInbound {
  message: Hl7Message;
  request: AckRequest;
  kind: Hl7MessageKind;
}

export class Hl7Session {
  private readonly profile: Hl7Profile;
  private readonly framer: MllpFramer;
  private readonly outbound: OutboundQueue;
  private readonly pending = new Map<number, PendingInbound>();
  private readonly pendingByControlId = new Map<string, number>();
  private nextStoreId = 1;
  private nextSendId = 1;
  private controlSeq = 0;
  private controlStem: string | null = null;
  private closed = false;

  constructor(profile: Partial<Hl7Profile> = {}) {
    this.profile = resolveProfile(profile);
    this.framer = new MllpFramer(this.profile.maxFrameBytes);
    this.outbound = new OutboundQueue(this.profile.ackTimeoutMs, this.profile.maxRetries);
  }

  receive(bytes: Uint8Array, now: number): Hl7Output {
    return this.run(now, (out) => {
      if (this.closed) return this.usageEvent(out, 'receive() after close()');
      for (const item of this.framer.push(bytes)) {
        // One bad frame must not cost the frames that came with it in the same read.
        try {
          if (item.type === 'frame') this.onFrame(item.bytes, now, out);
          else if (item.type === 'junk') out.events.push({ type: 'junk', bytes: item.bytes, reason: item.reason });
          else this.onTooLarge(item, now, out);
        } catch (e) {
          out.events.push({ type: 'internal-error', reason: `while handling a received frame: ${String(e)}` });
        }
      }
    });
  }

  tick(now: number): Hl7Output {
    return this.run(now, (out) => {
      if (!this.closed) this.outbound.tick(now, out.sink);
    });
  }

  stored(storeId: number, ok: boolean, now: number): Hl7Output {
    return this.run(now, (out) => {
      const pending = this.take(storeId, out);
      if (pending && ok) this.acknowledge(pending, 'AA', undefined, now, out);
    });
  }

  reject(storeId: number, code: 'AE' | 'AR', reason: string, now: number): Hl7Output {
    return this.run(now, (out) => {
      const pending = this.take(storeId, out);
      if (pending) this.acknowledge(pending, code, reason, now, out);
    });
  }

  /** Answers a query (storeId of a `reply` message event) with a reply built by buildOrrReply/buildQckReply. */
  reply(storeId: number, message: Hl7Message | string, now: number, options: SendOptions = {}): Hl7Output {
    return this.run(now, (out) => {
      const parsed = this.parseOutgoing(message, out);
      if (!parsed) return;
      const pending = this.take(storeId, out);
      if (!pending) return;
      for (const code of plannedAcks(pending.request, 'AA')) {
        if (code === 'CA') this.writeAck(pending.message, code, undefined, now, out);
      }
      this.transmit(parsed, now, options, out);
    });
  }

  /** Sends a message we originate (a DSR^Q03, an order); it waits for its ACK unless it is itself a response. */
  send(message: Hl7Message | string, now: number, options: SendOptions = {}): Hl7Output {
    return this.run(now, (out) => {
      if (this.closed) return this.usageEvent(out, 'send() after close()');
      const parsed = this.parseOutgoing(message, out);
      if (parsed) this.transmit(parsed, now, options, out);
    });
  }

  /** The connection is gone: sends still waiting for an ACK fail, and received messages can no longer be answered. */
  close(now: number): Hl7Output {
    return this.run(now, (out) => {
      if (this.closed) return;
      this.closed = true;
      this.outbound.close(out.sink);
      this.pending.clear();
      this.pendingByControlId.clear();
    });
  }

  /** storeIds still waiting for the engine's answer. */
  get awaitingAnswer(): number[] {
    return [...this.pending.keys()];
  }

  private onFrame(bytes: Uint8Array, now: number, out: Output): void {
    out.events.push({ type: 'frame', direction: 'in', bytes, at: now });
    let message: Hl7Message;
    try {
      message = parseHl7(bytes, { charset: this.profile.charset });
    } catch (e) {
      if (!(e instanceof Hl7ParseError)) throw e;
      out.events.push({ type: 'parse-error', reason: e.message, raw: bytes, answered: false });
      return;
    }
    const kind = messageKind(message);
    const base = { message, raw: bytes, controlId: message.controlId, messageType: message.messageType, warnings: message.warnings, kind };
    if (kind === 'ack') {
      // An ACK is never acknowledged, whatever is wrong with it.
      out.events.push({ type: 'message', storeId: this.nextStoreId++, answer: 'none', ...base });
      const ack = readAck(message);
      if (ack) this.outbound.onAck(ack, now, out.sink);
      return;
    }
    const missing = message.messageCode === '' ? 'MSH-9 (message type)' : message.controlId === '' ? 'MSH-10 (message control id)' : null;
    if (missing) {
      const reason = `${missing} is empty`;
      this.writeAck(message, 'AR', reason, now, out);
      out.events.push({ type: 'parse-error', reason, raw: bytes, answered: true });
      return;
    }
    const earlier = this.pendingByControlId.get(message.controlId);
    if (earlier !== undefined) {
      out.events.push({ type: 'duplicate', storeId: earlier, controlId: message.controlId });
      return;
    }
    const storeId = this.nextStoreId++;
    this.pending.set(storeId, { message, request: ackRequest(message), kind });
    this.pendingByControlId.set(message.controlId, storeId);
    out.events.push({ type: 'message', storeId, answer: kind === 'query-orm' || kind === 'query-qry' ? 'reply' : 'store', ...base });
  }

  /** A whole frame over the limit is refused with AR when its MSH survived in the kept head, so the analyzer stops resending it. */
  private onTooLarge(item: Extract<FramerItem, { type: 'frame-too-large' }>, now: number, out: Output): void {
    let controlId: string | null = null;
    let answered = false;
    if (item.complete) {
      try {
        const head = parseHl7(item.head, { charset: this.profile.charset });
        controlId = head.controlId || null;
        if (controlId !== null) {
          this.writeAck(head, 'AR', `message of ${item.size} bytes exceeds the ${item.limit}-byte limit`, now, out);
          answered = true;
        }
      } catch (e) {
        if (!(e instanceof Hl7ParseError)) throw e;
      }
    }
    out.events.push({ type: 'frame-too-large', size: item.size, limit: item.limit, controlId, answered });
  }

  private take(storeId: number, out: Output): PendingInbound | null {
    if (this.closed) {
      this.usageEvent(out, `storeId ${storeId}: the connection is closed; the analyzer will resend`);
      return null;
    }
    const pending = this.pending.get(storeId);
    if (!pending) {
      this.usageEvent(out, `storeId ${storeId} is not awaiting an answer (unknown, or already answered)`);
      return null;
    }
    this.pending.delete(storeId);
    this.pendingByControlId.delete(pending.message.controlId);
    return pending;
  }

  private acknowledge(pending: PendingInbound, outcome: ApplicationAckCode, reason: string | undefined, now: number, out: Output): void {
    for (const code of plannedAcks(pending.request, outcome)) this.writeAck(pending.message, code, reason, now, out);
  }

  private writeAck(message: Hl7Message, code: AckCode, reason: string | undefined, now: number, out: Output): void {
    const text = buildAck(message, { code, reason, controlId: this.newControlId(now), now, profile: this.profile });
    out.write(frameMllp(encodeText(text, message.charset)));
  }

  private parseOutgoing(message: Hl7Message | string, out: Output): Hl7Message | null {
    if (typeof message !== 'string') return message;
    try {
      return parseHl7(message, { charset: this.profile.charset });
    } catch (e) {
      if (!(e instanceof Hl7ParseError)) throw e;
      this.usageEvent(out, `outgoing message: ${e.message}`);
      return null;
    }
  }

  private transmit(parsed: Hl7Message, now: number, options: SendOptions, out: Output): void {
    const controlId = this.newControlId(now);
    const stamps: Record<number, string> = { 10: controlId };
    if (parsed.header.value(7) === '') stamps[7] = formatHl7Timestamp(now, this.profile.utcOffsetMinutes);
    const text = setHeaderFields(encodeHl7(parsed), stamps);
    const charset = parsed.declaredCharset === '' ? (resolveCharset(this.profile.charset) ?? parsed.charset) : parsed.charset;
    const frame = frameMllp(encodeText(text, charset));
    const sendId = this.nextSendId++;
    const waits = options.expectAck ?? expectsAck(parsed.messageCode);
    out.events.push({ type: 'send-queued', sendId, controlId, messageType: parsed.messageType, expectsAck: waits });
    if (waits) this.outbound.enqueue({ sendId, controlId, frame }, now, out.sink);
    else out.write(frame);
  }

  /**
   * Unique per session and, through the first clock reading, across sessions. With the default
   * one-letter prefix it stays within HL7 2.3.1's 20 characters (MSH-10 is ST 20) for the first
   * 36^10 messages of a session.
   */
  private newControlId(now: number): string {
    if (this.controlStem === null) this.controlStem = this.profile.controlIdPrefix + Math.max(0, Math.floor(now)).toString(36);
    return `${this.controlStem}.${(++this.controlSeq).toString(36)}`;
  }

  /** Every public call goes through here: whatever goes wrong inside becomes an event, never an exception. */
  private run(now: number, body: (out: Output) => void): Hl7Output {
    const out = new Output(now);
    try {
      body(out);
    } catch (e) {
      out.events.push({ type: 'internal-error', reason: String(e) });
    }
    return { write: out.frames, events: out.events, nextDeadline: this.closed ? null : this.outbound.nextDeadline };
  }

  private usageEvent(out: Output, reason: string): void {
    out.events.push({ type: 'usage-error', reason });
  }
}

/** Writes multi-byte Asian charsets as UTF-8: we have no encoder for them, and replies are almost always ASCII. */
function encodeText(text: string, charset: Hl7Charset): Uint8Array {
  return (charset.encode ?? UTF8_CHARSET.encode!)(text).bytes;
}

class Output {
  readonly frames: Uint8Array[] = [];
  readonly events: Hl7Event[] = [];
  readonly sink: OutboundSink;

  constructor(private readonly now: number) {
    this.sink = { write: (f) => this.write(f), event: (e) => this.events.push(e) };
  }

  /** Frame events carry the message bytes without the MLLP envelope, in both directions. */
  write(frame: Uint8Array): void {
    this.frames.push(frame);
    this.events.push({ type: 'frame', direction: 'out', bytes: frame.subarray(1, frame.length - 2), at: this.now });
  }
}
