import { describe, expect, it } from 'vitest';
import { listControls } from '../../src/controls/index.js';
import { renderAll, reportToAsff, type AsffFinding, type JsonReport } from '../../src/reports/index.js';
import { csvRecords, fixtureReport } from '../helpers/reports.js';

// The reports the sweep Lambda and the demo write from a report held in memory mark the diff as the CLI's streamed ones do.
describe('the diff in every format of a report held in memory', () => {
  it('marks new and resolved failures in CSV, ASFF and OCSF, and lists those of a gone secret', async () => {
    const previous = await fixtureReport((states) => states.filter((s) => s.name !== 'new/api/webhook-token'));
    const current = await fixtureReport((states) => states.filter((s) => s.name !== 'legacy/ftp'));
    const { files, diff } = renderAll(current, await listControls(), JSON.parse(renderAll(previous, await listControls()).files['report.json'] as string) as JsonReport);
    expect(diff?.resolvedFailures.filter((r) => r.now === 'GONE').map((r) => r.name)).toContain('legacy/ftp');

    const rows = csvRecords(files['findings.csv'] as string);
    expect(rows.filter((r) => r['change'] === 'new').map((r) => `${r['secret']} ${r['control']}`)).toEqual(['new/api/webhook-token rotation-enabled']);
    expect(rows.filter((r) => r['secret'] === 'legacy/ftp').map((r) => [r['control'], r['status'], r['change']]).sort()).toEqual(
      diff?.resolvedFailures.filter((r) => r.name === 'legacy/ftp').map((r) => [r.controlId, '', 'resolved']).sort(),
    );
    expect(rows.filter((r) => r['change'] === 'unchanged')).toHaveLength(diff?.unchangedFailures ?? -1);

    const asff = JSON.parse(files['findings.asff.json'] as string) as AsffFinding[];
    expect(asff.filter((f) => f.ProductFields['vigil/Change'] === 'NEW').map((f) => f.Id)).toEqual([expect.stringMatching(/^vigil\/rotation-enabled\/.*:secret:new\/api\/webhook-token-/)]);
    const gone = asff.filter((f) => f.RecordState === 'ARCHIVED' && f.ProductFields['vigil/Status'] === 'GONE');
    expect(gone.length).toBe(diff?.resolvedFailures.filter((r) => r.now === 'GONE').length);
    expect(gone[0]).toMatchObject({ Workflow: { Status: 'RESOLVED' }, ProductFields: { 'vigil/Change': 'RESOLVED' }, Severity: { Label: 'INFORMATIONAL' } });

    // What the sweep Lambda imports into Security Hub is findings.asff.json.
    expect(reportToAsff(current, diff)).toEqual(asff);

    const ocsf = JSON.parse(files['findings.ocsf.json'] as string) as { activity_id: number; status: string; unmapped: { change?: string } }[];
    expect(ocsf.filter((f) => f.unmapped.change === 'new')).toHaveLength(1);
    expect(ocsf.filter((f) => f.activity_id === 3)).toHaveLength(gone.length);
  });

  it('calls a failure vigil can no longer judge undecided, not resolved, and keeps it open in ASFF and OCSF', async () => {
    const previous = await fixtureReport();
    // Since the previous sweep, vigil lost GetResourcePolicy on the public secret: no-public-principal cannot be judged.
    const current = await fixtureReport((states) =>
      states.map((s) => (s.name === 'prod/api/payments-key' ? { ...s, resourcePolicy: null, unreadable: { ...s.unreadable, resourcePolicy: 'AccessDeniedException: not authorized to perform secretsmanager:GetResourcePolicy' } } : s)),
    );
    const { files, diff } = renderAll(current, await listControls(), JSON.parse(renderAll(previous, await listControls()).files['report.json'] as string) as JsonReport);
    const lost = (r: { name: string; controlId: string }) => r.name === 'prod/api/payments-key' && r.controlId === 'no-public-principal';
    expect(diff?.resolvedFailures.some(lost)).toBe(false);
    expect(diff?.undecidedFailures.filter(lost)).toHaveLength(1);

    const row = csvRecords(files['findings.csv'] as string).find((r) => r['secret'] === 'prod/api/payments-key' && r['control'] === 'no-public-principal');
    expect([row?.['status'], row?.['change']]).toEqual(['ERROR', 'undecided']);
    const asff = (JSON.parse(files['findings.asff.json'] as string) as AsffFinding[]).find((f) => f.Id.startsWith('vigil/no-public-principal/') && f.Id.includes(':secret:prod/api/payments-key-'));
    expect(asff).toMatchObject({ Workflow: { Status: 'NEW' }, Compliance: { Status: 'WARNING' }, RecordState: 'ACTIVE', ProductFields: { 'vigil/Change': 'UNDECIDED' } });
    const ocsf = (JSON.parse(files['findings.ocsf.json'] as string) as { status: string; unmapped: { change?: string }; finding_info: { uid: string } }[]).find((f) => f.unmapped.change === 'undecided');
    expect(ocsf?.status).toBe('New');
    expect(files['report.md']).toContain(`${diff?.undecidedFailures.length} no longer judged`);
    expect(files['report.md']).toMatch(/- no longer judged: \*\*prod\/api\/payments-key\*\* `no-public-principal`/);
    expect(files['report.html']).toContain('<h3>No longer judged</h3>');
  });

  it('leaves the change column empty and adds no field without a previous report', async () => {
    const { files } = renderAll(await fixtureReport(), await listControls());
    expect(csvRecords(files['findings.csv'] as string).every((r) => r['change'] === '')).toBe(true);
    expect((JSON.parse(files['findings.asff.json'] as string) as AsffFinding[]).some((f) => 'vigil/Change' in f.ProductFields)).toBe(false);
  });
});
