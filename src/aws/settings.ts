import * as z from 'zod/mini';
import { InputError } from '../events/index.js';
import { DEFAULT_PARAMS, parseParams, type ControlParams } from '../controls/params.js';

/** A Lambda's configuration that cannot be used: a deployment fault, reported once and not retried. */
export class SettingsError extends InputError {
  override readonly name: string = 'SettingsError';
}

export const list = z.pipe(
  z.optional(z.string()),
  z.transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])),
);
const flag = z._default(z.enum(['true', 'false']), 'false');
const arn = z.string().check(z.startsWith('arn:'));

const sweepSettingsSchema = z.object({
  AWS_REGION: z.string().check(z.minLength(1)),
  VIGIL_REPORT_BUCKET: z.string().check(z.minLength(3)),
  VIGIL_ALERT_TOPIC_ARN: arn,
  /** Regions to sweep; default the function's own. */
  VIGIL_REGIONS: list,
  /** Control parameters as JSON (the params document); empty for the defaults. */
  VIGIL_PARAMS: z.optional(z.string()),
  VIGIL_SECURITY_HUB_IMPORT: flag,
  VIGIL_POLICY_RATE: z.optional(z.coerce.number().check(z.positive())),
  /** Time kept in hand before the Lambda's timeout: below it, the sweep checkpoints and continues in a new invocation. */
  VIGIL_CHECKPOINT_MARGIN_SECONDS: z._default(z.coerce.number().check(z.positive()), 60),
  AWS_LAMBDA_FUNCTION_NAME: z.optional(z.string()),
  /** The state store's table: the sweep reads only what changed since it was stored, and keeps its progress there. */
  VIGIL_STATE_TABLE: z.string().check(z.minLength(3)),
});

export function settingsOf<S extends z.ZodMiniType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SettingsError(`environment.${issue?.path.join('.') ?? ''}`, (issue?.message ?? 'invalid').replace(/^Invalid input: /, ''));
  }
  return parsed.data;
}

export interface SweepSettings {
  region: string;
  bucket: string;
  topicArn: string;
  regions: string[];
  params: ControlParams;
  securityHubImport: boolean;
  policyRate?: number;
  checkpointMarginMs: number;
  functionName?: string;
  stateTable: string;
}

export function sweepSettings(env: Record<string, string | undefined>): SweepSettings {
  const e = settingsOf(sweepSettingsSchema, env);
  const params = paramsFromEnv(e.VIGIL_PARAMS);
  return {
    region: e.AWS_REGION,
    bucket: e.VIGIL_REPORT_BUCKET,
    topicArn: e.VIGIL_ALERT_TOPIC_ARN,
    regions: e.VIGIL_REGIONS.length ? e.VIGIL_REGIONS : [e.AWS_REGION],
    params,
    securityHubImport: e.VIGIL_SECURITY_HUB_IMPORT === 'true',
    ...(e.VIGIL_POLICY_RATE ? { policyRate: e.VIGIL_POLICY_RATE } : {}),
    checkpointMarginMs: e.VIGIL_CHECKPOINT_MARGIN_SECONDS * 1000,
    ...(e.AWS_LAMBDA_FUNCTION_NAME ? { functionName: e.AWS_LAMBDA_FUNCTION_NAME } : {}),
    stateTable: e.VIGIL_STATE_TABLE,
  };
}

