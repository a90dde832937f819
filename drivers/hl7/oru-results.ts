/**
 * ORU^R01 → the common result model. Run-mode lines (take, blood and test mode, ref group) are
 * attributes of the sample, not results; ED images (histograms, scattergrams) are archived, not
 * posted. Structural damage (a message cut or reassembled out of order) is reported in `problems`
 * and never repaired: the engine answers such a message with AE.
 */

import type { AnalyzerResult, Comparator } from '../result-model.ts';
import type { Hl7Delimiters } from './escape.ts';
import type { Hl7Message, Hl7Segment } from './parse.ts';

export interface Hl7Result extends AnalyzerResult {
  /** OBX-5 as the analyzer wrote it (unescaped); `value` differs only where a comma decimal was normalised. */
  rawValue: string;
  /** OBX-2 (NM, IS, ST, SN, CE…). */
  valueType: string;
  /** OBX-1. */
  setId: string;
}

/** An encapsulated-data OBX (OBX-2 `ED`): kept for the archive, never posted as a result. */
export interface ArchivedObservation {
  sampleId: string;
  setId: string;
  code: string;
  name: string;
  /** OBX-5 components of ED: source application, type of data, subtype, encoding, data. */
  dataType: string;
  subtype: string;
  encoding: string;
  data: string;
}

export interface SampleInfo {
  sampleId: string;
  sampleIdParts: string[];
  /**
   * Run-mode and other sample lines by OBX-3 name, e.g. `{ 'Take Mode': 'A', 'Test Mode': 'CBC+DIFF' }`.
   * Each result of the sample holds this same object, so lines that follow the results still reach them.
   */
  attributes: Record<string, string>;
  /** OBR-7 as sent. */
  observedAtRaw: string;
}

export interface OruExtraction {
  results: Hl7Result[];
  samples: SampleInfo[];
  archived: ArchivedObservation[];
  /** Why the message is not whole; non-empty means the engine should answer AE, not store. */
  problems: string[];
}

/**
 * OBX lines that describe the sample or run rather than measure it, by OBX-3 name. Mindray and
 * Dymind hematology analyzers send these names under several code sets (02001 or 08001 Take
 * Mode…), so names are steadier than codes.
 */
export const DEFAULT_SAMPLE_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set(['take mode', 'blood mode', 'test mode', 'ref group', 'remark', 'age']);

export interface OruExtractOptions {
  /** Lower-case OBX-3 names that become sample attributes. */
  attributeNames?: ReadonlySet<string>;
}

/** HL7 table 0085 (observation result status). */
const RESULT_STATUSES = new Set(['C', 'D', 'F', 'I', 'N', 'O', 'P', 'R', 'S', 'U', 'W', 'X']);
const NUMERIC = /^(?:<=|>=|<|>)?\s*[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?$/;
const SET_ID_TEXT = Array.from({ length: 256 }, (_, n) => String(n));

function setIdText(n: number): string {
  return n < SET_ID_TEXT.length ? SET_ID_TEXT[n] : String(n);
}
const COMMA_DECIMAL = /^((?:<=|>=|<|>)?\s*[-+]?\d*),(\d+)$/;
/** Masks such as `**.*`, `***` or `*.**`: the analyzer measured nothing it would report. */
const MASK = /^\*+(?:[.,]\**)?$|^[.,]\*+$/;

export function extractOruResults(message: Hl7Message, options: OruExtractOptions = {}): OruExtraction {
  const attributeNames = options.attributeNames ?? DEFAULT_SAMPLE_ATTRIBUTE_NAMES;
  let verdicts = attributeVerdicts.get(attributeNames);
  if (!verdicts) attributeVerdicts.set(attributeNames, (verdicts = new Map()));
  const results: Hl7Result[] = [];
  const samples: SampleInfo[] = [];
  const archived: ArchivedObservation[] = [];
  const problems: string[] = [];
  const fieldSep = message.delimiters.field;
  let sample: SampleInfo | null = null;
  let expectedSetId = 1;

  const segments = message.segments;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.name === 'OBR') {
      sample = readSample(seg);
      if (sample.sampleId === '') problems.push(`OBR (segment ${i + 1}): no sample id in OBR-3 or OBR-2`);
      samples.push(sample);
      expectedSetId = 1;
      continue;
    }
    if (seg.name !== 'OBX') continue;
    const setId = seg.value(1);
    if (setId !== '') {
      if (setId !== setIdText(expectedSetId)) {
        problems.push(`${where(setId, i)}: set id ${setId} where ${expectedSetId} was expected: segments missing or out of order`);
        const n = Number(setId);
        if (Number.isInteger(n)) expectedSetId = n;
      }
      expectedSetId++;
    }
    const status = seg.value(11);
    if (!RESULT_STATUSES.has(status)) {
      problems.push(status === '' ? `${where(setId, i)}: result status (OBX-11) is missing: the segment looks cut short` : `${where(setId, i)}: result status "${status}" is not in HL7 table 0085`);
    }
    if (sample === null) {
      problems.push(`${where(setId, i)}: OBX before any OBR, so it belongs to no sample`);
      sample = { sampleId: '', sampleIdParts: [], attributes: {}, observedAtRaw: '' };
      samples.push(sample);
    }
    const valueType = seg.value(2);
    const testId = seg.field(3);
    const [code, name] = codeAndName(seg, testId, message.delimiters);
    if (valueType === 'ED') {
      archived.push({
        sampleId: sample.sampleId,
        setId,
        code,
        name,
        dataType: seg.value(5, 1, 2),
        subtype: seg.value(5, 1, 3),
        encoding: seg.value(5, 1, 4),
        data: seg.value(5, 1, 5),
      });
      continue;
    }
    const rawValue = observationText(seg, valueType);
    if (isAttribute(name, attributeNames, verdicts)) {
      const units = unitsOf(seg);
      sample.attributes[name] = units === '' || rawValue === '' ? rawValue : `${rawValue} ${units}`;
      continue;
    }
    const value = normaliseDecimal(rawValue, valueType);
    const subId = seg.field(4);
    // Every result is built with the same properties in the same order: one object shape for the engine.
    results.push({
      sampleId: sample.sampleId,
      sampleIdParts: sample.sampleIdParts.length > 0 ? sample.sampleIdParts : undefined,
      testCode: code,
      testId: subId === '' ? testId : testId + fieldSep + subId,
      testName: name,
      value,
      rawValue,
      comparator: comparatorOf(value),
      units: unitsOf(seg),
      referenceRange: seg.text(7),
      flags: flagsOf(seg),
      status,
      completedAtRaw: seg.value(14) || sample.observedAtRaw,
      invalid: isInvalid(value, valueType) ? true : undefined,
      kind: 'test',
      attributes: sample.attributes,
      valueType,
      setId,
    });
  }
  return { results, samples, archived, problems };
}

