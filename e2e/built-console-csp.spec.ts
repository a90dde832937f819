import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectStrict, get } from '../sim/cloud/csp-expect.ts';
import { startDevCloud } from '../sim/cloud/server.ts';
import { ROOT } from './processes.ts';

const BUILT = join(ROOT, 'dist/web');

describe('the production build under the dev cloud\'s Content-Security-Policy', () => {
  it('is what the built console needs: no inline script, handler or javascript: URL in its HTML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csp-built-'));
    const built = await startDevCloud({ dataDir: join(dir, 'cloud'), webRoot: BUILT });
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
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
