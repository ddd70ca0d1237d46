import { STSClient } from '@aws-sdk/client-sts';
import { plain, type AwsOptions } from '../clients.js';

export const stsClient = (o: AwsOptions) => new STSClient(plain(o));
