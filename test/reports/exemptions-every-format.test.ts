import { describe, expect, it } from 'vitest';
import { listControls } from '../../src/controls/index.js';
import { renderTerminalTable } from '../../src/cli/table.js';
import { renderAll, type JsonReport, type Report } from '../../src/reports/index.js';
import { csvRecords, fixtureReport } from '../helpers/reports.js';

// legacy/ftp fails required-tags and unused; partner/shared-token carries an active exemption and an expired one.
const UNUSABLE = {
  'vigil:exempt:rotation-enabeld': { value: '2026-12-31 typo in the control id', controlId: 'rotation-enabeld', until: '', reason: '2026-12-31 typo in the control id', why: 'names no vigil control' },
  'vigil:exempt:required-tags': { value: 'someday, maybe', controlId: 'required-tags', until: '', reason: 'someday, maybe', why: 'YYYY-MM-DD reason' },
  'vigil:exempt:unused': { value: '2028-06-30 for as long as the vendor lives', controlId: 'unused', until: '2028-06-30', reason: 'for as long as the vendor lives', why: 'longer than maxExemptionDays (365)' },
} as const;
const ACTIVE = { name: 'partner/shared-token', tag: 'vigil:exempt:rotation-enabled', controlId: 'rotation-enabled' };
const EXPIRED = { name: 'partner/shared-token', tag: 'vigil:exempt:unused', controlId: 'unused', why: 'expired at the end of 2026-06-30' };

const withOddTags = () =>
  fixtureReport((states) => states.map((s) => (s.name === 'legacy/ftp' ? { ...s, tags: { ...s.tags, ...Object.fromEntries(Object.entries(UNUSABLE).map(([tag, u]) => [tag, u.value])) } } : s)));

async function everyFormat(report: Report, previous?: Report) {
  const { files } = renderAll(report, await listControls(), previous ? JSON.parse(renderAll(previous, await listControls()).files['report.json'] ?? '') : undefined);
  const file = (name: string) => files[name] ?? '';
  return {
    json: JSON.parse(file('report.json')) as JsonReport,
    md: file('report.md'),
    html: file('report.html'),
    csv: csvRecords(file('findings.csv')),
    asff: JSON.parse(file('findings.asff.json')) as { Id: string; GeneratorId: string; Title: string; Compliance?: { Status: string }; Workflow: { Status: string }; RecordState: string; ProductFields: Record<string, string>; Note?: { Text: string } }[],
    ocsf: JSON.parse(file('findings.ocsf.json')) as { finding_info: { uid: string; title: string }; status: string; status_detail?: string; activity_name: string; compliance: { control: string; status: string; status_detail?: string }; unmapped: { change?: string; exemption?: { state: string; tag: string; note?: string } } }[],
  };
}

/** The rows of the HTML report's exemptions table. */
const htmlExemptionRows = (html: string) => (html.split('<section id="exemptions">')[1] ?? '').match(/<tr class="ex-[a-z]+">.*?<\/tr>/g) ?? [];

