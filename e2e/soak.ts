import { parseArgs } from 'node:util';
import { addLoadAnalyzers, p99, runLoad } from './load-run.ts';
import { startStack } from './stack.ts';

/**
 * `npm run soak -- --minutes 60`: the load run with real protocol timers for as long as asked,
 * printing memory of the bridge, the page and its engine worker, and query latency, every few minutes.
 */
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, analyzers: { type: 'string', default: '16' } } });
const minutes = Number(values.minutes);
const stack = await startStack();
try {
  const machines = await addLoadAnalyzers(stack, Number(values.analyzers));
  await stack.openConsole({ waitForMachine: machines[machines.length - 1].id });
  const slice = Math.min(5, minutes) * 60_000;
  let sent = 0;
  for (let done = 0; done < minutes * 60_000; done += slice) {
    const r = await runLoad(stack, machines, slice);
    sent += r.expected.length;
    console.log(
      `${new Date().toISOString()} results ${sent}, queries ${r.queries} (failures ${r.queryFailures.length}), query p99 ${p99(r.queryLatenciesMs).toFixed(0)} ms, ` +
        `bridge RSS max ${Math.max(...r.bridgeRssMb).toFixed(0)} MB, page heap max ${Math.max(...r.pageHeapMb).toFixed(0)} MB, engine heap max ${Math.max(...r.engineHeapMb).toFixed(0)} MB`,
    );
  }
  await stack.until(() => stack.cloud.store.results({}).length >= sent, 'every result delivered', 300_000);
  console.log(`delivered ${stack.cloud.store.results({}).length} of ${sent}`);
} finally {
  await stack.close();
}
