/**
 * HL7 v2 escape sequences (chapter 2.7): delimiter escapes are decoded, `\Xhh…\` becomes the
 * characters its bytes spell in the message's charset, and formatting escapes (`\H\ \N\ \.br\ \.sp\`
 * …, `\Zxx\`, `\Cxxyy\`, `\Mxxyyzz\`) are kept verbatim as markers for whoever displays the text.
 */

export interface Hl7Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** HL7 2.7 truncation character (5th char of MSH-2); '' when the message declares none. */
  truncation: string;
}

export const DEFAULT_DELIMITERS: Readonly<Hl7Delimiters> = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
  truncation: '',
});

export function encodingCharacters(d: Hl7Delimiters): string {
  return d.component + d.repetition + d.escape + d.subcomponent + d.truncation;
}

export type ByteDecoder = (bytes: Uint8Array) => string;

const HEX = /^[0-9A-Fa-f]+$/;

export function unescapeHl7(raw: string, d: Hl7Delimiters, decodeBytes: ByteDecoder): string {
  const esc = d.escape;
  if (esc === '' || raw.indexOf(esc) < 0) return raw;
  let out = '';
  let i = 0;
  for (;;) {
    const start = raw.indexOf(esc, i);
    if (start < 0) break;
    const end = raw.indexOf(esc, start + 1);
    // An unterminated escape is not an escape: the text stays as sent.
    if (end < 0) break;
    out += raw.slice(i, start);
    const decoded = translate(raw.slice(start + 1, end), d, decodeBytes);
    out += decoded ?? raw.slice(start, end + 1);
    i = end + 1;
  }
  return out + raw.slice(i);
}

function translate(seq: string, d: Hl7Delimiters, decodeBytes: ByteDecoder): string | null {
  switch (seq) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'T':
      return d.subcomponent;
    case 'R':
      return d.repetition;
    case 'E':
      return d.escape;
    case 'P':
      return d.truncation === '' ? null : d.truncation;
  }
  if (seq.length >= 3 && seq.charCodeAt(0) === 0x58 /* X */ && seq.length % 2 === 1 && HEX.test(seq.slice(1))) {
    const bytes = new Uint8Array((seq.length - 1) / 2);
    for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(seq.slice(1 + 2 * k, 3 + 2 * k), 16);
    return decodeBytes(bytes);
  }
  return null;
}

/**
 * Escapes text for one atom (a sub-component, or a whole field without structure). CR and LF end
 * segments, and VT and FS are MLLP's block characters, so all four travel as `\Xhh\`.
 */
export function escapeHl7(text: string, d: Hl7Delimiters): string {
  let special = false;
  for (let i = 0; i < text.length && !special; i++) special = isSpecial(text.charAt(i), d);
  if (!special) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (d.truncation !== '' && ch === d.truncation) out += `${d.escape}P${d.escape}`;
    else if (ch === '\r' || ch === '\n' || ch === '\x0b' || ch === '\x1c') out += `${d.escape}X${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}${d.escape}`;
    else out += ch;
  }
  return out;
}

function isSpecial(ch: string, d: Hl7Delimiters): boolean {
  return (
    ch === d.escape ||
    ch === d.field ||
    ch === d.component ||
    ch === d.subcomponent ||
    ch === d.repetition ||
    (d.truncation !== '' && ch === d.truncation) ||
    ch === '\r' ||
    ch === '\n' ||
    ch === '\x0b' ||
    ch === '\x1c'
  );
}
