import { readFileSync } from 'node:fs';
import { build, version as esbuildVersion } from 'esbuild';

export { esbuildVersion };

/**
 * ws is CommonJS, so esbuild's ESM output calls `require('events')` and friends through a shim that
 * needs a `require` in scope. This one hands out Node's built-in modules only, exactly what the
 * SEA's own CommonJS `require` would do: nothing is ever loaded from the lab PC's disk, so a stray
 * node_modules folder next to the executable cannot inject code. ws's optional native helpers
 * (bufferutil, utf-8-validate) are not built-ins, throw MODULE_NOT_FOUND here, and ws falls back to
 * its JavaScript code, as it does wherever they are not installed.
 */
const BUILTINS_ONLY_REQUIRE = `const require = (id) => {
  const m = process.getBuiltinModule(id);
  if (m) return m;
  const e = new Error("Cannot find module '" + id + "' (the bridge executable carries no node_modules)");
  e.code = 'MODULE_NOT_FOUND';
  throw e;
};`;

/** What a release build takes from outside the tree. */
export interface BuildInputs {
  /** PEM of the Ed25519 release key's public half; without it the bridge refuses every self-update. */
  releasePublicKey?: string;
  /** Stamps another version than package.json's (test builds of a "v2"). */
  version?: string;
}

/** The build's inputs from its environment: LIS_BRIDGE_RELEASE_PUBLIC_KEY (PEM text or a file path), LIS_APP_VERSION. */
export function buildInputs(env: NodeJS.ProcessEnv = process.env): BuildInputs {
  let key = env.LIS_BRIDGE_RELEASE_PUBLIC_KEY;
  if (key && !key.includes('BEGIN PUBLIC KEY')) key = readFileSync(key, 'utf8');
  return { ...(key ? { releasePublicKey: key } : {}), ...(env.LIS_APP_VERSION ? { version: env.LIS_APP_VERSION } : {}) };
}

export interface Bundle {
  /** The bridge as one ES module. */
  code: string;
  /** Project-relative paths of every file bundled in, for the build record. */
  inputs: string[];
}

/**
 * The bridge (bridge/main.ts, its shared/ imports and ws) as one ES module for Node 26's SEA.
 * ESM, not CommonJS, because main.ts uses top-level await, which esbuild cannot turn into CommonJS;
 * Node 26 runs an ESM SEA main (`"mainFormat": "module"`).
 */
export async function bundleBridge(root: string, entry = 'bridge/main.ts', inputs: BuildInputs = buildInputs()): Promise<Bundle> {
  const result = await build({
    define: {
      __LIS_RELEASE_PUBLIC_KEY__: JSON.stringify(inputs.releasePublicKey ?? ''),
      ...(inputs.version ? { __APP_VERSION__: JSON.stringify(inputs.version) } : {}),
    },
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node26',
    format: 'esm',
    // The optional native helpers of ws: absent from the bundle, absent at run time (see above).
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: BUILTINS_ONLY_REQUIRE },
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    outfile: 'lis-bridge.mjs',
  });
  const out = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  if (!out) throw new Error('esbuild produced no bundle');
  return {
    code: out.text,
    // esbuild names inputs relative to absWorkingDir, with forward slashes.
    inputs: Object.keys(result.metafile.inputs).sort(),
  };
}
