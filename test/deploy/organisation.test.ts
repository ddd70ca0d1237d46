import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_PATTERNS } from '../../src/reactions/index.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

// The organisation's two stacks as `npm run package` builds them: the central one (serverless.yml) with the organisation
// sweep, and the member stack (deploy/member.yml) a StackSet deploys to every account.
const ROOT = join(EVENTS_DIR, '..');
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };
type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
type Template = { Resources: Record<string, Resource>; Conditions?: Record<string, unknown>; Outputs?: Record<string, unknown> };

let central: Template;
let withOrganization: Template;
let member: Template;
let memberFile: string;

function packageTo(...args: string[]): { template: Template; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-org-package-'));
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--package', dir, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) throw new Error(`npm run package failed:\n${run.stdout}\n${run.stderr}`);
  return { template: JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template, dir };
}

beforeAll(() => {
  const plain = packageTo();
  central = plain.template;
  memberFile = join(plain.dir, 'member-template.json');
  member = JSON.parse(readFileSync(memberFile, 'utf8')) as Template;
  withOrganization = packageTo('--param=orgSweep=true', '--param=organizationId=o-a1b2c3d4e5').template;
}, 240_000);

const statements = (t: Template, role: string): Statement[] => ((t.Resources[role]?.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
const actions = (s: Statement[]) => s.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action])).sort();

describe('the central stack for an organisation', () => {
  it('queues units for a worker that reports each failure apart, retries it three times, then dead-letters it', () => {
    const queue = central.Resources['OrgUnitQueue']?.Properties;
    expect(queue?.['RedrivePolicy']).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['OrgUnitDeadLetterQueue', 'Arn'] }, maxReceiveCount: 3 });
    const worker = Object.values(central.Resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties['EventSourceArn']).includes('"OrgUnitQueue"'));
    expect(worker?.Properties).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'], FunctionName: { 'Fn::GetAtt': ['OrgUnitLambdaFunction', 'Arn'] }, ScalingConfig: { MaximumConcurrency: 100 } });
    // Lambda asks a queue it polls for a visibility timeout of six times the function's.
    const timeout = central.Resources['OrgUnitLambdaFunction']?.Properties['Timeout'] as number;
    expect(queue?.['VisibilityTimeout']).toBeGreaterThanOrEqual(6 * timeout);
    const deadLetters = Object.values(central.Resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties['EventSourceArn']).includes('"OrgUnitDeadLetterQueue"'));
    expect(deadLetters?.Properties['FunctionName']).toEqual({ 'Fn::GetAtt': ['OrgUnitFailedLambdaFunction', 'Arn'] });
    expect(central.Resources['OrgUnitDeadLetterAlarm']?.Properties).toMatchObject({ Namespace: 'AWS/SQS', AlarmActions: [{ Ref: 'AlertTopic' }], Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['OrgUnitDeadLetterQueue', 'QueueName'] } }] });
  });

  it('starts the organisation sweep on its schedule only when orgSweep is true', () => {
    expect(central.Resources['OrgPlanEventsRuleSchedule1']?.Properties['State']).toBe('DISABLED');
    expect(withOrganization.Resources['OrgPlanEventsRuleSchedule1']?.Properties['State']).toBe('ENABLED');
  });

  it('gives the sweep role only the member role, the account list and its own resources, and never a value', () => {
    const s = statements(central, 'OrgSweepRole');
    expect(actions(s)).toEqual(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:ListAliases', 'organizations:ListAccounts', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:ListResourcePolicies', 'secretsmanager:ListSecrets', 'sns:Publish', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage', 'sts:AssumeRole']);
    expect(actions(s.filter((x) => x.Resource === '*'))).toEqual(['kms:ListAliases', 'organizations:ListAccounts', 'secretsmanager:ListSecrets']);
    expect(s.find((x) => x.Sid === 'AssumeMemberRole')?.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/vigil-audit' });
    // with an organisation, only roles inside it can be assumed
    expect(statements(withOrganization, 'OrgSweepRole').find((x) => x.Sid === 'AssumeMemberRole')?.Condition).toEqual({ 'Fn::If': ['HasOrganization', { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } }, { Ref: 'AWS::NoValue' }] });
  });

  it('lets only the organisation put events on the central bus', () => {
    const policy = withOrganization.Resources['OrgEventBusPolicy'];
    expect(policy?.Condition).toBe('HasOrganization');
    expect(policy?.Properties['Statement']).toEqual({ Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': ['OrgEventBus', 'Arn'] }, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } });
    expect(withOrganization.Conditions?.['HasOrganization']).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['o-a1b2c3d4e5', ''] }] });
    expect(central.Conditions?.['HasOrganization']).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  });
});

