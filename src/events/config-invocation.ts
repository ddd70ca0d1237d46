import * as z from 'zod';
import { parseAwsDate, toIso } from './dates.js';
import { InvalidEventError, fromZodError } from './errors.js';

// AWS Config custom Lambda rule invocations. `invokingEvent` and `ruleParameters` arrive as JSON strings.

const invocationSchema = z.looseObject({
  invokingEvent: z.string(),
  ruleParameters: z.string().optional(),
  resultToken: z.string(),
  eventLeftScope: z.boolean().optional(),
  executionRoleArn: z.string().optional(),
  configRuleArn: z.string().optional(),
  configRuleName: z.string().min(1),
  configRuleId: z.string().optional(),
  accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account ID as a string'),
  version: z.string().optional(),
});

export const configurationItemSchema = z.looseObject({
  configurationItemCaptureTime: z.union([z.string(), z.number()]),
  configurationItemStatus: z.string(),
  resourceType: z.string(),
  resourceId: z.string(),
  resourceName: z.string().nullish(),
  ARN: z.string().nullish(),
  awsRegion: z.string(),
  awsAccountId: z.string().optional(),
  resourceCreationTime: z.union([z.string(), z.number()]).nullish(),
  configuration: z.record(z.string(), z.unknown()).nullish(),
  supplementaryConfiguration: z.record(z.string(), z.unknown()).nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
});
export type ConfigurationItem = z.infer<typeof configurationItemSchema>;

const itemSummarySchema = configurationItemSchema.pick({
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
