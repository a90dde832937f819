/**
 * ORR^O02: the answer to a hematology host query (ORM^O01 `ORC|RF`), in the layout Mindray and
 * Dymind analyzers parse: MSA, PID (sex and birth date pick the reference group), PV1, then per
 * tube `ORC|AF|<sid>`, `OBR|1|<sid>||01001^Automated Count^99MRC|…` (OBR-2 equal to ORC-2) and one
 * OBX per run-mode setting. No order is `MSA|AR`; a failed lookup is `MSA|AE` with the reason.
 */

import { buildSegment, joinSegments, type Hl7Field } from './encode.ts';
import { isLookupFailure, ordersOf, type OrderLookup } from './hl7-order.ts';
import type { Hl7HostQuery } from './host-query.ts';
import { replyDelimiters, responseMsh, type ResponseStamp } from './response-header.ts';

/** OBX-3 of each run-mode line, as the Dymind ELite 580 labels them in its own ORU^R01. */
export interface RunModeCodes {
  takeMode: string;
  bloodMode: string;
  testMode: string;
  refGroup: string;
  remark: string;
}

export const DYMIND_RUN_MODE_CODES: Readonly<RunModeCodes> = Object.freeze({
  takeMode: '02001^Take Mode^99MRC',
  bloodMode: '02002^Blood Mode^99MRC',
  testMode: '02003^Test Mode^99MRC',
  refGroup: '03001^Ref Group^99MRC',
  remark: '09001^Remark^99MRC',
});

export const AUTOMATED_COUNT = '01001^Automated Count^99MRC';

export interface OrrReplyOptions extends ResponseStamp {
  runModeCodes?: RunModeCodes;
}

const RUN_MODE_ORDER: Array<keyof RunModeCodes> = ['takeMode', 'bloodMode', 'testMode', 'refGroup', 'remark'];

export function buildOrrReply(query: Hl7HostQuery, lookup: OrderLookup, options: OrrReplyOptions = {}): string {
  const message = query.message;
  const d = replyDelimiters(message);
  const lines = [responseMsh(message, d, 'ORR^O02', options)];
  const orders = ordersOf(lookup);
  if (isLookupFailure(lookup)) {
    lines.push(buildSegment(d, 'MSA', ['AE', query.controlId, lookup.lookupFailed]));
    return joinSegments(lines);
  }
  if (orders.length === 0) {
    lines.push(buildSegment(d, 'MSA', ['AR', query.controlId, `no order for ${query.sampleIds.join(', ')}`]));
    return joinSegments(lines);
  }
  lines.push(buildSegment(d, 'MSA', ['AA', query.controlId]));
  const codes = options.runModeCodes ?? DYMIND_RUN_MODE_CODES;
  for (const order of orders) {
    const p = order.patient ?? {};
    lines.push(buildSegment(d, 'PID', ['1', '', p.id ? [p.id, '', '', '', 'MR'] : '', '', [p.family ?? '', p.given ?? ''], '', p.birthDate ?? '', p.sex ?? '']));
    lines.push(buildSegment(d, 'PV1', ['1', '', order.department || order.bed ? [order.department ?? '', '', order.bed ?? ''] : '']));
    lines.push(buildSegment(d, 'ORC', ['AF', order.sampleId]));
    lines.push(buildSegment(d, 'OBR', ['1', order.sampleId, '', { raw: componentsRaw(AUTOMATED_COUNT, d.component) }, '', '', order.collectedAt ?? '']));
    let setId = 0;
    for (const key of RUN_MODE_ORDER) {
      const value = order.runMode?.[key];
      if (value === undefined || value === '') continue;
      const fields: Hl7Field[] = [String(++setId), key === 'remark' ? 'ST' : 'IS', { raw: componentsRaw(codes[key], d.component) }, '', value, '', '', '', '', '', 'F'];
      lines.push(buildSegment(d, 'OBX', fields));
    }
  }
  return joinSegments(lines);
}

/** Code constants are written with `^`; a sender may have declared another component separator. */
export function componentsRaw(caretSeparated: string, component: string): string {
  return component === '^' ? caretSeparated : caretSeparated.split('^').join(component);
}
