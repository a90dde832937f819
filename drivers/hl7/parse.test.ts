import { describe, expect, it } from 'vitest';
import { declaredCharset, decodeLatin1, resolveCharset } from './charset.ts';
import { encodeHl7 } from './encode.ts';
import { escapeHl7, DEFAULT_DELIMITERS } from './escape.ts';
import { frameMllp } from './mllp-framer.ts';
import { Hl7ParseError, parseHl7 } from './parse.ts';
import { Hl7Session } from './session.ts';

const latin1 = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('parseHl7: structure', () => {
  const text =
    'MSH|^~\\&|APP|FAC|||20250101||ORU^R01|42|P|2.3.1\r' +
    'PID|1||ID1^^^HOSP^MR~ID2^^^LAB^PI||Doe^John^Q||19800101|M\r' +
    'OBX|1|CE|X^Long name&with sub^L||POS^Positive~NEG^Negative||||||F\r' +
    'ZDM|custom|fields^kept|~|\r';

  it('reads fields, repetitions, components and sub-components', () => {
    const m = parseHl7(text);
    const pid = m.segment('PID')!;
    expect(pid.repetitions(3)).toEqual(['ID1^^^HOSP^MR', 'ID2^^^LAB^PI']);
    expect(pid.value(3, 2, 1)).toBe('ID2');
    expect(pid.value(3, 2, 4)).toBe('LAB');
    expect(pid.value(5, 1, 2)).toBe('John');
    expect(pid.value(8)).toBe('M');
    const obx = m.segment('OBX')!;
    expect(obx.value(3, 1, 2, 1)).toBe('Long name');
    expect(obx.value(3, 1, 2, 2)).toBe('with sub');
    expect(obx.value(5, 2, 2)).toBe('Negative');
    expect(obx.value(99)).toBe('');
    expect(obx.value(5, 3)).toBe('');
  });

  it('numbers MSH fields as HL7 does (MSH-1 is the field separator)', () => {
    const m = parseHl7(text);
    expect(m.header.value(1)).toBe('|');
    expect(m.header.value(2)).toBe('^~\\&');
    expect(m.header.value(3)).toBe('APP');
    expect(m.controlId).toBe('42');
    expect(m.messageType).toBe('ORU^R01');
    expect(m.version).toBe('2.3.1');
    expect(m.header.fieldCount).toBe(12);
    expect(m.header.fields.slice(0, 4)).toEqual(['MSH', '|', '^~\\&', 'APP']);
    expect(m.header.fields.at(-1)).toBe('2.3.1');
    expect(m.segment('PID')!.fieldCount).toBe(8);
    expect(m.segment('PID')!.fields.at(-1)).toBe('M');
  });

  it('keeps Z-segments and round-trips every segment byte for byte', () => {
    const m = parseHl7(text);
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'OBX', 'ZDM']);
    expect(m.segment('ZDM')!.value(2, 1, 2)).toBe('kept');
    expect(encodeHl7(m)).toBe(text);
  });

  it.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('accepts %s segment ends', (_, end) => {
    const m = parseHl7(['MSH|^~\\&|A|B|||1||ORU^R01|9|P|2.3.1', 'OBR|1||S1', 'OBX|1|NM|WBC||7.1||||||F', ''].join(end));
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'OBR', 'OBX']);
    expect(m.segment('OBX')!.value(5)).toBe('7.1');
    expect(m.controlId).toBe('9');
  });

  it('uses custom encoding characters declared in MSH-1 and MSH-2', () => {
    const m = parseHl7('MSH#@*$%#A#B###1##ORU@R01#7#P#2.3.1\rOBX#1#CE#C1@Name%sub#x#v1@v2*r2c1@r2c2#u\r');
    expect(m.delimiters).toEqual({ field: '#', component: '@', repetition: '*', escape: '$', subcomponent: '%', truncation: '' });
    expect(m.messageType).toBe('ORU^R01');
    const obx = m.segment('OBX')!;
    expect(obx.value(3, 1, 2, 2)).toBe('sub');
    expect(obx.value(5, 2, 2)).toBe('r2c2');
    expect(m.segment('OBX')!.decode('a$F$b$S$c$T$d$R$e$E$f')).toBe('a#b@c%d*e$f');
  });

  it('reads the 2.7 truncation character and its \\P\\ escape', () => {
    const m = parseHl7('MSH|^~\\&#|A|B|||1||ORU^R01|7|P|2.7\rNTE|1||cut\\P\\here\r');
    expect(m.delimiters.truncation).toBe('#');
    expect(m.segment('NTE')!.value(3)).toBe('cut#here');
  });

  it('refuses text without a usable MSH', () => {
    expect(() => parseHl7('PID|1\r')).toThrow(Hl7ParseError);
    expect(() => parseHl7('MSHA^~\\&|x')).toThrow(/field separator/);
    expect(() => parseHl7('MSH|^|x')).toThrow(/encoding characters/);
    expect(() => parseHl7('MSH|^^\\&|x')).toThrow(/distinct/);
  });

  it('reports, without refusing, a line that is not a segment', () => {
    const m = parseHl7('MSH|^~\\&|A|B|||1||ORU^R01|7|P|2.3.1\r||0.06|10*3/uL\rOBX|1\r');
    expect(m.segments).toHaveLength(3);
    expect(m.warnings[0]).toMatch(/segment 2 has no valid segment name/);
  });
});

