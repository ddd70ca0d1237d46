import type { Finding, Severity, Status } from '../controls/index.js';
import { JsonStreamError, jsonFileValues } from '../inventory/index.js';
import { unusableExemptionsOf, type PreviousFailures } from '../reports/index.js';
import { checkReadable, CliError, readJsonFile } from './io.js';

type Judged = Pick<Finding, 'controlId' | 'status' | 'severity' | 'resource' | 'exemption'>;

/** What `--previous REPORT.json` is needed for: its account, its failures for the diff, its gate failures for --fail-on-new. */
export interface PreviousReport {
  file: string;
  account: string | undefined;
  failures: PreviousFailures;
  /** Unexempted FAIL and ERROR findings (what `--fail-on-new` does not count again). */
  gateFailures: Judged[];
  /** When the previous report was evaluated: a reader first seen after it is new. */
  evaluatedAt?: string;
}

interface PreviousFinding {
  controlId?: unknown;
  status?: unknown;
  severity?: unknown;
  exemption?: Finding['exemption'];
  resource?: { arn?: unknown; name?: unknown };
}

const HEAD = ['schemaVersion', 'generatedAt', 'evaluatedAt', 'scope', 'controls', 'exemptions'];
const PATHS = [...HEAD.map((k) => `$.${k}`), '$.secrets.*', '$.findings.*'];

/**
 * An earlier report.json (schema 2, or schema 1's flat findings), read a chunk at a time: memory holds its head, one secret
 * and the failures, never the file nor its passing findings. Unreadable, not JSON or not a vigil report: a CliError (exit 2).
 */
export async function readPreviousReport(file: string): Promise<PreviousReport> {
  checkReadable(file);
  const head: Record<string, unknown> = {};
  const failures: PreviousFailures['failures'] = new Map();
  const gateFailures: Judged[] = [];
  const lists = { secrets: 0, findings: 0 };
  const notReport = () => new CliError(`${file}: not a vigil JSON report (expected schemaVersion 2 and secrets, or 1 and findings)`);
  const severities = () => new Map(((head['controls'] as { controlId?: string; severity?: Severity }[] | undefined) ?? []).map((c) => [c.controlId, c.severity]));
  let severityOf: Map<string | undefined, Severity | undefined> | undefined;
  const take = (arn: unknown, name: unknown, f: PreviousFinding) => {
    if (typeof arn !== 'string' || typeof f.controlId !== 'string' || typeof f.status !== 'string') throw notReport();
    const resource = { arn, name: typeof name === 'string' ? name : arn, account: '', region: '' };
    const status = f.status as Status;
    if (status === 'FAIL') failures.set(`${arn} ${f.controlId}`, { arn, name: resource.name, controlId: f.controlId });
    if (status === 'ERROR' || (status === 'FAIL' && f.exemption?.active !== true)) {
      severityOf ??= severities();
      const severity = (typeof f.severity === 'string' ? f.severity : severityOf.get(f.controlId)) as Severity | undefined;
      gateFailures.push({ controlId: f.controlId, status, severity: severity ?? 'INFORMATIONAL', resource, ...(f.exemption ? { exemption: f.exemption } : {}) });
    }
  };
  try {
    for await (const { key, depth, value } of jsonFileValues(file, PATHS)) {
      if (depth === 1) {
        head[String(key)] = value;
        continue;
      }
      const item = value as { arn?: unknown; name?: unknown; findings?: unknown; resource?: unknown } | null;
      if (typeof key !== 'number' || typeof item !== 'object' || item === null) throw notReport();
      if ('findings' in item) {
        lists.secrets += 1;
        if (!Array.isArray(item.findings)) throw notReport();
        for (const f of item.findings as PreviousFinding[]) take(item.arn, item.name, f);
      } else {
        lists.findings += 1;
        const f = item as PreviousFinding;
        take(f.resource?.arn, f.resource?.name, f);
      }
    }
  } catch (cause) {
    if (cause instanceof JsonStreamError) throw new CliError(`${file}: ${cause.problem}`);
    throw cause;
  }
  // No secret nor finding came: an empty list, or none at all. Such a file is small: read it whole to tell which.
  const whole = lists.secrets + lists.findings === 0 ? (readJsonFile(file) as Record<string, unknown> | null) : undefined;
  const listed = (name: 'secrets' | 'findings') => lists[name] > 0 || Array.isArray(whole?.[name]);
  const version = head['schemaVersion'];
  if (!((version === 2 && listed('secrets') && lists.findings === 0) || (version === 1 && listed('findings') && lists.secrets === 0))) throw notReport();
  const account = (head['scope'] as { account?: unknown } | undefined)?.account;
  return { file, account: typeof account === 'string' ? account : undefined, failures: { generatedAt: typeof head['generatedAt'] === 'string' ? head['generatedAt'] : 'unknown', failures, unusableExemptions: unusableExemptionsOf(head['exemptions']) }, gateFailures, ...(typeof head['evaluatedAt'] === 'string' ? { evaluatedAt: head['evaluatedAt'] } : {}) };
}

/** Refuses a previous report of another account: the diff would call every finding new. */
export function checkPreviousAccount(previous: PreviousReport | undefined, account: string): void {
  if (previous && previous.account !== account) {
    throw new CliError(`--previous ${previous.file}: a report of account ${previous.account ?? 'unknown'}, not of ${account}: the diff would call every finding new`);
  }
}
