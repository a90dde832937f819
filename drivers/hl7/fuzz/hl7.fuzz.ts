/**
 * Fuzz targets of the HL7 v2 / MLLP engine: the streaming framer against a byte-at-a-time
 * reference, the parser and every reader above it on any text, and the session on random and
 * damaged traffic. Invariants: nothing throws (the session never reports an internal error),
 * bounded memory, bounded work, every frame written is a well-formed MLLP frame, and no message
 * is delivered that was not sent between a VT and an FS.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ackRequest, buildAck, plannedAcks, readAck } from '../ack.ts';
import { dh36Oru } from '../fixtures/dh36-oru.ts';
import { readErbaLog } from '../fixtures/erba-log.ts';
import { parseHostQuery } from '../host-query.ts';
import { messageKind } from '../message-kind.ts';
import { CR, frameMllp, FS, MllpFramer, TOO_LARGE_HEAD_BYTES, VT, type FramerItem } from '../mllp-framer.ts';
import { extractOruResults } from '../oru-results.ts';
import { Hl7ParseError, parseHl7, type Hl7Message } from '../parse.ts';
import { Hl7Session, type Hl7Event } from '../session.ts';
import { fuzzTarget, type FuzzTarget } from '../../fuzz/fuzz-target.ts';
import { concat, cutAt } from '../../testing/bytes.ts';

// --- real traffic --------------------------------------------------------------------------

let realMessages: Uint8Array[] | null = null;

/** Whole messages (between VT and FS) from the Erba ELite 580 capture, and DH36-like ORUs. */
export function hl7Messages(): Uint8Array[] {
  if (realMessages) return realMessages;
  const log = readErbaLog(readFileSync(new URL('../fixtures/astmio_erba_elite580_HL7_MLLP_log.txt', import.meta.url), 'latin1'));
  const stream = Buffer.concat(log.analyzerReads);
  const out: Uint8Array[] = [];
  for (let at = stream.indexOf(VT); at >= 0; at = stream.indexOf(VT, at + 1)) {
    const end = stream.indexOf(FS, at + 1);
    if (end < 0) break;
    // Every fourth: enough kinds of message, and each case stays small.
    if (out.length < 40 && stream.indexOf(VT, at + 1) > end) out.push(new Uint8Array(stream.subarray(at + 1, end)));
  }
  const enc = new TextEncoder();
  out.push(enc.encode(dh36Oru(0).text), enc.encode(dh36Oru(7).text));
  out.push(enc.encode('MSH|^~\\&|DH36|Dymind|||20250628173333||ORM^O01|Q1|P|2.3.1||||||UNICODE\rORC|RF||25000001||IP\r'));
  out.push(enc.encode('MSH|^~\\&|BS|Mindray|||20250628173333||QRY^Q02|Q2|P|2.3.1||||||ASCII\rQRD|20250628||R|Q2|||RD|25000002^ALL|OTH|||T\rQRF|BS||||\r'));
  out.push(enc.encode('MSH|^~\\&|DH36|Dymind|||20250628173333||ACK^R01|A1|P|2.3.1\rMSA|AA|L1\r'));
  out.push(enc.encode('MSH|^~\\&|X|Y|||20250628173333||ORU^R01|E1|P|2.5|||AL|NE\rOBR|1||S1\rOBX|1|NM|WBC||5.0|10*3/uL|4-10|N|||F\r'));
  realMessages = out;
  return out;
}

// --- byte-level inputs ---------------------------------------------------------------------

const HL7_BYTES = [VT, FS, CR, 0x0a, 0x7c, 0x5e, 0x7e, 0x5c, 0x26, 0x4d, 0x53, 0x48, 0x00, 0xff, 0xc3, 0xa9];
export const hl7Byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...HL7_BYTES));
const hl7Bytes = (maxLength: number) => fc.array(hl7Byte, { maxLength }).map((a) => Uint8Array.from(a));

/** MSH-18 values: table 0211 names, Encoding Standard labels, ones we refuse, nonsense. */
const DECLARED = ['', 'ASCII', '8859/1', '8859/2', '8859/15', 'UNICODE', 'UNICODE UTF-8', 'UNICODE UTF-16', 'GB 18030-2000', 'BIG-5', 'KS X 1001', 'ISO IR87', 'windows-1250', 'utf-16le', 'x-user-defined', 'nonsense', '8859/99'];

