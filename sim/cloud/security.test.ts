/**
 * The dev cloud serves the console with a strict Content-Security-Policy: analyzer text shown in
 * the console can never run as script. Checked over HTTP on the real server, on every kind of
 * file it serves (the entry HTML, a deep link, scripts, the service worker, the manifest), and,
 * when the console has been built, on the build itself.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCloud, type DevCloud } from './server.ts';

const BUILT = resolve(import.meta.dirname, '../../dist/web');

/** Directive → its sources, lower-cased. */
function parseCsp(header: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources.map((s) => s.toLowerCase()));
  }
  return out;
}

function expectStrict(header: string | null, what: string): void {
  expect(header, `${what}: Content-Security-Policy`).toBeTruthy();
  const csp = parseCsp(header!);
  expect(csp.get('script-src'), `${what}: script-src`).toEqual(["'self'"]);
  expect(csp.get('default-src'), `${what}: default-src`).toEqual(["'self'"]);
  expect(csp.get('object-src'), `${what}: object-src`).toEqual(["'none'"]);
  expect(csp.get('frame-ancestors'), `${what}: frame-ancestors`).toEqual(["'none'"]);
  expect(['\'none\'', '\'self\'']).toContain(csp.get('base-uri')?.[0]);
  for (const [name, sources] of csp) {
    for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'", '*', 'data:', 'blob:', 'http:', 'https:']) {
      // Images may be data: URLs (icons); nothing else may take a wildcard or inline code.
      if (bad === 'data:' && name === 'img-src') continue;
      expect(sources, `${what}: ${name} allows ${bad}`).not.toContain(bad);
    }
  }
  // The page talks to its own origin and the bridge, which only ever listens on loopback.
  for (const s of csp.get('connect-src') ?? []) expect(s === "'self'" || /^(ws|http):\/\/127\.0\.0\.1:/.test(s), `${what}: connect-src ${s}`).toBe(true);
}

async function get(cloud: DevCloud, path: string): Promise<Response> {
  return fetch(new URL(path, cloud.origin), { signal: AbortSignal.timeout(10_000) });
}

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

  it.skipIf(!existsSync(join(BUILT, 'index.html')))('is what the built console needs: no inline script, handler or javascript: URL in its HTML', async () => {
    const built = await startDevCloud({ dataDir: join(dir, 'cloud-built'), webRoot: BUILT });
    try {
      const res = await get(built, '/');
      expectStrict(res.headers.get('content-security-policy'), 'built /');
      const html = await res.text();
      expect(html).toBe(readFileSync(join(BUILT, 'index.html'), 'utf8'));
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attrs, body] of scripts) {
        expect(attrs, 'a script without src would be blocked').toMatch(/\bsrc=/);
        expect(body.trim()).toBe('');
        const src = /\bsrc="([^"]+)"/.exec(attrs)![1];
        const js = await get(built, src);
        expect(js.status, src).toBe(200);
        expectStrict(js.headers.get('content-security-policy'), src);
        await js.arrayBuffer();
      }
      expect(html).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/javascript:/i);
    } finally {
      await built.close();
    }
  });
});
