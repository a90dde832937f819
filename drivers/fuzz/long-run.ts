/**
 * `npm run fuzz -- --minutes N`: the CI fuzz targets with random seeds until the time is up,
 * every failing input written to the regression corpus (corpus/*.json) that the CI suites replay.
 *
 * The in-process targets run in a worker thread, watched: a batch that stops reporting is a hang,
 * and is run again input by input to name the input that hangs. The bridge's WebSocket handler is
 * fuzzed meanwhile from this thread, against a real bridge process.
 *
 * Options: --minutes N (default 10), --target SUBSTRING (only targets whose name holds it; repeatable),
 * --no-bridge, --batch N (cases per seed, default 400).
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { addToCorpus, encodeInput, failureText, propertyOf } from './fuzz-target.ts';

/** A batch that sends no word for this long is taken for a hang (a batch takes seconds). */
const HANG_MS = 120_000;

interface WorkerJob {
  mode: 'fuzz' | 'trace';
  targets: string[];
  batch: number;
  until: number;
  /** trace mode: the target and seed whose batch hung. */
  target?: string;
  seed?: number;
}

type FromWorker =
  | { type: 'batch'; target: string; seed: number }
  | { type: 'done'; target: string; cases: number }
  | { type: 'found'; target: string; file: string; error: string }
  | { type: 'input'; input: unknown }
  | { type: 'finished' };

if (isMainThread) await main();
else await work(workerData as WorkerJob);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      target: { type: 'string', multiple: true },
      batch: { type: 'string', default: '400' },
      'no-bridge': { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  if (!(minutes > 0)) throw new Error('--minutes must be a positive number');
  const until = Date.now() + minutes * 60_000;
  const { FUZZ_TARGETS } = await import('./targets.ts');
  const wanted = values.target ?? [];
  const targets = FUZZ_TARGETS.filter((t) => t.open === undefined && (wanted.length === 0 || wanted.some((w) => t.name.includes(w)))).map((t) => t.name);
  const fuzzBridge = !values['no-bridge'] && (wanted.length === 0 || wanted.some((w) => 'bridge-ws.attached-page-frames'.includes(w)));
  console.log(`fuzzing ${targets.length} target(s)${fuzzBridge ? ' and the bridge' : ''} for ${minutes} min`);

  const cases = new Map<string, number>();
  const found: string[] = [];
  const record = (target: string, n: number) => cases.set(target, (cases.get(target) ?? 0) + n);

  const inProcess = (async () => {
    while (targets.length > 0 && Date.now() < until) {
      const hung = await runWorker({ mode: 'fuzz', targets, batch: Number(values.batch), until }, (m) => {
        if (m.type === 'done') record(m.target, m.cases);
        if (m.type === 'found') {
          found.push(m.file);
          console.log(`FOUND ${m.target}: ${m.file} (the target stops here)\n  ${m.error.split('\n')[0]}`);
        }
      });
      if (!hung) break;
      console.log(`HANG in ${hung.target} (seed ${hung.seed}); finding the input…`);
      let last: unknown;
      await runWorker({ mode: 'trace', targets: [hung.target], batch: Number(values.batch), until: Infinity, target: hung.target, seed: hung.seed }, (m) => {
        if (m.type === 'input') last = m.input;
      });
      const file = addToCorpus({ target: hung.target, input: last ?? null, error: `no answer within ${HANG_MS / 1000} s`, found: new Date().toISOString(), status: 'open', hang: true, seed: hung.seed });
      found.push(file);
      console.log(`FOUND ${hung.target}: ${file} (hang)`);
      // It would hang again: the other targets go on without it.
      targets.splice(targets.indexOf(hung.target), 1);
    }
  })();

  const bridge = fuzzBridge ? fuzzTheBridge(until, record, (file) => found.push(file)) : Promise.resolve();
  await Promise.all([inProcess, bridge]);

  console.log('\ncases run:');
  for (const [t, n] of [...cases].sort()) console.log(`  ${t.padEnd(40)} ${n}`);
  console.log(found.length === 0 ? 'no failures' : `${found.length} failure(s) written to drivers/fuzz/corpus/:\n  ${found.join('\n  ')}`);
  process.exitCode = found.length === 0 ? 0 : 1;
}

