/**
 * Decode throughput of the ASTM link + record layers (drivers/astm), printed as a markdown
 * section. Run: `npx tsx bench/astm-decode.bench.ts`. Not part of `npm test`.
 *
 * Two inputs: the Horiba Yumizen H500 capture (125 frames, 89 of them ETB, 25 KB) replayed many
 * times, and a synthetic stream of 10 000 short result messages. The session does everything it
 * does in production: checksums, frame numbers, ACKs, record parsing, store events and their
 * confirmation, inspector events.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AstmSession } from '../drivers/astm/index.ts';
import { strictFrames } from '../drivers/astm/frame-writer.ts';
import { concat } from '../drivers/testing/bytes.ts';

const ENQ = 0x05;
const EOT = 0x04;

interface Run {
  bytes: number;
  messages: number;
  /** Wall-clock time. */
  ms: number;
  /** CPU time of this process (user + system), which other load on a shared machine disturbs less. */
  cpuMs: number;
}

function run(stream: Uint8Array, chunkSize: number, expectedMessages: number): Run {
  const session = new AstmSession();
  let now = 0;
  let messages = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let at = 0; at < stream.length; at += chunkSize) {
    const out = session.receive(stream.subarray(at, Math.min(stream.length, at + chunkSize)), now);
    let events = out.events;
    while (events.length > 0) {
      const next = [];
      for (const e of events) {
        if (e.type === 'message-end') messages++;
        else if (e.type === 'store') next.push(...session.stored(e.storeId, true, now).events);
      }
      events = next;
    }
    now += 1;
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  if (messages !== expectedMessages) throw new Error(`decoded ${messages} messages, expected ${expectedMessages}`);
  return { bytes: stream.length, messages, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function repeat(bytes: Uint8Array, times: number): Uint8Array {
  const all = new Uint8Array(bytes.length * times);
  for (let i = 0; i < times; i++) all.set(bytes, i * bytes.length);
  return all;
}

function syntheticStream(count: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  for (let i = 0; i < count; i++) {
    const sid = String(100000 + i);
    const records = [
      'H|\\^&|||BENCH^1.0|||||||P|LIS2-A2|20250701120000',
      `P|1||PID${i}||Doe^Jane||19800101|F`,
      `O|1|${sid}^1^${i % 60}||^^^GLU\\^^^UREA\\^^^CREA|R|20250701115500|||||N||||SERUM||||||||||F`,
      `R|1|^^^GLU|${(4 + (i % 50) / 10).toFixed(1)}|mmol/L|3.9 to 6.1|N||F||OP1|20250701115900|20250701120000|BENCH`,
      `R|2|^^^UREA|${(i % 9) + 2}.4|mmol/L|2.5 to 7.5|N||F||OP1|20250701115900|20250701120000|BENCH`,
      `R|3|^^^CREA|<${20 + (i % 7)}|umol/L|45 to 90|L||F||OP1|20250701115900|20250701120000|BENCH`,
      'L|1|N',
    ];
    parts.push(Uint8Array.of(ENQ), ...strictFrames(records.map(latin1), 240, false), Uint8Array.of(EOT));
  }
  return concat(parts);
}

function best(runs: () => Run, times: number): Run {
  let fastest: Run | null = null;
  for (let i = 0; i < times; i++) {
    const r = runs();
    if (fastest === null || r.ms < fastest.ms) fastest = r;
  }
  return fastest!;
}

function row(name: string, chunk: string, r: Run): string {
  const mbps = (ms: number) => (r.bytes / 1e6 / (ms / 1000)).toFixed(1);
  const mps = (ms: number) => Math.round(r.messages / (ms / 1000)).toLocaleString('en-US');
  return `| ${name} | ${chunk} | ${(r.bytes / 1e6).toFixed(1)} MB | ${r.messages} | ${r.ms.toFixed(0)} ms | **${mbps(r.ms)} MB/s** | ${mps(r.ms)} | ${mbps(r.cpuMs)} MB/s | ${mps(r.cpuMs)} |`;
}

const capturePath = fileURLToPath(new URL('../drivers/astm/fixtures/horiba_yumizen_h500_multiframe_rawwire.bin', import.meta.url));
const yumizen = new Uint8Array(readFileSync(capturePath));
const YUMIZEN_REPEATS = 2000;
const yumizenStream = repeat(yumizen, YUMIZEN_REPEATS);
const SYNTHETIC_MESSAGES = 10_000;
const synthetic = syntheticStream(SYNTHETIC_MESSAGES);

// Warm up the JIT on both inputs before timing.
run(repeat(yumizen, 200), yumizen.length, 200);
run(syntheticStream(2000), 4096, 2000);

const rows = [
  row(`Yumizen H500 capture ×${YUMIZEN_REPEATS}`, 'one capture per read', best(() => run(yumizenStream, yumizen.length, YUMIZEN_REPEATS), 5)),
  row(`Yumizen H500 capture ×${YUMIZEN_REPEATS}`, '1460 B (TCP segment)', best(() => run(yumizenStream, 1460, YUMIZEN_REPEATS), 5)),
  row(`Synthetic ${SYNTHETIC_MESSAGES.toLocaleString('en-US')} messages`, '4096 B', best(() => run(synthetic, 4096, SYNTHETIC_MESSAGES), 5)),
  row(`Synthetic ${SYNTHETIC_MESSAGES.toLocaleString('en-US')} messages`, '64 B', best(() => run(synthetic, 64, SYNTHETIC_MESSAGES), 5)),
];

const load = (await import('node:os')).loadavg()[0].toFixed(1);
console.log(`## ASTM decode throughput (link + records)

Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs, load average ${load} at the end; best of 5 runs.
Each message is taken through ENQ/ACK, every frame's checksum and number, reassembly, record
parsing, its store event and \`stored()\` confirmation, and the inspector's frame events.
Target: ≥ 100 MB/s on the Yumizen capture. The CPU-time columns divide by this process's CPU
time, which other work on a shared machine disturbs less than the wall clock.

| input | read size | bytes | messages | wall time | throughput | messages/s | per CPU second | messages per CPU second |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`);
