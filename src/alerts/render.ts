import type { Alert, Decision } from '../reactions/types.js';

export interface SnsAlertMessage {
  Subject: string;
  /** JSON of the per-protocol bodies (MessageStructure "json"). */
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
}

/** SNS refuses a message over 256 KiB: the message, its subject and its attributes together. */
export const SNS_MESSAGE_LIMIT_BYTES = 256 * 1024;
/** What vigil allows itself, a little under the limit. */
const BUDGET_BYTES = SNS_MESSAGE_LIMIT_BYTES - 4 * 1024;

/** How much of a long list or text a body keeps; each level is tried in turn until the message fits. */
interface Bounds {
  items: number;
  chars: number;
  messageChars: number;
  /** Whether the default body carries a summary of the decision. */
  decision: boolean;
}
const LEVELS: readonly Bounds[] = [
  { items: 50, chars: 4_000, messageChars: 64_000, decision: true },
  { items: 10, chars: 1_000, messageChars: 16_000, decision: false },
  { items: 0, chars: 200, messageChars: 4_000, decision: false },
];

/** The bytes SNS counts against its limit. */
export function snsMessageBytes(message: SnsAlertMessage): number {
  const attributes = Object.entries(message.MessageAttributes).reduce((n, [name, a]) => n + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue), 0);
  return Buffer.byteLength(message.Message) + Buffer.byteLength(message.Subject) + attributes;
}

/** AWS Chatbot (Amazon Q Developer in chat applications) custom notification: the only body it forwards to Slack or Teams. */
export function chatbotNotification(alert: Alert) {
  const nextSteps = alert.message
    .split('\n')
    .filter((line) => line.startsWith('What to do now: '))
    .map((line) => line.slice('What to do now: '.length));
  return {
    version: '1.0',
    source: 'custom',
    id: `${alert.eventId}/${alert.kind}${alert.controlId ? `/${alert.controlId}` : ''}`,
    content: {
      textType: 'client-markdown',
      title: `${alert.severity === 'CRITICAL' ? ':rotating_light: ' : ':warning: '}${alert.subject}`,
      description: alert.message.split('\n\nWhat to do now:')[0] ?? alert.message,
      nextSteps,
      keywords: [alert.kind, alert.severity, ...(alert.controlId ? [alert.controlId] : []), alert.account, alert.region],
    },
    metadata: {
      threadId: `vigil/${alert.secretArn ?? alert.eventId}`,
      summary: alert.subject,
      eventType: `vigil ${alert.kind}`,
      relatedResources: alert.secretArn ? [alert.secretArn] : [],
      additionalContext: { account: alert.account, region: alert.region, eventName: alert.eventName, eventId: alert.eventId },
    },
  };
}

/**
 * One SNS message per alert: a plain-text email, the Chatbot body for HTTPS subscribers (Chatbot subscribes over HTTPS),
 * the alert as JSON for SQS and Lambda, and the alert with a summary of its decision for everything else. Attributes let
 * subscribers filter. Long lists and texts are cut with a count, and cut further until the whole fits in SNS's 256 KiB.
 */
export function renderAlert(alert: Alert, decision: Decision): SnsAlertMessage {
  const attributes: SnsAlertMessage['MessageAttributes'] = {
    severity: { DataType: 'String', StringValue: alert.severity },
    kind: { DataType: 'String', StringValue: alert.kind },
    account: { DataType: 'String', StringValue: alert.account },
    region: { DataType: 'String', StringValue: alert.region },
  };
  if (alert.controlId) attributes['controlId'] = { DataType: 'String', StringValue: alert.controlId };
  const pointer = `the full record: vigil replay of event ${alert.eventId}, or the sweep report`;
  let message: SnsAlertMessage | undefined;
  for (const bounds of LEVELS) {
    message = { Subject: alert.subject, MessageStructure: 'json', Message: bodies(alert, decision, bounds, pointer), MessageAttributes: attributes };
    if (snsMessageBytes(message) <= BUDGET_BYTES) return message;
  }
  // Unreachable with the last level's bounds (a few KB at most); kept so the function never returns an oversized message.
  throw new Error(`alert ${alertKey(alert)} does not fit in an SNS message (${snsMessageBytes(message as SnsAlertMessage)} bytes)`);
}

function bodies(alert: Alert, decision: Decision, bounds: Bounds, pointer: string): string {
  const text = cutText(alert.message, bounds.messageChars, pointer);
  const shown: Alert = { ...alert, message: text, details: bounded(alert.details, bounds, pointer) as Alert['details'] };
  const forMachines = JSON.stringify({ alert: shown });
  const withDecision = bounds.decision ? JSON.stringify({ alert: shown, decision: decisionSummary(decision, bounds, pointer) }) : forMachines;
  return JSON.stringify({ default: withDecision, email: text, https: JSON.stringify(chatbotNotification(shown)), sqs: forMachines, lambda: forMachines });
}

/** The decision without what it repeats of the alert: which secrets, the other alerts, each control's status. */
function decisionSummary(decision: Decision, bounds: Bounds, pointer: string) {
  return bounded(
    {
      eventId: decision.eventId,
      eventName: decision.eventName,
      time: decision.time,
      account: decision.account,
      region: decision.region,
      secretCount: decision.secretArns.length,
      secretArns: decision.secretArns,
      alerts: decision.alerts.map((a) => ({ kind: a.kind, severity: a.severity, subject: a.subject })),
      findings: decision.findings.map((f) => ({ controlId: f.controlId, status: f.status, severity: f.severity, secretArn: f.resource.arn })),
      ...(decision.ignored ? { ignored: decision.ignored } : {}),
    },
    bounds,
    pointer,
  );
}

function cutText(text: string, chars: number, pointer: string): string {
  return text.length <= chars ? text : `${text.slice(0, chars)}\n… ${(text.length - chars).toLocaleString('en-US')} more characters; ${pointer}`;
}

/** A copy of a JSON value with every list cut to its first `items` (and a count of the rest) and every string to `chars`. */
function bounded(value: unknown, bounds: Bounds, pointer: string, depth = 0): unknown {
  if (typeof value === 'string') return value.length <= bounds.chars ? value : `${value.slice(0, bounds.chars)}… (${(value.length - bounds.chars).toLocaleString('en-US')} more characters)`;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 8) return '(nested too deep to show)';
  if (Array.isArray(value)) {
    const kept = value.slice(0, bounds.items).map((v) => bounded(v, bounds, pointer, depth + 1));
    return value.length > bounds.items ? [...kept, `… and ${(value.length - bounds.items).toLocaleString('en-US')} more; ${pointer}`] : kept;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bounded(v, bounds, pointer, depth + 1)]));
}

/** The key that makes an alert unique: redelivering the same event cannot publish it twice. */
export function alertKey(alert: Alert): string {
  return [alert.eventId, alert.kind, alert.secretArn ?? '', alert.controlId ?? ''].join('#');
}