describe('member accounts\' events in the central stack', () => {
  const rules = ['OrgSecretChangesRule', 'OrgSecretServiceEventsRule', 'OrgKeyChangesRule'];

  it('routes the organisation bus\'s events to the event Lambda with the same patterns, retries and dead-letter queue as the account\'s own', () => {
    for (const [name, own] of [['OrgSecretChangesRule', 'secretChanges'], ['OrgSecretServiceEventsRule', 'secretServiceEvents'], ['OrgKeyChangesRule', 'keyChanges']] as const) {
      const rule = withOrganization.Resources[name];
      expect(rule?.Condition).toBe('HasOrganization');
      expect(rule?.Properties['EventBusName']).toEqual({ Ref: 'OrgEventBus' });
      // every account of the organisation: no `account` bound unless orgAccounts lists them
      expect(rule?.Properties['EventPattern']).toEqual(EVENT_PATTERNS[own]);
      expect(rule?.Properties['Targets']).toEqual([{ Id: 'on-event', Arn: { 'Fn::GetAtt': ['OnEventLambdaFunction', 'Arn'] }, RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['OnEventDeadLetterQueue', 'Arn'] } } }]);
      expect(withOrganization.Resources[`${name}Permission`]?.Properties).toMatchObject({ Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [name, 'Arn'] } });
    }
    const reads = withOrganization.Resources['OrgAuditReadRule']?.Properties;
    expect(reads?.['State']).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(reads?.['Targets']).toEqual([{ Id: 'audit-queue', Arn: { 'Fn::GetAtt': ['AuditReadQueue', 'Arn'] } }]);
    expect(JSON.stringify(withOrganization.Resources['AuditReadQueuePolicy']?.Properties)).toContain('"OrgAuditReadRule","Arn"');
    for (const name of [...rules, 'OrgAuditReadRule']) expect(central.Resources[name]?.Condition).toBe('HasOrganization');
  });

  it('bounds the organisation rules to orgAccounts when it lists them', () => {
    const listed = packageTo('--param=organizationId=o-a1b2c3d4e5', '--param=orgAccounts=111122223333,444455556666').template;
    for (const name of [...rules, 'OrgAuditReadRule']) expect((listed.Resources[name]?.Properties['EventPattern'] as { account?: unknown }).account).toEqual(['111122223333', '444455556666']);
  }, 240_000);

  it('names the event Lambda\'s role so that the member role trusts it, and lets it assume only the member role inside the organisation', () => {
    const name = withOrganization.Resources['OnEventRole']?.Properties['RoleName'] as { 'Fn::Sub': string };
    const trusted = (member.Resources['AuditRole']?.Properties['AssumeRolePolicyDocument'] as { Statement: Statement[] }).Statement[0]?.Condition?.['ArnLike']?.['aws:PrincipalArn'] as { 'Fn::Sub': string }[];
    const roleArn = `arn:aws:iam::123456789012:role/${name['Fn::Sub'].replace('${AWS::Region}', 'eu-west-1')}`;
    const glob = (p: string) => new RegExp(`^${p.replace('${AWS::Partition}', 'aws').replace('${CentralAccountId}', '123456789012').replace(/[.+?^()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    expect(trusted.some((t) => glob(t['Fn::Sub']).test(roleArn))).toBe(true);
    const assume = statements(withOrganization, 'OnEventRole').find((x) => x.Sid === 'AssumeMemberRole');
    expect(assume?.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/vigil-audit' });
    expect(assume?.Condition).toEqual({ 'Fn::If': ['HasOrganization', { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } }, { Ref: 'AWS::NoValue' }] });
    expect(withOrganization.Resources['OnEventLambdaFunction']?.Properties['Environment']).toMatchObject({ Variables: { VIGIL_MEMBER_ROLE_NAME: 'vigil-audit' } });
  });
});

describe('the member stack', () => {
  it('forwards every Secrets Manager event, reads included, and the KMS calls vigil reacts to, to the central bus', () => {
    const sm = member.Resources['SecretsManagerForward']?.Properties;
    expect(sm?.['State']).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(sm?.['EventPattern']).toEqual({ source: ['aws.secretsmanager'], 'detail-type': ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'] });
    const kms = member.Resources['KmsForward']?.Properties as { EventPattern: { detail: { eventName: string[] } }; Targets: { Arn: unknown; RoleArn: unknown }[] };
    // the same calls as the central rule: a key event the member does not forward would never alert
    expect([...kms.EventPattern.detail.eventName].sort()).toEqual([...(EVENT_PATTERNS.keyChanges as { detail: { eventName: string[] } }).detail.eventName].sort());
    for (const rule of [sm, kms]) expect((rule as { Targets: unknown[] })['Targets']).toEqual([{ Id: 'vigil-central-bus', Arn: { Ref: 'CentralEventBusArn' }, RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] } }]);
    expect(actions(statements(member, 'ForwardRole'))).toEqual(['events:PutEvents']);
  });

  it('has a read-only role that trusts only vigil\'s central roles in the organisation', () => {
    const role = member.Resources['AuditRole'];
    expect(role?.Condition).toBe('CreateRole');
    const trust = (role?.Properties['AssumeRolePolicyDocument'] as { Statement: Statement[] }).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]?.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${CentralAccountId}:root' } });
    expect(trust[0]?.Condition?.['StringEquals']?.['aws:PrincipalOrgID']).toEqual({ Ref: 'OrganizationId' });
    expect(trust[0]?.Condition?.['ArnLike']?.['aws:PrincipalArn']).toHaveLength(2);
    const granted = actions(statements(member, 'AuditRole'));
    expect(granted).toEqual(['kms:DescribeKey', 'kms:ListAliases', 'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:ListResourcePolicies', 'secretsmanager:ListSecrets']);
    expect(granted.some((a) => /GetSecretValue|\*/.test(a))).toBe(false);
  });

  it('passes cfn-lint without errors', () => {
    const cfnLint = [join(ROOT, '.venv', 'bin', 'cfn-lint')].find((p) => existsSync(p)) ?? 'cfn-lint';
    const run = spawnSync(cfnLint, [memberFile, join(ROOT, 'deploy', 'member.yml')], { encoding: 'utf8' });
    expect(run.error, 'cfn-lint is missing: run bash scripts/tools.sh').toBeUndefined();
    // cfn-lint's exit code is a bit mask (2 errors, 4 warnings, 8 informational); above 15 it did not run.
    expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({ status: 0, output: '' });
  });
});
