import { EC2Client } from '@aws-sdk/client-ec2';
import { plain, type AwsOptions } from '../clients.js';

export const ec2Client = (o: AwsOptions) => new EC2Client(plain(o));
