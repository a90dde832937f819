import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as build from './build.ts';
import { encodeMessage, encodeRecord } from './encode.ts';
import { escapeText, unescapeText } from './escape.ts';
import { STANDARD_DELIMITERS, type AstmRecord, type Delimiters } from './model.ts';
import { headerDelimiters, parseRecord } from './parse.ts';

const D = STANDARD_DELIMITERS;

describe('escapes (LIS02-A2 6.6)', () => {
  it('&F& &S& &R& &E& stand for the delimiters', () => {
    expect(unescapeText('a&F&b&S&c&R&d&E&e', D, 'windows-1252')).toBe('a|b^c\\d&e');
  });

  it('&X…& with any even number of hex digits, read in the charset', () => {
    expect(unescapeText('&X41&&X4243&&XE9&', D, 'windows-1252')).toBe('ABCé');
    expect(unescapeText('&XC3A9&', D, 'utf-8')).toBe('é');
    expect(unescapeText('&X0D0A&', D, 'latin1')).toBe('\r\n');
  });

  it('&H&, &N& and local &Z…& are kept as markers; anything else with & is text', () => {
    expect(unescapeText('&H&high&N& &Zlocal& &X4& &Q& Rock&Roll', D, 'latin1')).toBe('&H&high&N& &Zlocal& &X4& &Q& Rock&Roll');
  });

  it('escape sequences follow the header: another escape character', () => {
    const d: Delimiters = { field: '|', repeat: '`', component: '^', escape: '!' };
    expect(unescapeText('a!R!b!S!c & d', d, 'latin1')).toBe('a`b^c & d');
    expect(escapeText('a`b^c!d|e', d)).toBe('a!R!b!S!c!E!d!F!e');
  });

  it('escaping is undone by unescaping, markers included, and CR/LF never reach the record text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', 'X', 'H', 'N', '1', '|', '^', '\\', '&', '\r', '\n', 'é', ' ') }), (text) => {
        const escaped = escapeText(text, D);
        expect(escaped).not.toMatch(/[|^\\\r\n]/);
        expect(unescapeText(escaped, D, 'windows-1252')).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('header delimiters', () => {
  it('read from H-2', () => {
    expect(headerDelimiters('H|\\^&|||X')).toEqual(D);
    expect(headerDelimiters('H|`^&||||')).toEqual({ field: '|', repeat: '`', component: '^', escape: '&' });
    expect(headerDelimiters('H|\\^&')).toEqual(D);
    expect(headerDelimiters('P|1')).toBeNull();
  });

  it('a definition that was lost (letters where delimiters belong) falls back to the standard', () => {
    expect(headerDelimiters('H|ACCESS^575707|||')).toEqual(D);
    expect(headerDelimiters('H|\\')).toEqual(D);
  });
});

describe('parsing', () => {
  it('typed fields by LIS02-A2 position, trailing empty fields dropped', () => {
    const r = parseRecord('R|1|^^^GLU^Glucose|<2.5|mmol/L|3.9 to 6.1^REF|L\\H||F||OP^X|20250701|20250702|INST||||', D, 'latin1');
    expect(r).toMatchObject({
      type: 'R', sequence: '1', value: '<2.5', comparator: '<', units: 'mmol/L', referenceRange: '3.9 to 6.1',
      flags: ['L', 'H'], status: 'F', operator: ['OP', 'X'], startedAt: '20250701', completedAt: '20250702', instrument: 'INST',
    });
    expect(r.type === 'R' && r.test).toEqual({ text: '^^^GLU^Glucose', components: ['', '', '', 'GLU', 'Glucose'], universalId: '', name: '', type: '', localCode: 'GLU' });
    expect(r.fields).toHaveLength(14);
  });

  it('real-world tolerance: L|474|N, space-padded values, empty results, unknown types', () => {
    expect(parseRecord('L|474|N', D, 'latin1')).toMatchObject({ type: 'L', sequence: '474', code: 'N' });
    expect(parseRecord('R|1|^^^K|  4.1 |mmol/L', D, 'latin1')).toMatchObject({ value: '  4.1 ', units: 'mmol/L' });
    expect(parseRecord('R|1|^^^K| > 10', D, 'latin1')).toMatchObject({ value: ' > 10', comparator: '>' });
    expect(parseRecord('R|1|^^^K', D, 'latin1')).toMatchObject({ value: '', valueComponents: [], units: '', flags: [] });
    expect(parseRecord('E|1|something', D, 'latin1')).toMatchObject({ type: 'unknown', recordType: 'E', fields: ['E', '1', 'something'] });
  });

  it('query: specimen ids from Q-3 repeats (component 2, else 1), ALL, Q-13 A cancels', () => {
    expect(parseRecord('Q|1|^S1\\^S2\\P3^||ALL||||||||O', D, 'latin1')).toMatchObject({ specimenIds: ['S1', 'S2', 'P3'], all: false, allTests: true, cancel: false });
    expect(parseRecord('Q|1|ALL||^^^GLU||||||||A', D, 'latin1')).toMatchObject({ specimenIds: [], all: true, allTests: false, status: 'A', cancel: true });
  });
});

/** Arbitrary text for a value, delimiters, escapes, markers and non-ASCII included. */
const text = fc.string({ unit: fc.constantFrom('a', 'B', '7', ' ', '.', '|', '^', '\\', '&', 'H', 'X', '\r', 'µ', 'é', '<'), maxLength: 12 });
const components = fc.array(text, { maxLength: 4 });
const repeats = fc.array(fc.array(text, { minLength: 1, maxLength: 3 }), { maxLength: 3 });

const records: fc.Arbitrary<AstmRecord> = fc.oneof(
  fc.record({ sender: components, version: text, timestamp: text }).map((v) => build.header(v)),
  fc.record({ sequence: fc.nat(), name: components, birthDate: text, sex: text }).map((v) => build.patient(v)),
  fc.record({ sequence: fc.nat(), specimenId: components, tests: repeats, priority: text, actionCode: text, specimenDescriptor: components, reportType: text }).map((v) =>
    build.order(v)),
  fc.record({ sequence: fc.nat(), test: components, value: components, units: text, referenceRange: text, flags: fc.array(text, { maxLength: 3 }), status: text, completedAt: text }).map((v) =>
    build.result(v)),
  fc.record({ sequence: fc.nat(), source: text, text: components, commentType: text }).map((v) => build.comment(v)),
  fc.record({ sequence: fc.nat(), startingRange: repeats, status: text }).map((v) => build.query(v)),
  fc.record({ sequence: fc.nat(), code: text }).map((v) => build.terminator(v)),
);

describe('encoder', () => {
  it('parse(encode(x)) = x for every record the builders make', () => {
    fc.assert(
      fc.property(records, (x) => {
        const text = encodeRecord(x);
        expect(text).not.toMatch(/[\r\n]/);
        expect(parseRecord(text, x.delimiters, 'windows-1252')).toEqual(x);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes what the standard expects: the delimiter definition, no trailing empty fields', () => {
    const reply = [
      build.header({ sender: '3600796', version: 'LIS2-A', timestamp: '20201121111002' }),
      build.patient({ sequence: 1 }),
      build.order({ sequence: 1, specimenId: '1068687', tests: [['', '', '', '1.0+300+1.0'], ['', '', '', '1.0+330+1.0']], priority: 'R', actionCode: 'N', specimenDescriptor: '5', reportType: 'O' }),
      build.terminator({ code: 'I' }),
    ];
    expect(encodeMessage(reply)).toEqual([
      'H|\\^&|||3600796||||||||LIS2-A|20201121111002',
      'P|1',
      'O|1|1068687||^^^1.0+300+1.0\\^^^1.0+330+1.0|R||||||N||||5||||||||||O',
      'L|1|I',
    ]);
  });

  it('a record read with one delimiter set is written with another, meaning kept', () => {
    const erba: Delimiters = { field: '|', repeat: '`', component: '^', escape: '&' };
    const r = parseRecord('O|1|S\\1||^^^A`^^^B|R', erba, 'latin1');
    const text = encodeRecord(r, D);
    expect(text).toBe('O|1|S&R&1||^^^A\\^^^B|R');
    const back = parseRecord(text, D, 'latin1');
    expect(back.type === 'O' && [back.specimenId, back.tests.map((t) => t.localCode)]).toEqual([['S\\1'], ['A', 'B']]);
  });

  it('captured records survive encode and parse (their raw text aside, which loses trailing empty fields)', () => {
    for (const line of ['P|1|||||||||||||||||||||||||||||||||||', 'O|1|2021679||^^^DIF|R|20200407151558|||||||||BLOOD||||||||||F|||||', 'R|3|^^^1.0000+952+1.0|<20|||^5^||V|||20201121122709|20201121122726|36000796']) {
      const x = parseRecord(line, D, 'latin1');
      const again = parseRecord(encodeRecord(x), D, 'latin1');
      expect({ ...again, raw: '' }).toEqual({ ...x, raw: '' });
    }
  });
});
