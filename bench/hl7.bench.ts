/**
 * HL7 v2 benchmark, printed as a markdown section:
 * 1. parse + extract of 20 000 DH36-like ORU^R01 (27 OBX each, one in 50 with escapes), ours
 *    side by side with simple-hl7, @medplum/hl7 (its parser lives in @medplum/core) and
 *    node-hl7-client. The 20 000 are cut into batches of 500 and the contenders take turns batch
 *    by batch, so load from other processes on the shared cores hits all of them alike; both the
 *    overall rate and the best batch (the least disturbed) are reported. Each contender's output
 *    is then checked, untimed, against the generator's answers (fidelity);
 * 2. MLLP round trips per second over one loopback connection, one message in flight at a time
 *    (as analyzers send), against Hl7Session and against the peers' own MLLP servers.
 *
 * Run: npx tsx bench/hl7.bench.ts
 */

import { once } from 'node:events';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Hl7Message as MedplumMessage } from '@medplum/core';
import { Hl7Server as MedplumServer } from '@medplum/hl7';
import { Message as NhcMessage } from 'node-hl7-client';
import { dh36Oru, type Dh36Expected } from '../drivers/hl7/fixtures/dh36-oru.ts';
import { extractOruResults, frameMllp, Hl7Session, MllpFramer, parseHl7, type OruExtraction } from '../drivers/hl7/index.ts';

// simple-hl7 ships no types; loaded untyped and described by the interfaces below.
const simpleHl7 = createRequire(import.meta.url)('simple-hl7') as unknown;

const MESSAGES = 20_000;
/** Passes over the 20 000 messages for each contender. */
const ROUNDS = 3;
const BATCH = 500;
const ROUND_TRIPS = 10_000;

/** What every contender must produce from a message, in the same shape, for the fidelity check. */
interface Extracted {
  sampleId: string;
  attributes: Record<string, string>;
  results: Array<{ code: string; name: string; value: string; units: string; range: string; flags: string[]; status: string; time: string }>;
}

const RUN_MODE = new Set(['take mode', 'blood mode', 'test mode', 'ref group', 'remark', 'age']);

const inputs = Array.from({ length: MESSAGES }, (_, i) => dh36Oru(i));
const texts = inputs.map((x) => x.text);
const bytes = texts.map((t) => new TextEncoder().encode(t));

/** Our output is the common result model itself; it is mapped to the checked shape outside the timing. */
function oursAsExtracted(x: OruExtraction): Extracted {
  return {
    sampleId: x.samples[0].sampleId,
    attributes: x.samples[0].attributes,
    results: x.results.map((r) => ({ code: r.testCode, name: r.testName ?? '', value: r.value, units: r.units, range: r.referenceRange, flags: r.flags, status: r.status, time: r.completedAtRaw })),
  };
}

const ours = (i: number) => extractOruResults(parseHl7(bytes[i]));
const oursFromText = (i: number) => extractOruResults(parseHl7(texts[i]));

const SimpleParser = (simpleHl7 as { Parser: new () => { parse(s: string): SimpleMessage } }).Parser;
interface SimpleSegment {
  name: string;
  getField(i: number, rep?: number): string;
  getComponent(f: number, c: number): string;
  fields: Array<{ value: unknown[] }>;
}
interface SimpleMessage {
  segments: SimpleSegment[];
  getSegment(name: string): SimpleSegment;
}
const simpleParser = new SimpleParser();

function simple(i: number): Extracted {
  const m = simpleParser.parse(texts[i]);
  const obr = m.getSegment('OBR');
  const out: Extracted = { sampleId: obr.getField(3), attributes: {}, results: [] };
  const time = obr.getField(7);
  for (const s of m.segments) {
    if (s.name !== 'OBX') continue;
    const name = s.getComponent(3, 2);
    if (RUN_MODE.has(name.toLowerCase())) {
      out.attributes[name] = s.getField(5);
      continue;
    }
    const reps = s.fields[7]?.value.length ?? 0;
    const flags: string[] = [];
    for (let r = 1; r <= reps; r++) {
      const f = s.getField(8, r);
      if (f !== '') flags.push(f);
    }
    out.results.push({ code: s.getComponent(3, 1), name, value: s.getField(5), units: s.getField(6), range: s.getField(7), flags, status: s.getField(11), time: s.getField(14) || time });
  }
  return out;
}

function medplum(i: number): Extracted {
  const m = MedplumMessage.parse(texts[i]);
  const obr = m.getSegment('OBR')!;
  const out: Extracted = { sampleId: obr.getField(3).toString(), attributes: {}, results: [] };
  const time = obr.getField(7).toString();
  for (const s of m.getAll('OBX')) {
    const name = s.getComponent(3, 2);
    if (RUN_MODE.has(name.toLowerCase())) {
      out.attributes[name] = s.getComponent(5, 1);
      continue;
    }
    const field8 = s.getField(8);
    const flags: string[] = [];
    for (let r = 0; r < field8.components.length; r++) {
      const f = field8.getComponent(1, undefined, r);
      if (f !== '') flags.push(f);
    }
    out.results.push({
      code: s.getComponent(3, 1),
      name,
      value: s.getComponent(5, 1),
      units: s.getComponent(6, 1),
      range: s.getComponent(7, 1),
      flags,
      status: s.getComponent(11, 1),
      time: s.getComponent(14, 1) || time,
    });
  }
  return out;
}

