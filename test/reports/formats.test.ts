import { describe, expect, it } from 'vitest';
import { listControls } from '../../src/controls/index.js';
import { compliancePercent, diffReports, expandJsonReport, frameworkView, renderAll, renderCsv, renderJson, toAsff, toOcsf, type JsonReport } from '../../src/reports/index.js';
import { csvRecords, fixtureReport } from '../helpers/reports.js';

const find = async (name: string, controlId: string) => {
  const report = await fixtureReport();
  const finding = report.findings.find((f) => f.resource.name === name && f.controlId === controlId);
  if (!finding) throw new Error(`no finding for ${name} ${controlId}`);
  return { report, finding };
};

describe('CSV', () => {
  it('has a header and one row per finding', async () => {
    const report = await fixtureReport();
    const lines = renderCsv(report).trimEnd().split('\r\n');
    expect(lines[0]).toBe('account,region,secret,arn,control,title,severity,status,exempted,exemption,exempt_until,exemption_tag,exemption_reason,exemption_note,reason,remediation,change');
    expect(lines).toHaveLength(report.findings.length + 1);
    expect(lines).toContain(lines.find((l) => l.startsWith('111122223333,us-east-1,partner/shared-token,') && l.includes(',rotation-enabled,') && l.includes(',FAIL,yes,active,2026-12-31,vigil:exempt:rotation-enabled,')));
  });

  it('gives a pass no remediation, a failure its fix', async () => {
    const { report, finding } = await find('prod/db/orders', 'rotation-enabled');
    const rows = csvRecords(renderCsv(report));
    expect(rows.find((r) => r['arn'] === finding.resource.arn && r['control'] === 'rotation-enabled')).toMatchObject({ status: 'PASS', remediation: '' });
    expect(rows.find((r) => r['secret'] === 'legacy/ftp' && r['control'] === 'rotation-enabled')).toMatchObject({ status: 'FAIL', remediation: expect.stringContaining('rotate') });
    expect(toAsff(finding, report).Remediation).toBeUndefined();
    expect(toOcsf(finding, report, '0.1.0')).not.toHaveProperty('remediation');
  });

  it('quotes commas and quotes, and defuses cells a spreadsheet would run as formulas', async () => {
    const report = await fixtureReport((states) =>
      states.slice(0, 1).map((s) => ({ ...s, name: '=HYPERLINK("http://evil.example","click")', tags: { ...s.tags } })),
    );
    const csv = renderCsv(report);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
  });
});

describe('ASFF for Security Hub BatchImportFindings', () => {
  it('carries every required field, a stable Id and the default product of the account', async () => {
    const { report, finding } = await find('prod/api/payments-key', 'no-public-principal');
    const asff = toAsff(finding, report);
    expect(asff).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: 'vigil/no-public-principal/arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api/payments-key-Qw34Er',
      ProductArn: 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
      GeneratorId: 'vigil/no-public-principal',
      AwsAccountId: '111122223333',
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      CreatedAt: '2026-11-20T00:00:00.000Z',
      UpdatedAt: '2026-11-20T00:00:00.000Z',
      Severity: { Label: 'CRITICAL', Original: 'CRITICAL' },
      Resources: [{ Type: 'AwsSecretsManagerSecret', Id: finding.resource.arn, Partition: 'aws', Region: 'us-east-1' }],
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
    });
    expect(asff.Title.length).toBeLessThanOrEqual(256);
    expect(asff.Description.length).toBeLessThanOrEqual(1024);
    expect(toAsff(finding, await fixtureReport()).Id).toBe(asff.Id);
  });

  it('suppresses an exempted failure and notes why, resolves a pass, archives the not-applicable', async () => {
    const { report, finding } = await find('partner/shared-token', 'rotation-enabled');
    expect(toAsff(finding, report)).toMatchObject({ Compliance: { Status: 'FAILED' }, Workflow: { Status: 'SUPPRESSED' }, Note: { Text: expect.stringContaining('vigil:exempt:rotation-enabled') } });
    const pass = await find('prod/db/orders', 'rotation-enabled');
    expect(toAsff(pass.finding, pass.report)).toMatchObject({ Compliance: { Status: 'PASSED', RelatedRequirements: ['HIPAA-Security-Rule 164.308(a)(4)(ii)(B)', 'NIST-SP-800-53-r5 AC-2(1)', 'NIST-SP-800-53-r5 AC-3(15)', 'PCI-DSS-v4.0.1 8.3.9', 'PCI-DSS-v4.0.1 8.6.3'] }, Workflow: { Status: 'RESOLVED' }, Severity: { Label: 'INFORMATIONAL' } });
    const na = await find('shared/app-config', 'rotation-enabled');
    expect(toAsff(na.finding, na.report)).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'NOT_AVAILABLE' } });
    const error = await find('prod/api/restricted', 'no-public-principal');
    expect(toAsff(error.finding, error.report).Compliance).toMatchObject({ Status: 'WARNING', StatusReasons: [{ ReasonCode: 'vigil_data_unreadable' }] });
  });
});

