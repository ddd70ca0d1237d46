import type { KeyRef } from '../events/index.js';
import type { SecretState } from '../inventory/state.js';

/** Every name a key reference can go by: the full ARN, the key id (UUID or mrk-…), an alias, an alias ARN's alias. */
function names(reference: string | null | undefined): string[] {
  if (!reference) return [];
  const out = [reference];
  const arn = /^arn:[^:]+:kms:[^:]+:\d{12}:(key|alias)\/(.+)$/.exec(reference);
  if (arn) out.push(arn[1] === 'key' ? (arn[2] as string) : `alias/${arn[2]}`);
  return out;
}

/** True when the secret is encrypted under the key the event names. Multi-Region keys match by their mrk- id in any region. */
export function protectedBy(secret: SecretState, key: KeyRef, aliases: readonly string[] = []): boolean {
  const keyNames = new Set([...names(key.arn), ...names(key.id), ...names(key.alias), ...names(key.given), ...aliases]);
  const secretNames = [...names(secret.kmsKeyId), ...names(secret.kmsKey?.arn)];
  return secretNames.some((n) => keyNames.has(n));
}
