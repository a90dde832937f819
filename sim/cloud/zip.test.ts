import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, unzip, zip } from './zip.ts';

describe('zip', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips entries', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,12}$/), data: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 4 }), (entries) => {
        expect(unzip(zip(entries)).map((e) => [e.name, [...e.data]])).toEqual(entries.map((e) => [e.name, [...e.data]]));
      }),
    );
  });

  it('is read by a real unzip, executable bit included', () => {
    if (spawnSync('unzip', ['-v']).status !== 0) return;
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    try {
      writeFileSync(join(dir, 'a.zip'), zip([{ name: 'run.sh', data: new TextEncoder().encode('echo hi\n'), mode: 0o755 }, { name: 'bridge.json', data: new TextEncoder().encode('{}') }]));
      execFileSync('unzip', ['-q', 'a.zip'], { cwd: dir });
      expect(readFileSync(join(dir, 'run.sh'), 'utf8')).toBe('echo hi\n');
      expect(statSync(join(dir, 'run.sh')).mode & 0o111).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
