import {
  extractOruResults,
  Hl7Session,
  parseHostQuery,
  type Hl7Event,
  type Hl7HostQuery,
  type Hl7Message,
  type Hl7Output,
  type Hl7Profile,
  type Hl7Result,
  type SampleInfo,
} from './hl7/index.ts';
import { analyzerTimeToEpoch } from './analyzer-clock.ts';
import type { DeviceSettings, DriverConnection, DriverEvent, DriverOutput, QueryAnswer } from './driver.ts';
import type { AnalyzerQuery, AnalyzerResult } from './result-model.ts';
import { queryFailedAlert, replyKind } from './query-outcome.ts';
import { marking, markResult, type Marking } from './sample-marking.ts';

/** A reply to a host query: the answer itself, and messages of ours that follow it (Mindray BS DSR^Q03). */
export interface Hl7Reply {
  reply: string;
  followUps?: string[];
  warnings?: string[];
}

/** What an HL7 analyzer family adds to the shared MLLP session: its profile, result reading and replies. */
export interface Hl7Dialect {
  profile(settings: DeviceSettings): Partial<Hl7Profile>;
  /** The analyzer's code for an observation (Dymind: the OBX-3 name `WBC`; generic: a configured component). */
  testCode(result: Hl7Result): string;
  /** True when the analyzer itself marks the sample as QC. */
  deviceSaysQc?(message: Hl7Message, sample: SampleInfo | undefined): boolean;
  reply(query: Hl7HostQuery, answer: QueryAnswer): Hl7Reply;
}

interface PendingQuery {
  storeId: number;
  query: Hl7HostQuery;
}

/** `YYYYMMDDHHMM[SS][.S…][+/-ZZZZ]`: an HL7 TS as an instant, with its own offset when it has one. */
export function hl7TimeToEpoch(ts: string, timezone?: string): number | undefined {
  const m = /^(\d{12,14})(?:\.\d+)?([+-])(\d{2})(\d{2})$/.exec(ts.trim());
  if (m) {
    const wall = analyzerTimeToEpoch(m[1], 'UTC');
    if (wall === undefined) return undefined;
    const offset = (Number(m[3]) * 60 + Number(m[4])) * 60_000 * (m[2] === '-' ? -1 : 1);
    return wall - offset;
  }
  return analyzerTimeToEpoch(ts, timezone);
}

/**
 * An HL7 v2 / MLLP analyzer connection as the engine sees it (kept open by the analyzer; each
 * message is answered on it):
 * - ORU^R01 → a `results` event; ACK (`ACK^R01`, MSA|AA) only once the engine has stored them.
 *   A message with structural damage is answered AE and not stored; one with no results is ACKed.
 * - ORM^O01 `ORC|RF` / QRY^Q02 → a `query` event; the engine's answer goes back as ORR^O02
 *   (AA order, AR no order, AE failed lookup) or QCK^Q02 (+ DSR^Q03). `ORC|CA` withdraws a query:
 *   it then gets no reply, and the withdrawal itself is ACKed.
 * - Anything else gets AR.
 */
export class Hl7Connection implements DriverConnection {
  private readonly session: Hl7Session;
  private readonly marking: Marking;
  private readonly queries = new Map<number, PendingQuery>();
  private lastQueryId = 0;
  private ready = true;

  constructor(
    private readonly dialect: Hl7Dialect,
    private readonly settings: DeviceSettings,
  ) {
    this.session = new Hl7Session(dialect.profile(settings));
    this.marking = marking(settings);
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
    if (!q) return this.translate(this.session.tick(now), now);
    this.queries.delete(queryId);
    let built: Hl7Reply;
    try {
      built = this.dialect.reply(q.query, answer);
    } catch (err) {
      // A reply we cannot build is a failed lookup as far as the analyzer is concerned: never "no order".
      built = this.dialect.reply(q.query, { kind: 'error', reason: `reply could not be built: ${(err as Error).message}` });
    }
    const first = this.session.reply(q.storeId, built.reply, now);
    const out = this.translate(first, now);
    if (first.write.length > 0) {
      out.events.unshift({ type: 'query-replied', queryId, reply: replyKind(answer), firstByteAt: now });
    }
    for (const w of built.warnings ?? []) out.events.push({ type: 'device-error', kind: 'order-warning', message: w });
    if (answer.kind === 'error') out.events.push(queryFailedAlert({ sampleIds: q.query.sampleIds, all: q.query.all, cancel: false }, answer.reason));
    for (const message of built.followUps ?? []) this.merge(out, this.translate(this.session.send(message, now), now));
    return out;
  }

  busy(): boolean {
    return this.session.awaitingAnswer.length > 0 || this.queries.size > 0;
  }

  /**
   * Storage failing: results are neither ACKed nor refused, so the analyzer keeps and resends them
   * (HL7 has no "busy" answer that analyzers honour). Queries are still answered.
   */
  setReceiveReady(ready: boolean): void {
    this.ready = ready;
  }

  private merge(into: DriverOutput, more: DriverOutput): void {
    into.write.push(...more.write);
    into.events.push(...more.events);
    into.nextDeadline = more.nextDeadline;
  }

  private translate(out: Hl7Output, now: number): DriverOutput {
    const result: DriverOutput = { write: [...out.write], events: [], nextDeadline: out.nextDeadline };
    for (const e of out.events) {
      const more = this.event(e, result.events, now);
      if (more) this.merge(result, more);
    }
    return result;
  }

