import * as z from 'zod/mini';
import { list, memberRoleOf, memberRoleVariables, paramsFromEnv, settingsOf } from '../aws/settings.js';
import type { ControlParams } from '../controls/params.js';
import { parseAccountList, planUnits } from './units.js';

const arn = z.string().check(z.startsWith('arn:'));

const orgSettingsSchema = z.object({
  AWS_REGION: z.string().check(z.minLength(1)),
  VIGIL_REPORT_BUCKET: z.string().check(z.minLength(3)),
  VIGIL_ALERT_TOPIC_ARN: arn,
  VIGIL_STATE_TABLE: z.string().check(z.minLength(3)),
  /** The queue of units (one message per account × region). */
  VIGIL_ORG_QUEUE_URL: z.optional(z.url()),
  /** Accounts to sweep, comma-separated; empty: every ACTIVE account of the organisation (ListAccounts). */
  VIGIL_ORG_ACCOUNTS: z._default(z.string(), ''),
  /** Regions to sweep in every account; default the function's own. */
  VIGIL_REGIONS: list,
  ...memberRoleVariables,
  VIGIL_PARAMS: z.optional(z.string()),
  VIGIL_POLICY_RATE: z.optional(z.coerce.number().check(z.positive())),
});

export interface OrgSettings {
  region: string;
  bucket: string;
  topicArn: string;
  table: string;
  queueUrl?: string;
  /** Undefined: the organisation's accounts. */
  accounts?: string[];
  regions: string[];
  roleName: string;
  externalId?: string;
  params: ControlParams;
  policyRate?: number;
}

export function orgSettings(env: Record<string, string | undefined>): OrgSettings {
  const e = settingsOf(orgSettingsSchema, env);
  const regions = e.VIGIL_REGIONS.length ? e.VIGIL_REGIONS : [e.AWS_REGION];
  planUnits(['000000000000'], regions, 'environment.VIGIL_REGIONS');
  return {
    region: e.AWS_REGION,
    bucket: e.VIGIL_REPORT_BUCKET,
    topicArn: e.VIGIL_ALERT_TOPIC_ARN,
    table: e.VIGIL_STATE_TABLE,
    ...(e.VIGIL_ORG_QUEUE_URL ? { queueUrl: e.VIGIL_ORG_QUEUE_URL } : {}),
    ...(e.VIGIL_ORG_ACCOUNTS.trim() ? { accounts: parseAccountList(e.VIGIL_ORG_ACCOUNTS, 'environment.VIGIL_ORG_ACCOUNTS') } : {}),
    regions,
    ...memberRoleOf(e),
    params: paramsFromEnv(e.VIGIL_PARAMS),
    ...(e.VIGIL_POLICY_RATE ? { policyRate: e.VIGIL_POLICY_RATE } : {}),
  };
}
