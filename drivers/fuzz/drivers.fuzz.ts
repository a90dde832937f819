/**
 * Fuzz targets of every driver in the registry: each DriverConnection driven like the engine
 * drives it (bytes in any pieces, stores confirmed or failed, queries answered with orders, "no
 * order" or a failed lookup, timers run at their deadlines) on random, frame-like and real
 * damaged traffic. Invariants: nothing throws or reports an internal error; what is written is
 * the protocol's own (control characters and frames whose checksums verify, or MLLP frames);
 * deadlines move on when ticked; each query is replied to at most once; results are plain data.
 */
import fc from 'fast-check';
import { ACK, EOT, NAK } from '../astm/control.ts';
import { astmCaptures, cutAt, frameChunk, isSoundStrictFrame, mutate, transmission, wireBytes, type Mutation } from '../astm/fuzz/session.fuzz.ts';
import type { DeviceSettings, DriverConnection, DriverOutput, OrderInfo, QueryAnswer } from '../driver.ts';
import { pieceArb, streamOf } from '../hl7/fuzz/hl7.fuzz.ts';
import { CR, FS, VT } from '../hl7/mllp-framer.ts';
import { DRIVERS } from '../registry.ts';
import { fuzzTarget, type FuzzTarget } from './fuzz-target.ts';

const STX = 0x02;
const ETX = 0x03;
const ENQ = 0x05;

type DriverOp =
  | { op: 'bytes'; data: Uint8Array; cuts: number[] }
  | { op: 'wait'; ms: number }
  | { op: 'store'; ok: boolean; which: number }
  | { op: 'answer'; which: number; answer: QueryAnswer }
  | { op: 'ready'; ready: boolean };

const text = fc.string({ unit: fc.constantFrom(...'AZ09|^\\&~`!é\r '.split('')), maxLength: 12 });

const orderArb: fc.Arbitrary<OrderInfo> = fc.record(
  {
    barcode: text,
    tests: fc.array(text, { maxLength: 4 }),
    specimenType: fc.constantFrom('serum', 'plasma', 'urine', 'whole blood', 'é|^'),
    priority: fc.constantFrom('routine' as const, 'stat' as const),
    patient: fc.record({ sex: fc.constantFrom('M' as const, 'F' as const, 'U' as const), birthDate: fc.constantFrom('19700101', '', '1970-01-01', '|^') }, { requiredKeys: [] }),
  },
  { requiredKeys: ['barcode', 'tests'] },
);

/** What the engine answers: the cloud's orders, "nothing ordered", or a failed lookup. */
const answerArb: fc.Arbitrary<QueryAnswer> = fc.oneof(
  fc.record({ kind: fc.constant('orders' as const), orders: fc.array(orderArb, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('error' as const), reason: text }),
);

/** Bytes an ASTM analyzer could put on the line: garbage, frames, whole transmissions, damaged real ones, and the replies it gives to ours. */
const astmBytes = fc.oneof(
  { weight: 2, arbitrary: wireBytes(120) },
  { weight: 2, arbitrary: frameChunk },
  { weight: 4, arbitrary: transmission },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.constantFrom<Mutation>({ kind: 'none' }, { kind: 'flip', at: 17, xor: 1 }, { kind: 'truncate', at: 200 })).map(([i, m]) => {
    const all = astmCaptures().filter((c) => c.bytes.length < 3000);
    return mutate(all[i % all.length].bytes, m);
  }) },
  { weight: 3, arbitrary: fc.constantFrom(Uint8Array.of(ACK), Uint8Array.of(ACK), Uint8Array.of(NAK), Uint8Array.of(EOT), Uint8Array.of(ENQ)) },
);

const hl7BytesArb = fc.array(pieceArb, { minLength: 1, maxLength: 3 }).map((pieces) => streamOf(pieces));

const opArb = (protocol: 'astm' | 'hl7'): fc.Arbitrary<DriverOp> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('bytes' as const), data: protocol === 'astm' ? astmBytes : hl7BytesArb, cuts: fc.array(fc.nat(), { maxLength: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('store' as const), ok: fc.boolean(), which: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('answer' as const), which: fc.nat(), answer: answerArb }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('ready' as const), ready: fc.boolean() }) },
  );

