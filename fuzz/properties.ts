import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { evaluateEntrypoint } from '../src/controls/engine.js';
import { toPolicySecret } from '../src/controls/input.js';
import { parseParams } from '../src/controls/params.js';
import { InputError, decodeEventFile, normaliseEventBridgeEvent, normaliseInput, parseConfigRuleInvocation } from '../src/events/index.js';
import { fromConfigItem, fromDescribeSecret, parseSnapshot } from '../src/inventory/index.js';
import { modelVerdict } from './policy-model.js';

// What an attacker or a bug can hand vigil: real inputs with wrong types, missing and extra fields, huge strings,
// deep nesting and unicode. The property for every loader: a result, or the module's typed error, nothing else.

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 2_000 }).map((s) => s.repeat(10)),
  fc.constantFrom('', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '2026-13-45', 'arn:aws:secretsmanager:::secret:', 'alias/', 'mrk-', '0.0.0.0/0', '*'),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 50, max: 400 }).map((depth) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { detail: value };
    return value;
  }),
);

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function mutate(root: unknown, path: string[], action: 'set' | 'delete' | 'add', value: unknown): unknown {
  if (path.length === 0) return action === 'set' ? value : root;
  let parent = root as Record<string, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (action === 'delete') delete parent[last];
  else if (action === 'set') parent[last] = value;
  else if (typeof parent[last] === 'object' && parent[last] !== null) (parent[last] as Record<string, unknown>)['extra\u{1F510}'] = value;
  return root;
}

/** Real documents from `events/`, each mutated a few times. */
export function mutated(root: string, folders: string[]): fc.Arbitrary<unknown> {
  const files = folders.flatMap((folder) => readdirSync(join(root, 'events', folder)).filter((f) => f.endsWith('.json') || f.endsWith('.gz')).map((f) => join(root, 'events', folder, f)));
  return fc
    .record({
      file: fc.constantFrom(...files),
      edits: fc.array(fc.record({ pick: fc.nat(), action: fc.constantFrom('set', 'delete', 'add') as fc.Arbitrary<'set' | 'delete' | 'add'>, value: hostileValue }), { minLength: 1, maxLength: 4 }),
    })
    .map(({ file, edits }) => {
      let doc: unknown = decodeEventFile(readFileSync(file), file);
      for (const edit of edits) {
        const all = paths(doc);
        doc = mutate(doc, all[edit.pick % all.length] ?? [], edit.action, edit.value);
      }
      return doc;
    });
}

/** Runs `load`; returns normally on a result or an InputError (the typed error of every vigil loader). */
export function resultOrTypedError(load: () => unknown): void {
  try {
    load();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    if (!/^\S.*: .+/.test(error.message)) throw new Error(`an InputError without "path: problem": ${error.message}`, { cause: error });
  }
}

// --- resource policies: the vocabulary where tools go wrong, for the differential test of the Rego against the model

