import { PutEvaluationsCommand, type ConfigServiceClient, type Evaluation } from '@aws-sdk/client-config-service';
import type { Finding, Status } from '../controls/types.js';

export const COMPLIANCE: Record<Status, 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA'> = {
  PASS: 'COMPLIANT',
  FAIL: 'NON_COMPLIANT',
  NOT_APPLICABLE: 'NOT_APPLICABLE',
  ERROR: 'INSUFFICIENT_DATA',
};

const ANNOTATION_LIMIT = 256;

/** Config shows at most 256 characters: the reason a person acts on, and what vigil read live to decide. */
export function annotation(reason: string, readLive: readonly string[] = [], exemption?: Finding['exemption']): string {
  const suffixes = [
    ...(exemption?.active ? [` Exempted until ${exemption.until}.`] : []),
    ...(readLive.length ? [` (Read live: ${readLive.join(', ')}.)`] : []),
  ].join('');
  const room = ANNOTATION_LIMIT - suffixes.length;
  const text = reason.length <= room ? reason : `${reason.slice(0, Math.max(room - 1, 0))}…`;
  return `${text}${suffixes}`.slice(0, ANNOTATION_LIMIT);
}

export function evaluationOf(resourceId: string, status: Status, reason: string, orderingTimestamp: Date, readLive: readonly string[] = [], exemption?: Finding['exemption']): Evaluation {
  return {
    ComplianceResourceType: 'AWS::SecretsManager::Secret',
    ComplianceResourceId: resourceId,
    ComplianceType: COMPLIANCE[status],
    Annotation: annotation(reason, readLive, exemption),
    OrderingTimestamp: orderingTimestamp,
  };
}

export interface PutResult {
  sent: number;
  /** Evaluations Config still refused after every retry. */
  failed: Evaluation[];
  calls: number;
}

const BATCH = 100;

/** PutEvaluations in batches of at most 100 with the invocation's ResultToken; evaluations Config refuses are sent again. */
export async function putEvaluations(
  client: ConfigServiceClient,
  evaluations: Evaluation[],
  resultToken: string,
  options: { testMode: boolean; attempts?: number; sleep?: (ms: number) => Promise<void> },
): Promise<PutResult> {
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let calls = 0;
  const failed: Evaluation[] = [];
  for (let start = 0; start < evaluations.length; start += BATCH) {
    let pending = evaluations.slice(start, start + BATCH);
    for (let attempt = 1; attempt <= attempts && pending.length; attempt++) {
      calls += 1;
      const answer = await client.send(new PutEvaluationsCommand({ Evaluations: pending, ResultToken: resultToken, TestMode: options.testMode }));
      const refused = new Set((answer.FailedEvaluations ?? []).map((e) => `${e.ComplianceResourceId}`));
      pending = pending.filter((e) => refused.has(`${e.ComplianceResourceId}`));
      if (pending.length && attempt < attempts) await sleep(200 * 2 ** (attempt - 1));
    }
    failed.push(...pending);
  }
  return { sent: evaluations.length - failed.length, failed, calls };
}
