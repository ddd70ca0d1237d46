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
  const byName = new Map<string, string>();
  const arns = new Set<string>();
  const honeytokens = new Set<string>();
  for (const s of secrets) {
    byName.set(`${s.account}:${s.region}:${s.name}`, s.arn);
    arns.add(s.arn);
    if (isHoneytokenSecret(s)) {
      honeytokens.add(s.arn);
      honeytokens.add(`${s.account}:${s.region}:${s.name}`);
    }
  }
  return {
    resolve(secretId, account, region) {
      if (arns.has(secretId)) return secretId;
      const partial = PARTIAL_ARN.exec(secretId);
      if (partial) {
        const name = looksLikeFullSecretArn(secretId) ? (secretNameFromArn(secretId) ?? partial[3]) : partial[3];
        return byName.get(`${partial[2]}:${partial[1]}:${name}`);
      }
      return byName.get(`${account}:${region}:${secretId}`);
    },
    isHoneytoken(secret) {
      if (honeytokens.has(secret)) return true;
      // A name as called: honeytokens are matched by name too, so a read by name of an unresolved decoy still counts.
      for (const key of honeytokens) if (!key.startsWith('arn:') && key.endsWith(`:${secret}`)) return true;
      return false;
    },
  };
}
