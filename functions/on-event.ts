import { DeleteResourcePolicyCommand, RestoreSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { deliverAlert, type AlertPublisher, type Delivery } from '../src/alerts/index.js';
import { type AwsOptions } from '../src/aws/clients.js';
import { kmsClient } from '../src/aws/clients/kms.js';
import { secretsManagerClient } from '../src/aws/clients/secrets-manager.js';
import { snsClient } from '../src/aws/clients/sns.js';
import { invocationStart } from '../src/aws/idempotency.js';
import { logger } from '../src/aws/logger.js';
import { paramsForAccount, preloadControls } from '../src/controls/index.js';
import { onEventSettings, type OnEventSettings } from '../src/aws/settings.js';
import { InvalidEventError, normaliseEventBridgeEvent, type SecretEvent } from '../src/events/index.js';
import { listKeyAliases, listSecretsUnderKey, readSecret } from '../src/inventory/index.js';
import type { SecretState } from '../src/model/index.js';
import { CONTROLS_AN_EVENT_TOUCHES, applyEvent, decide, remediationAlert, withExemptionsAtEventTime, withPolicyFromEvent, type Alert, type ComplianceChange, type Decision, type ReactionContext } from '../src/reactions/index.js';
import { KEY_PROBLEM_CALLS, keyNames, protectedBy } from '../src/reactions/keys.js';
import { MemberAccessError, accountOfArn, memberCredentials } from '../src/org/roles.js';
import { DynamoStateStore, beforeEvent, recordAfterEvent, type SecretRecord, type StateStore } from '../src/state/index.js';

export interface OnEventResult {
  eventId?: string;
  status: 'decided' | 'ignored' | 'rejected';
  reason?: string;
  deliveries: Delivery[];
  complianceChanges: number;
}

export interface OnEventDependencies {
  env: Record<string, string | undefined>;
  aws: (region: string) => AwsOptions;
  /** Between SNS attempts (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
  /** Wall-clock time, epoch seconds: when a secret was read. */
  clock?: () => number;
  /** The state store; by default the DynamoDB table VIGIL_STATE_TABLE names. */
  store?: StateStore;
}


export function createOnEventHandler(deps: OnEventDependencies) {
  const start = invocationStart(() => onEventSettings(deps.env), deps.aws);
  let store: StateStore | undefined = deps.store;
  let member: ReturnType<typeof memberCredentials> | undefined;

  return async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<OnEventResult> => {
    const { s, home, sendOnce } = start(context);

    let record;
    try {
      record = normaliseEventBridgeEvent(event);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      logger.error('event rejected', { eventId: eventIdOf(event), path: error.path, problem: error.problem });
      return park(event, error.message, 'rejected-event', s, home);
    }
    if (record.kind === 'ignored') return { ...(record.eventId ? { eventId: record.eventId } : {}), status: 'ignored', reason: record.reason, deliveries: [], complianceChanges: 0 };

    const clock = deps.clock ?? (() => Date.now() / 1000);
    // An event forwarded from a member account is read in that account, through its read-only role (DESIGN.md, "Organisations").
    const ownAccount = accountOfArn(s.topicArn);
    const { region: _home, ...base } = home;
    member ??= memberCredentials(base, async () => (await import('../src/aws/clients/sts.js')).stsClient(home), ownAccount, s.memberRole, clock);
    let region: AwsOptions;
    try {
      region = { ...(await member(record.account)), region: record.region };
    } catch (error) {
      if (!(error instanceof MemberAccessError)) throw error;
      return park(event, `account ${record.account} cannot be read: ${error.reason}`, 'unreadable-account', s, home);
    }
    if (s.stateTable) store ??= DynamoStateStore.fromOptions(s.stateTable, home);
    const decision = await judge(record, s, region, store, clock, record.account === ownAccount);
    const alerts: Alert[] = [...decision.alerts];
    for (const remediation of decision.remediations) {
      const outcome = await remediate(remediation.action, remediation.secretArn, region);
      alerts.push(remediationAlert(remediation, decision, outcome));
    }
    const publisher: AlertPublisher = {
      sns: snsClient(home),
      topicArn: s.topicArn,
      deadLetter: { sqs: () => sqsClientFor(home), queueUrl: s.dlqUrl },
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    };
    const deliveries: Delivery[] = [];
    for (const alert of alerts) {
      const key = [alert.eventId, alert.kind, alert.secretArn ?? '', alert.controlId ?? ''].join('#');
      deliveries.push((await sendOnce({ key, run: () => deliverAlert(alert, decision, publisher) })) as Delivery);
    }
    for (const change of decision.complianceChanges) {
      await sendOnce({ key: `${decision.eventId}#compliance#${change.secretArn}#${change.controlId}`, run: () => putComplianceChange(change, decision, s, home) });
    }
    return { eventId: decision.eventId, status: decision.ignored && alerts.length === 0 ? 'ignored' : 'decided', ...(decision.ignored ? { reason: decision.ignored } : {}), deliveries, complianceChanges: decision.complianceChanges.length };
  };
}

const STALE = 'a state of the secret observed after this event is stored, so the event is already reflected in it';

/**
 * Decides with memory: the before-state from the store, the decision, and the after-state written over exactly the
 * version read, so two events racing for one secret cannot both alert its transition (the later reads and decides again).
 */
async function judge(event: SecretEvent, s: OnEventSettings, aws: AwsOptions, store: StateStore | undefined, clock: () => number, own: boolean): Promise<Decision> {
  for (let attempt = 1; ; attempt += 1) {
    const gathered = await gatherContext(event, s, aws, store, clock, own);
    if (gathered.stale) return { eventId: event.eventId, eventName: event.eventName, time: event.time, account: event.account, region: event.region, secretArns: [gathered.stale], alerts: [], findings: [], complianceChanges: [], remediations: [], ignored: STALE };
    const decision = await decide(event, gathered.context);
    if (!store) return decision;
    await forgetDeleted(event, decision, store);
    const remember = gathered.remember;
    if (!remember || decision.findings.length === 0) return decision;
    const after = recordAfterEvent(remember.stored, remember.state, decision.findings, { eventId: event.eventId, eventTime: Date.parse(event.time) / 1000, readAt: remember.readAt, ...(remember.dirtyReason ? { dirtyReason: remember.dirtyReason } : {}) });
    const outcome = await store.putSecret(after, { expectedVersion: remember.stored?.version ?? null });
    if (outcome === 'written') {
      logger.info('after-state stored', { eventId: event.eventId, secretArn: after.arn, observedAt: after.observedAt, statusesBeforeKnown: remember.stored !== undefined, changes: decision.complianceChanges.map((c) => `${c.controlId}: ${c.oldStatus ?? 'unknown'} -> ${c.newStatus}`) });
      return decision;
    }
    if (outcome === 'stale') return { ...decision, alerts: [], complianceChanges: [], remediations: [], ignored: STALE };
    // Another writer came between the read and the write: read and decide again; after three tries, alert rather than miss.
    if (attempt >= 3) {
      logger.warn('state store kept changing under this event; deciding without a stored after-state', { eventId: event.eventId, secretArn: after.arn });
      return decision;
    }
  }
}

/** A force-deleted secret is forgotten; one scheduled for deletion is read again by the next sweep. */
async function forgetDeleted(event: SecretEvent, decision: Decision, store: StateStore): Promise<void> {
  if (event.eventName !== 'DeleteSecret' || event.errorCode) return;
  for (const arn of decision.secretArns) {
    if (event.request.forceDeleteWithoutRecovery) await store.deleteSecret(arn);
    else await store.markDirty(arn, 'scheduled for deletion');
  }
}

interface Gathered {
  context: ReactionContext;
  /** The ARN of the secret, when a later state of it is stored. */
  stale?: string;
  /** What to store after the decision: the secret's state after the event, and the record it replaces. */
  remember?: { stored: SecretRecord | undefined; state: SecretState; readAt: number | null; dirtyReason?: string };
}

/** What the decision needs to know: the stored before-state, and the secret as it is now (or for a KMS event, the secrets of the key). */
async function gatherContext(event: SecretEvent, s: OnEventSettings, aws: AwsOptions, store: StateStore | undefined, clock: () => number, own: boolean): Promise<Gathered> {
  const clients = { secretsManager: secretsManagerClient(aws), kms: kmsClient(aws) };
  // The event's account's own parameters apply; the member role reads only, so a member account is never remediated.
  const base = { params: paramsForAccount(s.params, event.account), remediationEnabled: s.remediation && own };
  if (event.errorCode) return { context: { ...base, knownSecrets: [] } };
  if (event.kind === 'key-api-call') {
    if (!KEY_PROBLEM_CALLS.includes(event.eventName) || !event.key) return { context: { ...base, knownSecrets: [] } };
    const aliases = await keyAliases(event.key.arn ?? event.key.id ?? event.key.given, aws);
    // The key index answers once a sweep has filled the store; before that, only the region's listing can.
    if (store && (await store.getMeta()).filledAt !== null) {
      return { context: { ...base, knownSecrets: [], keySecrets: await store.secretsByKey(keyNames(event.key, aliases)), keyAliases: aliases } };
    }
    return { context: { ...base, knownSecrets: await secretsUnderKey(event.key, aliases, clients.secretsManager), keyAliases: aliases } };
  }
  const id = event.secret?.arn ?? event.secret?.given ?? event.secret?.name;
  if (!id) return { context: { ...base, knownSecrets: [] } };
  const judged = Object.hasOwn(CONTROLS_AN_EVENT_TOUCHES, event.eventName);
  const eventTime = Date.parse(event.time) / 1000;
  // A new resource policy is judged from the event itself; the live read adds the tags a remediation opts in by.
  if (event.eventName === 'PutResourcePolicy' && !s.remediation) {
    const stored = store && event.secret?.arn ? await store.getSecret(event.secret.arn) : undefined;
    const before = beforeEvent(stored, event.eventId, eventTime);
    if (before.stale) return { context: { ...base, knownSecrets: [] }, stale: event.secret?.arn ?? id };
    if (!stored) return { context: { ...base, knownSecrets: [] } };
    const after = applyEvent(stored.state, event, () => stored.state.kmsKey);
    if (!after) return { context: { ...base, knownSecrets: [] } };
    return {
      context: { ...base, knownSecrets: [stored.state], observedAfter: withExemptionsAtEventTime(after, tagsAtEventTime(stored, eventTime), event), ...(before.statuses ? { statusesBefore: before.statuses } : {}) },
      remember: { stored, state: after, readAt: null, dirtyReason: 'resource policy taken from the event, not read' },
    };
  }
  const live = await readSecret(id, clients);
  if (!live) return { context: { ...base, knownSecrets: [] } };
  // The policy the event wrote, under the name it wrote it (a read just after the call may not show it yet).
  // Likewise a cross-account link the call just made or removed: DescribeSecret may not show it yet (moto never does).
  const linked = event.eventName === 'AssociateCrossAccountReplica' || event.eventName === 'DisassociateCrossAccountReplica' ? (applyEvent(live, event, () => live.kmsKey) ?? live) : live;
  const observed: SecretState = event.eventName === 'PutResourcePolicy' ? withPolicyFromEvent(live, event) : linked;
  const needsObserved = event.eventName !== 'DeleteSecret' && event.kind !== 'secret-service-event';
  if (!store || !needsObserved || !judged) return { context: { ...base, knownSecrets: [live], ...(needsObserved ? { observedAfter: withExemptionsAtEventTime(observed, undefined, event) } : {}) } };
  const stored = await store.getSecret(live.arn);
  const before = beforeEvent(stored, event.eventId, eventTime);
  if (before.stale) return { context: { ...base, knownSecrets: [] }, stale: live.arn };
  // The store keeps the tags as read; the decision sees the exemptions as they were at the event's time.
  return {
    context: { ...base, knownSecrets: [live], observedAfter: withExemptionsAtEventTime(observed, stored ? tagsAtEventTime(stored, eventTime) : undefined, event), ...(before.statuses ? { statusesBefore: before.statuses } : {}), ...(stored ? { tagsBefore: stored.state.tags } : {}) },
    remember: { stored, state: observed, readAt: clock() },
  };
}

/** The stored tags, when they were read no later than the event (so none of them can have been set after it). */
function tagsAtEventTime(stored: SecretRecord, eventTime: number): SecretState['tags'] | undefined {
  return stored.readAt === null || stored.readAt <= eventTime ? stored.state.tags : undefined;
}

/** The secrets a key protects: ListSecrets pages only, never a policy read per secret (a region of 100,000 fits in the timeout). */
async function secretsUnderKey(key: NonNullable<SecretEvent['key']>, aliases: readonly string[], secretsManager: ReturnType<typeof secretsManagerClient>): Promise<SecretState[]> {
  const names = keyNames(key, aliases);
  return (await listSecretsUnderKey(secretsManager, (s) => protectedBy(s, names))).states;
}

/** The key's aliases, every page (the sweep's listKeyAliases, for one key). */
async function keyAliases(keyId: string, aws: AwsOptions): Promise<string[]> {
  const listed = await listKeyAliases(kmsClient(aws), undefined, keyId);
  if (!listed) logger.warn('kms:ListAliases failed; matching secrets by key ARN and id only', { keyId });
  return [...(listed?.values() ?? [])].flat();
}

async function remediate(action: 'restore-secret' | 'delete-resource-policy', secretArn: string, aws: AwsOptions): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const sm = secretsManagerClient(aws);
    if (action === 'restore-secret') await sm.send(new RestoreSecretCommand({ SecretId: secretArn }));
    else await sm.send(new DeleteResourcePolicyCommand({ SecretId: secretArn }));
    logger.info('remediation applied', { action, secretArn });
    return { ok: true };
  } catch (error) {
    logger.error('remediation failed', { action, secretArn, error: (error as Error).message });
    return { ok: false, error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** "vigil Compliance Change", shaped like AWS Config's compliance-change events, so ticketing and SOAR tools can subscribe. */
async function putComplianceChange(change: ComplianceChange, decision: Decision, s: OnEventSettings, aws: AwsOptions): Promise<void> {
  // Only a change of status is put on the bus: the EventBridge SDK loads then, not at every cold start.
  const [{ PutEventsCommand }, { eventBridgeClient }] = await Promise.all([import('@aws-sdk/client-eventbridge'), import('../src/aws/clients/eventbridge.js')]);
  const answer = await eventBridgeClient(aws).send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: s.eventBus,
          Source: 'vigil',
          DetailType: 'vigil Compliance Change',
          Resources: [change.secretArn],
          Detail: JSON.stringify({
            resourceId: change.secretArn,
            resourceType: 'AWS::SecretsManager::Secret',
            controlId: change.controlId,
            oldStatus: change.oldStatus,
            newStatus: change.newStatus,
            account: decision.account,
            region: decision.region,
            cause: { eventName: decision.eventName, eventId: decision.eventId, time: decision.time },
            finding: change.finding,
          }),
        },
      ],
    }),
  );
  if (answer.FailedEntryCount) throw new Error(`EventBridge refused the compliance change: ${answer.Entries?.[0]?.ErrorCode ?? ''} ${answer.Entries?.[0]?.ErrorMessage ?? ''}`);
}

