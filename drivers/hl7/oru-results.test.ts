import { describe, expect, it } from 'vitest';
import { dh36Oru } from './fixtures/dh36-oru.ts';
import { extractOruResults } from './oru-results.ts';
import { parseHl7 } from './parse.ts';

const MSH = 'MSH|^~\\&|BC-5380|Mindray|||20250101||ORU^R01|1|P|2.3.1||||||UNICODE\r';
const extract = (body: string) => extractOruResults(parseHl7(MSH + body));

describe('extractOruResults', () => {
  it('marks masked values invalid and keeps them as sent', () => {
    const x = extract('OBR|1||S1\rOBX|1|NM|6690-2^WBC^LN||**.*|10*3/uL|4.00-10.00|||F\rOBX|2|ST|X^Y||***||||||F\r');
    expect(x.results.map((r) => [r.value, r.invalid])).toEqual([
      ['**.*', true],
      ['***', true],
    ]);
  });

  it('normalises comma decimals and keeps the raw text', () => {
    const x = extract('OBR|1||S1\rOBX|1|NM|718-7^HGB^LN||12,5|g/dL||||F\rOBX|2|NM|777-3^PLT^LN||<0,5|10*3/uL||||F\r');
    expect(x.results.map((r) => [r.value, r.rawValue, r.comparator, r.invalid])).toEqual([
      ['12.5', '12,5', undefined, undefined],
      ['<0.5', '<0,5', '<', undefined],
    ]);
  });

  it('reads comparators, SN and coded values', () => {
    const x = extract('OBR|1||S1\rOBX|1|NM|A||>=1000||||||F\rOBX|2|SN|B||<^15||||||F\rOBX|3|SN|C||^1^:^128||||||F\rOBX|4|CE|D||POS^Positive||||||F\r');
    expect(x.results.map((r) => [r.value, r.comparator ?? null, r.invalid ?? false])).toEqual([
      ['>=1000', '>=', false],
      ['<15', '<', false],
      ['1:128', null, false],
      ['POS', null, false],
    ]);
  });

  it('turns OBX-8 repetitions into a flag list and unescapes values, units and ranges', () => {
    const x = extract('OBR|1||S1\rOBX|1|ST|X^Remark\\T\\note^L||a\\S\\b|\\F\\u|1\\R\\2|H~A~|||F\r');
    expect(x.results[0]).toMatchObject({ testName: 'Remark&note', value: 'a^b', units: '|u', referenceRange: '1~2', flags: ['H', 'A'] });
  });

  it('archives ED histograms instead of posting them', () => {
    const x = extract('OBR|1||S1\rOBX|1|NM|6690-2^WBC^LN||7.1|10*3/uL||||F\rOBX|2|ED|15000^WBC Histogram. BMP^99MRC||^Image^BMP^Base64^Qk0eAAAA||||||F\r');
    expect(x.results.map((r) => r.testName)).toEqual(['WBC']);
    expect(x.archived).toEqual([{ sampleId: 'S1', setId: '2', code: '15000', name: 'WBC Histogram. BMP', dataType: 'Image', subtype: 'BMP', encoding: 'Base64', data: 'Qk0eAAAA' }]);
  });

  it('takes the sample id from OBR-3, else OBR-2, keeping further components, and the time from OBX-14 else OBR-7', () => {
    const x = extract('OBR|1|P9|S1^7^3||||20250101120000\rOBX|1|NM|A||1||||||F|||20250101120500\rOBR|2|P10|||||20250101130000\rOBX|1|NM|A||2||||||F\r');
    expect(x.results.map((r) => [r.sampleId, r.sampleIdParts, r.completedAtRaw])).toEqual([
      ['S1', ['7', '3'], '20250101120500'],
      ['P10', undefined, '20250101130000'],
    ]);
    expect(x.problems).toEqual([]);
  });

  it('gives each sample its own run-mode attributes, even when they follow the results', () => {
    const x = extract('OBR|1||S1\rOBX|1|NM|A^WBC||1||||||F\rOBX|2|IS|02003^Test Mode^99MRC||CBC||||||F\rOBR|2||S2\rOBX|1|IS|08003^Test Mode^99MRC||CBC+DIFF||||||F\rOBX|2|NM|A^WBC||2||||||F\r');
    expect(x.results.map((r) => [r.sampleId, r.attributes])).toEqual([
      ['S1', { 'Test Mode': 'CBC' }],
      ['S2', { 'Test Mode': 'CBC+DIFF' }],
    ]);
  });

  it('reports damage instead of repairing it', () => {
    const x = extract('OBX|1|NM|A||1||||||F\rOBR|1||S1\rOBX|1|NM|A||1||||||F\rOBX|3|NM|B||2||||||F\rOBX|4|NM|C||3|||\rOBX|5|NM|D||4||||||Q\r');
    expect(x.problems).toEqual([
      'OBX 1 (segment 2): OBX before any OBR, so it belongs to no sample',
      'OBX 3 (segment 5): set id 3 where 2 was expected: segments missing or out of order',
      'OBX 4 (segment 6): result status (OBX-11) is missing: the segment looks cut short',
      'OBX 5 (segment 7): result status "Q" is not in HL7 table 0085',
    ]);
  });

  it('reads the DH36-like benchmark message with its escape exactly', () => {
    const { text, expected } = dh36Oru(50);
    const x = extractOruResults(parseHl7(text));
    expect(x.samples[0].sampleId).toBe(expected.sampleId);
    expect(x.samples[0].attributes.Remark).toBe('clot^check & rerun');
    expect(x.results.map((r) => r.value)).toEqual(expected.values);
    expect(x.results.map((r) => r.flags)).toEqual(expected.flags);
    expect(x.results).toHaveLength(21);
    expect(x.problems).toEqual([]);
  });
});
