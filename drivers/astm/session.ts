import { encodeText } from './charset.ts';
import { ACK, ENQ, EOT, NAK } from './control.ts';
import type { AstmEvent, SendAbortReason } from './events.ts';
import { FRAME_OVERHEAD, FrameReader, type ReaderToken } from './frame-reader.ts';
import { simplifiedFrame, strictFrames } from './frame-writer.ts';
import { moveLine, type LineMove, type LineState } from './line-state.ts';
import { LinkReceiver } from './link-receiver.ts';
import { LinkSender, type OutboundMessage, type SenderResult } from './link-sender.ts';
import { controlFrame, Output } from './output.ts';
import { resolveProfile, type AstmProfile, type AstmProfileOptions } from './profile.ts';
import { encodeRecord } from './records/encode.ts';
import { STANDARD_DELIMITERS, type AstmRecord } from './records/model.ts';

export interface AstmOutput {
  /** Bytes to write to the analyzer, in order. */
  write: Uint8Array[];
  events: AstmEvent[];
  /** When to call `tick` (same clock as `now`), or null when nothing is timed. */
  nextDeadline: number | null;
}

/**
 * Ours: how much input we keep while a frame waits for storage. The analyzer should send nothing
 * then; a little (its EOT, a retransmission) is normal, more is a misbehaving peer.
 */
const HELD_INPUT_FRAMES = 2;

/**
 * One analyzer connection's ASTM E1381 link and LIS02-A2 records, with no I/O and no timers of
 * its own: bytes and the time go in; bytes to write, events and the next deadline come out.
 */
export class AstmSession {
  readonly profile: AstmProfile;
  private lineState: LineState = 'neutral';
  private readonly reader: FrameReader;
  private readonly receiver: LinkReceiver;
  private readonly sender: LinkSender;
  private readonly outbox: OutboundMessage[] = [];
  private readonly cancelled = new Set<number>();
  /** No ENQ of ours before this time (NAK to ENQ, aborted attempt, receiver interrupt). */
  private sendBlockedUntil = 0;
  /** 6.3.5: the interrupt's quiet time also ends once the analyzer has sent its message. */
  private releaseOnInbound = false;
  private contentionUntil = 0;
  private ready = true;
  private lastStoreId = 0;
  private lastMessageId = 0;
  /** The framing the analyzer last used, for our replies when the profile says `auto`. */
  private lastInboundFraming: 'strict' | 'simplified' | null = null;

  private readonly onToken: Readonly<Record<LineState, (t: ReaderToken, now: number, out: Output) => void>> = {
    neutral: (t, now, out) => this.tokenWhileNeutral(t, now, out),
    receiving: (t, now, out) => this.tokenWhileReceiving(t, now, out),
    sending: (t, now, out) => this.tokenWhileSending(t, now, out),
    contention: (t, now, out) => this.tokenWhileContention(t, now, out),
  };

  constructor(options?: AstmProfileOptions) {
    this.profile = resolveProfile(options);
    this.reader = new FrameReader(this.profile.maxFrameText, HELD_INPUT_FRAMES * (this.profile.maxFrameText + FRAME_OVERHEAD));
    this.receiver = new LinkReceiver(this.profile, () => ++this.lastStoreId);
    this.sender = new LinkSender(this.profile);
  }

  get line(): LineState {
    return this.lineState;
  }

  /** Bytes held in memory for this connection (a frame in progress, input kept while storing). */
  bufferedBytes(): number {
    return this.reader.buffered();
  }

  receive(bytes: Uint8Array, now: number): AstmOutput {
    const out = new Output();
    this.expire(now, out);
    const dropped = this.reader.push(bytes);
    if (dropped > 0) {
      out.event({
        type: 'frame-rejected',
        reason: `${dropped} byte(s) arrived while a frame waited for storage, more than an analyzer may send then; they were dropped`,
      });
    }
    this.drain(now, out);
    this.pump(now, out);
    return this.finish(out);
  }

  tick(now: number): AstmOutput {
    const out = new Output();
    this.expire(now, out);
    this.drain(now, out);
    this.pump(now, out);
    return this.finish(out);
  }

