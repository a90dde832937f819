import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE_PORT, DEFAULT_CLOUD_PORT, APP_VERSION, WIRE_PROTOCOL_VERSION } from '../shared/version.ts';
import { startBridge } from './bridge-server.ts';
import { loadOrCreateToken } from './pairing-token.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    origin: { type: 'string', multiple: true },
    token: { type: 'string' },
    'data-dir': { type: 'string' },
    'grace-ms': { type: 'string' },
    version: { type: 'boolean' },
  },
});

if (values.version) {
  console.log(`lis-bridge ${APP_VERSION} (wire protocol ${WIRE_PROTOCOL_VERSION})`);
  process.exit(0);
}

const port = Number(values.port ?? process.env.LIS_BRIDGE_PORT ?? DEFAULT_BRIDGE_PORT);
const origins = values.origin ?? (process.env.LIS_BRIDGE_ORIGINS ? process.env.LIS_BRIDGE_ORIGINS.split(',') : [`http://127.0.0.1:${DEFAULT_CLOUD_PORT}`]);
const dataDir = values['data-dir'] ?? process.env.LIS_BRIDGE_DATA_DIR ?? join(homedir(), '.lis-bridge');
let token = values.token ?? process.env.LIS_BRIDGE_TOKEN;
if (!token) {
  const made = loadOrCreateToken(dataDir);
  token = made.token;
  if (made.created) console.log(`[bridge] new pairing code: ${token} (type it once in the console's Settings)`);
}

try {
  await startBridge({
    port,
    allowedOrigins: origins,
    token,
    ...(values['grace-ms'] ? { graceMs: Number(values['grace-ms']) } : {}),
  });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') {
    console.error(`[bridge] cannot start: ${await describeHolder(port)}. Only one bridge may run on a PC; stop the other one first.`);
    process.exit(2);
  }
  console.error(`[bridge] cannot start: ${e.message}`);
  process.exit(1);
}

/** The control port is the single-instance lock: name whoever holds it. */
async function describeHolder(port: number): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    const h = (await res.json()) as { pid: number; version: string; startedAt: string };
    return `another bridge is already running on 127.0.0.1:${port} (pid ${h.pid}, version ${h.version}, started at ${h.startedAt})`;
  } catch {
    return `port 127.0.0.1:${port} is held by another program`;
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
