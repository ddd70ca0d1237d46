import type { Severity } from '../controls/types.js';

export type ReadCall = 'GetSecretValue' | 'BatchGetSecretValue';

/** One read of Secrets Manager as CloudTrail recorded it, reduced to what the audit judges. Never a value. */
export interface ReadEvent {
  eventId: string;
  eventName: ReadCall;
  /** Epoch milliseconds. */
  time: number;
  /** The account whose trail recorded the call. */
  recipientAccount: string;
  region: string;
  /** Who read, as DESIGN.md defines it: the role behind a session, the user, the account's root, the service. */
  principal: string;
  principalType: string;
  principalAccount?: string;
  /** The secrets as the request named them (a name, a partial or a full ARN). */
  secretIds: readonly string[];
  /** BatchGetSecretValue by filters: the filters as sent. */
  filters?: { key: string; values: string[] }[];
  denied: boolean;
  errorCode?: string;
  sourceIp?: string;
  vpcEndpointId?: string;
  userAgent?: string;
}

/** `READER#<secretArn>#<principal>`: what vigil has seen of one principal reading one secret. */
export interface ReaderBaseline {
  /** The secret's ARN, or the name as called when no ARN is known. */
  secretArn: string;
  principal: string;
  principalAccount?: string;
  /** Epoch milliseconds. */
  firstSeen: number;
  lastSeen: number;
  reads: number;
  denied: number;
  sourceIps: string[];
  vpcEndpoints: string[];
  userAgents: string[];
}

/** Per secret: since when vigil watches its reads, which accounts read it, and whether it was ever read outside a VPC endpoint. */
export interface SecretWatch {
  secretArn: string;
  /** Epoch milliseconds of the first read of it vigil saw. */
  firstRead: number;
  accounts: string[];
  readOutsideVpc: boolean;
}

/**
 * What one principal's reads of a run taught about a secret's watch, and nothing another principal's did: it is merged
 * into the stored watch only once that principal's window is saved.
 */
export interface WatchChange extends SecretWatch {
  principal: string;
  /** Its first read is earlier than the watch's as loaded, or no watch was loaded (the store lowers it in one write). */
  lowersFirstRead?: true;
}

/** Unwritten additions to one reader's baseline, carried in the principal's window until the reader is written. */
export interface PendingReads {
  reads: number;
  denied: number;
  lastSeen: number;
  firstSeen: number;
  sourceIps: string[];
  vpcEndpoints: string[];
  userAgents: string[];
}

/** A burst already alerted: the times (ms) of its newest and oldest secret, and its secrets (a read of them again raises nothing). */
export interface AlertedBurst {
  at: number;
  /** Absent in a window stored before it was kept. */
  from?: number;
  secrets: string[];
}

/** A successful read as the probing keeps it: time (ms), event ID, secret. */
export type KeptSuccess = [number, string, string];

/** Per principal: the reads and denials within the window, so a burst split across batches is still one burst. */
export interface PrincipalWindow {
  principal: string;
  /** secret -> [time ms, eventId] of its last successful read within the window. */
  reads: Record<string, [number, string]>;
  /** secret -> [time ms, eventId] of its last denied read within the window. */
  denials: Record<string, [number, string]>;
  /** When access-denied-probing last fired for this principal (ms), so a later success escalates it. */
  probedAt?: number;
  /**
   * Successful reads within the window, the first and last of each half window (src/audit/detections/access-denied-probing.ts):
   * probing judged after a success from just after it (batches out of order) is HIGH.
   */
  successes?: KeptSuccess[];
  /** The principal's bulk-retrieval burst already alerted (src/audit/detections/bursts.ts), while it goes on. */
  bulkBurst?: AlertedBurst;
  /** The principal's access-denied-probing already alerted, while it goes on. */
  probeBurst?: AlertedBurst;
  /** secret -> reader additions not yet written to the reader's own item. */
  pending: Record<string, PendingReads>;
  /**
   * The principal's reads already counted, so a record delivered again (SQS and EventBridge deliver at least once; the
   * S3 log file repeats what EventBridge brought) counts once: a hash of its event ID -> its time in epoch seconds. The
   * principal's newest RECENT_READS (src/audit/detect.ts).
   */
  recent?: Record<string, number>;
  /**
   * Detections saved with this window and not yet known to be sent: whichever batch saves the window next sends them
   * (the idempotency table lets each out once) and clears them.
   */
  unsent?: Detection[];
  /** The version of the stored window this one was loaded from (absent: none was stored); it is saved only over that one. */
  version?: number;
}

export interface AuditState {
  readers: Map<string, ReaderBaseline>;
  secrets: Map<string, SecretWatch>;
  windows: Map<string, PrincipalWindow>;
}

export type DetectionKind =
  | 'honeytoken-read'
  | 'bulk-retrieval'
  | 'batch-retrieval'
  | 'access-denied-probing'
  | 'root-read'
  | 'new-reader'
  | 'new-reader-account'
  | 'new-network-path';

/** DESIGN.md's detection, as `vigil audit --format json` prints it and the alert carries it. */
export interface Detection {
  kind: DetectionKind;
  severity: Severity;
  principal: string;
  principalAccount?: string;
  secretArns: string[];
  eventIds: string[];
  firstEventTime: string;
  lastEventTime: string;
  subject: string;
  message: string;
}

/** A reader as `vigil audit` prints it. */
export interface ReaderView {
  secretArn: string;
  principal: string;
  principalAccount?: string;
  firstSeen: string;
  lastSeen: string;
  reads: number;
  denied: number;
  sourceIps: string[];
  vpcEndpoints: string[];
  userAgents: string[];
}

export function readerKey(secretArn: string, principal: string): string {
  return `${secretArn}#${principal}`;
}

export function emptyAuditState(): AuditState {
  return { readers: new Map(), secrets: new Map(), windows: new Map() };
}
