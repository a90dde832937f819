import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['drivers/**/*.test.ts', 'shared/**/*.test.ts', 'bridge/**/*.test.ts', 'sim/**/*.test.ts', 'web/**/*.test.ts'],
    environment: 'node',
  },
});
