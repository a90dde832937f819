import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The checksum file's name: the format of GNU `sha256sum`, so `sha256sum -c SHA256SUMS` checks it. */
export const SUMS_FILE = 'SHA256SUMS';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `<hex>  <name>` lines (two spaces: text mode in sha256sum's format) for files in one folder. */
export async function writeSha256Sums(dir: string, names: string[]): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const name of names) sums[name] = await sha256File(join(dir, name));
  writeFileSync(join(dir, SUMS_FILE), names.map((n) => `${sums[n]}  ${n}\n`).join(''));
  return sums;
}

/** Reads a SHA256SUMS file back into name → hex; `*name` (binary mode) is accepted too. */
export function readSha256Sums(file: string): Record<string, string> {
  const sums: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) sums[basename(m[2])] = m[1];
  }
  return sums;
}
