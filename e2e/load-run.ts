import { readFileSync } from 'node:fs';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { DymindAnalyzer } from '../sim/analyzers/dymind-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { QueryingAstmAnalyzer } from '../sim/analyzers/udichem-query.ts';
import type { Machine } from '../shared/cloud-api.ts';
import { HeapSampler } from './heap-sampler.ts';
import { freePort } from './processes.ts';
import type { Stack } from './stack.ts';

export interface LoadReport {
  /** `barcode|test|time` of every result an analyzer saw acknowledged. */
  expected: string[];
  queries: number;
  queryLatenciesMs: number[];
  queryFailures: string[];
  bridgeRssMb: number[];
  /** The console page's main-thread JS heap. */
  pageHeapMb: number[];
  /** The engine worker's JS heap (outbox, sessions, archive batches). */
  engineHeapMb: number[];
}

const FIRST_ID = 200;

/** Adds `count` analyzers to the dev cloud (ASTM and HL7 alternating), each with an order to ask for. */
export async function addLoadAnalyzers(stack: Stack, count: number): Promise<Machine[]> {
  const machines: Machine[] = [];
  for (let i = 0; i < count; i++) {
    const hl7 = i % 2 === 1;
    const m: Machine = {
      id: FIRST_ID + i,
      name: `${hl7 ? 'DH36' : 'Udichem'} #${i}`,
      code: `LOAD${i}`,
      driver: hl7 ? 'dymind_hl7' : 'udichem_astm',
      transport: 'tcp',
      connection_settings: { mode: 'server', host: '127.0.0.1', port: await freePort(), charset: hl7 ? 'utf-8' : 'latin1', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone },
    };
    stack.cloud.store.addMachine(m);
    stack.cloud.store.setOrders(m.id, [{ barcode: `Q${i}`, tests: hl7 ? ['CBC+DIFF'] : ['GLU'], specimen_type: hl7 ? 'whole blood' : 'serum', patient: { sex: 'F', birth_date: '1980-01-01' } }]);
    machines.push(m);
  }
  return machines;
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}
export const p99 = (values: number[]) => pct(values, 99);

function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Every analyzer alternates results and host queries until `ms` has passed, as a busy lab does;
 * the bridge's and the page's memory are sampled throughout.
 */
export async function runLoad(stack: Stack, machines: Machine[], ms: number): Promise<LoadReport> {
  const report: LoadReport = { expected: [], queries: 0, queryLatenciesMs: [], queryFailures: [], bridgeRssMb: [], pageHeapMb: [], engineHeapMb: [] };
  const until = Date.now() + ms;
  const heaps = await HeapSampler.open(stack.browser);
  const sampler = setInterval(() => {
    report.bridgeRssMb.push(rssMb(stack.bridge.child.pid!));
    void heaps
      .sample(stack.cloud.origin)
      .then((h) => {
        report.pageHeapMb.push(h.pageMb);
        report.engineHeapMb.push(h.workerMb);
      })
      .catch(() => {});
  }, 2_000);
  await Promise.all(
    machines.map(async (m, i) => {
      const port = m.connection_settings.port!;
      let n = 0;
      if (m.driver === 'dymind_hl7') {
        const dh = await DymindAnalyzer.connect(port);
        try {
          while (Date.now() < until) {
            const sid = `L${i}-${n++}`;
            const at = new Date();
            const r = await dh.sendResults(sid, [{ code: '6690-2', name: 'WBC', value: String(5 + (n % 5)), units: '10*9/L', range: '4.0-10.0' }], { at });
            if (r.accepted) report.expected.push(`${sid}|WBC|`);
            const q = await dh.query(`Q${i}`);
            report.queries++;
            if (q.kind === 'order') report.queryLatenciesMs.push(q.latencyMs);
            else report.queryFailures.push(`${m.name}: ${q.kind}`);
          }
        } finally {
          dh.close();
        }
        return;
      }
      const an = await QueryingAstmAnalyzer.connect(port);
      try {
        while (Date.now() < until) {
          const sid = `L${i}-${n++}`;
          const o = await sendAstmMessage({ port, link: an.link, framing: 'simplified', records: udichemResult({ barcode: sid, date: '20261124' }) });
          if (o.accepted) report.expected.push(`${sid}|GLU|20261124`);
          const q = await an.query(`Q${i}`);
          report.queries++;
          if (q.kind === 'order') report.queryLatenciesMs.push(q.latencyMs);
          else report.queryFailures.push(`${m.name}: ${q.kind}`);
        }
      } finally {
        an.close();
      }
    }),
  );
  clearInterval(sampler);
  await heaps.close();
  return report;
}
