import { parseArgs } from 'node:util';
import { sendAstmMessage } from './astm-analyzer.ts';
import { udichemResult } from './messages.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    barcode: { type: 'string', default: 'B123' },
    framing: { type: 'string', default: 'simplified' },
    value: { type: 'string' },
  },
});

const kind = positionals[0] ?? 'udichem';
const framing = values.framing === 'strict' ? 'strict' : 'simplified';
if (kind !== 'udichem') {
  console.error(`unknown analyzer "${kind}"; known: udichem`);
  process.exit(64);
}
const port = Number(values.port ?? 15003);
const outcome = await sendAstmMessage({
  host: values.host,
  port,
  framing,
  records: udichemResult({ barcode: values.barcode!, ...(values.value ? { value: values.value } : {}) }),
  log: (line) => console.log(line),
}).catch((err: Error) => {
  console.error(`cannot reach the host on ${values.host}:${port}: ${err.message}`);
  process.exit(3);
});
console.log(outcome.accepted ? 'message accepted' : 'message NOT accepted');
process.exit(outcome.accepted ? 0 : 1);
