import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['drivers/**/*.test.ts', 'shared/**/*.test.ts', 'bridge/**/*.test.ts', 'sim/**/*.test.ts', 'web/**/*.test.ts'],
    environment: 'node',
    // Some unit suites start real processes (the bridge, its executable); on a loaded two-core
    // machine a start alone can pass vitest's 5 s default.
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
