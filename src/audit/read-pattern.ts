import pattern from './read-pattern.json' with { type: 'json' };

/**
 * The pattern of the audit's read rule: serverless.yml deploys it (scripts/event-patterns.cjs reads read-pattern.json) in
 * state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, and the demo installs it in the emulator.
 */
export const READ_EVENT_PATTERN: Record<string, unknown> = pattern;
