import { ACK, ENQ, EOT, NAK } from './control.ts';
import type { SendAbortReason } from './events.ts';
import type { Output } from './output.ts';
import type { AstmProfile } from './profile.ts';

/**
 * The sending side of one outbound session: establishment (ENQ and its reply) and transfer
 * (each frame until ACK), ending with EOT. It reports how the session ended; what happens to the
 * message next (repeat, wait, drop) is the session's outbox policy.
 */

export interface OutboundMessage {
  id: number;
  frames: Uint8Array[];
  framing: 'strict' | 'simplified';
  /** Attempts that ended in an abort (the message is repeated in full each time). */
  failedAttempts: number;
  /** NAKs to our ENQ since the message last got the line (6.2.6). */
  enqRefusals: number;
}

export type SenderResult =
  | { kind: 'busy' }
  | { kind: 'delivered' }
  | { kind: 'aborted'; reason: SendAbortReason; text: string }
  | { kind: 'contention' }
  | { kind: 'enq-refused' };

const BUSY: SenderResult = { kind: 'busy' };

type Phase = 'idle' | 'establishing' | 'transferring';

export class LinkSender {
  private phase: Phase = 'idle';
  private message: OutboundMessage | null = null;
  private index = 0;
  private failures = 0;
  private deadlineAt = 0;

  constructor(private readonly profile: AstmProfile) {}

  get current(): OutboundMessage | null {
    return this.message;
  }

  deadline(): number | null {
    return this.phase === 'idle' ? null : this.deadlineAt;
  }

  /** Establishment phase: ENQ (6.2.4). */
  start(message: OutboundMessage, now: number, out: Output): void {
    this.message = message;
    this.phase = 'establishing';
    this.deadlineAt = now + this.profile.timers.enqReplyMs;
    out.control(ENQ);
  }

  /** A control character from the analyzer. */
  onControl(byte: number, now: number, out: Output): SenderResult {
    if (this.phase === 'establishing') {
      if (byte === ACK) {
        this.phase = 'transferring';
        this.index = 0;
        this.failures = 0;
        this.sendFrame(now, out);
        return BUSY;
      }
      if (byte === NAK) return this.stop({ kind: 'enq-refused' });
      if (byte === ENQ) return this.stop({ kind: 'contention' });
      return BUSY;
    }
    if (this.phase !== 'transferring') return BUSY;
    if (byte === ACK) return this.acknowledged(now, out);
    if (byte === EOT) return this.interrupted(out);
    return this.failedReply(`got ${byte === NAK ? 'NAK' : 'an unexpected reply'}`, now, out);
  }

  /** Anything else from the analyzer (stray bytes, a frame) while we wait for a reply. */
  onOther(now: number, out: Output): SenderResult {
    if (this.phase !== 'transferring') return BUSY;
    return this.failedReply('got an unexpected reply', now, out);
  }

  expire(now: number, out: Output): SenderResult {
    if (this.phase === 'idle' || now < this.deadlineAt) return BUSY;
    const waited = this.phase === 'establishing' ? this.profile.timers.enqReplyMs : this.profile.timers.frameReplyMs;
    const what = this.phase === 'establishing' ? 'our ENQ' : `frame ${this.frameLabel()}`;
    return this.abort('no-reply', `no reply to ${what} within ${waited / 1000} s`, out);
  }

  private frameLabel(): string {
    return `${this.index + 1} of ${this.message!.frames.length}`;
  }

  private sendFrame(now: number, out: Output): void {
    const message = this.message!;
    const bytes = message.frames[this.index];
    const kind = message.framing === 'simplified' ? 'simplified' : bytes[bytes.length - 5] === 0x03 ? 'end' : 'intermediate';
    out.frame(bytes, kind, message.framing === 'strict' ? bytes[1] - 0x30 : undefined);
    this.deadlineAt = now + this.profile.timers.frameReplyMs;
  }

  private acknowledged(now: number, out: Output): SenderResult {
    this.index++;
    this.failures = 0;
    if (this.index < this.message!.frames.length) {
      this.sendFrame(now, out);
      return BUSY;
    }
    out.control(EOT);
    return this.stop({ kind: 'delivered' });
  }

  /** 6.3.5: EOT in place of ACK accepts the frame and asks us to stop. */
  private interrupted(out: Output): SenderResult {
    const last = this.index === this.message!.frames.length - 1;
    out.control(EOT);
    if (last) return this.stop({ kind: 'delivered' });
    return this.stop({
      kind: 'aborted',
      reason: 'receiver-interrupt',
      text: `the analyzer interrupted (EOT in place of ACK after frame ${this.frameLabel()}) because it has something to send`,
    });
  }

  /** 6.5.1.2: NAK or any reply other than ACK/EOT → the same frame again, up to the attempt limit. */
  private failedReply(what: string, now: number, out: Output): SenderResult {
    this.failures++;
    if (this.failures >= this.profile.maxFrameAttempts) {
      return this.abort('nak-limit', `frame ${this.frameLabel()} failed ${this.failures} times (${what})`, out);
    }
    this.sendFrame(now, out);
    return BUSY;
  }

  private abort(reason: SendAbortReason, text: string, out: Output): SenderResult {
    out.control(EOT);
    return this.stop({ kind: 'aborted', reason, text });
  }

  private stop(result: SenderResult): SenderResult {
    this.phase = 'idle';
    this.message = null;
    return result;
  }
}
