import type { Charset } from '../profile.ts';
import { unescapeText } from './escape.ts';
import {
  STANDARD_DELIMITERS,
  type AstmRecord,
  type Comparator,
  type Delimiters,
  type QueryRange,
  type ResultRecord,
  type TestId,
} from './model.ts';

/**
 * Record text → typed record. Never throws: a record it cannot make sense of is kept as an
 * unknown record, whole.
 */

/**
 * The delimiters a header defines (`H|\^&`: field, repeat, component, escape), or null when the
 * text is not a header. A missing or implausible one (a letter, a digit, a space, or one already
 * taken: a header that lost its definition, like `H|ACCESS^…`) takes the standard's, or none.
 */
export function headerDelimiters(text: string): Delimiters | null {
  if (text.length < 2 || text[0] !== 'H' || !isDelimiterChar(text[1])) return null;
  const field = text[1];
  const end = text.indexOf(field, 2);
  const definition = text.slice(2, end < 0 ? text.length : end);
  const taken = new Set([field]);
  const pick = (i: number, standard: string): string => {
    const given = definition[i];
    const chosen = given !== undefined && isDelimiterChar(given) && !taken.has(given) ? given : taken.has(standard) ? '' : standard;
    taken.add(chosen);
    return chosen;
  };
  return {
    field,
    repeat: pick(0, STANDARD_DELIMITERS.repeat),
    component: pick(1, STANDARD_DELIMITERS.component),
    escape: pick(2, STANDARD_DELIMITERS.escape),
  };
}

/** Printable ASCII punctuation: what a delimiter can be. */
function isDelimiterChar(c: string): boolean {
  const k = c.charCodeAt(0);
  const alphanumeric = (k >= 0x30 && k <= 0x39) || (k >= 0x41 && k <= 0x5a) || (k >= 0x61 && k <= 0x7a);
  return k > 0x20 && k < 0x7f && !alphanumeric;
}

/** Parses one record. A header brings its own delimiters; other records use those of their message's header. */
export function parseRecord(text: string, delimiters: Delimiters, charset: Charset): AstmRecord {
  const d = headerDelimiters(text) ?? delimiters;
  const fields = text.split(d.field);
  let n = fields.length;
  while (n > 1 && fields[n - 1] === '') n--;
  if (n < fields.length) fields.length = n;
  return recordFromFields(fields, d, charset, text);
}

/** Splits a raw field at a delimiter; an empty delimiter (a header that defined none) splits nothing. */
function split(text: string, delimiter: string): string[] {
  return delimiter === '' ? [text] : text.split(delimiter);
}

class FieldReader {
  constructor(
    private readonly fields: string[],
    private readonly d: Delimiters,
    private readonly charset: Charset,
  ) {}

  /** Field n's first component of its first repeat, unescaped. */
  text(n: number): string {
    const raw = this.fields[n - 1];
    if (raw === undefined || raw === '') return '';
    return this.unescape(raw.slice(0, this.firstPartEnd(raw, true)));
  }

  /** Field n's first repeat, as components. */
  components(n: number): string[] {
    const raw = this.fields[n - 1];
    if (raw === undefined || raw === '') return [];
    return this.componentsOf(raw.slice(0, this.firstPartEnd(raw, false)));
  }

  /** Where the first repeat (and, if `component`, the first component) of a raw field ends; most fields have neither delimiter, and are not split. */
  private firstPartEnd(raw: string, component: boolean): number {
    let end = raw.length;
    if (this.d.repeat !== '') {
      const r = raw.indexOf(this.d.repeat);
      if (r >= 0) end = r;
    }
    if (component && this.d.component !== '') {
      const c = raw.indexOf(this.d.component);
      if (c >= 0 && c < end) end = c;
    }
    return end;
  }

  /** Field n's repeats, each as its raw text. */
  repeatTexts(n: number): string[] {
    const raw = this.fields[n - 1];
    if (raw === undefined || raw === '') return [];
    return split(raw, this.d.repeat);
  }

  componentsOf(repeatText: string): string[] {
    if (this.d.component === '' || !repeatText.includes(this.d.component)) return [this.unescape(repeatText)];
    const parts = repeatText.split(this.d.component);
    for (let i = 0; i < parts.length; i++) parts[i] = this.unescape(parts[i]);
    return parts;
  }

  /** Field n's repeats, each as its components. */
  repeats(n: number): string[][] {
    const texts = this.repeatTexts(n);
    const out = new Array<string[]>(texts.length);
    for (let i = 0; i < texts.length; i++) out[i] = this.componentsOf(texts[i]);
    return out;
  }

  testIds(n: number): TestId[] {
    return this.repeatTexts(n).map((text) => this.testId(text));
  }

