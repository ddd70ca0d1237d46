import type { ControlParams } from '../../controls/params.js';
import type { Severity } from '../../controls/types.js';
import type { DetectionKind, ReadEvent, SecretWatch } from '../types.js';

/** The parameters the detections read from the one parameter document. */
export type AuditParams = Pick<ControlParams, 'bulkSecrets' | 'bulkWindowMinutes' | 'probeSecrets' | 'learningDays' | 'trustedAccounts'> & {
  /** Organisations: a secret's own account's trusted accounts (the params document's `accounts`) over the document's. */
  accounts?: ControlParams['accounts'];
};

/**
 * What a detection function found in one read: the run (src/audit/detect.ts) makes the signals of one kind and key within a
 * window of each other one detection.
 */
export interface Signal {
  kind: DetectionKind;
  /** The principal, or the principal and a secret: what tells two detections of a kind apart. */
  key: string;
  severity: Severity;
  secrets: readonly string[];
  /** The events it rests on, [event ID, time ms]; the read itself when absent. */
  events?: readonly [string, number][];
  /** BatchGetSecretValue by filters: the filters as sent. */
  filters?: readonly { key: string; values: string[] }[];
  /** Only adds the read to the detection of its kind and key this run already raised, if it did; raises none. */
  joinOnly?: true;
}

/** A successful read of one secret, with what vigil knew of the secret and of this reader before it. */
export interface SecretRead {
  read: ReadEvent;
  /** The secret's ARN when known, else the name as called. */
  secret: string;
  /** The account the secret belongs to. */
  ownAccount: string;
  /** The secret's watch; its first read is already this read's time when this read is earlier. */
  watch: SecretWatch;
  /** Whether vigil had a watch of the secret before this run. */
  watchedBefore: boolean;
  /** Whether this principal had read or been denied this secret before this read. */
  everRead: boolean;
}

export const DAY_MS = 86_400_000;

/** The reader's account, when it is not the secret's own and never read this secret before. */
export function newAccountOf(r: SecretRead): string | undefined {
  const account = r.read.principalAccount;
  return account !== undefined && account !== r.ownAccount && !r.watch.accounts.includes(account) ? account : undefined;
}

/** Whether the secret's learning period is over: vigil has watched its reads for `learningDays`. */
export function learned(r: SecretRead, params: Pick<AuditParams, 'learningDays'>): boolean {
  return r.watchedBefore && r.read.time - r.watch.firstRead >= params.learningDays * DAY_MS;
}

/** A read from outside a VPC endpoint by the principal itself, not a call an AWS service made for it (CloudFormation, ECS). */
export function outsideVpc(read: ReadEvent): boolean {
  return !read.vpcEndpointId && read.principalType !== 'AWSService' && !(read.sourceIp?.endsWith('.amazonaws.com') ?? false);
}
