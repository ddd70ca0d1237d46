import { learned, newAccountOf, type AuditParams, type SecretRead, type Signal } from './signal.js';

/**
 * `new-reader` (MEDIUM): a principal reads a secret it never read before, once the secret's learning period is over. A
 * reader of an account new to the secret is a `new-reader-account` instead.
 */
export function newReader(r: SecretRead, params: Pick<AuditParams, 'learningDays'>): Signal | undefined {
  if (r.everRead || newAccountOf(r) !== undefined || !learned(r, params)) return undefined;
  return { kind: 'new-reader', key: r.read.principal, severity: 'MEDIUM', secrets: [r.secret] };
}
