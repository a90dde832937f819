/**
 * Fuzz target of the bridge's WebSocket handler, against the real bridge process: a page with
 * the right origin and token attaches, then sends a batch of fuzzed text and binary frames. After
 * each batch the bridge must still be alive, must have answered only in its protocol, must
 * answer /health, and a good page must still attach.
 *
 * The bridge runs with `--allow-listen <one free port>`: fuzzed `open-device` messages then either
 * open that one listener or are refused, and never open sockets elsewhere on the machine.
 */
import fc from 'fast-check';
import { connect } from 'node:net';
import { BIN_KIND_DATA, encodeData } from '../../shared/bridge-wire.ts';
import type { AsyncFuzzTarget } from '../../drivers/fuzz/fuzz-target.ts';
import { health, TestPage, type BridgeUnderTest } from '../testing/bridge-page.ts';
import { pageText } from './wire.fuzz.ts';

export type WsFrame = { text: string } | { binary: Uint8Array };

export interface WsBatch {
  frames: WsFrame[];
}

export interface WsContext {
  bridge: BridgeUnderTest;
  /** The port fuzzed open-device messages may open (devices a, b, c). */
  allowedPort: number;
  /** Another allowed port, where the device `analyzer` listens with an analyzer connected during each batch. */
  analyzerPort: number;
}

/** Frames a page could send once attached: protocol messages right and wrong, data for connections that exist or not, garbage. */
export function wsFrameArb(allowedPort: number): fc.Arbitrary<WsFrame> {
  // Conn ids 1-12 reach the analyzer connections of the first batches, and ids that are gone.
  const openAllowed = fc.record({ device: fc.constantFrom('a', 'b', 'c'), host: fc.constantFrom(undefined, '127.0.0.1', '') }).map(({ device, host }) => ({
    text: JSON.stringify({ t: 'open-device', spec: { device, mode: 'server', port: allowedPort, ...(host === undefined ? {} : { host }) } }),
  }));
  return fc.oneof(
    { weight: 6, arbitrary: pageText.map((text) => ({ text })) },
    { weight: 1, arbitrary: openAllowed },
    { weight: 1, arbitrary: fc.constantFrom('a', 'b', 'c', 'zz').map((device) => ({ text: JSON.stringify({ t: 'close-device', device }) })) },
    { weight: 1, arbitrary: fc.integer({ min: -1, max: 12 }).map((conn) => ({ text: JSON.stringify({ t: 'disconnect', conn }) })) },
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }).map((binary) => ({ binary })) },
    { weight: 3, arbitrary: fc.tuple(fc.nat(12), fc.double(), fc.uint8Array({ maxLength: 2048 })).map(([conn, at, payload]) => ({ binary: encodeData(conn, at, payload) })) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 13, maxLength: 40 }).map((b) => ({ binary: Uint8Array.from([BIN_KIND_DATA, ...b.subarray(1)]) })) },
  );
}

/** What the bridge may say: the messages of the protocol, each with its fields. */
function checkBridgeSaid(page: TestPage): void {
  if (page.malformed.length > 0) throw new Error(`the bridge sent something outside its protocol: ${page.malformed[0].slice(0, 200)}`);
  for (const m of page.messages) {
    const ok =
      (m.t === 'welcome' && typeof m.wire === 'number') ||
      (m.t === 'device-state' && typeof m.device === 'string' && typeof m.state === 'string') ||
      (m.t === 'conn-open' && typeof m.conn === 'number') ||
      (m.t === 'conn-close' && typeof m.conn === 'number') ||
      (m.t === 'error' && typeof m.message === 'string');
    if (!ok) throw new Error(`the bridge sent ${JSON.stringify(m)}`);
  }
}

let batches = 0;
let sent = 0;

/**
 * One batch: attach, open the allowed port with an analyzer connected to it (so data frames have
 * a connection to go to, and analyzer bytes flow to the page meanwhile), send every frame, then
 * prove the bridge took them all and is still whole.
 */
