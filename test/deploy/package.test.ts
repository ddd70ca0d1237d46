import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStateTable } from '../../src/state/index.js';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { s3Client } from '../../src/aws/clients/s3.js';
import { sqsClient } from '../../src/aws/clients/sqs.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { topicWithSubscriber } from '../helpers/subscriber.js';
import { normaliseEventBridgeEvent } from '../../src/events/index.js';
import { CONTROLS_AN_EVENT_TOUCHES, EVENT_PATTERNS } from '../../src/reactions/index.js';
import { KEY_PROBLEM_CALLS } from '../../src/reactions/keys.js';
import { EVENTS_DIR, fixtureFiles, loadFixture } from '../helpers/fixtures.js';
import { lintTemplate } from '../helpers/cfn-lint.js';

const ROOT = join(EVENTS_DIR, '..');
type Resource = { Type: string; Properties: Record<string, unknown> };
type Template = { Resources: Record<string, Resource & { Condition?: string }>; Conditions?: Record<string, unknown> };
let template: Template;
let withoutConfig: Template;
let withOptIns: Template;
let withMembers: Template;
let withTrail: Template;
let trailDir: string;
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
  withOptIns = packageTo(mkdtempSync(join(tmpdir(), 'vigil-package-opt-ins-')), '--param=remediation=true', '--param=securityHubImport=true', '--param=params={"requiredTagKeys":["team"]}');
  withMembers = packageTo(mkdtempSync(join(tmpdir(), 'vigil-package-members-')), '--param=watchedAccounts=444455556666, 777788889999');
  trailDir = mkdtempSync(join(tmpdir(), 'vigil-package-trail-'));
  withTrail = packageTo(trailDir, `--param=trailBucket=${TRAIL.bucket}`, `--param=trailBucketAccount=${TRAIL.account}`, `--param=trailKeyPrefix=${TRAIL.prefix}`, `--param=trailKmsKeyArn=${TRAIL.key}`);
}, 240_000);

/** An organisation trail's bucket in a log-archive account, under a key prefix, its log files SSE-KMS. */
const TRAIL = { bucket: 'org-trail-logs', account: '999988887777', prefix: 'org', key: 'arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab' };

/** A value of the template as CloudFormation deploys it: each Fn::If decided by its condition (conditions of literals, as osls leaves them). */
function resolved(t: Template, value: unknown): unknown {
  const condition = (name: string): boolean => holds(t.Conditions?.[name]);
  const holds = (c: unknown): boolean => {
    const f = c as Record<string, unknown[]>;
    if (f['Fn::Equals']) return JSON.stringify(f['Fn::Equals'][0]) === JSON.stringify(f['Fn::Equals'][1]);
    if (f['Fn::Not']) return !holds(f['Fn::Not'][0]);
    if (f['Fn::And']) return f['Fn::And'].every(holds);
    if (f['Fn::Or']) return f['Fn::Or'].some(holds);
    if (typeof (c as { Condition?: unknown }).Condition === 'string') return condition((c as { Condition: string }).Condition);
    throw new Error(`condition not understood: ${JSON.stringify(c)}`);
  };
  if (Array.isArray(value)) return value.map((v) => resolved(t, v)).filter((v) => v !== undefined);
  if (value && typeof value === 'object') {
    const ifs = (value as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    if (ifs) return resolved(t, condition(ifs[0]) ? ifs[1] : ifs[2]);
    if ((value as { Ref?: unknown }).Ref === 'AWS::NoValue') return undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolved(t, v)]));
  }
  return value;
}

