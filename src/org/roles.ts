import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsOptions } from '../aws/clients.js';
import { memberRoleArn } from './units.js';

export interface MemberRole {
  roleName: string;
  /** The ExternalId the member role's trust policy requires, when it requires one. */
  externalId?: string;
  partition?: string;
}

/** Why a unit cannot be read at all: about that account (its role), not a fault of the sweep. */
export class MemberAccessError extends Error {
  override readonly name: string = 'MemberAccessError';
  constructor(
    readonly account: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`account ${account}: ${reason}`, options);
  }
}

// What AWS answers when the caller may not do something: the role is missing, its trust policy refuses vigil, an SCP denies.
const REFUSALS = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'InvalidClientTokenId', 'ExpiredToken', 'RegionDisabledException']);

export function isRefusal(error: unknown): boolean {
  return error instanceof Error && REFUSALS.has(error.name);
}

/**
 * Credentials inside a member account. The own account needs none (the caller's credentials already are there).
 * A refusal becomes a MemberAccessError naming the role; anything else (throttling, network) is rethrown to be retried.
 */
export async function memberAccountAws(base: Omit<AwsOptions, 'region'>, sts: STSClient, account: string, ownAccount: string | undefined, role: MemberRole, now: () => number): Promise<Omit<AwsOptions, 'region'>> {
  if (account === ownAccount) return base;
  const roleArn = memberRoleArn(account, role.roleName, role.partition);
  // STS loads on the first member account: the event Lambda's own account's events never need it.
  const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  try {
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `vigil-sweep-${Math.floor(now())}`, DurationSeconds: 3600, ...(role.externalId ? { ExternalId: role.externalId } : {}) }),
    );
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new MemberAccessError(account, `sts:AssumeRole on ${roleArn} returned no credentials`);
    const { profile: _own, ...rest } = base;
    return { ...rest, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), ...(c.Expiration ? { expiration: c.Expiration } : {}) } };
  } catch (error) {
    if (error instanceof MemberAccessError) throw error;
    if (isRefusal(error)) throw new MemberAccessError(account, `${(error as Error).name} on sts:AssumeRole ${roleArn}: ${(error as Error).message}`.slice(0, 400), { cause: error });
    throw error;
  }
}

/** The account id in an ARN (`arn:partition:service:region:account:…`); undefined when it has none. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * Member-account credentials for a long-lived function: one AssumeRole per account, kept until five minutes before they
 * expire, so a burst of an account's events costs one STS call, not one per event.
 */
export function memberCredentials(base: Omit<AwsOptions, 'region'>, sts: () => Promise<STSClient>, ownAccount: string | undefined, role: MemberRole, now: () => number) {
  const kept = new Map<string, { aws: Omit<AwsOptions, 'region'>; until: number }>();
  return async (account: string): Promise<Omit<AwsOptions, 'region'>> => {
    if (account === ownAccount) return base;
    const cached = kept.get(account);
    if (cached && cached.until > now()) return cached.aws;
    const aws = await memberAccountAws(base, await sts(), account, ownAccount, role, now);
    const expires = aws.credentials?.expiration ? aws.credentials.expiration.getTime() / 1000 : now() + 3600;
    kept.set(account, { aws, until: expires - 300 });
    return aws;
  };
}
