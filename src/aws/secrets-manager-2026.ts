// Secrets Manager as AWS ships it in 2026, for what @aws-sdk/client-secrets-manager 3.1164 lacks: ListResourcePolicies,
// PolicyName on GetResourcePolicy, and the DescribeSecret fields its deserialiser drops (CrossAccountReplicas,
// CrossAccountPrimary, Type, ExternalSecretRotationRoleArn, ReplicationStatus Pending/Detached). Shapes from the service
// model of botocore 1.44.2+ and the Secrets Manager API reference. It speaks the service's own protocol (AWS JSON 1.1, a
// SigV4-signed POST naming the operation in X-Amz-Target) with the client's own credentials, region, endpoint and signer
// settings. Delete this module once the SDK has the operations.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SignatureV4 } from '@smithy/signature-v4';
import * as z from 'zod/mini';

const SIGNING_NAME = 'secretsmanager';
const TARGET_PREFIX = 'secretsmanager';

/** An error Secrets Manager answered with (AccessDeniedException, ResourceNotFoundException…), with the name the SDK would give it. */
export class SecretsManagerCallError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly operation: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

/** The answer when the endpoint does not know an operation (moto, an older partition): a result, not a failure. */
export interface Unsupported {
  supported: false;
  operation: string;
  /** What the endpoint said, for the report's one line. */
  why: string;
}

export type Answer<T> = { supported: true; value: T } | Unsupported;

const nullishString = z.nullish(z.string());
const date = z.nullish(z.union([z.number(), z.string()]));

const listResourcePoliciesSchema = z.looseObject({
  ResourcePolicies: z.nullish(z.array(z.looseObject({ PolicyName: z.string().check(z.minLength(1)) }))),
  NextToken: nullishString,
});

const getResourcePolicySchema = z.looseObject({ ARN: nullishString, Name: nullishString, ResourcePolicy: nullishString });

/** DescribeSecret output as the service sends it: every field kept (loose), the 2026 ones checked. Dates are epoch seconds. */
export const rawDescribeSecretSchema = z.looseObject({
  ARN: z.string(),
  Name: nullishString,
  KmsKeyId: nullishString,
  CreatedDate: date,
  Type: nullishString,
  ExternalSecretRotationRoleArn: nullishString,
  ExternalSecretRotationMetadata: z.nullish(z.array(z.looseObject({ Key: nullishString, Value: nullishString }))),
  ReplicationStatus: z.nullish(z.array(z.looseObject({ Region: z.string(), Status: nullishString, StatusMessage: nullishString }))),
  CrossAccountReplicas: z.nullish(z.array(z.looseObject({ ReplicaSecretARN: z.string(), ReplicationStatus: nullishString, StatusMessage: nullishString, ReplicationRoleARN: nullishString }))),
  CrossAccountPrimary: z.nullish(z.looseObject({ PrimarySecretARN: z.string(), ReplicationStatus: nullishString, StatusMessage: nullishString })),
});
export type RawDescribeSecret = z.infer<typeof rawDescribeSecretSchema>;

/** The reply did not have the service model's shape: a fault to report, never data to guess from. */
export class UnexpectedReplyError extends Error {
  override readonly name = 'UnexpectedReplyError';
}

const errorBodySchema = z.looseObject({ __type: z.optional(z.string()), message: z.optional(z.string()), Message: z.optional(z.string()) });

// What endpoints say for an operation they lack: AWS's JSON protocol names it UnknownOperationException; moto answers 404,
// or 500 with an HTML page (its dispatcher has no method of that name). Secrets Manager itself always answers a JSON error,
// so a 400, 404, 500 or 501 whose body is not one is an endpoint that does not speak the operation (502–504 are retried).
const UNKNOWN_OPERATION = /UnknownOperation|InvalidAction|not (yet )?(implemented|supported)/i;
const NOT_SPOKEN_STATUSES = new Set([400, 404, 500, 501]);

export interface Bridge {
  /** What the endpoint said when it did not know `operation`, once it has: later calls are answered without a request. */
  unsupported(operation: string): Unsupported | undefined;
  listResourcePolicies(secretId: string): Promise<Answer<string[]>>;
  getResourcePolicy(secretId: string, policyName: string): Promise<Answer<string | null>>;
  describeSecret(secretId: string): Promise<Answer<RawDescribeSecret>>;
}