/** The dead-letter queue's client, for the rare alert SNS refuses and for rejected input: loaded on first use. */
async function sqsClientFor(aws: AwsOptions) {
  const { sqsClient } = await import('../src/aws/clients/sqs.js');
  return sqsClient(aws);
}

function eventIdOf(event: unknown): string | undefined {
  return typeof event === 'object' && event !== null && typeof (event as { id?: unknown }).id === 'string' ? (event as { id: string }).id : undefined;
}

/**
 * An event vigil cannot judge (input it cannot read, or a member account whose role refuses it): parked in the alarmed DLQ
 * with the reason, never thrown back for Lambda to retry.
 */
async function park(event: unknown, reason: string, kind: 'rejected-event' | 'unreadable-account', s: OnEventSettings, aws: AwsOptions): Promise<OnEventResult> {
  const eventId = eventIdOf(event);
  if (kind === 'unreadable-account') logger.error('event not judged: its account cannot be read', { eventId, reason });
  let body: string;
  try {
    body = JSON.stringify({ reason, event });
  } catch {
    body = JSON.stringify({ reason, event: '(not serialisable)' });
  }
  // An SQS message holds at most 256 KiB; a larger event is parked as its reason and the start of its text.
  if (Buffer.byteLength(body) > 250_000) body = JSON.stringify({ reason, truncatedEvent: body.slice(0, 200_000) });
  const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
  await (await sqsClientFor(aws)).send(new SendMessageCommand({ QueueUrl: s.dlqUrl, MessageBody: body, MessageAttributes: { kind: { DataType: 'String', StringValue: kind } } }));
  return { ...(eventId ? { eventId } : {}), status: 'rejected', reason, deliveries: [], complianceChanges: 0 };
}

export const handler = createOnEventHandler({ env: process.env, aws: (region) => ({ region }) });
/** The policy loads during init; a cold start compiles the wasm before the first event. */
export const policyLoaded = preloadControls();
