import { isSea } from 'node:sea';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { APP_VERSION, WIRE_PROTOCOL_VERSION } from '../shared/version.ts';
import { resolveConfig, type BridgeConfig, type BridgeFlags } from './bridge-config.ts';
import { randomBytes } from 'node:crypto';
import type { BridgeOs } from '../shared/bridge-wire.ts';
import { createLog, type BridgeLog } from './bridge-log.ts';
import { RELEASE_PUBLIC_KEY } from './release-key.ts';
import { SelfUpdate } from './self-update.ts';
import { confirmTrial, EXIT_RESTART, startTrial } from './update-trial.ts';
import { startBridge } from './bridge-server.ts';
import { loadOrCreateToken } from './pairing-token.ts';
import { installedExecutable, installPlan, runInstall, runUninstall, uninstallPlan } from './service-install.ts';

const USAGE = `lis-bridge [run|status|install|uninstall|self-test] [options]
  --port N              control port on 127.0.0.1 (default 17800)
  --origin URL          console origin allowed to attach (repeatable)
  --data-dir DIR        where the token, config and log live
  --allow-listen LIST   analyzer ports the bridge may listen on (e.g. 15001-15004,5600)
  --allow-connect H:P   analyzer address the bridge may connect to (repeatable)
  --grace-ms N          how long analyzer sockets outlive a detached page
  --dry-run             install/uninstall: print what would be done
  --version`;

const BRIDGE_OS: BridgeOs = process.platform === 'win32' ? 'win' : 'linux';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    origin: { type: 'string', multiple: true },
    token: { type: 'string' },
    'data-dir': { type: 'string' },
    'grace-ms': { type: 'string' },
    'allow-listen': { type: 'string' },
    'allow-connect': { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
    version: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});

if (values.version) {
  console.log(`lis-bridge ${APP_VERSION} (wire protocol ${WIRE_PROTOCOL_VERSION})`);
  process.exit(0);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals[0] === 'self-test') await selfTest();

const command = positionals[0] ?? 'run';
let config: BridgeConfig;
try {
  // The single executable looks for the download's bridge.json beside itself.
  config = resolveConfig(values as BridgeFlags, process.env, isSea() ? dirname(process.execPath) : undefined);
} catch (err) {
  console.error(`lis-bridge: ${(err as Error).message}`);
  process.exit(64);
}

switch (command) {
  case 'run':
    await run();
    break;
  case 'status':
    process.exit(await status());
    break;
  case 'install':
  case 'uninstall':
    manageService(command);
    break;
  default:
    console.error(`lis-bridge: unknown command "${command}"\n${USAGE}`);
    process.exit(64);
}

async function run(): Promise<void> {
  const log = createLog(config.dataDir);
  // A self-update on trial that keeps failing hands back to the previous executable.
  if (isSea() && startTrial(config.dataDir, APP_VERSION, log) === 'rolled-back') process.exit(EXIT_RESTART);
  let token = config.token;
  if (!token) {
    const made = loadOrCreateToken(config.dataDir);
    token = made.token;
    if (made.created) console.log(`[bridge] pairing code: ${token} (type it once in the console's Settings)`);
  }
  try {
    const running = await startBridge({
      port: config.port,
      allowedOrigins: config.origins,
      token,
      policy: config.policy,
      log,
      ...(config.graceMs !== null ? { graceMs: config.graceMs } : {}),
      ...(isSea() ? { selfUpdate: { updater: selfUpdater(log), os: BRIDGE_OS, restart: () => void restartForUpdate() } } : {}),
      onPageAttached: () => confirmTrial(config.dataDir, APP_VERSION, log),
    });
    const restartForUpdate = async () => {
      await running.close();
      process.exit(EXIT_RESTART);
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      const holder = await describeHolder(config.port);
      log('error', 'second-instance-refused', { holder });
      console.error(`[bridge] cannot start: ${holder}. Only one bridge may run on a PC; stop the other one first.`);
      process.exit(2);
    }
    console.error(`[bridge] cannot start: ${e.message}`);
    process.exit(1);
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
}

function selfUpdater(log: BridgeLog): SelfUpdate {
  return new SelfUpdate({ exePath: process.execPath, dataDir: config.dataDir, os: BRIDGE_OS, version: APP_VERSION, publicKeyPem: RELEASE_PUBLIC_KEY, log });
}

/**
 * Started by a running bridge on a build it has just received, before swapping it in: come up as
 * far as serving (on a throwaway port, admitting no page), shut down, and say so.
 */
async function selfTest(): Promise<never> {
  try {
    const b = await startBridge({ port: 0, allowedOrigins: [], token: randomBytes(32).toString('hex'), log: createLog(null, () => {}) });
    await b.close();
    console.log(`self-test ok ${APP_VERSION}`);
    process.exit(0);
  } catch (err) {
    console.error(`self-test failed: ${(err as Error).message}`);
    process.exit(1);
  }
}

interface Health {
  pid: number;
  version: string;
  wire: number;
  startedAt: string;
  uptimeS: number;
  attachedPage: { since: string } | null;
  listeners: { device: string; port: number; listening: boolean; connections: number }[];
}

async function fetchHealth(port: number): Promise<Health | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as Health;
  } catch {
    return null;
  }
}

