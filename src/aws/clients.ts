import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';

/** How vigil reaches AWS: one set of choices shared by every client it builds. */
export interface AwsOptions {
  region: string;
  /** An emulator or VPC endpoint, e.g. http://127.0.0.1:5000. */
  endpoint?: string;
  /** A named profile from ~/.aws; otherwise the default credential chain. */
  profile?: string;
  credentials?: AwsCredentialIdentity;
  /** SDK attempts per call, the first included (throttled calls back off between attempts). Default 8. */
  maxAttempts?: number;
}

// Against an emulator the default chain may find nothing; any credentials do there, so vigil supplies some.
const EMULATOR_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'vigil-emulator', secretAccessKey: 'vigil-emulator' };

export function clientConfig(options: AwsOptions) {
  const credentials =
    options.credentials ??
    (options.profile ? fromIni({ profile: options.profile }) : options.endpoint && !process.env['AWS_ACCESS_KEY_ID'] && !process.env['AWS_PROFILE'] ? EMULATOR_CREDENTIALS : undefined);
  return {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 8,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** Config for clients that reject S3's forcePathStyle option. */
function plain(options: AwsOptions) {
  const { forcePathStyle: _ignored, ...config } = clientConfig(options) as ReturnType<typeof clientConfig> & { forcePathStyle?: boolean };
  return config;
}

export const secretsManagerClient = (o: AwsOptions) => new SecretsManagerClient(plain(o));
export const kmsClient = (o: AwsOptions) => new KMSClient(plain(o));
export const snsClient = (o: AwsOptions) => new SNSClient(plain(o));
export const sqsClient = (o: AwsOptions) => new SQSClient(plain(o));
export const s3Client = (o: AwsOptions) => new S3Client(clientConfig(o));
export const ec2Client = (o: AwsOptions) => new EC2Client(plain(o));
export const securityHubClient = (o: AwsOptions) => new SecurityHubClient(plain(o));
export const eventBridgeClient = (o: AwsOptions) => new EventBridgeClient(plain(o));
export const configServiceClient = (o: AwsOptions) => new ConfigServiceClient(plain(o));
export const stsClient = (o: AwsOptions) => new STSClient(plain(o));
export const lambdaClient = (o: AwsOptions) => new LambdaClient(plain(o));
