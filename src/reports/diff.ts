import type { Finding, Status } from '../controls/types.js';
import { exemptionsWithoutFinding, type ExemptionEntry, type Report, type ReportHead, type ReportScope } from './report.js';

export interface ResolvedFailure {
  arn: string;
  name: string;
  controlId: string;
  now: Status | 'GONE';
}

export interface ReportDiff {
  previousGeneratedAt: string;
  /** FAIL now, and not FAIL in the previous report (or the secret is new). */
  newFailures: Finding[];
  /** FAIL before, and not FAIL now (fixed, exempted away from FAIL, or the secret is gone from this report's account and regions). */
  resolvedFailures: ResolvedFailure[];
  /** FAIL before, ERROR now: vigil can no longer judge it, which is not compliant, so it is not resolved. */
  undecidedFailures: ResolvedFailure[];
  /** Failures of the previous report whose secret is outside this report's account and regions: not compared, neither resolved nor carried. */
  outOfScope: number;
  /** FAIL in both. */
  unchangedFailures: number;
  /**
   * Unusable exemptions of the previous report naming no control (each a finding of its own in ASFF and OCSF) that this
   * report no longer has: the tag was mended or removed, so those findings are closed. Secrets outside the scope are left.
   */
  mendedExemptions: MendedExemption[];
}

/** A `vigil:exempt:` tag naming no control, as the previous report listed it. */
export type MendedExemption = Pick<ExemptionEntry, 'arn' | 'name' | 'controlId' | 'tag'>;

/** What a diff needs of the previous report: when it was made and which (secret, control) failed then. */
export interface PreviousFailures {
  generatedAt: string;
  /** By `arn controlId`. */
  failures: Map<string, { arn: string; name: string; controlId: string }>;
  /** Its exemptions naming no control, by `arn controlId` (absent from reports read before they were compared). */
  unusableExemptions?: Map<string, MendedExemption>;
}

const key = (arn: string, controlId: string) => `${arn} ${controlId}`;

/**
 * What became of one finding since the previous report: a failure new or unchanged, a failure resolved (not FAIL now), or
 * a failure undecided (ERROR now: what could not be judged is not compliant, so it is no resolution).
 */
export type FindingChange = 'new' | 'unchanged' | 'resolved' | 'undecided';

/** Each finding's change, by control id, for the findings of one secret that have one (writers mark them). */
export type SecretChanges = Readonly<Record<string, FindingChange>>;

/** A finding's change told from a finished diff: for a report held in memory, whose diff is known before it is written. */
export function changeLookup(diff: ReportDiff): (f: Pick<Finding, 'controlId' | 'status' | 'resource'>) => FindingChange | undefined {
  const added = new Set(diff.newFailures.map((f) => key(f.resource.arn, f.controlId)));
  const resolved = new Set(diff.resolvedFailures.map((r) => key(r.arn, r.controlId)));
  const undecided = new Set(diff.undecidedFailures.map((r) => key(r.arn, r.controlId)));
  return (f) => {
    const k = key(f.resource.arn, f.controlId);
    if (f.status === 'FAIL') return added.has(k) ? 'new' : 'unchanged';
    if (undecided.has(k)) return 'undecided';
    return resolved.has(k) ? 'resolved' : undefined;
  };
}

/** The failures resolved because their secret is gone: no finding of this report marks them, so formats list them apart. */
export const goneFailures = (diff: ReportDiff | undefined): ResolvedFailure[] => diff?.resolvedFailures.filter((r) => r.now === 'GONE') ?? [];

/** What a format says of a failure resolved because its secret is gone. */
export const GONE_REASON = 'The secret is gone since the previous report: this failure is resolved.';

/** What ASFF and OCSF say when they close the finding of an unusable exemption that is mended. */
export const mendedReason = (e: MendedExemption) => `The tag ${e.tag} no longer names an unknown control on this secret (mended or removed): this finding is resolved.`;

/** Where a secret of a resolved failure was, from its ARN (arn:partition:secretsmanager:region:account:secret:name). */
export function arnPlace(arn: string): { partition: string; region: string; account: string } {
  const [, partition = 'aws', , region = '', account = ''] = arn.split(':');
  return { partition, region, account };
}

/**
 * The failures of a previous report: one held in memory, report.json as parsed (schema 2, or schema 1's flat findings),
 * or the failures already read (the CLI streams them out of a report.json too big to parse whole).
 */
