import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type AwsOptions } from '../aws/clients.js';
import { snsClient } from '../aws/clients/sns.js';
import { sqsClient } from '../aws/clients/sqs.js';

export interface ReceivedNotification {
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** An SNS topic with an SQS queue subscribed, as on-call would have it; `receive` drains what arrived. */
export async function topicWithSubscriber(aws: AwsOptions, name: string) {
  const sns = snsClient(aws);
  const sqs = sqsClient(aws);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn as string;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-subscriber` }))).QueueUrl as string;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] as string;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  const receive = async (): Promise<ReceivedNotification[]> => {
    const out: ReceivedNotification[] = [];
    for (;;) {
      const batch = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!batch.Messages?.length) return out;
      for (const m of batch.Messages) {
        out.push(JSON.parse(m.Body as string) as ReceivedNotification);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  };
  return { topicArn, queueUrl, receive };
}
