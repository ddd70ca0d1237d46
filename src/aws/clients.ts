import type { AwsCredentialIdentity, Logger } from '@smithy/types';

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
  /** Where the SDK's own warnings go (the CLI makes each one line); otherwise the SDK's default. */
  logger?: Logger;
}

// Against an emulator the default chain may find nothing; any credentials do there, so vigil supplies some.
const EMULATOR_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'vigil-emulator', secretAccessKey: 'vigil-emulator' };

export function clientConfig(options: AwsOptions) {
  const credentials = options.credentials ?? (!options.profile && options.endpoint && !process.env['AWS_ACCESS_KEY_ID'] && !process.env['AWS_PROFILE'] ? EMULATOR_CREDENTIALS : undefined);
  return {
    region: options.region,
    // The SDK reads a named profile itself; vigil need not load the credential providers at every start.
    ...(options.profile ? { profile: options.profile } : {}),
    maxAttempts: options.maxAttempts ?? 8,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(credentials ? { credentials } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
}

/** Config for clients that reject S3's forcePathStyle option. */
export function plain(options: AwsOptions) {
  const { forcePathStyle: _ignored, ...config } = clientConfig(options) as ReturnType<typeof clientConfig> & { forcePathStyle?: boolean };
  return config;
}

// One module per service under ./clients/, so a bundle loads only the SDK clients its function uses.
