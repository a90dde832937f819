import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The SEA settings both executables are built with (Node 26's `--build-sea` config, minus paths).
 * Part of the build fingerprint: changing one rebuilds.
 */
export const SEA_OPTIONS = {
  // The bundle is an ES module (top-level await in bridge/main.ts).
  mainFormat: 'module',
  // `--version` and the service logs stay clean of "SEA is experimental" on every start.
  disableExperimentalSEAWarning: true,
  // A V8 snapshot or code cache is specific to the platform that made it, and the Windows
  // executable is built on Linux; the bundle is small enough to parse at start-up.
  useSnapshot: false,
  useCodeCache: false,
  // NODE_OPTIONS from the lab PC's environment (set for some other Node tool, or by anyone who
  // can set a user variable) must not be able to `--require` code into the bridge or open an
  // inspector port: the executable takes no Node options at all.
  execArgvExtension: 'none',
  // The bridge holds little (sockets, a 1 MiB detach buffer per device): a small young generation
  // and a capped heap keep garbage from a burst of analyzer traffic from growing the process.
  execArgv: ['--max-semi-space-size=1', '--max-old-space-size=64'],
} as const;

export interface SeaBuild {
  /** A `node` of NODE_SEA_VERSION that runs on this machine: it makes the blob and injects it. */
  builder: string;
  /** The official `node` / `node.exe` the blob is injected into (any target platform). */
  base: string;
  /** The folder holding the bundle; the config and its relative paths live there. */
  workDir: string;
  /** The bundle's file name inside workDir. Relative, so the blob does not embed a build path. */
  main: string;
  /** Where the executable is written. */
  output: string;
  /** A name for the config file (one per target, so two targets can build at once). */
  name: string;
}

/**
 * Generates the blob and injects it in one step with that Node's own `--build-sea`, which patches
 * ELF and PE alike (it flips the fuse and adds the NODE_SEA_BLOB note or RCDATA resource), so the
 * Windows executable is made on Linux without postject.
 */
export function buildSea(b: SeaBuild): Promise<void> {
  const config = join(b.workDir, `sea-${b.name}.json`);
  writeFileSync(config, JSON.stringify({ main: b.main, executable: b.base, output: b.output, ...SEA_OPTIONS }, null, 2) + '\n');
  return new Promise((ok, fail) => {
    // --build-sea reads a config and writes an executable; it needs no Node options of its own,
    // and a NODE_OPTIONS meant for this build's Node 20 (e.g. a tsx loader) must not reach Node 26.
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    execFile(b.builder, ['--build-sea', config], { cwd: b.workDir, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${b.builder} --build-sea ${config} failed: ${err.message}\n${stdout}${stderr}`));
      else ok();
    });
  });
}
