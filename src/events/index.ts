export * from './catalogue.js';
export * from './config-invocation.js';
export * from './dates.js';
export * from './duplicates.js';
export * from './errors.js';
export * from './input.js';
export * from './normalise.js';
export * from './references.js';
export type * from './types.js';
