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

/** The name a secret id calls its secret by, and for an ARN its account and region. */
export interface CalledName {
  name: string;
  /** Set for an ARN (partial or full); a name belongs to the account and region of the read. */
  account?: string;
  region?: string;
}

/**
 * The name a secret id calls its secret by: a name as it is; an ARN's name as written after `secret:`. An id that is not
 * the full ARN of a secret is, as Secrets Manager reads it, a partial ARN of the name as written, even one that ends like a
 * suffix (prod/stripe-secret): never the secret of the name without it, whose full ARN has another suffix. Undefined for an
 * ARN of no secret.
 */
export function calledName(secretId: string): CalledName | undefined {
  if (!secretId.startsWith('arn:')) return { name: secretId };
  const partial = SECRET_ID_ARN.exec(secretId);
  if (!partial) return undefined;
  return { name: partial[3] as string, account: partial[2] as string, region: partial[1] as string };
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
      honeytokenNames.add(`${s.account}:${s.region}:${s.name}`);
    }
  }
  let last: { account: string; region: string; names: Map<string, string> | undefined } = { account: '', region: '', names: undefined };
  return {
    resolve(secretId, account, region) {
      if (arns.has(secretId)) return secretId;
      if (secretId.startsWith('arn:')) {
        const called = calledName(secretId);
        return called && byScope.get(`${called.account}:${called.region}`)?.get(called.name);
      }
      // Reads of one batch come mostly from one account and region: its names are looked up without building a key.
      if (account !== last.account || region !== last.region) last = { account, region, names: byScope.get(`${account}:${region}`) };
      return last.names?.get(secretId);
    },
    // A name as called, in the account and region of the read: a read by name of an unresolved decoy still counts, and
    // another account's secret of a decoy's name is not one.
    isHoneytoken: (secret, account, region) => honeytokens.has(secret) || honeytokenNames.has(`${account}:${region}:${secret}`),
  };
}
