import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BRIDGE_PORT, DEFAULT_CLOUD_PORT } from '../shared/version.ts';
import { DEFAULT_POLICY, parsePortSet, type LocalPolicy } from './local-policy.ts';

/** `bridge.json` in the data directory: written by the install (or the cloud's pre-paired download). */
export interface BridgeConfigFile {
  port?: number;
  origins?: string[];
  token?: string;
  station?: string;
  listenPorts?: string;
  connectTargets?: string[];
  graceMs?: number;
}

export interface BridgeFlags {
  port?: string;
  origin?: string[];
  token?: string;
  'data-dir'?: string;
  'grace-ms'?: string;
  'allow-listen'?: string;
  'allow-connect'?: string[];
}

export interface BridgeConfig {
  port: number;
  origins: string[];
  token: string | null;
  dataDir: string;
  graceMs: number | null;
  policy: LocalPolicy;
}

export function defaultDataDir(): string {
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'lis-bridge');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'lis-bridge');
}

function readConfigFile(dataDir: string): BridgeConfigFile {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'bridge.json'), 'utf8')) as BridgeConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`bridge.json in ${dataDir} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Flags, then environment, then the config file, then defaults. The config file is the data
 * directory's, or else the one that came beside the executable in the cloud's pre-paired download.
 */
export function resolveConfig(flags: BridgeFlags, env: NodeJS.ProcessEnv = process.env, besideExecutable?: string): BridgeConfig {
  const dataDir = flags['data-dir'] ?? env.LIS_BRIDGE_DATA_DIR ?? defaultDataDir();
  const installed = readConfigFile(dataDir);
  const file = Object.keys(installed).length > 0 || !besideExecutable ? installed : readConfigFile(besideExecutable);
  const listen = flags['allow-listen'] ?? env.LIS_BRIDGE_ALLOW_LISTEN ?? file.listenPorts;
  const connect = flags['allow-connect'] ?? (env.LIS_BRIDGE_ALLOW_CONNECT ? env.LIS_BRIDGE_ALLOW_CONNECT.split(',') : file.connectTargets);
  const grace = flags['grace-ms'] ?? env.LIS_BRIDGE_GRACE_MS ?? file.graceMs;
  return {
    port: Number(flags.port ?? env.LIS_BRIDGE_PORT ?? file.port ?? DEFAULT_BRIDGE_PORT),
    origins: flags.origin ?? (env.LIS_BRIDGE_ORIGINS ? env.LIS_BRIDGE_ORIGINS.split(',') : file.origins ?? [`http://127.0.0.1:${DEFAULT_CLOUD_PORT}`]),
    token: flags.token ?? env.LIS_BRIDGE_TOKEN ?? file.token ?? null,
    dataDir,
    graceMs: grace === undefined ? null : Number(grace),
    policy: {
      listenPorts: listen ? parsePortSet(listen) : DEFAULT_POLICY.listenPorts,
      connectTargets: connect ?? DEFAULT_POLICY.connectTargets,
    },
  };
}