  private event(e: Hl7Event, events: DriverEvent[], now: number): DriverOutput | null {
    switch (e.type) {
      case 'message':
        return this.message(e, events, now);
      case 'parse-error':
        events.push({ type: 'device-error', kind: 'hl7-unreadable', message: `An HL7 message could not be read (${e.reason})${e.answered ? '; it was refused (AR)' : ''}.` });
        return null;
      case 'frame-too-large':
        events.push({ type: 'device-error', kind: 'hl7-too-large', message: `An HL7 message of ${e.size} bytes exceeds the ${e.limit}-byte limit${e.answered ? '; it was refused (AR)' : ''}.` });
        return null;
      case 'junk':
        events.push({ type: 'log', message: `bytes outside an MLLP frame ignored (${e.reason})` });
        return null;
      case 'duplicate':
        events.push({ type: 'log', message: `message ${e.controlId} sent again while its answer is pending; one answer covers both` });
        return null;
      case 'send-failed':
        events.push({ type: 'device-error', kind: 'reply-failed', message: `A message to the analyzer was not accepted: ${e.reason}${e.text ? ` (${e.text})` : ''}` });
        return null;
      case 'usage-error':
      case 'internal-error':
        events.push({ type: 'log', message: `HL7 session: ${e.reason}` });
        return null;
      case 'unmatched-ack':
        events.push({ type: 'log', message: `ACK for ${e.controlId} matches no message of ours${e.late ? ' (late)' : ''}` });
        return null;
      case 'frame':
      case 'send-queued':
      case 'send-acked':
      case 'send-retry':
        return null;
    }
  }

  private message(e: Extract<Hl7Event, { type: 'message' }>, events: DriverEvent[], now: number): DriverOutput | null {
    if (e.answer === 'none') return null;
    if (e.answer === 'reply') return this.query(e, events, now);
    if (e.kind !== 'oru') {
      events.push({ type: 'log', message: `${e.messageType} ${e.controlId} is not a message this driver takes; refused (AR)` });
      return this.translate(this.session.reject(e.storeId, 'AR', `${e.messageType} is not supported by this interface`, now), now);
    }
    if (!this.ready) {
      events.push({ type: 'log', message: `results ${e.controlId} not acknowledged: this PC cannot store results now; the analyzer will resend` });
      return this.translate(this.session.stored(e.storeId, false, now), now);
    }
    const x = extractOruResults(e.message);
    if (x.problems.length > 0) {
      const reason = x.problems.join('; ');
      events.push({ type: 'device-error', kind: 'hl7-damaged', message: `Results message ${e.controlId} refused (AE), not stored: ${reason}` });
      return this.translate(this.session.reject(e.storeId, 'AE', reason.slice(0, 200), now), now);
    }
    const samples = new Map(x.samples.map((s) => [s.sampleId, s]));
    const results = x.results.map((r) => this.result(r, e.message, samples.get(r.sampleId)));
    if (results.length === 0) return this.translate(this.session.stored(e.storeId, true, now), now);
    const at = hl7TimeToEpoch(e.message.header.value(7), this.settings.timezone);
    events.push({ type: 'results', storeId: e.storeId, results, ...(at !== undefined ? { clockSkewMs: at - now } : {}) });
    return null;
  }

  private result(r: Hl7Result, message: Hl7Message, sample: SampleInfo | undefined): AnalyzerResult {
    const out: AnalyzerResult = {
      sampleId: r.sampleId,
      ...(r.sampleIdParts && r.sampleIdParts.length > 0 ? { sampleIdParts: r.sampleIdParts } : {}),
      testCode: this.dialect.testCode(r),
      testId: r.testId,
      ...(r.testName ? { testName: r.testName } : {}),
      value: r.value,
      ...(r.comparator ? { comparator: r.comparator } : {}),
      units: r.units,
      referenceRange: r.referenceRange,
      flags: r.flags,
      status: r.status,
      completedAtRaw: r.completedAtRaw,
      ...(r.invalid ? { invalid: true } : {}),
      ...(r.attributes ? { attributes: r.attributes } : {}),
    };
    return markResult(out, this.marking, this.dialect.deviceSaysQc?.(message, sample) ?? false);
  }

  private query(e: Extract<Hl7Event, { type: 'message' }>, events: DriverEvent[], now: number): DriverOutput | null {
    const parsed = parseHostQuery(e.message);
    if (!parsed.ok) {
      events.push({ type: 'device-error', kind: 'query-unreadable', message: `Host query ${e.controlId} could not be read: ${parsed.reason}` });
      return this.translate(this.session.reject(e.storeId, 'AE', parsed.reason, now), now);
    }
    const q = parsed.query;
    if (q.cancel) return this.cancel(q, e.storeId, events, now);
    const queryId = ++this.lastQueryId;
    this.queries.set(queryId, { storeId: e.storeId, query: q });
    const query: AnalyzerQuery = { sampleIds: q.sampleIds, all: q.all, cancel: false };
    events.push({ type: 'query', queryId, query, receivedAt: now });
    return null;
  }

  /** `ORC|CA`: the named tubes' open queries get no reply (their messages are let go unanswered); the withdrawal is ACKed. */
  private cancel(q: Hl7HostQuery, storeId: number, events: DriverEvent[], now: number): DriverOutput {
    const out: DriverOutput = { write: [], events: [], nextDeadline: null };
    for (const [id, pending] of this.queries) {
      if (q.sampleIds.length > 0 && !pending.query.all && !pending.query.sampleIds.some((s) => q.sampleIds.includes(s))) continue;
      this.queries.delete(id);
      events.push({ type: 'query-cancelled', queryId: id });
      this.merge(out, this.translate(this.session.stored(pending.storeId, false, now), now));
    }
    this.merge(out, this.translate(this.session.stored(storeId, true, now), now));
    return out;
  }
}
