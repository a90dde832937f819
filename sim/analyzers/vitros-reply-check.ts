/**
 * What a VITROS (LIS2-A) accepts as a host's order download, checked byte by byte. Written from
 * the analyzer's side and independently of drivers/ on purpose: the driver's replies are judged by
 * a second reading of the rules, not by the code that wrote them.
 *
 * The rules: E1381 frames (`STX FN text ETX|ETB C1 C2 CR LF`), frame numbers 1..7, 0, 1… with
 * correct checksums, ONE record per frame (a record may continue over ETB frames; the ETX frame
 * ends it with its CR); records H, P, O…, L; header `H|\^&` version `LIS2-A` with a timestamp;
 * each O with a specimen id, wrapped assay ids `^^^<dil>+<code>+<dil>` (further repeats either
 * the same or the compact `<code>+<dil>`), body fluid in O-16, report type `O` in O-26; the L
 * code N after orders, I (no information) or Q (error in last query) after a bare header.
 * Both host replies VITROS rejected in the field (all records in one frame, stray frame digits
 * inside the text) fail here.
 */

const STX = 0x02;
const ETX = 0x03;
const ETB = 0x17;
const ENQ = 0x05;
const EOT = 0x04;
const CR = 0x0d;
const LF = 0x0a;

const WRAPPED_ASSAY = /^\^\^\^\d+(?:\.\d+)?\+\d+\+\d+(?:\.\d+)?$/;
const COMPACT_ASSAY = /^\d+\+\d+(?:\.\d+)?$/;

export interface VitrosReply {
  records: string[];
  /** L-3 of the terminator (N, I, Q…), or null when there is none. */
  terminator: string | null;
  /** Specimen ids and their assay codes, per O record. */
  orders: Array<{ sampleId: string; assays: string[]; priority: string; bodyFluid: string }>;
}

/** Reads the frames; problems are pushed, the records found are returned. */
function readFrames(bytes: Uint8Array, problems: string[]): string[] {
  const records: string[] = [];
  let expected = 1;
  let carry = '';
  let i = 0;
  let frame = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === ENQ || b === EOT) {
      i++;
      continue;
    }
    if (b !== STX) {
      problems.push(`byte 0x${b.toString(16).padStart(2, '0')} at ${i} is outside any frame`);
      i++;
      continue;
    }
    frame++;
    let end = i + 1;
    while (end < bytes.length && bytes[end] !== ETX && bytes[end] !== ETB && bytes[end] !== STX) end++;
    if (end >= bytes.length || bytes[end] === STX) {
      problems.push(`frame ${frame}: no ETX or ETB`);
      i = end;
      continue;
    }
    const fnByte = bytes[i + 1];
    const fn = fnByte - 0x30;
    if (fn < 0 || fn > 7) problems.push(`frame ${frame}: no frame number (starts with 0x${fnByte.toString(16)})`);
    else if (fn !== expected) problems.push(`frame ${frame}: frame number ${fn} where ${expected} was due`);
    expected = (expected + 1) % 8;
    let sum = 0;
    for (let k = i + 1; k <= end; k++) sum = (sum + bytes[k]) & 0xff;
    const want = sum.toString(16).toUpperCase().padStart(2, '0');
    const got = String.fromCharCode(bytes[end + 1] ?? 0, bytes[end + 2] ?? 0);
    if (got !== want) problems.push(`frame ${frame}: checksum ${JSON.stringify(got)} where ${want} is right`);
    if (bytes[end + 3] !== CR || bytes[end + 4] !== LF) problems.push(`frame ${frame}: not ended by CR LF after its checksum`);
    const text = String.fromCharCode(...bytes.subarray(i + 2, end));
    const last = bytes[end] === ETX;
    const crs = [...text].filter((c) => c === '\r').length;
    if (last) {
      if (!text.endsWith('\r')) problems.push(`frame ${frame}: its record does not end with CR before ETX`);
      if (crs > 1) problems.push(`frame ${frame}: holds ${crs} records; VITROS takes one record per frame`);
    } else if (crs > 0) {
      problems.push(`frame ${frame}: an ETB frame must continue one record, but it holds a CR`);
    }
    carry += text;
    if (last) {
      for (const r of carry.split('\r')) if (r !== '') records.push(r);
      carry = '';
    }
    i = Math.min(bytes.length, end + 5);
  }
  if (carry !== '') problems.push('the last record was not ended by an ETX frame');
  if (frame === 0) problems.push('no frame at all');
  return records;
}

