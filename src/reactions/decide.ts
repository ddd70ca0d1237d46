import { EXEMPTION_TAG_PREFIX, evaluateSecrets, listControls, type Control, type ControlParams, type Finding, type Status } from '../controls/index.js';
import type { NormalisedRecord, SecretEvent } from '../events/index.js';
import type { SecretState } from '../model/index.js';
import { CONTROLS_AN_EVENT_TOUCHES, applyEvent } from './apply.js';
import { keyNames, protectedBy } from './keys.js';
import { ALERT_LIST_LIMIT, body, cutList, subjectLine } from './messages.js';
import { isReplicationEvent, withReplicationAlert } from './replication.js';
import type { Alert, ComplianceChange, Decision, Remediation } from './types.js';

export interface ReactionContext {
  params: ControlParams;
  /** The secrets as vigil knew them before the event (a snapshot, a sweep), to find the one an event names. */
  knownSecrets: readonly SecretState[];
  /** The secret as read from AWS after the event (the event Lambda); when given, the event is not applied to a known state. */
  observedAfter?: SecretState;
  /**
   * The control statuses vigil stored for the secret before the event (the state store). A control alerts only when it
   * turns FAIL from PASS or unknown. Absent with `observedAfter`: nothing is known before, and an alert says so.
   */
  statusesBefore?: Readonly<Record<string, Status>>;
  /** The secret's tags as vigil stored them before the event: an exemption tag set again to the value it had is not news. */
  tagsBefore?: Readonly<Record<string, string>>;
  /** The secrets the key index says a KMS event's key protects; when given, `knownSecrets` is not searched. */
  keySecrets?: readonly KeyProtectedSecret[];
  /** Aliases of the key a KMS event names (kms:ListAliases), when known. */
  keyAliases?: readonly string[];
  /** Automatic remediation, off unless configured; even then only for secrets that opt in by tag. */
  remediationEnabled?: boolean;
  /** A KMS key's state by id or ARN, when the caller keeps an index of them; otherwise `knownSecrets` is searched. */
  keyState?: (keyId: string) => SecretState['kmsKey'];
}

/** A secret as the key index names it: enough to list it in a KMS alert. */
export interface KeyProtectedSecret {
  arn: string;
  name: string;
  kmsKeyId: string | null;
  kmsKeyArn: string | null;
}

const DEFAULT_RECOVERY_DAYS = 30;

export function findSecret(secrets: readonly SecretState[], event: SecretEvent): SecretState | undefined {
  const ref = event.secret;
  if (!ref) return undefined;
  if (ref.arn) return secrets.find((s) => s.arn === ref.arn);
  const sameScope = secrets.filter((s) => s.account === event.account && s.region === event.region);
  return sameScope.find((s) => s.name === ref.name);
}

function base(event: SecretEvent): Decision {
  return { eventId: event.eventId, eventName: event.eventName, time: event.time, account: event.account, region: event.region, secretArns: [], alerts: [], findings: [], complianceChanges: [], remediations: [] };
}

/** What vigil does about one event. Pure but for the controls' evaluation: no AWS call, no clock. */
export async function decide(record: NormalisedRecord, context: ReactionContext): Promise<Decision> {
  if (record.kind === 'ignored') {
    return { eventId: record.eventId ?? '', eventName: record.eventName ?? '', time: '', account: '', region: '', secretArns: [], alerts: [], findings: [], complianceChanges: [], remediations: [], ignored: record.reason };
  }
  const event = record;
  const decision = base(event);
  const known = findSecret(context.knownSecrets, event);
  const arn = event.secret?.arn ?? known?.arn ?? context.observedAfter?.arn;
  if (arn) decision.secretArns.push(arn);
  if (event.errorCode) return { ...decision, ignored: `the call failed (${event.errorCode}), so it changed nothing` };

  switch (event.eventName) {
    case 'DeleteSecret':
      return deletion(decision, event, known ?? context.observedAfter, context);
    case 'RotationFailed':
    case 'RotationAbandoned':
      return rotationProblem(decision, event, known ?? context.observedAfter);
    case 'ScheduleKeyDeletion':
    case 'DisableKey':
    case 'DeleteImportedKeyMaterial':
      return keyProblem(decision, event, context);
  }
  if (isReplicationEvent(event)) return withReplicationAlert(await change(decision, event, known, context), event, known ?? context.observedAfter);
  if (Object.hasOwn(CONTROLS_AN_EVENT_TOUCHES, event.eventName)) return change(decision, event, known, context);
  return { ...decision, ignored: `${event.eventName} changes nothing the controls judge` };
}

