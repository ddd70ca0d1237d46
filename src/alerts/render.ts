import type { Alert, Decision } from '../reactions/types.js';

export interface SnsAlertMessage {
  Subject: string;
  /** JSON of the per-protocol bodies (MessageStructure "json"). */
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
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
 * and the full alert with its decision as JSON for everything else (SQS, Lambda). Attributes let subscribers filter.
 */
export function renderAlert(alert: Alert, decision: Decision): SnsAlertMessage {
  const machine = JSON.stringify({ alert, decision: { ...decision, alerts: decision.alerts.map((a) => ({ kind: a.kind, severity: a.severity, subject: a.subject })) } });
  const attributes: SnsAlertMessage['MessageAttributes'] = {
    severity: { DataType: 'String', StringValue: alert.severity },
    kind: { DataType: 'String', StringValue: alert.kind },
    account: { DataType: 'String', StringValue: alert.account },
    region: { DataType: 'String', StringValue: alert.region },
  };
  if (alert.controlId) attributes['controlId'] = { DataType: 'String', StringValue: alert.controlId };
  return {
    Subject: alert.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: machine, email: alert.message, https: JSON.stringify(chatbotNotification(alert)), sqs: machine, lambda: machine }),
    MessageAttributes: attributes,
  };
}

/** The key that makes an alert unique: redelivering the same event cannot publish it twice. */
export function alertKey(alert: Alert): string {
  return [alert.eventId, alert.kind, alert.secretArn ?? '', alert.controlId ?? ''].join('#');
}