  /** The engine stored (or failed to store) the group of a `store` event. */
  stored(storeId: number, ok: boolean, now: number): AstmOutput {
    const out = new Output();
    this.expire(now, out);
    this.receiver.stored(storeId, ok, now, out);
    this.drain(now, out);
    this.pump(now, out);
    return this.finish(out);
  }

  /**
   * Queues a message for the analyzer (an order reply): typed records, or record texts without
   * CR. It goes out as soon as the line is neutral; `send-delivered` or `send-aborted` follows.
   */
  send(records: readonly (AstmRecord | string)[], now: number): AstmOutput & { messageId: number } {
    const out = new Output();
    this.expire(now, out);
    const id = ++this.lastMessageId;
    const bytes = messageTexts(records).map((text) => {
      const encoded = encodeText(this.profile.charset, text);
      if (encoded.unmappable > 0) {
        out.event({
          type: 'record-warning',
          reason: `${encoded.unmappable} character(s) have no byte in ${this.profile.charset} and were sent as '?'`,
          raw: text,
        });
      }
      return encoded.bytes;
    });
    const framing = this.profile.framing === 'auto' ? (this.lastInboundFraming ?? 'strict') : this.profile.framing;
    const frames = framing === 'strict'
      ? strictFrames(bytes, this.profile.maxSendFrameText, this.profile.charset === 'utf-8')
      : [simplifiedFrame(bytes)];
    this.outbox.push({ id, frames, framing, failedAttempts: 0, enqRefusals: 0 });
    this.pump(now, out);
    return { ...this.finish(out), messageId: id };
  }

  /**
   * Withdraws a queued message (a query the analyzer cancelled must get no reply). One already on
   * the wire finishes its attempt, but is not repeated.
   */
  cancelSend(messageId: number, now: number): AstmOutput {
    const out = new Output();
    this.expire(now, out);
    const at = this.outbox.findIndex((m) => m.id === messageId);
    if (at >= 0) {
      if (this.sender.current?.id === messageId) this.cancelled.add(messageId);
      else {
        this.outbox.splice(at, 1);
        out.event({ type: 'send-aborted', messageId, reason: 'cancelled', text: 'withdrawn before it was sent', willRetry: false, retryAt: null });
      }
    }
    this.pump(now, out);
    return this.finish(out);
  }

  /** False while storage is failing: the analyzer's ENQ then gets NAK (6.2.6) and it retries later. */
  setReceiveReady(ready: boolean): void {
    this.ready = ready;
  }

  private move(m: LineMove): void {
    this.lineState = moveLine(this.lineState, m);
  }

  private drain(now: number, out: Output): void {
    if (!this.receiver.holding) this.reader.resume();
    while (!this.receiver.holding) {
      const token = this.reader.next();
      if (token === null) break;
      if (token.kind !== 'frame' || this.lineState !== 'receiving') showIncoming(token, out);
      this.onToken[this.lineState](token, now, out);
    }
    if (this.receiver.holding) this.reader.pause();
  }

  private tokenWhileNeutral(t: ReaderToken, now: number, out: Output): void {
    if (t.kind === 'control' && t.byte === ENQ) this.answerEnq(now, out);
    else if (t.kind === 'frame') out.event({ type: 'frame-rejected', reason: 'a frame arrived outside a session (no ENQ before it); ignored' });
  }

  private tokenWhileContention(t: ReaderToken, now: number, out: Output): void {
    if (t.kind === 'control' && t.byte === ENQ) this.answerEnq(now, out);
  }

  private answerEnq(now: number, out: Output): void {
    if (!this.ready) {
      out.control(NAK);
      out.event({ type: 'frame-rejected', reason: 'the analyzer asked to send (ENQ) while storage is failing; refused (NAK), it will ask again' });
      if (this.lineState === 'contention') this.move('contention-ended');
      return;
    }
    out.control(ACK);
    this.move('enq-accepted');
    const forced = this.profile.framing === 'auto' ? null : this.profile.framing;
    this.receiver.begin(now, forced);
    this.reader.mode = forced ?? 'detect';
    out.event({ type: 'session-start', direction: 'in', framing: forced ?? 'auto' });
  }

