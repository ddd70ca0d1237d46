import type { KeyRef } from '../events/index.js';
import { keyNamesOf, kmsKeyNames as names, type SecretState } from '../model/index.js';

/** KMS calls that leave the secrets under a key unreadable: each alerts on-call, naming the secrets. */
export const KEY_PROBLEM_CALLS: readonly string[] = ['ScheduleKeyDeletion', 'DisableKey', 'DeleteImportedKeyMaterial'];

/** Every name the key an event names goes by (its ARN, id, alias, and the aliases KMS lists for it). */
export function keyNames(key: KeyRef, aliases: readonly string[] = []): ReadonlySet<string> {
  return new Set([...names(key.arn), ...names(key.id), ...names(key.alias), ...names(key.given), ...aliases]);
}

/** True when the secret is encrypted under a key of those names. Multi-Region keys match by their mrk- id in any region. */
export function protectedBy(secret: Pick<SecretState, 'kmsKeyId' | 'kmsKey'>, keyNamesOfEvent: ReadonlySet<string>): boolean {
  return keyNamesOf(secret).some((n) => keyNamesOfEvent.has(n));
}