export async function checkBatch({ frames }: WsBatch, { bridge, analyzerPort }: WsContext): Promise<void> {
  if (bridge.process.child.exitCode !== null || bridge.process.child.signalCode !== null) throw new Error(`the bridge is not running:\n${bridge.process.output().slice(-2000)}`);
  const page = await TestPage.attach(bridge.port, { origin: bridge.origin, token: bridge.token, takeover: true });
  await page.message('welcome');
  // The same spec again is answered with its state; the first batch opens it.
  page.send({ t: 'open-device', spec: { device: 'analyzer', mode: 'server', port: analyzerPort } });
  await page.message('device-state', (m) => m.device === 'analyzer' && m.state === 'listening');
  const analyzer = connect({ port: analyzerPort, host: '127.0.0.1' });
  analyzer.on('error', () => undefined);
  analyzer.on('data', () => undefined);
  const { localPort } = await new Promise<{ localPort: number }>((ok) => analyzer.once('connect', () => ok({ localPort: analyzer.localPort ?? 0 })));
  await page.message('conn-open', (m) => m.device === 'analyzer' && m.remotePort === localPort);
  const chatter = setInterval(() => analyzer.writable && analyzer.write(Uint8Array.of(0x05, 0x02, 0x31, 0x48)), 2);
  for (const f of frames) page.ws.send('text' in f ? f.text : f.binary, { binary: !('text' in f) });
  sent += frames.length;
  // Frames on one socket are handled in order: the answer to this marker comes after all of them.
  const marker = `marker-${++batches}`;
  page.send({ t: 'open-device', spec: { device: marker, mode: 'server', port: 80 } });
  const state = await page.message('device-state', (m) => m.device === marker, 15_000).finally(() => {
    clearInterval(chatter);
    analyzer.destroy();
  });
  if (state.state !== 'not-allowed') throw new Error(`port 80 was not refused: ${JSON.stringify(state)}`);
  checkBridgeSaid(page);
  const h = await health(bridge.port);
  if (h.status !== 200 || typeof h.body.pid !== 'number') throw new Error(`/health answered ${h.status} ${JSON.stringify(h.body)}`);
  // A good page still attaches (taking over from the fuzzing one).
  const good = await TestPage.attach(bridge.port, { origin: bridge.origin, token: bridge.token, takeover: true });
  await good.message('welcome');
  await good.close();
  await page.close();
}

export function wsHandlerTarget(allowedPort: number, runs: number): AsyncFuzzTarget<WsBatch, WsContext> {
  return {
    name: 'bridge-ws.attached-page-frames',
    runs,
    arbitrary: () => fc.record({ frames: fc.array(wsFrameArb(allowedPort), { minLength: 40, maxLength: 120, size: 'max' }) }),
    check: checkBatch,
  };
}

/** Frames sent so far by checkBatch: the suite's cases are frames, its property runs batches of them. */
export function framesSent(): number {
  return sent;
}

/**
 * Before its hello, a page's first frame must be a hello with the right token: anything else is
 * refused with a close code, never a welcome. Each refusal counts against the bridge's failure
 * limiter (20 a minute), so this runs few cases, on a bridge of its own.
 */
export async function checkFirstFrame(frame: WsFrame, bridge: BridgeUnderTest): Promise<void> {
  const page = await TestPage.connect(bridge.port, bridge.origin);
  page.ws.send('text' in frame ? frame.text : frame.binary, { binary: !('text' in frame) });
  const code = await Promise.race([page.closed, new Promise<number>((ok) => setTimeout(() => ok(-1), 10_000))]);
  if (![4400, 4401, 4426].includes(code)) throw new Error(`a first frame that is no good hello got close code ${code}`);
  if (page.messages.some((m) => m.t === 'welcome')) throw new Error('a page was welcomed without a good hello');
  const h = await health(bridge.port);
  if (h.status !== 200) throw new Error(`/health answered ${h.status}`);
}

export const firstFrameArb: fc.Arbitrary<WsFrame> = fc.oneof(
  pageText.filter((t) => !t.includes('"token"')).map((text) => ({ text })),
  fc.string({ maxLength: 40 }).map((token) => ({ text: JSON.stringify({ t: 'hello', wire: [1], token, app: 'fuzz' }) })),
  fc.uint8Array({ maxLength: 64 }).map((binary) => ({ binary })),
);