  private tokenWhileReceiving(t: ReaderToken, now: number, out: Output): void {
    switch (t.kind) {
      case 'frame':
        this.receiver.onFrame(t, now, out);
        if (this.reader.mode === 'detect' && this.receiver.framing !== null) {
          this.reader.mode = this.receiver.framing;
          this.lastInboundFraming = this.receiver.framing;
        }
        return;
      case 'broken':
        out.event({ type: 'frame-rejected', reason: t.reason });
        return;
      case 'control':
        if (t.byte === EOT) {
          this.receiver.end('the analyzer ended the session (EOT) before its message was complete', out);
          this.inboundEnded('eot', out);
        } else if (t.byte === ENQ && this.receiver.strayEnqIsNoise()) {
          out.event({ type: 'frame-rejected', reason: 'an ENQ right after a refused frame was taken for line noise and ignored; the analyzer must send that frame again (a second ENQ starts a new session)' });
        } else if (t.byte === ENQ) {
          // The analyzer only asks for the line when it thinks it is neutral: our view of its
          // last session is stale (its EOT was lost). Waiting would only cost it a 15 s timeout.
          this.receiver.end('the analyzer started a new session (ENQ) without ending the last one (EOT)', out);
          this.inboundEnded('restarted', out);
          this.answerEnq(now, out);
        }
        return;
      case 'junk':
        return;
    }
  }

  private inboundEnded(reason: 'eot' | 'receive-timeout' | 'restarted', out: Output): void {
    this.reader.dropFrame();
    this.reader.mode = 'detect';
    this.move('inbound-ended');
    out.event({ type: 'session-end', direction: 'in', reason });
    if (this.releaseOnInbound) {
      this.releaseOnInbound = false;
      this.sendBlockedUntil = 0;
    }
  }

  private tokenWhileSending(t: ReaderToken, now: number, out: Output): void {
    const result = t.kind === 'control' ? this.sender.onControl(t.byte, now, out) : this.sender.onOther(now, out);
    this.afterSend(result, now, out);
  }

  private afterSend(result: SenderResult, now: number, out: Output): void {
    if (result.kind === 'busy') return;
    const message = this.outbox[0];
    switch (result.kind) {
      case 'delivered':
        this.outbox.shift();
        this.cancelled.delete(message.id);
        this.move('outbound-ended');
        out.event({ type: 'session-end', direction: 'out', reason: 'delivered' });
        out.event({ type: 'send-delivered', messageId: message.id });
        return;
      case 'contention':
        this.move('contention');
        this.contentionUntil = now + this.profile.timers.contentionWaitMs;
        out.event({ type: 'session-end', direction: 'out', reason: 'contention' });
        out.event({
          type: 'send-deferred', messageId: message.id, reason: 'contention', retryAt: null,
          text: 'the analyzer answered our ENQ with its own ENQ: it sends first, our message follows',
        });
        return;
      case 'enq-refused':
        this.move('outbound-ended');
        out.event({ type: 'session-end', direction: 'out', reason: 'aborted' });
        message.enqRefusals++;
        if (message.enqRefusals >= this.profile.maxEnqAttempts) {
          message.enqRefusals = 0;
          this.attemptFailed(message, 'enq-refused', `the analyzer refused our ENQ ${this.profile.maxEnqAttempts} times (NAK: busy)`, now, out);
          return;
        }
        this.sendBlockedUntil = now + this.profile.timers.enqRefusedWaitMs;
        out.event({
          type: 'send-deferred', messageId: message.id, reason: 'enq-refused', retryAt: this.sendBlockedUntil,
          text: `the analyzer is busy (NAK to our ENQ); asking again in ${this.profile.timers.enqRefusedWaitMs / 1000} s`,
        });
        return;
      case 'aborted':
        this.move('outbound-ended');
        out.event({ type: 'session-end', direction: 'out', reason: result.reason === 'receiver-interrupt' ? 'interrupted' : 'aborted' });
        if (result.reason === 'receiver-interrupt' && !this.cancelled.has(message.id)) {
          this.sendBlockedUntil = now + this.profile.timers.interruptHoldMs;
          this.releaseOnInbound = true;
          out.event({ type: 'send-aborted', messageId: message.id, reason: result.reason, text: `${result.text}; the whole message is repeated afterwards`, willRetry: true, retryAt: this.sendBlockedUntil });
          return;
        }
        this.attemptFailed(message, result.reason, result.text, now, out);
        return;
    }
  }

