import type { ReadEvent } from '../types.js';
import type { Signal } from './signal.js';

/** `honeytoken-read` (CRITICAL): any read, allowed or denied, of a decoy. `decoys`: the secrets the read named that are honeytokens. */
export function honeytokenRead(read: ReadEvent, decoys: readonly string[]): Signal[] {
  return decoys.map((secret) => ({ kind: 'honeytoken-read', key: `${read.principal}#${secret}`, severity: 'CRITICAL', secrets: [secret] }));
}
