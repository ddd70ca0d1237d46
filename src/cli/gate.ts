import { SEVERITIES, type Finding, type Severity } from '../controls/index.js';
import { plural } from '../reports/writer.js';

type Judged = Pick<Finding, 'controlId' | 'status' | 'severity' | 'resource' | 'exemption'>;

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);
const key = (f: Judged) => `${f.resource.arn} ${f.controlId}`;

/** A failure for a CI gate: an unexempted FAIL, or an ERROR (what could not be judged is not compliant). */
export function isGateFailure(f: Judged): boolean {
  return f.status === 'ERROR' || (f.status === 'FAIL' && f.exemption?.active !== true);
}

/**
 * The findings that trip `--fail-on threshold`: gate failures of controls at or above it. With `previous` (`--fail-on-new`),
 * only those that were not already failing there.
 */
export function trippingFindings<F extends Judged>(findings: Iterable<F>, threshold: Severity, previous?: Iterable<Judged>): F[] {
  const known = new Set<string>();
  for (const f of previous ?? []) if (isGateFailure(f)) known.add(key(f));
  const tripped: F[] = [];
  for (const f of findings) if (isGateFailure(f) && rank(f.severity) <= rank(threshold) && !known.has(key(f))) tripped.push(f);
  return tripped;
}

const SHOWN = 5;

/** The one stderr line that says which findings tripped the gate. */
export function trippedLine(option: string, threshold: Severity, tripped: Judged[]): string {
  const named = tripped.slice(0, SHOWN).map((f) => `${f.resource.name} ${f.controlId} (${f.severity} ${f.status})`);
  const more = tripped.length > SHOWN ? `, and ${tripped.length - SHOWN} more` : '';
  return `vigil: ${option} ${threshold} tripped by ${plural(tripped.length, 'finding')}: ${named.join(', ')}${more}\n`;
}
