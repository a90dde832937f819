/**
 * Our sender → our receiver over a real TCP socket pair (127.0.0.1, ephemeral port), with random
 * fragmentation of every write and at most one damaged byte per frame, on a short-timer
 * profile: every message is delivered, in order, exactly once.
 *
 * The damage spares STX and ETB/ETX: without them no receiver can tell a frame was sent, and the
 * sender's reply timeout handles that case (sender.test.ts); a mod-256 checksum cannot see every
 * change of two bytes, hence one per frame.
 */
import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { AstmSession, type AstmOutput } from './session.ts';
import type { AstmEvent } from './events.ts';

const MESSAGES = 10_000;
const DAMAGE_PROBABILITY = 0.05;

const SHORT_TIMERS = {
  enqReplyMs: 2_000,
  frameReplyMs: 2_000,
  receiverReplyLimitMs: 2_000,
  receiverReplyMarginMs: 200,
  receiveIdleMs: 4_000,
  enqRefusedWaitMs: 20,
  contentionWaitMs: 200,
  interruptHoldMs: 200,
  retryAfterAbortMs: 10,
};

/** A small deterministic PRNG, so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Plays the engine for one session on one socket: feeds bytes and ticks, writes what comes out. */
class Endpoint {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly session: AstmSession,
    socket: net.Socket,
    private readonly onEvent: (e: AstmEvent, self: Endpoint) => void,
    private readonly transmit: (bytes: Uint8Array) => void = (b) => socket.write(b),
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.apply(this.session.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), performance.now())));
  }

  apply(out: AstmOutput): void {
    for (const w of out.write) this.transmit(w);
    for (const e of out.events) this.onEvent(e, this);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (out.nextDeadline !== null) {
      const wait = Math.max(0, out.nextDeadline - performance.now());
      this.timer = setTimeout(() => this.apply(this.session.tick(performance.now())), wait + 1);
    }
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
  }
}

const sockets: net.Socket[] = [];
let server: net.Server | null = null;
afterAll(() => {
  for (const s of sockets) s.destroy();
  server?.close();
});

it(`${MESSAGES} messages over a real socket, fragmented and damaged, arrive in order, each once`, async () => {
  const random = prng(20250701);
  server = net.createServer();
  const accepted = new Promise<net.Socket>((resolve) => server!.once('connection', resolve));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  const serverSide = await accepted;
  sockets.push(client, serverSide);

  const stored: string[] = [];
  let naks = 0;
  let damaged = 0;
  const receiver = new Endpoint(new AstmSession({ framing: 'strict', timers: SHORT_TIMERS }), serverSide, (e, self) => {
    if (e.type === 'store') {
      for (const r of e.records) if (r.type === 'O') stored.push(r.specimenId[0]);
      self.apply(self.session.stored(e.storeId, true, performance.now()));
    } else if (e.type === 'frame' && e.kind === 'nak') naks++;
  });

  let delivered = 0;
  let aborted = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  /** The line: damages at most one byte of a frame (never STX or ETB/ETX), then cuts every write into random pieces. */
  const line = (bytes: Uint8Array) => {
    let out = bytes;
    if (bytes.length > 1 && random() < DAMAGE_PROBABILITY) {
      out = Uint8Array.from(bytes);
      const terminator = out.length - 5;
      let p = 1 + Math.floor(random() * (out.length - 2));
      if (p >= terminator) p++;
      out[p] ^= 1 + Math.floor(random() * 255);
      damaged++;
    }
    for (let at = 0; at < out.length; ) {
      const size = 1 + Math.floor(random() * 48);
      client.write(out.subarray(at, at + size));
      at += size;
    }
  };
  const sender = new Endpoint(new AstmSession({ framing: 'strict', maxMessageAttempts: 1_000, timers: SHORT_TIMERS }), client, (e) => {
    if (e.type === 'send-delivered' && ++delivered === MESSAGES) done();
    if (e.type === 'send-aborted') aborted++;
  }, line);

  const now = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    const sid = `S${String(i).padStart(6, '0')}`;
    sender.apply(sender.session.send([
      'H|\\^&|||SIM^1.0|||||||P|LIS2-A2|20250701120000',
      `P|${i % 100}||PID${i}`,
      `O|1|${sid}||^^^GLU\\^^^UREA|R||||||N||||SERUM`,
      `R|1|^^^GLU|${(i % 97) / 10}|mmol/L|3.9 to 6.1|N||F||||20250701115900`,
      'L|1|N',
    ], now));
  }
  await finished;
  sender.stop();
  receiver.stop();

  expect(delivered).toBe(MESSAGES);
  expect(stored).toHaveLength(MESSAGES);
  expect(stored).toEqual(Array.from({ length: MESSAGES }, (_, i) => `S${String(i).padStart(6, '0')}`));
  // Every damaged frame was refused and sent again; none had to be given up.
  expect(damaged).toBeGreaterThan(1_000);
  expect(naks).toBe(damaged);
  expect(aborted).toBe(0);
}, 120_000);