describe('escapes', () => {
  const msg = (obx5: string, charset = '') => parseHl7(`MSH|^~\\&|A|B|||1||ORU^R01|7|P|2.3.1||||||${charset}\rOBX|1|ST|C||${obx5}\r`);

  it('decodes every delimiter escape', () => {
    expect(msg('\\F\\\\S\\\\T\\\\R\\\\E\\').segment('OBX')!.value(5)).toBe('|^&~\\');
  });

  it('decodes \\Xhh\\ in the message charset', () => {
    expect(msg('a\\X0D0A\\b').segment('OBX')!.value(5)).toBe('a\r\nb');
    expect(msg('\\XC3A9\\', 'UNICODE UTF-8').segment('OBX')!.value(5)).toBe('é');
    expect(msg('\\XE9\\', '8859/1').segment('OBX')!.value(5)).toBe('é');
    expect(msg('\\XB9\\', '8859/2').segment('OBX')!.value(5)).toBe('š');
  });

  it('keeps formatting escapes as markers', () => {
    const text = 'line1\\.br\\line2 \\H\\bold\\N\\ \\.sp2\\ \\.in+4\\ \\.ti-2\\ \\.sk3\\ \\.ce\\ \\.fi\\ \\.nf\\ \\Zlocal\\ \\C2842\\ \\M2442\\';
    expect(msg(text).segment('OBX')!.value(5)).toBe(text);
  });

  it('leaves an unterminated or unknown escape as sent', () => {
    expect(msg('50\\% off').segment('OBX')!.value(5)).toBe('50\\% off');
    expect(msg('a\\Q\\b').segment('OBX')!.value(5)).toBe('a\\Q\\b');
    expect(msg('\\X0\\').segment('OBX')!.value(5)).toBe('\\X0\\');
  });

  it('escapeHl7 inverts unescape for any text, control characters included', () => {
    const text = 'a|b^c&d~e\\f\rg\nh\x0bi\x1cj';
    const escaped = escapeHl7(text, DEFAULT_DELIMITERS);
    expect(escaped).not.toMatch(/[|^&~\r\n\x0b\x1c]/);
    expect(msg(escaped).segment('OBX')!.value(5)).toBe(text);
  });
});

describe('charsets', () => {
  const body = (charset: string, value: string) => `MSH|^~\\&|A|B|||1||ORU^R01|7|P|2.3.1||||||${charset}\rOBX|1|ST|C||${value}||||||F\r`;

  it('decodes Latin-1 when MSH-18 is empty (the profile default), every byte kept', () => {
    const bytes = latin1(body('', 'µmol/L Ñ \x80\x9f'));
    const m = parseHl7(bytes);
    expect(m.declaredCharset).toBe('');
    expect(m.charset.name).toBe('ISO-8859-1');
    expect(m.segment('OBX')!.value(5)).toBe('µmol/L Ñ \x80\x9f');
  });

  it('uses the profile charset when MSH-18 is empty', () => {
    const m = parseHl7(utf8(body('', 'µmol/L')), { charset: 'UNICODE UTF-8' });
    expect(m.segment('OBX')!.value(5)).toBe('µmol/L');
  });

  it.each(['UNICODE', 'UNICODE UTF-8'])('reads MSH-18 %s as UTF-8', (cs) => {
    const m = parseHl7(utf8(body(cs, 'µmol/L 血')));
    expect(m.charset.name).toBe('UTF-8');
    expect(m.segment('OBX')!.value(5)).toBe('µmol/L 血');
  });

  it('reads 8859/n from MSH-18', () => {
    expect(parseHl7(latin1(body('8859/2', '\xb9\xe8'))).segment('OBX')!.value(5)).toBe('šč');
    expect(parseHl7(latin1(body('8859/9', '\xd0\xfe\x80'))).segment('OBX')!.value(5)).toBe('Ğş\x80');
    expect(parseHl7(latin1(body('8859/15', '\xa4'))).segment('OBX')!.value(5)).toBe('€');
  });

  it('takes the first repetition of MSH-18', () => {
    expect(declaredCharset(latin1(body('UNICODE UTF-8~8859/1', 'x')))).toBe('UNICODE UTF-8');
  });

  it('warns, and falls back to the profile, for a charset it cannot decode', () => {
    const m = parseHl7(latin1(body('UNICODE UTF-16', 'x')));
    expect(m.charset.name).toBe('ISO-8859-1');
    expect(m.warnings[0]).toMatch(/UNICODE UTF-16/);
  });

  it('flags invalid UTF-8 instead of hiding it', () => {
    const m = parseHl7(latin1(body('UNICODE UTF-8', 'bad \xff byte')));
    expect(m.segment('OBX')!.value(5)).toBe('bad \ufffd byte');
    expect(m.warnings.some((w) => /U\+FFFD/.test(w))).toBe(true);
  });

  it('decodes every Latin-1 byte to the same code point, and encodes it back', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = decodeLatin1(all);
    expect([...text].map((c) => c.charCodeAt(0))).toEqual([...all]);
    expect(resolveCharset('8859/1')!.encode!(text).bytes).toEqual(all);
  });

  it('decodes a UTF-8 character split across two TCP reads', () => {
    const frame = frameMllp(utf8(body('UNICODE UTF-8', 'Zürich 血')));
    const u = frame.indexOf(0xc3); // ü is C3 BC
    const xue = frame.indexOf(0xe8); // 血 is E8 A1 80
    for (const cut of [u + 1, xue + 1, xue + 2]) {
      const session = new Hl7Session();
      const events = [...session.receive(frame.subarray(0, cut), 1).events, ...session.receive(frame.subarray(cut), 2).events];
      const message = events.find((e) => e.type === 'message');
      expect(message && message.type === 'message' && message.message.segment('OBX')!.value(5)).toBe('Zürich 血');
    }
  });
});
