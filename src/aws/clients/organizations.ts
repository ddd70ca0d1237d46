import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { plain, type AwsOptions } from '../clients.js';

export const organizationsClient = (o: AwsOptions) => new OrganizationsClient(plain(o));