function deletion(decision: Decision, event: SecretEvent, secret: SecretState | undefined, context: ReactionContext): Decision {
  const name = event.secret?.name ?? secret?.name ?? 'unknown secret';
  const target = event.secret?.arn ?? secret?.arn ?? event.secret?.given ?? name;
  if (event.request.forceDeleteWithoutRecovery) {
    decision.alerts.push({
      ...alertBase(event, 'secret-deletion-forced', 'CRITICAL', target, name),
      subject: subjectLine('CRITICAL', `Secret ${name} force-deleted, no recovery`, event),
      message: body({
        what: `The secret ${name} was deleted immediately, without a recovery window (ForceDeleteWithoutRecovery).`,
        secret: target,
        event,
        why: 'The secret and all its versions are gone and cannot be restored. Every application that reads it now fails, and the credential it held still works wherever it was issued until someone revokes it there.',
        doNow: 'Confirm with the person above that this was intended. If not, treat it as an incident: recreate the secret from its source of truth, rotate the credential at its origin (database user, API provider), and review what else this principal did.',
      }),
      details: { forceDeleteWithoutRecovery: true, deletionDate: event.request.deletionDate ?? event.time },
    });
    return decision;
  }
  const days = event.request.recoveryWindowInDays ?? DEFAULT_RECOVERY_DAYS;
  const gone = event.request.deletionDate ?? new Date(Date.parse(event.time) + days * 86_400_000).toISOString();
  decision.alerts.push({
    ...alertBase(event, 'secret-deletion-scheduled', 'HIGH', target, name),
    subject: subjectLine('HIGH', `Secret ${name} scheduled for deletion on ${gone.slice(0, 10)}`, event),
    message: body({
      what: `The secret ${name} was scheduled for deletion with a ${days}-day recovery window${event.request.recoveryWindowInDays === undefined ? ' (the default)' : ''}.`,
      secret: target,
      event,
      extra: [`Gone on: ${gone}`],
      why: `Until ${gone} the secret can be restored; after that it and every version are deleted for good, and applications that read it fail. Reads already fail now: a secret scheduled for deletion cannot be retrieved.`,
      doNow: `If this was not intended, cancel it now: aws secretsmanager restore-secret --secret-id ${target}`,
    }),
    details: { recoveryWindowInDays: days, deletionDate: gone, restoreCommand: `aws secretsmanager restore-secret --secret-id ${target}` },
  });
  if (context.remediationEnabled && secret?.tags['vigil:protect'] === 'true') {
    decision.remediations.push({ action: 'restore-secret', secretArn: secret.arn, reason: 'the secret is tagged vigil:protect=true, so a scheduled deletion is cancelled' });
  }
  return decision;
}

