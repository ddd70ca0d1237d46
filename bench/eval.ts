import { join } from 'node:path';
import { DEFAULT_PARAMS, evaluateSecrets, findPolicyDir, loadControls, loadPolicyFile } from '../src/controls/index.js';
import { fromDescribeSecret } from '../src/inventory/index.js';
import type { Metric } from './metrics.js';

const NOW = Date.UTC(2026, 10, 20) / 1000;

/** A secret with rotation, tags, a customer key and a five-statement resource policy: every control has work to do. */
export function benchSecret(i: number) {
  const statements = [
    { Sid: 'OrgRead', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } },
    { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:role/reader' }, Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: '*' },
    { Sid: 'Vpce', Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d4e5f67890' } } },
    { Sid: 'DenyOutsideOrg', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } },
    { Sid: 'Lambda', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:lambda:us-east-1:111122223333:function:*' } } },
  ];
  return fromDescribeSecret(
    {
      ARN: `arn:aws:secretsmanager:us-east-1:111122223333:secret:bench/${i}-AbCdEf`,
      Name: `bench/${i}`,
      KmsKeyId: 'alias/prod-secrets',
      RotationEnabled: true,
      RotationLambdaARN: 'arn:aws:lambda:us-east-1:111122223333:function:rotate',
      RotationRules: { ScheduleExpression: 'rate(30 days)', Duration: '3h' },
      LastRotatedDate: NOW - 10 * 86400,
      LastAccessedDate: NOW - 86400,
      NextRotationDate: NOW + 20 * 86400,
      CreatedDate: NOW - 300 * 86400,
      Tags: [{ Key: 'team', Value: 'bench' }, { Key: 'owner', Value: 'secops' }],
      VersionIdsToStages: { v1: ['AWSCURRENT'] },
    },
    { resourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: statements }), kmsKey: { arn: 'arn:aws:kms:us-east-1:111122223333:key/k', keyManager: 'CUSTOMER', keyState: 'Enabled' } },
  );
}

export async function benchEval(): Promise<Metric[]> {
  const dir = findPolicyDir();
  const loads: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    loadPolicyFile(join(dir, 'policy.wasm'));
    loads.push(performance.now() - start);
  }
  const coldLoad = loads[0] ?? Number.NaN;
  await loadControls();
  const secrets = Array.from({ length: 1000 }, (_, i) => benchSecret(i));
  const params = { ...DEFAULT_PARAMS, maxRotationIntervalDays: 90, graceHours: 24, maxDaysSinceRotation: 90, unusedForDays: 90, allowedKmsKeyArns: [], trustedAccounts: ['222233334444'], trustedOrgIds: ['o-a1b2c3d4e5'], requiredTagKeys: ['team', 'owner'] };
  const firstStart = performance.now();
  await evaluateSecrets(secrets.slice(0, 1), { now: NOW, params });
  const firstEvaluation = performance.now() - firstStart;
  for (let i = 0; i < 3; i++) await evaluateSecrets(secrets, { now: NOW, params }); // warm-up
  let evaluated = 0;
  const start = performance.now();
  while (performance.now() - start < 3000) {
    evaluated += (await evaluateSecrets(secrets, { now: NOW, params })).length;
  }
  const rate = evaluated / ((performance.now() - start) / 1000);
  return [
    { metric: 'eval.load_policy_ms', value: coldLoad, unit: 'ms (first load in the process: read, validate, instantiate; V8 compiles each function on its first call)', target: { op: '<=', value: 50 } },
    { metric: 'eval.first_evaluation_ms', value: firstEvaluation, unit: 'ms (the first secret after loading, which compiles the functions it calls)' },
    { metric: 'eval.secrets_per_second', value: rate, unit: `secrets/s (${(await loadControls()).controls.length} controls, 5-statement policy shared by every secret, 1 core)`, target: { op: '>=', value: 10_000 } },
  ];
}
