import { GetResourceConfigHistoryCommand, type Evaluation } from '@aws-sdk/client-config-service';
import { type AwsOptions } from '../src/aws/clients.js';
import { configServiceClient } from '../src/aws/clients/config.js';
import { kmsClient } from '../src/aws/clients/kms.js';
import { secretsManagerClient } from '../src/aws/clients/secrets-manager.js';
import { logger } from '../src/aws/logger.js';
import { configRuleSettings } from '../src/aws/settings.js';
import type { ControlParams } from '../src/controls/params.js';
import { completeFromLive, evaluationOf, parseRuleControlId, putEvaluations } from '../src/config/index.js';
import { evaluateSecrets, listControls, preloadControls } from '../src/controls/index.js';
import { InputError, parseAwsDate, parseConfigRuleInvocation, type ConfigRuleInvocation, type ConfigurationItem } from '../src/events/index.js';
import { fromConfigItem, readInventory, readSecret } from '../src/inventory/index.js';
import type { SecretState } from '../src/model/index.js';

const SECRET_TYPE = 'AWS::SecretsManager::Secret';
const GONE = new Set(['ResourceDeleted', 'ResourceDeletedNotRecorded']);

export interface ConfigRuleDependencies {
  env: Record<string, string | undefined>;
  aws: (region: string) => AwsOptions;
}

export interface ConfigRuleResult {
  rule: string;
  controlId?: string;
  evaluations: Evaluation[];
  failed: number;
  rejected?: string;
}

/** One Lambda for every vigil Config rule: the rule's `controlId` parameter says which control it is. */
export function createConfigRuleHandler(deps: ConfigRuleDependencies) {
  return async (event: unknown): Promise<ConfigRuleResult> => {
    let invocation: ConfigRuleInvocation;
    let controlId: string;
    let settings;
    try {
      settings = configRuleSettings(deps.env);
      invocation = parseConfigRuleInvocation(event);
      controlId = parseRuleControlId(invocation.ruleParameters, (await listControls()).map((c) => c.id));
    } catch (error) {
      // Config does not retry a rule that throws on its input, and there is nothing to evaluate: say so once and stop.
      if (!(error instanceof InputError)) throw error;
      logger.error('Config invocation rejected', { path: error.path, problem: error.problem });
      const rule = typeof event === 'object' && event && typeof (event as { configRuleName?: unknown }).configRuleName === 'string' ? (event as { configRuleName: string }).configRuleName : 'unknown';
      return { rule, evaluations: [], failed: 0, rejected: error.message };
    }

    const aws = deps.aws(settings.region);
    const evaluations = await evaluate(invocation, controlId, settings.params, aws, deps);
    const result = await putEvaluations(configServiceClient(aws), evaluations, invocation.resultToken, { testMode: settings.testMode });
    if (result.failed.length) logger.error('Config refused evaluations after retries', { rule: invocation.configRuleName, failed: result.failed.length });
    logger.info('evaluations sent', { rule: invocation.configRuleName, controlId, sent: result.sent });
    return { rule: invocation.configRuleName, controlId, evaluations, failed: result.failed.length };
  };
}

async function evaluate(invocation: ConfigRuleInvocation, controlId: string, params: ControlParams, aws: AwsOptions, deps: ConfigRuleDependencies): Promise<Evaluation[]> {
  if (invocation.messageType === 'ScheduledNotification') {
    const when = new Date(invocation.notificationCreationTime);
    const inventory = await readInventory({ secretsManager: secretsManagerClient(aws), kms: kmsClient(aws), secretsManagerIn: (r) => secretsManagerClient(deps.aws(r)) });
    const findings = await evaluateSecrets(inventory.states, { now: when.getTime() / 1000, params });
    return inventory.states.map((state, i) => {
      const finding = findings[i]?.find((f) => f.controlId === controlId);
      return evaluationOf(state.arn, finding?.status ?? 'ERROR', finding?.reason ?? 'not evaluated', when, [], finding?.exemption);
    });
  }
  const item = invocation.configurationItem ?? (await fetchOversized(invocation, aws));
  const when = new Date(parseAwsDate(item.configurationItemCaptureTime, 'configurationItem.configurationItemCaptureTime') * 1000);
  const id = item.resourceId;
  if (item.resourceType !== SECRET_TYPE) return [{ ComplianceResourceType: item.resourceType, ComplianceResourceId: id, ComplianceType: 'NOT_APPLICABLE', Annotation: `vigil evaluates ${SECRET_TYPE} only.`, OrderingTimestamp: when }];
  if (GONE.has(item.configurationItemStatus) || invocation.eventLeftScope) return [evaluationOf(id, 'NOT_APPLICABLE', 'The secret was deleted or left the rule\'s scope.', when)];
  const { state, readLive } = await withLiveData(fromConfigItem(item), aws);
  const [findings] = await evaluateSecrets([state], { now: Date.parse(invocation.notificationCreationTime) / 1000, params });
  const finding = findings?.find((f) => f.controlId === controlId);
  return [evaluationOf(id, finding?.status ?? 'ERROR', finding?.reason ?? 'not evaluated', when, readLive, finding?.exemption)];
}

/** Reads live what the Config item does not record; if the secret is gone already, the item is judged as it is. */
async function withLiveData(fromItem: SecretState, aws: AwsOptions): Promise<{ state: SecretState; readLive: string[] }> {
  let live: SecretState | undefined;
  try {
    live = await readSecret(fromItem.arn, { secretsManager: secretsManagerClient(aws), kms: kmsClient(aws) });
  } catch (error) {
    logger.warn('live read failed; judging the Config item alone', { secretArn: fromItem.arn, error: (error as Error).name });
  }
  return live ? completeFromLive(fromItem, live) : { state: fromItem, readLive: [] };
}

/** An oversized item is not in the invocation: Config's history has it. */
async function fetchOversized(invocation: ConfigRuleInvocation, aws: AwsOptions): Promise<ConfigurationItem> {
  const summary = invocation.configurationItemSummary;
  if (!summary) throw new Error('an oversized notification without its item summary');
  const answer = await configServiceClient(aws).send(new GetResourceConfigHistoryCommand({ resourceType: summary.resourceType as never, resourceId: summary.resourceId, limit: 1 }));
  const found = answer.configurationItems?.[0];
  if (!found) throw new Error(`Config has no history for ${summary.resourceType} ${summary.resourceId}`);
  return {
    configurationItemCaptureTime: found.configurationItemCaptureTime?.toISOString() ?? summary.configurationItemCaptureTime,
    configurationItemStatus: found.configurationItemStatus ?? summary.configurationItemStatus,
    resourceType: found.resourceType ?? summary.resourceType,
    resourceId: found.resourceId ?? summary.resourceId,
    resourceName: found.resourceName ?? summary.resourceName ?? null,
    ARN: found.arn ?? summary.ARN ?? null,
    awsRegion: found.awsRegion ?? summary.awsRegion,
    ...(found.accountId ? { awsAccountId: found.accountId } : {}),
    resourceCreationTime: found.resourceCreationTime?.toISOString() ?? null,
    configuration: found.configuration ? (JSON.parse(found.configuration) as Record<string, unknown>) : null,
    tags: found.tags ?? {},
  };
}

export const handler = createConfigRuleHandler({ env: process.env, aws: (region) => ({ region }) });
/** The policy loads during init; a cold start compiles the wasm before the first event. */
export const policyLoaded = preloadControls();
