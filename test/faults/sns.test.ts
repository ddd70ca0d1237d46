import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deliverAlert } from '../../src/alerts/index.js';
import type { Alert, Decision } from '../../src/reactions/index.js';

const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
beforeEach(() => {
  sns.reset();
  sqs.reset();
});

const alert = (i: number): Alert => ({ kind: 'rotation-failed', severity: 'HIGH', subject: `[HIGH] alert ${i}`, message: 'm', account: '111122223333', region: 'us-east-1', eventId: `e${i}`, eventName: 'RotationFailed', details: {} });
const decision = { eventId: 'e', eventName: 'RotationFailed', time: '', account: '', region: '', secretArns: [], alerts: [], findings: [], complianceChanges: [], remediations: [] } as Decision;
const publisher = () => ({ sns: new SNSClient({ region: 'us-east-1' }), topicArn: 'arn:aws:sns:us-east-1:111122223333:t', deadLetter: { sqs: async () => new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://q' }, sleep: async () => undefined });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
const serverError = () => Object.assign(new Error('Internal'), { name: 'InternalErrorException', $metadata: { httpStatusCode: 500 } });

describe('publishing alerts when SNS misbehaves', () => {
  it('retries a throttled publish with backoff and publishes once', async () => {
    const waits: number[] = [];
    sns.on(PublishCommand).rejectsOnce(throttled()).rejectsOnce(serverError()).resolves({ MessageId: 'm-1' });
    const delivery = await deliverAlert(alert(1), decision, { ...publisher(), sleep: async (ms) => void waits.push(ms) });
    expect(delivery).toEqual({ key: 'e1#rotation-failed##', outcome: 'published', messageId: 'm-1' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(3);
    expect(waits).toEqual([200, 400]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('puts the alert in the DLQ after the retries', async () => {
    sns.on(PublishCommand).rejects(serverError());
    sqs.on(SendMessageCommand).resolves({});
    const delivery = await deliverAlert(alert(2), decision, publisher());
    expect(delivery.outcome).toBe('dead-lettered');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(4);
    expect(JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}')).toMatchObject({ key: 'e2#rotation-failed##', reason: expect.stringContaining('InternalErrorException') });
  });

  it('loses no alert and doubles none, whatever SNS does (count in = count out)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('ok', 'throttle', '5xx'), { minLength: 1, maxLength: 60 }), async (script) => {
        sns.reset();
        sqs.reset();
        let i = 0;
        let published = 0;
        sns.on(PublishCommand).callsFake(async () => {
          const outcome = script[i++ % script.length];
          if (outcome === 'throttle') throw throttled();
          if (outcome === '5xx') throw serverError();
          published += 1;
          return { MessageId: `m${published}` };
        });
        sqs.on(SendMessageCommand).resolves({});
        const alerts = Array.from({ length: 12 }, (_, n) => alert(n));
        const deliveries = [];
        for (const a of alerts) deliveries.push(await deliverAlert(a, decision, publisher()));
        const onTopic = deliveries.filter((d) => d.outcome === 'published').length;
        const inQueue = deliveries.filter((d) => d.outcome === 'dead-lettered').length;
        expect(onTopic + inQueue).toBe(alerts.length);
        expect(published).toBe(onTopic);
        expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(inQueue);
      }),
      { numRuns: 100 },
    );
  });

  it('fails loudly, for Lambda to retry, when even the DLQ refuses', async () => {
    sns.on(PublishCommand).rejects(serverError());
    sqs.on(SendMessageCommand).rejects(serverError());
    await expect(deliverAlert(alert(3), decision, publisher())).rejects.toThrow('Internal');
  });
});
