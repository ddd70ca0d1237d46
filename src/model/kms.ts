/**
 * Every name a KMS key reference can go by: the reference itself, and from an ARN the key id (UUID or mrk-…) or the alias
 * (`alias/<name>`). A multi-Region key's mrk- id is the same in every Region, so it matches across Regions.
 */
export function kmsKeyNames(reference: string | null | undefined): string[] {
  if (!reference) return [];
  const out = [reference];
  const arn = /^arn:[^:]+:kms:[^:]+:\d{12}:(key|alias)\/(.+)$/.exec(reference);
  if (arn) out.push(arn[1] === 'key' ? (arn[2] as string) : `alias/${arn[2]}`);
  return out;
}

/**
 * The names a secret's key goes by, as far as the secret says: the key as the secret names it (ARN, id or alias) and the
 * key's ARN and id. A KMS event's key protects the secret when one of its names is among these; both key indexes (the
 * state store's and the offline replay's) file a secret under each.
 */
export function keyNamesOf(state: { kmsKeyId: string | null; kmsKey: { arn: string | null } | null }): string[] {
  return [...new Set([...kmsKeyNames(state.kmsKeyId), ...kmsKeyNames(state.kmsKey?.arn)])];
}