describe('OCSF Compliance Finding', () => {
  it('is class 2003 with the compliance status, severity and resource filled in', async () => {
    const { report, finding } = await find('prod/db/reporting', 'no-untrusted-cross-account');
    expect(toOcsf(finding, report, '0.1.0')).toMatchObject({
      class_uid: 2003,
      category_uid: 2,
      activity_id: 1,
      type_uid: 200301,
      time: Date.UTC(2026, 10, 20),
      severity_id: 4,
      severity: 'High',
      compliance: { status_id: 3, status: 'Fail', control: 'no-untrusted-cross-account' },
      resources: [{ uid: finding.resource.arn, type: 'AWS::SecretsManager::Secret', region: 'us-east-1' }],
      cloud: { provider: 'AWS', account: { uid: '111122223333' } },
      metadata: { version: '1.3.0', product: { name: 'vigil' } },
    });
  });
});

describe('framework view', () => {
  it('says which requirements are not met and why', async () => {
    const report = await fixtureReport();
    const view = frameworkView(report, await listControls());
    expect(view.find((r) => r.framework === 'NIST-SP-800-53-r5' && r.requirement === 'AC-2(1)')).toMatchObject({
      controls: ['rotated-within-period', 'rotation-enabled', 'rotation-succeeding', 'unused'],
      state: 'not-met',
    });
    const allCompliant = await fixtureReport((states) => states.filter((s) => s.name === 'prod/db/orders'));
    expect(frameworkView(allCompliant, await listControls()).every((r) => r.state === 'met')).toBe(true);
  });
});

describe('diff against the previous report', () => {
  it('names new and resolved failures', async () => {
    const previous = await fixtureReport((states) => states.filter((s) => s.name !== 'prod/api/payments-key'));
    const current = await fixtureReport((states) => states.filter((s) => s.name !== 'legacy/ftp'));
    const diff = diffReports(current, previous);
    expect(new Set(diff.newFailures.map((f) => f.resource.name))).toEqual(new Set(['prod/api/payments-key']));
    expect(diff.newFailures).toHaveLength(6);
    expect(diff.resolvedFailures.every((r) => r.arn.includes('legacy/ftp') && r.name === 'legacy/ftp' && r.now === 'GONE')).toBe(true);
    expect(diff.resolvedFailures).toHaveLength(5);
  });
});

describe('every format at once', () => {
  it('writes JSON, Markdown, HTML, CSV, ASFF, OCSF and the framework view, plus the diff when asked', async () => {
    const report = await fixtureReport();
    const { files } = renderAll(report, await listControls(), report);
    expect(Object.keys(files).sort()).toEqual(['diff.json', 'findings.asff.json', 'findings.csv', 'findings.ocsf.json', 'frameworks.json', 'report.html', 'report.json', 'report.md']);
    expect(JSON.parse(files['findings.asff.json'] ?? '[]')).toHaveLength(report.findings.length);
    expect(files['report.md']).toContain('## Frameworks');
  });
});

describe('report.json', () => {
  it('states each control once, and gives a pass no remediation, mapping or evidence', async () => {
    const report = await fixtureReport();
    const doc = JSON.parse(renderJson(report)) as JsonReport;
    expect(doc.schemaVersion).toBe(2);
    expect(doc.controls.find((c) => c.controlId === 'rotation-enabled')).toMatchObject({ severity: 'MEDIUM', remediation: expect.stringContaining('<arn>'), mappings: { securityHub: 'SecretsManager.1' } });
    const orders = doc.secrets.find((s) => s.name === 'prod/db/orders');
    expect(orders?.findings.find((f) => f.controlId === 'rotation-enabled')).toEqual({ controlId: 'rotation-enabled', status: 'PASS', reason: expect.any(String) });
    const text = JSON.stringify(orders);
    expect(text).not.toContain('remediation');
    expect(text).not.toContain('NIST');
  });

  it('keeps the evidence of failures and errors, and reads back into the same findings', async () => {
    const report = await fixtureReport();
    const back = expandJsonReport(JSON.parse(renderJson(report)) as JsonReport);
    const judged = (r: typeof report) => r.findings.map((f) => ({ ...f, evidence: f.status === 'FAIL' || f.status === 'ERROR' ? f.evidence : {} }));
    expect(back.findings).toEqual(judged(report));
    expect(back.summary).toEqual(report.summary);
  });

  it('writes one line per secret, so a large report is read line by line', async () => {
    const report = await fixtureReport();
    const lines = renderJson(report).split('\n');
    const secretLines = lines.filter((l) => l.startsWith('{"arn":'));
    expect(secretLines).toHaveLength(report.summary.secrets);
    for (const line of secretLines) expect(() => JSON.parse(line.replace(/,$/, ''))).not.toThrow();
  });
});

describe('compliance percentages', () => {
  it('never reads 100% while a secret fails, nor 0% while one passes', () => {
    expect(compliancePercent(9999, 1)).toBe(99.9);
    expect(compliancePercent(1, 9999)).toBe(0.1);
    expect(compliancePercent(12, 1)).toBe(92.3);
    expect(compliancePercent(0, 0)).toBeNull();
  });
});
