import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredResult } from '../shared/cloud-api.ts';
import { launchChromium } from './chromium.ts';
import { freePort, spawnTs, type Spawned } from './processes.ts';

describe('npm start', () => {
  let started: Spawned | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'lis-start-'));
  afterAll(async () => {
    await started?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a URL that, opened in headless Chromium with no interaction, carries simulator results to the dev cloud', async () => {
    const [port, bridgePort, udichemPort] = [await freePort(), await freePort(), await freePort()];
    started = spawnTs('sim/start.ts', ['--skip-build', '--port', String(port), '--bridge-port', String(bridgePort), '--udichem-port', String(udichemPort), '--data-dir', dataDir, '--sim-interval-ms', '500']);
    const line = await started.waitFor(/Open (http:\/\/\S+) in Chrome/);
    const url = line.match(/Open (\S+) in Chrome/)![1];
    expect(url).toBe(`http://127.0.0.1:${port}`);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await started.waitFor(/\[sim udichem\] DEMO\d+ GLU \d+: accepted/, 30_000);
      const login = await fetch(`${url}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: 'demo@example.com', password: 'demo' }) });
      const { token } = (await login.json()) as { token: string };
      let rows: StoredResult[] = [];
      await expect
        .poll(async () => {
          const res = await fetch(`${url}/api/lis/machine-results?machine_id=3`, { headers: { 'X-Authorization': token } });
          rows = (await res.json()) as StoredResult[];
          return rows.length;
        }, { timeout: 20_000 })
        .toBeGreaterThan(0);
      expect(rows[0]).toMatchObject({ test_code: 'GLU', units: 'mg/dl' });
    } finally {
      await browser.close();
    }
  });
});
