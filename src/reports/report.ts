import { toIso } from '../events/index.js';
import type { ControlParams } from '../controls/params.js';
import { EXEMPTION_TAG_PREFIX, hasExemptionTag, unknownControlTags } from '../controls/exemptions.js';
import { SEVERITIES, type Control, type Finding, type Severity, type Status } from '../controls/types.js';
import type { SecretState } from '../model/index.js';

/** 2: findings grouped per secret, each control's remediation and mappings once in `controls` (1 repeated them per finding). */
export const REPORT_SCHEMA_VERSION = 2;

export interface ReportScope {
  source: 'snapshot' | 'live';
  account: string;
  regions: string[];
  /** The snapshot file, for a snapshot sweep. */
  snapshotFile?: string;
  capturedAt?: string;
  /** With a state store: secrets read from AWS this run, secrets whose stored state was reused, and when the oldest of those was read. */
  freshness?: { readFresh: number; fromStore: number; oldestStoredAt: string | null };
}

export interface ControlSummary {
  controlId: string;
  title: string;
  severity: Severity;
  counts: Record<Status, number>;
  /** Failures that an active exemption covers: counted apart, never hidden. */
  exemptedFailures: number;
  /** Share of judged secrets (PASS or FAIL) that pass, 0–100; never 100 while one fails, never 0 while one passes; null when none was judged. */
  compliancePercent: number | null;
}

/** A control as the report states it once, for every finding that names it. */
export interface ReportControl {
  controlId: string;
  title: string;
  severity: Severity;
  /** With `<arn>` where the secret's ARN goes. */
  remediation: string;
  mappings: Finding['mappings'];
}

export interface UnreadableEntry {
  arn: string;
  field: string;
  why: string;
}

export type ExemptionState = 'active' | 'expired' | 'unusable';

export interface ExemptionEntry {
  arn: string;
  name: string;
  account: string;
  region: string;
  /** The control the tag names: one vigil may not have (then the entry is unusable and `status` null). */
  controlId: string;
  status: Status | null;
  state: ExemptionState;
  until: string | null;
  reason: string;
  active: boolean;
  tag: string;
  note?: string;
}

export interface ReportSummary {
  secrets: number;
  byStatus: Record<Status, number>;
  /** FAIL findings no active exemption covers: what needs action. `byStatus.FAIL` = `failing` + `exemptedFailures`. */
  failing: number;
  /** Failures without an active exemption, by the failing control's severity (they add up to `failing`). */
  failuresBySeverity: Record<Severity, number>;
  exemptedFailures: number;
  byControl: ControlSummary[];
}

/** Everything a report says except its findings: what a streamed report knows once every finding has passed through. */
export interface ReportHead {
  schemaVersion: number;
  generatedAt: string;
  evaluatedAt: string;
  scope: ReportScope;
  params: ControlParams;
  summary: ReportSummary;
  controls: ReportControl[];
  unreadable: UnreadableEntry[];
  exemptions: ExemptionEntry[];
}

export interface Report extends ReportHead {
  findings: Finding[];
}

const emptyStatusCounts = (): Record<Status, number> => ({ PASS: 0, FAIL: 0, ERROR: 0, NOT_APPLICABLE: 0 });

export function isExemptedFailure(f: Finding): boolean {
  return f.status === 'FAIL' && f.exemption?.active === true;
}

export function exemptionState(e: NonNullable<Finding['exemption']>): ExemptionState {
  if (e.active) return 'active';
  return e.until !== null && /expired/.test(e.note ?? '') ? 'expired' : 'unusable';
}

/**
 * What an exemption did, in one sentence every format states alike: held (and until when), or was not applied and why.
 * An exemption that is not active never suppresses its finding.
 */
export function exemptionSentence(e: NonNullable<Finding['exemption']>): string {
  if (e.active) return `Exempted until ${e.until} by tag ${e.tag}: ${e.reason}`;
  return `Exemption not applied (${exemptionState(e)}): ${whyNotApplied(e)}; tag ${e.tag} = "${e.reason}"`;
}

/** What to do about a `vigil:exempt:` tag naming no vigil control. */
export const UNKNOWN_CONTROL_TAG_FIX = 'Name a vigil control in the tag key (vigil controls lists them), or remove the tag.';

/** Why an exemption is not applied, without the note's leading "ignored:". */
export const whyNotApplied = (e: NonNullable<Finding['exemption']>) => (e.note ?? '').replace(/^ignored: /, '');

/** Exemptions no finding carries (a tag naming no vigil control): a format that lists findings adds these after them. */
export function exemptionsWithoutFinding(head: Pick<ReportHead, 'exemptions'>): ExemptionEntry[] {
  return head.exemptions.filter((e) => e.status === null);
}

/** Passes of judged findings as a percentage with one decimal, never rounded up to 100 or down to 0. */
export function compliancePercent(pass: number, fail: number): number | null {
  const judged = pass + fail;
  if (judged === 0) return null;
  const percent = Math.round((pass / judged) * 1000) / 10;
  if (fail > 0 && percent === 100) return 99.9;
  if (pass > 0 && percent === 0) return 0.1;
  return percent;
}

export function reportControls(controls: readonly Control[]): ReportControl[] {
  return controls.map((c) => ({
    controlId: c.id,
    title: c.title,
    severity: c.severity,
    remediation: c.remediation,
    mappings: { awsConfigRule: c.awsConfigRule, securityHub: c.securityHub, frameworks: c.frameworks, source: c.frameworkSource },
  }));
}

