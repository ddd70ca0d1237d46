import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites share one local emulator per file; files run in parallel on the two cores.
    pool: 'forks',
    // The Lambdas' operational logs would bury the test report; a test about logs turns them back on.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
  },
});
