import { AstmSession, type AstmEvent, type AstmOutput, type AstmProfileOptions, type AstmTimers, type HeaderRecord, type QueryRecord, type StoreGroup } from './astm/index.ts';
import { analyzerTimeToEpoch } from './analyzer-clock.ts';
import { astmResults, type AstmResultReading } from './astm-results.ts';
import type { DeviceSettings, DriverConnection, DriverEvent, DriverOutput, QueryAnswer } from './driver.ts';
import { queryFailedAlert, replyKind } from './query-outcome.ts';
import type { AnalyzerQuery } from './result-model.ts';

/** A reply to a query: its record texts (no CR), and what staff should see about it. */
export interface AstmReply {
  records: string[];
  /** Shown as device errors (for example a VITROS order whose body fluid is not known). */
  warnings?: string[];
}

/** What an ASTM analyzer family adds to the shared engine: its profile, readings and replies. */
export interface AstmDialect {
  profile(settings: DeviceSettings): AstmProfileOptions;
  reading: AstmResultReading;
  /** The reply for a query, given the engine's answer; `now` is the reply's time (epoch ms). */
  reply(query: AnalyzerQuery, answer: QueryAnswer, header: HeaderRecord | null, now: number): AstmReply;
  /** Device errors carried in records (VITROS M/E records), or none. */
  deviceErrors?(group: StoreGroup): string[];
}

export function astmQuery(q: QueryRecord): AnalyzerQuery {
  return { sampleIds: q.specimenIds.map((s) => s.trim()).filter((s) => s !== ''), all: q.all, cancel: q.cancel };
}

/** The analyzer's clock against ours: its header time (in the machine's zone) minus now. */
export function clockSkewMs(header: HeaderRecord | null, now: number, timezone?: string): number | undefined {
  if (!header || !/^\d{12}/.test(header.timestamp)) return undefined;
  const at = analyzerTimeToEpoch(header.timestamp, timezone);
  return at === undefined ? undefined : at - now;
}

const TIMER_NAMES: ReadonlyArray<keyof AstmTimers> = [
  'enqReplyMs', 'frameReplyMs', 'receiverReplyLimitMs', 'receiverReplyMarginMs', 'receiveIdleMs',
  'enqRefusedWaitMs', 'contentionWaitMs', 'interruptHoldMs', 'retryAfterAbortMs',
];

/**
 * `connection_settings.astm_timers`: LIS01-A2 timer overrides by name (ms), for analyzers the
 * cloud knows to be impatient, and for short-timer tests. Anything else in it is ignored.
 */
