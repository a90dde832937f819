/**
 * Messages we originate that wait for the analyzer's ACK, one at a time (MLLP original mode is
 * strictly sequential). The states and their legal transitions are the table below; the session
 * feeds it sends, ACKs, ticks and a close.
 *
 * A late ACK is never matched to another message: every message carries its own MSH-10, retries
 * resend the same bytes with the same MSH-10, and an ACK matches only the message in flight by
 * exact MSA-2.
 */

import type { ReceivedAck } from './ack.ts';
import { REMEMBERED_SEND_IDS } from './profile.ts';

export type OutboundState = 'idle' | 'awaiting-ack' | 'closed';
type OutboundInput = 'transmit' | 'acked' | 'refused' | 'retry' | 'gave-up' | 'close';

const TRANSITIONS: Record<OutboundState, Partial<Record<OutboundInput, OutboundState>>> = {
  idle: { transmit: 'awaiting-ack', close: 'closed' },
  'awaiting-ack': { acked: 'idle', refused: 'idle', retry: 'awaiting-ack', 'gave-up': 'idle', close: 'closed' },
  closed: {},
};

export interface OutboundItem {
  sendId: number;
  controlId: string;
  frame: Uint8Array;
}

export type OutboundEvent =
  | { type: 'send-acked'; sendId: number; controlId: string; code: string; text: string }
  | { type: 'send-failed'; sendId: number; controlId: string; reason: string; code?: string; text?: string }
  | { type: 'send-retry'; sendId: number; controlId: string; attempt: number }
  | { type: 'unmatched-ack'; controlId: string; code: string; late: boolean };

export interface OutboundSink {
  write(frame: Uint8Array): void;
  event(e: OutboundEvent): void;
}

/** HL7 acknowledgement codes that mean the receiver accepted the message. */
const POSITIVE = new Set(['AA', 'CA']);

export class OutboundQueue {
  private state: OutboundState = 'idle';
  private readonly waiting: OutboundItem[] = [];
  private inFlight: (OutboundItem & { attempts: number; deadline: number }) | null = null;
  /** Control ids of finished sends, oldest first, so a late ACK is named late rather than unknown. */
  private readonly finished = new Set<string>();

  constructor(
    private readonly ackTimeoutMs: number,
    private readonly maxRetries: number,
  ) {}

  get nextDeadline(): number | null {
    return this.inFlight ? this.inFlight.deadline : null;
  }

  enqueue(item: OutboundItem, now: number, sink: OutboundSink): void {
    this.waiting.push(item);
    if (this.state === 'idle') this.transmitNext(now, sink);
  }

  /** An ACK from the peer; returns whether it matched the message in flight. */
  onAck(ack: ReceivedAck, now: number, sink: OutboundSink): boolean {
    const flying = this.inFlight;
    if (!flying || ack.acknowledgedId !== flying.controlId) {
      sink.event({ type: 'unmatched-ack', controlId: ack.acknowledgedId, code: ack.code, late: this.finished.has(ack.acknowledgedId) });
      return false;
    }
    if (POSITIVE.has(ack.code)) {
      this.move('acked');
      sink.event({ type: 'send-acked', sendId: flying.sendId, controlId: flying.controlId, code: ack.code, text: ack.text });
    } else {
      this.move('refused');
      sink.event({ type: 'send-failed', sendId: flying.sendId, controlId: flying.controlId, reason: `refused with ${ack.code}`, code: ack.code, text: ack.text });
    }
    this.finish(flying.controlId);
    this.transmitNext(now, sink);
    return true;
  }

  tick(now: number, sink: OutboundSink): void {
    const flying = this.inFlight;
    if (!flying || now < flying.deadline) return;
    if (flying.attempts <= this.maxRetries) {
      this.move('retry');
      flying.attempts++;
      flying.deadline = now + this.ackTimeoutMs;
      sink.write(flying.frame);
      sink.event({ type: 'send-retry', sendId: flying.sendId, controlId: flying.controlId, attempt: flying.attempts });
      return;
    }
    this.move('gave-up');
    sink.event({
      type: 'send-failed',
      sendId: flying.sendId,
      controlId: flying.controlId,
      reason: `no ACK after ${flying.attempts} attempts, ${this.ackTimeoutMs} ms each`,
    });
    this.finish(flying.controlId);
    this.transmitNext(now, sink);
  }

  close(sink: OutboundSink): void {
    const unsent = this.inFlight ? [this.inFlight, ...this.waiting] : [...this.waiting];
    this.move('close');
    this.inFlight = null;
    this.waiting.length = 0;
    for (const item of unsent) {
      sink.event({ type: 'send-failed', sendId: item.sendId, controlId: item.controlId, reason: 'connection closed before the ACK' });
    }
  }

  private transmitNext(now: number, sink: OutboundSink): void {
    this.inFlight = null;
    const next = this.waiting.shift();
    if (!next) return;
    this.move('transmit');
    this.inFlight = { ...next, attempts: 1, deadline: now + this.ackTimeoutMs };
    sink.write(next.frame);
  }

  private move(input: OutboundInput): void {
    const to = TRANSITIONS[this.state][input];
    if (to === undefined) throw new Error(`outbound: ${input} is not legal in state ${this.state}`);
    this.state = to;
  }

  private finish(controlId: string): void {
    this.finished.add(controlId);
    if (this.finished.size > REMEMBERED_SEND_IDS) {
      const oldest = this.finished.values().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }
}
