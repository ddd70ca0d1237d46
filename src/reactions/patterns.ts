import patterns from './event-patterns.json' with { type: 'json' };

/**
 * The EventBridge rule patterns that route events to the event Lambda: serverless.yml deploys these very patterns
 * (it reads event-patterns.json), and the demo installs them in the emulator.
 */
export const EVENT_PATTERNS: Record<string, Record<string, unknown>> = patterns;
