import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, type AwsOptions } from '../clients.js';

export const s3Client = (o: AwsOptions) => new S3Client(clientConfig(o));
