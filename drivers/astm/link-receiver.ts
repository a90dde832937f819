import { ACK, NAK } from './control.ts';
import type { FrameEvent } from './events.ts';
import type { FrameToken } from './frame-reader.ts';
import { MessageAssembler, type AssemblerSnapshot, type AssemblyOutcome } from './message-assembler.ts';
import type { Output } from './output.ts';
import { MAX_FRAME_ATTEMPTS, type AstmProfile } from './profile.ts';

/**
 * The receiving side of one inbound session (after our ACK to the analyzer's ENQ, until EOT or
 * the receive timeout): frame sequence, replies, and the storage handshake of LIS02-A2 4.2.1.
 *
 * A frame that closes a group is held: its store events go out, and its ACK waits for
 * `stored(id, true)`. A failure, or no answer before the 15 s reply limit (6.5.2.5), NAKs it
 * and rewinds the assembler to before the frame, so the analyzer's retransmission is read
 * afresh; groups stored meanwhile are remembered and not sent to storage twice.
 */

interface Hold {
  frameNumber: number;
  snapshot: AssemblerSnapshot;
  outcomes: AssemblyOutcome[];
  /** storeId → group key, for the groups not yet confirmed. */
  waiting: Map<number, string>;
  deadline: number;
}

const FRAME_NUMBERS = 8;

export class LinkReceiver {
  /** Framing of this session once its first frame was accepted; null before. */
  framing: 'strict' | 'simplified' | null = null;

  /** The framing was detected from the first frame rather than set by the profile. */
  private detected = false;
  private active = false;
  private expected = 1;
  private lastAccepted = -1;
  /**
   * Frames refused since the last one accepted. A conforming sender gives a frame at most
   * MAX_FRAME_ATTEMPTS tries, then ends with EOT (6.5.1.2); one that sends more is ignoring our
   * NAKs, and eight refusals bring the frame number round, so a later frame would pass for the
   * refused one. Past the limit every frame is refused until EOT.
   */
  private refusedInARow = 0;
  /** An ENQ right after a refused frame was already taken for line noise once (see strayEnqIsNoise). */
  private strayEnqSeen = false;
  private idleDeadline = 0;
  private hold: Hold | null = null;
  /** Group keys already stored while the frame that closes them is still being retried. */
  private readonly confirmed = new Set<string>();
  /** Store ids of a refused frame's groups, so a late confirmation still counts. */
  private readonly abandoned = new Map<number, string>();
  private readonly assembler: MessageAssembler;
  /** Outcomes of the frame being read; reused, as most frames close nothing and are acknowledged at once. */
  private readonly scratch: AssemblyOutcome[] = [];

  constructor(
    private readonly profile: AstmProfile,
    private readonly nextStoreId: () => number,
  ) {
    this.assembler = new MessageAssembler(profile.charset, profile.maxRecordText);
  }

  get holding(): boolean {
    return this.hold !== null;
  }

  begin(now: number, framing: 'strict' | 'simplified' | null): void {
    this.active = true;
    this.framing = framing;
    this.detected = framing === null;
    this.expected = 1;
    this.lastAccepted = -1;
    this.refusedInARow = 0;
    this.strayEnqSeen = false;
    this.idleDeadline = now + this.profile.timers.receiveIdleMs;
    this.hold = null;
    this.confirmed.clear();
    this.abandoned.clear();
    this.assembler.reset();
  }

  /**
   * An ENQ inside a message. A sender whose frame was just refused must send that frame again,
   * never ENQ; an ENQ then is most likely the line noise that damaged the frame, and taking it for
   * a new session would drop the unstored records while its ACK passed for the frame's. So the
   * first such ENQ is ignored; a second one (a sender that really started over after a lost EOT)
   * restarts the session as any other mid-message ENQ does.
   */
  strayEnqIsNoise(): boolean {
    if (this.refusedInARow === 0 || this.strayEnqSeen) return false;
    this.strayEnqSeen = true;
    return true;
  }

  deadline(): number | null {
    if (this.hold !== null) return this.hold.deadline;
    return this.active ? this.idleDeadline : null;
  }

