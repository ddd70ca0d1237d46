import { InputError } from '../events/errors.js';
import { mergeReader } from './detect.js';
import { emptyAuditState, readerKey, type AuditState, type PrincipalWindow, type ReaderBaseline, type ReaderView, type SecretWatch } from './types.js';

// The CLI's state file (`--state FILE`) is one JSON document shared with the rest of vigil's state; the audit keeps its
// baselines under "audit" and leaves every other key as it found it.

export class AuditStateError extends InputError {
  override readonly name: string = 'AuditStateError';
}

interface AuditStateDocument {
  version: 1;
  readers: ReaderBaseline[];
  secrets: SecretWatch[];
  windows: PrincipalWindow[];
}

/** The audit's part of a state document (its text), or an empty state when the document has none. */
export function parseAuditState(text: string, where: string): { state: AuditState; document: Record<string, unknown> } {
  let document: unknown;
  try {
    document = text.trim() === '' ? {} : JSON.parse(text);
  } catch (cause) {
    throw new AuditStateError(where, `not JSON (${(cause as Error).message})`, { cause });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new AuditStateError(where, 'expected a JSON object');
  const audit = (document as Record<string, unknown>)['audit'];
  const state = emptyAuditState();
  if (audit === undefined) return { state, document: document as Record<string, unknown> };
  const doc = audit as Partial<AuditStateDocument>;
  if (typeof audit !== 'object' || audit === null || doc.version !== 1 || !Array.isArray(doc.readers) || !Array.isArray(doc.secrets) || !Array.isArray(doc.windows)) {
    throw new AuditStateError(`${where}: audit`, 'expected {"version": 1, "readers": [...], "secrets": [...], "windows": [...]}');
  }
  doc.readers.forEach((r, i) => {
    if (typeof r?.secretArn !== 'string' || typeof r.principal !== 'string' || typeof r.reads !== 'number' || typeof r.lastSeen !== 'number') throw new AuditStateError(`${where}: audit.readers[${i}]`, 'expected a reader baseline');
    state.readers.set(readerKey(r.secretArn, r.principal), r);
  });
  doc.secrets.forEach((s, i) => {
    if (typeof s?.secretArn !== 'string' || typeof s.firstRead !== 'number') throw new AuditStateError(`${where}: audit.secrets[${i}]`, 'expected a secret watch');
    state.secrets.set(s.secretArn, s);
  });
  doc.windows.forEach((w, i) => {
    if (typeof w?.principal !== 'string' || typeof w.reads !== 'object' || typeof w.pending !== 'object') throw new AuditStateError(`${where}: audit.windows[${i}]`, 'expected a principal window');
    state.windows.set(w.principal, w);
  });
  return { state, document: document as Record<string, unknown> };
}

export function renderAuditState(state: AuditState, document: Record<string, unknown>): string {
  const audit: AuditStateDocument = { version: 1, readers: [...state.readers.values()], secrets: [...state.secrets.values()], windows: [...state.windows.values()] };
  return `${JSON.stringify({ ...document, audit })}\n`;
}

/** Every reader, with reads not yet written folded in, as `vigil audit` prints them: by secret, then principal. */
export function readerViews(state: AuditState): ReaderView[] {
  const all = new Map(state.readers);
  for (const window of state.windows.values()) {
    for (const [secret, pending] of Object.entries(window.pending)) {
      const key = readerKey(secret, window.principal);
      all.set(key, mergeReader(all.get(key), pending, secret, window.principal));
    }
  }
  return [...all.values()]
    .sort((a, b) => (a.secretArn === b.secretArn ? (a.principal < b.principal ? -1 : 1) : a.secretArn < b.secretArn ? -1 : 1))
    .map(
      (r): ReaderView => ({
        secretArn: r.secretArn,
        principal: r.principal,
        ...(r.principalAccount !== undefined ? { principalAccount: r.principalAccount } : {}),
        firstSeen: new Date(r.firstSeen).toISOString(),
        lastSeen: new Date(r.lastSeen).toISOString(),
        reads: r.reads,
        denied: r.denied,
        sourceIps: r.sourceIps,
        vpcEndpoints: r.vpcEndpoints,
        userAgents: r.userAgents,
      }),
    );
}
