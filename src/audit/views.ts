import { mergeReader } from './detect.js';
import { readerKey, type AuditState, type ReaderBaseline, type ReaderView } from './types.js';

/** Every reader of an in-memory state, with reads not yet written folded in. */
export function readerViews(state: AuditState): ReaderView[] {
  const all = new Map(state.readers);
  for (const window of state.windows.values()) {
    for (const [secret, pending] of Object.entries(window.pending)) {
      const key = readerKey(secret, window.principal);
      all.set(key, mergeReader(all.get(key), pending, secret, window.principal));
    }
  }
  return viewsOf([...all.values()]);
}

/** Readers as `vigil audit` prints them, by secret then principal. */
export function viewsOf(readers: readonly ReaderBaseline[]): ReaderView[] {
  return [...readers].sort((a, b) => (a.secretArn === b.secretArn ? (a.principal < b.principal ? -1 : 1) : a.secretArn < b.secretArn ? -1 : 1)).map(readerView);
}

/** One reader in DESIGN.md's shape: times as ISO-8601. */
export function readerView(r: ReaderBaseline): ReaderView {
  return {
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
  };
}
