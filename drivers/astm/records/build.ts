import type { Charset } from '../profile.ts';
import { delimiterDefinition } from './encode.ts';
import { escapeText } from './escape.ts';
import {
  STANDARD_DELIMITERS,
  type AstmRecord,
  type CommentRecord,
  type Delimiters,
  type HeaderRecord,
  type OrderRecord,
  type PatientRecord,
  type QueryRecord,
  type ResultRecord,
  type TerminatorRecord,
} from './model.ts';
import { recordFromFields } from './parse.ts';

/**
 * Builders for the records a host sends (order replies, "no order", query answers) and for
 * tests. A value is plain text, a list of components, or a list of repeats of components; the
 * builder escapes it. Fields a typed builder does not name can be set by number through `fields`.
 */

export type FieldValue = string | readonly string[] | readonly (readonly string[])[] | undefined;

export interface BuildOptions {
  delimiters?: Delimiters;
  /** Only used to read `&X…&` escapes back; defaults to Windows-1252 like the link. */
  charset?: Charset;
  /** Further fields by number (LIS02-A2 numbering: 2 is the sequence number). */
  fields?: Record<number, FieldValue>;
}

function fieldText(value: FieldValue, d: Delimiters): string {
  if (value === undefined || value.length === 0) return '';
  if (typeof value === 'string') return escapeText(value, d);
  if (typeof value[0] === 'string') return (value as readonly string[]).map((c) => escapeText(c, d)).join(d.component);
  return (value as readonly (readonly string[])[])
    .map((repeat) => repeat.map((c) => escapeText(c, d)).join(d.component))
    .join(d.repeat);
}

/** Any record, from field values by number. */
export function buildRecord(type: string, values: Record<number, FieldValue>, options: BuildOptions = {}): AstmRecord {
  const d = options.delimiters ?? STANDARD_DELIMITERS;
  const all: Record<number, FieldValue> = { ...values, ...options.fields };
  const highest = Math.max(1, ...Object.keys(all).map(Number).filter((n) => all[n] !== undefined && all[n]!.length > 0));
  const fields: string[] = [type];
  for (let n = 2; n <= highest; n++) fields.push(type === 'H' && n === 2 ? delimiterDefinition(d) : fieldText(all[n], d));
  if (type === 'H' && fields.length < 2) fields.push(delimiterDefinition(d));
  let count = fields.length;
  while (count > (type === 'H' ? 2 : 1) && fields[count - 1] === '') count--;
  fields.length = count;
  return recordFromFields(fields, d, options.charset ?? 'windows-1252', fields.join(d.field));
}

export function header(
  v: { sender?: string[] | string; receiver?: string[] | string; processingId?: string; version?: string; timestamp?: string; password?: string; messageControlId?: string },
  options?: BuildOptions,
): HeaderRecord {
  return buildRecord('H', {
    3: v.messageControlId, 4: v.password, 5: v.sender, 10: v.receiver, 12: v.processingId, 13: v.version, 14: v.timestamp,
  }, options) as HeaderRecord;
}

export function patient(
  v: { sequence: number | string; practicePatientId?: string; laboratoryPatientId?: string; patientIdNumber3?: string; name?: string[]; birthDate?: string; sex?: string },
  options?: BuildOptions,
): PatientRecord {
  return buildRecord('P', {
    2: String(v.sequence), 3: v.practicePatientId, 4: v.laboratoryPatientId, 5: v.patientIdNumber3, 6: v.name, 8: v.birthDate, 9: v.sex,
  }, options) as PatientRecord;
}

export function order(
  v: {
    sequence: number | string;
    specimenId?: string[] | string;
    instrumentSpecimenId?: string[] | string;
    /** One entry per repeat of O-5, each its components (`['', '', '', '1.0+300+1.0']`). */
    tests?: string[][];
    priority?: string;
    requestedAt?: string;
    collectedAt?: string;
    actionCode?: string;
    specimenDescriptor?: string[] | string;
    reportType?: string;
  },
  options?: BuildOptions,
): OrderRecord {
  return buildRecord('O', {
    2: String(v.sequence), 3: v.specimenId, 4: v.instrumentSpecimenId, 5: v.tests, 6: v.priority, 7: v.requestedAt, 8: v.collectedAt,
    12: v.actionCode, 16: v.specimenDescriptor, 26: v.reportType,
  }, options) as OrderRecord;
}

export function result(
  v: {
    sequence: number | string;
    test: string[];
    value?: string[] | string;
    units?: string;
    referenceRange?: string;
    /** One entry per repeat of R-7, each plain text or its components. */
    flags?: (string | string[])[];
    status?: string;
    operator?: string[] | string;
    startedAt?: string;
    completedAt?: string;
    instrument?: string;
  },
  options?: BuildOptions,
): ResultRecord {
  const flags = v.flags?.map((f) => (typeof f === 'string' ? [f] : f));
  return buildRecord('R', {
    2: String(v.sequence), 3: v.test, 4: v.value, 5: v.units, 6: v.referenceRange, 7: flags, 9: v.status, 11: v.operator,
    12: v.startedAt, 13: v.completedAt, 14: v.instrument,
  }, options) as ResultRecord;
}

export function comment(
  v: { sequence: number | string; source?: string; text?: string[] | string; commentType?: string },
  options?: BuildOptions,
): CommentRecord {
  return buildRecord('C', { 2: String(v.sequence), 3: v.source, 4: v.text, 5: v.commentType }, options) as CommentRecord;
}

export function query(
  v: { sequence: number | string; startingRange?: string[][]; tests?: string[][] | 'ALL'; status?: string },
  options?: BuildOptions,
): QueryRecord {
  return buildRecord('Q', { 2: String(v.sequence), 3: v.startingRange, 5: v.tests, 13: v.status }, options) as QueryRecord;
}

export function terminator(v: { sequence?: number | string; code?: string } = {}, options?: BuildOptions): TerminatorRecord {
  return buildRecord('L', { 2: String(v.sequence ?? 1), 3: v.code ?? 'N' }, options) as TerminatorRecord;
}
