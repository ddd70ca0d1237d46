import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { logger } from '../aws/logger.js';
import type { Alert, Decision } from '../reactions/types.js';
import { alertKey, renderAlert } from './render.js';

export interface AlertPublisher {
  sns: SNSClient;
  topicArn: string;
  /** Where an alert goes when SNS will not take it after every retry. The client is asked for only then. */
  deadLetter: { sqs: () => Promise<SQSClient>; queueUrl: string };
  /** Attempts at SNS, with exponential backoff between them (the SDK client also retries each attempt). */
  attempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type Delivery = { key: string; outcome: 'published'; messageId: string } | { key: string; outcome: 'dead-lettered'; error: string };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Publishes one alert; after the retries, sends it to the dead-letter queue instead. Nothing is lost: the alert is either
 * on the topic or in the queue. If even the queue refuses, the error propagates, and Lambda's own retries and DLQ apply.
 */
export async function deliverAlert(alert: Alert, decision: Decision, publisher: AlertPublisher): Promise<Delivery> {
  const key = alertKey(alert);
  const message = renderAlert(alert, decision);
  const attempts = publisher.attempts ?? 4;
  const sleep = publisher.sleep ?? defaultSleep;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const answer = await publisher.sns.send(new PublishCommand({ TopicArn: publisher.topicArn, ...message }));
      logger.info('alert published', { eventId: alert.eventId, kind: alert.kind, secretArn: alert.secretArn, controlId: alert.controlId, attempt });
      return { key, outcome: 'published', messageId: answer.MessageId ?? '' };
    } catch (error) {
      lastError = error;
      logger.warn('alert not published yet', { eventId: alert.eventId, kind: alert.kind, attempt, error: (error as Error).name });
      if (attempt < attempts) await sleep((publisher.baseDelayMs ?? 200) * 2 ** (attempt - 1));
    }
  }
  const reason = `${(lastError as Error).name}: ${(lastError as Error).message}`;
  // Rarely needed, so the SQS SDK loads here rather than at every cold start.
  const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
  await (await publisher.deadLetter.sqs()).send(
    new SendMessageCommand({
      QueueUrl: publisher.deadLetter.queueUrl,
      MessageBody: JSON.stringify({ reason: `SNS refused the alert ${attempts} times: ${reason}`, topicArn: publisher.topicArn, key, snsMessage: message }),
      MessageAttributes: { kind: { DataType: 'String', StringValue: alert.kind }, severity: { DataType: 'String', StringValue: alert.severity } },
    }),
  );
  logger.error('alert sent to the dead-letter queue', { eventId: alert.eventId, kind: alert.kind, secretArn: alert.secretArn, error: reason });
  return { key, outcome: 'dead-lettered', error: reason };
}
