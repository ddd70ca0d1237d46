import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites share one local emulator per file; files run in parallel on the two cores.
    pool: 'forks',
    // The Lambdas' operational logs would bury the test report; a test about logs turns them back on.
    // The SDK's notice that Node 20 support ends in 2027 is for whoever runs vigil, not a test result (engines: >=20.19).
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
