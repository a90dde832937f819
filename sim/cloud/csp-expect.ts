import { expect } from 'vitest';
import type { DevCloud } from './server.ts';

/** Directive → its sources, lower-cased. */
function parseCsp(header: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources.map((s) => s.toLowerCase()));
  }
  return out;
}

/** Fails unless the header is the console's strict policy: own-origin scripts only, no inline code, no wildcards. */
export function expectStrict(header: string | null, what: string): void {
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

export async function get(cloud: DevCloud, path: string): Promise<Response> {
  return fetch(new URL(path, cloud.origin), { signal: AbortSignal.timeout(10_000) });
}
