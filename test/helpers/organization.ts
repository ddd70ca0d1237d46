import { CreateAccountCommand, CreateOrganizationCommand, ListAccountsCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsOptions } from '../../src/aws/clients.js';
import { organizationsClient } from '../../src/aws/clients/organizations.js';
import { stsClient } from '../../src/aws/clients/sts.js';
import type { Emulator } from './emulator.js';

/** An organisation in the emulator: the emulator's account as its management account and one member account per name; their ids by name. */
export async function createOrganization<N extends string>(emulator: Emulator, names: readonly N[]): Promise<Record<N, string>> {
  const org = organizationsClient(emulator.aws());
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  for (const name of names) await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  const accounts = (await org.send(new ListAccountsCommand({}))).Accounts ?? [];
  return Object.fromEntries(names.map((name) => [name, accounts.find((a) => a.Name === name)?.Id ?? ''])) as Record<N, string>;
}

/** Credentials inside another account of the emulator (moto lets any role be assumed), to seed its secrets. */
export async function inAccount(emulator: Emulator, account: string, region: string): Promise<AwsOptions> {
  const c = (await stsClient(emulator.aws()).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/seeder`, RoleSessionName: 'seed' }))).Credentials;
  return { region, endpoint: emulator.endpoint, maxAttempts: 1, credentials: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' } };
}
