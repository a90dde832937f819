import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { unzip } from '../sim/cloud/zip.ts';
import { ROOT, spawnExecutable, type Spawned } from './processes.ts';
import { startStack, type Stack } from './stack.ts';

const EXE = join(ROOT, 'dist/bridge/lis-bridge-linux-x64');

describe.skipIf(!existsSync(EXE))('the bridge as downloaded from the cloud (single executable; built by the unit suite)', () => {
  let stack: Stack;
  let bridge: Spawned | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'lis-download-'));

  beforeAll(async () => {
    stack = await startStack({ noBridge: true });
  });
  afterAll(async () => {
    await bridge?.kill();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is pre-paired: it starts from the download with no flags, and the console drives analyzers through it with no pairing step', async () => {
    const login = await fetch(`${stack.cloud.origin}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: 'demo@example.com', password: 'demo' }) });
    const { token } = (await login.json()) as { token: string };
    const res = await fetch(`${stack.cloud.origin}/api/lis/bridge/download?os=linux`, { headers: { 'X-Authorization': token } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const entries = unzip(Buffer.from(await res.arrayBuffer()));
    expect(entries.map((e) => e.name).sort()).toEqual(['bridge.json', 'lis-bridge']);
    for (const e of entries) writeFileSync(join(dir, e.name), e.data);
    chmodSync(join(dir, 'lis-bridge'), 0o755);
    const config = JSON.parse(new TextDecoder().decode(entries.find((e) => e.name === 'bridge.json')!.data)) as { origins: string[]; token: string; port: number };
    expect(config).toMatchObject({ origins: [stack.cloud.origin], token: stack.bridgeToken, port: stack.bridgePort });

    expect(execFileSync(join(dir, 'lis-bridge'), ['--version'], { encoding: 'utf8' })).toMatch(/^lis-bridge \d+\.\d+\.\d+ \(wire protocol 1\)/);
    // As a technician would: run it from where it was unpacked, with nothing typed.
    bridge = spawnExecutable(join(dir, 'lis-bridge'), ['run', '--data-dir', join(dir, 'data')]);
    await bridge.waitFor(/listening on ws:/);

    const page = await stack.openConsole();
    await page.locator('[data-testid="bridge-state"]', { hasText: 'connected' }).waitFor();
    const outcome = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: 'EXE-1' }) });
    expect(outcome.accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'EXE-1');
    expect(bridge.output()).toMatch(/page-attached/);
  });
});
