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