export const POLICY_OWN = '111122223333';
export const POLICY_TRUSTED = '222233334444';
export const POLICY_ORG = 'o-a1b2c3d4e5';
export const POLICY_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${POLICY_OWN}:secret:diff-AbCdEf`;

const account = fc.constantFrom(POLICY_OWN, POLICY_TRUSTED, '444455556666', '*', '11112222333?');
const specificAccount = account.filter((a) => /^\d{12}$/.test(a));
// Account IDs as IAM also accepts them: unquoted numbers.
const accountOrNumber = fc.oneof(specificAccount, specificAccount.map(Number));
const principalValue = fc.oneof(
  fc.constant('*'),
  account.map((a) => `arn:aws:iam::${a}:root`),
  accountOrNumber,
  account.map((a) => `arn:aws:iam::${a}:role/app`),
  fc.constantFrom(`arn:aws:iam:*:${POLICY_OWN}:root`, `arn:aws:iam::${POLICY_OWN}:role/*`),
);
const principal = fc.oneof(
  fc.constant('*'),
  principalValue.map((v) => ({ AWS: v })),
  fc.array(principalValue, { minLength: 1, maxLength: 3 }).map((v) => ({ AWS: v })),
  fc.constantFrom<unknown>(
    { Service: 'lambda.amazonaws.com' },
    { Service: ['events.amazonaws.com', 'lambda.amazonaws.com'] },
    { Federated: 'accounts.google.com' },
    { Federated: 'cognito-identity.amazonaws.com' },
    { Federated: `arn:aws:iam::${POLICY_TRUSTED}:saml-provider/corp` },
    { Federated: 'arn:aws:iam::444455556666:oidc-provider/idp.example.com' },
    { CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' },
    { Aws: POLICY_OWN },
    POLICY_OWN,
  ),
);
const operator = fc.constantFrom('StringEquals', 'StringLike', 'StringEqualsIgnoreCase', 'ForAnyValue:StringLike', 'ForAllValues:StringEquals', 'StringEqualsIfExists', 'StringNotEquals', 'ArnLike', 'ArnEquals', 'ArnNotLike', 'IpAddress', 'NotIpAddress', 'Bool');
// ARN values whose text may not be what it seems: a wildcard or a policy variable before the account field.
const arnValue = fc.oneof(
  account.map((a) => `arn:aws:iam::${a}:role/app`),
  account.map((a) => `arn:aws:iam:*:${a}:*`),
  account.map((a) => `arn:*:iam::${a}:role/x`),
  account.map((a) => `arn:aws:iam::${a}:*`),
  account.map((a) => `arn:aws:\${aws:PrincipalTag/p}:${a}:x`),
  account.map((a) => `arn:aws:iam::${a}:user/\${aws:username}`),
  fc.constant('arn:aws:s3:::bucket'),
);
const keyAndValue = fc.oneof(
  fc.tuple(fc.constantFrom('aws:PrincipalOrgID', 'aws:principalorgid', 'AWS:SourceOrgID'), fc.constantFrom<unknown>(POLICY_ORG, 'o-zzzzzzzzzz', 'o-*', '*')),
  fc.tuple(fc.constantFrom('aws:PrincipalAccount', 'aws:SourceAccount', 'aws:sourceowner'), fc.oneof(account, accountOrNumber)),
  fc.tuple(fc.constantFrom('aws:PrincipalOrgPaths', 'aws:SourceOrgPaths'), fc.constantFrom(`${POLICY_ORG}/r-ab12/*`, '*/r-ab12/*', 'o-zzzzzzzzzz/*')),
  fc.tuple(fc.constantFrom('aws:PrincipalArn', 'aws:SourceArn'), arnValue),
  fc.tuple(fc.constant('aws:SourceIp'), fc.constantFrom('10.0.0.0/8', '10.1.2.0/24', '192.168.1.1', '172.16.0.0/12', '172.32.0.0/16', '203.0.113.0/24', '0.0.0.0/0')),
  fc.tuple(fc.constantFrom('aws:SourceVpce', 'aws:sourcevpc'), fc.constantFrom('vpce-0a1b2c3d', 'vpc-1234abcd', 'vpce-*', 'vpc-*')),
  fc.tuple(fc.constant('aws:SecureTransport'), fc.constant('true')),
);
const conditionOf = (operators: fc.Arbitrary<string>, maxLength: number) =>
  fc.array(fc.tuple(operators, keyAndValue, fc.boolean()), { maxLength }).map((entries) => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [op, [key, value], asList] of entries) (out[op] ??= {})[key] = asList ? [value] : value;
    return out;
  });
const allowActions = fc.constantFrom<unknown>('secretsmanager:GetSecretValue', '*', 'secretsmanager:*', 'secretsmanager:Get*', ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
const allowStatement = fc.record({
  who: fc.oneof({ weight: 5, arbitrary: principal.map((p) => ({ Principal: p })) }, { weight: 1, arbitrary: principalValue.map((v) => ({ NotPrincipal: { AWS: v } })) }),
  action: fc.oneof({ weight: 4, arbitrary: allowActions.map((a) => ({ Action: a })) }, { weight: 1, arbitrary: fc.constant({ NotAction: 'secretsmanager:DeleteSecret' }) }),
  condition: conditionOf(operator, 2),
}).map(({ who, action, condition }) => ({ Effect: 'Allow', ...who, ...action, Resource: '*', ...(Object.keys(condition).length ? { Condition: condition } : {}) }));
// Deny statements around AWS's recommended pattern (deny everyone outside the organisation) and its near misses.
const denyOperator = fc.constantFrom('StringNotEquals', 'StringNotEqualsIfExists', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'ForAnyValue:StringNotEquals', 'StringEquals', 'Bool');
const denyStatement = fc.record({
  sid: fc.option(fc.constant('DenyOutside'), { nil: undefined }),
  principal: fc.constantFrom<unknown>('*', '*', { AWS: '*' }, { AWS: ['*'] }, { AWS: 'arn:aws:iam::444455556666:root' }),
  action: fc.constantFrom<unknown>('*', 'secretsmanager:*', 'secretsmanager:GetSecretValue', 'secretsmanager:Get*', 'SecretsManager:GetSecret?alue', 'secretsmanager:DescribeSecret', 'secretsmanager:Get{SecretValue,x}', ['secretsmanager:DescribeSecret', 'secretsmanager:*']),
  resource: fc.constantFrom<unknown>('*', POLICY_SECRET_ARN, 'arn:aws:secretsmanager:us-east-1:111122223333:secret:diff-*', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:other-*'),
  condition: fc.oneof(
    { weight: 3, arbitrary: fc.tuple(denyOperator, keyAndValue).map(([op, [key, value]]) => ({ [op]: { [key]: value } })) },
    { weight: 1, arbitrary: conditionOf(denyOperator, 3) },
  ),
}).map(({ sid, principal, action, resource, condition }) => ({ ...(sid ? { Sid: sid } : {}), Effect: 'Deny', Principal: principal, Action: action, Resource: resource, ...(Object.keys(condition).length ? { Condition: condition } : {}) }));
const anyStatement = fc.oneof({ weight: 3, arbitrary: allowStatement }, { weight: 2, arbitrary: denyStatement });

/** Policy documents of one to four statements, Statement as one object or a list. */
export const policyDocument: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  allowStatement.map((s) => ({ Version: '2012-10-17', Statement: s })),
  fc.array(anyStatement, { minLength: 1, maxLength: 4 }).map((s) => ({ Version: '2012-10-17', Statement: s })),
);

