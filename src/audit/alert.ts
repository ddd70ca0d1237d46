import type { Alert, Decision } from '../reactions/types.js';
import type { Detection } from './types.js';

/** A detection as an alert on vigil's SNS path; its "decision" is the detection's events, so subscribers see one shape. */
export function detectionAlert(detection: Detection, account: string, region: string): { alert: Alert; decision: Decision } {
  const eventId = detection.eventIds[0] ?? '';
  const single = detection.secretArns.length === 1 ? detection.secretArns[0] : undefined;
  const alert: Alert = {
    kind: detection.kind,
    severity: detection.severity,
    subject: detection.subject,
    message: detection.message,
    account,
    region,
    eventId,
    eventName: 'GetSecretValue',
    ...(single ? { secretArn: single } : {}),
    details: { ...detection },
  };
  const decision: Decision = {
    eventId,
    eventName: 'GetSecretValue',
    time: detection.lastEventTime,
    account,
    region,
    secretArns: detection.secretArns,
    alerts: [alert],
    findings: [],
    complianceChanges: [],
    remediations: [],
  };
  return { alert, decision };
}

/** The idempotency key of a detection: the same burst, judged again after a redelivery, alerts once. */
export function detectionKey(detection: Detection): string {
  return ['audit', detection.kind, detection.principal, detection.eventIds[0] ?? ''].join('#');
}
