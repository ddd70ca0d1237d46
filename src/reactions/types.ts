import type { DetectionKind } from '../audit/types.js';
import type { Finding, Severity, Status } from '../controls/types.js';

export type AlertKind =
  | 'secret-deletion-scheduled'
  | 'secret-deletion-forced'
  | 'rotation-failed'
  | 'rotation-abandoned'
  | 'kms-key-deletion-scheduled'
  | 'kms-key-disabled'
  | 'kms-key-material-deleted'
  | 'exemption-added'
  | 'cross-account-replica-associated'
  | 'cross-account-replica-created'
  | 'replication-stopped'
  | 'control-failed'
  | 'remediation-applied'
  // The access audit's detections reach on-call through the same alerts.
  | DetectionKind;

/** What on-call is told. Never a secret value: the event carries none, and vigil reads none. */
export interface Alert {
  kind: AlertKind;
  severity: Severity;
  /** One line, at most 100 characters (SNS's Subject limit). */
  subject: string;
  /** Plain text for a person: what happened, to which secret, who and from where, why it matters, what to do now. */
  message: string;
  account: string;
  region: string;
  eventId: string;
  eventName: string;
  secretArn?: string;
  secretName?: string;
  controlId?: string;
  /** Facts behind the alert, for machines (the SNS `default` body). */
  details: Record<string, unknown>;
}

/** A control whose status the event changed for a secret (what "vigil Compliance Change" events carry). */
export interface ComplianceChange {
  secretArn: string;
  controlId: string;
  /** null when the status before the event is not known. */
  oldStatus: Status | null;
  newStatus: Status;
  finding: Finding;
}

/** An automatic fix vigil will make, opted into by configuration and by the secret's own tag. */
export interface Remediation {
  action: 'restore-secret' | 'delete-resource-policy';
  secretArn: string;
  reason: string;
}

export interface Decision {
  eventId: string;
  eventName: string;
  time: string;
  account: string;
  region: string;
  secretArns: string[];
  alerts: Alert[];
  findings: Finding[];
  complianceChanges: ComplianceChange[];
  remediations: Remediation[];
  /** Why nothing applies, when nothing does. */
  ignored?: string;
}
