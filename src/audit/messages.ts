import type { Severity } from '../controls/types.js';
import type { Detection, DetectionKind } from './types.js';

/** A detection while the run still adds events to it. */
export interface OpenDetection {
  kind: DetectionKind;
  severity: Severity;
  principal: string;
  principalAccount?: string;
  secrets: Set<string>;
  /** eventId -> time (ms), the first 200. */
  events: Map<string, number>;
  eventCount: number;
  first: number;
  last: number;
  sourceIps: Set<string>;
  vpcEndpoints: Set<string>;
  userAgents: Set<string>;
  filters: { key: string; values: string[] }[];
}

const SHOWN = 20;

const WHAT: Record<DetectionKind, (d: OpenDetection) => string> = {
  'honeytoken-read': (d) => `read a honeytoken, a decoy secret no application uses (${count(d.secrets.size, 'secret')})`,
  'bulk-retrieval': (d) => `read ${count(d.secrets.size, 'distinct secret')} within the window`,
  'batch-retrieval': (d) => (d.filters.length ? `called BatchGetSecretValue by filter (${filtersText(d)}): CloudTrail does not say which secrets came back` : `called BatchGetSecretValue for ${count(d.secrets.size, 'secret')}`),
  'access-denied-probing': (d) => `was denied reading ${count(d.secrets.size, 'distinct secret')}${d.severity === 'HIGH' ? ', then read a secret successfully' : ''}`,
  'root-read': (d) => `is the account's root user and read ${count(d.secrets.size, 'secret')}`,
  'new-reader': (d) => `read ${count(d.secrets.size, 'secret')} it never read before, after vigil had learned who reads ${d.secrets.size === 1 ? 'it' : 'them'}`,
  'new-reader-account': (d) => `is of account ${d.principalAccount ?? 'unknown'}, which never read ${d.secrets.size === 1 ? 'this secret' : 'these secrets'} before`,
  'new-network-path': () => `read a secret from outside a VPC endpoint; it had been read only through VPC endpoints`,
};

const FIRST_STEPS: Record<DetectionKind, string> = {
  'honeytoken-read': 'treat the principal as compromised: disable its access keys or revoke its role sessions (aws iam put-role-policy with an aws:TokenIssueTime deny), then rotate every secret it read',
  'bulk-retrieval': 'confirm with the owner of the principal; if it is not theirs, disable its access keys or revoke its role sessions, then rotate the secrets read',
  'batch-retrieval': 'confirm with the owner of the principal; if it is not theirs, revoke its sessions and rotate every secret it can read (a filter may have returned any of them)',
  'access-denied-probing': 'find who holds the principal\'s credentials; if nobody expected these calls, disable its access keys or revoke its role sessions',
  'root-read': 'confirm who used the root user; if nobody did, secure the root credentials (password, MFA) and rotate the secrets read',
  'new-reader': 'ask the owner of the secret whether this principal should read it; if not, tighten the secret\'s resource policy and the principal\'s policies, then rotate the secret',
  'new-reader-account': 'check that the other account is meant to read the secret; if not, remove it from the resource policy and the KMS key policy, then rotate the secret',
  'new-network-path': 'check where the call came from (source IP, user agent); if it is not a known path, revoke the principal\'s sessions and rotate the secret',
};

export function renderDetection(d: OpenDetection): Detection {
  const secrets = [...d.secrets];
  const eventIds = [...d.events.keys()];
  const who = shortPrincipal(d.principal);
  const target = secrets.length === 1 ? shortSecret(secrets[0] as string) : secrets.length ? `${secrets.length} secrets` : 'secrets by filter';
  const subject = truncate(`vigil ${d.severity}: ${d.kind} by ${who} (${target})`, 100);
  const lines = [
    `${d.principal}${d.principalAccount ? ` (account ${d.principalAccount})` : ''} ${WHAT[d.kind](d)}.`,
    '',
    `Secrets: ${listed(secrets)}`,
    `Network: ${network(d)}`,
    `User agents: ${[...d.userAgents].join('; ') || 'none recorded'}`,
    `Events: ${count(d.eventCount, 'event')} from ${iso(d.first)} to ${iso(d.last)}: ${eventIds.slice(0, SHOWN).join(', ')}${d.eventCount > SHOWN ? ` and ${d.eventCount - SHOWN} more` : ''}`,
    '',
    `What to do now: ${FIRST_STEPS[d.kind]}.`,
  ];
  return {
    kind: d.kind,
    severity: d.severity,
    principal: d.principal,
    ...(d.principalAccount !== undefined ? { principalAccount: d.principalAccount } : {}),
    secretArns: secrets,
    eventIds,
    firstEventTime: iso(d.first),
    lastEventTime: iso(d.last),
    subject,
    message: lines.join('\n'),
  };
}

function network(d: OpenDetection): string {
  const parts: string[] = [];
  if (d.vpcEndpoints.size) parts.push(`VPC endpoints ${[...d.vpcEndpoints].join(', ')}`);
  if (d.sourceIps.size) parts.push(`source IPs ${[...d.sourceIps].join(', ')}`);
  return parts.join('; ') || 'not recorded';
}

function filtersText(d: OpenDetection): string {
  return d.filters.map((f) => `${f.key}=${f.values.join('|')}`).join(', ') || 'none';
}

function listed(items: string[]): string {
  if (items.length === 0) return 'not named by the call';
  return items.slice(0, SHOWN).join(', ') + (items.length > SHOWN ? ` and ${items.length - SHOWN} more` : '');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function shortPrincipal(principal: string): string {
  return principal.replace(/^arn:[^:]+:iam::(\d{12}):/, '$1:');
}

function shortSecret(secret: string): string {
  return secret.replace(/^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:/, '');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
