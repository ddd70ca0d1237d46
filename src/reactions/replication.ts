import type { Finding } from '../controls/index.js';
import type { SecretEvent } from '../events/index.js';
import type { SecretState } from '../model/index.js';
import { body, subjectLine } from './messages.js';
import type { Alert, Decision } from './types.js';

// Cross-account replication (2026): a replica holds the primary's value, so a new link is news whoever is on the other
// side, and a stopped one leaves a stale copy behind. The control no-untrusted-replica judges the link's account; these
// alerts say what the event did, at the severity that judgement gives.

const UNTRUSTED_REPLICA = 'no-untrusted-replica';

/** The events this module speaks for; CreateSecret only when it creates a replica of another account's secret. */
export function isReplicationEvent(event: SecretEvent): boolean {
  if (event.eventName === 'CreateSecret') return event.request.crossAccountPrimaryArn !== undefined;
  return event.eventName === 'AssociateCrossAccountReplica' || event.eventName === 'DisassociateCrossAccountReplica' || event.eventName === 'StopReplicationToReplica';
}

/**
 * Adds the replication alert to a decision the controls already made. When the link's account is untrusted, this alert
 * is the page, and the control-failed alert of no-untrusted-replica for the same event is dropped (one event, one page).
 */
export function withReplicationAlert(decision: Decision, event: SecretEvent, before: SecretState | undefined): Decision {
  const replicaFinding = decision.findings.find((f) => f.controlId === UNTRUSTED_REPLICA);
  const arn = decision.secretArns[0] ?? event.secret?.arn ?? event.secret?.given ?? 'unknown secret';
  const name = replicaFinding?.resource.name ?? event.secret?.name ?? before?.name ?? arn;
  const alert = replicationAlert(event, { arn, name }, replicaFinding, before);
  const alerts = decision.alerts.filter((a) => !(a.kind === 'control-failed' && a.controlId === UNTRUSTED_REPLICA && alert.severity === 'HIGH'));
  const { ignored: _nothingToSay, ...rest } = decision;
  return { ...rest, alerts: [alert, ...alerts] };
}

