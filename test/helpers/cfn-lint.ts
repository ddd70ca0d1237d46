import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS_DIR } from './fixtures.js';

export type CfnLintOutcome =
  | { kind: 'clean'; output: string }
  | { kind: 'errors'; output: string }
  | { kind: 'crashed'; output: string };

/** cfn-lint as scripts/tools.sh found or installed it (npm test runs it first), else the one on PATH. */
export function cfnLintPath(): string {
  const root = join(EVENTS_DIR, '..');
  return [join(root, '.cache', 'tools', 'bin', 'cfn-lint'), join(root, '.venv', 'bin', 'cfn-lint')].find((p) => existsSync(p)) ?? 'cfn-lint';
}

/**
 * Lints a template and says which of three things happened. cfn-lint's exit code is a bit mask of what it found (2 errors,
 * 4 warnings, 8 informational); 1 is an exception inside cfn-lint and 32 a usage or configuration error: it did not lint.
 */
export function lintTemplate(template: string, cfnLint = cfnLintPath()): CfnLintOutcome {
  const run = spawnSync(cfnLint, [template], { encoding: 'utf8', timeout: 180_000 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.error) return { kind: 'crashed', output: `${cfnLint} could not run (${run.error.message}): run bash scripts/tools.sh` };
  if (run.status === null) return { kind: 'crashed', output: `${cfnLint} was killed by ${run.signal ?? 'a signal'}\n${output}` };
  if (run.status & 1 || run.status >= 16) return { kind: 'crashed', output: `${cfnLint} failed to lint (exit ${run.status})\n${output}` };
  return run.status & 2 ? { kind: 'errors', output } : { kind: 'clean', output };
}