export interface PolicyVerdicts {
  public: boolean;
  untrusted: boolean;
  error: boolean;
}

/**
 * Secrets that share the document in one evaluation, as many secrets share one policy: the Rego analyses a text once
 * for all of them where their ARNs cannot matter, so each must still get the verdict its own ARN deserves.
 */
export const POLICY_SHARING_ARNS = [POLICY_SECRET_ARN, `arn:aws:secretsmanager:us-east-1:${POLICY_OWN}:secret:other-GhIjKl`] as const;

/** The two policy controls' verdicts on one document for each of POLICY_SHARING_ARNS, and the model's; equal when the Rego and DESIGN.md agree. */
export function policyDisagreement(document: Record<string, unknown>, judge: (document: Record<string, unknown>) => PolicyVerdicts[]): string | undefined {
  const verdicts = judge(document);
  for (const [i, arn] of POLICY_SHARING_ARNS.entries()) {
    const rego = verdicts[i];
    const model = modelVerdict(document, POLICY_OWN, [POLICY_TRUSTED], [POLICY_ORG], arn);
    if (rego?.public !== model.public || rego.untrusted !== model.untrusted || rego.error !== model.error) return `for ${arn}: rego ${JSON.stringify(rego)}, model ${JSON.stringify(model)} on ${JSON.stringify(document)}`;
  }
  return undefined;
}

export interface FuzzTarget {
  name: string;
  input: fc.Arbitrary<unknown>;
  check: (input: unknown) => void;
}

/**
 * The policy controls' verdicts through the compiled wasm, synchronously (a property runs one document at a time):
 * the same input the engine builds for secrets of POLICY_OWN (POLICY_SHARING_ARNS) with the document as their resource
 * policy, judged in one evaluation.
 */
export function policyJudge(policy: LoadedPolicy): (document: Record<string, unknown>) => PolicyVerdicts[] {
  const params = parseParams({ trustedAccounts: [POLICY_TRUSTED], trustedOrgIds: [POLICY_ORG] });
  const controls = ['no_public_principal', 'no_untrusted_cross_account'];
  return (document) => {
    const text = JSON.stringify(document);
    const secrets = POLICY_SHARING_ARNS.map((arn) => toPolicySecret(fromDescribeSecret({ ARN: arn, Name: 'diff' }, { resourcePolicy: text }), 0));
    const input = { now: Date.UTC(2026, 10, 20) / 1000, params, secrets, controls };
    const [{ result }] = evaluateEntrypoint(policy, input, 'vigil/selected') as [{ result: Record<string, { status: string }[]> }];
    return secrets.map((_, i) => {
      const status = (control: string) => result[control]?.[i]?.status;
      return { public: status('no_public_principal') === 'FAIL', untrusted: status('no_untrusted_cross_account') === 'FAIL', error: status('no_public_principal') === 'ERROR' && status('no_untrusted_cross_account') === 'ERROR' };
    });
  };
}

/** The resource-policy analysis of the compiled controls against the model, on generated policies. */
export function policyTarget(policy: LoadedPolicy): FuzzTarget {
  const judge = policyJudge(policy);
  return {
    name: 'policy-analysis',
    input: policyDocument,
    check: (document) => {
      const disagreement = policyDisagreement(document as Record<string, unknown>, judge);
      if (disagreement) throw new Error(disagreement);
    },
  };
}

export function fuzzTargets(root: string): FuzzTarget[] {
  return [
    { name: 'event-normaliser', input: mutated(root, ['eventbridge', 'cloudtrail', 'config']), check: (e) => (resultOrTypedError(() => normaliseEventBridgeEvent(e)), resultOrTypedError(() => normaliseInput(e))) },
    { name: 'snapshot-loader', input: mutated(root, ['snapshots']), check: (d) => resultOrTypedError(() => parseSnapshot(d, 'snapshot')) },
    { name: 'params-loader', input: fc.oneof(mutated(root, ['snapshots']).map((d) => (d as Record<string, unknown>)), hostileValue, fc.dictionary(fc.constantFrom('unusedForDays', 'graceHours', 'trustedAccounts', 'requiredTagKeys', 'maxRotationIntervalDays', 'x'), hostileValue)), check: (p) => resultOrTypedError(() => parseParams(p)) },
    {
      name: 'config-item-mapper',
      input: mutated(root, ['config']),
      check: (invocation) =>
        resultOrTypedError(() => {
          const parsed = parseConfigRuleInvocation(invocation);
          if (parsed.configurationItem) fromConfigItem(parsed.configurationItem);
        }),
    },
  ];
}
