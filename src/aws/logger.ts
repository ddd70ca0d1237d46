import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger of vigil's Lambdas. Records add their own keys (secretArn, controlId, eventId); events are never logged whole. */
export const logger = new Logger({ serviceName: 'vigil' });