/** OBX-3 identifier and text; read straight from the raw field when it holds no escape, repetition or sub-component. */
function codeAndName(obx: Hl7Segment, raw: string, d: Hl7Delimiters): [string, string] {
  if (raw.indexOf(d.escape) >= 0 || raw.indexOf(d.repetition) >= 0 || (d.subcomponent !== '' && raw.indexOf(d.subcomponent) >= 0)) {
    return [obx.value(3, 1, 1), obx.value(3, 1, 2)];
  }
  const first = raw.indexOf(d.component);
  if (first < 0) return [raw, ''];
  const second = raw.indexOf(d.component, first + 1);
  return [raw.slice(0, first), second < 0 ? raw.slice(first + 1) : raw.slice(first + 1, second)];
}

/** Built only when something is wrong: most messages have no problem to describe. */
function where(setId: string, index: number): string {
  return `OBX ${setId || '?'} (segment ${index + 1})`;
}

/** Sample id: OBR-3 (filler number, where Mindray and Dymind put the tube's id), else OBR-2. */
function readSample(obr: Hl7Segment): SampleInfo {
  let field = 3;
  if (obr.value(3).trim() === '') field = 2;
  const parts = obr.components(field);
  const sampleIdParts: string[] = [];
  for (let c = 2; c <= parts.length; c++) sampleIdParts.push(obr.value(field, 1, c));
  return {
    sampleId: obr.value(field).trim(),
    sampleIdParts: sampleIdParts.some((p) => p !== '') ? sampleIdParts : [],
    attributes: {},
    observedAtRaw: obr.value(7),
  };
}

function observationText(obx: Hl7Segment, valueType: string): string {
  if (valueType === 'SN') {
    // Structured numeric: comparator ^ number ^ separator/suffix ^ number, e.g. `<^15` or `^1^:^128`.
    return obx.value(5, 1, 1) + obx.value(5, 1, 2) + obx.value(5, 1, 3) + obx.value(5, 1, 4);
  }
  if (valueType === 'CE' || valueType === 'CWE' || valueType === 'CNE') return obx.value(5, 1, 1) || obx.value(5, 1, 2);
  return obx.text(5);
}

/** OBX-8 repetitions, empty ones dropped (`~N` is the flag N; `H~A` is H and A). */
function flagsOf(obx: Hl7Segment): string[] {
  const flags = obx.values(8);
  let kept = 0;
  for (let r = 0; r < flags.length; r++) if (flags[r] !== '') flags[kept++] = flags[r];
  flags.length = kept;
  return flags;
}

function unitsOf(obx: Hl7Segment): string {
  return obx.value(6, 1, 1) || obx.value(6, 1, 2);
}

/** Names repeat in every message, so each is lower-cased once per attribute set. */
const attributeVerdicts = new WeakMap<ReadonlySet<string>, Map<string, boolean>>();

function isAttribute(name: string, names: ReadonlySet<string>, verdicts: Map<string, boolean>): boolean {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = names.has(name.trim().toLowerCase());
    // Bounded: a flood of distinct names (a broken analyzer) must not grow the cache without end.
    if (verdicts.size < 10_000) verdicts.set(name, verdict);
  }
  return verdict;
}

function normaliseDecimal(value: string, valueType: string): string {
  if ((valueType !== 'NM' && valueType !== 'SN' && valueType !== '') || value.indexOf(',') < 0) return value;
  const m = COMMA_DECIMAL.exec(value);
  return m ? `${m[1]}.${m[2]}` : value;
}

/** The common case (`7.13`, `204`) without a regular expression. */
function isDecimalDigits(value: string): boolean {
  let dot = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46 && !dot && i > 0 && i < value.length - 1) dot = true;
    else if (c < 48 || c > 57) return false;
  }
  return true;
}

function comparatorOf(value: string): Comparator | undefined {
  const c = value.charAt(0);
  if (c !== '<' && c !== '>') return undefined;
  return value.charAt(1) === '=' ? (c === '<' ? '<=' : '>=') : c;
}

function isInvalid(value: string, valueType: string): boolean {
  if (value === '') return true;
  if (valueType === 'NM') return !isDecimalDigits(value) && !NUMERIC.test(value);
  return MASK.test(value);
}