/** The bridge for one client: its region, endpoint, credentials, retries. */
export function secretsManager2026(client: SecretsManagerClient): Bridge {
  // A stand-in client (a test double, a simulation) has no SDK configuration to sign with: it speaks only what it sends.
  if (!(client as Partial<SecretsManagerClient>).config) return withoutBridge('the client has no SDK configuration to sign a request with');
  const config = client.config;
  const signer = new SignatureV4({ credentials: config.credentials, region: config.region, service: SIGNING_NAME, sha256: config.sha256, uriEscapePath: config.signingEscapePath });

  const endpointUrl = async (): Promise<URL> => {
    if (config.endpoint) {
      const e = await config.endpoint();
      return new URL(`${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path}`);
    }
    const region = await config.region();
    return config.endpointProvider({ Region: region, UseFIPS: await config.useFipsEndpoint(), UseDualStack: await config.useDualstackEndpoint() }).url;
  };

  const unknown = new Map<string, Unsupported>();
  const call = async (operation: string, input: Record<string, unknown>): Promise<Answer<unknown>> => {
    const known = unknown.get(operation);
    if (known) return known;
    const url = await endpointUrl();
    const body = JSON.stringify(input);
    const attempts = Math.max(1, await config.maxAttempts());
    for (let attempt = 1; ; attempt++) {
      const signed = await signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: {},
        headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET_PREFIX}.${operation}` },
        body,
      });
      const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
      const text = await response.text();
      if (response.ok) return { supported: true, value: text ? JSON.parse(text) : {} };
      const parsed = errorBodySchema.safeParse(safeJson(text));
      const type = parsed.success ? (parsed.data.__type?.split('#').pop() ?? '') : '';
      const message = parsed.success ? (parsed.data.message ?? parsed.data.Message ?? '') : text.slice(0, 200);
      if (UNKNOWN_OPERATION.test(type) || (!type && NOT_SPOKEN_STATUSES.has(response.status))) {
        const answer: Unsupported = { supported: false, operation, why: `the endpoint ${url.host} does not know ${operation} (HTTP ${response.status}${type ? ` ${type}` : ''})` };
        unknown.set(operation, answer);
        return answer;
      }
      const retryable = response.status === 429 || response.status >= 500 || type === 'ThrottlingException';
      if (!retryable || attempt >= attempts) throw new SecretsManagerCallError(type || `Http${response.status}`, message || `HTTP ${response.status}`, operation, response.status);
      await new Promise((resolve) => setTimeout(resolve, Math.min(20_000, 100 * 2 ** attempt * Math.random())));
    }
  };

  const typed = <S extends z.ZodMiniType>(schema: S, operation: string, answer: Answer<unknown>): Answer<z.infer<S>> => {
    if (!answer.supported) return answer;
    const parsed = schema.safeParse(answer.value);
    if (!parsed.success) throw new UnexpectedReplyError(`${operation} answered in a shape the service model does not describe: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim());
    return { supported: true, value: parsed.data };
  };

  return {
    unsupported: (operation) => unknown.get(operation),
    async listResourcePolicies(secretId) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = typed(listResourcePoliciesSchema, 'ListResourcePolicies', await call('ListResourcePolicies', { SecretId: secretId, MaxResults: 100, ...(token ? { NextToken: token } : {}) }));
        if (!page.supported) return page;
        names.push(...(page.value.ResourcePolicies ?? []).map((p) => p.PolicyName));
        token = page.value.NextToken ?? undefined;
      } while (token);
      return { supported: true, value: names };
    },
    async getResourcePolicy(secretId, policyName) {
      const answer = typed(getResourcePolicySchema, 'GetResourcePolicy', await call('GetResourcePolicy', { SecretId: secretId, PolicyName: policyName }));
      return answer.supported ? { supported: true, value: answer.value.ResourcePolicy ?? null } : answer;
    },
    async describeSecret(secretId) {
      return typed(rawDescribeSecretSchema, 'DescribeSecret', await call('DescribeSecret', { SecretId: secretId }));
    },
  };
}

/** A bridge that answers every operation as unsupported, saying why. */
export function withoutBridge(why: string): Bridge {
  const answer = (operation: string): Unsupported => ({ supported: false, operation, why });
  return {
    unsupported: answer,
    listResourcePolicies: () => Promise.resolve(answer('ListResourcePolicies')),
    getResourcePolicy: () => Promise.resolve(answer('GetResourcePolicy')),
    describeSecret: () => Promise.resolve(answer('DescribeSecret')),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
