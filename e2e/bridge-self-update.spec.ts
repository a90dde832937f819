import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildExecutables, CACHE_DIR, EXECUTABLES } from '../bridge/build/build-executables.ts';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult, yyyymmdd } from '../sim/analyzers/messages.ts';
import { signRelease } from '../sim/cloud/bridge-releases.ts';
import { engineCommand } from './console-db.ts';
import { spawnExecutable, type Spawned } from './processes.ts';
import { keysOf, score } from './scorecard.ts';
import { startStack, type Stack } from './stack.ts';
import { Supervisor } from './supervisor.ts';

const V1 = '0.1.0';
const V2 = '0.1.1';
const LISTENING = /listening on ws:/;
const EXE = EXECUTABLES['linux-x64'];

/** Three Linux builds under one ephemeral release key (the real key is a build input, never in the tree). */
const builds = mkdtempSync(join(tmpdir(), 'lis-self-update-builds-'));
const key = generateKeyPairSync('ed25519');
const publicKey = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privateKey = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

async function build(name: string, version: string, entry?: string): Promise<string> {
  const outDir = join(builds, name);
  await buildExecutables({ outDir, cacheDir: CACHE_DIR, targets: ['linux-x64'], inputs: { releasePublicKey: publicKey, version }, log: () => {}, ...(entry ? { entry } : {}) });
  return join(outDir, EXE);
}

