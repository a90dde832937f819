import { defineConfig } from 'vitest/config';

// e2e specs start real processes (dev cloud, bridge) and a real Chromium; running them one file at a
// time keeps ports and the machine's two cores from being fought over.
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