export interface ReportInput {
  controls: Control[];
  states: readonly SecretState[];
  findings: Finding[][];
  scope: ReportScope;
  params: ControlParams;
  /** Evaluation time and generation time, epoch seconds (the core reads no clock). */
  evaluatedAt: number;
  generatedAt: number;
  /** Secrets listed but not evaluated (deleted while the sweep ran). */
  dropped?: { arn: string; note: string }[];
  /** Operations an endpoint did not know, once per region, with what the sweep could therefore not read. */
  unsupported?: { region: string; operation: string; consequence: string }[];
}

export type ReportHeadInput = Omit<ReportInput, 'states' | 'findings'>;

/**
 * The counts, exemptions and unreadable fields of a report, added up one secret at a time: a sweep of any size keeps
 * only these, never its findings.
 */
export class ReportTally {
  private secrets = 0;
  private readonly byStatus = emptyStatusCounts();
  private readonly failuresBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  private readonly byControl = new Map<string, { counts: Record<Status, number>; exempted: number }>();
  private readonly unreadable: UnreadableEntry[] = [];
  private readonly exemptions: ExemptionEntry[] = [];

  /** `scope` may be left out until `head` (a streamed snapshot's account is known once it is read). */
  private readonly controlIds: ReadonlySet<string>;

  constructor(private readonly input: Omit<ReportHeadInput, 'scope'> & { scope?: ReportScope | undefined }) {
    this.controlIds = new Set(input.controls.map((c) => c.id));
    for (const c of input.controls) this.byControl.set(c.id, { counts: emptyStatusCounts(), exempted: 0 });
  }

  /** One secret and its findings. */
  add(state: Pick<SecretState, 'arn' | 'unreadable'> & Partial<Pick<SecretState, 'name' | 'tags' | 'account' | 'region'>>, findings: readonly Finding[]): void {
    this.secrets += 1;
    for (const [field, why] of Object.entries(state.unreadable)) this.unreadable.push({ arn: state.arn, field, why: why ?? '' });
    for (const tag of state.tags && hasExemptionTag(state.tags) ? unknownControlTags(state.tags, this.controlIds) : []) {
      const [, , , region = '', account = ''] = state.arn.split(':');
      this.exemptions.push({
        arn: state.arn,
        name: state.name ?? state.arn,
        account: state.account ?? account,
        region: state.region ?? region,
        controlId: tag.slice(EXEMPTION_TAG_PREFIX.length),
        status: null,
        state: 'unusable',
        until: null,
        reason: state.tags?.[tag] ?? '',
        active: false,
        tag,
        note: 'ignored: the tag names no vigil control (vigil controls lists them)',
      });
    }
    for (const f of findings) {
      this.byStatus[f.status] += 1;
      const control = this.byControl.get(f.controlId);
      if (control) control.counts[f.status] += 1;
      if (isExemptedFailure(f)) {
        if (control) control.exempted += 1;
      } else if (f.status === 'FAIL') this.failuresBySeverity[f.severity] += 1;
      const e = f.exemption;
      if (e) {
        this.exemptions.push({
          arn: f.resource.arn,
          name: f.resource.name,
          account: f.resource.account,
          region: f.resource.region,
          controlId: f.controlId,
          status: f.status,
          state: exemptionState(e),
          until: e.until,
          reason: e.reason,
          active: e.active,
          tag: e.tag,
          ...(e.note ? { note: e.note } : {}),
        });
      }
    }
  }

  head(scope: ReportScope | undefined = this.input.scope): ReportHead {
    const input = this.input;
    if (!scope) throw new Error('ReportTally.head: no scope');
    const byControl = input.controls.map((control): ControlSummary => {
      const tally = this.byControl.get(control.id) ?? { counts: emptyStatusCounts(), exempted: 0 };
      return { controlId: control.id, title: control.title, severity: control.severity, counts: tally.counts, exemptedFailures: tally.exempted, compliancePercent: compliancePercent(tally.counts.PASS, tally.counts.FAIL) };
    });
    const exemptedFailures = byControl.reduce((n, c) => n + c.exemptedFailures, 0);
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: toIso(input.generatedAt),
      evaluatedAt: toIso(input.evaluatedAt),
      scope,
      params: input.params,
      summary: { secrets: this.secrets, byStatus: this.byStatus, failing: this.byStatus.FAIL - exemptedFailures, failuresBySeverity: this.failuresBySeverity, exemptedFailures, byControl },
      controls: reportControls(input.controls),
      unreadable: [
        ...this.unreadable,
        ...(input.dropped ?? []).map((d) => ({ arn: d.arn, field: 'secret', why: d.note })),
        ...(input.unsupported ?? []).map((u) => ({ arn: `every secret in ${u.region}`, field: u.operation, why: `the endpoint does not know ${u.operation}: ${u.consequence}` })),
      ],
      exemptions: this.exemptions,
    };
  }
}

/** The whole report in memory: for small sweeps and tests. A large sweep streams instead (stream.ts). */
export function buildReport(input: ReportInput): Report {
  const tally = new ReportTally(input);
  input.states.forEach((state, i) => tally.add(state, input.findings[i] ?? []));
  return { ...tally.head(), findings: input.findings.flat() };
}

/** True when a failure at `threshold` severity or above is not covered by an active exemption (for --fail-on). */
export function hasFailureAtOrAbove(report: Pick<Report, 'findings'>, threshold: Severity): boolean {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return report.findings.some((f) => f.status === 'FAIL' && !isExemptedFailure(f) && rank(f.severity) <= rank(threshold));
}
