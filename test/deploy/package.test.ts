import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_PATTERNS } from '../../src/reactions/index.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const ROOT = join(EVENTS_DIR, '..');
type Resource = { Type: string; Properties: Record<string, unknown> };
let template: { Resources: Record<string, Resource> };
let packageDir: string;

beforeAll(() => {
  packageDir = mkdtempSync(join(tmpdir(), 'vigil-package-'));
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--package', packageDir], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) throw new Error(`npm run package failed:\n${run.stdout}\n${run.stderr}`);
  template = JSON.parse(readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 180_000);

const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('the offline deployment package', () => {
  it('routes exactly the event patterns vigil reacts to (the ones the demo installs) to the event Lambda, with retries and a DLQ', () => {
    const rules = resources('AWS::Events::Rule').filter(([, r]) => r.Properties['EventPattern']);
    expect(rules.map(([, r]) => r.Properties['EventPattern'])).toEqual(Object.values(EVENT_PATTERNS));
    for (const [, rule] of rules) {
      const [target] = rule.Properties['Targets'] as { Arn: unknown; RetryPolicy: unknown; DeadLetterConfig: unknown }[];
      expect(target?.Arn).toEqual({ 'Fn::GetAtt': ['OnEventLambdaFunction', 'Arn'] });
      expect(target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 });
      expect(target?.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['OnEventDeadLetterQueue', 'Arn'] } });
    }
  });

  it('runs on nodejs22.x, arm64', () => {
    for (const [, fn] of resources('AWS::Lambda::Function')) expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  it('ships the compiled controls beside each bundled handler', () => {
    for (const name of ['onEvent', 'sweep']) {
      const listing = spawnSync('unzip', ['-l', join(packageDir, `${name}.zip`)], { encoding: 'utf8' }).stdout;
      expect(listing).toContain('policies/build/policy.wasm');
      expect(listing).toContain('policies/build/controls.json');
    }
  });

  it('grants no role a way to read a secret value', () => {
    const actions = JSON.stringify(resources('AWS::IAM::Role').map(([, r]) => r.Properties['Policies']));
    expect(actions).not.toMatch(/secretsmanager:(GetSecretValue|BatchGetSecretValue|\*)/);
    expect(actions).not.toMatch(/"Action":"\*"|"\*"\]/);
  });
});
