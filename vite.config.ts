import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA, type ManifestOptions } from 'vite-plugin-pwa';

const pkgVersion = (JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }).version;
const manifest = JSON.parse(readFileSync(new URL('./manifest.webmanifest', import.meta.url), 'utf8')) as Partial<ManifestOptions>;

/** A build id that tells two builds of one version apart: the commit, or the build's time. */
function buildId(): string {
  if (process.env.LIS_BUILD_ID) return process.env.LIS_BUILD_ID;
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return `t${Date.now().toString(36)}`;
  }
}

// `--mode e2e` builds the test bundle (with its fake serial ports) beside the production one; the
// production bundle never contains test switches.
export default defineConfig(({ mode }) => ({
  root: 'web',
  build: { outDir: process.env.LIS_OUT_DIR ?? (mode === 'e2e' ? '../dist/web-e2e' : '../dist/web'), emptyOutDir: true, sourcemap: true },
  define: { __APP_BUILD__: JSON.stringify(buildId()), __APP_VERSION__: JSON.stringify(process.env.LIS_APP_VERSION ?? pkgVersion) },
  worker: { format: 'es' },
  plugins: [
    react(),
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      manifest,
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
        navigateFallback: '/index.html',
        // The LIS API is never served from a cache: a stale order or result list is worse than none.
        navigateFallbackDenylist: [/^\/api\//],
        // The new worker only ever activates when the engine says so (prompt mode); once it has,
        // it takes every tab at once, so no two tabs run different builds.
        clientsClaim: true,
      },
    }),
  ],
}));
