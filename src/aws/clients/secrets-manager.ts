import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { plain, type AwsOptions } from '../clients.js';

export const secretsManagerClient = (o: AwsOptions) => new SecretsManagerClient(plain(o));
