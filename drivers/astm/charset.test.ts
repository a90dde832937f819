import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBytes, encodeText } from './charset.ts';
import type { Charset } from './profile.ts';

function decodeAll(charset: Charset, bytes: Uint8Array): string {
  const ascii = bytes.every((b) => b < 0x80);
  return decodeBytes(charset, bytes, ascii, null, true).text;
}

describe('charsets never lose a byte', () => {
  it.each(['latin1', 'windows-1252', 'utf-8'] as const)('%s: encode(decode(bytes)) gives the bytes back', (charset) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const encoded = encodeText(charset, decodeAll(charset, bytes));
        expect(encoded.unmappable).toBe(0);
        expect(encoded.bytes).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('Latin-1 and Windows-1252 differ only in 0x80..0x9F; 1252 keeps its undefined bytes as C1 controls', () => {
    const bytes = Uint8Array.of(0x80, 0x81, 0x8a, 0x9f, 0xb5, 0xe9);
    expect(decodeAll('windows-1252', bytes)).toBe('\u20ac\u0081\u0160\u0178µé');
    expect(decodeAll('latin1', bytes)).toBe('\u0080\u0081\u008a\u009fµé');
  });

  it('UTF-8: valid text decodes, each bad byte is kept as U+DC80+byte and counted', () => {
    const bytes = Uint8Array.of(0x4a, 0x6f, 0x73, 0xc3, 0xa9, 0xff, 0xe2, 0x82, 0x41, 0xf0, 0x9f, 0x92, 0x89);
    const d = decodeBytes('utf-8', bytes, false, null, true);
    expect(d.text).toBe('José\udcff\udce2\udc82A💉');
    expect(d.escaped).toBe(3);
  });

  it('UTF-8: a character cut at the end of a frame is carried into the next one', () => {
    const first = decodeBytes('utf-8', Uint8Array.of(0x41, 0xe2, 0x82), false, null, false);
    expect(first).toEqual({ text: 'A', rest: Uint8Array.of(0xe2, 0x82), escaped: 0 });
    const second = decodeBytes('utf-8', Uint8Array.of(0xac, 0x42), false, first.rest, true);
    expect(second.text).toBe('€B');
  });

  it('characters a single-byte charset lacks become ? and are counted', () => {
    expect(encodeText('latin1', 'a€b')).toEqual({ bytes: Uint8Array.of(0x61, 0x3f, 0x62), unmappable: 1 });
    expect(encodeText('windows-1252', 'a€b')).toEqual({ bytes: Uint8Array.of(0x61, 0x80, 0x62), unmappable: 0 });
  });
});
