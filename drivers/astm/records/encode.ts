import { redelimitField } from './escape.ts';
import type { AstmRecord, Delimiters } from './model.ts';

/**
 * Typed record → record text, exactly as LIS02-A2 wants it: the header's delimiter definition
 * right after its type, fields joined by the field delimiter, trailing empty fields left out,
 * no CR (the link layer ends each record). For any record `x` made by the parser or the
 * builders, parse(encode(x)) gives `x` back (its `raw` aside, when `x` arrived with trailing
 * empty fields that the encoder drops).
 */

function sameDelimiters(a: Delimiters, b: Delimiters): boolean {
  return a.field === b.field && a.repeat === b.repeat && a.component === b.component && a.escape === b.escape;
}

export function delimiterDefinition(d: Delimiters): string {
  return d.repeat + d.component + d.escape;
}

/** Punctuation a header may take for a delimiter it lacks, in order of preference. */
const SPARE_DELIMITERS = ['\\', '^', '&', '~', '!', '`', '@', '#', '$', '%', '*', '+', '=', ':', ';', ',', '/', '?'];

/**
 * A header's definition is positional (repeat, component, escape), so a set missing one of them
 * (`H^^…`: the field delimiter took the standard component one) cannot be written as it is: the
 * rest would shift into its place. Such a set is completed with unused punctuation, which reads
 * back the same, since the text never used the missing delimiter.
 */
function writableHeaderDelimiters(d: Delimiters): Delimiters {
  if (d.repeat !== '' && d.component !== '' && d.escape !== '') return d;
  const used = new Set([d.field, d.repeat, d.component, d.escape]);
  const spare = () => {
    const c = SPARE_DELIMITERS.find((x) => !used.has(x))!;
    used.add(c);
    return c;
  };
  return { field: d.field, repeat: d.repeat || spare(), component: d.component || spare(), escape: d.escape || spare() };
}

/** Encodes one record with `delimiters` (by default its own). */
export function encodeRecord(record: AstmRecord, delimiters: Delimiters = record.delimiters): string {
  if (record.type === 'H') delimiters = writableHeaderDelimiters(delimiters);
  const from = record.delimiters;
  const same = sameDelimiters(from, delimiters);
  const fields = record.fields.map((field, i) => {
    if (i === 0) return field;
    if (i === 1 && record.type === 'H') return delimiterDefinition(delimiters);
    return same ? field : redelimitField(field, from, delimiters);
  });
  let n = fields.length;
  while (n > 1 && fields[n - 1] === '') n--;
  fields.length = n;
  return fields.join(delimiters.field);
}

/**
 * Encodes a message's records. The first record should be its header, whose delimiters every
 * record is written with.
 */
export function encodeMessage(records: readonly AstmRecord[]): string[] {
  const header = records.find((r) => r.type === 'H');
  const delimiters = header?.delimiters ?? records[0]?.delimiters;
  return records.map((r) => encodeRecord(r, delimiters));
}
