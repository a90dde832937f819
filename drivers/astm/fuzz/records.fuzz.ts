/**
 * Fuzz targets of the LIS02-A2 record codec: any text parses without throwing into a record
 * that keeps it whole; what the parser reads, the encoder writes back so that it reads the same
 * (with its own delimiters or any others); escaping is undone exactly by unescaping.
 */
import fc from 'fast-check';
import type { Charset } from '../profile.ts';
import { encodeRecord } from '../records/encode.ts';
import { escapeText, unescapeText } from '../records/escape.ts';
import { STANDARD_DELIMITERS, type AstmRecord, type Delimiters } from '../records/model.ts';
import { headerDelimiters, parseRecord } from '../records/parse.ts';
import { recordLines } from '../testing/fixtures.ts';
import { fuzzTarget, type FuzzTarget } from '../../fuzz/fuzz-target.ts';

const RECORD_FIXTURES = [
  'goastm_biorad_ihcom_bloodtype.astm',
  'goastm_euroimmun_analyzer1_igg.astm',
  'goastm_immucor_galileo_order.astm',
  'goastm_immucor_galileo_result.astm',
  'tgenaux_ortho_vision_LIS2A_example.txt',
  'tgenaux_phadia_LIS2A2_example.txt',
];

let realRecords: string[] | null = null;
function records(): string[] {
  return (realRecords ??= RECORD_FIXTURES.flatMap((f) => recordLines(f)));
}

const PUNCTUATION = '|\\^&~!`@#$%*()[]{};:\'",.<>/?+=-_';
const delimiterChar = fc.constantFrom(...PUNCTUATION.split(''));

/** Four distinct delimiters, the standard set half the time; an empty one now and then (a header that defined none). */
const delimitersArb: fc.Arbitrary<Delimiters> = fc.oneof(
  fc.constant({ ...STANDARD_DELIMITERS }),
  fc.uniqueArray(delimiterChar, { minLength: 4, maxLength: 4 }).chain(([field, repeat, component, escape]) =>
    fc.record({
      field: fc.constant(field),
      repeat: fc.oneof({ weight: 5, arbitrary: fc.constant(repeat) }, fc.constant('')),
      component: fc.oneof({ weight: 5, arbitrary: fc.constant(component) }, fc.constant('')),
      escape: fc.oneof({ weight: 5, arbitrary: fc.constant(escape) }, fc.constant('')),
    }),
  ),
);

const charsetArb = fc.constantFrom<Charset>('latin1', 'windows-1252', 'utf-8');

/** Record-like text: a record type, then delimiters, escapes and text, any of them out of place. */
const textUnit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'|\\^&~`!HPORCQMSLXFEZN0123456789 abcé\u00ff\u0080<>=.-'.split('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('&F&', '&S&', '&R&', '&E&', '&H&', '&N&', '&X0D&', '&X41&', '&Xzz&', '&Zloc&', '&Z|&', '&X&', '&XC3A9&') },
);
const recordishText = fc.oneof(
  fc.tuple(fc.constantFrom('H', 'P', 'O', 'R', 'C', 'Q', 'M', 'S', 'L', 'X', '1H', ''), fc.array(textUnit, { maxLength: 60 })).map(([t, rest]) => t + rest.join('')),
  // A real record with one character changed, inserted or removed.
  fc.tuple(fc.nat(), fc.nat(), fc.option(textUnit), fc.boolean()).map(([which, at, unit, remove]) => {
    const all = records();
    const r = all[which % all.length];
    const i = at % (r.length + 1);
    return r.slice(0, i) + (unit ?? '') + r.slice(remove ? i + 1 : i);
  }),
);