/** Runs a worker; resolves when it finishes, or with the batch it was on when it stopped answering. */
function runWorker(job: WorkerJob, on: (m: FromWorker) => void): Promise<{ target: string; seed: number } | null> {
  const file = fileURLToPath(import.meta.url);
  // Workers do not inherit tsx's loader: the worker loads this file through tsx's API.
  const worker = new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`, { eval: true, workerData: job });
  let current: { target: string; seed: number } | null = null;
  return new Promise((ok, fail) => {
    let timer = setTimeout(hang, HANG_MS);
    function hang(): void {
      void worker.terminate();
      ok(current ?? { target: job.targets[0], seed: 0 });
    }
    worker.on('message', (m: FromWorker) => {
      clearTimeout(timer);
      timer = setTimeout(hang, HANG_MS);
      if (m.type === 'batch') current = { target: m.target, seed: m.seed };
      if (m.type === 'finished') {
        clearTimeout(timer);
        void worker.terminate();
        ok(null);
        return;
      }
      on(m);
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
}

async function work(job: WorkerJob): Promise<void> {
  const { FUZZ_TARGETS } = await import('./targets.ts');
  const byName = new Map(FUZZ_TARGETS.map((t) => [t.name, t]));
  const post = (m: FromWorker) => parentPort!.postMessage(m);
  if (job.mode === 'trace') {
    const t = byName.get(job.target!)!;
    // The same cases as the hung batch, each input sent to the main thread before it runs.
    fc.check(
      fc.property(t.arbitrary(), (input: unknown) => {
        post({ type: 'input', input: encodeInput(input) });
        t.check(input);
      }),
      { seed: job.seed!, numRuns: job.batch, endOnFailure: true },
    );
    post({ type: 'finished' });
    return;
  }
  // A target stops at its first failure: the same fault would only be found again, batch after batch.
  const failed = new Set<string>();
  while (Date.now() < job.until && failed.size < job.targets.length) {
    for (const name of job.targets) {
      if (Date.now() >= job.until) break;
      if (failed.has(name)) continue;
      const t = byName.get(name)!;
      const seed = (Math.random() * 0x7fffffff) | 0;
      post({ type: 'batch', target: name, seed });
      const details = fc.check(propertyOf(t), { seed, numRuns: job.batch });
      post({ type: 'done', target: name, cases: details.numRuns });
      if (details.failed && details.counterexample !== null) {
        failed.add(name);
        const error = failureText(details);
        const file = addToCorpus({
          target: name,
          input: encodeInput(details.counterexample[0]),
          error,
          found: new Date().toISOString(),
          status: 'open',
          seed: details.seed,
          path: details.counterexamplePath ?? undefined,
          note: 'found by npm run fuzz; not yet looked at',
        });
        post({ type: 'found', target: name, file, error });
      }
    }
  }
  post({ type: 'finished' });
}

/** The bridge's WebSocket handler, on a real bridge process, batch after batch with random seeds. */
async function fuzzTheBridge(until: number, record: (target: string, n: number) => void, foundFile: (file: string) => void): Promise<void> {
  const { freePort } = await import('../../e2e/processes.ts');
  const { startBridgeProcess } = await import('../../bridge/testing/bridge-page.ts');
  const { framesSent, wsHandlerTarget } = await import('../../bridge/fuzz/ws-handler.fuzz.ts');
  const allowedPort = await freePort();
  const analyzerPort = await freePort();
  const bridge = await startBridgeProcess({ token: 'f'.repeat(32), args: ['--allow-listen', `${allowedPort},${analyzerPort}`, '--grace-ms', '600000'] });
  const target = wsHandlerTarget(allowedPort, 20);
  try {
    while (Date.now() < until) {
      const before = framesSent();
      const seed = (Math.random() * 0x7fffffff) | 0;
      const details = await fc.check(
        fc.asyncProperty(target.arbitrary(), (batch) => target.check(batch, { bridge, allowedPort, analyzerPort })),
        { seed, numRuns: target.runs },
      );
      record(target.name, framesSent() - before);
      if (details.failed && details.counterexample !== null) {
        const file = addToCorpus({
          target: target.name,
          input: encodeInput(details.counterexample[0]),
          error: failureText(details),
          found: new Date().toISOString(),
          status: 'open',
          seed,
          path: details.counterexamplePath ?? undefined,
          note: `found by npm run fuzz; bridge output:\n${bridge.process.output().slice(-1500)}`,
        });
        foundFile(file);
        console.log(`FOUND ${target.name}: ${file} (the bridge fuzzing stops here)`);
        break;
      }
    }
  } finally {
    await bridge.stop();
  }
}