function checkHeader(h: string | undefined, problems: string[]): void {
  if (h === undefined) return;
  if (!h.startsWith('H|\\^&|')) {
    problems.push(`the first record is not a header with delimiters |\\^& (${JSON.stringify(h.slice(0, 12))})`);
    return;
  }
  const f = h.split('|');
  if (f[12] !== 'LIS2-A') problems.push(`H-13 is ${JSON.stringify(f[12] ?? '')}, not LIS2-A`);
  if (!/^\d{14}$/.test(f[13] ?? '')) problems.push(`H-14 is ${JSON.stringify(f[13] ?? '')}, not a YYYYMMDDHHMMSS timestamp`);
}

function checkOrder(o: string, n: number, problems: string[], out: VitrosReply['orders']): void {
  const f = o.split('|');
  const where = `O record ${n}`;
  const sampleId = (f[2] ?? '').split('^')[0];
  if (sampleId === '') problems.push(`${where}: no specimen id in O-3`);
  const repeats = (f[4] ?? '').split('\\');
  const assays: string[] = [];
  repeats.forEach((t, i) => {
    if (WRAPPED_ASSAY.test(t)) assays.push(t.slice(3).split('+')[1]);
    else if (i > 0 && COMPACT_ASSAY.test(t)) assays.push(t.split('+')[0]);
    else problems.push(`${where}: O-5 repeat ${i + 1} ${JSON.stringify(t)} is not an assay id ^^^<dil>+<code>+<dil>`);
  });
  const priority = f[5] ?? '';
  if (!['R', 'S', 'A', ''].includes(priority)) problems.push(`${where}: priority ${JSON.stringify(priority)} is not R, S or A`);
  const bodyFluid = f[15] ?? '';
  if (!/^\d*$/.test(bodyFluid)) problems.push(`${where}: body fluid (O-16) ${JSON.stringify(bodyFluid)} is not a code`);
  if ((f[25] ?? '') !== 'O') problems.push(`${where}: report type (O-26) is ${JSON.stringify(f[25] ?? '')}, not O`);
  out.push({ sampleId, assays, priority, bodyFluid });
}

/** Reads a host reply; `problems` empty means the analyzer takes it. */
export function readVitrosReply(bytes: Uint8Array): { problems: string[]; reply: VitrosReply } {
  const problems: string[] = [];
  const records = readFrames(bytes, problems);
  const orders: VitrosReply['orders'] = [];
  let terminator: string | null = null;
  checkHeader(records[0], problems);
  let lastType = 'H';
  records.slice(1).forEach((r, i) => {
    const type = r.split('|')[0];
    if (!['P', 'O', 'C', 'L'].includes(type)) {
      problems.push(`record ${i + 2} has type ${JSON.stringify(type)}${/^\d[A-Z]$/.test(type) ? ' (a frame number leaked into the text)' : ''}`);
      return;
    }
    if (lastType === 'L') problems.push(`record ${i + 2} follows the terminator`);
    if (type === 'O') {
      if (lastType !== 'P' && lastType !== 'O' && lastType !== 'C') problems.push(`record ${i + 2}: an O without its P`);
      checkOrder(r, orders.length + 1, problems, orders);
    }
    if (type === 'L') terminator = r.split('|')[2] ?? '';
    lastType = type;
  });
  if (records.length > 0 && terminator === null) problems.push('no terminator (L) record');
  if (terminator === 'N' && orders.length === 0) problems.push('L|1|N with no order: "no order" is L|1|I');
  if ((terminator === 'I' || terminator === 'Q') && orders.length > 0) problems.push(`L|1|${terminator} after orders`);
  if (terminator !== null && !['N', 'I', 'Q'].includes(terminator)) problems.push(`terminator code ${JSON.stringify(terminator)} is not N, I or Q`);
  return { problems, reply: { records, terminator, orders } };
}

/** Why a VITROS would refuse these bytes as an order reply; empty when it takes them. */
export function vitrosReplyProblems(bytes: Uint8Array): string[] {
  return readVitrosReply(bytes).problems;
}
