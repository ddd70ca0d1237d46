import { ListAccountsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';

/** The organisation's ACTIVE accounts (suspended and closing ones have nothing to sweep), by ListAccounts, 20 a page. */
export async function listOrganizationAccounts(organizations: OrganizationsClient): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await organizations.send(new ListAccountsCommand({ NextToken: token }));
    for (const account of page.Accounts ?? []) if (account.Id && (account.State ?? account.Status) === 'ACTIVE') ids.push(account.Id);
    token = page.NextToken;
  } while (token);
  return ids;
}
