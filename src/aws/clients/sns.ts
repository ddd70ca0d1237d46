import { SNSClient } from '@aws-sdk/client-sns';
import { plain, type AwsOptions } from '../clients.js';

export const snsClient = (o: AwsOptions) => new SNSClient(plain(o));
