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

const PARTIAL_ARN = /^arn:[^:]+:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;

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
        const partial = PARTIAL_ARN.exec(secretId);
        if (!partial) return undefined;
        const names = byScope.get(`${partial[2]}:${partial[1]}`);
        // A name may itself end in a hyphen and six letters (prod/stripe-secret): a partial ARN of it looks like a full
        // ARN of prod/stripe. The name as written is tried first, then without the would-be suffix.
        return names?.get(partial[3] as string) ?? (looksLikeFullSecretArn(secretId) ? names?.get(secretNameFromArn(secretId) ?? '') : undefined);
      }
      // Reads of one batch come mostly from one account and region: its names are looked up without building a key.
      if (account !== last.account || region !== last.region) last = { account, region, names: byScope.get(`${account}:${region}`) };
      return last.names?.get(secretId);
    },
    // A name as called: honeytokens are matched by name too, so a read by name of an unresolved decoy still counts.
    isHoneytoken: (secret) => honeytokens.has(secret) || honeytokenNames.has(secret),
  };
}
