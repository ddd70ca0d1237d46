import { InputError } from '../events/index.js';

/** One piece of an organisation sweep: the secrets of one account in one region. */
export interface SweepUnit {
  account: string;
  region: string;
}

export class OrgScopeError extends InputError {
  override readonly name: string = 'OrgScopeError';
}

const ACCOUNT = /^\d{12}$/;
// Partition prefixes AWS uses today, then a direction and a number: us-east-1, eu-central-2, us-gov-west-1, cn-north-1.
const REGION = /^(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|eu-isoe)-[a-z]+-\d$/;

export const isRegionName = (name: string): boolean => REGION.test(name);

/** Account ids as a person writes them (`111122223333, 444455556666`), checked; `where` names the option or setting. */
export function parseAccountList(text: string, where: string): string[] {
  const ids = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) throw new OrgScopeError(where, 'expected one or more 12-digit account ids, separated by commas');
  for (const id of ids) if (!ACCOUNT.test(id)) throw new OrgScopeError(where, `"${id}" is not a 12-digit account id`);
  return [...new Set(ids)];
}

/** Every account × region, accounts in the order given, each pair once. */
export function planUnits(accounts: readonly string[], regions: readonly string[], where = 'regions'): SweepUnit[] {
  if (!regions.length) throw new OrgScopeError(where, 'expected at least one region');
  for (const region of regions) if (!isRegionName(region)) throw new OrgScopeError(where, `"${region}" is not an AWS region name (such as us-east-1)`);
  const units: SweepUnit[] = [];
  for (const account of new Set(accounts)) for (const region of new Set(regions)) units.push({ account, region });
  return units;
}

export const unitKey = (u: SweepUnit): string => `${u.account}/${u.region}`;

/** The role vigil assumes in a member account; `partition` from the caller's own ARN (aws, aws-us-gov, aws-cn). */
export function memberRoleArn(account: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}
