import * as z from 'zod/mini';
import { InputError } from '../events/index.js';

// How AWS names a key: its ARN, its id (a UUID, or mrk-… for a multi-Region key), an alias name, or an alias ARN.
const KEY_ID = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
const ALIAS = 'alias/[A-Za-z0-9/_-]{1,250}';
const KMS_KEY_REFERENCE = new RegExp(`^(?:${KEY_ID}|${ALIAS}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(?:key/${KEY_ID}|${ALIAS}))$`);

/** Control parameters: thresholds and trust lists. Every field is optional; the defaults are DESIGN.md's. */
const nonEmptyStrings = z._default(z.array(z.string().check(z.minLength(1))), []);

export const paramsSchema = z.prefault(
  z.strictObject({
    /** rotation-enabled: longest allowed rotation interval in days; unset means any interval passes. */
    maxRotationIntervalDays: z._default(z.nullable(z.number().check(z.positive())), null),
    /** rotation-succeeding: hours past the rotation window before a rotation counts as overdue. */
    graceHours: z._default(z.number().check(z.gte(0)), 24),
    /** rotated-within-period: days a secret may go without rotating. */
    maxDaysSinceRotation: z._default(z.int().check(z.positive()), 90),
    /** unused: days a secret may go without being read. */
    unusedForDays: z._default(z.int().check(z.positive()), 90),
    /** customer-managed-key: when non-empty, the only KMS keys (ARNs or aliases) secrets may use. */
    allowedKmsKeyArns: z._default(
      z.array(z.string().check(z.regex(KMS_KEY_REFERENCE, 'expected a KMS key ARN, a key id, an alias name (alias/...) or an alias ARN'))),
      [],
    ),
    /** no-untrusted-cross-account: accounts besides the secret's own that may be granted access. */
    trustedAccounts: z._default(z.array(z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account ID as a string'))), []),
    /** no-untrusted-cross-account: AWS Organizations whose accounts may be granted access. */
    trustedOrgIds: z._default(z.array(z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, 'expected an organisation ID such as o-a1b2c3d4e5'))), []),
    /** Exemptions: the longest a `vigil:exempt:` tag may run from now; one that runs longer is unusable, and ignored. */
    maxExemptionDays: z._default(z.int().check(z.positive()), 365),
    /** Exemptions: whether a CRITICAL control may be exempted at all; when false, such an exemption is ignored and the finding says so. */
    allowCriticalExemptions: z._default(z.boolean(), false),
    /** no-untrusted-replica: accounts known to belong to an organisation (account ID -> o-...); one in a trustedOrgIds organisation is trusted. */
    accountOrgIds: z._default(
      z.record(
        z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account ID as a string')),
        z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, 'expected an organisation ID such as o-a1b2c3d4e5')),
      ),
      {},
    ),
    /** required-tags: tag keys every secret must carry; empty makes the control NOT_APPLICABLE. */
    requiredTagKeys: nonEmptyStrings,
    /** access audit, bulk-retrieval and batch-retrieval: distinct secrets one principal may read within the window. */
    bulkSecrets: z._default(z.int().check(z.gte(2)), 10),
    /** access audit: the sliding window of bulk-retrieval and access-denied-probing, in minutes. */
    bulkWindowMinutes: z._default(z.number().check(z.positive()), 10),
    /** access audit, access-denied-probing: distinct secrets one principal may be denied within the window. */
    probeSecrets: z._default(z.int().check(z.gte(2)), 5),
    /** access audit, new-reader and new-network-path: days vigil watches a secret's reads before it judges a new one. */
    learningDays: z._default(z.number().check(z.gte(0)), 14),
    /** access report: days of reads a sweep's report lists; a reader last seen before that is not listed. */
    accessReportDays: z._default(z.int().check(z.positive()), 90),
    /**
     * Organisations: parameters of one account that differ from the rest, by 12-digit account id. Each entry holds only the
     * parameters it changes (a list replaces the whole list); a secret of that account is judged with them, wherever it is
     * judged (sweep, organisation sweep, event Lambda, Config rule, CLI).
     */
    accounts: z._default(z.record(z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account ID as the key')), z.record(z.string(), z.unknown())), {}),
  }),
  {},
);

type ParsedParams = z.output<typeof paramsSchema>;
/** The parameters of every account, as one account's secrets are judged with them. */
export type AccountParams = Omit<ParsedParams, 'accounts'>;
export type ControlParams = AccountParams & { accounts: Readonly<Record<string, Partial<AccountParams>>> };

export const DEFAULT_PARAMS: ControlParams = paramsSchema.parse(undefined) as ControlParams;

export class ParamsError extends InputError {
  override readonly name: string = 'ParamsError';
}

/** A validated params document; `where` names its source in errors (`params.json: trustedAccounts[0]: …`). */
export function parseParams(input: unknown, where = 'params'): ControlParams {
  const result = paramsSchema.safeParse(input);
  if (!result.success) throw paramsError(result.error, where);
  const accounts: Record<string, Partial<AccountParams>> = {};
  for (const [account, given] of Object.entries(result.data.accounts)) {
    const at = `${where}.accounts.${account}`;
    if (Object.hasOwn(given, 'accounts')) throw new ParamsError(at, 'an account\'s parameters cannot hold "accounts" again');
    const checked = paramsSchema.safeParse(given);
    if (!checked.success) throw paramsError(checked.error, at);
    // Only what the entry names: an account inherits every parameter it does not set.
    accounts[account] = Object.fromEntries(Object.keys(given).map((name) => [name, (checked.data as Record<string, unknown>)[name]])) as Partial<AccountParams>;
  }
  return { ...result.data, accounts };
}

/** The parameters a secret of `account` is judged with: the document's, with that account's entry over them. */
export function paramsForAccount(params: ControlParams, account: string): ControlParams {
  const own = params.accounts[account];
  if (!own && Object.keys(params.accounts).length === 0) return params;
  return { ...params, ...own, accounts: {} };
}

function paramsError(error: z.core.$ZodError, where: string): ParamsError {
  const first = error.issues[0];
  // A record's bad key reports "Invalid key in record"; the key's own check says what was expected.
  const issue = first?.code === 'invalid_key' ? { ...first, message: first.issues[0]?.message ?? first.message } : first;
  const path = [where, ...(issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
  const problem = issue?.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.map((k) => `"${k}"`).join(', ')} (known: ${Object.keys(DEFAULT_PARAMS).join(', ')})` : (issue?.message ?? 'invalid').replace(/^Invalid input: /, '');
  return new ParamsError(path, problem, { cause: error });
}

/** A params file's text: JSON, validated. */
export function parseParamsText(text: string, where: string): ControlParams {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ParamsError(where, `not JSON (${(cause as Error).message})`, { cause });
  }
  return parseParams(value, where);
}