/** A header declaring a charset (MSH-18), then any bytes: the decoders get what they were not made for. */
const declaredBytes = fc
  .tuple(fc.constantFrom(...DECLARED), fc.constantFrom('ORU^R01', 'ORM^O01', 'QRY^Q02', 'ACK^R01'), hl7Bytes(200))
  .map(([charset, type, rest]) => concat([new TextEncoder().encode(`MSH|^~\\&|X|Y|||20250101||${type}|C1|P|2.3.1||||||${charset}\r`), rest]));


export type Hl7Mutation =
  | { kind: 'none' }
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const mutationArb: fc.Arbitrary<Hl7Mutation> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: hl7Bytes(6) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

export function mutateBytes(bytes: Uint8Array, m: Hl7Mutation): Uint8Array {
  const at = m.kind === 'none' ? 0 : m.at % (bytes.length + 1);
  switch (m.kind) {
    case 'none': return bytes;
    case 'flip': {
      const out = bytes.slice();
      if (out.length > 0) out[at % out.length] ^= m.xor;
      return out;
    }
    case 'insert': return concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    case 'delete': return concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case 'truncate': return bytes.subarray(0, at);
  }
}

/** One piece of a stream: a real message (framed, perhaps damaged), noise, or a bare VT/FS/CR. */
export type Piece = { kind: 'message'; which: number; mutation: Hl7Mutation; framed: boolean } | { kind: 'noise'; bytes: Uint8Array };

export const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('message' as const), which: fc.nat(), mutation: mutationArb, framed: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('noise' as const), bytes: fc.oneof(hl7Bytes(60), fc.constantFrom(Uint8Array.of(VT), Uint8Array.of(FS), Uint8Array.of(FS, CR), Uint8Array.of(CR, 0x0a))) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('noise' as const), bytes: declaredBytes.map((b) => frameMllp(b.filter((x) => x !== VT && x !== FS))) }) },
);

/** `shortMessages`: each real message cut to its first 300 bytes, for targets that read only the framing. */
export function streamOf(pieces: Piece[], shortMessages = false): Uint8Array {
  const all = hl7Messages();
  return concat(
    pieces.map((p) => {
      if (p.kind === 'noise') return p.bytes;
      const whole = all[p.which % all.length];
      const body = shortMessages ? whole.subarray(0, 300) : whole;
      return p.framed ? mutateBytes(frameMllp(body), p.mutation) : frameMllp(mutateBytes(body, p.mutation));
    }),
  );
}

// --- the framer against a reference --------------------------------------------------------

type Whole = { type: 'frame'; bytes: string } | { type: 'frame-too-large'; size: number; head: string; complete: boolean };

/**
 * MLLP read one byte at a time, as the standard says it, with no care for speed: the frames and
 * over-long frames any correct framer yields, however the stream was cut.
 */
export function referenceFrames(stream: Uint8Array, max: number): Whole[] {
  const out: Whole[] = [];
  let state: 'between' | 'in' | 'after' = 'between';
  let body: number[] = [];
  const close = (complete: boolean) => {
    if (body.length > max) out.push({ type: 'frame-too-large', size: body.length, head: Buffer.from(body.slice(0, TOO_LARGE_HEAD_BYTES)).toString('latin1'), complete });
    else if (complete) out.push({ type: 'frame', bytes: Buffer.from(body).toString('latin1') });
    body = [];
  };
  for (const b of stream) {
    if (state === 'after') {
      state = 'between';
      if (b === CR) continue;
    }
    if (state === 'between') {
      if (b === VT) state = 'in';
      continue;
    }
    if (b === VT) close(false);
    else if (b === FS) {
      close(true);
      state = 'after';
    } else body.push(b);
  }
  return out;
}

