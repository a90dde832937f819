import { AstmSession, type AstmEvent, type AstmOutput, type AstmProfileOptions, type HeaderRecord, type QueryRecord, type StoreGroup } from './astm/index.ts';
import { astmResults, type AstmResultReading } from './astm-results.ts';
import type { DeviceSettings, DriverConnection, DriverEvent, DriverOutput, QueryAnswer } from './driver.ts';
import type { AnalyzerQuery } from './result-model.ts';

/** What an ASTM analyzer family adds to the shared engine: its profile, readings and replies. */
export interface AstmDialect {
  profile(settings: DeviceSettings): AstmProfileOptions;
  reading: AstmResultReading;
  /** The reply records (texts, no CR) for a query, given the engine's answer. */
  reply(query: AnalyzerQuery, answer: QueryAnswer, header: HeaderRecord | null, now: Date): string[];
  /** Device errors carried in records (VITROS M/E records), or none. */
  deviceErrors?(group: StoreGroup): string[];
}

export function astmQuery(q: QueryRecord): AnalyzerQuery {
  return { sampleIds: q.specimenIds.map((s) => s.trim()).filter((s) => s !== ''), all: q.all, cancel: q.cancel };
}

/** Header time `YYYYMMDDHHMMSS` read in the analyzer's zone is not known here; skew is against local time. */
export function clockSkewMs(header: HeaderRecord | null, now: number): number | undefined {
  const m = header?.timestamp.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?/);
  if (!m) return undefined;
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)).getTime();
  return Number.isNaN(at) ? undefined : at - now;
}

interface PendingQuery {
  query: AnalyzerQuery;
  header: HeaderRecord | null;
  cancelled: boolean;
  messageId?: number;
  reply?: 'order' | 'no-order' | 'error';
}

/**
 * An ASTM analyzer connection as the engine sees it: the shared E1381/E1394 session below, the
 * family's dialect above. Query groups need no storage, so they are confirmed at once; result
 * groups are confirmed only when the engine says they are stored.
 */
export class AstmConnection implements DriverConnection {
  private readonly session: AstmSession;
  private lastQueryId = 0;
  private readonly queries = new Map<number, PendingQuery>();
  /** A reply whose first byte has not gone out yet (the line was busy). */
  private awaitingFirstByte: number | null = null;
  private inMessage = false;

  constructor(
    private readonly dialect: AstmDialect,
    private readonly settings: DeviceSettings,
  ) {
    const profile = dialect.profile(settings);
    // Short-timer profiles (tests, and analyzers the cloud knows to be impatient) come as settings.
    const timers = settings.astm_timers && typeof settings.astm_timers === 'object' ? (settings.astm_timers as AstmProfileOptions['timers']) : undefined;
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
    if (!q || q.cancelled) {
      this.queries.delete(queryId);
      return { write: [], events: [], nextDeadline: null };
    }
    q.reply = answer.kind === 'error' ? 'error' : answer.orders.some((o) => o.tests.length > 0) ? 'order' : 'no-order';
    const sent = this.session.send(this.dialect.reply(q.query, answer, q.header, new Date(now)), now);
    q.messageId = sent.messageId;
    this.awaitingFirstByte = queryId;
    return this.translate(sent, now);
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
    if (this.awaitingFirstByte !== null && write.length > 0) {
      const q = this.queries.get(this.awaitingFirstByte);
      if (q?.reply) events.push({ type: 'query-replied', queryId: this.awaitingFirstByte, reply: q.reply, firstByteAt: now });
      this.awaitingFirstByte = null;
    }
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
          const id = this.queryOfMessage(e.messageId);
          if (id !== null) this.queries.delete(id);
          events.push({ type: 'device-error', kind: 'reply-failed', message: `A reply to the analyzer could not be delivered: ${e.text}` });
        }
        return null;
      case 'send-delivered': {
        const id = this.queryOfMessage(e.messageId);
        if (id !== null) this.queries.delete(id);
        return null;
      }
      case 'message-end':
      case 'send-deferred':
        return null;
    }
  }

  private group(storeId: number, g: StoreGroup, events: DriverEvent[], now: number): DriverOutput | null {
    for (const message of this.dialect.deviceErrors?.(g) ?? []) events.push({ type: 'device-error', kind: 'analyzer-error', message });
    for (const q of g.queries) {
      const query = astmQuery(q);
      if (query.cancel) {
        for (const [id, pending] of this.queries) {
          if (pending.cancelled || pending.reply) continue;
          pending.cancelled = true;
          events.push({ type: 'query-cancelled', queryId: id });
        }
        continue;
      }
      const queryId = ++this.lastQueryId;
      this.queries.set(queryId, { query, header: g.header, cancelled: false });
      events.push({ type: 'query', queryId, query, receivedAt: now });
    }
    if (g.terminator?.code === 'T') {
      // The analyzer aborted its own message (VITROS does so to withdraw a query it gave up on).
      for (const [id, pending] of this.queries) {
        if (pending.reply || pending.cancelled) continue;
        pending.cancelled = true;
        events.push({ type: 'query-cancelled', queryId: id });
      }
    }
    const results = astmResults(g.results, this.settings, this.dialect.reading);
    if (results.length === 0) return this.translate(this.session.stored(storeId, true, now), now);
    const skew = clockSkewMs(g.header, now);
    events.push({ type: 'results', storeId, results, ...(skew !== undefined ? { clockSkewMs: skew } : {}) });
    return null;
  }

  private queryOfMessage(messageId: number): number | null {
    for (const [id, q] of this.queries) if (q.messageId === messageId) return id;
    return null;
  }
}