interface NhcNode {
  get(p: string | number): NhcNode;
  toString(): string;
  forEach(cb: (n: NhcNode, i: number) => void): void;
  length: number;
}

function nodeHl7Client(i: number): Extracted {
  const m = new NhcMessage({ text: texts[i] }) as unknown as NhcNode;
  const out: Extracted = { sampleId: m.get('OBR.3').toString(), attributes: {}, results: [] };
  const time = m.get('OBR.7').toString();
  m.get('OBX').forEach((s) => {
    const name = s.get('3.2').toString();
    if (RUN_MODE.has(name.toLowerCase())) {
      out.attributes[name] = s.get(5).toString();
      return;
    }
    const field8 = s.get(8);
    const flags: string[] = [];
    field8.forEach((rep) => {
      const f = rep.toString();
      if (f !== '') flags.push(f);
    });
    out.results.push({
      code: s.get('3.1').toString(),
      name,
      value: s.get(5).toString(),
      units: s.get(6).toString(),
      range: s.get(7).toString(),
      flags,
      status: s.get(11).toString(),
      time: s.get(14).toString() || time,
    });
  });
  return out;
}

/** Counts the messages whose every extracted value, flag, attribute and id matches the generator's answers. */
function fidelity(outputs: Extracted[]): { ok: number; firstWrong: string } {
  let ok = 0;
  let firstWrong = '';
  outputs.forEach((x, i) => {
    const e: Dh36Expected = inputs[i].expected;
    const problems: string[] = [];
    if (x.sampleId !== e.sampleId) problems.push(`sample id ${JSON.stringify(x.sampleId)}`);
    if ((x.attributes.Remark ?? '') !== e.remark) problems.push(`remark ${JSON.stringify(x.attributes.Remark)} instead of ${JSON.stringify(e.remark)}`);
    if (x.attributes['Test Mode'] !== 'CBC+DIFF') problems.push(`test mode ${JSON.stringify(x.attributes['Test Mode'])}`);
    if (JSON.stringify(x.results.map((r) => r.value)) !== JSON.stringify(e.values)) problems.push('values');
    if (JSON.stringify(x.results.map((r) => r.flags)) !== JSON.stringify(e.flags)) problems.push(`flags ${JSON.stringify(x.results[0]?.flags)}`);
    if (x.results.some((r) => r.status !== 'F' || r.units === '' || r.range === '' || r.time !== '20250628173219')) problems.push('status/units/range/time');
    if (problems.length === 0) ok++;
    else if (firstWrong === '') firstWrong = `message ${i}: ${problems.join(', ')}`;
  });
  return { ok, firstWrong };
}

interface Contender {
  name: string;
  run: (i: number) => unknown;
  check: (out: unknown) => Extracted;
  /** node-hl7-client reads fields about 20× slower than the others: one pass of 20 000 is enough to place it. */
  rounds: number;
  totalMs: number;
  done: number;
  bestBatchMs: number;
}

const same = (x: unknown) => x as Extracted;
const contenders: Contender[] = [
  { name: 'ours, bytes in (charset decode included)', run: ours, check: (x) => oursAsExtracted(x as OruExtraction), rounds: ROUNDS, totalMs: 0, done: 0, bestBatchMs: Infinity },
  { name: 'ours, string in', run: oursFromText, check: (x) => oursAsExtracted(x as OruExtraction), rounds: ROUNDS, totalMs: 0, done: 0, bestBatchMs: Infinity },
  { name: 'simple-hl7 3.3.0', run: simple, check: same, rounds: ROUNDS, totalMs: 0, done: 0, bestBatchMs: Infinity },
  { name: '@medplum/hl7 4.5.2 (@medplum/core parser)', run: medplum, check: same, rounds: ROUNDS, totalMs: 0, done: 0, bestBatchMs: Infinity },
  { name: 'node-hl7-client 3.2.0', run: nodeHl7Client, check: same, rounds: 1, totalMs: 0, done: 0, bestBatchMs: Infinity },
];

function parseRounds(): void {
  for (const c of contenders) for (let i = 0; i < (c.rounds === ROUNDS ? 2000 : 200); i++) c.run(i);
  let sink = 0;
  const batches = MESSAGES / BATCH;
  for (let round = 0; round < ROUNDS; round++) {
    for (let b = 0; b < batches; b++) {
      for (const c of contenders) {
        if (round >= c.rounds) continue;
        const started = performance.now();
        for (let i = b * BATCH; i < (b + 1) * BATCH; i++) if (c.run(i)) sink++;
        const ms = performance.now() - started;
        c.totalMs += ms;
        c.done += BATCH;
        c.bestBatchMs = Math.min(c.bestBatchMs, ms);
      }
    }
  }
  if (sink !== contenders.reduce((n, c) => n + c.done, 0)) throw new Error('a contender returned nothing');
}