const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('the offline deployment package', () => {
  it('routes exactly the event patterns vigil reacts to (the ones the demo installs) to the event Lambda, with retries and a DLQ', () => {
    // This account's rules (the organisation bus's, which carry the same patterns, are checked in test/deploy/organisation.test.ts).
    const rules = resources('AWS::Events::Rule').filter(([name, r]) => r.Properties['EventPattern'] && name !== 'AuditReadRule' && !r.Properties['EventBusName']);
    // Each pattern bounded to the accounts vigil watches: a permissive bus policy cannot feed it another account's events.
    expect(rules.map(([, r]) => r.Properties['EventPattern'])).toEqual(Object.values(EVENT_PATTERNS).map((p) => ({ ...p, account: [{ Ref: 'AWS::AccountId' }] })));
    const memberRules = Object.values(withMembers.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties['EventPattern'] && !r.Properties['EventBusName']);
    for (const rule of memberRules) expect((rule.Properties['EventPattern'] as { account: unknown }).account).toEqual([{ Ref: 'AWS::AccountId' }, '444455556666', '777788889999']);
    for (const [, rule] of rules) {
      const [target] = rule.Properties['Targets'] as { Arn: unknown; RetryPolicy: unknown; DeadLetterConfig: unknown }[];
      expect(target?.Arn).toEqual({ 'Fn::GetAtt': ['OnEventLambdaFunction', 'Arn'] });
      expect(target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 });
      expect(target?.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['OnEventDeadLetterQueue', 'Arn'] } });
    }
  });

  it('feeds read events to the audit queue from a rule that sees read-only management events, drained in large batches', () => {
    const rule = template.Resources['AuditReadRule'] as Resource;
    // A plain ENABLED rule never receives GetSecretValue: CloudTrail's read-only events need this state.
    expect(rule.Properties['State']).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(rule.Properties['EventPattern']).toEqual({ source: ['aws.secretsmanager'], account: [{ Ref: 'AWS::AccountId' }], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['GetSecretValue', 'BatchGetSecretValue'] } });
    expect(rule.Properties['Targets']).toEqual([{ Id: 'audit-queue', Arn: { 'Fn::GetAtt': ['AuditReadQueue', 'Arn'] } }]);
    const [, mapping] = resources('AWS::Lambda::EventSourceMapping').find(([, m]) => JSON.stringify(m.Properties['EventSourceArn']).includes('AuditReadQueue')) ?? [];
    expect(mapping?.Properties).toMatchObject({ BatchSize: 10000, MaximumBatchingWindowInSeconds: 60, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect((template.Resources['AuditReadQueue'] as Resource).Properties['RedrivePolicy']).toMatchObject({ deadLetterTargetArn: { 'Fn::GetAtt': ['AuditDeadLetterQueue', 'Arn'] } });
  });

  it('deploys one Config rule per control: change-triggered, or periodic for unused, rotated-within-period and replication-healthy', async () => {
    const { listControls } = await import('../../src/controls/index.js');
    const rules = resources('AWS::Config::ConfigRule').map(([, r]) => r.Properties as { InputParameters: { controlId: string }; Scope?: unknown; Source: { Owner: string; SourceIdentifier: unknown; SourceDetails: { MessageType: string }[] } });
    expect(rules.map((r) => r.InputParameters.controlId).sort()).toEqual((await listControls()).map((c) => c.id).sort());
    for (const rule of rules) {
      expect(Object.keys(rule.InputParameters)).toEqual(['controlId']);
      expect(rule.Source).toMatchObject({ Owner: 'CUSTOM_LAMBDA', SourceIdentifier: { 'Fn::GetAtt': ['ConfigRuleLambdaFunction', 'Arn'] } });
      const types = rule.Source.SourceDetails.map((d) => d.MessageType);
      if (['unused', 'rotated-within-period', 'replication-healthy'].includes(rule.InputParameters.controlId)) expect(types).toEqual(['ScheduledNotification']);
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

  it('hands every function the one params document, so the Config rules judge by the sweep\'s and the event Lambda\'s parameters', () => {
    const paramsOf = (t: Template) => resources('AWS::Lambda::Function').map(([name]) => [name, (t.Resources[name]?.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables['VIGIL_PARAMS']]);
    expect(paramsOf(template).map(([name]) => name)).toEqual(expect.arrayContaining(['OnEventLambdaFunction', 'ConfigRuleLambdaFunction', 'SweepLambdaFunction']));
    expect(new Set(paramsOf(template).map(([, p]) => p))).toEqual(new Set(['{}']));
    expect(new Set(paramsOf(withOptIns).map(([, p]) => p))).toEqual(new Set(['{"requiredTagKeys":["team"]}']));
  });

  it('runs on nodejs22.x, arm64', () => {
    for (const [, fn] of resources('AWS::Lambda::Function')) expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  it('ships the compiled controls beside each bundled handler', () => {
    for (const name of ['onEvent', 'sweep', 'configRule', 'orgPlan', 'orgUnit', 'orgUnitFailed']) {
      const listing = spawnSync('unzip', ['-l', join(packageDir, `${name}.zip`)], { encoding: 'utf8' }).stdout;
      expect(listing).toContain('policies/build/policy.wasm');
      expect(listing).toContain('policies/build/controls.json');
    }
  });

  type Statement = { Sid: string; Action: string | string[]; Resource: unknown };
  const statementsOf = (t: Template, role: string): Statement[] => {
    const policies = (t.Resources[role]?.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: unknown[] } }[];
    return policies.flatMap((p) => p.PolicyDocument.Statement).flatMap((s) => ((s as Record<string, unknown>)['Fn::If'] ? [] : [s as Statement]));
  };
  const actionsOf = (t: Template, role: string) => statementsOf(t, role).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

  it('gives each function its own role with exactly the actions its code uses', () => {
    const functions = resources('AWS::Lambda::Function').map(([, f]) => JSON.stringify(f.Properties['Role']));
    expect(functions.sort()).toEqual(['AuditRole', 'ConfigRuleRole', 'OnEventRole', 'OrgSweepRole', 'OrgSweepRole', 'OrgSweepRole', 'SweepRole'].map((r) => JSON.stringify({ 'Fn::GetAtt': [r, 'Arn'] })).sort());
    expect(actionsOf(template, 'OnEventRole')).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:UpdateItem', 'events:PutEvents', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:ListAliases', 'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:ListResourcePolicies', 'secretsmanager:ListSecrets', 'sns:Publish', 'sqs:SendMessage', 'sts:AssumeRole']);
    expect(actionsOf(template, 'SweepRole')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:ListAliases', 'lambda:InvokeFunction', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:ListResourcePolicies', 'secretsmanager:ListSecrets', 'sns:Publish']);
    expect(actionsOf(template, 'AuditRole')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:GenerateDataKey', 'secretsmanager:ListSecrets', 'sns:Publish', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage']);
    expect(actionsOf(template, 'ConfigRuleRole')).toEqual(['config:GetResourceConfigHistory', 'config:PutEvaluations', 'kms:DescribeKey', 'kms:ListAliases', 'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:ListResourcePolicies', 'secretsmanager:ListSecrets']);
  });

  it('scopes every statement to resources, except the List and Config calls AWS cannot scope', () => {
    const unscopable = new Set(['secretsmanager:ListSecrets', 'kms:ListAliases', 'config:PutEvaluations', 'config:GetResourceConfigHistory']);
    for (const role of ['OnEventRole', 'SweepRole', 'ConfigRuleRole', 'AuditRole']) {
      for (const s of statementsOf(template, role)) {
        if (s.Resource !== '*') continue;
        for (const action of Array.isArray(s.Action) ? s.Action : [s.Action]) expect({ role, action, scoped: unscopable.has(action) }).toEqual({ role, action, scoped: true });
      }
    }
  });

  it('grants no role a way to read a secret value, nor any wildcard action', () => {
    for (const t of [template, withOptIns]) {
      // Every Action of every statement, the conditional remediation statement included.
      const actions = JSON.stringify(resources('AWS::IAM::Role').map(([name]) => t.Resources[name]?.Properties['Policies']))
        .match(/"Action":(\[[^\]]*\]|"[^"]*")/g)
        ?.flatMap((m) => JSON.parse(m.slice('"Action":'.length)) as string | string[]) ?? [];
      expect(actions.length).toBeGreaterThan(20);
      for (const action of actions) {
        expect(action).not.toMatch(/^secretsmanager:(GetSecretValue|BatchGetSecretValue)$/);
        expect(action).not.toMatch(/\*/);
      }
    }
  });

  it('grants the remediation actions only when remediation is enabled', () => {
    expect(template.Conditions?.['RemediationEnabled']).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(withOptIns.Conditions?.['RemediationEnabled']).toEqual({ 'Fn::Equals': ['true', 'true'] });
    const conditional = JSON.stringify(template.Resources['OnEventRole']?.Properties['Policies']);
    expect(conditional).toContain('{"Fn::If":["RemediationEnabled",{"Sid":"OptInRemediation","Effect":"Allow","Action":["secretsmanager:RestoreSecret","secretsmanager:DeleteResourcePolicy"]');
    expect(actionsOf(template, 'OnEventRole')).not.toContain('secretsmanager:RestoreSecret');
  });

  it('reads a trail bucket in another account, under a key prefix, SSE-KMS, only when told to, and never a secret value', () => {
    const sids = (t: Template) => (resolved(t, t.Resources['AuditRole']?.Properties['Policies']) as { PolicyDocument: { Statement: { Sid: string; Action: unknown; Resource: unknown }[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    const trail = sids(withTrail);
    expect(trail.find((st) => st.Sid === 'TrailLogFiles')).toMatchObject({ Action: 's3:GetObject', Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${TRAIL.bucket}/${TRAIL.prefix}/AWSLogs/*` } });
    expect(trail.find((st) => st.Sid === 'TrailLogFilesKey')).toMatchObject({ Action: 'kms:Decrypt', Resource: { 'Fn::Sub': TRAIL.key } });
    const actions = trail.flatMap((st) => [st.Action].flat());
    for (const forbidden of ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue', '*', 'kms:*', 's3:*']) expect(actions).not.toContain(forbidden);
    // Without a trail bucket: neither statement.
    expect(sids(template).map((st) => st.Sid)).not.toEqual(expect.arrayContaining(['TrailLogFiles']));
    expect(sids(template).map((st) => st.Sid)).not.toContain('TrailLogFilesKey');
    // The read queue takes S3's notifications from the bucket's own account, and that bucket's only.
    const queueStatement = (t: Template) => (Object.values(resolved(t, t.Resources) as Record<string, Resource>).flatMap((r) => (r.Type === 'AWS::SQS::QueuePolicy' ? ((r.Properties['PolicyDocument'] as { Statement: { Sid?: string; Condition?: unknown }[] }).Statement) : [])).find((st) => st.Sid === 'TrailLogFiles'));
    expect(queueStatement(withTrail)?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': TRAIL.account }, ArnLike: { 'aws:SourceArn': { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${TRAIL.bucket}` } } });
    expect(queueStatement(template)?.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    expect(lintTemplate(join(trailDir, 'cloudformation-template-update-stack.json'))).toEqual({ kind: 'clean', output: expect.any(String) });
  });

  it('grants the Security Hub import only when the import is on', () => {
    expect(template.Conditions?.['SecurityHubImportEnabled']).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(withOptIns.Conditions?.['SecurityHubImportEnabled']).toEqual({ 'Fn::Equals': ['true', 'true'] });
    expect(JSON.stringify(template.Resources['SweepRole']?.Properties['Policies'])).toContain('{"Fn::If":["SecurityHubImportEnabled",{"Sid":"SecurityHubImport","Effect":"Allow","Action":"securityhub:BatchImportFindings"');
    expect(actionsOf(template, 'SweepRole')).not.toContain('securityhub:BatchImportFindings');
  });

  it('encrypts the topic with its own key, the queues and the bucket, and keeps the bucket private and TLS-only', () => {
    const [, topic] = resources('AWS::SNS::Topic')[0] ?? [];
    expect(topic?.Properties['KmsMasterKeyId']).toEqual({ Ref: 'AlertKey' });
    const [, key] = resources('AWS::KMS::Key')[0] ?? [];
    expect(key?.Properties).toMatchObject({ EnableKeyRotation: true });
    // Only the account (so IAM can grant vigil's roles) and CloudWatch, for the dead-letter alarm, bound to that alarm.
    const keyStatements = (key?.Properties['KeyPolicy'] as { Statement: { Sid: string; Principal: unknown; Condition?: unknown }[] }).Statement;
    expect(keyStatements.map((st) => [st.Sid, st.Principal])).toEqual([
      ['AccountAdministers', { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }],
      ['VigilAlarmsPublish', { Service: 'cloudwatch.amazonaws.com' }],
    ]);
    expect(keyStatements[1]?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:vigil-dev-*' } } });
    for (const [, queue] of resources('AWS::SQS::Queue')) expect(queue.Properties['SqsManagedSseEnabled']).toBe(true);
    const [, bucket] = resources('AWS::S3::Bucket').find(([name]) => name === 'ReportBucket') ?? [];
    expect(bucket?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: expect.arrayContaining([expect.objectContaining({ Prefix: 'reports/', ExpirationInDays: 400 })]) },
    });
    const [, policy] = resources('AWS::S3::BucketPolicy').find(([name]) => name === 'ReportBucketPolicy') ?? [];
    expect(JSON.stringify(policy?.Properties['PolicyDocument'])).toContain('"Sid":"TlsOnly","Effect":"Deny","Principal":"*","Action":"s3:*"');
    expect(JSON.stringify(policy?.Properties['PolicyDocument'])).toContain('"aws:SecureTransport":"false"');
    const [, table] = resources('AWS::DynamoDB::Table').find(([name]) => name === 'IdempotencyTable') ?? [];
    expect(table?.Properties['TimeToLiveSpecification']).toEqual({ AttributeName: 'expiration', Enabled: true });
    const [, state] = resources('AWS::DynamoDB::Table').find(([name]) => name === 'StateTable') ?? [];
    expect(state?.Properties).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', SSESpecification: { SSEEnabled: true }, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    expect(JSON.stringify(statementsOf(template, 'OnEventRole').find((st) => st.Sid === 'StateStore')?.Resource)).toBe(JSON.stringify({ 'Fn::GetAtt': ['StateTable', 'Arn'] }));
  });

  it('lets EventBridge deliver to the dead-letter queue, from vigil\'s rules only, and alarms on-call when anything lands there', () => {
    const [, queuePolicy] = resources('AWS::SQS::QueuePolicy').find(([name]) => name === 'OnEventDeadLetterQueuePolicy') ?? [];
    expect(queuePolicy?.Properties).toEqual({
      Queues: [{ Ref: 'OnEventDeadLetterQueue' }],
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Sid: 'VigilRulesDeadLetter', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['OnEventDeadLetterQueue', 'Arn'] },
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/vigil-dev-*' } } } }] },
    });
    // Every rule that dead-letters there falls under that SourceArn pattern.
    for (const [, rule] of resources('AWS::Events::Rule').filter(([, r]) => r.Properties['EventPattern'])) expect(String(rule.Properties['Name'])).toMatch(/^vigil-dev-/);
    const [, alarm] = resources('AWS::CloudWatch::Alarm').find(([name]) => name === 'DeadLetterAlarm') ?? [];
    expect(alarm?.Properties).toMatchObject({
      AlarmName: 'vigil-dev-dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['OnEventDeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
  });

  it('lets only vigil\'s roles and its alarm publish to the alert topic: every role granted sns:Publish, and no other', () => {
    const publishers = resources('AWS::IAM::Role')
      .filter(([name]) => statementsOf(template, name).some((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]).includes('sns:Publish') && JSON.stringify(st.Resource) === JSON.stringify({ Ref: 'AlertTopic' })))
      .map(([name]) => ({ 'Fn::GetAtt': [name, 'Arn'] }));
    expect(publishers.length).toBeGreaterThanOrEqual(2);
    const [, topicPolicy] = resources('AWS::SNS::TopicPolicy').find(([name]) => name === 'AlertTopicPolicy') ?? [];
    expect(topicPolicy?.Properties['Topics']).toEqual([{ Ref: 'AlertTopic' }]);
    const statements = (topicPolicy?.Properties['PolicyDocument'] as { Statement: { Sid: string; Effect: string; Principal: unknown; Action: string; Condition?: Record<string, Record<string, unknown>> }[] }).Statement;
    const bySid = Object.fromEntries(statements.map((st) => [st.Sid, st]));
    expect(bySid['VigilPublishes']).toMatchObject({ Effect: 'Allow', Principal: { AWS: publishers }, Action: 'sns:Publish' });
    expect(bySid['VigilAlarmsPublish']).toMatchObject({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } });
    // Every alarm that notifies the topic is named where that statement (and the topic key) lets it publish.
    for (const [, alarm] of resources('AWS::CloudWatch::Alarm')) expect(String(alarm.Properties['AlarmName'])).toMatch(/^vigil-dev-/);
    // An explicit Deny for every other principal of the account, whatever its IAM policies allow.
    expect(bySid['NoOtherPublisher']).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Condition: { ArnNotEquals: { 'aws:PrincipalArn': publishers }, Bool: { 'aws:PrincipalIsAWSService': 'false' } } });
  });

  it('puts compliance changes on vigil\'s own bus, where only the event Lambda may put events', () => {
    const fn = template.Resources['OnEventLambdaFunction']?.Properties as { Environment: { Variables: Record<string, unknown> } };
    expect(fn.Environment.Variables['VIGIL_EVENT_BUS']).toEqual({ Ref: 'VigilBus' });
    expect(template.Resources['VigilBus']).toMatchObject({ Type: 'AWS::Events::EventBus', Properties: { Name: 'vigil-dev' } });
    const put = statementsOf(template, 'OnEventRole').find((st) => st.Action === 'events:PutEvents');
    expect(put?.Resource).toEqual({ 'Fn::GetAtt': ['VigilBus', 'Arn'] });
    expect(template.Resources['VigilBusPolicy']?.Properties).toEqual({
      EventBusName: { Ref: 'VigilBus' },
      StatementId: 'OnlyVigilPuts',
      Statement: { Effect: 'Deny', Principal: '*', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': ['VigilBus', 'Arn'] }, Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['OnEventRole', 'Arn'] } } } },
    });
  });

  it('passes cfn-lint without errors', () => {
    expect(lintTemplate(join(packageDir, 'cloudformation-template-update-stack.json'))).toEqual({ kind: 'clean', output: expect.any(String) });
  });

  it('routes exactly the recorded events vigil acts on, by AWS\'s own matcher (event-ruler)', () => {
    // The event Lambda's rules; the audit's read rule (AuditReadRule) is checked on its own above.
    const patterns = Object.fromEntries(resources('AWS::Events::Rule').filter(([name, r]) => r.Properties['EventPattern'] && name !== 'AuditReadRule' && !r.Properties['EventBusName']).map(([name, r]) => [name, r.Properties['EventPattern']]));
    const patternsFile = join(packageDir, 'patterns.json');
    // As CloudFormation resolves it in the fixtures' account.
    writeFileSync(patternsFile, JSON.stringify(patterns).replaceAll('{"Ref":"AWS::AccountId"}', '"111122223333"'));
    const files = fixtureFiles('eventbridge');
    // Each fixture again from an account vigil does not watch (never routed), and with CloudTrail's empty errorCode (routed as the original).
    const variants = join(packageDir, 'variants');
    mkdirSync(variants, { recursive: true });
    const variant = (f: string, kind: string, change: (e: { account: string; detail: Record<string, unknown> }) => void) => {
      const event = loadFixture<{ account: string; detail: Record<string, unknown> }>(f);
      change(event);
      const file = join(variants, `${kind}-${f.replace(/\//g, '_')}`);
      writeFileSync(file, JSON.stringify(event));
      return file;
    };
    const foreign = files.map((f) => variant(f, 'foreign', (e) => (e.account = '999988887777')));
    const emptyErrorCode = files.map((f) => variant(f, 'empty-error', (e) => (e.detail['errorCode'] ??= '')));
    const run = spawnSync('mvn', ['-q', '-B', '-f', join(ROOT, 'test', 'event-ruler', 'pom.xml'), 'compile', 'exec:java', `-Dexec.args=${[patternsFile, ...files.map((f) => join(EVENTS_DIR, f)), ...foreign, ...emptyErrorCode].join(' ')}`], { encoding: 'utf8', timeout: 300_000 });
    expect(run.error, 'mvn is missing: run bash scripts/tools.sh').toBeUndefined();
    // Maven may colour its output: the result is the line that holds a JSON object.
    const line = run.stdout.split('\n').find((l) => l.includes('{"'));
    expect(line, run.stdout + run.stderr).toBeDefined();
    const matched = JSON.parse((line as string).slice((line as string).indexOf('{'), (line as string).lastIndexOf('}') + 1)) as Record<string, string[]>;
    const actsOn = new Set([...Object.keys(CONTROLS_AN_EVENT_TOUCHES), 'DeleteSecret', 'RotationFailed', 'RotationAbandoned', ...KEY_PROBLEM_CALLS]);
    const expected = Object.fromEntries(
      files.map((f) => {
        const record = normaliseEventBridgeEvent(loadFixture(f));
        return [f, record.kind !== 'ignored' && !record.errorCode && actsOn.has(record.eventName)];
      }),
    );
    const actual = Object.fromEntries(files.map((f) => [f, (matched[join(EVENTS_DIR, f)] ?? []).length > 0]));
    expect(actual).toEqual(expected);
    expect(foreign.filter((f) => (matched[f] ?? []).length > 0)).toEqual([]);
    expect(Object.fromEntries(files.map((f, i) => [f, (matched[emptyErrorCode[i] as string] ?? []).length > 0]))).toEqual(expected);
    expect(Object.values(expected).filter(Boolean).length).toBeGreaterThan(15);
  });
});

describe('the packaged handlers, run the way the nodejs22.x runtime runs them', () => {
  let emulator: Emulator;
  let topic: Awaited<ReturnType<typeof topicWithSubscriber>>;
  beforeAll(async () => {
    emulator = await startEmulator();
    const aws = emulator.aws();
    await new DynamoDBClient({ ...aws }).send(new CreateTableCommand({ TableName: 'vigil-idempotency', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    await s3Client(aws).send(new CreateBucketCommand({ Bucket: 'vigil-bundle-reports' }));
    topic = await topicWithSubscriber(aws, 'vigil-bundle-alerts');
  }, 60_000);
  const unpacked: string[] = [];
  afterAll(async () => {
    await emulator?.stop();
    for (const dir of unpacked) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Unzips a function's package inside the project (so `@aws-sdk/*` resolves from node_modules, as it does from the
   * runtime), requires its handler in a fresh Node, waits for the policy it loads at init, and invokes it once.
   */
  function unpack(fn: string, file: string): string {
    mkdirSync(join(ROOT, '.cache'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, '.cache', `packaged-${fn}-`));
    unpacked.push(dir);
    const unzip = spawnSync('unzip', ['-q', join(packageDir, `${fn}.zip`), '-d', dir], { encoding: 'utf8' });
    expect(unzip.status, unzip.stderr).toBe(0);
    return join(dir, 'functions', `${file}.cjs`);
  }

  function invokePackaged(fn: string, file: string, event: unknown, env: Record<string, string>, context: Record<string, unknown> = {}) {
    const script = `const m = require(${JSON.stringify(unpack(fn, file))});
      m.policyLoaded.then(async (ok) => {
        if (!ok) throw new Error('policy not loaded');
        const context = { getRemainingTimeInMillis: () => 600000, ...${JSON.stringify(context)} };
        process.stdout.write(JSON.stringify(await m.handler(${JSON.stringify(event)}, context)));
      }).catch((e) => { console.error(e); process.exit(1); });`;
    const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: emulator.endpoint, AWS_MAX_ATTEMPTS: '1' };
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env['PATH'] ?? '', POWERTOOLS_LOG_LEVEL: 'ERROR', ...credentials, ...env } });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  }

  it('loads at init only the SDK clients every invocation uses; the others load on the paths that need them', () => {
    const clientsAtInit = (fn: string, file: string) => {
      const script = `const Module = require('node:module'); const seen = new Set(); const compile = Module.prototype._compile;
        Module.prototype._compile = function (code, name) { const m = /@aws-sdk.(client-[a-z0-9-]+).dist-cjs.index\\.js$/.exec(name); if (m) seen.add(m[1]); return compile.apply(this, arguments); };
        require(${JSON.stringify(unpack(fn, file))}).policyLoaded.then((ok) => process.stdout.write(JSON.stringify({ ok, clients: [...seen].sort() })));`;
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', AWS_REGION: 'us-east-1' } });
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as { ok: boolean; clients: string[] };
    };
    expect(clientsAtInit('onEvent', 'on-event')).toEqual({ ok: true, clients: ['client-dynamodb', 'client-kms', 'client-secrets-manager', 'client-sns'] });
    expect(clientsAtInit('sweep', 'sweep')).toEqual({ ok: true, clients: ['client-dynamodb', 'client-kms', 'client-s3', 'client-secrets-manager', 'client-sns'] });
    expect(clientsAtInit('configRule', 'config-rule')).toEqual({ ok: true, clients: ['client-config-service', 'client-kms', 'client-secrets-manager'] });
  });

  it('the event Lambda judges a public resource policy from the event and publishes its alerts', () => {
    const result = invokePackaged('onEvent', 'on-event', loadFixture('eventbridge/PutResourcePolicy-public.json'), {
      VIGIL_ALERT_TOPIC_ARN: topic.topicArn,
      VIGIL_DLQ_URL: `${emulator.endpoint}/123456789012/no-dlq-needed`,
      VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency',
    });
    expect(result).toMatchObject({ status: 'decided', complianceChanges: 2 });
    expect((result['deliveries'] as { outcome: string }[]).map((d) => d.outcome)).toEqual(['published', 'published']);
  });

  it('the event Lambda parks input it cannot read in the dead-letter queue (its SQS client loads only then)', async () => {
    const sqs = sqsClient(emulator.aws());
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'vigil-bundle-dlq' }))).QueueUrl as string;
    const result = invokePackaged('onEvent', 'on-event', { id: 'broken-1', source: 'aws.secretsmanager', 'detail-type': 'AWS API Call via CloudTrail', detail: 'not an object' }, {
      VIGIL_ALERT_TOPIC_ARN: topic.topicArn,
      VIGIL_DLQ_URL: queueUrl,
      VIGIL_IDEMPOTENCY_TABLE: 'vigil-idempotency',
    });
    expect(result).toMatchObject({ eventId: 'broken-1', status: 'rejected' });
    const parked = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect(parked.Messages?.map((m) => m.MessageAttributes?.['kind']?.StringValue)).toEqual(['rejected-event']);
  });

  it('the sweep Lambda writes its reports and files them under the account of its function ARN', async () => {
    await createStateTable(new DynamoDBClient({ ...emulator.aws(), maxAttempts: 1 }), 'vigil-bundle-state');
    const result = invokePackaged('sweep', 'sweep', {}, { VIGIL_REPORT_BUCKET: 'vigil-bundle-reports', VIGIL_ALERT_TOPIC_ARN: topic.topicArn, VIGIL_STATE_TABLE: 'vigil-bundle-state' }, { invokedFunctionArn: 'arn:aws:lambda:us-east-1:210987654321:function:vigil-sweep' });
    expect(result).toMatchObject({ status: 'completed', reports: [{ region: 'us-east-1', secrets: 0 }] });
    expect(String((result['reports'] as { prefix: string }[])[0]?.prefix)).toMatch(/^reports\/210987654321\/us-east-1\//);
  });

  it('the Config-rule Lambda evaluates a configuration item and sends the evaluation', () => {
    const result = invokePackaged('configRule', 'config-rule', loadFixture('config/ConfigurationItemChangeNotification.json'), { VIGIL_CONFIG_TEST_MODE: 'true' });
    expect(result).toMatchObject({ rule: 'vigil-rotation-enabled', controlId: 'rotation-enabled', failed: 0 });
    expect((result['evaluations'] as { ComplianceType: string }[]).map((e) => e.ComplianceType)).toEqual(['COMPLIANT']);
  });
});
