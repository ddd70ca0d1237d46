import { looksLikeFullSecretArn, secretNameFromArn } from '../events/references.js';
import type { SecretDirectory } from './detect.js';

export const HONEYTOKEN_TAG = 'vigil:honeytoken';

/** A secret as the directory needs it: from a snapshot, the state store, or ListSecrets. */
export interface KnownSecret {
  arn: string;
  name: string;
  account: string;
  region: string;
  tags: Record<string, string>;
}

export function isHoneytokenSecret(secret: Pick<KnownSecret, 'tags'>): boolean {
  return secret.tags[HONEYTOKEN_TAG]?.toLowerCase() === 'true';
}

const SECRET_ID_ARN = /^arn:[^:]+:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;

/** What a secret id may name: the names to try, in order, and for an ARN its account and region. */
export interface CalledNames {
  names: string[];
  /** Set for an ARN (partial or full); a name belongs to the account and region of the read. */
  account?: string;
  region?: string;
}

/**
 * The names a secret id calls its secret by: a name as it is; a partial ARN's name. A name may itself end in a hyphen and
 * six letters (prod/stripe-secret), so a partial ARN of it looks like a full ARN of prod/stripe: the name as written is
 * tried first, then without the would-be suffix. Undefined for an ARN of no secret.
 */
export function calledNames(secretId: string): CalledNames | undefined {
  if (!secretId.startsWith('arn:')) return { names: [secretId] };
  const partial = SECRET_ID_ARN.exec(secretId);
  if (!partial) return undefined;
  const asWritten = partial[3] as string;
  const withoutSuffix = looksLikeFullSecretArn(secretId) ? secretNameFromArn(secretId) : undefined;
  return { names: withoutSuffix === undefined ? [asWritten] : [asWritten, withoutSuffix], account: partial[2] as string, region: partial[1] as string };
}

/** Resolves names and partial ARNs to the ARNs of known secrets; a secret vigil does not know stays as called. */
export function secretDirectory(secrets: Iterable<KnownSecret>): SecretDirectory {
  // account:region -> name -> ARN: a read names its secret as the application calls it, resolved by two lookups.
  const byScope = new Map<string, Map<string, string>>();
  const arns = new Set<string>();
  const honeytokens = new Set<string>();
  const honeytokenNames = new Set<string>();
  const scope = (account: string, region: string) => {
    const key = `${account}:${region}`;
    let names = byScope.get(key);
    if (!names) byScope.set(key, (names = new Map()));
    return names;
  };
  for (const s of secrets) {
    scope(s.account, s.region).set(s.name, s.arn);
    arns.add(s.arn);
    if (isHoneytokenSecret(s)) {
      honeytokens.add(s.arn);
      honeytokenNames.add(s.name);
    }
  }
  let last: { account: string; region: string; names: Map<string, string> | undefined } = { account: '', region: '', names: undefined };
  return {
    resolve(secretId, account, region) {
      if (arns.has(secretId)) return secretId;
      if (secretId.startsWith('arn:')) {
        const called = calledNames(secretId);
        if (!called) return undefined;
        const names = byScope.get(`${called.account}:${called.region}`);
        return names && called.names.map((name) => names.get(name)).find((arn) => arn !== undefined);
      }
      // Reads of one batch come mostly from one account and region: its names are looked up without building a key.
      if (account !== last.account || region !== last.region) last = { account, region, names: byScope.get(`${account}:${region}`) };
      return last.names?.get(secretId);
    },
    // A name as called: honeytokens are matched by name too, so a read by name of an unresolved decoy still counts.
    isHoneytoken: (secret) => honeytokens.has(secret) || honeytokenNames.has(secret),
  };
}
