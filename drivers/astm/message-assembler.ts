import { decodeBytes } from './charset.ts';
import type { Charset } from './profile.ts';
import {
  STANDARD_DELIMITERS,
  type AstmRecord,
  type AttachedRecord,
  type Delimiters,
  type HeaderRecord,
  type OrderRecord,
  type PatientRecord,
  type QueryRecord,
  type ResultRecord,
  type TerminatorRecord,
} from './records/model.ts';
import { parseRecord } from './records/parse.ts';

/**
 * Accepted frame texts → records → storage groups. Records are cut at CR (across ETB frames,
 * mid-field if need be), parsed, and grouped as LIS02-A2 4.2.1 stores them: each step back up
 * the hierarchy (a new P or Q, a new O after R records, the L, or a new H) closes the group
 * before it, which must be stored before the frame carrying that step is acknowledged.
 */

export interface ResultInContext {
  patient: PatientRecord | null;
  order: OrderRecord | null;
  result: ResultRecord;
}

export interface OrderInContext {
  patient: PatientRecord | null;
  order: OrderRecord;
}

export interface StoreGroup {
  /** The message's header (delimiters, sender, version, timestamp); null if the sender sent none. */
  header: HeaderRecord | null;
  /** The P and O in effect where the group starts, stored with an earlier group (a group starting at a new O after R records inherits its P). */
  parents: { patient: PatientRecord | null; order: OrderRecord | null };
  /** The group's records in wire order, C/M/S included; each C/M/S is also in its parent's `attached`. */
  records: AstmRecord[];
  /** Every R of the group with the P and O it belongs to: what a driver maps to results. */
  results: ResultInContext[];
  orders: OrderInContext[];
  queries: QueryRecord[];
  /** The L that closed the group, when it closed the message. */
  terminator: TerminatorRecord | null;
  /** Each record's text as received, for the archive. */
  rawTexts: string[];
}

export type AssemblyOutcome =
  | { kind: 'group'; group: StoreGroup; key: string }
  | { kind: 'message-end'; header: HeaderRecord | null; terminator: TerminatorRecord }
  | { kind: 'warning'; reason: string; raw: string };

export interface AssemblerSnapshot {
  carry: string;
  rest: Uint8Array | null;
  delimiters: Delimiters;
  header: HeaderRecord | null;
  patient: PatientRecord | null;
  order: OrderRecord | null;
  group: AstmRecord[];
  groupLength: number;
  groupParents: StoreGroup['parents'];
  resultSinceOrder: boolean;
  warnedHeaderless: boolean;
}

const NO_PARENTS: StoreGroup['parents'] = Object.freeze({ patient: null, order: null }) as StoreGroup['parents'];

export class MessageAssembler {
  private carry = '';
  private rest: Uint8Array | null = null;
  private delimiters: Delimiters = STANDARD_DELIMITERS;
  private header: HeaderRecord | null = null;
  private patient: PatientRecord | null = null;
  private order: OrderRecord | null = null;
  private group: AstmRecord[] = [];
  private groupParents: StoreGroup['parents'] = NO_PARENTS;
  private resultSinceOrder = false;
  private warnedHeaderless = false;
  private readonly before: AssemblerSnapshot = {
    carry: '', rest: null, delimiters: STANDARD_DELIMITERS, header: null, patient: null, order: null,
    group: [], groupLength: 0, groupParents: NO_PARENTS, resultSinceOrder: false, warnedHeaderless: false,
  };

  constructor(
    private readonly charset: Charset,
    private readonly maxRecordText: number,
  ) {}

  reset(): void {
    this.carry = '';
    this.rest = null;
    this.delimiters = STANDARD_DELIMITERS;
    this.header = null;
    this.patient = null;
    this.order = null;
    this.group = [];
    this.groupParents = NO_PARENTS;
    this.resultSinceOrder = false;
    this.warnedHeaderless = false;
  }

  /**
   * The state before the last `feed`, to rewind to if that frame is refused. Recorded field by
   * field at each feed (no allocation: most frames never need it) and copied out on demand.
   */
  beforeLastFeed(): AssemblerSnapshot {
    return { ...this.before };
  }

  private mark(): void {
    const b = this.before;
    b.carry = this.carry;
    b.rest = this.rest;
    b.delimiters = this.delimiters;
    b.header = this.header;
    b.patient = this.patient;
    b.order = this.order;
    b.group = this.group;
    b.groupLength = this.group.length;
    b.groupParents = this.groupParents;
    b.resultSinceOrder = this.resultSinceOrder;
    b.warnedHeaderless = this.warnedHeaderless;
  }

  restore(s: AssemblerSnapshot): void {
    this.carry = s.carry;
    this.rest = s.rest;
    this.delimiters = s.delimiters;
    this.header = s.header;
    this.patient = s.patient;
    this.order = s.order;
    // A copy: the array may have gone out in a store event since.
    this.group = s.group.slice(0, s.groupLength);
    this.groupParents = s.groupParents;
    this.resultSinceOrder = s.resultSinceOrder;
    this.warnedHeaderless = s.warnedHeaderless;
  }

  /** Texts received but not stored: the open group and a record cut by the end of the last frame. */
  unstored(): string[] {
    const texts = this.group.map((r) => r.raw);
    if (this.carry !== '') texts.push(this.carry);
    return texts;
  }

