/**
 * The dev cloud serves the console with a strict Content-Security-Policy: analyzer text shown in
 * the console can never run as script. Checked over HTTP on the real server, on every kind of
 * file it serves (the entry HTML, a deep link, scripts, the service worker, the manifest). The
 * build itself is checked against the same policy in e2e/built-console-csp.spec.ts, once it exists.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStrict, get } from './csp-expect.ts';
import { startDevCloud, type DevCloud } from './server.ts';

describe('the dev cloud\'s Content-Security-Policy', () => {
  let cloud: DevCloud;
  let dir: string;

  beforeAll(async () => {
    // A console of our own (the real build may not exist when unit tests run): the policy is the server's, whatever it serves.
    dir = mkdtempSync(join(tmpdir(), 'csp-test-'));
    const web = join(dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body><div id="root"></div></body></html>');
    writeFileSync(join(web, 'assets', 'app.js'), 'document.getElementById("root").textContent = "console";');
    writeFileSync(join(web, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(web, 'manifest.webmanifest'), '{"name":"console"}');
    cloud = await startDevCloud({ dataDir: join(dir, 'cloud'), webRoot: web });
  });
  afterAll(async () => {
    await cloud?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is sent, strict, with the console\'s HTML and scripts, deep links included', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/index.html', 'text/html'],
      ['/machines/3/inspector', 'text/html'],
      ['/assets/app.js', 'text/javascript'],
      ['/sw.js', 'text/javascript'],
      ['/manifest.webmanifest', 'application/manifest+json'],
    ]) {
      const res = await get(cloud, path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain(type);
      expectStrict(res.headers.get('content-security-policy'), path);
      await res.arrayBuffer();
    }
  });
});