  testId(text: string): TestId {
    const components = this.componentsOf(text);
    return {
      text,
      components,
      universalId: components[0] ?? '',
      name: components[1] ?? '',
      type: components[2] ?? '',
      localCode: components[3] ?? '',
    };
  }

  ranges(n: number): QueryRange[] {
    return this.repeatTexts(n).map((text) => {
      const components = this.componentsOf(text);
      return { components, patientId: components[0] ?? '', specimenId: components[1] ?? '' };
    });
  }

  private unescape(text: string): string {
    return unescapeText(text, this.d, this.charset);
  }
}

const COMPARATOR = /^\s*(<=|>=|<|>)/;

function comparatorOf(value: string): Comparator | undefined {
  const m = COMPARATOR.exec(value);
  return m ? (m[1] as Comparator) : undefined;
}

function lastNonEmpty(components: string[]): string {
  for (let i = components.length - 1; i >= 0; i--) if (components[i] !== '') return components[i];
  return '';
}

/**
 * Typed record from raw fields (the single place that reads fields, used by the parser and by
 * the builders alike, so a built record and its parsed encoding agree).
 */
export function recordFromFields(fields: string[], d: Delimiters, charset: Charset, raw: string): AstmRecord {
  const f = new FieldReader(fields, d, charset);
  switch (fields[0]) {
    case 'H':
      return {
        type: 'H', raw, fields, delimiters: d, attached: [],
        messageControlId: f.text(3),
        password: f.text(4),
        sender: f.components(5),
        receiver: f.components(10),
        processingId: f.text(12),
        version: f.text(13),
        timestamp: f.text(14),
      };
    case 'P':
      return {
        type: 'P', raw, fields, delimiters: d, attached: [],
        sequence: f.text(2),
        practicePatientId: f.text(3),
        laboratoryPatientId: f.text(4),
        patientIdNumber3: f.text(5),
        name: f.components(6),
        birthDate: f.text(8),
        sex: f.text(9),
        physician: f.components(14),
        location: f.text(26),
      };
    case 'O':
      return {
        type: 'O', raw, fields, delimiters: d, attached: [],
        sequence: f.text(2),
        specimenId: f.components(3),
        instrumentSpecimenId: f.components(4),
        tests: f.testIds(5),
        priority: f.text(6),
        requestedAt: f.text(7),
        collectedAt: f.text(8),
        actionCode: f.text(12),
        specimenDescriptor: f.components(16),
        reportedAt: f.text(23),
        reportType: f.text(26),
      };
    case 'R': {
      const valueComponents = f.components(4);
      const value = valueComponents[0] ?? '';
      const flagComponents = f.repeats(7);
      const flags: string[] = [];
      for (const components of flagComponents) {
        const flag = lastNonEmpty(components);
        if (flag !== '') flags.push(flag);
      }
      const comparator = comparatorOf(value);
      const result: ResultRecord = {
        type: 'R', raw, fields, delimiters: d, attached: [],
        sequence: f.text(2),
        test: f.testId(f.repeatTexts(3)[0] ?? ''),
        value,
        valueComponents,
        units: f.text(5),
        referenceRange: f.text(6),
        flags,
        flagComponents,
        abnormalityNature: f.text(8),
        status: f.text(9),
        operator: f.components(11),
        startedAt: f.text(12),
        completedAt: f.text(13),
        instrument: f.text(14),
      };
      if (comparator !== undefined) result.comparator = comparator;
      return result;
    }
    case 'C':
      return {
        type: 'C', raw, fields, delimiters: d,
        sequence: f.text(2),
        source: f.text(3),
        text: f.repeats(4),
        commentType: f.text(5),
      };
    case 'Q': {
      const startingRange = f.ranges(3);
      const all = (fields[2] ?? '').trim().toUpperCase() === 'ALL';
      const status = f.text(13);
      return {
        type: 'Q', raw, fields, delimiters: d, attached: [],
        sequence: f.text(2),
        startingRange,
        endingRange: f.ranges(4),
        specimenIds: all ? [] : startingRange.map((r) => r.specimenId || r.patientId).filter((id) => id !== ''),
        all,
        tests: f.testIds(5),
        allTests: (fields[4] ?? '').trim().toUpperCase() === 'ALL',
        beginAt: f.text(7),
        endAt: f.text(8),
        status,
        cancel: status.toUpperCase() === 'A',
      };
    }
    case 'M':
      return { type: 'M', raw, fields, delimiters: d, sequence: f.text(2) };
    case 'S':
      return { type: 'S', raw, fields, delimiters: d, sequence: f.text(2) };
    case 'L':
      return { type: 'L', raw, fields, delimiters: d, sequence: f.text(2), code: f.text(3) };
    default:
      return { type: 'unknown', raw, fields, delimiters: d, recordType: fields[0] };
  }
}
