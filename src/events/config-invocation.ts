import * as z from 'zod/mini';
import { parseAwsDate, toIso } from './dates.js';
import { InvalidEventError, fromZodError } from './errors.js';

// AWS Config custom Lambda rule invocations. `invokingEvent` and `ruleParameters` arrive as JSON strings.

const optionalString = z.optional(z.string());
const awsDate = z.union([z.string(), z.number()]);

const invocationSchema = z.looseObject({
  invokingEvent: z.string(),
  ruleParameters: optionalString,
  resultToken: z.string(),
  eventLeftScope: z.optional(z.boolean()),
  executionRoleArn: optionalString,
  configRuleArn: optionalString,
  configRuleName: z.string().check(z.minLength(1)),
  configRuleId: optionalString,
  accountId: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account ID as a string')),
  version: optionalString,
});

export const configurationItemSchema = z.looseObject({
  configurationItemCaptureTime: awsDate,
  configurationItemStatus: z.string(),
  resourceType: z.string(),
  resourceId: z.string(),
  resourceName: z.nullish(z.string()),
  ARN: z.nullish(z.string()),
  awsRegion: z.string(),
  awsAccountId: optionalString,
  resourceCreationTime: z.nullish(awsDate),
  configuration: z.nullish(z.record(z.string(), z.unknown())),
  supplementaryConfiguration: z.nullish(z.record(z.string(), z.unknown())),
  tags: z.nullish(z.record(z.string(), z.string())),
});
export type ConfigurationItem = z.infer<typeof configurationItemSchema>;

const itemSummarySchema = z.pick(configurationItemSchema, {
  configurationItemCaptureTime: true,
  configurationItemStatus: true,
  resourceType: true,
  resourceId: true,
  resourceName: true,
  ARN: true,
  awsRegion: true,
});
export type ConfigurationItemSummary = z.infer<typeof itemSummarySchema>;

const invokingEventSchema = z.discriminatedUnion('messageType', [
  z.looseObject({ messageType: z.literal('ConfigurationItemChangeNotification'), configurationItem: configurationItemSchema, notificationCreationTime: z.string() }),
  z.looseObject({ messageType: z.literal('OversizedConfigurationItemChangeNotification'), configurationItemSummary: itemSummarySchema, notificationCreationTime: z.string() }),
  z.looseObject({ messageType: z.literal('ScheduledNotification'), notificationCreationTime: z.string() }),
]);

export type ConfigMessageType = z.infer<typeof invokingEventSchema>['messageType'];

export interface ConfigRuleInvocation {
  kind: 'config-invocation';
  messageType: ConfigMessageType;
  configRuleName: string;
  configRuleArn?: string;
  accountId: string;
  resultToken: string;
  eventLeftScope: boolean;
  /** The rule's input parameters, decoded; `{}` when Config sends none or an empty string. */
  ruleParameters: Record<string, unknown>;
  /** ISO-8601, UTC. */
  notificationCreationTime: string;
  configurationItem?: ConfigurationItem;
  configurationItemSummary?: ConfigurationItemSummary;
}

export function isConfigRuleInvocation(input: unknown): boolean {
  return typeof input === 'object' && input !== null && 'invokingEvent' in input && 'resultToken' in input;
}

export function parseConfigRuleInvocation(input: unknown): ConfigRuleInvocation {
  const parsed = invocationSchema.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error);
  const raw = parsed.data;
  const invoking = invokingEventSchema.safeParse(decodeJson(raw.invokingEvent, 'invokingEvent'));
  if (!invoking.success) throw fromZodError(invoking.error, 'invokingEvent');
  const event = invoking.data;
  const invocation: ConfigRuleInvocation = {
    kind: 'config-invocation',
    messageType: event.messageType,
    configRuleName: raw.configRuleName,
    accountId: raw.accountId,
    resultToken: raw.resultToken,
    eventLeftScope: raw.eventLeftScope ?? false,
    ruleParameters: decodeRuleParameters(raw.ruleParameters),
    notificationCreationTime: toIso(parseAwsDate(event.notificationCreationTime, 'invokingEvent.notificationCreationTime')),
  };
  if (raw.configRuleArn !== undefined) invocation.configRuleArn = raw.configRuleArn;
  if (event.messageType === 'ConfigurationItemChangeNotification') invocation.configurationItem = event.configurationItem;
  if (event.messageType === 'OversizedConfigurationItemChangeNotification') invocation.configurationItemSummary = event.configurationItemSummary;
  return invocation;
}

function decodeRuleParameters(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  const value = decodeJson(text, 'ruleParameters');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEventError('ruleParameters', 'expected a JSON object of rule parameters');
  }
  return value as Record<string, unknown>;
}

function decodeJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InvalidEventError(path, 'expected a JSON document', { cause });
  }
}