/** The control port is the single-instance lock: name whoever holds it. */
async function describeHolder(port: number): Promise<string> {
  const h = await fetchHealth(port);
  return h
    ? `another bridge is already running on 127.0.0.1:${port} (pid ${h.pid}, version ${h.version}, started at ${h.startedAt})`
    : `port 127.0.0.1:${port} is held by another program`;
}

async function status(): Promise<number> {
  const h = await fetchHealth(config.port);
  if (!h) {
    console.log(`No bridge is running on 127.0.0.1:${config.port}.`);
    return 3;
  }
  console.log(`lis-bridge ${h.version} (wire ${h.wire}), pid ${h.pid}, up ${h.uptimeS} s since ${h.startedAt}`);
  console.log(h.attachedPage ? `console attached since ${h.attachedPage.since}` : 'no console attached');
  for (const l of h.listeners) console.log(`  device ${l.device}: port ${l.port} ${l.listening ? 'listening' : 'not listening'}, ${l.connections} connection(s)`);
  return 0;
}

function manageService(which: 'install' | 'uninstall'): void {
  // Re-run exactly what is running now (the executable, or node with its loader and script).
  // In the single executable, argv[1] is the executable again, as typed (e.g. `./lis-bridge`), not a script.
  // The executable applies its own built-in Node options, which also show in execArgv.
  // The executable runs from its home in the data directory, where self-updates replace it.
  const home = installedExecutable(config.dataDir);
  const [program, ...prefix] = isSea() ? [home] : [process.execPath, ...process.execArgv, ...(process.argv[1] ? [process.argv[1]] : [])];
  const cmd = { program, args: [...prefix, 'run', '--data-dir', config.dataDir], dataDir: config.dataDir };
  if (which === 'install') {
    const plan = { ...installPlan(cmd), ...(isSea() ? { copy: { from: process.execPath, to: home } } : {}) };
    if (values['dry-run']) {
      if (plan.copy) console.log(`copy ${plan.copy.from} -> ${plan.copy.to}`);
      for (const f of plan.files) console.log(`--- ${f.path}\n${f.content}`);
      for (const c of plan.commands) console.log(`$ ${c.join(' ')}`);
      return;
    }
    // The pre-paired bridge.json that came with the download goes where the service will look.
    const beside = join(dirname(process.execPath), 'bridge.json');
    if (isSea() && existsSync(beside) && !existsSync(join(config.dataDir, 'bridge.json'))) {
      mkdirSync(config.dataDir, { recursive: true });
      copyFileSync(beside, join(config.dataDir, 'bridge.json'));
    }
    runInstall(plan);
    console.log('The bridge is installed and starts with your session. `lis-bridge status` shows it.');
  } else {
    const plan = uninstallPlan(config.dataDir);
    if (values['dry-run']) {
      for (const c of plan.commands) console.log(`$ ${c.join(' ')}`);
      for (const r of plan.remove) console.log(`rm ${r}`);
      return;
    }
    runUninstall(plan);
    console.log('The bridge service is removed.');
  }
}
