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

  it('leaves the change column empty and adds no field without a previous report', async () => {
    const { files } = renderAll(await fixtureReport(), await listControls());
    expect(csvRecords(files['findings.csv'] as string).every((r) => r['change'] === '')).toBe(true);
    expect((JSON.parse(files['findings.asff.json'] as string) as AsffFinding[]).some((f) => 'vigil/Change' in f.ProductFields)).toBe(false);
  });
});