export function timerOverrides(settings: DeviceSettings): Partial<AstmTimers> | undefined {
  const raw = settings.astm_timers;
  if (raw === null || typeof raw !== 'object') return undefined;
  const out: Partial<AstmTimers> = {};
  for (const name of TIMER_NAMES) {
    const v = (raw as Record<string, unknown>)[name];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[name] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

interface PendingQuery {
  query: AnalyzerQuery;
  header: HeaderRecord | null;
  cancelled: boolean;
  messageId?: number;
  reply?: 'order' | 'no-order' | 'error';
  /** Its reply's first byte (the ENQ) is on the wire: too late to withdraw it. */
  started: boolean;
}

/**
 * An ASTM analyzer connection as the engine sees it: the shared E1381/E1394 session below, the
 * family's dialect above. Query groups need no storage, so they are confirmed at once; result
 * groups are confirmed only when the engine says they are stored.
 *
 * Exactly one reply per query, and none for a query the analyzer withdrew (Q-13 `A`, or a
 * message it ended with `L|1|T`): a withdrawn query's reply is dropped if it has not started.
 */
export class AstmConnection implements DriverConnection {
  private readonly session: AstmSession;
  private lastQueryId = 0;
  private readonly queries = new Map<number, PendingQuery>();
  /** Our messages (replies) queued in the session, oldest first: the head is the one the line sends next. */
  private readonly outQueue: number[] = [];
  private inMessage = false;

  constructor(
    private readonly dialect: AstmDialect,
    private readonly settings: DeviceSettings,
  ) {
    const profile = dialect.profile(settings);
    const timers = timerOverrides(settings);
    this.session = new AstmSession(timers ? { ...profile, timers: { ...profile.timers, ...timers } } : profile);
  }

  receive(bytes: Uint8Array, now: number): DriverOutput {
    return this.translate(this.session.receive(bytes, now), now);
  }

  tick(now: number): DriverOutput {
    return this.translate(this.session.tick(now), now);
  }

  stored(storeId: number, ok: boolean, now: number): DriverOutput {
    return this.translate(this.session.stored(storeId, ok, now), now);
  }

  answer(queryId: number, answer: QueryAnswer, now: number): DriverOutput {
    const q = this.queries.get(queryId);
    if (!q || q.cancelled || q.reply) {
      // Withdrawn (or answered already): nothing goes out. The session is ticked so that the
      // engine's timer keeps following the line's own deadline.
      if (q?.cancelled) this.queries.delete(queryId);
      return this.translate(this.session.tick(now), now);
    }
    q.reply = replyKind(answer);
    const built = this.dialect.reply(q.query, answer, q.header, now);
    const sent = this.session.send(built.records, now);
    q.messageId = sent.messageId;
    this.outQueue.push(sent.messageId);
    const out = this.translate(sent, now);
    for (const w of built.warnings ?? []) out.events.unshift({ type: 'device-error', kind: 'order-warning', message: w });
    if (answer.kind === 'error') out.events.push(queryFailedAlert(q.query, answer.reason));
    return out;
  }

  busy(): boolean {
    return this.inMessage || this.session.line !== 'neutral' || this.queries.size > 0;
  }

  setReceiveReady(ready: boolean): void {
    this.session.setReceiveReady(ready);
  }

  private translate(out: AstmOutput, now: number): DriverOutput {
    const events: DriverEvent[] = [];
    const write = [...out.write];
    let deadline = out.nextDeadline;
    for (const e of out.events) {
      const follow = this.event(e, events, now);
      if (follow) {
        write.push(...follow.write);
        events.push(...follow.events);
        deadline = follow.nextDeadline;
      }
    }
    return { write, events, nextDeadline: deadline };
  }

  /** Maps one session event; returns more output when the session had to be called again. */
  private event(e: AstmEvent, events: DriverEvent[], now: number): DriverOutput | null {
    switch (e.type) {
      case 'session-start':
        if (e.direction === 'in') this.inMessage = true;
        else this.replyStarted(events, now);
        return null;
      case 'session-end':
        if (e.direction === 'in') this.inMessage = false;
        return null;
      case 'store':
        return this.group(e.storeId, e, events, now);
      case 'frame':
        if (e.direction === 'out' && e.kind === 'nak') events.push({ type: 'device-error', kind: 'nak', message: 'A frame or ENQ was refused (NAK); the analyzer sends it again.' });
        return null;
      case 'frame-rejected':
        events.push({ type: 'log', message: `frame refused: ${e.reason}` });
        return null;
      case 'store-failed':
        events.push({ type: 'log', message: `store failed: ${e.reason}` });
        return null;
      case 'discarded':
        events.push({ type: 'device-error', kind: 'discarded', message: e.reason });
        return null;
      case 'record-warning':
        events.push({ type: 'log', message: `${e.reason}: ${e.raw.slice(0, 80)}` });
        return null;
      case 'send-aborted':
        if (!e.willRetry) {
          this.messageDone(e.messageId);
          if (e.reason !== 'cancelled') events.push({ type: 'device-error', kind: 'reply-failed', message: `A reply to the analyzer could not be delivered: ${e.text}` });
        }
        return null;
      case 'send-delivered':
        this.messageDone(e.messageId);
        return null;
      case 'message-end':
      case 'send-deferred':
        return null;
    }
  }

  /** Our session started: its message is the oldest queued one; its ENQ is the reply's first byte. */
  private replyStarted(events: DriverEvent[], now: number): void {
    const messageId = this.outQueue[0];
    if (messageId === undefined) return;
    const id = this.queryOfMessage(messageId);
    const q = id === null ? undefined : this.queries.get(id);
    if (id === null || !q || q.started || !q.reply) return;
    q.started = true;
    events.push({ type: 'query-replied', queryId: id, reply: q.reply, firstByteAt: now });
  }

  private messageDone(messageId: number): void {
    const at = this.outQueue.indexOf(messageId);
    if (at >= 0) this.outQueue.splice(at, 1);
    const id = this.queryOfMessage(messageId);
    if (id !== null) this.queries.delete(id);
  }

  /**
   * The analyzer withdrew queries: those naming the same tubes (every open one when it names
   * none). A reply not yet started is withdrawn from the line too.
   */
  private cancelQueries(sampleIds: readonly string[], events: DriverEvent[], now: number): DriverOutput | null {
    let follow: DriverOutput | null = null;
    for (const [id, pending] of this.queries) {
      if (pending.cancelled || pending.started) continue;
      if (sampleIds.length > 0 && !pending.query.all && !pending.query.sampleIds.some((s) => sampleIds.includes(s))) continue;
      pending.cancelled = true;
      events.push({ type: 'query-cancelled', queryId: id });
      if (pending.messageId !== undefined) {
        const more = this.translate(this.session.cancelSend(pending.messageId, now), now);
        this.queries.delete(id);
        follow = follow ? { write: [...follow.write, ...more.write], events: [...follow.events, ...more.events], nextDeadline: more.nextDeadline } : more;
      }
    }
    return follow;
  }

  private group(storeId: number, g: StoreGroup, events: DriverEvent[], now: number): DriverOutput | null {
    const extra: DriverOutput[] = [];
    for (const message of this.dialect.deviceErrors?.(g) ?? []) events.push({ type: 'device-error', kind: 'analyzer-error', message });
    for (const q of g.queries) {
      const query = astmQuery(q);
      if (query.cancel) {
        const f = this.cancelQueries(query.sampleIds, events, now);
        if (f) extra.push(f);
        continue;
      }
      const queryId = ++this.lastQueryId;
      this.queries.set(queryId, { query, header: g.header, cancelled: false, started: false });
      events.push({ type: 'query', queryId, query, receivedAt: now });
    }
    if (g.terminator?.code === 'T') {
      // The analyzer aborted its own message (VITROS does so to withdraw a query it gave up on).
      const f = this.cancelQueries([], events, now);
      if (f) extra.push(f);
    }
    const results = astmResults(g.results, this.settings, this.dialect.reading);
    let tail: DriverOutput | null = null;
    if (results.length === 0) tail = this.translate(this.session.stored(storeId, true, now), now);
    else {
      const skew = clockSkewMs(g.header, now, this.settings.timezone);
      events.push({ type: 'results', storeId, results, ...(skew !== undefined ? { clockSkewMs: skew } : {}) });
    }
    if (tail) extra.push(tail);
    if (extra.length === 0) return null;
    return {
      write: extra.flatMap((x) => x.write),
      events: extra.flatMap((x) => x.events),
      nextDeadline: extra[extra.length - 1].nextDeadline,
    };
  }

  private queryOfMessage(messageId: number): number | null {
    for (const [id, q] of this.queries) if (q.messageId === messageId) return id;
    return null;
  }
}
