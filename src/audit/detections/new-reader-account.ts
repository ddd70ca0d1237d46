import { newAccountOf, type SecretRead, type Signal } from './signal.js';

/**
 * `new-reader-account` (HIGH; MEDIUM for a trusted account): an account other than the secret's own, never seen reading it
 * before, reads it. No learning period. `trusts(owner, reader)`: whether the secret's account trusts the reader's.
 */
export function newReaderAccount(r: SecretRead, trusts: (owner: string, reader: string) => boolean): Signal | undefined {
  const account = newAccountOf(r);
  if (account === undefined) return undefined;
  return { kind: 'new-reader-account', key: r.read.principal, severity: trusts(r.ownAccount, account) ? 'MEDIUM' : 'HIGH', secrets: [r.secret] };
}
