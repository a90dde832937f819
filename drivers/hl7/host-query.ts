/**
 * Host queries: an analyzer read a tube and asks which tests to run.
 * - Hematology (Mindray BC, Dymind): ORM^O01 with `ORC|RF||<sample id>||IP`, one ORC per tube;
 *   `ORC|CA` withdraws a query.
 * - Chemistry (Mindray BS): QRY^Q02 with the barcode in QRD-8.
 */

import type { AnalyzerQuery } from '../result-model.ts';
import { isQueryControl } from './message-kind.ts';
import type { Hl7Message } from './parse.ts';

export type HostQueryDialect = 'orm' | 'qry';

export interface Hl7HostQuery extends AnalyzerQuery {
  dialect: HostQueryDialect;
  /** The query's MSH-10: MSA-2 of every reply to it. */
  controlId: string;
  message: Hl7Message;
}

export type HostQueryParse = { ok: true; query: Hl7HostQuery } | { ok: false; reason: string };

export function parseHostQuery(message: Hl7Message): HostQueryParse {
  if (message.messageCode === 'ORM') return parseOrmQuery(message);
  if (message.messageCode === 'QRY') return parseQryQuery(message);
  return { ok: false, reason: `${message.messageType} is not a host query (expected ORM^O01 or QRY^Q02)` };
}

function parseOrmQuery(message: Hl7Message): HostQueryParse {
  const sampleIds: string[] = [];
  let cancel = false;
  let sawQuery = false;
  const segments = message.segments;
  for (let i = 0; i < segments.length; i++) {
    const orc = segments[i];
    if (orc.name !== 'ORC' || !isQueryControl(orc.value(1))) continue;
    sawQuery = true;
    if (orc.value(1) === 'CA') cancel = true;
    let id = orc.value(3).trim() || orc.value(2).trim();
    if (id === '') {
      // Some firmware leaves ORC-2/3 empty and names the tube in the OBR that follows.
      const obr = segments[i + 1]?.name === 'OBR' ? segments[i + 1] : undefined;
      id = obr ? obr.value(3).trim() || obr.value(2).trim() : '';
    }
    if (id === '') return { ok: false, reason: `ORC ${i + 1}: no sample id in ORC-3, ORC-2 or the OBR after it` };
    sampleIds.push(id);
  }
  if (!sawQuery) return { ok: false, reason: 'ORM^O01 without an ORC whose ORC-1 is RF or CA: not a host query' };
  return { ok: true, query: { dialect: 'orm', controlId: message.controlId, message, sampleIds, all: false, cancel } };
}

function parseQryQuery(message: Hl7Message): HostQueryParse {
  const qrd = message.segment('QRD');
  if (!qrd) return { ok: false, reason: 'QRY without a QRD segment' };
  const sampleIds: string[] = [];
  let all = false;
  const reps = qrd.repetitions(8);
  for (let r = 1; r <= reps.length; r++) {
    const id = qrd.value(8, r, 1).trim();
    if (id === '') continue;
    if (id.toUpperCase() === 'ALL') all = true;
    else sampleIds.push(id);
  }
  if (!all && sampleIds.length === 0) return { ok: false, reason: 'QRD-8 holds no barcode' };
  return { ok: true, query: { dialect: 'qry', controlId: message.controlId, message, sampleIds, all, cancel: false } };
}
