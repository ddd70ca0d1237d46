import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { plain, type AwsOptions } from '../clients.js';

export const securityHubClient = (o: AwsOptions) => new SecurityHubClient(plain(o));
