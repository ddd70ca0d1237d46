import { LambdaClient } from '@aws-sdk/client-lambda';
import { plain, type AwsOptions } from '../clients.js';

export const lambdaClient = (o: AwsOptions) => new LambdaClient(plain(o));
