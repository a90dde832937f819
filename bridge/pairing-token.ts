import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The pairing token: given at install, or made on first run and kept owner-only in the data
 * directory, so that only a page that was paired with this PC can drive its analyzers.
 */
export function loadOrCreateToken(dataDir: string): { token: string; created: boolean } {
  const file = join(dataDir, 'pairing-token');
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, created: false };
  } catch {
    // first run: no token yet
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(16).toString('hex');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, created: true };
}
