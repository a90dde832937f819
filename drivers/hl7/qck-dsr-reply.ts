/**
 * The Mindray BS (chemistry) answer to QRY^Q02: QCK^Q02 at once (`QAK|SR|OK`, `NF` for no order,
 * `AE` when the lookup failed), then, when there is an order, DSR^Q03 carrying it in DSP lines,
 * which the analyzer acknowledges with ACK^Q03 (so the session sends it with `send()`).
 *
 * DSP positions follow Mindray's BS-series LIS guide: 1 patient id, 2 bed, 3 name, 4 birth date,
 * 5 sex, 21 barcode, 22 sample id, 23 collection time, 24 stat (Y/N), 26 specimen type,
 * 27 doctor, 28 department, 29 onward one test each as `<test no>^^^`. The rest stay empty.
 */

import { buildSegment, joinSegments } from './encode.ts';
import { escapeHl7, type Hl7Delimiters } from './escape.ts';
import { isLookupFailure, ordersOf, type Hl7Order, type OrderLookup } from './hl7-order.ts';
import type { Hl7HostQuery } from './host-query.ts';
import { replyDelimiters, responseMsh, type ResponseStamp } from './response-header.ts';

const ACCEPTED_TEXT = 'Message accepted';
/** DSP lines before the first test line. */
const PATIENT_AND_SAMPLE_LINES = 28;

export function buildQckReply(query: Hl7HostQuery, lookup: OrderLookup, options: ResponseStamp = {}): string {
  const message = query.message;
  const d = replyDelimiters(message);
  const failed = isLookupFailure(lookup);
  const found = ordersOf(lookup).length > 0;
  return joinSegments([
    responseMsh(message, d, 'QCK^Q02', options),
    buildSegment(d, 'MSA', failed ? ['AE', query.controlId, lookup.lookupFailed] : ['AA', query.controlId, ACCEPTED_TEXT, '', '', '0']),
    buildSegment(d, 'ERR', ['0']),
    buildSegment(d, 'QAK', ['SR', failed ? 'AE' : found ? 'OK' : 'NF']),
  ]);
}

export function buildDsrReply(query: Hl7HostQuery, order: Hl7Order, options: ResponseStamp = {}): string {
  const message = query.message;
  const d = replyDelimiters(message);
  const qrd = message.segment('QRD');
  const qrf = message.segment('QRF');
  const p = order.patient ?? {};
  const dsp = new Map<number, string>([
    [1, p.id ?? ''],
    [2, order.bed ?? ''],
    [3, [p.family, p.given].filter((x) => x).join(' ')],
    [4, p.birthDate ?? ''],
    [5, p.sex ?? ''],
    [21, order.sampleId],
    [22, ''],
    [23, order.collectedAt ?? ''],
    [24, order.stat ? 'Y' : 'N'],
    [26, order.specimenType ?? ''],
    [27, order.doctor ?? ''],
    [28, order.department ?? ''],
  ]);
  const lines = [
    responseMsh(message, d, 'DSR^Q03', options),
    buildSegment(d, 'MSA', ['AA', query.controlId, ACCEPTED_TEXT, '', '', '0']),
    buildSegment(d, 'ERR', ['0']),
    buildSegment(d, 'QAK', ['SR', 'OK']),
  ];
  if (qrd) lines.push(qrd.raw);
  if (qrf) lines.push(qrf.raw);
  let n = 0;
  for (; n < PATIENT_AND_SAMPLE_LINES; n++) lines.push(dspLine(d, n + 1, escapeHl7(dsp.get(n + 1) ?? '', d)));
  for (const test of order.tests ?? []) lines.push(dspLine(d, ++n, [escapeHl7(test.code, d), '', '', ''].join(d.component)));
  lines.push(`DSC${d.field}${d.field}`);
  return joinSegments(lines);
}

/** `DSP|n||<data>|||`: every DSP field written, empty ones included, as Mindray's guide shows them. */
function dspLine(d: Hl7Delimiters, n: number, rawData: string): string {
  return ['DSP', String(n), '', rawData, '', '', ''].join(d.field);
}
