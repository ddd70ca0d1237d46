export type Status = 'PASS' | 'FAIL' | 'NOT_APPLICABLE' | 'ERROR';
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';
export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
export const STATUSES: readonly Status[] = ['FAIL', 'ERROR', 'PASS', 'NOT_APPLICABLE'];

/** A control's identity, as its Rego METADATA states it (policies/build/controls.json). */
export interface Control {
  id: string;
  package: string;
  title: string;
  description: string;
  severity: Severity;
  remediation: string;
  awsConfigRule: string | null;
  securityHub: string | null;
  frameworks: Record<string, string[]>;
  frameworkSource: string;
  /**
   * The facts the control decides on, which the engine adds to the evidence of its PASS, FAIL and ERROR findings:
   * fields of the secret as the policy reads it (PolicySecret) and parameters (ControlParams).
   */
  evidence?: { secret?: string[]; params?: string[] };
}

export interface Exemption {
  /** Last day the exemption holds (YYYY-MM-DD), when the tag's value could be read. */
  until: string | null;
  reason: string;
  active: boolean;
  /** Why an exemption does not apply (expired, unreadable), when it does not. */
  note?: string;
  tag: string;
}

export interface Finding {
  controlId: string;
  title: string;
  status: Status;
  severity: Severity;
  resource: { arn: string; name: string; account: string; region: string };
  reason: string;
  evidence: Record<string, unknown>;
  remediation: string;
  mappings: { awsConfigRule: string | null; securityHub: string | null; frameworks: Record<string, string[]>; source: string };
  exemption?: Exemption;
}
