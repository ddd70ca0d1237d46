// An independent model of DESIGN.md's resource-policy semantics, written from its text rather than from the Rego, so that
// a disagreement between the two on a generated statement exposes a bug in one of them.

type Json = unknown;
const asList = (v: Json): Json[] => (Array.isArray(v) ? v : [v]);
const ACCOUNT = /^\d{12}$/;
const ORG = /^o-[a-z0-9]{10,32}$/;
const hasWildcard = (s: string) => s.includes('*') || s.includes('?');

function accountOfPrincipal(value: Json): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (ACCOUNT.test(value)) return value;
  const parts = value.split(':');
  return value.startsWith('arn:') && parts.length >= 6 && ACCOUNT.test(parts[4] ?? '') ? parts[4] : undefined;
}

function unboundedPrincipal(s: Record<string, Json>): boolean {
  if (s['NotPrincipal'] !== undefined && s['NotPrincipal'] !== null) return true;
  const p = s['Principal'];
  if (p === '*') return true;
  if (typeof p !== 'object' || p === null) return false;
  return asList((p as Record<string, Json>)['AWS'] ?? []).some((v) => v === '*' || (typeof v === 'string' && v.split(':').length >= 6 && hasWildcard(v.split(':')[4] ?? '')));
}

function namedAccounts(s: Record<string, Json>): Set<string> {
  const p = s['Principal'];
  if (typeof p !== 'object' || p === null) return new Set();
  return new Set(asList((p as Record<string, Json>)['AWS'] ?? []).map(accountOfPrincipal).filter((a): a is string => a !== undefined));
}

interface Bound {
  accounts: Set<string>;
  orgs: Set<string>;
}

function positive(operator: string): boolean {
  if (operator.startsWith('ForAllValues:') || operator.endsWith('IfExists')) return false;
  const base = operator.replace(/^ForAnyValue:/, '').toLowerCase();
  return ['stringequals', 'stringequalsignorecase', 'stringlike', 'arnequals', 'arnlike'].includes(base);
}

function ipv4(text: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (bits > 32) return undefined;
  return [octets.reduce((a, o) => a * 256 + o, 0), bits];
}

function insidePrivate(value: Json): boolean {
  if (typeof value !== 'string') return false;
  const parsed = ipv4(value);
  if (!parsed) return false;
  const [address, bits] = parsed;
  return [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]].some(([base, size]) => {
    const [b] = ipv4(base as string) as [number, number];
    const block = 2 ** (32 - (size as number));
    return bits >= (size as number) && Math.floor(address / block) === Math.floor(b / block);
  });
}

/** The identity bounds (accounts or organisations) and whether the network bounds the statement, condition by condition. */
function bounds(s: Record<string, Json>): { identity: Bound[]; network: boolean } {
  const identity: Bound[] = [];
  let network = false;
  const condition = s['Condition'];
  if (typeof condition !== 'object' || condition === null) return { identity, network };
  for (const [operator, entries] of Object.entries(condition as Record<string, Json>)) {
    if (typeof entries !== 'object' || entries === null) continue;
    for (const [rawKey, rawValues] of Object.entries(entries as Record<string, Json>)) {
      const key = rawKey.toLowerCase();
      const values = asList(rawValues);
      const strings = values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
      if (key === 'aws:sourceip' && operator.toLowerCase() === 'ipaddress' && values.every(insidePrivate)) network = true;
      if (!positive(operator) || !strings) continue;
      if (['aws:sourcevpc', 'aws:sourcevpce'].includes(key) && strings.every((v) => !hasWildcard(v) && /^vpce?-[0-9a-f]+$/.test(v))) network = true;
      if (['aws:principalaccount', 'aws:sourceaccount', 'aws:sourceowner'].includes(key) && strings.every((v) => ACCOUNT.test(v))) identity.push({ accounts: new Set(strings), orgs: new Set() });
      if (['aws:principalorgid', 'aws:sourceorgid'].includes(key) && strings.every((v) => ORG.test(v))) identity.push({ accounts: new Set(), orgs: new Set(strings) });
      if (['aws:principalorgpaths', 'aws:sourceorgpaths'].includes(key) && strings.every((v) => /^o-[a-z0-9]{10,32}\//.test(v))) identity.push({ accounts: new Set(), orgs: new Set(strings.map((v) => v.split('/')[0] as string)) });
      if (['aws:principalarn', 'aws:sourcearn'].includes(key) && strings.every((v) => accountOfPrincipal(v) !== undefined && v.startsWith('arn:'))) identity.push({ accounts: new Set(strings.map((v) => accountOfPrincipal(v) as string)), orgs: new Set() });
    }
  }
  return { identity, network };
}

export interface ModelVerdict {
  public: boolean;
  untrusted: boolean;
}

/** DESIGN.md's verdict on a policy document for a secret of `own` account, given the trusted accounts and organisations. */
export function modelVerdict(document: Record<string, Json>, own: string, trustedAccounts: string[], trustedOrgs: string[]): ModelVerdict {
  const accounts = new Set([own, ...trustedAccounts]);
  const orgs = new Set(trustedOrgs);
  let isPublic = false;
  let untrusted = false;
  for (const raw of asList(document['Statement'])) {
    const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, Json>;
    if (s['Effect'] !== 'Allow') continue;
    const unbounded = unboundedPrincipal(s);
    const { identity, network } = bounds(s);
    if (unbounded && identity.length === 0 && !network) isPublic = true;
    const trustedBound = identity.some((b) => [...b.accounts].every((a) => accounts.has(a)) && [...b.orgs].every((o) => orgs.has(o)));
    const trustedPrincipals = !unbounded && [...namedAccounts(s)].every((a) => accounts.has(a));
    const networkOnly = unbounded && identity.length === 0 && network;
    if (!(trustedPrincipals || trustedBound || networkOnly)) untrusted = true;
  }
  return { public: isPublic, untrusted };
}
