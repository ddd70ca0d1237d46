import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runProcess } from './helpers/bin.js';

// What `npm test` prints is the test report: the Lambdas' own logs, the SDK's notice about Node versions and Powertools'
// idempotency warning belong to a deployed function, not to a test run. A child `vitest run` of the files that drive the
// Lambdas (audit, sweep, event reaction) must print none of them.
const LAMBDA_FILES = ['test/audit/lambda.test.ts', 'test/integration/sweep-lambda.test.ts', 'test/integration/on-event.test.ts'];

describe('npm test output', () => {
  it('carries no Lambda log line, no SDK NodeVersionSupportWarning and no idempotency warning', { timeout: 240_000 }, async () => {
    const run = await runProcess(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...LAMBDA_FILES], { env: { NO_COLOR: '1', CI: 'true' }, timeoutMs: 230_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.exitCode, output).toBe(0);
    expect(output).toMatch(new RegExp(`Test Files +${LAMBDA_FILES.length} passed`));
    expect(output).not.toContain('NodeVersionSupportWarning');
    expect(output).not.toContain('Did you call registerLambdaContext');
    // Powertools' logger prints one JSON object a line ({"level":"INFO","message":...,"service":"vigil",...}).
    expect(output.split('\n').filter((line) => /^\s*\{"(level|message|timestamp|service)"/.test(line) || line.includes('"service":"vigil"'))).toEqual([]);
    // Nor anything else a test printed: vitest heads such output "stdout | file > test" or "stderr | ...".
    expect(output).not.toMatch(/^(stdout|stderr) \| /m);
  });
});
