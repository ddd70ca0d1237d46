import { learned, outsideVpc, type AuditParams, type SecretRead, type Signal } from './signal.js';

/** `new-network-path` (MEDIUM): a secret read only through VPC endpoints for its learning period is read from outside one. */
export function newNetworkPath(r: SecretRead, params: Pick<AuditParams, 'learningDays'>): Signal | undefined {
  if (r.watch.readOutsideVpc || !outsideVpc(r.read) || !learned(r, params)) return undefined;
  return { kind: 'new-network-path', key: r.secret, severity: 'MEDIUM', secrets: [r.secret] };
}