  /** One accepted frame's text; `end` (ETX) also ends the record in progress. */
  feed(text: Uint8Array, ascii: boolean, end: boolean, out: AssemblyOutcome[]): void {
    this.mark();
    const decoded = decodeBytes(this.charset, text, ascii, this.rest, end);
    this.rest = decoded.rest;
    if (decoded.escaped > 0) {
      out.push({
        kind: 'warning',
        reason: `${decoded.escaped} byte(s) were not valid UTF-8; they are kept as escaped bytes (U+DC80..U+DCFF), check the device's charset`,
        raw: decoded.text,
      });
    }
    const added = decoded.text;
    // The carry holds no CR, so only the new text is searched: a record spread over many ETB
    // frames is then joined once, not rescanned at every frame.
    let cr = added.indexOf('\r');
    if (cr < 0 && !end) {
      this.carry += added;
      this.capCarry(out);
      return;
    }
    const s = this.carry === '' ? added : this.carry + added;
    let start = 0;
    if (cr >= 0) cr += s.length - added.length;
    for (; cr >= 0; cr = s.indexOf('\r', start)) {
      this.record(s, start, cr, out);
      start = cr + 1;
    }
    if (end) {
      this.carry = '';
      this.record(s, start, s.length, out);
      return;
    }
    this.carry = start === 0 ? s : s.slice(start);
    this.capCarry(out);
  }

  private capCarry(out: AssemblyOutcome[]): void {
    if (this.carry.length <= this.maxRecordText) return;
    out.push({
      kind: 'warning',
      reason: `a record grew past ${this.maxRecordText} characters without ending; it was dropped`,
      raw: this.carry.slice(0, 200),
    });
    this.carry = '';
  }

  private record(s: string, start: number, stop: number, out: AssemblyOutcome[]): void {
    // Some senders put LF after each record's CR; it is not part of the next record.
    while (start < stop && s.charCodeAt(start) === 0x0a) start++;
    if (start >= stop) return;
    const record = parseRecord(s.slice(start, stop), this.delimiters, this.charset);
    if (record.type !== 'H' && this.header === null && !this.warnedHeaderless) {
      this.warnedHeaderless = true;
      out.push({ kind: 'warning', reason: 'records arrived before any header (H) record; they were read with the standard delimiters', raw: record.raw });
    }
    this.place(record, out);
  }

  private place(record: AstmRecord, out: AssemblyOutcome[]): void {
    switch (record.type) {
      case 'H':
        if (this.group.length > 0) {
          out.push({ kind: 'warning', reason: 'a new header (H) arrived before the last message ended with its terminator (L)', raw: record.raw });
          this.close(null, NO_PARENTS, out);
        }
        this.header = record;
        this.delimiters = record.delimiters;
        this.patient = null;
        this.order = null;
        this.resultSinceOrder = false;
        this.warnedHeaderless = false;
        return;
      case 'P':
      case 'Q':
        if (this.group.length > 0) this.close(null, NO_PARENTS, out);
        this.patient = record.type === 'P' ? record : null;
        this.order = null;
        this.resultSinceOrder = false;
        break;
      case 'O':
        if (this.resultSinceOrder && this.group.length > 0) this.close(null, { patient: this.patient, order: null }, out);
        this.order = record;
        this.resultSinceOrder = false;
        break;
      case 'R':
        this.resultSinceOrder = true;
        break;
      case 'L':
        if (this.group.length > 0) this.close(record, NO_PARENTS, out);
        out.push({ kind: 'message-end', header: this.header, terminator: record });
        this.header = null;
        this.patient = null;
        this.order = null;
        this.resultSinceOrder = false;
        this.groupParents = NO_PARENTS;
        return;
      case 'unknown':
        out.push({ kind: 'warning', reason: unknownRecordReason(record.recordType), raw: record.raw });
        break;
    }
    this.group.push(record);
  }

  /** Closes the open group; the next one starts with `nextParents` in effect. */
  private close(terminator: TerminatorRecord | null, nextParents: StoreGroup['parents'], out: AssemblyOutcome[]): void {
    const records = this.group;
    this.group = [];
    const parents = this.groupParents;
    this.groupParents = nextParents;
    attachChildren(records, this.header);
    const results: ResultInContext[] = [];
    const orders: OrderInContext[] = [];
    const queries: QueryRecord[] = [];
    let patient = parents.patient;
    let order = parents.order;
    const rawTexts = new Array<string>(records.length);
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      rawTexts[i] = r.raw;
      if (r.type === 'P') {
        patient = r;
        order = null;
      } else if (r.type === 'Q') {
        patient = null;
        order = null;
        queries.push(r);
      } else if (r.type === 'O') {
        order = r;
        orders.push({ patient, order });
      } else if (r.type === 'R') {
        results.push({ patient, order, result: r });
      }
    }
    out.push({
      kind: 'group',
      group: { header: this.header, parents, records, results, orders, queries, terminator, rawTexts },
      key: rawTexts.join('\r'),
    });
  }
}

/**
 * Gives each C/M/S record to the record before it. Assigning fresh arrays keeps this right when
 * a group is closed again after its frame was refused and sent once more.
 */
function attachChildren(records: AstmRecord[], header: HeaderRecord | null): void {
  let parent: { attached: AttachedRecord[] } | null = null;
  const leading: AttachedRecord[] = [];
  for (const r of records) {
    if (r.type === 'C' || r.type === 'M' || r.type === 'S') (parent?.attached ?? leading).push(r);
    else if (r.type !== 'unknown' && r.type !== 'L' && r.type !== 'H') {
      r.attached = [];
      parent = r;
    }
  }
  if (header !== null && leading.length > 0) header.attached = leading;
}

function unknownRecordReason(recordType: string): string {
  if (/^[0-7][HPORCQMSL]$/.test(recordType)) {
    return `record type '${recordType}' is unknown: it looks like a frame number leaked into the record text (records must each start a frame, or be framed once)`;
  }
  return `record type '${recordType}' is not one of H P O R C Q M S L; it was kept as it is`;
}