function rotationProblem(decision: Decision, event: SecretEvent, secret: SecretState | undefined): Decision {
  const name = event.secret?.name ?? secret?.name ?? 'unknown secret';
  const target = event.secret?.arn ?? secret?.arn ?? name;
  // The function the error names is the one that ran and failed; the configured one is the fallback.
  const fn = /arn:aws[a-z-]*:lambda:[^\s]+/.exec(event.errorMessage ?? '')?.[0] || secret?.rotationLambdaArn || null;
  if (event.eventName === 'RotationAbandoned') {
    decision.alerts.push({
      ...alertBase(event, 'rotation-abandoned', 'MEDIUM', target, name),
      subject: subjectLine('MEDIUM', `Rotation of ${name} abandoned`, event),
      message: body({
        what: `Secrets Manager abandoned a rotation of ${name}: a new version was stored by hand while the rotation was in progress, and the pending version was discarded.`,
        secret: target,
        event,
        why: 'The value now in use did not come from the rotation function, so the credential at its origin (database, provider) may not match it.',
        doNow: `Check that applications can still authenticate with the current value, then rotate again: aws secretsmanager rotate-secret --secret-id ${target}`,
      }),
      details: { rotationFunction: fn },
    });
    return decision;
  }
  decision.alerts.push({
    ...alertBase(event, 'rotation-failed', 'HIGH', target, name),
    subject: subjectLine('HIGH', `Rotation of ${name} failed`, event),
    message: body({
      what: `Rotation of the secret ${name} failed.`,
      secret: target,
      event,
      extra: [`Error:   ${event.errorMessage ?? 'not given'}`, `Function: ${fn ?? 'not known'}`],
      why: 'The old credential stays in use past its planned lifetime, and a half-finished rotation can leave a pending version that blocks the next one; if the database was already changed, applications may start failing to log in.',
      doNow: `Read the rotation function's CloudWatch logs${fn ? ` (${fn})` : ''}, fix the cause (permissions, network path to the database, the function's code), then rotate again: aws secretsmanager rotate-secret --secret-id ${target}`,
    }),
    details: { errorMessage: event.errorMessage ?? null, rotationFunction: fn },
  });
  return decision;
}

function keyProblem(decision: Decision, event: SecretEvent, context: ReactionContext): Decision {
  const key = event.key;
  if (!key) return { ...decision, ignored: 'the event names no key' };
  const namesOfKey = keyNames(key, context.keyAliases);
  const secrets = context.keySecrets
    ? context.keySecrets.filter((s) => protectedBy({ kmsKeyId: s.kmsKeyId, kmsKey: s.kmsKeyArn ? { arn: s.kmsKeyArn, keyManager: null, keyState: null } : null }, namesOfKey))
    : context.knownSecrets.filter((s) => protectedBy(s, namesOfKey));
  const keyName = key.alias ?? key.arn ?? key.id ?? key.given;
  decision.secretArns = secrets.map((s) => s.arn);
  if (secrets.length === 0) return { ...decision, ignored: `no known secret is encrypted under ${keyName}` };
  const list = cutList(secrets.map((s) => `  - ${s.name} (${s.arn})`), event.eventId);
  const when = event.request.deletionDate ?? (event.request.pendingWindowInDays ? new Date(Date.parse(event.time) + event.request.pendingWindowInDays * 86_400_000).toISOString() : undefined);
  const keyId = key.arn ?? key.given;
  const problem = keyProblemOf(event.eventName, keyId, when);
  decision.alerts.push({
    ...alertBase(event, problem.kind, 'CRITICAL'),
    subject: subjectLine('CRITICAL', `KMS key ${problem.short}: ${secrets.length} secret${secrets.length === 1 ? '' : 's'} at risk`, event),
    message: body({
      what: `The KMS key ${keyName} was ${problem.happened}. It protects ${secrets.length} secret${secrets.length === 1 ? '' : 's'}:`,
      event,
      extra: [`Key:     ${key.arn ?? key.id ?? key.given}${key.multiRegion ? ' (multi-Region key)' : ''}`, ...list],
      why: problem.why,
      doNow: problem.doNow,
    }),
    details: { key, secretCount: secrets.length, secrets: secrets.slice(0, ALERT_LIST_LIMIT).map((s) => ({ arn: s.arn, name: s.name })), deletionDate: when ?? null },
  });
  return decision;
}