function wholeItems(items: FramerItem[]): Whole[] {
  const out: Whole[] = [];
  for (const i of items) {
    if (i.type === 'frame') out.push({ type: 'frame', bytes: Buffer.from(i.bytes).toString('latin1') });
    else if (i.type === 'frame-too-large') out.push({ type: 'frame-too-large', size: i.size, head: Buffer.from(i.head).toString('latin1'), complete: i.complete });
  }
  return out;
}

/** What the framer holds: a test-only look inside (its memory bound cannot be seen from outside). */
function heldBytes(framer: MllpFramer): number {
  const inside = framer as unknown as { parts?: Uint8Array[]; head?: Uint8Array };
  if (!Array.isArray(inside.parts) || !(inside.head instanceof Uint8Array)) throw new Error('MllpFramer internals changed: update heldBytes() of the fuzz suite');
  return inside.parts.reduce((n, p) => n + p.length, 0) + inside.head.length;
}

export interface FramerInput {
  pieces: Piece[];
  max: number;
  cuts: number[];
}

export const framer: FuzzTarget<FramerInput> = fuzzTarget({
  name: 'hl7-mllp.framer',
  runs: 10_000,
  arbitrary: () =>
    fc.record({
      pieces: fc.array(pieceArb, { maxLength: 8 }),
      max: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.constant(1024 * 1024)),
      cuts: fc.array(fc.nat(), { maxLength: 16 }),
    }),
  check: ({ pieces, max, cuts }) => {
    const stream = streamOf(pieces, true);
    const f = new MllpFramer(max);
    const items: FramerItem[] = [];
    for (const piece of cutAt(stream, cuts)) {
      // The framer may keep views of a chunk only until push returns: the caller reuses its buffer.
      const buffer = Uint8Array.from(piece);
      const got = f.push(buffer);
      buffer.fill(0x41);
      if (got.length > piece.length + 1) throw new Error(`${got.length} items for a ${piece.length}-byte chunk`);
      for (const i of got) items.push(i.type === 'frame' ? { type: 'frame', bytes: i.bytes.slice() } : i);
      const held = heldBytes(f);
      if (held > max + TOO_LARGE_HEAD_BYTES) throw new Error(`the framer holds ${held} bytes, limit ${max}`);
    }
    const expected = referenceFrames(stream, max);
    const actual = wholeItems(items);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(`framer yielded ${JSON.stringify(actual).slice(0, 300)}; the reference ${JSON.stringify(expected).slice(0, 300)}`);
    }
  },
});

// --- the parser and the readers above it ---------------------------------------------------

const textUnit = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'|^~\\&#MSHPIDOBRXACQ0123456789 .-+<>=eé\r\n'.split('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\\F\\', '\\S\\', '\\T\\', '\\R\\', '\\E\\', '\\X0D\\', '\\XC3A9\\', '\\Xzz\\', '\\H\\', '\\N\\', '\\.br\\', '\\Z1\\', '\\C2842\\', '\\M', 'MSH|', '\rOBX|', '\rOBR|1||', '\rORC|RF||', '\rQRD|||||||', '\rMSA|AA|') },
);
const textArb = fc.oneof(
  fc.array(textUnit, { maxLength: 80 }).map((u) => u.join('')),
  fc.tuple(fc.constantFrom('MSH|^~\\&|', 'MSH|^~\\&#|', 'MSH#^~\\&#', 'MSH|^|', 'MSH|^~\\&|X|Y|||1||ORU^R01|', 'MSH|^~\\&|X|Y|||1||ORM^O01|'), fc.array(textUnit, { maxLength: 80 })).map(([h, u]) => h + u.join('')),
);

export interface ParseInput {
  input: { text: string } | { which: number; mutation: Hl7Mutation } | { bytes: Uint8Array };
  charset: string;
}