/** Connection settings a lab might have: defaults, another charset, QC patterns (one malformed), a barcode map, short timers. */
const settingsArb: fc.Arbitrary<DeviceSettings> = fc.oneof(
  fc.constant({}),
  fc.record(
    {
      charset: fc.constantFrom('utf-8', 'latin1', 'windows-1252', 'UNICODE UTF-8', 'nonsense'),
      timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'Not/AZone'),
      qc_patterns: fc.constant(['^QC', '('] as string[]),
      sample_id_map: fc.constant({ '1044041': 'BC-1', S1: 'BC-2' }),
      sample_id_map_key: fc.constantFrom('sample-id', 'position'),
      astm_timers: fc.constant({ receiveIdleMs: 2_000, frameReplyMs: 1_000, enqReplyMs: 1_000, interruptHoldMs: 500 }),
      framing: fc.constantFrom('strict', 'simplified', 'auto'),
      max_frame_text: fc.constantFrom(20, 240, 'x'),
      delimiters: fc.constantFrom('\\^&', '`^&', '|'),
      reply_window_ms: fc.constantFrom(100, 5_000),
    },
    { requiredKeys: [] },
  ),
);

const INTERNAL_ERROR = /^HL7 session: (while handling a received frame: )?\w*Error\b/;

/** Checks one connection's outputs as the engine would take them. */
class CheckedConnection {
  now = Date.UTC(2024, 0, 15, 9, 0, 0);
  private deadline: number | null = null;
  readonly storeIds: number[] = [];
  readonly queryIds: number[] = [];
  private readonly issued = new Set<number>();
  private readonly replied = new Set<number>();
  /** How far the traffic got, so a suite can tell that its inputs were not all refused at the door. */
  readonly reached = { results: 0, queries: 0, replies: 0, writes: 0 };

  constructor(
    readonly conn: DriverConnection,
    readonly protocol: 'astm' | 'hl7',
  ) {}

  take(out: DriverOutput, where: string): void {
    if (!Array.isArray(out.write) || !Array.isArray(out.events)) throw new Error(`${where}: output without write/events`);
    for (const w of out.write) this.checkWrite(w, where);
    this.reached.writes += out.write.length;
    if (out.nextDeadline !== null && !Number.isFinite(out.nextDeadline)) throw new Error(`${where}: deadline ${out.nextDeadline}`);
    this.deadline = out.nextDeadline;
    for (const e of out.events) {
      switch (e.type) {
        case 'results':
          if (!Number.isInteger(e.storeId) || !Array.isArray(e.results) || e.results.length === 0) throw new Error(`${where}: malformed results event`);
          for (const r of e.results) {
            for (const k of ['sampleId', 'testCode', 'testId', 'value', 'units', 'referenceRange', 'status', 'completedAtRaw'] as const) {
              if (typeof r[k] !== 'string') throw new Error(`${where}: result ${k} is ${typeof r[k]}`);
            }
            if (!Array.isArray(r.flags) || r.flags.some((f) => typeof f !== 'string')) throw new Error(`${where}: result flags are not strings`);
          }
          if (e.clockSkewMs !== undefined && !Number.isFinite(e.clockSkewMs)) throw new Error(`${where}: clock skew ${e.clockSkewMs}`);
          this.storeIds.push(e.storeId);
          this.reached.results++;
          break;
        case 'query':
          if (this.issued.has(e.queryId)) throw new Error(`${where}: query id ${e.queryId} issued twice`);
          if (!Array.isArray(e.query.sampleIds) || e.query.sampleIds.some((s) => typeof s !== 'string')) throw new Error(`${where}: malformed query`);
          this.issued.add(e.queryId);
          this.queryIds.push(e.queryId);
          this.reached.queries++;
          break;
        case 'query-replied':
          if (!this.issued.has(e.queryId)) throw new Error(`${where}: a reply to query ${e.queryId}, which was never asked`);
          if (this.replied.has(e.queryId)) throw new Error(`${where}: query ${e.queryId} replied to twice`);
          this.replied.add(e.queryId);
          this.reached.replies++;
          break;
        case 'log':
          if (INTERNAL_ERROR.test(e.message)) throw new Error(`${where}: ${e.message}`);
          break;
        case 'query-cancelled':
        case 'device-error':
          break;
        default:
          throw new Error(`${where}: unknown event ${JSON.stringify(e)}`);
      }
    }
    if (typeof this.conn.busy() !== 'boolean') throw new Error('busy() is not a boolean');
  }

