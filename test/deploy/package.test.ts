import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_PATTERNS } from '../../src/reactions/index.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

const ROOT = join(EVENTS_DIR, '..');
type Resource = { Type: string; Properties: Record<string, unknown> };
type Template = { Resources: Record<string, Resource & { Condition?: string }>; Conditions?: Record<string, unknown> };
let template: Template;
let withoutConfig: Template;
let packageDir: string;

function packageTo(dir: string, ...args: string[]): Template {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--package', dir, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) throw new Error(`npm run package failed:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

beforeAll(() => {
  packageDir = mkdtempSync(join(tmpdir(), 'vigil-package-'));
  template = packageTo(packageDir);
  withoutConfig = packageTo(mkdtempSync(join(tmpdir(), 'vigil-package-noconfig-')), '--param=configRules=false');
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

  it('deploys one Config rule per control: change-triggered, or periodic for unused and rotated-within-period', async () => {
    const { listControls } = await import('../../src/controls/index.js');
    const rules = resources('AWS::Config::ConfigRule').map(([, r]) => r.Properties as { InputParameters: { controlId: string }; Scope?: unknown; Source: { Owner: string; SourceIdentifier: unknown; SourceDetails: { MessageType: string }[] } });
    expect(rules.map((r) => r.InputParameters.controlId).sort()).toEqual((await listControls()).map((c) => c.id).sort());
    for (const rule of rules) {
      expect(rule.Source).toMatchObject({ Owner: 'CUSTOM_LAMBDA', SourceIdentifier: { 'Fn::GetAtt': ['ConfigRuleLambdaFunction', 'Arn'] } });
      const types = rule.Source.SourceDetails.map((d) => d.MessageType);
      if (['unused', 'rotated-within-period'].includes(rule.InputParameters.controlId)) expect(types).toEqual(['ScheduledNotification']);
      else {
        expect(types).toEqual(['ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification']);
        expect(rule.Scope).toEqual({ ComplianceResourceTypes: ['AWS::SecretsManager::Secret'] });
      }
    }
    const [, permission] = resources('AWS::Lambda::Permission').find(([name]) => name === 'ConfigRuleInvokePermission') ?? [];
    expect(permission?.Properties).toMatchObject({ Principal: 'config.amazonaws.com', Action: 'lambda:InvokeFunction', SourceAccount: { Ref: 'AWS::AccountId' } });
  });

  it('leaves the Config rules out with configRules=false, for accounts that do not record Config', () => {
    expect(template.Conditions?.['ConfigRulesEnabled']).toEqual({ 'Fn::Equals': ['true', 'true'] });
    expect(withoutConfig.Conditions?.['ConfigRulesEnabled']).toEqual({ 'Fn::Equals': ['false', 'true'] });
    for (const [, rule] of Object.entries(withoutConfig.Resources).filter(([, r]) => r.Type === 'AWS::Config::ConfigRule')) expect(rule.Condition).toBe('ConfigRulesEnabled');
  });

  it('runs on nodejs22.x, arm64', () => {
    for (const [, fn] of resources('AWS::Lambda::Function')) expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  it('ships the compiled controls beside each bundled handler', () => {
    for (const name of ['onEvent', 'sweep', 'configRule']) {
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