/** Reads everything a driver or the session could read from a message; any throw is a failure. */
export function readEverything(m: Hl7Message): void {
  const sep = m.delimiters.field;
  // Every reader on the first segments (the walk is quadratic-ish in fields); the drivers' readers on all of them.
  for (const s of m.segments.slice(0, 8)) {
    const fields = s.fields;
    // The segment is exactly its fields, joined (MSH-1 is the separator itself).
    const joined = s.name === 'MSH' && fields[0] === 'MSH' ? ['MSH', ...fields.slice(2)].join(sep) : fields.join(sep);
    if (s.name !== '' && joined !== s.raw) throw new Error(`segment ${JSON.stringify(s.raw.slice(0, 60))} is not its fields ${JSON.stringify(fields.slice(0, 6))} joined`);
    for (let n = 0; n <= Math.min(s.fieldCount + 1, 24); n++) {
      s.field(n);
      s.values(n);
      s.text(n);
      const reps = s.repetitions(n);
      for (let r = 1; r <= Math.min(reps.length + 1, 3); r++) {
        const comps = s.components(n, r);
        s.text(n, r);
        for (let c = 1; c <= Math.min(comps.length + 1, 5); c++) {
          s.value(n, r, c);
          s.value(n, r, c, 2);
        }
      }
    }
    s.decode(s.raw);
  }
  void [m.controlId, m.messageCode, m.triggerEvent, m.messageType, m.version, m.decode(m.header.raw)];
  messageKind(m);
  extractOruResults(m);
  parseHostQuery(m);
  readAck(m);
  const request = ackRequest(m);
  for (const outcome of ['AA', 'AE', 'AR'] as const) plannedAcks(request, outcome);
  const ack = buildAck(m, { code: 'AE', controlId: 'X1', now: 0, reason: 'fuzz' });
  // Our ACK to anything must itself parse and name the message it answers.
  const back = parseHl7(ack);
  if (back.segment('MSA')?.value(2) !== m.header.value(10)) throw new Error(`the ACK ${JSON.stringify(ack)} does not name MSH-10 ${JSON.stringify(m.header.value(10))}`);
}

export const parser: FuzzTarget<ParseInput> = fuzzTarget({
  name: 'hl7-parse.any-text',
  runs: 10_000,
  arbitrary: () =>
    fc.record({
      input: fc.oneof(fc.record({ text: textArb }), fc.record({ which: fc.nat(), mutation: mutationArb }), fc.record({ bytes: declaredBytes })),
      charset: fc.constantFrom('8859/1', 'UNICODE UTF-8', 'utf-8', 'GB 18030-2000', 'ISO IR87', 'nonsense'),
    }),
  check: ({ input, charset }) => {
    const all = hl7Messages();
    let message: Hl7Message;
    try {
      message =
        'text' in input ? parseHl7(input.text, { charset })
        : 'bytes' in input ? parseHl7(input.bytes, { charset })
        : parseHl7(mutateBytes(all[input.which % all.length], input.mutation), { charset });
    } catch (e) {
      if (e instanceof Hl7ParseError) return;
      throw e;
    }
    if (message.segments.length === 0 || message.segments[0].name !== 'MSH') throw new Error('a parsed message does not start with MSH');
    readEverything(message);
  },
});

// --- the session ---------------------------------------------------------------------------

type SessionOp =
  | { op: 'bytes'; pieces: Piece[]; cuts: number[] }
  | { op: 'answer'; how: 'stored' | 'failed' | 'AE' | 'AR' | 'reply'; which: number }
  | { op: 'send'; which: number }
  | { op: 'wait'; ms: number };

const sessionOpArb: fc.Arbitrary<SessionOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('bytes' as const), pieces: fc.array(pieceArb, { minLength: 1, maxLength: 3 }), cuts: fc.array(fc.nat(), { maxLength: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('answer' as const), how: fc.constantFrom('stored' as const, 'failed' as const, 'AE' as const, 'AR' as const, 'reply' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('send' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 30_000 }) }) },
);

export interface SessionInput {
  maxFrameBytes: number;
  ops: SessionOp[];
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength));
}