describe('exemptions in every report format', () => {
  it('names each unusable exemption and why under the terminal table\'s totals, and on the failure it did not exempt', async () => {
    const table = renderTerminalTable(await withOddTags(), { verbose: false, colour: false });
    expect(table).toContain('3 unusable exemptions (exempting nothing):');
    for (const [tag, u] of Object.entries(UNUSABLE)) expect(table).toMatch(new RegExp(`^  legacy/ftp  ${tag}: .*${u.why.replace(/[()]/g, '\\$&')}`, 'm'));
    const lines = table.split('\n');
    const failureLine = (name: string, controlId: string) => lines.find((l) => l.includes(` ${name}  ${controlId}: `));
    expect(failureLine('legacy/ftp', 'required-tags')).toMatch(/^LOW .*\[exemption vigil:exempt:required-tags not applied: unusable\]$/);
    expect(failureLine('partner/shared-token', 'unused')).toMatch(/\[exemption vigil:exempt:unused not applied: expired\]$/);
    expect(lines.filter((l) => l.startsWith('  partner/shared-token'))).toEqual([]);
  });

  it('names each unusable exemption and why in JSON, Markdown and HTML, beside the active and the expired', async () => {
    const { json, md, html } = await everyFormat(await withOddTags());
    for (const [tag, u] of Object.entries(UNUSABLE)) {
      expect(json.exemptions).toContainEqual(expect.objectContaining({ name: 'legacy/ftp', tag, controlId: u.controlId, state: 'unusable', active: false, note: expect.stringContaining(u.why) }));
      const mdRow = md.split('\n').find((l) => l.startsWith('| legacy/ftp |') && l.includes(`\`${tag}\``)) ?? '';
      expect(mdRow).toContain('| unusable |');
      expect(mdRow).toContain(u.why.replaceAll('|', '\\|'));
      const htmlRow = htmlExemptionRows(html).find((r) => r.includes('<td>legacy/ftp</td>') && r.includes(`<code>${tag}</code>`)) ?? '';
      expect(htmlRow).toMatch(/^<tr class="ex-unusable">/);
      expect(htmlRow).toContain(u.why);
    }
    expect(json.exemptions).toContainEqual(expect.objectContaining({ name: ACTIVE.name, tag: ACTIVE.tag, state: 'active', active: true, until: '2026-12-31' }));
    expect(json.exemptions).toContainEqual(expect.objectContaining({ name: EXPIRED.name, tag: EXPIRED.tag, state: 'expired', note: expect.stringContaining(EXPIRED.why) }));
    const partnerRow = (tag: string) => htmlExemptionRows(html).find((r) => r.includes(`<td>${ACTIVE.name}</td>`) && r.includes(`<code>${tag}</code>`)) ?? '';
    expect(partnerRow(ACTIVE.tag)).toMatch(/^<tr class="ex-active">/);
    expect(partnerRow(EXPIRED.tag)).toMatch(/^<tr class="ex-expired">/);
    expect(partnerRow(EXPIRED.tag)).toContain(EXPIRED.why);
    // A failure an unusable tag names is listed as failing, with why the tag did not hold.
    expect(md).toMatch(/- \*\*legacy\/ftp\*\* `required-tags`: .* — \*\*Exemption not applied \(unusable\): the tag's value must be "YYYY-MM-DD reason"/);
  });

  it('lists each unusable exemption in the CSV, one table: a tag naming no control as a row without a status', async () => {
    const { csv } = await everyFormat(await withOddTags());
    const row = (name: string, control: string) => csv.find((r) => r['secret'] === name && r['control'] === control);
    expect(row('legacy/ftp', 'rotation-enabeld')).toMatchObject({ status: '', severity: '', exempted: 'no', exemption: 'unusable', exemption_tag: 'vigil:exempt:rotation-enabeld', exemption_reason: UNUSABLE['vigil:exempt:rotation-enabeld'].reason, account: '111122223333', region: 'us-east-1' });
    for (const tag of ['vigil:exempt:required-tags', 'vigil:exempt:unused'] as const) {
      expect(row('legacy/ftp', UNUSABLE[tag].controlId)).toMatchObject({ status: 'FAIL', exempted: 'no', exemption: 'unusable', exemption_tag: tag, exempt_until: UNUSABLE[tag].until, exemption_reason: UNUSABLE[tag].reason });
    }
    for (const u of Object.values(UNUSABLE)) expect(row('legacy/ftp', u.controlId)?.['exemption_note']).toContain(u.why);
    expect(row(ACTIVE.name, ACTIVE.controlId)).toMatchObject({ status: 'FAIL', exempted: 'yes', exemption: 'active', exempt_until: '2026-12-31', exemption_tag: ACTIVE.tag });
    expect(row(EXPIRED.name, EXPIRED.controlId)).toMatchObject({ status: 'FAIL', exempted: 'no', exemption: 'expired', exempt_until: '2026-06-30' });
    expect(row(EXPIRED.name, EXPIRED.controlId)?.['exemption_note']).toContain(EXPIRED.why);
  });

  it('gives Security Hub a finding per tag naming no control, and a Note on each finding an exemption names', async () => {
    const report = await withOddTags();
    const { asff } = await everyFormat(report);
    const arn = report.findings.find((f) => f.resource.name === 'legacy/ftp')?.resource.arn ?? '';
    const byId = (id: string) => asff.find((a) => a.Id === id);
    const unknown = byId(`vigil/exemption/rotation-enabeld/${arn}`);
    expect(unknown).toMatchObject({ GeneratorId: 'vigil/exemption', Workflow: { Status: 'NEW' }, ProductFields: { 'vigil/Kind': 'exemption', 'vigil/Exemption': 'unusable', 'vigil/ExemptionTag': 'vigil:exempt:rotation-enabeld' } });
    expect(unknown?.Compliance).toBeUndefined();
    expect(unknown?.Note?.Text).toContain('names no vigil control');
    for (const tag of ['vigil:exempt:required-tags', 'vigil:exempt:unused'] as const) {
      const finding = byId(`vigil/${UNUSABLE[tag].controlId}/${arn}`);
      expect(finding).toMatchObject({ Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NEW' }, ProductFields: { 'vigil/Exemption': 'unusable', 'vigil/ExemptionTag': tag } });
      expect(finding?.Note?.Text).toContain('Exemption not applied (unusable)');
      expect(finding?.Note?.Text).toContain(UNUSABLE[tag].why);
    }
    const partner = report.findings.find((f) => f.resource.name === ACTIVE.name)?.resource.arn ?? '';
    expect(byId(`vigil/${ACTIVE.controlId}/${partner}`)).toMatchObject({ Compliance: { Status: 'FAILED' }, Workflow: { Status: 'SUPPRESSED' }, ProductFields: { 'vigil/Exemption': 'active' } });
    expect(byId(`vigil/${EXPIRED.controlId}/${partner}`)).toMatchObject({ Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NEW' }, ProductFields: { 'vigil/Exemption': 'expired' }, Note: { Text: expect.stringContaining(EXPIRED.why) } });
    expect(asff).toHaveLength(report.findings.length + 1);
  });

  it('gives OCSF a Compliance Finding per tag naming no control, and the exemption and why on each finding it names', async () => {
    const report = await withOddTags();
    const { ocsf } = await everyFormat(report);
    const arn = report.findings.find((f) => f.resource.name === 'legacy/ftp')?.resource.arn ?? '';
    const byUid = (uid: string) => ocsf.find((o) => o.finding_info.uid === uid);
    expect(byUid(`vigil/exemption/rotation-enabeld/${arn}`)).toMatchObject({ status: 'New', compliance: { control: 'rotation-enabeld', status: 'Warning', status_detail: expect.stringContaining('names no vigil control') }, unmapped: { exemption: { state: 'unusable', tag: 'vigil:exempt:rotation-enabeld' } } });
    for (const tag of ['vigil:exempt:required-tags', 'vigil:exempt:unused'] as const) {
      expect(byUid(`vigil/${UNUSABLE[tag].controlId}/${arn}`)).toMatchObject({ status: 'New', compliance: { status: 'Fail' }, status_detail: expect.stringContaining(UNUSABLE[tag].why), unmapped: { exemption: { state: 'unusable', tag } } });
    }
    const partner = report.findings.find((f) => f.resource.name === ACTIVE.name)?.resource.arn ?? '';
    expect(byUid(`vigil/${ACTIVE.controlId}/${partner}`)).toMatchObject({ status: 'Suppressed', compliance: { status: 'Fail' }, unmapped: { exemption: { state: 'active' } } });
    expect(byUid(`vigil/${EXPIRED.controlId}/${partner}`)).toMatchObject({ status: 'New', compliance: { status: 'Fail' }, status_detail: expect.stringContaining(EXPIRED.why), unmapped: { exemption: { state: 'expired' } } });
    expect(ocsf).toHaveLength(report.findings.length + 1);
  });

  it('suppresses nothing by an unusable exemption: the same failures fail, and no more are exempted', async () => {
    const plain = (await fixtureReport()).summary;
    const tagged = (await withOddTags()).summary;
    expect(tagged.failing).toBe(plain.failing);
    expect(tagged.exemptedFailures).toBe(plain.exemptedFailures);
    expect(tagged.failuresBySeverity).toEqual(plain.failuresBySeverity);
    const legacy = (await withOddTags()).findings.filter((f) => f.resource.name === 'legacy/ftp' && (f.controlId === 'required-tags' || f.controlId === 'unused'));
    expect(legacy.map((f) => [f.status, f.exemption?.active])).toEqual([
      ['FAIL', false],
      ['FAIL', false],
    ]);
  });

  it('closes the Security Hub and OCSF finding of a tag naming no control once the tag is mended, and only then', async () => {
    const before = await withOddTags();
    const arn = before.findings.find((f) => f.resource.name === 'legacy/ftp')?.resource.arn ?? '';
    const id = `vigil/exemption/rotation-enabeld/${arn}`;
    const mended = await everyFormat(await fixtureReport(), before);
    expect(mended.asff.filter((a) => a.Id === id)).toEqual([expect.objectContaining({ GeneratorId: 'vigil/exemption', Workflow: { Status: 'RESOLVED' }, RecordState: 'ARCHIVED', ProductFields: expect.objectContaining({ 'vigil/Change': 'RESOLVED', 'vigil/ExemptionTag': 'vigil:exempt:rotation-enabeld' }) })]);
    expect(mended.ocsf.filter((o) => o.finding_info.uid === id)).toEqual([expect.objectContaining({ activity_name: 'Close', status: 'Resolved', unmapped: { change: 'resolved', exemption: { tag: 'vigil:exempt:rotation-enabeld', state: 'mended' } } })]);
    expect(mended.csv.filter((r) => r['control'] === 'rotation-enabeld')).toEqual([expect.objectContaining({ secret: 'legacy/ftp', exemption: 'mended', exemption_tag: 'vigil:exempt:rotation-enabeld', change: 'resolved' })]);
    expect(mended.json.diff?.mendedExemptions).toEqual([{ arn, name: 'legacy/ftp', controlId: 'rotation-enabeld', tag: 'vigil:exempt:rotation-enabeld' }]);
    expect(mended.md).toContain('1 unusable exemption mended');
    // The tags that name a control were unusable for their dates: they had no finding of their own to close.
    expect(mended.asff.filter((a) => a.GeneratorId === 'vigil/exemption')).toHaveLength(1);

    const still = await everyFormat(await withOddTags(), before);
    expect(still.asff.filter((a) => a.Id === id)).toEqual([expect.objectContaining({ Workflow: { Status: 'NEW' }, RecordState: 'ACTIVE' })]);
    expect(still.json.diff?.mendedExemptions).toEqual([]);
    expect(still.md).not.toContain('mended');
  });
});
