import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE_PORT, DEFAULT_CLOUD_PORT } from '../shared/version.ts';
import { sendAstmMessage } from './analyzers/astm-analyzer.ts';
import { udichemResult } from './analyzers/messages.ts';
import { startDevCloud } from './cloud/server.ts';
import { DEMO_PORTS } from './cloud/seed.ts';

const { values } = parseArgs({
  options: {
    'no-simulators': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    port: { type: 'string', default: String(DEFAULT_CLOUD_PORT) },
    'bridge-port': { type: 'string', default: String(DEFAULT_BRIDGE_PORT) },
    'data-dir': { type: 'string' },
    'udichem-port': { type: 'string', default: String(DEMO_PORTS.udichem) },
    'sim-interval-ms': { type: 'string', default: '20000' },
  },
});

const root = resolve(import.meta.dirname, '..');
if (!values['skip-build']) {
  console.log('Building the console…');
  const built = spawnSync(process.execPath, [resolve(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const cloudPort = Number(values.port);
const bridgePort = Number(values['bridge-port']);
const origin = `http://127.0.0.1:${cloudPort}`;
const dataDir = resolve(values['data-dir'] ?? resolve(root, '.data'));
const udichemPort = Number(values['udichem-port']);
// The demo pairs bridge and console with a fresh token each start; real installs pair once.
const token = randomBytes(16).toString('hex');

const bridge: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'bridge/main.ts'), '--port', String(bridgePort), '--origin', origin, '--data-dir', resolve(dataDir, 'bridge')], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, LIS_BRIDGE_TOKEN: token },
});
bridge.on('exit', (code) => {
  console.error(`The bridge exited (code ${code}); stopping.`);
  process.exit(code || 1);
});

const cloud = await startDevCloud({
  port: cloudPort,
  dataDir: resolve(dataDir, 'cloud'),
  webRoot: resolve(root, 'dist/web'),
  ports: { ...DEMO_PORTS, udichem: udichemPort },
  bridge: { url: `ws://127.0.0.1:${bridgePort}`, token },
});
console.log(`\nOpen ${origin} in Chrome (demo login: demo@example.com / demo)\n`);

const stop = async () => {
  bridge.removeAllListeners('exit');
  bridge.kill('SIGTERM');
  await cloud.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

if (!values['no-simulators']) {
  let n = 0;
  const every = Number(values['sim-interval-ms']);
  setInterval(() => {
    n += 1;
    const barcode = `DEMO${String(n).padStart(4, '0')}`;
    const value = String(70 + Math.floor(Math.random() * 60));
    sendAstmMessage({ port: udichemPort, framing: n % 2 ? 'simplified' : 'strict', records: udichemResult({ barcode, value }), replyTimeoutMs: 15_000 })
      .then((o) => console.log(`[sim udichem] ${barcode} GLU ${value}: ${o.accepted ? 'accepted' : `not accepted (${o.replies.join(', ')})`}`))
      .catch((err: Error) => console.log(`[sim udichem] cannot connect yet: ${err.message}`));
  }, every);
  console.log(`Simulated analyzers send a result every ${every / 1000} s (npm start -- --no-simulators to stop them).`);
}
