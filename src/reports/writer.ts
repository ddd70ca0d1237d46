import { SEVERITIES, type Finding } from '../controls/types.js';
import type { SecretState } from '../model/index.js';
import type { AccessSummary, SecretAccess } from './access.js';
import { changeLookup, type FindingChange, type ReportDiff, type SecretChanges } from './diff.js';
import type { RequirementView } from './frameworks.js';
import type { Report, ReportHead, ReportSummary } from './report.js';

/** What a report says beside its findings, known once they all passed through. */
export interface ReportExtras {
  frameworks?: RequirementView[];
  diff?: ReportDiff;
  /** Who read the secrets (src/reports/access.ts), or why the sweep could not say. */
  access?: AccessSummary;
}

/** What a writer may read of the secret whose findings it is given (the HTML report quotes a public statement in full). */
export type SecretContext = Partial<Pick<SecretState, 'resourcePolicy' | 'otherResourcePolicies'>> & { access?: SecretAccess; changes?: SecretChanges };

/**
 * One report format, written as the findings arrive: each secret's findings once, then the head (counts, exemptions,
 * the diff), which a format that states it first keeps its body in a spool for.
 */
export interface FormatWriter {
  add(findings: readonly Finding[], secret?: SecretContext): void;
  finish(head: ReportHead, extras: ReportExtras): void;
}

/** A report's findings, one secret's at a time (a secret's findings are adjacent in `report.findings`). */
export function* findingsBySecret(findings: readonly Finding[]): Generator<Finding[]> {
  let group: Finding[] = [];
  for (const f of findings) {
    if (group.length && group[0]?.resource.arn !== f.resource.arn) {
      yield group;
      group = [];
    }
    group.push(f);
  }
  if (group.length) yield group;
}

/** Runs one writer over a report held in memory. */
export function writeReport(writer: FormatWriter, report: Report, extras: ReportExtras = {}, secrets?: ReadonlyMap<string, SecretContext>): void {
  const changeOf = extras.diff ? changeLookup(extras.diff) : undefined;
  for (const group of findingsBySecret(report.findings)) {
    const context = secrets?.get(group[0]?.resource.arn ?? '');
    writer.add(group, changeOf ? { ...context, changes: changesOf(group, changeOf) } : context);
  }
  writer.finish(report, extras);
}

/** One secret's findings' changes, by control id. */
export function changesOf(findings: readonly Finding[], changeOf: (f: Finding) => FindingChange | undefined): SecretChanges {
  const changes: Record<string, FindingChange> = {};
  for (const f of findings) {
    const change = changeOf(f);
    if (change) changes[f.controlId] = change;
  }
  return changes;
}

/** `n secret` or `n secrets`. */
/** Text made safe for HTML text and attribute values: names, principals and user agents are the caller's to choose. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What changed since the previous report, in the same words everywhere: new, resolved, no longer judged (and unchanged), and
 * how many previous failures were outside this sweep's account and regions, so not compared.
 */
export function diffCounts(d: ReportDiff, withUnchanged = true): string {
  const undecided = d.undecidedFailures.length ? `, ${d.undecidedFailures.length} no longer judged` : '';
  const mended = d.mendedExemptions.length ? `, ${plural(d.mendedExemptions.length, 'unusable exemption')} mended` : '';
  const outside = d.outOfScope ? `; ${plural(d.outOfScope, 'previous failure')} outside this sweep's regions, not compared` : '';
  return `${plural(d.newFailures.length, 'new failure')}, ${d.resolvedFailures.length} resolved${undecided}${withUnchanged ? `, ${d.unchangedFailures} unchanged` : ''}${mended}${outside}`;
}

/** The counts every format states, in the same words. */
export function summarySentence(s: ReportSummary): string {
  const exempted = s.exemptedFailures ? ` (and ${plural(s.exemptedFailures, 'exempted failure')})` : '';
  return `${plural(s.secrets, 'secret')}: ${s.failing} failing${exempted}, ${s.byStatus.ERROR} could not be decided, ${s.byStatus.PASS} passing, ${s.byStatus.NOT_APPLICABLE} not applicable.`;
}

/** Failing findings (exempted ones apart) by severity, in words. */
export function severitySentence(s: ReportSummary): string {
  return `Failing by severity: ${SEVERITIES.map((sev) => `${s.failuresBySeverity[sev]} ${sev.toLowerCase()}`).join(', ')}.`;
}

export const percentText = (p: number | null) => (p === null ? '—' : `${p}%`);
