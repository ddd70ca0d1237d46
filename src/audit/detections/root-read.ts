import type { SecretRead, Signal } from './signal.js';

/** `root-read` (HIGH): the account's root user read a secret. */
export function rootRead({ read, secret }: SecretRead): Signal | undefined {
  return read.principalType === 'Root' ? { kind: 'root-read', key: read.principal, severity: 'HIGH', secrets: [secret] } : undefined;
}