/** Organisations: the member stack's read-only role, which the central functions assume in another account. */
export const memberRoleVariables = {
  VIGIL_MEMBER_ROLE_NAME: z._default(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name')), 'vigil-audit'),
  VIGIL_MEMBER_EXTERNAL_ID: z.optional(z.string()),
};

export function memberRoleOf(e: { VIGIL_MEMBER_ROLE_NAME: string; VIGIL_MEMBER_EXTERNAL_ID?: string | undefined }): { roleName: string; externalId?: string } {
  return { roleName: e.VIGIL_MEMBER_ROLE_NAME, ...(e.VIGIL_MEMBER_EXTERNAL_ID ? { externalId: e.VIGIL_MEMBER_EXTERNAL_ID } : {}) };
}

/** What every function that alerts on-call reads: where it runs, the alert topic, its dead-letter queue, the idempotency table, the params. */
const alertingVariables = {
  AWS_REGION: z.string().check(z.minLength(1)),
  VIGIL_ALERT_TOPIC_ARN: arn,
  /** Alerts SNS refused after every retry, and input vigil cannot read, go here. */
  VIGIL_DLQ_URL: z.url(),
  VIGIL_IDEMPOTENCY_TABLE: z.string().check(z.minLength(3)),
  VIGIL_PARAMS: z.optional(z.string()),
};

interface AlertingSettings {
  region: string;
  topicArn: string;
  dlqUrl: string;
  idempotencyTable: string;
  params: ControlParams;
}

function alertingOf(e: { AWS_REGION: string; VIGIL_ALERT_TOPIC_ARN: string; VIGIL_DLQ_URL: string; VIGIL_IDEMPOTENCY_TABLE: string; VIGIL_PARAMS?: string | undefined }): AlertingSettings {
  return { region: e.AWS_REGION, topicArn: e.VIGIL_ALERT_TOPIC_ARN, dlqUrl: e.VIGIL_DLQ_URL, idempotencyTable: e.VIGIL_IDEMPOTENCY_TABLE, params: paramsFromEnv(e.VIGIL_PARAMS) };
}

const onEventSettingsSchema = z.object({
  ...alertingVariables,
  VIGIL_EVENT_BUS: z._default(z.string().check(z.minLength(1)), 'default'),
  VIGIL_REMEDIATION: flag,
  /** The state store's table; without it every function starts from nothing (and alerts say a failure may be old). */
  VIGIL_STATE_TABLE: z.optional(z.string().check(z.minLength(3))),
  ...memberRoleVariables,
});

export interface OnEventSettings extends AlertingSettings {
  eventBus: string;
  remediation: boolean;
  stateTable?: string;
  /** The member role an event of another account is read through (its own account's events need none). */
  memberRole: { roleName: string; externalId?: string };
}

export function onEventSettings(env: Record<string, string | undefined>): OnEventSettings {
  const e = settingsOf(onEventSettingsSchema, env);
  return {
    ...alertingOf(e),
    eventBus: e.VIGIL_EVENT_BUS,
    remediation: e.VIGIL_REMEDIATION === 'true',
    ...(e.VIGIL_STATE_TABLE ? { stateTable: e.VIGIL_STATE_TABLE } : {}),
    memberRole: memberRoleOf(e),
  };
}

const configRuleSettingsSchema = z.object({
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  VIGIL_PARAMS: z.optional(z.string()),
  VIGIL_CONFIG_TEST_MODE: flag,
});

export interface ConfigRuleSettings {
  region: string;
  /** The same params document the sweep and the event Lambda read: the Config console cannot contradict them. */
  params: ControlParams;
  testMode: boolean;
}

export function configRuleSettings(env: Record<string, string | undefined>): ConfigRuleSettings {
  const e = settingsOf(configRuleSettingsSchema, env);
  return { region: e.AWS_REGION, params: paramsFromEnv(e.VIGIL_PARAMS), testMode: e.VIGIL_CONFIG_TEST_MODE === 'true' };
}

/** VIGIL_PARAMS, the one params document every vigil Lambda reads (the deploy parameter `params`). */
export function paramsFromEnv(text: string | undefined): ControlParams {
  if (!text?.trim()) return DEFAULT_PARAMS;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SettingsError('environment.VIGIL_PARAMS', 'not JSON');
  }
  return parseParams(value, 'environment.VIGIL_PARAMS');
}

const auditSettingsSchema = z.object({
  ...alertingVariables,
  VIGIL_STATE_TABLE: z.string().check(z.minLength(3)),
  /** How long the list of honeytokens (ListSecrets by tag) is kept before it is read again. */
  VIGIL_HONEYTOKEN_REFRESH_SECONDS: z._default(z.coerce.number().check(z.gte(0)), 300),
});

export interface AuditSettings extends AlertingSettings {
  stateTable: string;
  honeytokenRefreshMs: number;
}

export function auditSettings(env: Record<string, string | undefined>): AuditSettings {
  const e = settingsOf(auditSettingsSchema, env);
  return {
    ...alertingOf(e),
    stateTable: e.VIGIL_STATE_TABLE,
    honeytokenRefreshMs: e.VIGIL_HONEYTOKEN_REFRESH_SECONDS * 1000,
  };
}