const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the bridge updates itself from the cloud, through the page (Linux executable under a supervisor)', () => {
  const exes: Record<'v1' | 'v2' | 'cannotRun', string> = { v1: '', v2: '', cannotRun: '' };
  let stack: Stack | undefined;
  let supervisor: Supervisor | undefined;
  let home = '';

  beforeAll(async () => {
    exes.v1 = await build('v1', V1);
    exes.v2 = await build('v2', V2);
    exes.cannotRun = await build('cannot-run', '0.1.2', 'e2e/fixtures/bridge-that-cannot-run.ts');
  }, 300_000);
  afterEach(async () => {
    await supervisor?.stop();
    supervisor = undefined;
    await stack?.close();
    stack = undefined;
  });
  afterAll(() => rmSync(builds, { recursive: true, force: true }));

  /** v1 installed in its home and running as a service would, with the console attached. */
  async function installedV1() {
    stack = await startStack({ noBridge: true });
    home = join(stack.dataDir, 'home');
    mkdirSync(home);
    copyFileSync(exes.v1, join(home, 'lis-bridge'));
    chmodSync(join(home, 'lis-bridge'), 0o755);
    const s = stack;
    const args = ['run', '--port', String(s.bridgePort), '--origin', s.cloud.origin, '--data-dir', join(home, 'data')];
    supervisor = await Supervisor.runWith(() => spawnExecutable(join(home, 'lis-bridge'), args, { LIS_BRIDGE_TOKEN: s.bridgeToken }), LISTENING);
    const page = await s.openConsole();
    await supervisor.current.waitFor(/page-attached/);
    return page;
  }

  /** The first start of `version` that comes up listening, however many starts it takes. */
  async function upAs(version: string): Promise<Spawned> {
    const up = new RegExp(`listening on ws:.*version=${version.replaceAll('.', '\\.')}`);
    for (;;) {
      const p = supervisor!.current;
      const outcome = await Promise.race([p.waitFor(up, 120_000).then(() => 'up' as const), p.exited.then(() => 'exited' as const)]);
      if (outcome === 'up') return p;
      while (supervisor!.current === p) await new Promise((r) => setImmediate(r));
    }
  }

  const installedVersion = () => execFileSync(join(home, 'lis-bridge'), ['--version'], { encoding: 'utf8' }).trim();

  it('publishes v2 signed: v1 takes it, restarts as v2, the console reattaches, and no result is lost or doubled', async () => {
    const page = await installedV1();
    const s = stack!;
    // An analyzer sending all along; a message it could not deliver it sends again, as analyzers do.
    let stop = false;
    const sent: string[] = [];
    const analyzer = (async () => {
      for (let i = 0; !stop; i++) {
        const barcode = `SU-${i}`;
        sent.push(barcode);
        for (;;) {
          const o = await sendAstmMessage({ port: s.ports.udichem, framing: 'simplified', records: udichemResult({ barcode }), replyTimeoutMs: 3_000 }).catch(() => ({ accepted: false }));
          if (o.accepted || stop) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })();
    try {
      s.cloud.publishBridge({ version: V2, os: 'linux', file: exes.v2, signature: signRelease(privateKey, V2, 'linux', sha256Of(exes.v2)) });
      await engineCommand(page, { type: 'sync-now' });
      await supervisor!.current.exited;
      const v2 = await upAs(V2);
      await v2.waitFor(/page-attached/);
      await v2.waitFor(/update-confirmed/);
      const before = sent.length;
      await s.until(() => sent.length >= before + 3, 'three messages through v2');
    } finally {
      stop = true;
      await analyzer;
    }
    expect(installedVersion()).toBe(`lis-bridge ${V2} (wire protocol 1)`);
    expect(existsSync(join(home, 'lis-bridge.prev'))).toBe(false);
    for (const barcode of sent) await s.waitForResults((r) => r.barcode === barcode);
    score('bridge self-update mid-traffic', keysOf(sent, yyyymmdd()), s.cloud.store.results({}).filter((r) => r.barcode.startsWith('SU-')));
  }, 240_000);

  it('refuses a v2 whose signature is not the release key\'s, with a log line, and v1 keeps running', async () => {
    const page = await installedV1();
    const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    stack!.cloud.publishBridge({ version: V2, os: 'linux', file: exes.v2, signature: signRelease(other, V2, 'linux', sha256Of(exes.v2)) });
    await engineCommand(page, { type: 'sync-now' });
    await supervisor!.current.waitFor(/update-refused.*signature is not valid/);
    expect(supervisor!.restarts).toBe(0);
    expect(installedVersion()).toBe(`lis-bridge ${V1} (wire protocol 1)`);
    const o = await sendAstmMessage({ port: stack!.ports.udichem, framing: 'simplified', records: udichemResult({ barcode: 'SU-BADSIG' }) });
    expect(o.accepted).toBe(true);
    await stack!.waitForResults((r) => r.barcode === 'SU-BADSIG');
  }, 120_000);

  it('refuses a correctly signed build that does not even start (it is started once before any swap)', async () => {
    const page = await installedV1();
    const broken = join(stack!.dataDir, 'broken');
    copyFileSync(exes.v2, broken);
    truncateSync(broken, Math.floor(statSync(broken).size / 2));
    stack!.cloud.publishBridge({ version: V2, os: 'linux', file: broken, signature: signRelease(privateKey, V2, 'linux', sha256Of(broken)) });
    await engineCommand(page, { type: 'sync-now' });
    await supervisor!.current.waitFor(/update-refused.*does not start/);
    expect(supervisor!.restarts).toBe(0);
    expect(installedVersion()).toBe(`lis-bridge ${V1} (wire protocol 1)`);
  }, 120_000);

  it('rolls back a v2 that is swapped in but cannot run: v1 is back and the console reattaches', async () => {
    const page = await installedV1();
    stack!.cloud.publishBridge({ version: '0.1.2', os: 'linux', file: exes.cannotRun, signature: signRelease(privateKey, '0.1.2', 'linux', sha256Of(exes.cannotRun)) });
    await engineCommand(page, { type: 'sync-now' });
    await supervisor!.current.exited;
    const back = await upAs(V1);
    await back.waitFor(/page-attached/);
    expect(supervisor!.restarts).toBeGreaterThanOrEqual(4);
    const log = readFileSync(join(home, 'data', 'bridge.log'), 'utf8');
    expect(log).toMatch(/update-rolled-back/);
    expect(installedVersion()).toBe(`lis-bridge ${V1} (wire protocol 1)`);
    const o = await sendAstmMessage({ port: stack!.ports.udichem, framing: 'simplified', records: udichemResult({ barcode: 'SU-ROLLBACK' }) });
    expect(o.accepted).toBe(true);
  }, 240_000);
});