export const session: FuzzTarget<SessionInput> = fuzzTarget({
  name: 'hl7-session.random-traffic',
  runs: 6_000,
  arbitrary: () => fc.record({ maxFrameBytes: fc.oneof(fc.integer({ min: 16, max: 800 }), fc.constant(1024 * 1024)), ops: fc.array(sessionOpArb, { maxLength: 8 }) }),
  check: ({ maxFrameBytes, ops }) => {
    const s = new Hl7Session({ maxFrameBytes, ackTimeoutMs: 5_000 });
    let now = 1_000;
    const open: number[] = [];
    const answered = new Set<number>();
    const issued = new Set<number>();
    const queued = new Set<number>();
    const finished = new Set<number>();
    let sent: Uint8Array = new Uint8Array(0);
    let bytesIn = 0;
    let eventsOut = 0;
    let calls = 0;
    const take = (out: ReturnType<Hl7Session['receive']>, where: string) => {
      calls++;
      eventsOut += out.events.length;
      if (eventsOut > 4 * bytesIn + 20 * calls) throw new Error(`${eventsOut} events for ${bytesIn} bytes in ${calls} calls`);
      if (out.nextDeadline !== null && !(Number.isFinite(out.nextDeadline) && out.nextDeadline > now - 1)) throw new Error(`deadline ${out.nextDeadline} at ${now}`);
      for (const w of out.write) {
        if (w.length < 3 || w[0] !== VT || w[w.length - 2] !== FS || w[w.length - 1] !== CR) throw new Error(`${where}: wrote a frame that is not VT … FS CR`);
        const inner = w.subarray(1, w.length - 2);
        if (inner.includes(VT) || inner.includes(FS)) throw new Error(`${where}: a written message holds VT or FS`);
        parseHl7(inner);
      }
      for (const e of out.events as Hl7Event[]) {
        if (e.type === 'internal-error') throw new Error(`${where}: internal error: ${e.reason}`);
        if (e.type === 'send-queued') queued.add(e.sendId);
        if (e.type === 'send-acked' || e.type === 'send-failed' || e.type === 'send-retry') {
          // Our sends: events only for queued ones, and one end each (acknowledged, or failed).
          if (!queued.has(e.sendId)) throw new Error(`${where}: ${e.type} for send ${e.sendId}, never queued`);
          if (finished.has(e.sendId)) throw new Error(`${where}: ${e.type} for send ${e.sendId} after it had ended`);
          if (e.type !== 'send-retry') finished.add(e.sendId);
        }
        if (e.type === 'message') {
          // Nothing is delivered that was not sent, whole, between a VT and an FS.
          const framed = concat([Uint8Array.of(VT), e.raw, Uint8Array.of(FS)]);
          if (indexOf(sent, framed) < 0) throw new Error(`${where}: delivered a message that was not sent between VT and FS`);
          if (e.raw.length > maxFrameBytes) throw new Error(`${where}: delivered a ${e.raw.length}-byte message over the ${maxFrameBytes}-byte limit`);
          if (e.answer !== 'none') open.push(e.storeId);
          issued.add(e.storeId);
        }
      }
    };
    for (const op of ops) {
      switch (op.op) {
        case 'bytes': {
          const stream = streamOf(op.pieces);
          sent = concat([sent, stream]);
          for (const chunk of cutAt(stream, op.cuts)) {
            bytesIn += chunk.length;
            const buffer = Uint8Array.from(chunk);
            const out = s.receive(buffer, now);
            buffer.fill(0x41);
            take(out, 'receive');
          }
          break;
        }
        case 'answer': {
          // Now and then an id answered already, to see the second answer refused.
          const id = open.length > 0 && op.which % 5 !== 0 ? open.splice(op.which % open.length, 1)[0] : op.which % 7;
          const before = answered.has(id);
          if (issued.has(id)) answered.add(id);
          const out =
            op.how === 'stored' ? s.stored(id, true, now)
            : op.how === 'failed' ? s.stored(id, false, now)
            : op.how === 'reply' ? s.reply(id, `MSH|^~\\&|LIS||||||ORR^O02|R${id}|P|2.3.1\rMSA|AA|X\r`, now)
            : s.reject(id, op.how, 'fuzz', now);
          if (before && out.write.length > 0) throw new Error(`storeId ${id} was answered twice on the wire`);
          take(out, `answer ${op.how}`);
          break;
        }
        case 'send': {
          const all = hl7Messages();
          take(s.send(new TextDecoder('latin1').decode(all[op.which % all.length]), now), 'send');
          break;
        }
        case 'wait':
          now += op.ms;
          take(s.tick(now), 'tick');
          break;
      }
    }
    take(s.close(now), 'close');
  },
});

export const hl7Targets = [framer, parser, session];