  private checkWrite(w: Uint8Array, where: string): void {
    if (!(w instanceof Uint8Array) || w.length === 0) throw new Error(`${where}: a write that is not bytes`);
    if (this.protocol === 'hl7') {
      if (w[0] !== VT || w[w.length - 2] !== FS || w[w.length - 1] !== CR || w.subarray(1, w.length - 2).some((b) => b === VT || b === FS)) {
        throw new Error(`${where}: wrote something that is not one MLLP frame`);
      }
      return;
    }
    if (w.length === 1) {
      if (![ACK, NAK, EOT, ENQ].includes(w[0])) throw new Error(`${where}: wrote control byte ${w[0]}`);
      return;
    }
    const simplified = w[0] === STX && w[w.length - 1] === ETX && !w.subarray(1, w.length - 1).some((b) => b === STX || b === ETX);
    if (!simplified && !isSoundStrictFrame(w, 64_000)) throw new Error(`${where}: wrote a frame that does not verify: ${JSON.stringify(Buffer.from(w).toString('latin1'))}`);
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (let guard = 0; this.deadline !== null && this.deadline <= until; guard++) {
      if (guard > 1000) throw new Error('more than 1000 deadlines fell due in one wait');
      const at = Math.max(this.now, this.deadline);
      this.now = at;
      this.take(this.conn.tick(at), 'tick');
      if (this.deadline !== null && this.deadline <= at) throw new Error(`tick(${at}) left the deadline at ${this.deadline}`);
    }
    this.now = until;
  }

  run(op: DriverOp): void {
    switch (op.op) {
      case 'bytes':
        for (const piece of cutAt(op.data, op.cuts)) {
          this.now += 3;
          const buffer = Uint8Array.from(piece);
          const out = this.conn.receive(buffer, this.now);
          buffer.fill(0x41);
          this.take(out, 'receive');
        }
        return;
      case 'wait':
        return this.advance(op.ms);
      case 'store': {
        // Mostly a store the connection is waiting for; now and then one it never asked for.
        const id = this.storeIds.length > 0 && op.which % 4 !== 0 ? this.storeIds.splice(op.which % this.storeIds.length, 1)[0] : op.which % 5;
        return this.take(this.conn.stored(id, op.ok, this.now), 'stored');
      }
      case 'answer': {
        const id = this.queryIds.length > 0 && op.which % 4 !== 0 ? this.queryIds[op.which % this.queryIds.length] : op.which % 5;
        return this.take(this.conn.answer(id, op.answer, this.now), 'answer');
      }
      case 'ready':
        this.conn.setReceiveReady(op.ready);
        return;
    }
  }
}

export interface DriverInput {
  settings: DeviceSettings;
  ops: DriverOp[];
}

function driverTarget(key: string, runs: number): FuzzTarget<DriverInput> {
  const driver = DRIVERS[key];
  return fuzzTarget({
    name: `driver.${key}`,
    runs,
    arbitrary: () => fc.record({ settings: settingsArb, ops: fc.array(opArb(driver.protocol), { maxLength: 10 }) }),
    check: (input) => {
      runDriver(key, input);
    },
  });
}

export function runDriver(key: string, { settings, ops }: DriverInput): CheckedConnection['reached'] {
  const driver = DRIVERS[key];
  const c = new CheckedConnection(driver.connect(settings), driver.protocol);
  for (const op of ops) c.run(op);
  c.advance(120_000);
  return c.reached;
}

export const driverTargets: FuzzTarget<DriverInput>[] = Object.keys(DRIVERS).map((key) => driverTarget(key, 1_500));