  private attemptFailed(message: OutboundMessage, reason: SendAbortReason, text: string, now: number, out: Output): void {
    message.failedAttempts++;
    const withdrawn = this.cancelled.delete(message.id);
    if (withdrawn || message.failedAttempts >= this.profile.maxMessageAttempts) {
      this.outbox.shift();
      const why = withdrawn ? 'it had been withdrawn' : `after ${message.failedAttempts} attempt(s) it is dropped`;
      out.event({ type: 'send-aborted', messageId: message.id, reason, text: `${text}; ${why}`, willRetry: false, retryAt: null });
      return;
    }
    this.sendBlockedUntil = now + this.profile.timers.retryAfterAbortMs;
    out.event({ type: 'send-aborted', messageId: message.id, reason, text: `${text}; the whole message is repeated later`, willRetry: true, retryAt: this.sendBlockedUntil });
  }

  private expire(now: number, out: Output): void {
    switch (this.lineState) {
      case 'receiving':
        if (this.receiver.expire(now, out)) this.inboundEnded('receive-timeout', out);
        return;
      case 'sending':
        this.afterSend(this.sender.expire(now, out), now, out);
        return;
      case 'contention':
        if (now >= this.contentionUntil) this.move('contention-ended');
        return;
      case 'neutral':
        return;
    }
  }

  /** Our message goes out as soon as the line is neutral and nothing holds it back. */
  private pump(now: number, out: Output): void {
    if (this.lineState !== 'neutral' || this.outbox.length === 0 || now < this.sendBlockedUntil) return;
    this.releaseOnInbound = false;
    this.move('send-started');
    out.event({ type: 'session-start', direction: 'out' });
    this.sender.start(this.outbox[0], now, out);
  }

  private nextDeadline(): number | null {
    switch (this.lineState) {
      case 'receiving': return this.receiver.deadline();
      case 'sending': return this.sender.deadline();
      case 'contention': return this.contentionUntil;
      case 'neutral': return this.outbox.length > 0 ? this.sendBlockedUntil : null;
    }
  }

  private finish(out: Output): AstmOutput {
    return { write: out.write, events: out.events, nextDeadline: this.nextDeadline() };
  }
}

/** Inbound bytes other than frames the receiver reports itself, for the inspector. */
function showIncoming(t: ReaderToken, out: Output): void {
  switch (t.kind) {
    case 'control':
      out.event({ type: 'frame', direction: 'in', ...controlFrame(t.byte) });
      return;
    case 'junk':
      out.event({ type: 'frame', direction: 'in', kind: 'junk', bytes: t.bytes });
      return;
    case 'broken':
      out.event({ type: 'frame', direction: 'in', kind: 'junk', bytes: t.raw });
      return;
    case 'frame':
      out.event({
        type: 'frame', direction: 'in', kind: t.framing === 'simplified' ? 'simplified' : t.end ? 'end' : 'intermediate',
        bytes: t.raw,
        ...(t.frameNumber >= 0 ? { frameNumber: t.frameNumber } : {}),
        ...(t.checksumOk === null ? {} : { checksumOk: t.checksumOk }),
      });
      return;
  }
}

/** Record texts of an outbound message: typed records are written with the message header's delimiters. */
function messageTexts(records: readonly (AstmRecord | string)[]): string[] {
  const header = records.find((r): r is AstmRecord => typeof r !== 'string' && r.type === 'H');
  const delimiters = header?.delimiters ?? STANDARD_DELIMITERS;
  return records.map((r) => (typeof r === 'string' ? r : encodeRecord(r, delimiters)));
}