  onFrame(token: FrameToken, now: number, out: Output): void {
    const strict = token.framing === 'strict';
    const repeat = strict && token.problem === null && token.frameNumber === this.lastAccepted && token.frameNumber !== this.expected;
    // All properties in one literal, absent ones undefined: one object shape for every frame.
    const event: FrameEvent = {
      type: 'frame',
      direction: 'in',
      kind: strict ? (token.end ? 'end' : 'intermediate') : 'simplified',
      bytes: token.raw,
      frameNumber: token.frameNumber >= 0 ? token.frameNumber : undefined,
      checksumOk: token.checksumOk ?? undefined,
      repeat: repeat || undefined,
    };
    out.event(event);
    if (this.refusedInARow >= MAX_FRAME_ATTEMPTS) {
      return this.refuse(
        `the analyzer sent another frame after ${this.refusedInARow} refused in a row, ignoring the NAKs; nothing more of this transmission is taken`,
        token.frameNumber, now, out,
      );
    }
    if (token.problem !== null) return this.refuse(token.problem, token.frameNumber, now, out);
    if (!strict && this.detected && this.framing === 'simplified' && startsWithFrameNumber(token.text)) {
      return this.refuse(
        'the frame starts with a frame number: the analyzer uses strict framing, but its first frame came without one and was taken for simplified framing',
        -1, now, out,
      );
    }
    if (repeat) return this.reply(ACK, now, out);
    if (strict && token.frameNumber !== this.expected) {
      return this.refuse(`frame ${token.frameNumber} arrived when frame ${this.expected} was expected`, token.frameNumber, now, out);
    }
    if (this.framing === null) this.framing = token.framing;

    const outcomes = this.scratch;
    if (outcomes.length > 0) outcomes.length = 0;
    this.assembler.feed(token.text, token.ascii, token.end, outcomes);
    let waiting: Map<number, string> | null = null;
    for (const o of outcomes) {
      if (o.kind === 'warning') out.event({ type: 'record-warning', reason: o.reason, raw: o.raw });
      else if (o.kind === 'group' && !this.confirmed.has(o.key)) {
        const storeId = this.nextStoreId();
        (waiting ??= new Map()).set(storeId, o.key);
        out.event({ type: 'store', storeId, ...o.group });
      }
    }
    if (waiting === null) return this.accept(token.frameNumber, outcomes, now, out);
    this.hold = {
      frameNumber: token.frameNumber,
      snapshot: this.assembler.beforeLastFeed(),
      outcomes: outcomes.slice(),
      waiting,
      deadline: now + this.profile.timers.receiverReplyLimitMs - this.profile.timers.receiverReplyMarginMs,
    };
  }

  stored(storeId: number, ok: boolean, now: number, out: Output): void {
    const hold = this.hold;
    const key = hold?.waiting.get(storeId);
    if (hold === null || key === undefined) {
      const late = this.abandoned.get(storeId);
      if (ok && late !== undefined) this.confirmed.add(late);
      this.abandoned.delete(storeId);
      return;
    }
    if (!ok) return this.release(hold, 'storage reported a failure', now, out);
    hold.waiting.delete(storeId);
    this.confirmed.add(key);
    if (hold.waiting.size > 0) return;
    this.hold = null;
    this.accept(hold.frameNumber, hold.outcomes, now, out);
  }

  /** Handles the reply limit while holding and the receive timeout. Returns true when the session ended. */
  expire(now: number, out: Output): boolean {
    if (this.hold !== null) {
      if (now >= this.hold.deadline) {
        const seconds = this.profile.timers.receiverReplyLimitMs / 1000;
        this.release(this.hold, `storage did not confirm in time for the ${seconds} s reply limit`, now, out);
      }
      return false;
    }
    if (!this.active || now < this.idleDeadline) return false;
    this.end(`nothing came from the analyzer for ${this.profile.timers.receiveIdleMs / 1000} s (receive timeout)`, out);
    return true;
  }

  /** The session ends (EOT or timeout): drops what was received but not stored. */
  end(why: string, out: Output): void {
    const unstored = this.assembler.unstored();
    if (unstored.length > 0) {
      out.event({ type: 'discarded', reason: `${why}; ${unstored.length} record(s) not yet stored were dropped, the analyzer must send them again`, rawTexts: unstored });
    }
    this.active = false;
    this.hold = null;
    this.framing = null;
    this.confirmed.clear();
    this.abandoned.clear();
    this.assembler.reset();
  }

  private release(hold: Hold, why: string, now: number, out: Output): void {
    this.hold = null;
    this.assembler.restore(hold.snapshot);
    for (const [id, key] of hold.waiting) this.abandoned.set(id, key);
    out.event({
      type: 'store-failed',
      storeIds: [...hold.waiting.keys()],
      reason: `${why}; the frame was refused (NAK) so that the analyzer sends it again`,
    });
    this.reply(NAK, now, out);
  }

  private accept(frameNumber: number, outcomes: AssemblyOutcome[], now: number, out: Output): void {
    this.refusedInARow = 0;
    this.strayEnqSeen = false;
    this.confirmed.clear();
    this.abandoned.clear();
    if (frameNumber >= 0) {
      this.lastAccepted = frameNumber;
      this.expected = (frameNumber + 1) % FRAME_NUMBERS;
    }
    this.reply(ACK, now, out);
    for (const o of outcomes) {
      if (o.kind === 'message-end') out.event({ type: 'message-end', header: o.header, terminator: o.terminator });
    }
  }

  private refuse(reason: string, frameNumber: number, now: number, out: Output): void {
    this.refusedInARow++;
    out.event({ type: 'frame-rejected', reason: `${reason}; refused (NAK)`, ...(frameNumber >= 0 ? { frameNumber } : {}) });
    this.reply(NAK, now, out);
  }

  private reply(byte: number, now: number, out: Output): void {
    this.idleDeadline = now + this.profile.timers.receiveIdleMs;
    out.control(byte);
  }
}

/** A digit 0-7, a record type and a delimiter: a strict frame's start, misread as simplified text. */
function startsWithFrameNumber(text: Uint8Array): boolean {
  if (text.length < 3 || text[0] < 0x30 || text[0] > 0x37) return false;
  const type = String.fromCharCode(text[1]);
  const d = text[2];
  return 'HPOQRCMSL'.includes(type) && !((d >= 0x30 && d <= 0x39) || (d >= 0x41 && d <= 0x5a) || (d >= 0x61 && d <= 0x7a));
}
