import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { plain, type AwsOptions } from '../clients.js';

export const configServiceClient = (o: AwsOptions) => new ConfigServiceClient(plain(o));
