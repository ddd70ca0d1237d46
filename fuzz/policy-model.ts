// An independent model of DESIGN.md's resource-policy semantics, written from its text rather than from the Rego, so that
// a disagreement between the two on a generated statement exposes a bug in one of them.

type Json = unknown;
type Statement = Record<string, Json>;
const asList = (v: Json): Json[] => (Array.isArray(v) ? v : [v]);
const ACCOUNT = /^\d{12}$/;
const ORG = /^o-[a-z0-9]{10,32}$/;
const hasWildcard = (s: string) => s.includes('*') || s.includes('?');
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** IAM reads an unquoted number as the string of its digits. */
const iamText = (v: Json): Json => (typeof v === 'number' ? JSON.stringify(v) : v);

/** The account of an ARN (its fifth colon-separated field), when that is an account ID. */
function arnAccount(value: Json): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('arn:')) return undefined;
  const parts = value.split(':');
  return parts.length >= 6 && ACCOUNT.test(parts[4] ?? '') ? parts[4] : undefined;
}

function accountOfPrincipal(value: Json): string | undefined {
  if (typeof value === 'string' && ACCOUNT.test(value)) return value;
  return arnAccount(value);
}

const principalValues = (s: Statement, key: string): Json[] => (isObject(s['Principal']) ? asList(s['Principal'][key] ?? []).map(iamText) : []);

function unboundedPrincipal(s: Statement): boolean {
  if (s['NotPrincipal'] !== undefined && s['NotPrincipal'] !== null) return true;
  const p = s['Principal'];
  if (p === '*') return true;
  if (!isObject(p)) return true; // nothing vigil can judge
  if (Object.keys(p).some((k) => !['AWS', 'Federated', 'CanonicalUser', 'Service'].includes(k))) return true;
  if (principalValues(s, 'AWS').some((v) => typeof v !== 'string' || hasWildcard(v))) return true;
  if (principalValues(s, 'Service').some((v) => typeof v !== 'string' || hasWildcard(v))) return true;
  // A web identity provider (accounts.google.com, cognito-identity.amazonaws.com) admits anyone who signs in to it.
  return principalValues(s, 'Federated').some((v) => arnAccount(v) === undefined);
}

function namedAccounts(s: Statement): Set<string> {
  return new Set([...principalValues(s, 'AWS'), ...principalValues(s, 'Federated')].map(accountOfPrincipal).filter((a): a is string => a !== undefined));
}

