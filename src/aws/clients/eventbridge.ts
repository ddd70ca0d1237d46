import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { plain, type AwsOptions } from '../clients.js';

export const eventBridgeClient = (o: AwsOptions) => new EventBridgeClient(plain(o));