/** Every leaf of a typed record is a string or a boolean; nothing undefined, NaN or shared wrongly. */
function checkLeaves(value: unknown, path: string): void {
  if (typeof value === 'string' || typeof value === 'boolean') return;
  if (Array.isArray(value)) return value.forEach((v, i) => checkLeaves(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkLeaves(v, `${path}.${k}`);
    return;
  }
  if (value === null && /\.(header|patient|order)$/.test(path)) return;
  throw new Error(`${path} is ${String(value)}`);
}

/** What a driver reads from a record: everything but how it was written (raw, fields, delimiters, a test id's text as sent). */
function typedView(r: AstmRecord): unknown {
  const { raw: _raw, fields: _fields, delimiters: _d, ...rest } = r as AstmRecord & { attached?: unknown };
  return JSON.parse(JSON.stringify(rest, (key, value: unknown) => (key === 'text' && typeof value === 'string' ? undefined : value)));
}

export interface ParseInput {
  text: string;
  delimiters: Delimiters;
  charset: Charset;
}

export const parse: FuzzTarget<ParseInput> = fuzzTarget({
  name: 'astm-records.parse',
  runs: 15_000,
  arbitrary: () => fc.record({ text: recordishText, delimiters: delimitersArb, charset: charsetArb }),
  check: ({ text, delimiters, charset }) => {
    const r = parseRecord(text, delimiters, charset);
    if (r.raw !== text) throw new Error('raw is not the text given');
    const d = r.delimiters;
    const own = headerDelimiters(text);
    if (own !== null) {
      const chosen = [own.field, own.repeat, own.component, own.escape].filter((c) => c !== '');
      if (new Set(chosen).size !== chosen.length) throw new Error(`a header's delimiters are not distinct: ${JSON.stringify(own)}`);
      if (chosen.some((c) => c.length !== 1 || /[A-Za-z0-9\s]/.test(c))) throw new Error(`a header delimiter is not punctuation: ${JSON.stringify(own)}`);
    }
    // Fields are the text cut at the field delimiter, trailing empty ones left out.
    const joined = r.fields.join(d.field);
    if (!text.startsWith(joined) || text.slice(joined.length).split(d.field).some((x) => x !== '')) {
      throw new Error(`fields ${JSON.stringify(r.fields)} do not make up ${JSON.stringify(text)}`);
    }
    const expected = 'HPORCQMSL'.includes(r.fields[0]) && r.fields[0].length === 1 ? r.fields[0] : 'unknown';
    if (r.type !== expected) throw new Error(`type ${r.type} for a record starting ${JSON.stringify(r.fields[0])}`);
    checkLeaves(typedView(r), r.type);
  },
});

function reencode({ text, delimiters, charset, to }: ParseInput & { to: Delimiters }, coverEmptyInHeader: boolean): void {
  const r = parseRecord(text, delimiters, charset);
  // A header that defines no repeat or component delimiter (`H^^…`, its field delimiter having
  // taken the standard one) writes its definition without it, and the rest shift into its place:
  // see astm-records.header-empty-delimiter.
  if (!coverEmptyInHeader && r.type === 'H') fc.pre(r.delimiters.repeat !== '' && r.delimiters.component !== '');
  // A header writes its own delimiter definition; another record can only be redelimited
  // into a complete set (with an empty one there is no way to write what the text holds).
  const target = r.type === 'H' || [to.repeat, to.component, to.escape].includes('') || [r.delimiters.repeat, r.delimiters.component, r.delimiters.escape].includes('') ? r.delimiters : to;
  // The record type is written as it is (no escape is read there): one holding a delimiter of
  // the new set cannot be written in it.
  fc.pre(![target.field, target.repeat, target.component, target.escape].some((c) => c !== '' && r.fields[0].includes(c)));
  // Markers (&H&, &N&, &Z…&) carry no character and are kept in the text in the message's own
  // escape character, so a value holding one reads differently in another delimiter set.
  const e = r.delimiters.escape;
  if (target !== r.delimiters && e !== '') fc.pre(![`${e}H${e}`, `${e}N${e}`, `${e}Z`].some((m) => text.includes(m)));
  const encoded = encodeRecord(r, target);
  const again = parseRecord(encoded, target, charset);
  if (JSON.stringify(typedView(again)) !== JSON.stringify(typedView(r))) {
    throw new Error(`re-encoded as ${JSON.stringify(encoded)} it reads differently: ${JSON.stringify(typedView(again))} vs ${JSON.stringify(typedView(r))}`);
  }
}

const reencodeArb = () => fc.record({ text: recordishText, delimiters: delimitersArb, charset: charsetArb, to: delimitersArb });

/** parse(encode(x)) reads like x, for every record the parser makes, with its own delimiters or others. */
export const encodeRoundTrip: FuzzTarget<ParseInput & { to: Delimiters }> = fuzzTarget({
  name: 'astm-records.encode-round-trip',
  runs: 15_000,
  arbitrary: reencodeArb,
  check: (input) => reencode(input, false),
});

/**
 * Headers that lack a repeat or component delimiter (`H^^&F&`: field delimiter `^`). Found open by
 * fuzzing: the definition was written as `\&`, which read back with `&` as the component delimiter.
 * Fixed: the encoder completes such a set with unused punctuation.
 */
export const headerEmptyDelimiter: FuzzTarget<ParseInput & { to: Delimiters }> = fuzzTarget({
  name: 'astm-records.header-empty-delimiter',
  runs: 5_000,
  arbitrary: reencodeArb,
  check: (input) => reencode(input, true),
});

export const escapeRoundTrip: FuzzTarget<{ text: string; delimiters: Delimiters; charset: Charset }> = fuzzTarget({
  name: 'astm-records.escape-round-trip',
  runs: 10_000,
  arbitrary: () =>
    fc.record({
      text: fc.array(textUnit, { maxLength: 40 }).map((u) => u.join('')),
      delimiters: delimitersArb.filter((d) => d.escape !== ''),
      charset: charsetArb,
    }),
  check: ({ text, delimiters, charset }) => {
    const escaped = escapeText(text, delimiters);
    for (const c of [delimiters.field, delimiters.repeat, delimiters.component, '\r', '\n']) {
      if (c !== '' && escaped.includes(c)) throw new Error(`escaped text ${JSON.stringify(escaped)} still holds ${JSON.stringify(c)}`);
    }
    const back = unescapeText(escaped, delimiters, charset);
    if (back !== text) throw new Error(`escaped ${JSON.stringify(text)} as ${JSON.stringify(escaped)}, which reads back as ${JSON.stringify(back)}`);
  },
});

export const astmRecordTargets = [parse, encodeRoundTrip, escapeRoundTrip, headerEmptyDelimiter];
