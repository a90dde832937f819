import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zip } from './zip.ts';

const FILES = { linux: 'lis-bridge-linux-x64', win: 'lis-bridge-win-x64.exe' } as const;

/** What the download's bridge.json holds: enough for a bridge to pair with this cloud at first start. */
export interface PrePairedConfig {
  origins: string[];
  token: string;
  port: number;
  station: string | null;
}

/** The station's pre-paired bridge: the executable and its bridge.json, in one zip. */
export async function bridgeDownload(dist: string, os: keyof typeof FILES, config: PrePairedConfig): Promise<{ name: string; zip: Buffer } | null> {
  let exe: Buffer;
  try {
    exe = await readFile(join(dist, FILES[os]));
  } catch {
    return null;
  }
  const name = os === 'win' ? 'lis-bridge.exe' : 'lis-bridge';
  return {
    name: `lis-bridge-${os}.zip`,
    zip: zip([
      { name, data: exe, mode: 0o755 },
      { name: 'bridge.json', data: new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n') },
    ]),
  };
}
