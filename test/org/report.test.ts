import { describe, expect, it } from 'vitest';
import type { Control } from '../../src/controls/index.js';
import { buildOrgReport, renderOrgMarkdown, type FailureRow, type UnitResult } from '../../src/org/report.js';
import { parseAccountList, planUnits } from '../../src/org/units.js';
import { orgMessage, orgSubject } from '../../functions/org-sweep.js';

const control = (id: string, severity: Control['severity']): Control => ({ id, package: id, title: id, description: '', severity, remediation: '', awsConfigRule: null, securityHub: null, frameworks: {}, frameworkSource: '' });
const CONTROLS = [control('no-public-principal', 'CRITICAL'), control('required-tags', 'LOW')];

function fail(account: string, region: string, name: string, controlId: string, extra: Partial<FailureRow> = {}): FailureRow {
  return { account, region, arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}`, name, controlId, severity: controlId === 'required-tags' ? 'LOW' : 'CRITICAL', status: 'FAIL', reason: 'r', exempted: false, ...extra };
}

function unit(account: string, region: string, secrets: number, failures: FailureRow[]): UnitResult {
  const controls = CONTROLS.map((c) => {
    const mine = failures.filter((f) => f.controlId === c.id);
    return { controlId: c.id, counts: { PASS: secrets - mine.length, FAIL: mine.filter((f) => f.status === 'FAIL').length, ERROR: mine.filter((f) => f.status === 'ERROR').length, NOT_APPLICABLE: 0 }, exemptedFailures: mine.filter((f) => f.exempted).length };
  });
  return { account, region, status: 'swept', secrets, controls, failures, unreadable: 0 };
}

describe('the organisation sweep summary on SNS', () => {
  const failed = (account: string, region: string): UnitResult => ({ account, region, status: 'failed', reason: 'x', secrets: 0, controls: [], failures: [], unreadable: 0 });
  const report = (units: UnitResult[], previous?: UnitResult[]) => buildOrgReport({ units, controls: CONTROLS, evaluatedAt: 0, generatedAt: 1, ...(previous ? { previous: buildOrgReport({ units: previous, controls: CONTROLS, evaluatedAt: 0, generatedAt: 0 }) } : {}) });

  const two = (account: string) => unit(account, 'us-east-1', 2, [fail(account, 'us-east-1', 'a', 'no-public-principal')]);
  it.each([
    ['one secret, account, unit and new failure in the singular', () => report([unit('111122223333', 'us-east-1', 1, [fail('111122223333', 'us-east-1', 'a', 'no-public-principal')]), failed('111122223333', 'eu-west-1')], [unit('111122223333', 'us-east-1', 1, [])]), ['1 failing over 1 account, 1 unit NOT SWEPT', '1 secret in 1 account', '1 unit', '1 new failure']],
    ['several in the plural', () => report([two('111122223333'), two('444455556666'), failed('777788889999', 'us-east-1'), failed('777788889999', 'eu-west-1')], [unit('111122223333', 'us-east-1', 2, []), unit('444455556666', 'us-east-1', 2, [])]), ['2 failing over 3 accounts, 2 units NOT SWEPT', '4 secrets in 3 accounts', '2 units', '2 new failures']],
  ] as const)('says %s', (_, make, [subject, swept, units, fresh]) => {
    const r = make();
    expect(orgSubject(r)).toBe(`vigil organisation sweep: ${subject}`);
    const message = orgMessage(r, 's3://bucket/org/run/organization.md');
    expect(message.startsWith(`vigil swept ${swept} × 2 regions as of `), message).toBe(true);
    expect(message).toContain(`\n${units} could not be swept:\n`);
    expect(message).toContain(`: ${fresh}, 0 resolved.\n`);
  });
});

describe('the organisation report', () => {
  const units = [
    unit('111122223333', 'us-east-1', 3, [fail('111122223333', 'us-east-1', 'a', 'no-public-principal'), fail('111122223333', 'us-east-1', 'b', 'required-tags', { exempted: true })]),
    unit('444455556666', 'eu-west-1', 2, [fail('444455556666', 'eu-west-1', 'c', 'no-public-principal', { status: 'ERROR' })]),
    { account: '777788889999', region: 'us-east-1', status: 'failed', reason: 'AccessDenied on sts:AssumeRole', secrets: 0, controls: [], failures: [], unreadable: 0 } satisfies UnitResult,
  ];

  it('counts per account, per region and per control, exempted and undecided apart', () => {
    const r = buildOrgReport({ units, controls: CONTROLS, evaluatedAt: 0, generatedAt: 1 });
    expect(r.summary).toMatchObject({ secrets: 5, failing: 1, exemptedFailures: 1, errors: 1, unitsSwept: 2, unitsFailed: 1 });
    expect(r.summary.failuresBySeverity.CRITICAL).toBe(1);
    expect(r.accounts.map((a) => [a.account, a.failing, a.errors])).toEqual([['111122223333', 1, 0], ['444455556666', 0, 1], ['777788889999', 0, 0]]);
    expect(r.byControl.find((c) => c.controlId === 'no-public-principal')).toMatchObject({ accountsFailing: 1, counts: { FAIL: 1, ERROR: 1 } });
    expect(r.failedUnits).toEqual([{ account: '777788889999', region: 'us-east-1', reason: 'AccessDenied on sts:AssumeRole' }]);
  });

  it('diffs only units swept in both reports', () => {
    const before = buildOrgReport({ units, controls: CONTROLS, evaluatedAt: 0, generatedAt: 1 });
    const now = buildOrgReport({
      units: [unit('111122223333', 'us-east-1', 3, []), units[1] as UnitResult, unit('777788889999', 'us-east-1', 1, [fail('777788889999', 'us-east-1', 'd', 'no-public-principal')])],
      controls: CONTROLS,
      evaluatedAt: 2,
      generatedAt: 3,
      previous: before,
    });
    expect(now.diff?.resolvedFailures.map((f) => f.arn)).toEqual(['a', 'b'].map((n) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${n}`));
    expect(now.diff?.newFailures).toEqual([]);
    expect(now.diff?.comparedUnits).toBe(2);
  });

  it('counts a failure that cannot be judged now as no longer judged, not resolved', () => {
    const before = buildOrgReport({ units: [unit('111122223333', 'us-east-1', 2, [fail('111122223333', 'us-east-1', 'a', 'no-public-principal'), fail('111122223333', 'us-east-1', 'b', 'no-public-principal')])], controls: CONTROLS, evaluatedAt: 0, generatedAt: 1 });
    const now = buildOrgReport({ units: [unit('111122223333', 'us-east-1', 2, [fail('111122223333', 'us-east-1', 'a', 'no-public-principal', { status: 'ERROR' })])], controls: CONTROLS, evaluatedAt: 2, generatedAt: 3, previous: before });
    expect(now.diff?.resolvedFailures.map((f) => f.arn)).toEqual(['arn:aws:secretsmanager:us-east-1:111122223333:secret:b']);
    expect(now.diff?.undecidedFailures.map((f) => f.arn)).toEqual(['arn:aws:secretsmanager:us-east-1:111122223333:secret:a']);
    expect(renderOrgMarkdown(now)).toContain('0 new failures, 1 resolved, 1 no longer judged (1 unit compared).');
    expect(orgMessage(now, 's3://bucket/org/run/organization.md')).toContain(': 0 new failures, 1 resolved, 1 no longer judged.\n');
  });

  it('reads in Markdown with the failed units first and plurals right', () => {
    const md = renderOrgMarkdown(buildOrgReport({ units, controls: CONTROLS, evaluatedAt: 0, generatedAt: 1 }));
    expect(md).toContain('over 3 accounts × 2 regions');
    expect(md).toContain('## 1 unit could not be swept');
    expect(md.indexOf('could not be swept')).toBeLessThan(md.indexOf('## Accounts'));
    expect(md).toContain('1 failing check (1 exempted)');
  });
});

describe('the organisation scope', () => {
  it('refuses account ids and regions that are not', () => {
    expect(parseAccountList('111122223333, 444455556666,111122223333', '--accounts')).toEqual(['111122223333', '444455556666']);
    expect(() => parseAccountList('11112222333', '--accounts')).toThrow('--accounts: "11112222333" is not a 12-digit account id');
    expect(() => planUnits(['111122223333'], ['us-east1'], '--region')).toThrow('--region: "us-east1" is not an AWS region name');
    expect(planUnits(['111122223333', '444455556666'], ['us-east-1', 'eu-west-1'])).toHaveLength(4);
  });
});
