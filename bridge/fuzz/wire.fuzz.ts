/**
 * Fuzz targets of the bridge wire codec (shared/bridge-wire.ts), the first code any page's bytes
 * reach: `parsePageMessage` on any text, and `decodeData` on any bytes. Neither may throw; what
 * they accept must be exactly the protocol's shapes, checked here by an independent reading.
 */
import fc from 'fast-check';
import { BIN_HEADER, BIN_KIND_DATA, decodeData, encodeData, parsePageMessage } from '../../shared/bridge-wire.ts';
import { fuzzTarget, type FuzzTarget } from '../../drivers/fuzz/fuzz-target.ts';

/** Values of every JSON type, and the ones that look right but are not (a port as a string, 1.5, 70000…). */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, 1, -1, 1.5, 80, 15003, 65535, 65536, 1e21, '', '1', '15003', 'server', 'client', 'proxy', [], {}, [1], ['a'], [1, '1']),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
);

const pageShaped: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ t: fc.constant('hello'), wire: fc.oneof(fc.constant([1]), anyValue), token: fc.oneof(fc.string({ maxLength: 40 }), anyValue), app: anyValue, takeover: anyValue }, { requiredKeys: ['t'] }),
  fc.record({
    t: fc.constant('open-device'),
    spec: fc.oneof(
      anyValue,
      fc.record(
        {
          device: fc.oneof(fc.string({ maxLength: 8 }), anyValue),
          mode: fc.oneof(fc.constantFrom('server', 'client'), anyValue),
          port: fc.oneof(fc.integer({ min: -2, max: 70_000 }), anyValue),
          host: fc.oneof(fc.constantFrom('127.0.0.1', '0.0.0.0', '::', '10.0.0.5', 'localhost', ''), anyValue),
          allowedPeers: fc.oneof(fc.array(fc.string({ maxLength: 15 }), { maxLength: 3 }), anyValue),
        },
        { requiredKeys: [] },
      ),
    ),
  }, { requiredKeys: ['t'] }),
  fc.record({ t: fc.constant('close-device'), device: anyValue }, { requiredKeys: ['t'] }),
  fc.record({ t: fc.constant('disconnect'), conn: anyValue }, { requiredKeys: ['t'] }),
  fc.record({ t: anyValue }),
  fc.dictionary(fc.constantFrom('t', '__proto__', 'constructor', 'spec', 'toString'), anyValue),
);

/** Any text a page could send in a text frame: JSON of the protocol's shapes (right and wrong), other JSON, not JSON. */
export const pageText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: pageShaped.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom('{"t":"hello","__proto__":{"polluted":1},"wire":[1],"token":"x"}', '{"t":"open-device","spec":{"device":"1","mode":"server","port":1e3}}', '[{"t":"hello"}]', '"hello"', '{"t":"hello","wire":[1],"token":"x"}garbage', '\uFEFF{"t":"disconnect","conn":1}') },
);

/** The protocol's shapes, read independently of the codec. */
function isPageMessage(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const m = v as Record<string, unknown>;
  switch (m.t) {
    case 'hello':
      return Array.isArray(m.wire) && m.wire.every((x) => typeof x === 'number') && typeof m.token === 'string';
    case 'open-device': {
      const s = m.spec;
      if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
      const spec = s as Record<string, unknown>;
      return (
        typeof spec.device === 'string' &&
        (spec.mode === 'server' || spec.mode === 'client') &&
        typeof spec.port === 'number' && Number.isInteger(spec.port) && spec.port >= 1 && spec.port <= 65535 &&
        (spec.host === undefined || typeof spec.host === 'string') &&
        (spec.allowedPeers === undefined || (Array.isArray(spec.allowedPeers) && spec.allowedPeers.every((p) => typeof p === 'string')))
      );
    }
    case 'close-device':
      return typeof m.device === 'string';
    case 'disconnect':
      return typeof m.conn === 'number' && Number.isInteger(m.conn);
    default:
      return false;
  }
}

export const parsePage: FuzzTarget<string> = fuzzTarget({
  name: 'bridge-wire.parse-page-message',
  runs: 12_000,
  arbitrary: () => pageText,
  check: (text) => {
    const parsed = parsePageMessage(text);
    let json: unknown;
    let isJson = true;
    try {
      json = JSON.parse(text);
    } catch {
      isJson = false;
    }
    const expected = isJson && isPageMessage(json);
    if ((parsed !== null) !== expected) throw new Error(`parsePageMessage(${JSON.stringify(text)}) gave ${JSON.stringify(parsed)}; a page message: ${expected}`);
    if ((Object.prototype as Record<string, unknown>).polluted !== undefined) throw new Error('Object.prototype was polluted');
  },
});

export interface DecodeInput {
  bytes: Uint8Array;
  /** Where the bytes sit in a larger buffer (ws hands out views into pooled buffers). */
  offset: number;
}

export const decode: FuzzTarget<DecodeInput> = fuzzTarget({
  name: 'bridge-wire.decode-data',
  runs: 8_000,
  arbitrary: () =>
    fc.record({
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.tuple(fc.nat({ max: 0xffffffff }), fc.double(), fc.uint8Array({ maxLength: 64 })).map(([conn, at, payload]) => encodeData(conn, at, payload)),
      ),
      offset: fc.nat(7),
    }),
  check: ({ bytes, offset }) => {
    const pool = new Uint8Array(offset + bytes.length + 5).fill(0xa5);
    pool.set(bytes, offset);
    const view = pool.subarray(offset, offset + bytes.length);
    const frame = decodeData(view);
    const expected = bytes.length >= BIN_HEADER && bytes[0] === BIN_KIND_DATA;
    if ((frame !== null) !== expected) throw new Error(`decodeData gave ${frame === null ? 'null' : 'a frame'} for ${bytes.length} bytes starting ${bytes[0]}`);
    if (frame === null) return;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = dv.getFloat64(5);
    if (frame.conn !== dv.getUint32(1) || !Object.is(frame.at, at)) throw new Error(`header read as conn ${frame.conn} at ${frame.at}`);
    if (Buffer.compare(Buffer.from(frame.payload), Buffer.from(bytes.subarray(BIN_HEADER))) !== 0) throw new Error('payload differs');
    const again = decodeData(encodeData(frame.conn, frame.at, frame.payload));
    if (again === null || again.conn !== frame.conn || !Object.is(again.at, frame.at) || Buffer.compare(Buffer.from(again.payload), Buffer.from(frame.payload)) !== 0) {
      throw new Error('encodeData(decodeData(x)) does not read back the same');
    }
  },
});

export const wireTargets = [parsePage, decode];
