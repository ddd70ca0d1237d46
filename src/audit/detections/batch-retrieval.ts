import type { ReadEvent } from '../types.js';
import type { AuditParams, Signal } from './signal.js';

/**
 * `batch-retrieval`: BatchGetSecretValue by filters (HIGH when a filter is negated or there is none: the record does not say
 * which secrets came back), or by a list of `bulkSecrets` or more (MEDIUM). `secrets`: the list, resolved.
 */
export function batchRetrieval(read: ReadEvent, secrets: readonly string[], params: Pick<AuditParams, 'bulkSecrets'>): Signal | undefined {
  if (read.secretIds.length === 0) {
    const filters = read.filters ?? [];
    const negated = filters.some((f) => f.values.some((v) => v.startsWith('!')));
    return { kind: 'batch-retrieval', key: read.principal, severity: negated || !filters.length ? 'HIGH' : 'MEDIUM', secrets: [], filters };
  }
  if (secrets.length >= params.bulkSecrets) return { kind: 'batch-retrieval', key: read.principal, severity: 'MEDIUM', secrets };
  return undefined;
}
