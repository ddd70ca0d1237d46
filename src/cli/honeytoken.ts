import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { HONEYTOKEN_TAG } from '../audit/index.js';
import { secretsManagerClient } from '../aws/clients/secrets-manager.js';
import { toCliError } from './exit.js';
import { CliError } from './io.js';
import { checkLiveOptions, homeRegion, type Io } from './sweep.js';

export interface HoneytokenOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  description?: string;
  kmsKeyId?: string;
  tag?: string[];
  format: 'json' | 'text';
}

// Secrets Manager's rule for a name: 1-512 of these characters. A name ending in a hyphen and six characters looks like
// an ARN's random suffix, which makes partial ARNs ambiguous: AWS advises against it, and so does vigil.
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const LOOKS_LIKE_SUFFIX = /-[A-Za-z0-9]{6}$/;
const TAG = /^([^=]{1,128})=(.{0,256})$/s;

/**
 * `vigil honeytoken create NAME`: a decoy secret tagged `vigil:honeytoken=true`, whose value is a random credential of a
 * plausible shape that nothing uses. The only place vigil writes a secret value; it never prints, logs or reads one.
 */
export async function runHoneytokenCreate(name: string, options: HoneytokenOptions, io: Io): Promise<number> {
  if (!NAME.test(name)) throw new CliError(`NAME ${JSON.stringify(name)}: a secret name is 1-512 letters, digits and /_+=.@-`);
  if (LOOKS_LIKE_SUFFIX.test(name)) throw new CliError(`NAME ${name}: ends in a hyphen and six characters, which Secrets Manager reads as an ARN's suffix; choose another name`);
  const tags = (options.tag ?? []).map((text) => {
    const m = TAG.exec(text);
    if (!m) throw new CliError(`--tag ${text}: expected KEY=VALUE`);
    if ((m[1] as string).toLowerCase().startsWith('aws:')) throw new CliError(`--tag ${text}: keys starting aws: are AWS's`);
    if (m[1] === HONEYTOKEN_TAG) throw new CliError(`--tag ${text}: vigil sets ${HONEYTOKEN_TAG} itself`);
    return { Key: m[1] as string, Value: m[2] as string };
  });
  const plan = checkLiveOptions({ ...(options.region ? { region: [options.region] } : {}), ...(options.profile ? { profile: options.profile } : {}), ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}) }, io);
  const region = options.region ?? (await homeRegion(options.profile ? { profile: options.profile } : {}, io));
  if (!region) throw new CliError('no region: pass --region REGION or set AWS_REGION');

  let created: { arn: string; name: string };
  try {
    created = await plantHoneytoken(secretsManagerClient({ ...plan.aws, region }), { name, region, tags, ...(options.description ? { description: options.description } : {}), ...(options.kmsKeyId ? { kmsKeyId: options.kmsKeyId } : {}) });
  } catch (error) {
    if ((error as Error).name === 'ResourceExistsException') throw new CliError(`a secret named ${name} already exists in ${region}; vigil never overwrites a secret: choose another name`);
    throw toCliError(error, { profile: options.profile });
  }
  const result = { ...created, region, tags: Object.fromEntries([...tags.map((t) => [t.Key, t.Value]), [HONEYTOKEN_TAG, 'true']]) };
  if (options.format === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else {
    io.stdout(
      [
        `created honeytoken ${result.name} in ${region}`,
        `  ${result.arn}`,
        `  tagged ${HONEYTOKEN_TAG}=true: any read of it, allowed or denied, is a CRITICAL honeytoken-read (vigil audit, the audit Lambda)`,
        '  its value is a random credential nothing uses; vigil did not print or keep it',
        '',
      ].join('\n'),
    );
  }
  return 0;
}

/**
 * Creates the decoy: `name`, tagged `vigil:honeytoken=true` beside `tags`, holding a random credential. The CLI and the
 * demo plant honeytokens through this one function; the value leaves it only inside the CreateSecret request.
 */
export async function plantHoneytoken(
  sm: SecretsManagerClient,
  decoy: { name: string; region: string; tags: { Key: string; Value: string }[]; description?: string; kmsKeyId?: string },
): Promise<{ arn: string; name: string }> {
  const created = await sm.send(
    new CreateSecretCommand({
      Name: decoy.name,
      Description: decoy.description ?? 'Database credentials',
      SecretString: decoyValue(decoy.name, decoy.region),
      ...(decoy.kmsKeyId ? { KmsKeyId: decoy.kmsKeyId } : {}),
      Tags: [...decoy.tags, { Key: HONEYTOKEN_TAG, Value: 'true' }],
    }),
  );
  return { arn: created.ARN ?? '', name: created.Name ?? decoy.name };
}

/** A credential of the shape an RDS secret has (what a thief hopes for), every part random: it opens nothing. */
function decoyValue(name: string, region: string): string {
  const word = (bytes: number) => randomBytes(bytes).toString('base64url');
  const base = name.split('/').filter(Boolean).at(-1)?.replace(/[^a-z0-9-]/gi, '-').toLowerCase() || 'db';
  return JSON.stringify({
    engine: 'postgres',
    host: `${base}.cluster-${randomBytes(6).toString('hex')}.${region}.rds.amazonaws.com`,
    port: 5432,
    username: `svc_${randomBytes(3).toString('hex')}`,
    password: word(24),
    dbname: base.replace(/-/g, '_'),
  });
}