interface Bound {
  accounts: Set<string>;
  orgs: Set<string>;
  deny?: string;
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

/**
 * The account an ARN condition value pins: DESIGN.md's "with StringLike, a value bounds the account only when nothing
 * up to and including its account field is a wildcard; ArnLike compares field by field". A policy variable (`$`) up to
 * the account field is filled from the request, so it pins nothing either.
 */
function conditionArnAccount(value: string, operator: string): string | undefined {
  const like = operator.replace(/^ForAnyValue:/, '').toLowerCase() === 'stringlike';
  const field = like ? '[^:*?$]*' : '[^:$]*';
  const m = new RegExp(`^arn:${field}:${field}:${field}:(\\d{12}):`).exec(value);
  return m?.[1];
}

/** The accounts or organisations one positive condition bounds a statement to, or undefined when it bounds nothing. */
function identityBound(operator: string, key: string, values: Json[]): Bound | undefined {
  if (!positive(operator) || !values.every((v) => typeof v === 'string')) return undefined;
  const strings = values as string[];
  const bound = (accounts: string[], orgs: string[]): Bound => ({ accounts: new Set(accounts), orgs: new Set(orgs) });
  if (['aws:principalaccount', 'aws:sourceaccount', 'aws:sourceowner'].includes(key)) return strings.every((v) => ACCOUNT.test(v)) ? bound(strings, []) : undefined;
  if (['aws:principalorgid', 'aws:sourceorgid'].includes(key)) return strings.every((v) => ORG.test(v)) ? bound([], strings) : undefined;
  if (['aws:principalorgpaths', 'aws:sourceorgpaths'].includes(key)) return strings.every((v) => /^o-[a-z0-9]{10,32}\//.test(v)) ? bound([], strings.map((v) => v.split('/')[0] as string)) : undefined;
  if (['aws:principalarn', 'aws:sourcearn'].includes(key)) {
    const accounts = strings.map((v) => conditionArnAccount(v, operator));
    return accounts.every((a) => a !== undefined) ? bound(accounts as string[], []) : undefined;
  }
  return undefined;
}

/** Every (operator, key, values) of a statement's Condition, keys lower-cased. */
function conditionEntries(s: Statement): [string, string, Json[]][] {
  const condition = s['Condition'];
  if (!isObject(condition)) return [];
  return Object.entries(condition).flatMap(([operator, entries]) => (isObject(entries) ? Object.entries(entries).map(([key, v]) => [operator, key.toLowerCase(), asList(v).map(iamText)] as [string, string, Json[]]) : []));
}

/** The identity bounds (accounts or organisations) and whether the network bounds the statement, condition by condition. */
function bounds(s: Statement): { identity: Bound[]; network: boolean } {
  const identity: Bound[] = [];
  let network = false;
  for (const [operator, key, values] of conditionEntries(s)) {
    if (key === 'aws:sourceip' && operator.toLowerCase() === 'ipaddress' && values.every(insidePrivate)) network = true;
    if (['aws:sourcevpc', 'aws:sourcevpce'].includes(key) && positive(operator) && values.every((v) => typeof v === 'string' && /^vpce?-[0-9a-f]+$/.test(v))) network = true;
    const bound = identityBound(operator, key, values);
    if (bound) identity.push(bound);
  }
  return { identity, network };
}

// --- an explicit Deny wins

/** IAM's wildcards, `*` any run (colons too) and `?` one character; a pattern with glob syntax IAM reads literally matches nothing here. */
function wildcardMatches(pattern: string, text: string): boolean {
  if (/[[\]{}\\!]/.test(pattern)) return false;
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^$()|]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** Does a Deny action pattern cover an Allow action, itself maybe a pattern? Only when every action the Allow's stands for is matched. */
function denyCovers(denyAction: Json, allowAction: Json): boolean {
  if (typeof denyAction !== 'string' || typeof allowAction !== 'string') return false;
  const d = denyAction.toLowerCase();
  if (d.includes('?') && hasWildcard(allowAction)) return false;
  return wildcardMatches(d, allowAction);
}

function allowActions(s: Statement): Json[] {
  if (s['NotAction'] !== undefined && s['NotAction'] !== null) return ['secretsmanager:*'];
  return asList(s['Action'] ?? '*').map((a) => (a === '*' ? 'secretsmanager:*' : typeof a === 'string' ? a.toLowerCase() : a));
}

const NEGATED: Record<string, string> = { stringnotequals: 'StringEquals', stringnotequalsignorecase: 'StringEqualsIgnoreCase', stringnotlike: 'StringLike', arnnotequals: 'ArnEquals', arnnotlike: 'ArnLike' };

interface CertainDeny {
  label: string;
  actions: Json[];
  bound: Bound;
}

/** A Deny that certainly restricts: on everyone, covering the read and the secret, with exactly one negated account or organisation bound. */
function certainDeny(s: Statement, index: number, arn: string): CertainDeny | undefined {
  if (s['Effect'] !== 'Deny') return undefined;
  const p = s['Principal'];
  if (!(p === '*' || principalValues(s, 'AWS').includes('*'))) return undefined;
  if (s['NotAction'] !== undefined && s['NotAction'] !== null) return undefined;
  const actions = asList(s['Action'] ?? []);
  if (!actions.some((a) => denyCovers(a, 'secretsmanager:getsecretvalue'))) return undefined;
  if (s['NotResource'] !== undefined && s['NotResource'] !== null) return undefined;
  if (!asList(s['Resource'] ?? []).some((r) => typeof r === 'string' && wildcardMatches(r, arn))) return undefined;
  const entries = conditionEntries(s);
  if (entries.length !== 1) return undefined;
  const [operator, key, values] = entries[0] as [string, string, Json[]];
  const positiveOperator = NEGATED[operator.replace(/IfExists$/, '').toLowerCase()];
  if (!positiveOperator || values.length === 0) return undefined;
  const bound = identityBound(positiveOperator, key, values);
  const label = typeof s['Sid'] === 'string' ? `statement "${s['Sid']}"` : `Statement[${index}]`;
  return bound ? { label, actions, bound: { ...bound, deny: label } } : undefined;
}

export interface ModelVerdict {
  public: boolean;
  untrusted: boolean;
  /** The policy cannot be judged: two keys of one object differ only in case (which one IAM reads is unknowable). */
  error: boolean;
}

function caseVariantKeys(value: Json): boolean {
  if (Array.isArray(value)) return value.some(caseVariantKeys);
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return new Set(keys.map((k) => k.toLowerCase())).size < keys.length || Object.values(value).some(caseVariantKeys);
}

/** DESIGN.md's verdict on a policy document for the secret `arn` of `own` account, given the trusted accounts and organisations. */
export function modelVerdict(document: Record<string, Json>, own: string, trustedAccounts: string[], trustedOrgs: string[], arn = ''): ModelVerdict {
  if (caseVariantKeys(document)) return { public: false, untrusted: false, error: true };
  const accounts = new Set([own, ...trustedAccounts]);
  const orgs = new Set(trustedOrgs);
  const statements = asList(document['Statement']).map((raw) => (isObject(raw) ? raw : {}));
  const denies = statements.map((s, i) => certainDeny(s, i, arn)).filter((d): d is CertainDeny => d !== undefined);
  let isPublic = false;
  let untrusted = false;
  for (const s of statements) {
    if (s['Effect'] !== 'Allow') continue;
    const unbounded = unboundedPrincipal(s);
    const own = bounds(s);
    const denyBounds = denies.filter((d) => allowActions(s).every((a) => d.actions.some((da) => denyCovers(da, a)))).map((d) => d.bound);
    const all = [...own.identity, ...denyBounds];
    const networkOnly = unbounded && all.length === 0 && own.network;
    if (unbounded && all.length === 0 && !own.network) isPublic = true;
    const trustedBound = all.some((b) => [...b.accounts].every((a) => accounts.has(a)) && [...b.orgs].every((o) => orgs.has(o)));
    const services = principalValues(s, 'Service').length > 0;
    const canonical = principalValues(s, 'CanonicalUser').length > 0;
    const trustedPrincipals = !unbounded && [...namedAccounts(s)].every((a) => accounts.has(a)) && !canonical && (!services || all.length === 0);
    if (!(trustedPrincipals || trustedBound || networkOnly)) untrusted = true;
  }
  return { public: isPublic, untrusted, error: false };
}
