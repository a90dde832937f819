import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BRIDGE_PORT, DEFAULT_CLOUD_PORT } from '../../shared/version.ts';
import { startDevCloud } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_CLOUD_PORT) },
    'data-dir': { type: 'string', default: '.data/cloud' },
    'bridge-url': { type: 'string', default: `ws://127.0.0.1:${DEFAULT_BRIDGE_PORT}` },
  },
});

// Without a bridge token the dev cloud offers no pairing, and the console shows how to pair.
const token = process.env.LIS_BRIDGE_TOKEN;
const cloud = await startDevCloud({
  port: Number(values.port),
  dataDir: resolve(values['data-dir']!),
  ...(token ? { bridge: { url: values['bridge-url']!, token } } : {}),
});
console.log(`dev cloud on ${cloud.origin}`);