/** What each key event does to the secrets under the key, and how on-call undoes it. */
function keyProblemOf(eventName: string, keyId: string, when: string | undefined): { kind: Alert['kind']; short: string; happened: string; why: string; doNow: string } {
  if (eventName === 'ScheduleKeyDeletion') {
    return {
      kind: 'kms-key-deletion-scheduled',
      short: 'scheduled for deletion',
      happened: `scheduled for deletion${when ? ` on ${when}` : ''}`,
      why: 'Once the key is deleted, these secrets can never be decrypted again; there is no recovery. While deletion is pending the key is unusable, so reads fail already.',
      doNow: `Cancel the deletion unless every secret above is retired: aws kms cancel-key-deletion --key-id ${keyId}, then aws kms enable-key --key-id ${keyId}`,
    };
  }
  if (eventName === 'DeleteImportedKeyMaterial') {
    return {
      kind: 'kms-key-material-deleted',
      short: 'material deleted',
      happened: 'stripped of its imported key material (DeleteImportedKeyMaterial)',
      why: 'The key is now pending import and cannot decrypt: every application that reads these secrets fails now. Only the same key material, imported again, makes them readable; without a copy of it they are lost for good.',
      doNow: `Import the same key material again unless every secret above is retired: aws kms get-parameters-for-import --key-id ${keyId} ..., then aws kms import-key-material --key-id ${keyId} ...`,
    };
  }
  return {
    kind: 'kms-key-disabled',
    short: 'disabled',
    happened: 'disabled',
    why: 'While the key is disabled, these secrets cannot be decrypted: every application that reads them fails now.',
    doNow: `Re-enable the key unless every secret above is retired: aws kms enable-key --key-id ${keyId}`,
  };
}

async function change(decision: Decision, event: SecretEvent, known: SecretState | undefined, context: ReactionContext): Promise<Decision> {
  const keyOf = context.keyState ?? ((keyId: string) => context.knownSecrets.find((s) => s.kmsKey && (s.kmsKeyId === keyId || s.kmsKey.arn === keyId))?.kmsKey ?? null);
  const after = context.observedAfter ?? applyEvent(known, event, keyOf);
  if (!after) return { ...decision, ignored: `the secret ${event.secret?.name ?? event.secret?.given ?? ''} is not known, so the change cannot be judged offline (give a snapshot)` };
  decision.secretArns = [after.arn];
  const now = Date.parse(event.time) / 1000;
  const touched = Object.hasOwn(CONTROLS_AN_EVENT_TOUCHES, event.eventName) ? (CONTROLS_AN_EVENT_TOUCHES[event.eventName] ?? []) : [];
  // Before and after in one evaluation: one trip into the wasm instead of two.
  const judgeBefore = known !== undefined && !context.observedAfter;
  const [afterFindings = [], beforeFindings = []] = await evaluateSecrets(judgeBefore ? [after, known] : [after], { now, params: context.params, ...(touched === 'all' ? {} : { controlIds: touched }) });
  const statusBefore = judgeBefore ? new Map(beforeFindings.map((f) => [f.controlId, f.status])) : new Map(Object.entries(context.statusesBefore ?? {}));
  const exemptionBefore = new Map(beforeFindings.map((f) => [f.controlId, f.exemption]));
  // With only the state after the event and nothing stored before it, a failure may be older than the event.
  const beforeUnknown = !judgeBefore && context.statusesBefore === undefined && event.eventName !== 'CreateSecret';
  const controls = await listControls();
  const exemptionsRemoved = new Set(event.eventName === 'UntagResource' ? (event.request.removedTagKeys ?? []).filter((k) => k.startsWith(EXEMPTION_TAG_PREFIX)).map((k) => k.slice(EXEMPTION_TAG_PREFIX.length)) : []);
  decision.findings = afterFindings;
  for (const finding of afterFindings) {
    const oldStatus = statusBefore.get(finding.controlId) ?? null;
    const newlyFailing = finding.status === 'FAIL' && oldStatus !== 'FAIL';
    // When vigil knows nothing before the event, only a failure is news: a status it merely learns (→ PASS) is not a change.
    if (oldStatus !== finding.status && (!beforeUnknown || finding.status === 'FAIL')) decision.complianceChanges.push(complianceChange(after.arn, oldStatus, finding));
    // Removing an exemption from a control that still fails raises the alert the exemption held back (none, if it was ignored).
    const released = finding.status === 'FAIL' && exemptionsRemoved.has(finding.controlId) && exemptionBefore.get(finding.controlId)?.active !== false;
    if ((newlyFailing || released) && !finding.exemption?.active) decision.alerts.push(controlFailed(event, finding, controls.find((c) => c.id === finding.controlId)?.description ?? finding.title, beforeUnknown));
  }
  const tagsBefore = context.tagsBefore ?? (judgeBefore ? known?.tags : undefined);
  for (const tag of event.eventName === 'TagResource' ? (event.request.tags ?? []) : []) {
    if (tag.key.startsWith(EXEMPTION_TAG_PREFIX) && tagsBefore?.[tag.key] !== tag.value) decision.alerts.push(exemptionAdded(event, after, tag, controls, context.params));
  }
  const publicNow = afterFindings.some((f) => f.controlId === 'no-public-principal' && f.status === 'FAIL');
  if (context.remediationEnabled && publicNow && after.tags['vigil:lockdown'] === 'true' && after.resourcePolicy) {
    decision.remediations.push({ action: 'delete-resource-policy', secretArn: after.arn, reason: 'the secret is tagged vigil:lockdown=true, so a resource policy that makes it public is removed' });
  }
  if (decision.alerts.length === 0 && decision.remediations.length === 0 && decision.complianceChanges.length === 0) decision.ignored = nothingChanged(event.eventName, beforeUnknown ? afterFindings.filter((f) => f.status === 'ERROR') : []);
  return decision;
}

