import { KMSClient } from '@aws-sdk/client-kms';
import { plain, type AwsOptions } from '../clients.js';

export const kmsClient = (o: AwsOptions) => new KMSClient(plain(o));