export function previousFailures(previous: unknown): PreviousFailures {
  if ((previous as Partial<PreviousFailures>).failures instanceof Map) return previous as PreviousFailures;
  const doc = previous as { generatedAt?: string; findings?: Finding[]; secrets?: { arn: string; name: string; findings: { controlId: string; status: Status }[] }[]; exemptions?: unknown };
  const failures: PreviousFailures['failures'] = new Map();
  for (const s of doc.secrets ?? []) for (const f of s.findings) if (f.status === 'FAIL') failures.set(key(s.arn, f.controlId), { arn: s.arn, name: s.name, controlId: f.controlId });
  for (const f of doc.findings ?? []) if (f.status === 'FAIL') failures.set(key(f.resource.arn, f.controlId), { arn: f.resource.arn, name: f.resource.name, controlId: f.controlId });
  return { generatedAt: doc.generatedAt ?? 'unknown', failures, unusableExemptions: unusableExemptionsOf(doc.exemptions) };
}

/** The exemptions naming no control (`status` null) of a report's `exemptions` as parsed; anything else in the list is skipped. */
export function unusableExemptionsOf(exemptions: unknown): Map<string, MendedExemption> {
  const unusable = new Map<string, MendedExemption>();
  if (!Array.isArray(exemptions)) return unusable;
  for (const e of exemptions as Partial<ExemptionEntry>[]) {
    if (e?.status !== null || typeof e.arn !== 'string' || typeof e.controlId !== 'string' || typeof e.tag !== 'string') continue;
    unusable.set(key(e.arn, e.controlId), { arn: e.arn, name: typeof e.name === 'string' ? e.name : e.arn, controlId: e.controlId, tag: e.tag });
  }
  return unusable;
}

/** Compares findings with the previous report's failures as they pass, one lookup each: holds only the new failures. */
export class DiffTracker {
  private readonly newFailures: Finding[] = [];
  private readonly seen = new Map<string, Status>();
  private unchanged = 0;

  constructor(private readonly previous: PreviousFailures) {}

  /** Notes one finding and says what became of it. */
  see(f: Finding): FindingChange | undefined {
    const k = key(f.resource.arn, f.controlId);
    const before = this.previous.failures.has(k);
    if (before) this.seen.set(k, f.status);
    if (f.status === 'ERROR' && before) return 'undecided';
    if (f.status !== 'FAIL') return before ? 'resolved' : undefined;
    if (before) this.unchanged += 1;
    else this.newFailures.push(f);
    return before ? 'unchanged' : 'new';
  }

  /**
   * The diff, once every finding is seen: a failure not seen is gone only if its secret was within `scope`'s account and
   * regions; an unusable exemption not among this report's `exemptions` is mended, on the same terms.
   */
  diff(scope: Pick<ReportScope, 'account' | 'regions'>, exemptions: ReportHead['exemptions']): ReportDiff {
    const resolvedFailures: ResolvedFailure[] = [];
    const undecidedFailures: ResolvedFailure[] = [];
    let outOfScope = 0;
    for (const [k, was] of this.previous.failures) {
      const now = this.seen.get(k);
      if (now === undefined && !withinScope(was.arn, scope)) outOfScope += 1;
      else if (now === 'ERROR') undecidedFailures.push({ ...was, now });
      else if (now !== 'FAIL') resolvedFailures.push({ ...was, now: now ?? 'GONE' });
    }
    const stillUnusable = new Set(exemptionsWithoutFinding({ exemptions }).map((e) => key(e.arn, e.controlId)));
    const mendedExemptions = [...(this.previous.unusableExemptions?.entries() ?? [])].filter(([k, e]) => !stillUnusable.has(k) && withinScope(e.arn, scope)).map(([, e]) => e);
    return { previousGeneratedAt: this.previous.generatedAt, newFailures: this.newFailures, resolvedFailures, undecidedFailures, outOfScope, unchangedFailures: this.unchanged, mendedExemptions };
  }
}

/** Whether a secret, by its ARN, is in the account (an offline store's scope may list several, comma-separated) and regions swept. */
function withinScope(arn: string, scope: Pick<ReportScope, 'account' | 'regions'>): boolean {
  const { account, region } = arnPlace(arn);
  return scope.account.split(',').includes(account) && scope.regions.includes(region);
}

export function diffReports(current: Pick<Report, 'findings' | 'scope' | 'exemptions'>, previous: unknown): ReportDiff {
  const tracker = new DiffTracker(previousFailures(previous));
  for (const f of current.findings) tracker.see(f);
  return tracker.diff(current.scope, current.exemptions);
}
