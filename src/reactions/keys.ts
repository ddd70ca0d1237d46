import type { KeyRef } from '../events/index.js';
import type { SecretState } from '../model/index.js';

/** Every name a key reference can go by: the full ARN, the key id (UUID or mrk-…), an alias, an alias ARN's alias. */
function names(reference: string | null | undefined): string[] {
  if (!reference) return [];
  const out = [reference];
  const arn = /^arn:[^:]+:kms:[^:]+:\d{12}:(key|alias)\/(.+)$/.exec(reference);
  if (arn) out.push(arn[1] === 'key' ? (arn[2] as string) : `alias/${arn[2]}`);
  return out;
}

/** Every name the key an event names goes by (its ARN, id, alias, and the aliases KMS lists for it). */
export function keyNames(key: KeyRef, aliases: readonly string[] = []): ReadonlySet<string> {
  return new Set([...names(key.arn), ...names(key.id), ...names(key.alias), ...names(key.given), ...aliases]);
}

/** True when the secret is encrypted under a key of those names. Multi-Region keys match by their mrk- id in any region. */
export function protectedBy(secret: SecretState, keyNamesOfEvent: ReadonlySet<string>): boolean {
  return names(secret.kmsKeyId).some((n) => keyNamesOfEvent.has(n)) || names(secret.kmsKey?.arn).some((n) => keyNamesOfEvent.has(n));
}