function replicationAlert(event: SecretEvent, secret: { arn: string; name: string }, finding: Finding | undefined, before: SecretState | undefined): Alert {
  const base = { kind: 'replication-stopped' as Alert['kind'], account: event.account, region: event.region, eventId: event.eventId, eventName: event.eventName, secretArn: secret.arn, secretName: secret.name };
  const request = event.request;
  if (event.eventName === 'AssociateCrossAccountReplica') {
    const replica = request.crossAccountReplicaArn ?? 'unknown replica';
    const other = accountOf(replica);
    // What vigil could not judge is not trusted.
    const untrusted = finding === undefined || finding.status === 'ERROR' || listed(finding, 'untrustedReplicas', replica);
    const anyAccount = request.replicaRestriction === 'NoRestriction';
    const severity = untrusted || anyAccount ? 'HIGH' : 'LOW';
    return {
      ...base,
      kind: 'cross-account-replica-associated',
      severity,
      subject: subjectLine(severity, `${secret.name} now replicates to account ${other}`, event),
      message: body({
        what: `The secret ${secret.name} was linked to a replica in account ${other}${untrusted ? ', which is not a trusted account' : ''}: Secrets Manager now copies its value there, and keeps copying every new version.`,
        secret: secret.arn,
        event,
        extra: [
          `Replica: ${replica}`,
          `Restriction: ${request.replicaRestriction ?? 'SameOrg (the default)'}${anyAccount ? ' — the replica account need not be in this organisation' : ''}`,
          `Role:    ${request.replicationRoleArn ?? 'none (the caller\'s own identity, a forward access session)'}`,
          ...(finding ? [`Finding: ${finding.reason}`] : []),
        ],
        why: `Account ${other} can read the value whatever this secret's resource policies say: the replica is its own secret, under its policies and key.`,
        doNow: `Confirm with the person above that account ${other} should hold this value. If not: aws secretsmanager disassociate-cross-account-replica --secret-id ${secret.arn} --cross-account-replica-arn ${replica}, then rotate the secret (the replica keeps the copy it has).${untrusted ? ` If it should, add ${other} to trustedAccounts in vigil's parameters.` : ''}`,
      }),
      details: { replicaSecretArn: replica, replicaAccount: other, replicaRestriction: request.replicaRestriction ?? 'SameOrg', replicationRoleArn: request.replicationRoleArn ?? null, trusted: !untrusted, replicationStatus: request.replicationStatus ?? null },
    };
  }
  if (event.eventName === 'CreateSecret') {
    const primary = request.crossAccountPrimaryArn ?? 'unknown primary';
    const other = accountOf(primary);
    const untrusted = finding === undefined || finding.status === 'ERROR' || listed(finding, 'untrustedPrimary', primary);
    const severity = untrusted ? 'HIGH' : 'LOW';
    return {
      ...base,
      kind: 'cross-account-replica-created',
      severity,
      subject: subjectLine(severity, `${secret.name} created as a replica of account ${other}'s secret`, event),
      message: body({
        what: `The secret ${secret.name} was created as a cross-account replica of ${primary}, in account ${other}${untrusted ? ', which is not a trusted account' : ''}. Secrets Manager attached the resource policy "cross-account-replication", which lets that account write the value.`,
        secret: secret.arn,
        event,
        extra: [`Primary: ${primary}`, ...(finding ? [`Finding: ${finding.reason}`] : [])],
        why: `Once account ${other} associates it, that account decides this secret's value: applications here will use whatever it writes.`,
        doNow: `Confirm with the person above that this account should receive account ${other}'s secret. If not, delete the replica before it is associated: aws secretsmanager delete-secret --secret-id ${secret.arn}.${untrusted ? ` If it should, add ${other} to trustedAccounts in vigil's parameters.` : ''}`,
      }),
      details: { primarySecretArn: primary, primaryAccount: other, trusted: !untrusted },
    };
  }
  if (event.eventName === 'DisassociateCrossAccountReplica') {
    const replica = request.crossAccountReplicaArn ?? 'unknown replica';
    const other = accountOf(replica);
    return {
      ...base,
      severity: 'LOW',
      subject: subjectLine('LOW', `${secret.name} no longer replicates to account ${other}`, event),
      message: body({
        what: `Replication of the secret ${secret.name} to its replica in account ${other} was stopped. The replica stays in that account, Detached, with the value as it was.`,
        secret: secret.arn,
        event,
        extra: [`Replica: ${replica}`],
        why: `Account ${other} still holds the last value it received, and it no longer receives new ones: a rotation here leaves it with a stale credential, or, if the link was a leak, with one that still works.`,
        doNow: `If account ${other} should not keep the value, rotate the secret now and ask that account to delete the replica.`,
      }),
      details: { replicaSecretArn: replica, replicaAccount: other },
    };
  }
  // StopReplicationToReplica, called on a replica: it becomes a standalone secret.
  const primary = before?.crossAccountPrimary?.primarySecretArn ?? null;
  const from = primary ? `its primary ${primary} in account ${accountOf(primary)}` : before?.primaryRegion ? `its primary in ${before.primaryRegion}` : 'its primary';
  return {
    ...base,
    severity: 'LOW',
    subject: subjectLine('LOW', `Replica ${secret.name} promoted to a standalone secret`, event),
    message: body({
      what: `The replica ${secret.name} no longer receives the value of ${from}: it was promoted to a standalone secret.${primary ? ' Secrets Manager removed its "cross-account-replication" resource policy; the primary now shows it Detached.' : ''}`,
      secret: secret.arn,
      event,
      why: 'From now on the two copies drift apart: a rotation of the primary no longer reaches applications that read this secret, and this secret needs its own rotation.',
      doNow: 'Confirm with the person above that the promotion was intended; then set up rotation for this secret, or point its applications back at the primary.',
    }),
    details: { primarySecretArn: primary, primaryRegion: before?.primaryRegion ?? null },
  };
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? 'unknown';
}

function listed(finding: Finding, key: string, arn: string): boolean {
  if (finding.status !== 'FAIL') return false;
  const value = finding.evidence[key];
  return Array.isArray(value) ? value.includes(arn) : value === arn;
}