const rate = (c: Contender) => c.done / (c.totalMs / 1000);
const bestRate = (c: Contender) => BATCH / (c.bestBatchMs / 1000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** One connection, one message in flight: send, wait for the ACK frame, send the next. */
async function roundTrips(port: number, count: number): Promise<{ rate: number; matched: number }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const framer = new MllpFramer(1 << 20);
  const frames = texts.slice(0, count).map((t) => frameMllp(new TextEncoder().encode(t)));
  let next = 0;
  let matched = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      for (const item of framer.push(chunk)) {
        if (item.type !== 'frame') continue;
        const ack = parseHl7(item.bytes);
        if (ack.segment('MSA')?.value(2) === inputs[next - 1].expected.controlId) matched++;
        if (next === count) resolve();
        else socket.write(frames[next++]);
      }
    });
    socket.write(frames[next++]);
  });
  const rate = count / ((performance.now() - started) / 1000);
  socket.destroy();
  return { rate, matched };
}

async function ourServer(): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const session = new Hl7Session({ ackMessageType: 'ACK^R01' });
    socket.on('data', (chunk: Buffer) => {
      const out = session.receive(chunk, Date.now());
      for (const w of out.write) socket.write(w);
      for (const e of out.events) if (e.type === 'message') for (const w of session.stored(e.storeId, true, Date.now()).write) socket.write(w);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

async function simpleServer(): Promise<{ port: number; close: () => void }> {
  const app = (simpleHl7 as { tcp(): { use(fn: (req: unknown, res: { end(): void }, next: () => void) => void): void; start(port: number): void; stop(): void } }).tcp();
  app.use((_req, res) => res.end());
  const port = await freePort();
  app.start(port);
  await new Promise((r) => setTimeout(r, 100));
  return { port, close: () => app.stop() };
}

async function medplumServer(): Promise<{ port: number; close: () => void }> {
  const server = new MedplumServer((connection) => {
    connection.addEventListener('message', ({ message }) => connection.send(message.buildAck()));
  });
  const port = await freePort();
  server.start(port);
  await new Promise((r) => setTimeout(r, 100));
  return { port, close: () => void server.stop({ forceDrainTimeoutMs: 0 }).catch(() => undefined) };
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const out = (s = '') => lines.push(s);
  out('## HL7 v2 (drivers/hl7)');
  out();
  out(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at start (cores shared with other work).`);
  out();
  parseRounds();
  out(`### Parse + extract: ${fmt(MESSAGES)} DH36-like ORU^R01 (27 OBX, 1 in 50 with escapes), ${ROUNDS} passes in turns of ${BATCH} (node-hl7-client: 1 pass)`);
  out();
  out('| parser | msg/s overall | msg/s best batch | fidelity (messages fully right) |');
  out('|---|---:|---:|---|');
  const peers = contenders.slice(2);
  for (const c of contenders) {
    const f = fidelity(Array.from({ length: MESSAGES }, (_, i) => c.check(c.run(i))));
    out(`| ${c.name} | ${fmt(rate(c))} | ${fmt(bestRate(c))} | ${fmt(f.ok)} / ${fmt(MESSAGES)}${f.firstWrong ? ` (first wrong: ${f.firstWrong})` : ''} |`);
  }
  const fastest = peers.reduce((a, b) => (rate(a) > rate(b) ? a : b));
  const fastestBest = peers.reduce((a, b) => (bestRate(a) > bestRate(b) ? a : b));
  out();
  for (const c of contenders.slice(0, 2)) {
    out(`- ${c.name}: **${(rate(c) / rate(fastest)).toFixed(2)}×** the fastest peer overall (${fastest.name}), ${(bestRate(c) / bestRate(fastestBest)).toFixed(2)}× by best batch (${fastestBest.name}).`);
  }
  out();

  out(`### MLLP round trips: ${fmt(ROUND_TRIPS)} messages over one loopback connection, one in flight`);
  out();
  out('| receiver | round trips/s | ACKs whose MSA-2 matched |');
  out('|---|---:|---:|');
  for (const [name, start] of [
    ['ours: Hl7Session in a node:net server', ourServer],
    ['simple-hl7 3.3.0 tcp server', simpleServer],
    ['@medplum/hl7 4.5.2 Hl7Server', medplumServer],
  ] as const) {
    const server = await start();
    await roundTrips(server.port, 1000);
    const r = await roundTrips(server.port, ROUND_TRIPS);
    server.close();
    out(`| ${name} | ${fmt(r.rate)} | ${fmt(r.matched)} / ${fmt(ROUND_TRIPS)} |`);
  }
  out();
  out('The sending side is the same raw node:net client (framing with our MllpFramer) for every receiver.');
  console.log(lines.join('\n'));
}

await main();
process.exit(0);
