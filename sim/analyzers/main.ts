import { parseArgs } from 'node:util';
import { sendAstmMessage } from './astm-analyzer.ts';
import { DymindAnalyzer } from './dymind-analyzer.ts';
import { sendMaglumiResults } from './maglumi-analyzer.ts';
import { udichemResult, vitrosResult } from './messages.ts';
import { QueryingAstmAnalyzer } from './udichem-query.ts';
import { VitrosAnalyzer } from './vitros-analyzer.ts';

/**
 * Simulated analyzers from the command line:
 *   npm run sim -- udichem --port 15003 [--barcode B123] [--value 99] [--framing strict]
 *   npm run sim -- udichem --port 15003 --query U2001        (asks, then runs what was ordered)
 *   npm run sim -- maglumi --port 15001 [--barcode M1001]
 *   npm run sim -- vitros  --port 15004 [--barcode 1068616]  (a result)
 *   npm run sim -- vitros  --port 15004 --query 1068687 [--window 2400]
 *   npm run sim -- dymind  --port 5600  [--barcode H3001]    (an ORU)
 *   npm run sim -- dymind  --port 5600  --query H3001
 */

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    barcode: { type: 'string' },
    framing: { type: 'string', default: 'simplified' },
    value: { type: 'string' },
    query: { type: 'string' },
    window: { type: 'string' },
  },
});

const DEFAULT_PORTS: Record<string, number> = { udichem: 15003, maglumi: 15001, vitros: 15004, dymind: 5600 };
const kind = positionals[0] ?? 'udichem';
if (!(kind in DEFAULT_PORTS)) {
  console.error(`unknown analyzer "${kind}"; known: ${Object.keys(DEFAULT_PORTS).join(', ')}`);
  process.exit(64);
}
const host = values.host!;
const port = Number(values.port ?? DEFAULT_PORTS[kind]);
const windowMs = values.window ? Number(values.window) : undefined;
const log = (line: string) => console.log(line);

function unreachable(err: Error): never {
  console.error(`cannot reach the host on ${host}:${port}: ${err.message}`);
  process.exit(3);
}

async function run(): Promise<boolean> {
  switch (kind) {
    case 'udichem': {
      const framing = values.framing === 'strict' ? 'strict' : 'simplified';
      if (values.query) {
        const a = await QueryingAstmAnalyzer.connect(port, { host, framing, ...(windowMs ? { replyWindowMs: windowMs } : {}) }).catch(unreachable);
        const outcome = await a.query(values.query);
        console.log(JSON.stringify(outcome, null, 1));
        if (outcome.kind === 'order') {
          for (const o of outcome.orders) for (const test of o.tests) await a.send(udichemResult({ barcode: o.sampleId, test }));
        }
        a.close();
        return outcome.kind !== 'cancelled' && ('problems' in outcome ? outcome.problems.length === 0 : true);
      }
      const outcome = await sendAstmMessage({ host, port, framing, records: udichemResult({ barcode: values.barcode ?? 'B123', ...(values.value ? { value: values.value } : {}) }), log }).catch(unreachable);
      return outcome.accepted;
    }
    case 'maglumi': {
      const outcome = await sendMaglumiResults({
        host,
        port,
        log,
        sampleId: values.barcode ?? 'M1001',
        results: [
          { test: 'TSH II', value: values.value ?? '1.399', units: 'uIU/mL', range: '0.3 to 4.5', at: '20250630192120' },
          { test: 'TSH II', value: '1.411', units: 'uIU/mL', range: '0.3 to 4.5', at: '20250630203450' },
        ],
      }).catch(unreachable);
      return outcome.accepted;
    }
    case 'vitros': {
      const a = await VitrosAnalyzer.connect({ host, port, log, ...(windowMs ? { replyWindowMs: windowMs } : {}) }).catch(unreachable);
      try {
        if (values.query) {
          const outcome = await a.query(values.query);
          console.log(JSON.stringify({ ...outcome, raw: undefined }, null, 1));
          return outcome.kind !== 'rejected' && outcome.kind !== 'cancelled';
        }
        const sent = await a.send(vitrosResult(values.barcode ?? '1068616', [{ assay: '309', value: values.value ?? '140', units: 'mmol/L' }, { assay: '950', value: '<15' }]));
        return sent.accepted;
      } finally {
        a.close();
      }
    }
    case 'dymind': {
      const a = await DymindAnalyzer.connect(port, { host, ...(windowMs ? { replyWindowMs: windowMs } : {}) }).catch(unreachable);
      try {
        if (values.query) {
          const outcome = await a.query(values.query);
          console.log(JSON.stringify(outcome, null, 1));
          return outcome.kind !== 'cancelled' && outcome.problems.length === 0;
        }
        const sent = await a.sendResults(values.barcode ?? 'H3001', [
          { code: '6690-2', name: 'WBC', value: values.value ?? '7.13', units: '10*3/uL', range: '4.00-10.00' },
          { code: '718-7', name: 'HGB', value: '12.9', units: 'g/dL', range: '11.0-16.0' },
          { code: '777-3', name: 'PLT', value: '58', units: '10*3/uL', range: '100-300', flags: 'L~A' },
        ]);
        console.log(sent.ack);
        return sent.accepted;
      } finally {
        a.close();
      }
    }
  }
  return false;
}

const ok = await run();
console.log(ok ? 'message accepted' : 'message NOT accepted');
process.exit(ok ? 0 : 1);