/** Why a change raised nothing. A control that ended ERROR with nothing known before was not judged, not left as it was. */
function nothingChanged(eventName: string, unjudged: readonly Finding[]): string {
  if (unjudged.length === 0) return `${eventName} left every control it touches as it was`;
  const ids = unjudged.map((f) => f.controlId);
  const why = [...new Set(unjudged.map((f) => f.reason.replace(/\.$/, '')))].map((r) => r.charAt(0).toLowerCase() + r.slice(1)).join('; ');
  const list = ids.length === 1 ? ids[0] : `${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
  return `after ${eventName}, ${list} could not be judged (${why}), and nothing was known of ${ids.length === 1 ? 'it' : 'them'} before`;
}

/** Who exempted which control, and until when: an exemption silences alerts, so setting one is itself worth a look. */
function exemptionAdded(event: SecretEvent, secret: SecretState, tag: { key: string; value: string }, controls: readonly Control[], params: ControlParams): Alert {
  const controlId = tag.key.slice(EXEMPTION_TAG_PREFIX.length);
  const control = controls.find((c) => c.id === controlId);
  const severity = control?.severity === 'CRITICAL' ? 'HIGH' : 'MEDIUM';
  const refused = control?.severity === 'CRITICAL' && !params.allowCriticalExemptions;
  return {
    ...alertBase(event, 'exemption-added', severity, secret.arn, secret.name),
    controlId,
    subject: subjectLine(severity, `${secret.name} exempted from ${controlId}`, event),
    message: body({
      what: `The secret ${secret.name} was exempted from the control ${control ? `"${control.title}" (${controlId}, ${control.severity})` : `${controlId} (not a control vigil knows)`} by the tag ${tag.key} = "${tag.value.slice(0, 200)}".`,
      secret: secret.arn,
      event,
      why: refused
        ? 'vigil ignores this exemption (CRITICAL controls are exempted only when allowCriticalExemptions is true) and still pages when the control fails; but someone tried to silence a CRITICAL control on this secret.'
        : 'While the exemption lasts, vigil does not page when this control fails for this secret; someone who meant harm could set it first and then weaken the secret unheard.',
      doNow: `Confirm with the person above that the exemption is intended and approved; if not, remove it: aws secretsmanager untag-resource --secret-id ${secret.arn} --tag-keys ${tag.key}`,
    }),
    details: { controlId, tag: tag.key, value: tag.value.slice(0, 200), controlSeverity: control?.severity ?? null, ignored: refused, setBy: event.actor.arn ?? event.actor.principalId ?? null },
  };
}

function complianceChange(secretArn: string, oldStatus: ComplianceChange['oldStatus'], finding: Finding): ComplianceChange {
  return { secretArn, controlId: finding.controlId, oldStatus, newStatus: finding.status, finding };
}

const MAY_PREDATE = 'vigil had no earlier state of this secret, so this failure may predate the event.';

function controlFailed(event: SecretEvent, finding: Finding, controlDescription: string, beforeUnknown: boolean): Alert {
  return {
    ...alertBase(event, 'control-failed', finding.severity, finding.resource.arn, finding.resource.name),
    controlId: finding.controlId,
    subject: subjectLine(finding.severity, `${finding.resource.name} now fails ${finding.controlId}`, event),
    message: body({
      what: `After ${event.eventName}, the secret ${finding.resource.name} fails the control "${finding.title}" (${finding.controlId}).`,
      secret: finding.resource.arn,
      event,
      extra: [`Finding: ${finding.reason}`, ...(beforeUnknown ? [`Before:  ${MAY_PREDATE}`] : [])],
      why: `the control requires that ${controlDescription.charAt(0).toLowerCase()}${controlDescription.slice(1).replace(/\s+/g, ' ')}`,
      doNow: finding.remediation,
    }),
    details: { controlId: finding.controlId, status: finding.status, statusBeforeKnown: !beforeUnknown, evidence: finding.evidence, mappings: finding.mappings },
  };
}

function alertBase(event: SecretEvent, kind: Alert['kind'], severity: Alert['severity'], secretArn?: string, secretName?: string): Omit<Alert, 'subject' | 'message' | 'details'> {
  return {
    kind,
    severity,
    account: event.account,
    region: event.region,
    eventId: event.eventId,
    eventName: event.eventName,
    ...(secretArn ? { secretArn } : {}),
    ...(secretName ? { secretName } : {}),
  };
}

/** The alert that reports a remediation vigil made (or tried to make). */
export function remediationAlert(remediation: Remediation, decision: Decision, outcome: { ok: true } | { ok: false; error: string }): Alert {
  const name = remediation.secretArn.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? remediation.secretArn;
  const did = remediation.action === 'restore-secret' ? `cancelled the scheduled deletion of ${name}` : `removed the resource policy that made ${name} public`;
  const subjectText = outcome.ok ? `vigil ${remediation.action === 'restore-secret' ? 'restored' : 'locked down'} ${name}` : `vigil could not remediate ${name}`;
  return {
    kind: 'remediation-applied',
    severity: 'HIGH',
    subject: subjectLine('HIGH', subjectText, decision),
    message: [
      outcome.ok ? `vigil ${did}.` : `vigil tried to ${remediation.action === 'restore-secret' ? 'cancel the scheduled deletion of' : 'remove the public resource policy of'} ${name} and failed: ${outcome.error}`,
      '',
      `Secret:  ${remediation.secretArn}`,
      `Because: ${remediation.reason}`,
      `After:   ${decision.eventName} (CloudTrail event ${decision.eventId}) at ${decision.time}`,
      '',
      outcome.ok ? 'What to do now: find out why the change was made; if it was intended, remove the opt-in tag before making it again.' : 'What to do now: make the change by hand, and check vigil\'s permissions.',
      '',
      '-- vigil (no secret value is ever read or sent)',
    ].join('\n'),
    account: decision.account,
    region: decision.region,
    eventId: decision.eventId,
    eventName: decision.eventName,
    secretArn: remediation.secretArn,
    details: { action: remediation.action, ok: outcome.ok, ...(outcome.ok ? {} : { error: outcome.error }) },
  };
}
