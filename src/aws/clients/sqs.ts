import { SQSClient } from '@aws-sdk/client-sqs';
import { plain, type AwsOptions } from '../clients.js';

export const sqsClient = (o: AwsOptions) => new SQSClient(plain(o));
